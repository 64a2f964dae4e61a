/* bench_component.c - Component Model components beside core modules:
 * spawn-component, ring-component, pingpong-component, and handle-message
 * of 16 B and 64 KiB for the same C code built as a core module and as a
 * component (handle-{wasm,component}-{16b,64k}); spawn-component-py and
 * spawn-component-js for the examples' Python and JavaScript components.
 * The C guests are the files in bench/guests, built both ways into WASP_BENCH_GUESTS
 * (docs/BENCHMARKS.md). */
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_wasm_util.h"

#ifndef WASP_BENCH_GUESTS
#define WASP_BENCH_GUESTS "bench/guests"
#endif
#ifndef WASP_BENCH_EXAMPLES
#define WASP_BENCH_EXAMPLES "examples"
#endif

static int reps_of(const struct bench_config *cfg, int full) {
    return cfg->repetitions > 0 ? cfg->repetitions : (cfg->smoke ? 1 : full);
}

/* Loads a guest file (kind "core" or "cm") into spec; NULL if it is missing. */
static wasp_component *load_file(struct bench_world *w, wasp_component_spec *spec, const char *path) {
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "bench: %s is missing (built with the tree; needs scripts/setup-guest-tools.sh)\n", path);
        return NULL;
    }
    spec->wasm_path = path;
    wasp_component *c = NULL;
    char err[512];
    if (wasp_component_load(w->wasm, spec, &c, err, sizeof(err))) fprintf(stderr, "bench: %s\n", err);
    return c;
}

static wasp_component *load_guest(struct bench_world *w, wasp_component_spec *spec, const char *kind,
                                  const char *name) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s.wasm", WASP_BENCH_GUESTS, kind, name);
    return load_file(w, spec, path);
}

/* ---- spawn ----------------------------------------------------------------- */

/* Spawns n instances of a loaded component one at a time, timing each. */
static int spawn_timed(struct bench_world *w, wasp_component *c, uint32_t n, struct bench_samples *s,
                       double *rss_per) {
    wasp_child_spec *kids = calloc(n, sizeof(*kids));
    if (!kids) return 1;
    wasp_component_child_specs(c, kids);
    malloc_trim(0);
    double rss0 = bench_rss_kib();
    int status = 0;
    for (uint32_t i = 0; i < n && !status; i++) {
        uint64_t t0 = bench_now_ns();
        status = wasp_spawn(w->sys, kids[i].actor, NULL);
        bench_samples_add(s, (double)(bench_now_ns() - t0));
        if (status) {
            char err[512];
            wasp_component_error(c, err, sizeof(err));
            fprintf(stderr, "bench: spawn %u failed: %s (%s)\n", i, wasp_errname(status), err);
        }
    }
    *rss_per = (bench_rss_kib() - rss0) / n;
    free(kids);
    return status;
}

static int bench_spawn_component(const struct bench_config *cfg, struct bench_result *out) {
    const uint32_t n = cfg->smoke ? 200 : 5000;
    struct bench_world w;
    wasp_wasm_config wc = {.pooling = true, .pool_instances = 2 * n + 16, .pool_memory_max = 16u << 20};
    if (bench_world_new(&w, cfg, &wc)) return 1;
    wasp_component_spec spec = {.name = "idle", .instances = n, .mailbox = 16};
    wasp_component *c = load_guest(&w, &spec, "cm", "sink");
    struct bench_samples s = {0};
    double rss = -1;
    int status = !c || spawn_timed(&w, c, n, &s, &rss);
    bench_result_from_samples(out, &s, s.len);
    out->rss_kib_per_actor = rss;
    snprintf(out->note, sizeof(out->note), "%u C components (bench/guests/sink.c), compiled once, pooling", n);
    bench_samples_free(&s);
    bench_world_free(&w);
    return status;
}

/* Python and JavaScript: the examples' components, from the disk cache of
 * `wasp run` when it has them (compiling takes Wasmtime tens of seconds). */
