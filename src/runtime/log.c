/* log.c - the system's log sink: "LEVEL ACTOR: text" lines, level-filtered
 * before any formatting so disabled levels cost one comparison. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/ext.h"
#include "runtime/internal.h"

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

void wasp_log(wasp_system *sys, int level, const char *actor, const char *fmt, ...) {
    if (!wasp_log_enabled(sys, level)) return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (!actor || !*actor) actor = "wasp";
    if (sys->log_fn) {
        sys->log_fn(sys->log_arg, level, actor, text);
        return;
    }
    /* One fprintf per line: stdio locks the stream, so lines never interleave. */
    fprintf(stderr, "%s %s: %s\n", wasp_log_level_name(level), actor, text);
}

int wasp_system_ext_claim(wasp_system *sys, void *ext) {
    void *expected = NULL;
    return atomic_compare_exchange_strong(&sys->ext, &expected, ext) ? WASP_OK : WASP_EEXIST;
}

void wasp_system_ext_release(wasp_system *sys, void *ext) {
    void *expected = ext;
    atomic_compare_exchange_strong(&sys->ext, &expected, NULL);
}

void *wasp_system_ext(wasp_system *sys) { return sys ? atomic_load(&sys->ext) : NULL; }
