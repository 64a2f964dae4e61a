/* name.c - the rule for component and supervisor names (name.h). */
#include <string.h>

#include "core/name.h"

enum wasp__name_problem wasp__unit_name_check(const char *s) {
    if (!s || !*s) return WASP__NAME_CHARS;
    size_t n = 0;
    for (const char *p = s; *p; p++, n++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return WASP__NAME_CHARS;
    if (!strcmp(s, "wasp")) return WASP__NAME_RESERVED;
    return n > WASP__UNIT_NAME_MAX ? WASP__NAME_LONG : WASP__NAME_OK;
}
