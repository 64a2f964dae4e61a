/* fuzz_control.c - the control protocol's parsing boundary: a request line
 * (JSON, "cmd", payloads in text or base64), base64 both ways, and the
 * metrics text made from whatever JSON arrives (docs/CONTROL.md). */
#include <stdlib.h>
#include <string.h>

#include "control/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char msg[256];
    json_t *req = NULL;
    if (wasp__ctl_parse_request((const char *)data, size, &req, msg, sizeof(msg)) == WASP_OK) {
        const void *p;
        size_t len;
        void *owned;
        if (wasp__ctl_payload(req, &p, &len, &owned) == WASP_OK) {
            json_t *back = json_object();
            if (back && wasp__ctl_set_payload(back, p, len) == WASP_OK) {
                const void *q;
                size_t qlen;
                void *qowned;
                if (wasp__ctl_payload(back, &q, &qlen, &qowned) != WASP_OK || qlen != len ||
                    memcmp(p, q, len))
                    abort(); /* a payload must survive its own encoding */
                free(qowned);
            }
            json_decref(back);
            free(owned);
        }
        free(wasp__metrics_text(req)); /* any shape of "statistics" */
        json_decref(req);
    }
    /* Base64 of arbitrary text: decodes or is refused, never overruns. */
    char *out = malloc(size / 4 * 3 + 1);
    if (out) {
        long n = wasp__base64_decode((const char *)data, size, out);
        if (n >= 0) {
            char *enc = malloc(4 * (((size_t)n + 2) / 3) + 1);
            if (enc) {
                wasp__base64_encode(out, (size_t)n, enc);
                if (strlen(enc) != size) abort(); /* canonical length */
                free(enc);
            }
        }
        free(out);
    }
    return 0;
}
