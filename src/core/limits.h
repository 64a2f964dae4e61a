/* limits.h - every number of a component's settings that has a default or
 * a range, in one table (limits.c) read by both ways into wasp: the
 * manifest (its defaults, checks and error messages) and the C API
 * (wasp_component_load: 0 takes the default, then the same checks). A
 * default or a bound changes here and nowhere else (docs/MANIFEST.md lists
 * them for users). */
#ifndef WASP_CORE_LIMITS_H
#define WASP_CORE_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "wasp.h"

enum wasp__limit {
    WASP__LIM_INSTANCES,
    WASP__LIM_MAILBOX,
    WASP__LIM_STOP_TIMEOUT,
    WASP__LIM_HEALTH_TIMEOUT,
    WASP__LIM_UNHEALTHY_AFTER,
    WASP__LIM_MEMORY,
    WASP__LIM_MAX_MESSAGE,
    WASP__LIM_TIMESLICE,
    WASP__LIM_MAX_HANDLE_TIME,
    WASP__LIM_FUEL,
    WASP__LIM_TIMERS,
    WASP__LIM_SUBSCRIPTIONS,
    WASP__LIM_FILES,
    WASP__LIM_STORAGE_QUOTA,
    WASP__LIM_COUNT
};

/* How a value is written in a manifest. */
enum wasp__unit {
    WASP__UNIT_COUNT,    /* an integer */
    WASP__UNIT_BYTES,    /* a size: 64KiB */
    WASP__UNIT_DURATION, /* nanoseconds, written 100ms */
};

struct wasp__limit_info {
    const char *key;     /* as the manifest spells it: "limits.memory" */
    enum wasp__unit unit;
    uint64_t def;        /* what 0 (not given) stands for; 0: nothing */
    uint64_t min, max;
};

const struct wasp__limit_info *wasp__limit_info(enum wasp__limit l);
/* The spec's value of l, and setting it. */
uint64_t wasp__limit_get(const wasp_component_spec *s, enum wasp__limit l);
void wasp__limit_set(wasp_component_spec *s, enum wasp__limit l, uint64_t v);
/* Fills every value left 0 with its default (health ones only with health
 * checks, the quota only with storage granted). */
void wasp__limits_default(wasp_component_spec *s);
/* Checks v against l's range: WASP_OK, or WASP_EINVAL with the message
 * both ways into wasp print ("limits.memory must not exceed 4GiB") in msg. */
int wasp__limit_check(enum wasp__limit l, uint64_t v, char *msg, size_t cap);
/* Every value of s in range: WASP_OK, or the first that is not (as above). */
int wasp__limits_check(const wasp_component_spec *s, char *msg, size_t cap);
/* A size as users write it: "4GiB", "64MiB", else "N bytes". */
void wasp__size_text(uint64_t v, char *buf, size_t cap);

#endif
