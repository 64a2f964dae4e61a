/* utf8.h - the one UTF-8 validator: names, topics, manifests and guest
 * strings all go through it; and the one escaper of text for a single line. */
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

/* Escapes len bytes of s into out (cap bytes, always NUL-terminated when cap
 * > 0) so that they make one line that cannot pass for another: valid UTF-8
 * is copied, and every control character but tab, DEL, C1 control, NUL and
 * byte of invalid UTF-8 becomes \xNN. Stops before a character or escape
 * that would not fit whole. Returns the length written; *used (if not NULL)
 * gets how many bytes of s were consumed (len when all of them). */
size_t wasp__utf8_escape(const uint8_t *s, size_t len, char *out, size_t cap, size_t *used);

#endif
