/* log_sink.c - the log lines of `wasp run`: every line gets a UTC timestamp,
 * as text ("2026-11-30T08:42:27.123Z info ACTOR: text") or as one JSON
 * object per line (--log-format json). One write per line, so lines from
 * several threads never interleave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void timestamp(char *buf, size_t cap) {
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static void write_line(const char *line, size_t len) {
    while (len) {
        ssize_t w = write(STDERR_FILENO, line, len);
        if (w <= 0) return; /* a closed stderr must not stop the system */
        line += w;
        len -= (size_t)w;
    }
}

/* A JSON string of s; bytes that are not UTF-8 become '?'. */
static json_t *json_text(const char *s) {
    json_t *j = json_string(s);
    if (j) return j;
    char *copy = strdup(s);
    if (!copy) return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80) *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

void cli_log_sink(void *arg, int level, const char *actor, const char *text) {
    int format = (int)(intptr_t)arg;
    char ts[40];
    timestamp(ts, sizeof(ts));
    if (format == CLI_LOG_JSON) {
        json_t *o = json_pack("{s:s,s:s,s:o,s:o}", "ts", ts, "level", wasp_log_level_name(level),
                              "actor", json_text(actor), "msg", json_text(text));
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!s) return;
        size_t n = strlen(s);
        char *line = realloc(s, n + 2);
        if (!line) {
            free(s);
            return;
        }
        line[n] = '\n';
        write_line(line, n + 1);
        free(line);
        return;
    }
    char line[1400];
    int n = snprintf(line, sizeof(line), "%s %s %s: %s\n", ts, wasp_log_level_name(level), actor, text);
    if (n < 0) return;
    if ((size_t)n >= sizeof(line)) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    write_line(line, (size_t)n);
}

int cli_log_format_parse(const char *s, int *format) {
    if (!strcmp(s, "text")) *format = CLI_LOG_TEXT;
    else if (!strcmp(s, "json")) *format = CLI_LOG_JSON;
    else return WASP_EINVAL;
    return WASP_OK;
}
