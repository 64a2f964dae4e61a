/* name.h - the one rule for the names of components and supervisors
 * (docs/MANIFEST.md), shared by the manifest and wasp_component_load:
 * letters, digits, '_' and '-', at most WASP__UNIT_NAME_MAX bytes (room for
 * the ".N" of instance names within the runtime's 255), and not "wasp",
 * which is the runtime's. (Actor names are any 1..255 bytes: the runtime's
 * registry checks those.) */
#ifndef WASP_CORE_NAME_H
#define WASP_CORE_NAME_H

#define WASP__UNIT_NAME_MAX 200

enum wasp__name_problem {
    WASP__NAME_OK,
    WASP__NAME_CHARS,    /* empty, or a character outside [A-Za-z0-9_-] */
    WASP__NAME_RESERVED, /* "wasp" */
    WASP__NAME_LONG,     /* longer than WASP__UNIT_NAME_MAX */
};

/* What is wrong with s (NULL: WASP__NAME_CHARS), checked in that order. */
enum wasp__name_problem wasp__unit_name_check(const char *s);

#endif
