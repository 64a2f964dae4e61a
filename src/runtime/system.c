/* system.c - system lifecycle (create, start, graceful stop, destroy) and
 * introspection. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/actor_table.h"
#include "runtime/dead_letters.h"
#include "runtime/events.h"
#include "runtime/system.h"
#include "runtime/timers.h"
#include "runtime/topics.h"

int wasp_system_create(const wasp_system_config *cfg, wasp_system **out) {
    if (!out) return WASP_EINVAL;
    wasp_system_config c = cfg ? *cfg : (wasp_system_config){0};
    if (c.workers < 0) return WASP_EINVAL;
    if (!c.workers) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c.workers = n > 0 ? (int)n : 1;
    }
    if (!c.max_message) c.max_message = 1u << 20;
    if (!c.mailbox_capacity) c.mailbox_capacity = 1024;
    wasp_system *sys = calloc(1, sizeof(*sys));
    if (!sys) return WASP_ENOMEM;
    sys->cfg = c;
    sys->log_level = WASP_LOG_INFO;
    atomic_init(&sys->state, WASP_SYS_CREATED);
    pthread_mutex_init(&sys->life_mu, NULL);
    wasp__table_init(sys);
    wasp__sched_init(&sys->sched, c.workers, wasp__actor_run);
    sys->publish_notice = wasp__broker_publish;
    pthread_rwlock_init(&sys->reg.lk, NULL);
    wasp__hashmap_init(&sys->reg.map);
    /* Each system's generations start in a range of their own, so a thread's
     * name memos (send.c) never match a later system at the same address. */
    static _Atomic uint64_t gen_base;
    atomic_init(&sys->reg.gen, atomic_fetch_add(&gen_base, UINT64_C(1) << 32) + 1);
    pthread_rwlock_init(&sys->broker.lk, NULL);
    pthread_mutex_init(&sys->term_mu, NULL);
    pthread_cond_init(&sys->term_cv, NULL);
    pthread_mutex_init(&sys->dl_mu, NULL);
    sys->broker.tree = wasp__topic_tree_new();
    int trc = c.virtual_clock ? wasp__timers_start_manual(&sys->timers, &sys->vclock)
                              : wasp__timers_start(&sys->timers);
    if (!sys->broker.tree || trc) {
        wasp_system_destroy(sys);
        return WASP_ENOMEM;
    }
    *out = sys;
    return WASP_OK;
}

int wasp_system_start(wasp_system *sys) {
    if (!sys) return WASP_EINVAL;
    if (wasp__tls_ctx) return WASP_ESTATE;
    pthread_mutex_lock(&sys->life_mu);
    int rc = WASP_ESTATE;
    if (atomic_load(&sys->state) == WASP_SYS_CREATED) {
        rc = wasp__sched_start(sys);
        if (!rc) {
            sys->workers_started = true;
            atomic_store(&sys->state, WASP_SYS_RUNNING);
        }
    }
    pthread_mutex_unlock(&sys->life_mu);
    return rc;
}

bool wasp__system_stopping(wasp_system *sys) { return atomic_load(&sys->state) >= WASP_SYS_STOPPING; }

int wasp_system_workers(const wasp_system *sys) { return sys ? sys->cfg.workers : 0; }

int wasp_system_wait_idle(wasp_system *sys, uint64_t timeout_ns) {
    if (!sys) return WASP_EINVAL;
    if (wasp__tls_ctx || wasp__on_worker(sys) || !sys->workers_started) return WASP_ESTATE;
    return wasp__sched_wait_idle(&sys->sched, timeout_ns);
}

struct live_set {
    struct wasp_actor **v;
    size_t n, cap;
    bool incomplete; /* an actor did not fit: out of memory */
};

