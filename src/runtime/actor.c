/* actor.c - actor lifecycle: spawn, stop, kill, crash, retire, restart,
 * park/wake and monitors (the table: actor_table.c; the run loop: actor_run.c).
 *
 * An actor is a stable identity (slot + generation, name, mailbox, counters,
 * monitors, subscriptions) plus a replaceable behaviour incarnation (handler,
 * hooks, state). Crash ends the incarnation, not the identity; restart
 * installs a new incarnation on the same identity. */
#include <stdlib.h>
#include <string.h>

#include "runtime/actor_table.h"
#include "runtime/broker.h"
#include "runtime/dead_letters.h"
#include "runtime/events.h"
#include "runtime/registry.h"
#include "runtime/system.h"

/* ---- helpers ----------------------------------------------------------------- */

static void set_lstate(struct wasp_actor *a, int st) {
    wasp_spin_lock(&a->lock);
    atomic_store(&a->lstate, st);
    wasp_spin_unlock(&a->lock);
}

static int run_started(struct wasp_actor *a) {
    set_lstate(a, WASP_STATE_STARTING);
    atomic_store(&a->parkw, WASP_PW_RUN);
    int rc = 0;
    if (a->started) {
        struct wasp_ctx ctx = {.sys = a->sys, .a = a};
        struct wasp_ctx *prev = wasp__tls_ctx;
        wasp__tls_ctx = &ctx;
        rc = a->started(&ctx);
        wasp__tls_ctx = prev;
    }
    if (rc) return rc;
    a->alive = true;
    set_lstate(a, WASP_STATE_READY);
    return 0;
}

static void run_stopped(struct wasp_actor *a, int reason) {
    if (!a->alive) return;
    a->alive = false;
    if (!a->stopped) return;
    struct wasp_ctx ctx = {.sys = a->sys, .a = a};
    struct wasp_ctx *prev = wasp__tls_ctx;
    wasp__tls_ctx = &ctx;
    a->stopped(&ctx, reason);
    wasp__tls_ctx = prev;
}

struct mon_call {
    wasp_exit_fn fn;
    void *arg;
};

/* Snapshot of the monitors, taken under a->lock. */
static struct mon_call *monitors_snapshot(struct wasp_actor *a, size_t *n) {
    size_t k = 0;
    for (struct wasp_monitor *m = a->monitors; m; m = m->next) k++;
    *n = k; /* NULL with *n > 0: no memory for the copy */
    if (!k) return NULL;
    struct mon_call *v = malloc(k * sizeof(*v));
    if (!v) return NULL;
    *n = 0;
    for (struct wasp_monitor *m = a->monitors; m; m = m->next) v[(*n)++] = (struct mon_call){m->fn, m->arg};
    return v;
}

static void monitors_fire(wasp_system *sys, wasp_aid id, struct mon_call *v, size_t n, int reason) {
    for (size_t i = 0; i < n; i++) v[i].fn(sys, id, reason, v[i].arg);
    free(v);
}

/* No memory for a snapshot: call them one at a time, each read under the
 * lock (a monitor added or removed meanwhile may be missed or repeated). */
static void monitors_fire_each(struct wasp_actor *a, int reason) {
    for (size_t i = 0;; i++) {
        wasp_spin_lock(&a->lock);
        struct wasp_monitor *m = a->monitors;
        for (size_t k = 0; m && k < i; k++) m = m->next;
        struct mon_call c = m ? (struct mon_call){m->fn, m->arg} : (struct mon_call){0};
        wasp_spin_unlock(&a->lock);
        if (!c.fn) return;
        c.fn(a->sys, wasp_actor_id(a), reason, c.arg);
    }
}

/* ---- lifecycle (owner side) ------------------------------------------------- */

void wasp__actor_release(struct wasp_actor *a) {
    atomic_store(&a->sched, 0);
    if ((wasp__mailbox_nonempty(&a->mb) || wasp_actor_has_request(a) ||
         atomic_load(&a->retire_req) || atomic_load(&a->events_lost)) &&
        !atomic_exchange(&a->sched, 1))
        wasp__actor_schedule(a, false);
}