static int spawn_script(const struct bench_config *cfg, struct bench_result *out, const char *file,
                        const char *lang) {
    const uint32_t n = cfg->smoke ? 3 : 50;
    char cache[4096];
    const char *home = getenv("HOME");
    snprintf(cache, sizeof cache, "%s/.cache/wasp/modules", home ? home : "/tmp");
    struct bench_world w;
    wasp_wasm_config wc = {.cache_dir = cache};
    if (bench_world_new(&w, cfg, &wc)) return 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/polyglot/%s", WASP_BENCH_EXAMPLES, file);
    wasp_component_spec spec = {.name = "script", .instances = n, .mailbox = 16, .limits = {.memory = 64u << 20},
                                .permissions = {.wasi = true}};
    wasp_component *c = load_file(&w, &spec, path);
    struct bench_samples s = {0};
    double rss = -1;
    int status = !c || spawn_timed(&w, c, n, &s, &rss);
    bench_result_from_samples(out, &s, s.len);
    out->rss_kib_per_actor = rss;
    snprintf(out->note, sizeof(out->note), "%u %s components (examples/polyglot/%s), on-demand allocation", n,
             lang, file);
    bench_samples_free(&s);
    bench_world_free(&w);
    return status;
}

static int bench_spawn_py(const struct bench_config *cfg, struct bench_result *out) {
    return spawn_script(cfg, out, "pricer.wasm", "Python");
}

static int bench_spawn_js(const struct bench_config *cfg, struct bench_result *out) {
    return spawn_script(cfg, out, "audit.wasm", "JavaScript");
}

/* ---- ring and pingpong ------------------------------------------------------ */

static int bench_ring_component(const struct bench_config *cfg, struct bench_result *out) {
    const uint32_t n = cfg->smoke ? 50 : 1000;
    const int32_t hops = cfg->smoke ? 5000 : 500000;
    struct bench_world w;
    if (bench_world_new(&w, cfg, NULL)) return 1;
    struct bench_done done = {0};
    static const char *const perms[] = {"ring.*", "done"};
    wasp_component_spec spec = {.name = "ring", .instances = n, .permissions = {.send = perms, .nsend = 2}};
    wasp_component *c = load_guest(&w, &spec, "cm", "ring");
    int status = !c || bench_done_spawn(&w, &done, 0) || wasp_component_spawn(c, NULL);
    struct bench_samples s = {0};
    for (int rep = 0; !status && rep < reps_of(cfg, 5) + 1; rep++) {
        int32_t token[2] = {hops, (int32_t)n};
        uint64_t t0 = bench_now_ns();
        if (wasp_send_name(w.sys, "ring.0", token, sizeof(token)) ||
            !bench_done_wait(&done, (uint64_t)rep + 1, 120000)) {
            status = 1;
            break;
        }
        if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / hops);
    }
    bench_result_from_samples(out, &s, (uint64_t)hops * s.len);
    snprintf(out->note, sizeof(out->note), "%u C components, %d hops per lap, send by name", n, hops);
    bench_samples_free(&s);
    bench_done_free(&done);
    bench_world_free(&w);
    return status;
}

static int bench_pingpong_component(const struct bench_config *cfg, struct bench_result *out) {
    const int32_t batch = 100;
    const int batches = cfg->smoke ? 20 : 1000;
    struct bench_world w;
    if (bench_world_new(&w, cfg, NULL)) return 1;
    struct bench_done done = {0};
    static const char *const perms[] = {"pong", "done"};
    wasp_component_spec ping = {.name = "ping", .permissions = {.send = perms, .nsend = 2}};
    wasp_component_spec pong = {.name = "pong"};
    wasp_component *cp = load_guest(&w, &ping, "cm", "pinger");
    wasp_component *cq = load_guest(&w, &pong, "cm", "echo");
    int status = !cp || !cq || bench_done_spawn(&w, &done, 0) || wasp_component_spawn(cp, NULL) ||
                 wasp_component_spawn(cq, NULL);
    struct bench_samples s = {0};
    int warmup = batches / 10 + 1;
    for (int i = 0; !status && i < warmup + batches; i++) {
        uint64_t t0 = bench_now_ns();
        if (wasp_send_name(w.sys, "ping", &batch, sizeof(batch)) ||
            !bench_done_wait(&done, (uint64_t)i + 1, 60000)) {
            status = 1;
            break;
        }
        if (i >= warmup) bench_samples_add(&s, (double)(bench_now_ns() - t0) / batch);
    }
    bench_result_from_samples(out, &s, (uint64_t)batch * s.len);
    snprintf(out->note, sizeof(out->note), "`call` round trip between two C components, %d per sample", batch);
    bench_samples_free(&s);
    bench_done_free(&done);
    bench_world_free(&w);
    return status;
}