static void collect_live(struct wasp_actor *a, void *arg) {
    struct live_set *s = arg;
    if (atomic_load(&a->lstate) == WASP_STATE_TERMINATED) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        struct wasp_actor **v = realloc(s->v, cap * sizeof(*v));
        if (!v) {
            s->incomplete = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    wasp__actor_ref(a);
    s->v[s->n++] = a;
}

/* The live actor started last, referenced; NULL when none is left. Needs no
 * memory, so a stop still completes when allocation fails. */
static void latest_live(struct wasp_actor *a, void *arg) {
    struct wasp_actor **best = arg;
    int st = atomic_load(&a->lstate);
    if (st == WASP_STATE_TERMINATED || st == WASP_STATE_STOPPING) return;
    if (*best && (*best)->start_seq >= a->start_seq) return;
    if (*best) wasp__actor_unref(*best);
    wasp__actor_ref(a);
    *best = a;
}

static int by_seq_desc(const void *x, const void *y) {
    const struct wasp_actor *a = *(struct wasp_actor *const *)x, *b = *(struct wasp_actor *const *)y;
    return (a->start_seq < b->start_seq) - (a->start_seq > b->start_seq);
}

static void collect_stop_first(struct wasp_actor *a, void *arg) {
    if (a->stop_first) collect_live(a, arg);
}

/* Root supervisors first, newest first: each stops its tree in its own order
 * (children one at a time, in reverse, each bounded by its stop timeout)
 * and terminates; one that is failed (gave up) is terminated here. */
static void stop_first_actors(wasp_system *sys) {
    struct live_set s = {0};
    wasp__table_each(sys, collect_stop_first, &s);
    if (s.n) qsort(s.v, s.n, sizeof(*s.v), by_seq_desc);
    for (size_t i = 0; i < s.n; i++) {
        struct wasp_actor *a = s.v[i];
        int st = atomic_load(&a->lstate);
        if ((st == WASP_STATE_READY || st == WASP_STATE_STARTING) &&
            wasp__event_send(sys, wasp_actor_id(a), WASP_EVT_STOP, NULL, 0) == WASP_OK)
            wasp__actor_wait_down(sys, a);
        if (atomic_load(&a->lstate) != WASP_STATE_TERMINATED) wasp__actor_shutdown(sys, a, false);
        wasp__actor_unref(a);
    }
    free(s.v);
}

int wasp_system_stop(wasp_system *sys) {
    if (!sys) return WASP_EINVAL;
    if (wasp__tls_ctx || wasp__on_worker(sys)) return WASP_ESTATE;
    pthread_mutex_lock(&sys->life_mu);
    if (atomic_load(&sys->state) == WASP_SYS_STOPPED) {
        pthread_mutex_unlock(&sys->life_mu);
        return WASP_OK;
    }
    atomic_store(&sys->state, WASP_SYS_STOPPING);
    /* Without workers nobody runs actors but this thread: it owns them all
     * (the run queue's entries are stale and dropped). */
    bool owned = !sys->workers_started;
    if (owned) wasp__sched_take_all(sys);
    else stop_first_actors(sys);
    for (int round = 0; round < 1000 && atomic_load(&sys->live); round++) {
        struct live_set s = {0};
        wasp__table_each(sys, collect_live, &s);
        if (s.n) qsort(s.v, s.n, sizeof(*s.v), by_seq_desc);
        for (size_t i = 0; i < s.n; i++) {
            struct wasp_actor *a = s.v[i];
            int st = atomic_load(&a->lstate);
            if (st != WASP_STATE_TERMINATED && st != WASP_STATE_STOPPING)
                wasp__actor_shutdown(sys, a, owned);
            wasp__actor_unref(a);
        }
        free(s.v);
        for (struct wasp_actor *a = NULL; s.incomplete; a = NULL) {
            wasp__table_each(sys, latest_live, &a);
            if (!a) break;
            wasp__actor_shutdown(sys, a, owned);
            wasp__actor_unref(a);
        }
    }
    if (owned) wasp__sched_take_all(sys);
    if (sys->workers_started) wasp__sched_stop(sys);
    atomic_store(&sys->timers_draining, true); /* pending send_afters: dead letters */
    wasp__timers_stop(sys->timers);
    sys->timers = NULL;
    wasp__dead_letters_flush(sys);
    atomic_store(&sys->state, WASP_SYS_STOPPED);
    pthread_mutex_unlock(&sys->life_mu);
    return WASP_OK;
}

static void drop_life_ref(struct wasp_actor *a, void *arg) {
    (void)arg;
    if (atomic_load(&a->lstate) == WASP_STATE_TERMINATED) wasp__actor_unref(a);
}

void wasp_system_destroy(wasp_system *sys) {
    if (!sys || wasp__tls_ctx || wasp__on_worker(sys)) return; /* never from inside an actor */
    if (sys->broker.tree) wasp_system_stop(sys);
    if (sys->cfg.retain_terminated) wasp__table_each(sys, drop_life_ref, NULL);
    wasp__timers_stop(sys->timers);
    if (sys->broker.tree) wasp__topic_tree_free(sys->broker.tree);
    wasp__registry_free(sys);
    pthread_rwlock_destroy(&sys->broker.lk);
    wasp__sched_destroy(&sys->sched);
    pthread_mutex_destroy(&sys->term_mu);
    pthread_cond_destroy(&sys->term_cv);
    pthread_mutex_destroy(&sys->life_mu);
    pthread_mutex_destroy(&sys->dl_mu);
    wasp__table_free(sys);
    free(sys);
}

/* ---- introspection ------------------------------------------------------------ */

/* received, the queue and timers_pending change together under the
 * mailbox lock; handled and dead_letters are bumped by other threads without
 * it. The snapshot reads those two around a locked read of the rest and
 * retries until they held still, so the ledger balances in it exactly: what
 * is neither handled, dead nor queued is in hand. */
static void ledger_snapshot(struct wasp_actor *a, wasp_actor_stats *st) {
    for (int tries = 0;; tries++) {
        uint64_t handled = atomic_load(&a->handled), dead = atomic_load(&a->dead);
        uint64_t received, timers;
        uint32_t queued;
        wasp__mailbox_ledger(&a->mb, &received, &queued, &timers);
        bool still = atomic_load(&a->handled) == handled && atomic_load(&a->dead) == dead;
        if (!still && tries < 1000) continue;
        st->received = received;
        st->handled = handled;
        st->dead_letters = dead;
        st->mailbox_len = queued;
        st->timers_pending = timers;
        uint64_t done = handled + dead + queued;
        st->in_hand = received > done ? (uint32_t)(received - done) : 0;
        return;
    }
}

static void fill_stats(struct wasp_actor *a, wasp_actor_stats *st) {
    memset(st, 0, sizeof(*st));
    st->id = wasp_actor_id(a);
    if (a->name) {
        size_t n = strlen(a->name);
        memcpy(st->name, a->name, n < 255 ? n : 255);
    }
    st->state = atomic_load(&a->lstate);
    st->handler_errors = WASP_LOAD(a->errors);
    st->crashes = WASP_LOAD(a->crashes);
    st->restarts = WASP_LOAD(a->restarts);
    st->start_seq = a->start_seq;
    ledger_snapshot(a, st);
}

int wasp_actor_stats_get(wasp_system *sys, wasp_aid id, wasp_actor_stats *out) {
    if (!sys || !out) return WASP_EINVAL;
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    fill_stats(a, out);
    wasp__actor_unref(a);
    return WASP_OK;
}

struct stats_set {
    wasp_actor_stats *v;
    size_t n, cap;
};

static void collect_stats(struct wasp_actor *a, void *arg) {
    struct stats_set *s = arg;
    if (!a->start_seq) return; /* still being created */
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        wasp_actor_stats *v = realloc(s->v, cap * sizeof(*v));
        if (!v) return;
        s->v = v;
        s->cap = cap;
    }
    fill_stats(a, &s->v[s->n++]);
}

static int by_start(const void *x, const void *y) {
    const wasp_actor_stats *a = x, *b = y;
    return (a->start_seq > b->start_seq) - (a->start_seq < b->start_seq);
}

int wasp_system_foreach(wasp_system *sys, wasp_actor_visit_fn fn, void *arg) {
    if (!sys || !fn) return WASP_EINVAL;
    struct stats_set s = {0};
    wasp__table_each(sys, collect_stats, &s);
    if (s.n) qsort(s.v, s.n, sizeof(*s.v), by_start);
    int rc = 0;
    for (size_t i = 0; i < s.n && !rc; i++) rc = fn(&s.v[i], arg);
    free(s.v);
    return rc;
}

static void sum_received(struct wasp_actor *a, void *arg) {
    *(uint64_t *)arg += WASP_LOAD(a->mb.received);
}

void wasp_system_stats_get(wasp_system *sys, wasp_system_stats *out) {
    if (!sys || !out) return;
    uint64_t recv = 0;
    wasp__table_each(sys, sum_received, &recv);
    out->actors = atomic_load(&sys->live);
    out->spawned = atomic_load(&sys->spawned);
    out->messages_sent = recv + atomic_load(&sys->retired_received);
    out->dead_letters = atomic_load(&sys->dead);
}
