/* bench_wasm_msg.c - messaging between component actors: ring-wasm,
 * pingpong-wasm, fairness-wasm, throughput-wasm, pubsub-fanout
 * (docs/CLI.md, docs/BENCHMARKS.md). Every hop is a real `send` or `call`
 * from guest code through a real mailbox into a real `handle-message`. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_wasm_util.h"

static int reps_of(const struct bench_config *cfg, int full) {
    return cfg->repetitions > 0 ? cfg->repetitions : (cfg->smoke ? 1 : full);
}

/* ---- ring-wasm ---------------------------------------------------------------- */

int bench_ring_run(const struct bench_config *cfg, struct bench_result *out, const struct bench_guest *ring,
                   uint32_t members, int32_t hops) {
    const uint32_t n = cfg->smoke ? 50 : members;
    if (cfg->smoke) hops = 5000;
    struct bench_world w;
    /* Past 10,000 members, instances come from a pool (as `wasp run` does
     * for big systems): one mapping for all, not several per instance. */
    wasp_wasm_config pooled = {.pooling = true, .pool_instances = n + 16};
    if (n > 10000) bench_raise_map_count((uint64_t)n * 8 + 65536); /* data segments map an image too */
    if (bench_world_new(&w, cfg, n > 10000 ? &pooled : NULL)) return 1;
    struct bench_done done = {0};
    static const char *const perms[] = {"ring.*", "done"};
    wasp_component_spec spec = {.name = "ring", .instances = n, .permissions = {.send = perms, .nsend = 2}};
    wasp_component *c = bench_guest_load(&w, &spec, ring);
    const int reps = reps_of(cfg, 5) + 1;
    int status = !c || bench_done_spawn(&w, &done, (size_t)reps) || wasp_component_spawn(c, NULL);
    struct bench_samples s = {0};
    for (int rep = 0; !status && rep < reps; rep++) {
        int32_t token[2] = {hops, (int32_t)n};
        uint64_t t0 = bench_now_ns();
        if (wasp_send_name(w.sys, "ring.0", token, sizeof(token)) ||
            !bench_done_wait(&done, (uint64_t)rep + 1, 120000)) {
            status = 1;
            break;
        }
        if (rep) bench_samples_add(&s, (double)(bench_done_time(&done, (uint64_t)rep) - t0) / hops);
    }
    bench_result_from_samples(out, &s, (uint64_t)hops * s.len);
    snprintf(out->note, sizeof(out->note), "%u %s, %d hops per lap, send by name", n,
             ring->wat ? "components" : ring->file, hops);
    bench_samples_free(&s);
    bench_done_free(&done);
    bench_world_free(&w);
    return status;
}

static int bench_ring(const struct bench_config *cfg, struct bench_result *out) {
    return bench_ring_run(cfg, out, &(struct bench_guest){.wat = bench_wat_ring}, 1000, 2000000);
}

/* The same ring, 100 times longer: how a hop scales when the components no
 * longer fit any cache (each lap touches 100,000 stores and memories). */
static int bench_ring_100k(const struct bench_config *cfg, struct bench_result *out) {
    return bench_ring_run(cfg, out, &(struct bench_guest){.wat = bench_wat_ring}, 100000, 2000000);
}

/* ---- pingpong-wasm / fairness-wasm ----------------------------------------------- */

/* Round trips of `call` between two components. The pinger makes `batch`
 * calls per outside message, then sends "done" one tick; one sample is a
 * batch's time divided by its calls. Fairness uses batches of one, so its
 * p99 is the tail of single round trips (plus one outside send and the
 * tick), measured while one endless-loop component per worker spins. */
