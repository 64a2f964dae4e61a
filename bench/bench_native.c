/* bench_native.c - native actor scenarios: spawn, ring, ping-pong, fan-out.
 * See docs/CLI.md (`wasp bench`) and docs/RUNTIME.md for the goals. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "wasp.h"

/* ---- completion latch ------------------------------------------------------ */
struct latch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
};
static void latch_init(struct latch *l) {
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    l->done = 0;
}
static void latch_fire(struct latch *l) {
    pthread_mutex_lock(&l->mu);
    l->done = 1;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
}
static void latch_wait(struct latch *l) {
    pthread_mutex_lock(&l->mu);
    while (!l->done) pthread_cond_wait(&l->cv, &l->mu);
    l->done = 0;
    pthread_mutex_unlock(&l->mu);
}
static void latch_destroy(struct latch *l) {
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
}

static wasp_system *bench_system(const struct bench_config *cfg) {
    wasp_system *sys = NULL;
    wasp_system_config sc = {.workers = cfg->workers};
    if (wasp_system_create(&sc, &sys) || wasp_system_start(sys)) {
        wasp_system_destroy(sys);
        return NULL;
    }
    return sys;
}

static int noop_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return 0;
}

/* ---- spawn-native ------------------------------------------------------------ */

static int bench_spawn(const struct bench_config *cfg, struct bench_result *out) {
    const int n = cfg->smoke ? 2000 : 100000, batch = 1000;
    const int reps = cfg->repetitions > 0 ? cfg->repetitions : (cfg->smoke ? 1 : 5);
    struct bench_samples s = {0};
    double rss_per_actor = -1;
    for (int rep = 0; rep < reps + 1; rep++) { /* rep 0 is the warm-up, and the RSS probe */
        wasp_system *sys = bench_system(cfg);
        if (!sys) return 1;
        wasp_actor_spec spec = {.handle = noop_handle};
        double rss0 = bench_rss_kib();
        for (int i = 0; i < n; i += batch) {
            uint64_t t0 = bench_now_ns();
            for (int j = 0; j < batch; j++)
                if (wasp_spawn(sys, &spec, NULL)) {
                    wasp_system_destroy(sys);
                    return 1;
                }
            if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / batch);
        }
        if (rep == 0) rss_per_actor = (bench_rss_kib() - rss0) / n;
        wasp_system_stats st;
        wasp_system_stats_get(sys, &st);
        if (st.actors != (uint64_t)n) return 1; /* all alive at the end */
        wasp_system_destroy(sys);
    }
    bench_result_from_samples(out, &s, (uint64_t)n * (uint64_t)reps);
    out->rss_kib_per_actor = rss_per_actor;
    snprintf(out->note, sizeof(out->note), "%d actors alive at the end", n);
    bench_samples_free(&s);
    return 0;
}

/* ---- ring-native --------------------------------------------------------------- */

struct ring_node {
    wasp_aid next;
    struct latch *done;
};

static int ring_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct ring_node *r = wasp_ctx_state(ctx);
    uint64_t left;
    memcpy(&left, m->data, sizeof(left));
    if (left == 0) {
        latch_fire(r->done);
        return 0;
    }
    left--;
    return wasp_send(wasp_ctx_system(ctx), r->next, &left, sizeof(left));
}

static int ring_run(const struct bench_config *cfg, struct bench_result *out, int full_size) {
    const int size = cfg->smoke ? full_size / 10 : full_size;
    const uint64_t total = cfg->smoke ? 20000 : 2000000;
    const int reps = cfg->repetitions > 0 ? cfg->repetitions : 10;
    const uint64_t per_rep = total / (uint64_t)reps;
    wasp_system *sys = bench_system(cfg);
    if (!sys) return 1;
    struct latch done;
    latch_init(&done);
    struct ring_node *nodes = calloc((size_t)size, sizeof(*nodes));
    wasp_aid *ids = calloc((size_t)size, sizeof(*ids));
    if (!nodes || !ids) {
        free(nodes);
        free(ids);
        latch_destroy(&done);
        wasp_system_destroy(sys);
        return 1;
    }
    for (int i = 0; i < size; i++) {
        nodes[i].done = &done;
        wasp_actor_spec spec = {.handle = ring_handle, .state = &nodes[i]};
        if (wasp_spawn(sys, &spec, &ids[i])) return 1;
    }
    for (int i = 0; i < size; i++) nodes[i].next = ids[(i + 1) % size];
    struct bench_samples s = {0};
    for (int rep = 0; rep <= reps; rep++) { /* rep 0: warm-up */
        uint64_t left = rep ? per_rep - 1 : (uint64_t)size * 10;
        uint64_t t0 = bench_now_ns();
        if (wasp_send(sys, ids[0], &left, sizeof(left))) return 1;
        latch_wait(&done);
        if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / (double)per_rep);
    }
    bench_result_from_samples(out, &s, per_rep * (uint64_t)reps);
    snprintf(out->note, sizeof(out->note), "%d actors, %d workers", size, wasp_system_workers(sys));
    bench_samples_free(&s);
    wasp_system_destroy(sys);
    latch_destroy(&done);
    free(nodes);
    free(ids);
    return 0;
}

