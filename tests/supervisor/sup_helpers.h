/* sup_helpers.h - a test child for the supervisor tests. */
#ifndef WASP_SUP_HELPERS_H
#define WASP_SUP_HELPERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

/* A global ordered log of "+name" (started) and "-name" (stopped). */
static pthread_mutex_t tl_mu = PTHREAD_MUTEX_INITIALIZER;
static char tl_buf[8192];

static inline void tl_add(const char *s) {
    pthread_mutex_lock(&tl_mu);
    size_t n = strlen(tl_buf);
    if (n + strlen(s) + 2 < sizeof(tl_buf)) snprintf(tl_buf + n, sizeof(tl_buf) - n, "%s ", s);
    pthread_mutex_unlock(&tl_mu);
}
static inline void tl_reset(void) {
    pthread_mutex_lock(&tl_mu);
    tl_buf[0] = 0;
    pthread_mutex_unlock(&tl_mu);
}
static inline void tl_get(char *out, size_t cap) {
    pthread_mutex_lock(&tl_mu);
    if (cap) {
        size_t n = strnlen(tl_buf, sizeof(tl_buf));
        if (n >= cap) n = cap - 1;
        memcpy(out, tl_buf, n);
        out[n] = 0;
    }
    pthread_mutex_unlock(&tl_mu);
}

struct kid {
    char name[32];
    atomic_int started, stopped, handled, crashes_seen;
    atomic_int fail_start; /* > 0: the next n starts fail */
    atomic_ullong last_start_ns;
    pthread_mutex_t mu;
    char got[64][16];
    atomic_int ngot;
    bool log;
};

static inline void kid_init(struct kid *k, const char *name, bool log) {
    memset(k, 0, sizeof(*k));
    snprintf(k->name, sizeof(k->name), "%s", name);
    pthread_mutex_init(&k->mu, NULL);
    k->log = log;
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* "crash": crash; "slowcrash": sleep 50ms, crash; "stop": stop normally;
 * anything else is recorded. */
static inline int kid_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct kid *k = wasp_ctx_state(ctx);
    atomic_fetch_add(&k->handled, 1);
    if (m->len == 5 && !memcmp(m->data, "crash", 5)) return WASP_ECRASH;
    if (m->len == 9 && !memcmp(m->data, "slowcrash", 9)) {
        tu_sleep_ms(50);
        return WASP_ECRASH;
    }
    if (m->len == 4 && !memcmp(m->data, "stop", 4)) return WASP_STOP;
    pthread_mutex_lock(&k->mu);
    int i = atomic_load(&k->ngot);
    if (i < 64) {
        size_t n = m->len < 15 ? m->len : 15;
        memcpy(k->got[i], m->data, n);
        k->got[i][n] = 0;
        atomic_store(&k->ngot, i + 1);
    }
    pthread_mutex_unlock(&k->mu);
    return 0;
}

/* "hold" keeps the handler busy (counted as handled) until release_hold
 * is set (bounded: 10 s); the rest is kid_handle. */
static atomic_int release_hold, inside_hold;

static inline int hold_handle(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->len == 4 && !memcmp(m->data, "hold", 4)) {
        struct kid *k = wasp_ctx_state(ctx);
        atomic_fetch_add(&k->handled, 1);
        atomic_store(&inside_hold, 1);
        for (int i = 0; i < 10000 && !atomic_load(&release_hold); i++) tu_sleep_ms(1);
        atomic_store(&inside_hold, 0);
        return 0;
    }
    return kid_handle(ctx, m);
}

static inline void hold_reset(void) {
    atomic_store(&release_hold, 0);
    atomic_store(&inside_hold, 0);
}

static inline int kid_started(wasp_ctx *ctx) {
    struct kid *k = wasp_ctx_state(ctx);
    if (atomic_load(&k->fail_start) > 0) {
        atomic_fetch_sub(&k->fail_start, 1);
        return -1;
    }
    atomic_store(&k->last_start_ns, now_ns());
    if (k->log) {
        char b[40];
        snprintf(b, sizeof(b), "+%s", k->name);
        tl_add(b);
    }
    /* Counted last: a test that waits for the count then reads the log finds the line. */
    atomic_fetch_add(&k->started, 1);
    return 0;
}

static inline void kid_stopped(wasp_ctx *ctx, int reason) {
    struct kid *k = wasp_ctx_state(ctx);
    if (k->log) {
        char b[40];
        snprintf(b, sizeof(b), "-%s", k->name);
        tl_add(b);
    }
    /* Counted last, as in kid_started. */
    if (reason == WASP_EXIT_CRASH) atomic_fetch_add(&k->crashes_seen, 1);
    atomic_fetch_add(&k->stopped, 1);
}

static inline wasp_actor_spec kid_spec(struct kid *k) {
    wasp_actor_spec s = {.name = k->name, .handle = kid_handle, .started = kid_started,
                         .stopped = kid_stopped, .state = k};
    return s;
}

static inline wasp_system *sup_sys(int workers) {
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = workers};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    return sys;
}

static inline void to_kid(wasp_system *sys, const char *name, const char *msg) {
    assert_int_equal(wasp_send_name(sys, name, msg, strlen(msg)), WASP_OK);
}

#endif
