/* utf8.h - the one UTF-8 validator: names, topics, manifests and guest
 * strings all go through it. */
#ifndef WASP_CORE_UTF8_H
#define WASP_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offset of the first byte that does not begin a valid sequence, or len when
 * all of s is valid. Valid means strict UTF-8 (Unicode table 3-7: no
 * overlongs, no surrogates, nothing above U+10FFFF) without NUL bytes, since
 * every string wasp validates ends up as a C string. */
size_t wasp__utf8_invalid_at(const uint8_t *s, size_t len);

static inline bool wasp__utf8_valid(const void *s, size_t len) {
    return wasp__utf8_invalid_at((const uint8_t *)s, len) == len;
}

#endif
