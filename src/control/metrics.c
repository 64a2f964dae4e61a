/* metrics.c - Prometheus text exposition (format 0.0.4) of the statistics
 * JSON: every numeric field of an actor, supervisor or the system becomes a
 * metric named wasp_<group>_<field>, counters suffixed _total. New fields in
 * the statistics appear here without code. Plus the process's resident
 * memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/control.h"

/* Fields that only ever grow; everything else numeric is a gauge. */
static bool is_counter(const char *field) {
    static const char *const counters[] = {"handled", "handler_errors", "crashes", "restarts",
                                           "dead_letters", "received", "spawned",
                                           "messages_sent", NULL};
    for (size_t i = 0; counters[i]; i++)
        if (!strcmp(field, counters[i])) return true;
    return false;
}

static void label_value(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') fputc('\\', f);
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*s, f);
    }
}

static void metric_name(FILE *f, const char *group, const char *field, bool counter) {
    fprintf(f, "wasp_%s_", group);
    for (const char *p = field; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        fputc(ok ? c : '_', f);
    }
    if (counter) fputs("_total", f);
}

static bool numeric(const json_t *v) {
    return json_is_integer(v) || json_is_real(v) || json_is_boolean(v);
}

static double number(const json_t *v) {
    return json_is_boolean(v) ? (json_is_true(v) ? 1 : 0) : json_number_value(v);
}

/* One metric family per numeric field of the objects in `list`, labelled by
 * `key` (their "name") and the system. */
static void families(FILE *f, const char *sys, const json_t *list, const char *group,
                     const char *key) {
    const json_t *first = json_array_get(list, 0);
    const char *field;
    const json_t *v;
    json_object_foreach((json_t *)first, field, v) {
        if (!numeric(v) || !strcmp(field, "id") || !strcmp(field, "start_seq")) continue;
        bool counter = is_counter(field);
        fputs("# TYPE ", f);
        metric_name(f, group, field, counter);
        fputs(counter ? " counter\n" : " gauge\n", f);
        size_t i;
        const json_t *o;
        json_array_foreach(list, i, o) {
            const json_t *x = json_object_get(o, field);
            if (!numeric(x)) continue;
            metric_name(f, group, field, counter);
            fputs("{system=\"", f);
            label_value(f, sys);
            fprintf(f, "\",%s=\"", key);
            const char *name = json_string_value(json_object_get(o, "name"));
            label_value(f, name ? name : "");
            const char *kind = json_string_value(json_object_get(o, "kind"));
            if (kind) {
                fputs("\",kind=\"", f);
                label_value(f, kind);
            }
            fprintf(f, "\"} %.17g\n", number(x));
        }
    }
}

/* Resident set size from /proc/self/statm (pages). */
static long rss_bytes(void) {
    FILE *s = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (!s) return 0;
    if (fscanf(s, "%ld %ld", &size, &resident) != 2) resident = 0;
    fclose(s);
    return resident * sysconf(_SC_PAGESIZE);
}

char *wasp__metrics_text(const json_t *stats) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    const char *sys = json_string_value(json_object_get(stats, "system"));
    if (!sys) sys = "";
    const json_t *actors = json_object_get(stats, "actors");
    const json_t *sups = json_object_get(stats, "supervisors");
    families(f, sys, actors, "actor", "actor");
    families(f, sys, sups, "supervisor", "supervisor");
    const char *field;
    const json_t *v;
    json_object_foreach((json_t *)json_object_get(stats, "totals"), field, v) {
        if (!numeric(v)) continue;
        bool counter = is_counter(field);
        fputs("# TYPE ", f);
        metric_name(f, "system", field, counter);
        fputs(counter ? " counter\n" : " gauge\n", f);
        metric_name(f, "system", field, counter);
        fputs("{system=\"", f);
        label_value(f, sys);
        fprintf(f, "\"} %.17g\n", number(v));
    }
    fputs("# TYPE wasp_uptime_seconds gauge\nwasp_uptime_seconds{system=\"", f);
    label_value(f, sys);
    fprintf(f, "\"} %.3f\n", (double)json_integer_value(json_object_get(stats, "uptime_ms")) / 1000);
    fputs("# HELP wasp_process_resident_memory_bytes Resident memory of the wasp process.\n"
          "# TYPE wasp_process_resident_memory_bytes gauge\nwasp_process_resident_memory_bytes{system=\"", f);
    label_value(f, sys);
    fprintf(f, "\"} %ld\n", rss_bytes());
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
