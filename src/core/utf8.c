/* utf8.c - strict UTF-8 validation and escaping (see utf8.h). */
#include "core/utf8.h"

#include <string.h>

size_t wasp__utf8_invalid_at(const uint8_t *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c == 0) return i;
        if (c < 0x80) {
            i++;
            continue;
        }
        /* Lead byte: how many continuation bytes, and the range the first of
         * them must fall in (this is what excludes overlongs, surrogates and
         * code points above U+10FFFF). */
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else return i;
        if (len - i - 1 < need) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80) return i;
        i += need + 1;
    }
    return len;
}

/* Length of the valid UTF-8 sequence at s (n bytes left; not a C1 control), or 0. */
static size_t sequence_len(const uint8_t *s, size_t left) {
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (n == 0 || n > left || wasp__utf8_invalid_at(s, n) != n) return 0;
    return n == 2 && s[0] == 0xC2 && s[1] < 0xA0 ? 0 : n; /* U+0080..U+009F: C1 controls */
}

size_t wasp__utf8_escape(const uint8_t *s, size_t len, char *out, size_t cap, size_t *used) {
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, o = 0;
    if (out && cap) {
        while (i < len) {
            uint8_t c = s[i];
            size_t n = c >= 0x80 ? sequence_len(s + i, len - i) : (c < 0x20 && c != '\t') || c == 0x7f ? 0 : 1;
            if (n) {
                if (o + n >= cap) break;
                memcpy(out + o, s + i, n);
                o += n;
                i += n;
                continue;
            }
            if (o + 4 >= cap) break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
            i++;
        }
        out[o] = 0;
    }
    if (used) *used = i;
    return o;
}
