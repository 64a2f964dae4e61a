/* bench_wasm_life.c - component lifecycles: spawn-wasm, density-wasm,
 * restart-wasm (docs/CLI.md). A spawn is a full actor start: registration,
 * ready to receive. The sink runs nothing at instantiation, so after the
 * first its actors are lazy: the instance is made at the first message
 * (docs/COMPONENTS.md); spawn-wasm/first-message times spawn plus that. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_wasm_util.h"

/* Spawns `n` sink components one at a time (timing each); ids optional. */
static int spawn_many(struct bench_world *w, uint32_t n, struct bench_samples *s, double *rss_per,
                      const struct bench_guest *guest) {
    wasp_component_spec spec = {.name = "idle", .instances = n, .mailbox = 16};
    if (guest->file && guest->file[0] == '/') { /* Python and JavaScript: WASI, room to run */
        spec.permissions.wasi = true;
        spec.limits.memory = 64u << 20;
    }
    wasp_component *c = bench_guest_load(w, &spec, guest);
    wasp_child_spec *kids = c ? calloc(n, sizeof(*kids)) : NULL;
    if (!kids) return 1;
    wasp_component_child_specs(c, kids);
    malloc_trim(0); /* memory freed by earlier scenarios must not hide this one's growth */
    double rss0 = bench_rss_kib();
    int status = 0;
    for (uint32_t i = 0; i < n && !status; i++) {
        uint64_t t0 = bench_now_ns();
        status = wasp_spawn(w->sys, kids[i].actor, NULL);
        if (s) bench_samples_add(s, (double)(bench_now_ns() - t0));
        if (status) {
            char err[512];
            wasp_component_error(c, err, sizeof(err));
            fprintf(stderr, "bench: spawn %u failed: %s (%s)\n", i, wasp_errname(status), err);
        }
    }
    if (rss_per) *rss_per = (bench_rss_kib() - rss0) / n;
    free(kids);
    return status;
}

static const struct bench_guest wat_sink = {.wat = bench_wat_sink};

/* One request to id, answered: 0 or 1 (printed). */
static int ask_once(struct bench_world *w, wasp_aid id, const char *what, uint32_t i) {
    void *reply = NULL;
    size_t len = 0;
    int rc = wasp_ask(w->sys, id, "x", 1, 10000000000ull, &reply, &len);
    free(reply);
    if (rc) fprintf(stderr, "bench: %s %u failed: %s\n", what, i, wasp_errname(rc));
    return rc != 0;
}

/* Spawns n echo components one at a time, each timed until it has answered
 * a first request (spawn, instantiation, one message: `first`); then one
 * more request to each, timed alone (`next`), the part that is no spawn. */
static int spawn_and_ask(struct bench_world *w, uint32_t n, struct bench_samples *first,
                         struct bench_samples *next) {
    wasp_component_spec spec = {.name = "first", .instances = n, .mailbox = 16};
    wasp_component *c = bench_component(w, &spec, bench_wat_echo);
    wasp_child_spec *kids = c ? calloc(n, sizeof(*kids)) : NULL;
    wasp_aid *ids = kids ? calloc(n, sizeof(*ids)) : NULL;
    int status = ids ? 0 : 1;
    if (!status) wasp_component_child_specs(c, kids);
    for (uint32_t i = 0; i < n && !status; i++) {
        uint64_t t0 = bench_now_ns();
        status = wasp_spawn(w->sys, kids[i].actor, &ids[i]) || ask_once(w, ids[i], "spawn and ask", i);
        bench_samples_add(first, (double)(bench_now_ns() - t0));
    }
    for (uint32_t i = 0; i < n && !status; i++) {
        uint64_t t0 = bench_now_ns();
        status = ask_once(w, ids[i], "ask", i);
        bench_samples_add(next, (double)(bench_now_ns() - t0));
    }
    free(ids);
    free(kids);
    return status;
}