/* ---- handle-message: one ABI against the other, same C code ------------------- */

struct handled {
    wasp_system *sys;
    wasp_aid id;
    uint64_t n;
};

static bool handled_all(void *arg) {
    struct handled *h = arg;
    wasp_actor_stats st;
    return wasp_actor_stats_get(h->sys, h->id, &st) == WASP_OK && st.handled >= h->n;
}

/* Messages of `size` bytes fed to bench/guests/sink.c built as `kind`;
 * one sample is a batch's time per message (send, mailbox, handle). */
static int handle(const struct bench_config *cfg, struct bench_result *out, const char *kind, size_t size) {
    const uint64_t n = cfg->smoke ? 2000 : size > 1024 ? 20000 : 200000;
    struct bench_world w;
    if (bench_world_new(&w, cfg, NULL)) return 1;
    wasp_component_spec spec = {.name = "sink", .mailbox = 4096};
    wasp_component *c = load_guest(&w, &spec, kind, "sink");
    struct handled h = {w.sys, 0, 0};
    int status = !c || wasp_component_spawn(c, &h.id);
    char *msg = calloc(1, size);
    struct bench_samples s = {0};
    for (int rep = 0; msg && !status && rep < reps_of(cfg, 5) + 1; rep++) {
        uint64_t t0 = bench_now_ns();
        for (uint64_t i = 0; i < n && !status; i++) {
            int rc;
            while ((rc = wasp_send_name(w.sys, "sink", msg, size)) == WASP_EFULL) sched_yield();
            status = rc;
        }
        h.n += n;
        if (status || !bench_wait(handled_all, &h, 300000, 50)) {
            status = 1;
            break;
        }
        if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / (double)n);
    }
    bench_result_from_samples(out, &s, n * s.len);
    snprintf(out->note, sizeof(out->note), "%zu-byte messages to bench/guests/sink.c as a %s", size,
             strcmp(kind, "cm") ? "core module" : "component");
    bench_samples_free(&s);
    free(msg);
    bench_world_free(&w);
    return status || !msg;
}

static int bench_handle_wasm_16(const struct bench_config *c, struct bench_result *o) { return handle(c, o, "core", 16); }
static int bench_handle_cm_16(const struct bench_config *c, struct bench_result *o) { return handle(c, o, "cm", 16); }
static int bench_handle_wasm_64k(const struct bench_config *c, struct bench_result *o) {
    return handle(c, o, "core", 65536);
}
static int bench_handle_cm_64k(const struct bench_config *c, struct bench_result *o) { return handle(c, o, "cm", 65536); }

BENCH_SCENARIO(spawn_component, "spawn-component", "spawning one C component actor until ready (pooling)",
               bench_spawn_component)
BENCH_SCENARIO(spawn_component_py, "spawn-component-py", "spawning one Python component actor until ready",
               bench_spawn_py)
BENCH_SCENARIO(spawn_component_js, "spawn-component-js", "spawning one JavaScript component actor until ready",
               bench_spawn_js)
BENCH_SCENARIO(ring_component, "ring-component", "one hop of a token around a ring of 1,000 C components",
               bench_ring_component)
BENCH_SCENARIO(pingpong_component, "pingpong-component", "one `call` round trip between two C components",
               bench_pingpong_component)
BENCH_SCENARIO(handle_wasm_16b, "handle-wasm-16b", "one 16-byte message handled by a C core module",
               bench_handle_wasm_16)
BENCH_SCENARIO(handle_component_16b, "handle-component-16b", "one 16-byte message handled by the same C as a component",
               bench_handle_cm_16)
BENCH_SCENARIO(handle_wasm_64k, "handle-wasm-64k", "one 64 KiB message handled by a C core module",
               bench_handle_wasm_64k)
BENCH_SCENARIO(handle_component_64k, "handle-component-64k", "one 64 KiB message handled by the same C as a component",
               bench_handle_cm_64k)
