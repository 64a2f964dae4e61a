/* limits.c - the table of component settings with a default or a range
 * (limits.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define MS 1000000ull

/* Where each value lives in a wasp_component_spec. */
#define FIELD(f) offsetof(wasp_component_spec, f), sizeof(((wasp_component_spec *)0)->f)

enum { ALWAYS, WITH_HEALTH, WITH_STORAGE };

static const struct entry {
    struct wasp__limit_info info;
    size_t off, size;
    int when; /* when the default applies */
} table[WASP__LIM_COUNT] = {
    [WASP__LIM_INSTANCES] = {{"instances", WASP__UNIT_COUNT, 1, 1, 100000}, FIELD(instances), ALWAYS},
    [WASP__LIM_MAILBOX] = {{"mailbox", WASP__UNIT_COUNT, 1024, 1, UINT32_MAX}, FIELD(mailbox), ALWAYS},
    [WASP__LIM_STOP_TIMEOUT] = {{"stop_timeout", WASP__UNIT_DURATION, 100 * MS, 1, UINT64_MAX},
                                FIELD(stop_timeout_ns), ALWAYS},
    [WASP__LIM_HEALTH_TIMEOUT] = {{"health.timeout", WASP__UNIT_DURATION, 50 * MS, 1, UINT64_MAX},
                                  FIELD(health.timeout_ns), WITH_HEALTH},
    [WASP__LIM_UNHEALTHY_AFTER] = {{"health.unhealthy_after", WASP__UNIT_COUNT, 3, 1, 1000000},
                                   FIELD(health.unhealthy_after), WITH_HEALTH},
    [WASP__LIM_MEMORY] = {{"limits.memory", WASP__UNIT_BYTES, 16 * MiB, 1, 4 * GiB}, FIELD(limits.memory), ALWAYS},
    [WASP__LIM_MAX_MESSAGE] = {{"limits.max_message", WASP__UNIT_BYTES, 64 * KiB, 1, GiB},
                               FIELD(limits.max_message), ALWAYS},
    [WASP__LIM_TIMESLICE] = {{"limits.timeslice", WASP__UNIT_DURATION, 2 * MS, 1, UINT64_MAX},
                             FIELD(limits.timeslice_ns), ALWAYS},
    [WASP__LIM_MAX_HANDLE_TIME] = {{"limits.max_handle_time", WASP__UNIT_DURATION, 5000 * MS, 1, UINT64_MAX},
                                   FIELD(limits.max_handle_ns), ALWAYS},
    [WASP__LIM_FUEL] = {{"limits.fuel", WASP__UNIT_COUNT, 0, 0, INT64_MAX}, FIELD(limits.fuel), ALWAYS},
    [WASP__LIM_TIMERS] = {{"limits.timers", WASP__UNIT_COUNT, WASP_LIMIT_TIMERS_DEFAULT, 1, WASP_LIMIT_COUNT_MAX},
                          FIELD(limits.timers), ALWAYS},
    [WASP__LIM_SUBSCRIPTIONS] = {{"limits.subscriptions", WASP__UNIT_COUNT, WASP_LIMIT_SUBSCRIPTIONS_DEFAULT, 1,
                                  WASP_LIMIT_COUNT_MAX},
                                 FIELD(limits.subscriptions), ALWAYS},
    [WASP__LIM_FILES] = {{"limits.files", WASP__UNIT_COUNT, WASP_LIMIT_FILES_DEFAULT, 1, WASP_LIMIT_FILES_MAX},
                         FIELD(limits.files), ALWAYS},
    [WASP__LIM_STORAGE_QUOTA] = {{"storage.quota", WASP__UNIT_BYTES, 16 * MiB, 1, 1ull << 40},
                                 FIELD(storage.quota), WITH_STORAGE},
};

const struct wasp__limit_info *wasp__limit_info(enum wasp__limit l) { return &table[l].info; }

uint64_t wasp__limit_get(const wasp_component_spec *s, enum wasp__limit l) {
    const char *p = (const char *)s + table[l].off;
    if (table[l].size == sizeof(uint32_t)) {
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return v;
    }
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

void wasp__limit_set(wasp_component_spec *s, enum wasp__limit l, uint64_t v) {
    char *p = (char *)s + table[l].off;
    if (table[l].size == sizeof(uint32_t)) {
        uint32_t n = (uint32_t)v;
        memcpy(p, &n, sizeof(n));
    } else {
        memcpy(p, &v, sizeof(v));
    }
}

void wasp__limits_default(wasp_component_spec *s) {
    for (int l = 0; l < WASP__LIM_COUNT; l++) {
        const struct entry *t = &table[l];
        if ((t->when == WITH_HEALTH && !s->health.interval_ns) || (t->when == WITH_STORAGE && !s->storage.granted))
            continue;
        if (!wasp__limit_get(s, l)) wasp__limit_set(s, l, t->info.def);
    }
}

void wasp__size_text(uint64_t v, char *buf, size_t cap) {
    if (v && v % GiB == 0) snprintf(buf, cap, "%lluGiB", (unsigned long long)(v / GiB));
    else if (v && v % MiB == 0) snprintf(buf, cap, "%lluMiB", (unsigned long long)(v / MiB));
    else snprintf(buf, cap, "%llu bytes", (unsigned long long)v);
}

int wasp__limit_check(enum wasp__limit l, uint64_t v, char *msg, size_t cap) {
    const struct wasp__limit_info *i = &table[l].info;
    if (v >= i->min && v <= i->max) return WASP_OK;
    if (v < i->min) {
        if (i->unit == WASP__UNIT_COUNT) snprintf(msg, cap, "%s must be at least %llu", i->key, (unsigned long long)i->min);
        else snprintf(msg, cap, "%s must be greater than 0", i->key);
    } else if (i->unit == WASP__UNIT_BYTES) {
        char lim[32];
        wasp__size_text(i->max, lim, sizeof(lim));
        snprintf(msg, cap, "%s must not exceed %s", i->key, lim);
    } else {
        snprintf(msg, cap, "%s must be at most %llu", i->key, (unsigned long long)i->max);
    }
    return WASP_EINVAL;
}

int wasp__limits_check(const wasp_component_spec *s, char *msg, size_t cap) {
    for (int l = 0; l < WASP__LIM_COUNT; l++) {
        const struct entry *t = &table[l];
        uint64_t v = wasp__limit_get(s, l);
        /* a setting that does not apply, or one left to mean "none" */
        if ((t->when == WITH_HEALTH && !s->health.interval_ns) || (t->when == WITH_STORAGE && !s->storage.granted) ||
            (!v && !t->info.def))
            continue;
        int rc = wasp__limit_check(l, v, msg, cap);
        if (rc) return rc;
    }
    return WASP_OK;
}