/* The envelope in hand will never be finished: a message is a dead letter
 * (status why), a runtime event is only discarded. */
static void drop_in_hand(struct wasp_actor *a, int why) {
    struct wasp_env *e = a->cur;
    if (!e) return;
    a->cur = NULL;
    if (e->kind == WASP_ENV_EVENT && e->type == WASP_EVT_PROBE) atomic_store(&a->probe_busy, false);
    if (e->kind == WASP_ENV_EVENT) wasp__event_discard(e);
    else wasp__dead_letter(a->sys, a, e, why);
}

void wasp__actor_terminate(struct wasp_actor *a, int reason) {
    wasp_system *sys = a->sys;
    wasp_aid id = wasp_actor_id(a);
    set_lstate(a, WASP_STATE_STOPPING);
    struct wasp_mailbox_rest rest;
    wasp__mailbox_close(&a->mb, &rest);
    struct wasp_env *e;
    while ((e = wasp__mailbox_rest_event(&rest))) wasp__event_discard(e); /* waiters learn ESTOPPED */
    drop_in_hand(a, WASP_ESTOPPED);
    run_stopped(a, reason);
    while ((e = wasp__mailbox_rest_message(&rest))) wasp__dead_letter(sys, a, e, WASP_ESTOPPED);
    wasp__mailbox_rest_free(&rest);
    wasp__registry_remove_actor(sys, a);
    wasp__broker_remove_actor(sys, id);

    wasp_spin_lock(&a->lock);
    atomic_store(&a->lstate, WASP_STATE_TERMINATED);
    struct wasp_monitor *mons = a->monitors;
    a->monitors = NULL;
    wasp_spin_unlock(&a->lock);
    while (mons) {
        struct wasp_monitor *m = mons;
        mons = m->next;
        m->fn(sys, id, reason, m->arg);
        free(m);
    }
    atomic_fetch_sub(&sys->live, 1);
    /* Drop the life reference before waking waiters (they hold their own),
     * so once wasp_actor_stop returns the id no longer resolves. */
    if (!sys->cfg.retain_terminated) wasp__actor_unref(a);
    pthread_mutex_lock(&sys->term_mu);
    pthread_cond_broadcast(&sys->term_cv);
    pthread_mutex_unlock(&sys->term_mu);
}

/* After a crash or a failed restart: failed (awaiting restart), or, if a stop
 * was requested meanwhile, terminated. Owner only. A kill requested before
 * this point is satisfied by this crash (wasp_actor_kill checks the state
 * under the same lock, so a later kill sees FAILED instead). */
static void actor_fail(struct wasp_actor *a, int why) {
    wasp_spin_lock(&a->lock);
    atomic_store(&a->kill_req, 0);
    atomic_store(&a->retire_req, 0);
    int stop = atomic_load(&a->stop_req);
    size_t n = 0;
    struct mon_call *v = NULL;
    if (!stop) {
        atomic_store(&a->lstate, WASP_STATE_FAILED);
        v = monitors_snapshot(a, &n);
    }
    wasp_spin_unlock(&a->lock);
    if (stop) {
        wasp__actor_terminate(a, stop - 1);
        return;
    }
    if (!v && n) monitors_fire_each(a, why);
    else monitors_fire(a->sys, wasp_actor_id(a), v, n, why);
    pthread_mutex_lock(&a->sys->term_mu); /* wasp__actor_wait_down */
    pthread_cond_broadcast(&a->sys->term_cv);
    pthread_mutex_unlock(&a->sys->term_mu);
}

void wasp__actor_crash(struct wasp_actor *a) {
    WASP_BUMP(a->crashes);
    drop_in_hand(a, WASP_ECRASH);
    run_stopped(a, WASP_EXIT_CRASH);
    actor_fail(a, WASP_EXIT_CRASH);
}

/* Records a kill or retire request (value, unless one is pending) after
 * checking the state under the lock: WASP_OK, WASP_ESTOPPED (stopping or
 * stopped), WASP_ESTATE (failed). */
