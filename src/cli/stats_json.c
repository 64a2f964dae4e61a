/* stats_json.c - the statistics JSON written by `wasp run --stats FILE`
 * (docs/CLI.md): every named actor the system ever started, once, and every
 * supervisor of the manifest's tree. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20) fprintf(f, "\\u%04x", *p);
            else fputc(*p, f);
        }
    }
    fputc('"', f);
}

static const char *strategy_name(int s) {
    switch (s) {
    case WASP_SUP_ONE_FOR_ALL: return "one_for_all";
    case WASP_SUP_REST_FOR_ONE: return "rest_for_one";
    default: return "one_for_one";
    }
}

struct visit {
    FILE *f;
    wasp_wasm *wasm;
    size_t n;
};

static int visit_actor(const wasp_actor_stats *st, void *arg) {
    struct visit *v = arg;
    if (!st->name[0]) return 0; /* anonymous helpers are not the system's actors */
    wasp_component_info info;
    bool wasm = v->wasm && wasp_component_info_get(v->wasm, st->id, &info) == WASP_OK;
    FILE *f = v->f;
    fprintf(f, "%s\n    {\"name\": ", v->n++ ? "," : "");
    json_string(f, st->name);
    fprintf(f,
            ", \"kind\": \"%s\", \"state\": \"%s\", \"handled\": %" PRIu64
            ", \"handler_errors\": %" PRIu64 ", \"crashes\": %" PRIu64 ", \"restarts\": %" PRIu64
            ", \"dead_letters\": %" PRIu64 ", \"mailbox_len\": %" PRIu32
            ", \"memory_bytes\": %" PRIu64 "}",
            wasm ? "wasm" : "native", wasp_state_name(st->state), st->handled, st->handler_errors,
            st->crashes, st->restarts, st->dead_letters, st->mailbox_len,
            wasm ? info.memory_bytes : (uint64_t)0);
    return 0;
}

int cli_write_stats(FILE *f, const struct cli_stats_input *in) {
    fprintf(f, "{\n  \"system\": ");
    json_string(f, wasp_manifest_name(in->manifest));
    fprintf(f, ",\n  \"uptime_ms\": %" PRIu64 ",\n  \"workers\": %d,\n  \"actors\": [",
            in->uptime_ms, wasp_system_workers(in->sys));
    struct visit v = {.f = f, .wasm = in->wasm};
    wasp_system_foreach(in->sys, visit_actor, &v);
    fprintf(f, "%s],\n  \"supervisors\": [", v.n ? "\n  " : "");
    size_t ns = in->root ? wasp_manifest_supervisor_count(in->manifest) : 0;
    for (size_t i = 0; i < ns; i++) {
        const wasp_manifest_supervisor *ms = wasp_manifest_supervisor_get(in->manifest, i);
        wasp_supervisor *sup = i == 0 ? in->root : wasp_supervisor_find(in->root, ms->name);
        wasp_supervisor_stats st;
        memset(&st, 0, sizeof(st));
        if (sup) wasp_supervisor_stats_get(sup, &st);
        fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
        json_string(f, ms->name);
        fprintf(f, ", \"strategy\": \"%s\", \"restarts\": %" PRIu64 ", \"gave_up\": %s}",
                strategy_name(ms->strategy), st.restarts, st.gave_up ? "true" : "false");
    }
    fprintf(f, "%s]\n}\n", ns ? "\n  " : "");
    return ferror(f) ? WASP_EIO : WASP_OK;
}
