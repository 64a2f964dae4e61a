/* ctl_proto.c - pieces of the control protocol: request parsing, payloads
 * (UTF-8 text or base64), error names. */
#include <stdlib.h>
#include <string.h>

#include "control/control.h"

int wasp__ctl_parse_request(const char *line, size_t len, json_t **req, char *msg, size_t cap) {
    json_error_t jerr;
    *req = NULL;
    json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!j) {
        snprintf(msg, cap, "not JSON: %s (column %d)", jerr.text, jerr.column);
        return WASP_EINVAL;
    }
    if (!json_is_object(j)) {
        snprintf(msg, cap, "a request is a JSON object");
        json_decref(j);
        return WASP_EINVAL;
    }
    if (!json_is_string(json_object_get(j, "cmd"))) {
        snprintf(msg, cap, "a request needs \"cmd\" (a string)");
        json_decref(j);
        return WASP_EINVAL;
    }
    *req = j;
    return WASP_OK;
}

int wasp__ctl_payload(const json_t *req, const void **data, size_t *len, void **owned) {
    const json_t *text = json_object_get(req, "data"), *b64 = json_object_get(req, "data_b64");
    *owned = NULL;
    *data = "";
    *len = 0;
    if (text && b64) return WASP_EINVAL;
    if (text) {
        if (!json_is_string(text)) return WASP_EINVAL;
        *data = json_string_value(text);
        *len = json_string_length(text);
        return WASP_OK;
    }
    if (!b64) return WASP_OK;
    if (!json_is_string(b64)) return WASP_EINVAL;
    size_t n = json_string_length(b64);
    void *buf = malloc(n / 4 * 3 + 1);
    if (!buf) return WASP_ENOMEM;
    long got = wasp__base64_decode(json_string_value(b64), n, buf);
    if (got < 0) {
        free(buf);
        return WASP_EINVAL;
    }
    *owned = buf;
    *data = buf;
    *len = (size_t)got;
    return WASP_OK;
}

int wasp__ctl_set_payload(json_t *obj, const void *data, size_t len) {
    json_t *s = json_stringn(data, len); /* NULL unless valid UTF-8 */
    if (s) return json_object_set_new(obj, "data", s) ? WASP_ENOMEM : WASP_OK;
    char *b = malloc(4 * ((len + 2) / 3) + 1);
    if (!b) return WASP_ENOMEM;
    wasp__base64_encode(data, len, b);
    int rc = json_object_set_new(obj, "data_b64", json_string(b)) ? WASP_ENOMEM : WASP_OK;
    free(b);
    return rc;
}

const char *wasp__ctl_errname(int err) {
    const char *n = wasp_errname(err);
    return strncmp(n, "WASP_", 5) ? n : n + 5;
}

int wasp__ctl_errcode(const char *name) {
    for (int e = -1; e >= -64; e--) {
        const char *n = wasp__ctl_errname(e);
        if (!strcmp(n, name)) return e;
    }
    return 0;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t wasp__base64_encode(const void *in, size_t len, char *out) {
    const unsigned char *p = in;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len) v |= p[i + 2];
        out[o++] = b64chars[v >> 18];
        out[o++] = b64chars[(v >> 12) & 63];
        out[o++] = i + 1 < len ? b64chars[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? b64chars[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static int b64value(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long wasp__base64_decode(const char *in, size_t len, void *out) {
    if (len % 4) return -1;
    unsigned char *o = out;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad || (v[k] = b64value(c)) < 0) return -1; /* data after '=' */
        }
        uint32_t x = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        o[n++] = (unsigned char)(x >> 16);
        if (pad < 2) o[n++] = (unsigned char)(x >> 8);
        if (pad < 1) o[n++] = (unsigned char)x;
    }
    return (long)n;
}