static int request(struct wasp_actor *a, atomic_int *req, int value) {
    int rc = WASP_OK;
    wasp_spin_lock(&a->lock);
    int st = atomic_load(&a->lstate);
    if (st == WASP_STATE_STOPPING || st == WASP_STATE_TERMINATED || atomic_load(&a->stop_req))
        rc = WASP_ESTOPPED;
    else if (st == WASP_STATE_FAILED)
        rc = WASP_ESTATE;
    else if (!atomic_load(req))
        atomic_store(req, value);
    wasp_spin_unlock(&a->lock);
    return rc;
}

void wasp__actor_retire_now(struct wasp_actor *a, int reason) {
    drop_in_hand(a, WASP_ESTOPPED); /* a runtime event: retirement waits for messages */
    run_stopped(a, reason);
    actor_fail(a, reason);
}

int wasp__actor_retire(wasp_system *sys, wasp_aid id) {
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    int rc = request(a, &a->retire_req, 1 + WASP_EXIT_SHUTDOWN);
    /* idle: retire here; otherwise its owner does between messages */
    if (rc == WASP_OK && !atomic_exchange(&a->sched, 1)) {
        if (a->cur) wasp__actor_release(a); /* parked: it finishes its message first */
        else wasp__actor_retire_now(a, atomic_load(&a->retire_req) - 1);
    }
    wasp__actor_unref(a);
    return rc;
}

void wasp__actor_wait_down(wasp_system *sys, struct wasp_actor *a) {
    pthread_mutex_lock(&sys->term_mu);
    for (;;) {
        int st = atomic_load(&a->lstate);
        if (st == WASP_STATE_TERMINATED || st == WASP_STATE_FAILED) break;
        pthread_cond_wait(&sys->term_cv, &sys->term_mu);
    }
    pthread_mutex_unlock(&sys->term_mu);
}

int wasp__actor_end(wasp_system *sys, wasp_aid id, int type, const void *data, size_t len,
                    void (*on_failed)(void *arg), void *arg) {
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ESTOPPED;
    int rc = WASP_OK, st = atomic_load(&a->lstate);
    if (st == WASP_STATE_STOPPING || st == WASP_STATE_TERMINATED) {
        rc = WASP_ESTOPPED;
    } else {
        if (st != WASP_STATE_FAILED && wasp__event_send(sys, id, type, data, len) == WASP_OK)
            wasp__actor_wait_down(sys, a);
        if (on_failed && atomic_load(&a->lstate) == WASP_STATE_FAILED) on_failed(arg);
        if (atomic_load(&a->lstate) != WASP_STATE_TERMINATED) wasp__actor_shutdown(sys, a, false);
    }
    wasp__actor_unref(a);
    return rc;
}

void wasp__actor_park(struct wasp_actor *a) {
    int exp = WASP_PW_RUN;
    if (atomic_compare_exchange_strong(&a->parkw, &exp, WASP_PW_PARKED)) {
        /* a stop or kill that raced with the park: whoever flips PARKED->RUN owns it */
        if (wasp_actor_has_request(a)) {
            exp = WASP_PW_PARKED;
            if (atomic_compare_exchange_strong(&a->parkw, &exp, WASP_PW_RUN))
                wasp__actor_schedule(a, true);
        }
    } else { /* woken before it parked: run again */
        atomic_store(&a->parkw, WASP_PW_RUN);
        wasp__actor_schedule(a, true);
    }
}

bool wasp__actor_stop_begin(struct wasp_actor *a, int reason, int *rc) {
    wasp_spin_lock(&a->lock);
    int st = atomic_load(&a->lstate);
    if (st == WASP_STATE_STOPPING || st == WASP_STATE_TERMINATED || atomic_load(&a->stop_req)) {
        wasp_spin_unlock(&a->lock);
        *rc = WASP_ESTOPPED;
        return false;
    }
    atomic_store(&a->stop_req, reason + 1);
    bool own = false;
    if (st == WASP_STATE_FAILED) {
        atomic_store(&a->lstate, WASP_STATE_STOPPING);
        own = true;
    }
    wasp_spin_unlock(&a->lock);
    *rc = WASP_OK;
    if (!own) {
        int exp = WASP_PW_PARKED;
        if (!atomic_exchange(&a->sched, 1)) own = true;
        else if (atomic_compare_exchange_strong(&a->parkw, &exp, WASP_PW_RUN)) own = true;
    }
    return own;
}

