/* log.c - the system's log sink: "LEVEL ACTOR: text" lines, level-filtered
 * before any formatting so disabled levels cost one comparison. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/utf8.h"
#include "runtime/ext.h"
#include "runtime/system.h"
#include "runtime/timers.h"

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error"};

const char *wasp_log_level_name(int level) {
    return level >= WASP_LOG_TRACE && level <= WASP_LOG_ERROR ? level_names[level] : "?";
}

int wasp_log_level_parse(const char *name, int *level) {
    if (!name || !level) return WASP_EINVAL;
    for (int i = WASP_LOG_TRACE; i <= WASP_LOG_ERROR; i++)
        if (!strcmp(name, level_names[i])) {
            *level = i;
            return WASP_OK;
        }
    return WASP_EINVAL;
}

void wasp_system_set_log(wasp_system *sys, int min_level, wasp_log_fn fn, void *arg) {
    if (!sys) return;
    sys->log_level = min_level;
    sys->log_fn = fn;
    sys->log_arg = arg;
}

bool wasp_log_enabled(const wasp_system *sys, int level) { return sys && level >= sys->log_level; }

size_t wasp_log_escape(const char *text, char *out, size_t cap) {
    text = text ? text : "";
    return wasp__utf8_escape((const uint8_t *)text, strlen(text), out, cap, NULL);
}

void wasp_log(wasp_system *sys, int level, const char *actor, const char *fmt, ...) {
    if (!wasp_log_enabled(sys, level)) return;
    char raw[1024], text[1024], name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* Names and text may come from manifests and guests: one line each,
     * control characters escaped, so no line can be forged. */
    wasp_log_escape(raw, text, sizeof(text));
    wasp_log_escape(actor && *actor ? actor : "wasp", name, sizeof(name));
    actor = name;
    if (sys->log_fn) {
        sys->log_fn(sys->log_arg, level, actor, text);
        return;
    }
    /* One fprintf per line: stdio locks the stream, so lines never interleave. */
    fprintf(stderr, "%s %s: %s\n", wasp_log_level_name(level), actor, text);
}

int wasp__system_ext_claim(wasp_system *sys, void *ext) {
    void *expected = NULL;
    return atomic_compare_exchange_strong(&sys->ext, &expected, ext) ? WASP_OK : WASP_EEXIST;
}

void wasp__system_ext_release(wasp_system *sys, void *ext) {
    void *expected = ext;
    atomic_compare_exchange_strong(&sys->ext, &expected, NULL);
}

void *wasp__system_ext(wasp_system *sys) { return sys ? atomic_load(&sys->ext) : NULL; }

uint64_t wasp__system_timer(wasp_system *sys, uint64_t delay_ns, void (*fire)(void *), void (*drop)(void *),
                            void *arg) {
    if (!sys || atomic_load(&sys->state) >= WASP_SYS_STOPPING) return 0;
    return wasp__timers_schedule(sys->timers, delay_ns, fire, drop, arg);
}