int bench_spawn_run(const struct bench_config *cfg, struct bench_result *out, const struct bench_guest *sink,
                    uint32_t n) {
    struct bench_world w;
    /* The allocator `wasp run` picks for a system of this size; Python and
     * JavaScript components need larger memories than its slots: on demand. */
    bool script = sink->file && sink->file[0] == '/';
    wasp_wasm_config wc = {.pooling = !script, .pool_instances = 2 * n + 16, .pool_memory_max = 16u << 20};
    char cache[4096];
    if (script) { /* `wasp run`'s disk cache: compiling them takes Wasmtime tens of seconds */
        const char *home = getenv("HOME");
        snprintf(cache, sizeof cache, "%s/.cache/wasp/modules", home ? home : "/tmp");
        wc.cache_dir = cache;
    }
    if (bench_world_new(&w, cfg, &wc)) return 1;
    struct bench_samples s = {0};
    double rss = -1;
    int status = spawn_many(&w, n, &s, &rss, sink);
    wasp_system_stats st;
    wasp_system_stats_get(w.sys, &st);
    if (st.actors != n) status = 1; /* all alive at the end */
    bench_result_from_samples(out, &s, n);
    out->rss_kib_per_actor = rss;
    snprintf(out->note, sizeof(out->note), "%u %s alive at the end, compiled once%s%s", n,
             sink->wat ? "components" : sink->file, script ? "" : ", pooling",
             sink->wat ? "; lazy: instantiated at the first message (see /first-message)" : "");
    if (sink->wat && !status) {
        struct bench_samples first = {0}, next = {0};
        status = spawn_and_ask(&w, n / 4 ? n / 4 : 1, &first, &next);
        bench_result_add_row(out, "first-message", &first,
                             "spawn, then one request answered: the instantiation and the message included");
        bench_result_add_row(out, "next-message", &next, "a second request to each of those: the ask alone");
        bench_samples_free(&first);
        bench_samples_free(&next);
    }
    bench_samples_free(&s);
    bench_world_free(&w);
    return status;
}

static int bench_spawn(const struct bench_config *cfg, struct bench_result *out) {
    return bench_spawn_run(cfg, out, &wat_sink, cfg->smoke ? 500 : 10000);
}

/* 100,000 instances need about three memory mappings each; Linux allows
 * 65,530 per process by default. Raise the limit when we may (root). */
void bench_raise_map_count(uint64_t want) {
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    unsigned long long have = 0;
    if (f) {
        if (fscanf(f, "%llu", &have) != 1) have = 0;
        fclose(f);
    }
    if (have >= want) return;
    f = fopen("/proc/sys/vm/max_map_count", "w");
    if (!f) return;
    fprintf(f, "%llu\n", (unsigned long long)want);
    fclose(f);
}

static int bench_density(const struct bench_config *cfg, struct bench_result *out) {
    const uint32_t n = cfg->smoke ? 2000 : 100000;
    bench_raise_map_count((uint64_t)n * 4 + 65536);
    struct bench_world w;
    wasp_wasm_config wc = {.pooling = true, .pool_instances = n + 16};
    if (bench_world_new(&w, cfg, &wc)) return 1;
    double rss = -1;
    uint64_t t0 = bench_now_ns();
    int status = spawn_many(&w, n, NULL, &rss, &wat_sink);
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    wasp_system_stats st;
    wasp_system_stats_get(w.sys, &st);
    if (st.actors != n) status = 1;
    out->n = n;
    out->rss_kib_per_actor = rss;
    out->ops_per_s = secs > 0 ? n / secs : 0;
    snprintf(out->note, sizeof(out->note), "%u idle components alive at once (1-page memory, pooling)", n);
    bench_world_free(&w);
    return status;
}

/* ---- restart-wasm ------------------------------------------------------------- */

struct restarted {
    wasp_system *sys;
    wasp_aid id;
    uint64_t n;
};

