/* fuzz_http_envelope.c - the HTTP ingress's envelopes (docs/HTTP.md): any
 * bytes a component replies are parsed as a response envelope, never read
 * past their end, and every header it yields is well formed; a request
 * envelope built from the same bytes has the length it claims; any bytes as
 * a Content-Type give a codec whose media type maps back to it. */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *d = (const char *)data;
    wasp__http_response r;
    char why[128];
    if (wasp__http_parse_response(d, size, &r, why, sizeof(why)) == WASP_OK) {
        if (r.status < 100 || r.status > 599) abort();
        if (r.body < d || r.body + r.body_len > d + size) abort();
        for (size_t i = 0; i < r.nheaders; i++) {
            if (!r.headers[i].name_len) abort();
            for (size_t k = 0; k < r.headers[i].value_len; k++)
                if (r.headers[i].value[k] == '\n' || r.headers[i].value[k] == '\r') abort();
        }
    }
    /* Split the input into method / target / one header / body. */
    size_t q = size / 4;
    struct wasp__http_kv h = {d + q, q, d + 2 * q, q};
    char *env;
    size_t len;
    if (wasp__http_request_envelope(d, q, d + q, q, &h, 1, d + 3 * q, size - 3 * q, &env, &len) == WASP_OK) {
        if (len != q + 1 + q + 1 + q + 2 + q + 1 + 1 + (size - 3 * q)) abort();
        free(env);
    }
    uint64_t codec = wasp__http_codec_of_type(d, size);
    const char *type = wasp__http_type_of_codec(codec);
    if (codec != WASP_CODEC_NONE && (!type || wasp__http_codec_of_type(type, strlen(type)) != codec)) abort();
    wasp__http_route_matches("/kv/*", d, size);
    wasp__http_route_matches("/exact", d, size);
    return 0;
}