/* ---- public ------------------------------------------------------------------ */

static int spawn(wasp_system *sys, const wasp_actor_spec *spec, wasp__event_fn on_event,
                 unsigned flags, wasp_aid *out) {
    if (!sys || !spec || !spec->handle) return WASP_EINVAL;
    if (spec->overflow != WASP_OVERFLOW_EFULL && spec->overflow != WASP_OVERFLOW_DROP_OLDEST)
        return WASP_EINVAL;
    size_t name_len;
    if (spec->name && wasp__name_check(spec->name, &name_len)) return WASP_EINVAL;
    if (atomic_load(&sys->state) >= WASP_SYS_STOPPING) return WASP_ESTOPPED;
    char *name = NULL;
    if (spec->name && !(name = strdup(spec->name))) return WASP_ENOMEM;
    struct wasp_actor *a = wasp__table_alloc(sys);
    if (!a) {
        free(name);
        return WASP_ENOMEM;
    }
    uint64_t gen = atomic_load_explicit(&a->ref, memory_order_relaxed) >> 32;
    atomic_store_explicit(&a->sched, 1, memory_order_relaxed); /* the spawner owns it */
    atomic_store_explicit(&a->parkw, WASP_PW_RUN, memory_order_relaxed);
    atomic_store_explicit(&a->stop_req, 0, memory_order_relaxed);
    atomic_store_explicit(&a->kill_req, 0, memory_order_relaxed);
    atomic_store_explicit(&a->lstate, WASP_STATE_CREATING, memory_order_relaxed);
    atomic_store_explicit(&a->lock.v, 0, memory_order_relaxed);
    a->alive = a->replied = false;
    atomic_store_explicit(&a->in_pool, false, memory_order_relaxed);
    wasp__mailbox_init(&a->mb, spec->mailbox_capacity ? spec->mailbox_capacity : sys->cfg.mailbox_capacity,
                       spec->overflow);
    a->monitors = NULL;
    a->cur = NULL;
    a->rq.next = NULL;
    a->sys = sys;
    a->name = name;
    a->handle = spec->handle;
    a->started = spec->started;
    a->stopped = spec->stopped;
    a->health = spec->health;
    a->on_event = on_event;
    a->supervised = flags & WASP__SPAWN_SUPERVISED;
    a->stop_first = flags & WASP__SPAWN_STOP_FIRST;
    atomic_store_explicit(&a->retire_req, 0, memory_order_relaxed);
    a->spec_state = a->state = spec->state;
    a->start_seq = 0;
    atomic_store_explicit(&a->probe_busy, false, memory_order_relaxed);
    atomic_store_explicit(&a->events_lost, false, memory_order_relaxed);
    atomic_store_explicit(&a->handled, 0, memory_order_relaxed);
    atomic_store_explicit(&a->errors, 0, memory_order_relaxed);
    atomic_store_explicit(&a->crashes, 0, memory_order_relaxed);
    atomic_store_explicit(&a->restarts, 0, memory_order_relaxed);
    atomic_store_explicit(&a->dead, 0, memory_order_relaxed);
    atomic_store_explicit(&a->ref, (gen << 32) | 1, memory_order_release); /* live */
    wasp_aid id = (gen << 32) | a->slot;

    if (name) {
        int rc = wasp__registry_add_actor(sys, name, id);
        if (rc) {
            atomic_store(&a->lstate, WASP_STATE_TERMINATED); /* the last unref frees it */
            wasp__actor_unref(a);
            return rc;
        }
    }
    a->start_seq = atomic_fetch_add(&sys->seq, 1) + 1;
    atomic_fetch_add_explicit(&sys->spawned, 1, memory_order_relaxed);
    atomic_fetch_add(&sys->live, 1);
    if (run_started(a)) {
        wasp__actor_terminate(a, WASP_EXIT_START_FAILED);
        return WASP_ECRASH;
    }
    if (out) *out = id;
    wasp__actor_release(a);
    return WASP_OK;
}