int bench_pingpong_run(const struct bench_config *cfg, struct bench_result *out, bool spinners,
                       const struct bench_guest *pinger, const struct bench_guest *echo) {
    const int32_t batch = spinners ? 1 : 100;
    const int batches = cfg->smoke ? 20 : spinners ? 2000 : 2000;
    struct bench_world w;
    if (bench_world_new(&w, cfg, NULL)) return 1;
    struct bench_done done = {0};
    static const char *const perms[] = {"pong", "done"};
    wasp_component_spec ping = {.name = "ping", .permissions = {.send = perms, .nsend = 2}};
    wasp_component_spec pong = {.name = "pong"};
    int workers = wasp_system_workers(w.sys);
    wasp_component_spec spin = {.name = "spin", .instances = (uint32_t)workers,
                                .limits = {.max_handle_ns = 3600000000000ull}};
    wasp_component *cp = bench_guest_load(&w, &ping, pinger);
    wasp_component *cq = bench_guest_load(&w, &pong, echo);
    int warmup = batches / 10 + 1;
    int status = !cp || !cq || bench_done_spawn(&w, &done, (size_t)(warmup + batches)) ||
                 wasp_component_spawn(cp, NULL) ||
                 wasp_component_spawn(cq, NULL);
    if (!status && spinners) {
        wasp_component *cs = bench_component(&w, &spin, bench_wat_spinner);
        status = !cs || wasp_component_spawn(cs, NULL);
        for (int i = 0; !status && i < workers; i++) {
            char name[32];
            snprintf(name, sizeof(name), workers > 1 ? "spin.%d" : "spin", i);
            status = wasp_send_name(w.sys, name, "x", 1);
        }
    }
    struct bench_samples s = {0};
    for (int i = 0; !status && i < warmup + batches; i++) {
        uint64_t t0 = bench_now_ns();
        if (wasp_send_name(w.sys, "ping", &batch, sizeof(batch)) ||
            !bench_done_wait(&done, (uint64_t)i + 1, 60000)) {
            status = 1;
            break;
        }
        if (i >= warmup) bench_samples_add(&s, (double)(bench_done_time(&done, (uint64_t)i) - t0) / batch);
    }
    bench_result_from_samples(out, &s, (uint64_t)batch * s.len);
    snprintf(out->note, sizeof(out->note), "`call` round trip, %d per sample%s%s%s", batch,
             spinners ? ", one spinning component per worker" : "", pinger->wat ? "" : ", ",
             pinger->wat ? "" : pinger->file);
    bench_samples_free(&s);
    bench_done_free(&done);
    bench_world_free(&w); /* stopping aborts the spinners' endless calls */
    return status;
}

static const struct bench_guest wat_pinger = {.wat = bench_wat_pinger}, wat_echo = {.wat = bench_wat_echo};

static int bench_pingpong(const struct bench_config *cfg, struct bench_result *out) {
    return bench_pingpong_run(cfg, out, false, &wat_pinger, &wat_echo);
}

static int bench_fairness(const struct bench_config *cfg, struct bench_result *out) {
    return bench_pingpong_run(cfg, out, true, &wat_pinger, &wat_echo);
}

/* ---- throughput-wasm / pubsub-fanout ------------------------------------------- */

struct handled_at_least {
    wasp_system *sys;
    wasp_aid *ids;
    size_t nids;
    uint64_t n;
};

static bool all_handled(void *arg) {
    struct handled_at_least *h = arg;
    uint64_t sum = 0;
    for (size_t i = 0; i < h->nids; i++) {
        wasp_actor_stats st;
        if (wasp_actor_stats_get(h->sys, h->ids[i], &st) == WASP_OK) sum += st.handled;
    }
    return sum >= h->n;
}

/* Sends with back-pressure: a full mailbox is retried, never dropped. */
static int send_retry(wasp_system *sys, const char *to, const void *data, size_t len) {
    int rc;
    while ((rc = wasp_send_name(sys, to, data, len)) == WASP_EFULL) sched_yield();
    return rc;
}