static bool restarted_n(void *arg) {
    struct restarted *r = arg;
    wasp_actor_stats st;
    return wasp_actor_stats_get(r->sys, r->id, &st) == WASP_OK && st.restarts >= r->n &&
           st.state == WASP_STATE_READY;
}

/* n messages queued ahead to a supervised `crasher` of this module, each
 * crashing it, per rep; a sample is a rep's time per restart. */
static int restart_run(const struct bench_config *cfg, const char *wat, uint32_t n, struct bench_samples *s) {
    struct bench_world w;
    /* Pooling, as `wasp run` sizes it for a small system: a restart's
     * fresh instance reuses a warm slot instead of mapping new memory. */
    wasp_wasm_config wc = {.pooling = true, .pool_instances = 64, .pool_memory_max = 16u << 20};
    if (bench_world_new(&w, cfg, &wc)) return 1;
    wasp_component_spec spec = {.name = "crasher", .mailbox = n + 16};
    wasp_component *c = bench_component(&w, &spec, wat);
    if (!c) {
        bench_world_free(&w);
        return 1;
    }
    wasp_child_spec child;
    wasp_component_child_specs(c, &child);
    wasp_supervisor_spec sup = {.name = "sup", .intensity = UINT32_MAX, .period_ns = 1000000000ull,
                                .children = &child, .nchildren = 1};
    wasp_supervisor *sv = NULL;
    int status = wasp_supervisor_start(w.sys, &sup, &sv);
    struct restarted r = {w.sys, 0, 0};
    if (!status) status = wasp_lookup(w.sys, "crasher", &r.id);
    for (int rep = 0; !status && rep < (cfg->smoke ? 2 : 4); rep++) {
        uint64_t t0 = bench_now_ns();
        for (uint32_t i = 0; i < n && !status; i++) status = wasp_send_name(w.sys, "crasher", "boom", 4);
        r.n += n;
        /* Polled every millisecond: finer polling woke this thread ~15,000
         * times a second, ~12% of the samples of a profile on 2 cores, taken
         * from the workers it measures (1 ms in a rep of 20,000 restarts is
         * < 1% of it). */
        if (status || !bench_wait(restarted_n, &r, 300000, 1000)) {
            status = 1;
            break;
        }
        if (rep) bench_samples_add(s, (double)(bench_now_ns() - t0) / n);
    }
    bench_world_free(&w);
    wasp_supervisor_destroy(sv);
    return status;
}

/* The guest crashes on purpose through the import `crash` (a host-raised
 * trap, as a guest's abort() with the SDK, an Erlang process's
 * erlang:error); restart-wasm/trap is the same with a trap instruction
 * (`unreachable`, which on a virtual machine also costs a VM exit). */
static int bench_restart(const struct bench_config *cfg, struct bench_result *out) {
    const uint32_t n = cfg->smoke ? 200 : 20000;
    struct bench_samples s = {0}, trap = {0};
    int status = restart_run(cfg, bench_wat_crasher, n, &s);
    bench_result_from_samples(out, &s, (uint64_t)n * s.len);
    snprintf(out->note, sizeof(out->note), "crash (import `crash`), supervisor restart with a fresh instance, "
                                           "next message; messages queued ahead");
    if (!status) status = restart_run(cfg, bench_wat_trapper, n, &trap);
    bench_result_add_row(out, "trap", &trap, "the same, the guest trapping on `unreachable` (ud2)");
    out->extra[out->nextra - 1].n = (uint64_t)n * trap.len;
    bench_samples_free(&s);
    bench_samples_free(&trap);
    return status;
}

BENCH_SCENARIO(spawn_wasm, "spawn-wasm", "spawning one component actor until ready (10,000, module compiled)",
               bench_spawn)
BENCH_SCENARIO(density_wasm, "density-wasm", "100,000 idle component actors alive at once", bench_density)
BENCH_SCENARIO(restart_wasm, "restart-wasm", "a crashing component restarted by its supervisor until ready",
               bench_restart)