int wasp_spawn(wasp_system *sys, const wasp_actor_spec *spec, wasp_aid *out) {
    return spawn(sys, spec, NULL, 0, out);
}

int wasp__spawn_runtime(wasp_system *sys, const wasp_actor_spec *spec, wasp__event_fn on_event,
                        unsigned flags, wasp_aid *out) {
    return spawn(sys, spec, on_event, flags, out);
}

static void wait_terminated(wasp_system *sys, struct wasp_actor *a) {
    pthread_mutex_lock(&sys->term_mu);
    while (atomic_load(&a->lstate) != WASP_STATE_TERMINATED)
        pthread_cond_wait(&sys->term_cv, &sys->term_mu);
    pthread_mutex_unlock(&sys->term_mu);
}

int wasp_actor_stop(wasp_system *sys, wasp_aid id) {
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    int rc;
    if (wasp__actor_stop_begin(a, WASP_EXIT_NORMAL, &rc)) wasp__actor_terminate(a, WASP_EXIT_NORMAL);
    else if (rc == WASP_OK && !wasp__tls_ctx && !wasp__on_worker(sys) && sys->workers_started)
        wait_terminated(sys, a);
    wasp__actor_unref(a);
    return rc;
}

/* Used by wasp_system_stop: stop and wait (or terminate inline). */
void wasp__actor_shutdown(wasp_system *sys, struct wasp_actor *a, bool owned) {
    int rc;
    if (owned) {
        atomic_store(&a->stop_req, WASP_EXIT_SHUTDOWN + 1);
        wasp__actor_terminate(a, WASP_EXIT_SHUTDOWN);
        return;
    }
    if (wasp__actor_stop_begin(a, WASP_EXIT_SHUTDOWN, &rc)) wasp__actor_terminate(a, WASP_EXIT_SHUTDOWN);
    else wait_terminated(sys, a);
}

int wasp_actor_restart(wasp_system *sys, wasp_aid id, const wasp_actor_spec *spec) {
    if (spec && !spec->handle) return WASP_EINVAL;
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    wasp_spin_lock(&a->lock);
    if (atomic_load(&a->lstate) != WASP_STATE_FAILED) {
        wasp_spin_unlock(&a->lock);
        wasp__actor_unref(a);
        return WASP_ESTATE;
    }
    atomic_store(&a->lstate, WASP_STATE_STARTING); /* failed actors are owned: we own it now */
    atomic_store(&a->retire_req, 0);
    wasp_spin_unlock(&a->lock);
    if (spec) {
        a->handle = spec->handle;
        a->started = spec->started;
        a->stopped = spec->stopped;
        a->health = spec->health;
        a->spec_state = spec->state;
    }
    __atomic_store_n(&a->state, a->spec_state, __ATOMIC_RELAXED); /* a sender may prefetch it (send.c) */
    WASP_BUMP(a->restarts);
    int rc = WASP_OK;
    if (run_started(a)) {
        actor_fail(a, WASP_EXIT_START_FAILED);
        rc = WASP_ECRASH;
    } else {
        wasp__actor_release(a);
    }
    wasp__actor_unref(a);
    return rc;
}

/* A crash from outside. The request is written under the lock after checking
 * the state, then the caller tries to become the owner exactly like a stop:
 * an idle actor (sched 0->1) or a parked one (PARKED->RUN) is crashed here;
 * otherwise the current owner crashes it when its handler call returns (see
 * run_actor) or, if it is queued or starting, before its handler runs again. */
int wasp_actor_kill(wasp_system *sys, wasp_aid id) {
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    int rc = request(a, &a->kill_req, 1);
    if (rc == WASP_OK) {
        int exp = WASP_PW_PARKED;
        if (!atomic_exchange(&a->sched, 1) ||
            atomic_compare_exchange_strong(&a->parkw, &exp, WASP_PW_RUN))
            wasp__actor_crash(a);
    }
    wasp__actor_unref(a);
    return rc;
}

