/* str.h - small string helpers every layer may use. */
#ifndef WASP_CORE_STR_H
#define WASP_CORE_STR_H

#include <stdbool.h>
#include <string.h>

/* s ends with suffix (case-sensitive; "" ends every string). */
static inline bool wasp__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Copies src into dst (cap > 0 bytes), cut to fit, NUL-terminated; returns
 * the bytes copied. snprintf(dst, cap, "%s", src) without the formatter: for
 * paths taken on every crash and restart. */
static inline size_t wasp__str_copy(char *dst, size_t cap, const char *src) {
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = 0;
    return n;
}

#endif
