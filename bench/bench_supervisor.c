/* bench_supervisor.c - supervision scenarios.
 *
 * restart-native: a native child that crashes on every message (its handler
 * returns WASP_ECRASH), restarted by a one_for_one supervisor with no
 * back-off and a very high intensity. N messages are queued up front; the
 * restarted child keeps its mailbox, so each incarnation takes the next
 * message and crashes again: one operation = crash -> restarted and ready
 * (its `started` hook ran). Latency samples are the times between
 * consecutive `started` hooks (one full crash -> ready cycle each);
 * throughput is restarts per second over the whole run. Goal: >= 100,000/s.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "wasp.h"

struct rs_state {
    uint64_t *ts;       /* started-hook timestamps, index = start number */
    uint64_t cap;
    atomic_ullong starts;
    uint64_t target;    /* starts at which to signal */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
};

static int crash_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return WASP_ECRASH;
}

static int rs_started(wasp_ctx *ctx) {
    struct rs_state *st = wasp_ctx_state(ctx);
    uint64_t i = atomic_fetch_add(&st->starts, 1);
    if (i < st->cap) st->ts[i] = bench_now_ns();
    if (i + 1 == st->target) {
        pthread_mutex_lock(&st->mu);
        st->done = true;
        pthread_cond_signal(&st->cv);
        pthread_mutex_unlock(&st->mu);
    }
    return 0;
}

static int run_restart_native(const struct bench_config *cfg, struct bench_result *out) {
    const uint64_t n = cfg->smoke ? 200 : 200000;
    const int reps = cfg->repetitions > 0 ? cfg->repetitions : (cfg->smoke ? 1 : 3);
    wasp_system *sys = NULL;
    wasp_system_config sc = {.workers = cfg->workers};
    if (wasp_system_create(&sc, &sys)) return WASP_ENOMEM;
    /* every crash dead-letters its message: by design, so not worth a warning */
    wasp_system_set_log(sys, WASP_LOG_ERROR, NULL, NULL);
    if (wasp_system_start(sys)) {
        wasp_system_destroy(sys);
        return WASP_ENOMEM;
    }
    struct rs_state st = {.cap = 1 + (uint64_t)(reps + 1) * n};
    st.ts = calloc(st.cap, sizeof(*st.ts));
    pthread_mutex_init(&st.mu, NULL);
    pthread_cond_init(&st.cv, NULL);
    wasp_actor_spec as = {.name = "crasher", .handle = crash_handle, .started = rs_started,
                          .state = &st, .mailbox_capacity = (uint32_t)n + 16};
    wasp_child_spec cs = {.actor = &as, .restart = WASP_RESTART_PERMANENT};
    wasp_supervisor_spec sp = {.name = "restart-bench", .strategy = WASP_SUP_ONE_FOR_ONE,
                               .intensity = UINT32_MAX, .period_ns = 1000000,
                               .children = &cs, .nchildren = 1};
    wasp_supervisor *sup = NULL;
    struct bench_samples s = {0};
    uint64_t total = 0, elapsed = 0;
    int rc = st.ts ? wasp_supervisor_start(sys, &sp, &sup) : WASP_ENOMEM;
    for (int r = -1; r < reps && rc == WASP_OK; r++) { /* r < 0: warm-up */
        uint64_t first = atomic_load(&st.starts); /* index of the running incarnation's start */
        pthread_mutex_lock(&st.mu);
        st.done = false;
        st.target = first + n;
        pthread_mutex_unlock(&st.mu);
        for (uint64_t i = 0; i < n && rc == WASP_OK; i++) rc = wasp_send_name(sys, "crasher", "x", 1);
        if (rc != WASP_OK) break;
        pthread_mutex_lock(&st.mu);
        while (!st.done) pthread_cond_wait(&st.cv, &st.mu);
        pthread_mutex_unlock(&st.mu);
        uint64_t last = first + n - 1; /* start index of the n-th restart */
        if (r < 0) continue;
        for (uint64_t i = first; i < last + 1 && i + 1 < st.cap; i++)
            if (i + 1 <= last) bench_samples_add(&s, (double)(st.ts[i + 1] - st.ts[i]));
        /* the first restart of this round follows the first message */
        elapsed += st.ts[last] - st.ts[first];
        total += n - 1;
    }
    if (rc == WASP_OK) {
        bench_result_from_samples(out, &s, total);
        out->ops_per_s = elapsed ? (double)total * 1e9 / (double)elapsed : 0;
        wasp_supervisor_stats ss;
        wasp_supervisor_stats_get(sup, &ss);
        snprintf(out->note, sizeof(out->note),
                 "pipelined: %llu msgs queued per round, %d workers; %llu restarts in all, gave_up=%d",
                 (unsigned long long)n, wasp_system_workers(sys), (unsigned long long)ss.restarts,
                 (int)ss.gave_up);
    }
    if (sup) wasp_supervisor_stop(sup);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
    bench_samples_free(&s);
    pthread_mutex_destroy(&st.mu);
    pthread_cond_destroy(&st.cv);
    free(st.ts);
    return rc;
}

BENCH_SCENARIO(restart_native, "restart-native",
               "crash -> restarted-and-ready cycles of a native child under one_for_one (goal >= 100k/s)",
               run_restart_native)