int wasp_actor_wake(wasp_system *sys, wasp_aid id) {
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    for (;;) {
        int v = atomic_load(&a->parkw);
        if (v == WASP_PW_PARKED) {
            if (atomic_compare_exchange_strong(&a->parkw, &v, WASP_PW_RUN)) {
                wasp__actor_schedule(a, false);
                break;
            }
        } else if (v == WASP_PW_RUN) {
            if (atomic_compare_exchange_strong(&a->parkw, &v, WASP_PW_WOKEN)) break;
        } else {
            break;
        }
    }
    wasp__actor_unref(a);
    return WASP_OK;
}

int wasp_actor_monitor(wasp_system *sys, wasp_aid id, wasp_exit_fn fn, void *arg, uint64_t *mon) {
    if (!fn) return WASP_EINVAL;
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    struct wasp_monitor *m = malloc(sizeof(*m));
    if (!m) {
        wasp__actor_unref(a);
        return WASP_ENOMEM;
    }
    m->id = atomic_fetch_add(&sys->mon_ids, 1) + 1;
    m->fn = fn;
    m->arg = arg;
    int rc = WASP_OK;
    wasp_spin_lock(&a->lock);
    int st = atomic_load(&a->lstate);
    if (st == WASP_STATE_STOPPING || st == WASP_STATE_TERMINATED) {
        rc = WASP_ESTOPPED;
    } else {
        m->next = a->monitors;
        a->monitors = m;
    }
    wasp_spin_unlock(&a->lock);
    if (rc) free(m);
    else if (mon) *mon = m->id;
    wasp__actor_unref(a);
    return rc;
}

int wasp_actor_demonitor(wasp_system *sys, wasp_aid id, uint64_t mon) {
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    struct wasp_monitor *found = NULL;
    wasp_spin_lock(&a->lock);
    for (struct wasp_monitor **p = &a->monitors; *p; p = &(*p)->next) {
        if ((*p)->id == mon) {
            found = *p;
            *p = found->next;
            break;
        }
    }
    wasp_spin_unlock(&a->lock);
    free(found);
    wasp__actor_unref(a);
    return found ? WASP_OK : WASP_ENOENT;
}

int wasp_actor_name(wasp_system *sys, wasp_aid id, char *buf, size_t cap) {
    if (!buf && cap) return WASP_EINVAL;
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    size_t len = a->name ? strlen(a->name) : 0;
    if (cap) {
        size_t n = len < cap - 1 ? len : cap - 1;
        if (n) memcpy(buf, a->name, n);
        buf[n] = 0;
    }
    wasp__actor_unref(a);
    return (int)len;
}

const char *wasp_state_name(int state) {
    static const char *const names[] = {"creating", "starting", "ready",
                                        "stopping", "terminated", "failed"};
    return state >= 0 && state <= WASP_STATE_FAILED ? names[state] : "?";
}

/* ---- context ------------------------------------------------------------------ */

wasp_system *wasp_ctx_system(const wasp_ctx *ctx) { return ctx ? ctx->sys : NULL; }
wasp_aid wasp_ctx_self(const wasp_ctx *ctx) { return ctx ? wasp_actor_id(ctx->a) : WASP_AID_NONE; }
const char *wasp_ctx_name(const wasp_ctx *ctx) { return ctx ? ctx->a->name : NULL; }
void *wasp_ctx_state(const wasp_ctx *ctx) { return ctx ? ctx->a->state : NULL; }
void wasp_ctx_set_state(wasp_ctx *ctx, void *state) {
    if (ctx) __atomic_store_n(&ctx->a->state, state, __ATOMIC_RELAXED); /* a sender may prefetch it (send.c) */
}
const wasp_msg *wasp_ctx_msg(const wasp_ctx *ctx) { return ctx ? ctx->msg : NULL; }
wasp_ctx *wasp_ctx_current(void) { return wasp__tls_ctx; }