int bench_throughput_run(const struct bench_config *cfg, struct bench_result *out, const struct bench_guest *sink,
                         size_t size, uint64_t n) {
    if (cfg->smoke) n = size > 1024 ? 500 : 20000;
    struct bench_world w;
    if (bench_world_new(&w, cfg, NULL)) return 1;
    wasp_component_spec spec = {.name = "sink", .mailbox = 65536};
    wasp_component *c = bench_guest_load(&w, &spec, sink);
    wasp_aid id = 0;
    char *msg = calloc(1, size);
    int status = !c || !msg || wasp_component_spawn(c, &id);
    struct bench_samples s = {0};
    struct handled_at_least h = {w.sys, &id, 1, 0};
    for (int rep = 0; !status && rep < reps_of(cfg, 3) + 1; rep++) {
        uint64_t t0 = bench_now_ns();
        for (uint64_t i = 0; i < n && !status; i++) status = send_retry(w.sys, "sink", msg, size);
        h.n += n;
        if (status || !bench_wait(all_handled, &h, 300000, 50)) {
            status = 1;
            break;
        }
        if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / (double)n);
    }
    bench_result_from_samples(out, &s, n * s.len);
    snprintf(out->note, sizeof(out->note), "%zu-byte messages fed from one outside thread%s%s", size,
             sink->wat ? "" : " to ", sink->wat ? "" : sink->file);
    free(msg);
    bench_samples_free(&s);
    bench_world_free(&w);
    return status;
}

static int bench_throughput(const struct bench_config *cfg, struct bench_result *out) {
    return bench_throughput_run(cfg, out, &(struct bench_guest){.wat = bench_wat_sink}, 16, 2000000);
}

static int bench_fanout(const struct bench_config *cfg, struct bench_result *out) {
    const uint32_t subs = cfg->smoke ? 100 : 1000;
    const uint64_t pubs = cfg->smoke ? 50 : 2000;
    struct bench_world w;
    if (bench_world_new(&w, cfg, NULL)) return 1;
    static const char *const topics[] = {"bench.fan"};
    wasp_component_spec spec = {.name = "sub", .instances = subs, .mailbox = 4096, .subscribe = topics,
                                .nsubscribe = 1, .permissions = {.subscribe = topics, .nsubscribe = 1}};
    wasp_component *c = bench_component(&w, &spec, bench_wat_sink);
    wasp_aid *ids = calloc(subs, sizeof(wasp_aid));
    int status = !c || !ids || wasp_component_spawn(c, ids);
    struct bench_samples s = {0};
    struct handled_at_least h = {w.sys, ids, subs, 0};
    for (int rep = 0; !status && rep < reps_of(cfg, 3) + 1; rep++) {
        uint64_t t0 = bench_now_ns();
        for (uint64_t i = 0; i < pubs && !status; i++) {
            int r = wasp_publish(w.sys, "bench.fan", "tick", 4);
            status = r != (int)subs;
        }
        h.n += pubs * subs;
        if (status || !bench_wait(all_handled, &h, 300000, 50)) {
            status = 1;
            break;
        }
        if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / (double)(pubs * subs));
    }
    bench_result_from_samples(out, &s, pubs * subs * s.len);
    snprintf(out->note, sizeof(out->note), "%u component subscribers, %llu publishes per rep", subs,
             (unsigned long long)pubs);
    bench_samples_free(&s);
    free(ids);
    bench_world_free(&w);
    return status;
}

BENCH_SCENARIO(ring_wasm, "ring-wasm", "one hop of a token around a ring of 1,000 components (send)", bench_ring)
BENCH_SCENARIO(ring_wasm_100k, "ring-wasm-100k", "one hop of a token around a ring of 100,000 components (send)",
               bench_ring_100k)
BENCH_SCENARIO(pingpong_wasm, "pingpong-wasm", "one `call` round trip between two components", bench_pingpong)
BENCH_SCENARIO(fairness_wasm, "fairness-wasm",
               "`call` round trip while one spinning component per worker runs an endless loop", bench_fairness)
BENCH_SCENARIO(throughput_wasm, "throughput-wasm", "one message handled by one component fed from outside",
               bench_throughput)
BENCH_SCENARIO(pubsub_fanout, "pubsub-fanout", "one publish delivered to 1,000 component subscribers",
               bench_fanout)
