/* stats_json.c - the statistics JSON of `wasp run --stats FILE`, `wasp
 * stats` and /metrics (docs/CLI.md): every named actor the system ever
 * started, once, every supervisor of the manifest's tree, and the system's
 * totals. Built with jansson; fields beyond the contract's come after it. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *strategy_name(int s) {
    switch (s) {
    case WASP_SUP_ONE_FOR_ALL: return "one_for_all";
    case WASP_SUP_REST_FOR_ONE: return "rest_for_one";
    default: return "one_for_one";
    }
}

/* The counters of one actor. mailbox_len counts the message in hand too, so
 * that received = handled + dead_letters + mailbox_len in every snapshot,
 * and what was sent to it is received + timers_pending. */
static void set_counts(json_t *a, const wasp_actor_stats *st) {
    const struct {
        const char *key;
        uint64_t v;
    } c[] = {{"handled", st->handled}, {"handler_errors", st->handler_errors},
             {"crashes", st->crashes}, {"restarts", st->restarts},
             {"dead_letters", st->dead_letters},
             {"mailbox_len", (uint64_t)st->mailbox_len + st->in_hand},
             {"received", st->received}, {"timers_pending", st->timers_pending}};
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
        json_object_set_new(a, c[i].key, json_integer((json_int_t)c[i].v));
}

struct visit {
    json_t *list;
    wasp_wasm *wasm;
};

static int visit_actor(const wasp_actor_stats *st, void *arg) {
    struct visit *v = arg;
    if (!st->name[0]) return 0; /* anonymous helpers are not the system's actors */
    wasp_component_info info;
    bool wasm = v->wasm && wasp_component_info_get(v->wasm, st->id, &info) == WASP_OK;
    json_t *a = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
                          "name", st->name, "kind", wasm ? "wasm" : "native",
                          "state", wasp_state_name(st->state),
                          "handled", (json_int_t)0, "handler_errors", (json_int_t)0,
                          "crashes", (json_int_t)0, "restarts", (json_int_t)0,
                          "dead_letters", (json_int_t)0, "mailbox_len", (json_int_t)0,
                          "memory_bytes", (json_int_t)(wasm ? info.memory_bytes : 0),
                          "received", (json_int_t)0, "timers_pending", (json_int_t)0,
                          "start_seq", (json_int_t)st->start_seq);
    if (a) set_counts(a, st);
    if (a && wasm && info.last_error[0])
        json_object_set_new(a, "last_error", json_string(info.last_error));
    if (a && wasm) json_object_set_new(a, "instantiated", json_boolean(info.instantiated));
    return a && json_array_append_new(v->list, a) == 0 ? 0 : WASP_ENOMEM;
}

static json_t *supervisors_json(const struct cli_stats_input *in) {
    json_t *list = json_array();
    size_t ns = in->root ? wasp_manifest_supervisor_count(in->manifest) : 0;
    for (size_t i = 0; list && i < ns; i++) {
        const wasp_manifest_supervisor *ms = wasp_manifest_supervisor_get(in->manifest, i);
        wasp_supervisor *sup = i == 0 ? in->root : wasp_supervisor_find(in->root, ms->name);
        wasp_supervisor_stats st;
        memset(&st, 0, sizeof(st));
        if (sup) wasp_supervisor_stats_get(sup, &st);
        json_t *s = json_pack("{s:s,s:s,s:I,s:b}", "name", ms->name, "strategy",
                              strategy_name(ms->strategy), "restarts", (json_int_t)st.restarts,
                              "gave_up", st.gave_up);
        if (!s || json_array_append_new(list, s) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

json_t *cli_stats_json(const struct cli_stats_input *in) {
    struct visit v = {.list = json_array(), .wasm = in->wasm};
    if (!v.list || wasp_system_foreach(in->sys, visit_actor, &v) != 0) {
        json_decref(v.list);
        return NULL;
    }
    wasp_system_stats sys;
    wasp_system_stats_get(in->sys, &sys);
    return json_pack("{s:s,s:I,s:i,s:o,s:o?,s:{s:I,s:I,s:I,s:I}}",
                     "system", wasp_manifest_name(in->manifest),
                     "uptime_ms", (json_int_t)in->uptime_ms,
                     "workers", wasp_system_workers(in->sys),
                     "actors", v.list,
                     "supervisors", supervisors_json(in),
                     "totals", "actors", (json_int_t)sys.actors, "spawned", (json_int_t)sys.spawned,
                     "messages_sent", (json_int_t)sys.messages_sent,
                     "dead_letters", (json_int_t)sys.dead_letters);
}

static int settle_actor(const wasp_actor_stats *st, void *arg) {
    json_t *by_name = arg;
    json_t *a = st->name[0] ? json_object_get(by_name, st->name) : NULL;
    if (a) set_counts(a, st);
    return 0;
}

void cli_stats_settle(json_t *stats, wasp_system *sys) {
    json_t *by_name = json_object(), *list = json_object_get(stats, "actors"), *a;
    size_t i;
    if (!by_name) return;
    json_array_foreach(list, i, a) {
        const char *name = json_string_value(json_object_get(a, "name"));
        if (name) json_object_set(by_name, name, a);
    }
    wasp_system_foreach(sys, settle_actor, by_name);
    json_decref(by_name);
    wasp_system_stats t;
    wasp_system_stats_get(sys, &t);
    json_t *totals = json_object_get(stats, "totals");
    json_object_set_new(totals, "messages_sent", json_integer((json_int_t)t.messages_sent));
    json_object_set_new(totals, "dead_letters", json_integer((json_int_t)t.dead_letters));
}

/* The file layout of docs/CLI.md: one top-level field per line and one
 * array element per line ("key": value separators, as people read it). */
static int write_value(FILE *f, const json_t *v) {
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_INDENT(0));
    if (!text) return WASP_ENOMEM;
    fputs(text, f);
    free(text);
    return WASP_OK;
}

int cli_write_stats(FILE *f, json_t *j) {
    if (!j) return WASP_ENOMEM;
    int rc = WASP_OK;
    const char *key;
    json_t *v;
    size_t n = 0;
    fputs("{", f);
    json_object_foreach(j, key, v) {
        fprintf(f, "%s\n  \"%s\": ", n++ ? "," : "", key);
        if (!json_is_array(v) || json_array_size(v) == 0) {
            if (rc == WASP_OK) rc = write_value(f, v);
            continue;
        }
        size_t i;
        json_t *e;
        fputs("[", f);
        json_array_foreach(v, i, e) {
            fprintf(f, "%s\n    ", i ? "," : "");
            if (rc == WASP_OK) rc = write_value(f, e);
        }
        fputs("\n  ]", f);
    }
    fputs("\n}\n", f);
    return rc != WASP_OK ? rc : ferror(f) ? WASP_EIO : WASP_OK;
}
