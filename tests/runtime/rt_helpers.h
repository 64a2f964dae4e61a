/* rt_helpers.h - shared helpers for the runtime tests: a recording actor. */
#ifndef WASP_RT_HELPERS_H
#define WASP_RT_HELPERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/clock.h"
#define wasp_clock_ns_for_tests wasp_clock_ns

#define REC_MAX 4096

/* Records every payload (as a string, up to 31 bytes) it handles. */
struct rec {
    pthread_mutex_t mu;
    char log[REC_MAX][32];
    wasp_aid sender[REC_MAX];
    char topic[REC_MAX][32];
    unsigned flags[REC_MAX];
    uint64_t codec[REC_MAX];
    atomic_int n;
    atomic_int started, stopped;
    atomic_int stop_reason;
    int ret; /* what the handler returns */
};

static inline struct rec *rec_new(void) {
    struct rec *r = calloc(1, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    atomic_store(&r->stop_reason, -1);
    return r;
}

static inline void rec_free(struct rec *r) {
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static inline int rec_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct rec *r = wasp_ctx_state(ctx);
    pthread_mutex_lock(&r->mu);
    int i = atomic_load(&r->n);
    if (i < REC_MAX) {
        size_t n = m->len < 31 ? m->len : 31;
        memcpy(r->log[i], m->data, n);
        r->log[i][n] = 0;
        r->sender[i] = m->sender;
        r->flags[i] = m->flags;
        r->codec[i] = m->codec;
        r->topic[i][0] = 0;
        if (m->topic) snprintf(r->topic[i], 32, "%s", m->topic);
        atomic_store(&r->n, i + 1);
    }
    pthread_mutex_unlock(&r->mu);
    return r->ret;
}

static inline int rec_started(wasp_ctx *ctx) {
    struct rec *r = wasp_ctx_state(ctx);
    atomic_fetch_add(&r->started, 1);
    return 0;
}

static inline void rec_stopped(wasp_ctx *ctx, int reason) {
    struct rec *r = wasp_ctx_state(ctx);
    atomic_store(&r->stop_reason, reason);
    atomic_fetch_add(&r->stopped, 1);
}

static inline wasp_actor_spec rec_spec(struct rec *r, const char *name) {
    wasp_actor_spec s = {.name = name, .handle = rec_handle, .started = rec_started,
                         .stopped = rec_stopped, .state = r};
    return s;
}

static inline wasp_system *sys_new(int workers) {
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = workers};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    return sys;
}

/* A started system on a virtual clock: timers fire when the test advances it. */
static inline wasp_system *vsys_new(int workers) {
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = workers, .virtual_clock = true};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    return sys;
}

/* A hang guard for idle waits, not a timing assertion. */
#define IDLE_BOUND 10000000000ull

static inline int sends(wasp_system *sys, wasp_aid to, const char *s) {
    return wasp_send(sys, to, s, strlen(s));
}

#endif
