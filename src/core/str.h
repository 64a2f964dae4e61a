/* str.h - small string predicates every layer may use. */
#ifndef WASP_CORE_STR_H
#define WASP_CORE_STR_H

#include <stdbool.h>
#include <string.h>

/* s ends with suffix (case-sensitive; "" ends every string). */
static inline bool wasp__ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

#endif