static int bench_ring(const struct bench_config *cfg, struct bench_result *out) { return ring_run(cfg, out, 1000); }

/* The same ring, 100 times longer: the runtime's own cost of a cold actor
 * (ring-wasm-100k's counterpart without the sandbox). */
static int bench_ring_100k(const struct bench_config *cfg, struct bench_result *out) {
    return ring_run(cfg, out, 100000);
}

/* ---- pingpong-native -------------------------------------------------------------- */

struct pinger {
    wasp_aid ponger;
    uint64_t left;
    struct latch *done;
};

static int pong_handle(wasp_ctx *ctx, const wasp_msg *m) {
    return wasp_reply(ctx, m->data, m->len);
}

static int ping_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct pinger *p = wasp_ctx_state(ctx);
    if (m->flags & WASP_MSG_REPLY) {
        if (--p->left == 0) {
            latch_fire(p->done);
            return 0;
        }
    } else {
        memcpy(&p->left, m->data, sizeof(p->left));
    }
    wasp_send_opts o = {.to = p->ponger, .data = "ping", .len = 4};
    return wasp_ctx_ask(ctx, &o, 0, NULL);
}

static int bench_pingpong(const struct bench_config *cfg, struct bench_result *out) {
    const uint64_t per_rep = cfg->smoke ? 2000 : 200000;
    const int reps = cfg->repetitions > 0 ? cfg->repetitions : 10;
    wasp_system *sys = bench_system(cfg);
    if (!sys) return 1;
    struct latch done;
    latch_init(&done);
    struct pinger p = {.done = &done};
    wasp_actor_spec pong = {.handle = pong_handle}, ping = {.handle = ping_handle, .state = &p};
    wasp_aid ping_id;
    if (wasp_spawn(sys, &pong, &p.ponger) || wasp_spawn(sys, &ping, &ping_id)) return 1;
    struct bench_samples s = {0};
    for (int rep = 0; rep <= reps; rep++) {
        uint64_t n = per_rep;
        uint64_t t0 = bench_now_ns();
        if (wasp_send(sys, ping_id, &n, sizeof(n))) return 1;
        latch_wait(&done);
        if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / (double)per_rep);
    }
    bench_result_from_samples(out, &s, per_rep * (uint64_t)reps);
    snprintf(out->note, sizeof(out->note), "request/reply round trip, %d workers",
             wasp_system_workers(sys));
    bench_samples_free(&s);
    wasp_system_destroy(sys);
    latch_destroy(&done);
    return 0;
}

/* ---- pubsub-fanout-native ------------------------------------------------------------ */

struct fan {
    atomic_long *received;
    long target;
    struct latch *done;
};

static int fan_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    struct fan *f = wasp_ctx_state(ctx);
    if (atomic_fetch_add_explicit(f->received, 1, memory_order_relaxed) + 1 == f->target)
        latch_fire(f->done);
    return 0;
}

static int bench_fanout(const struct bench_config *cfg, struct bench_result *out) {
    const int subs = cfg->smoke ? 100 : 1000;
    const int publishes = cfg->smoke ? 20 : 200;
    const int reps = cfg->repetitions > 0 ? cfg->repetitions : 10;
    wasp_system *sys = bench_system(cfg);
    if (!sys) return 1;
    struct latch done;
    latch_init(&done);
    atomic_long received = 0;
    struct fan f = {&received, 0, &done};
    for (int i = 0; i < subs; i++) {
        wasp_actor_spec spec = {.handle = fan_handle, .state = &f};
        wasp_aid id;
        if (wasp_spawn(sys, &spec, &id) || wasp_subscribe(sys, id, "bench.fanout.>")) return 1;
    }
    struct bench_samples s = {0};
    for (int rep = 0; rep <= reps; rep++) {
        atomic_store(&received, 0);
        f.target = (long)subs * publishes;
        uint64_t t0 = bench_now_ns();
        for (int i = 0; i < publishes; i++)
            if (wasp_publish(sys, "bench.fanout.tick", "0123456789abcdef", 16) != subs) return 1;
        latch_wait(&done);
        if (rep) bench_samples_add(&s, (double)(bench_now_ns() - t0) / (double)f.target);
    }
    bench_result_from_samples(out, &s, (uint64_t)subs * (uint64_t)publishes * (uint64_t)reps);
    snprintf(out->note, sizeof(out->note), "per delivery; %d subscribers, %d publishes per rep", subs,
             publishes);
    bench_samples_free(&s);
    wasp_system_destroy(sys);
    latch_destroy(&done);
    return 0;
}

BENCH_SCENARIO(spawn_native, "spawn-native", "spawn one native actor (100,000 alive at the end)",
               bench_spawn)
BENCH_SCENARIO(ring_native, "ring-native", "one hop of a token around a ring of 1,000 native actors",
               bench_ring)
BENCH_SCENARIO(ring_native_100k, "ring-native-100k",
               "one hop of a token around a ring of 100,000 native actors", bench_ring_100k)
BENCH_SCENARIO(pingpong_native, "pingpong-native",
               "one request/reply round trip between two native actors", bench_pingpong)
BENCH_SCENARIO(pubsub_fanout_native, "pubsub-fanout-native",
               "one publish delivered to 1,000 native subscribers (per delivery)", bench_fanout)
