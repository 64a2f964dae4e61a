/* scheduler.c - M:N scheduling of actors onto worker threads.
 *
 * One shared FIFO run queue (mutex + condvar, intrusive list: no allocation)
 * plus, per worker, a one-actor "next" slot. An actor made runnable by the
 * actor running on a worker goes into that worker's next slot and runs as
 * soon as the current run step ends, with no lock and no wake-up (the
 * message-passing fast path: ring hops, request/reply). Whatever was in the
 * slot before moves to the shared queue. Every 61st pick a worker moves its
 * next-slot actor to the queue tail first, so two actors ping-ponging through
 * the slot cannot starve the queue. Yields and batch-exhausted actors go to
 * the queue tail.
 *
 * Idle workers spin briefly on the queue length, then sleep on the condvar;
 * a push wakes one sleeper. An idle system therefore costs ~0% CPU.
 * See docs/RUNTIME.md for why a shared queue rather than work stealing. */
#include <errno.h>
#include <stdlib.h>

#include "core/clock.h"
#include "runtime/events.h"

#define WASP_BATCH 64
#define WASP_FAIR_TICK 61
#define WASP_SPIN 2000

static _Thread_local struct wasp_worker *tls_worker;

bool wasp__on_worker(wasp_system *sys) { return tls_worker && tls_worker->sys == sys; }

static void rq_push(struct wasp_sched *s, struct wasp_actor *a) {
    a->rq_next = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->tail) s->tail->rq_next = a;
    else s->head = a;
    s->tail = a;
    atomic_fetch_add_explicit(&s->len, 1, memory_order_relaxed);
    if (s->sleepers) pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

static struct wasp_actor *rq_pop_locked(struct wasp_sched *s) {
    struct wasp_actor *a = s->head;
    if (a) {
        s->head = a->rq_next;
        if (!s->head) s->tail = NULL;
        atomic_fetch_sub_explicit(&s->len, 1, memory_order_relaxed);
    }
    return a;
}

/* Idle: every worker asleep on an empty queue (a worker's next slot is
 * empty whenever it sleeps) and no outside work held. Under s->mu. */
static bool idle_locked(const struct wasp_sched *s) {
    return s->sleepers == s->nworkers && !s->head && s->holds == 0;
}

void wasp__sched_push_batch(wasp_system *sys, struct wasp_batch *b) {
    if (!b->n) return;
    struct wasp_sched *s = &sys->sched;
    pthread_mutex_lock(&s->mu);
    if (s->tail) s->tail->rq_next = b->head;
    else s->head = b->head;
    s->tail = b->tail;
    atomic_fetch_add_explicit(&s->len, b->n, memory_order_relaxed);
    if (s->sleepers) {
        if (b->n > 1) pthread_cond_broadcast(&s->cv);
        else pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    b->head = b->tail = NULL;
    b->n = 0;
}

void wasp__sched_push(wasp_system *sys, struct wasp_actor *a, bool tail) {
    struct wasp_worker *w = tls_worker;
    if (!tail && w && w->sys == sys) {
        struct wasp_actor *old = w->next;
        w->next = a;
        if (!old) return;
        a = old;
    }
    rq_push(&sys->sched, a);
}

/* Next actor for w, or NULL when the system stops. */
static struct wasp_actor *next_actor(struct wasp_worker *w) {
    struct wasp_sched *s = &w->sys->sched;
    if (w->next) {
        if (++w->tick % WASP_FAIR_TICK || !atomic_load_explicit(&s->len, memory_order_relaxed)) {
            struct wasp_actor *a = w->next;
            w->next = NULL;
            return a;
        }
        rq_push(s, w->next);
        w->next = NULL;
    }
    for (int i = 0; i < WASP_SPIN; i++) {
        if (atomic_load_explicit(&s->len, memory_order_relaxed)) break;
        wasp_cpu_relax();
    }
    pthread_mutex_lock(&s->mu);
    struct wasp_actor *a;
    while (!(a = rq_pop_locked(s)) && !s->stop) {
        if (++s->sleepers == s->nworkers && s->idle_waiters && idle_locked(s))
            pthread_cond_broadcast(&s->idle);
        pthread_cond_wait(&s->cv, &s->mu);
        s->sleepers--;
    }
    pthread_mutex_unlock(&s->mu);
    return a;
}

/* One run step: up to WASP_BATCH messages of one owned actor. */
static void run_actor(struct wasp_actor *a) {
    struct wasp_ctx ctx = {a->sys, a, NULL};
    struct wasp_ctx *prev = wasp__tls_ctx;
    wasp__tls_ctx = &ctx;
    wasp_msg m;
    int n = 0;
    for (;;) {
        int stop = atomic_load_explicit(&a->stop_req, memory_order_relaxed);
        if (stop) {
            wasp__tls_ctx = prev;
            wasp__actor_terminate(a, stop - 1);
            return;
        }
        if (atomic_load_explicit(&a->kill_req, memory_order_relaxed)) { /* wasp_actor_kill */
            wasp__tls_ctx = prev;
            wasp__actor_crash(a);
            return;
        }
        int retire = atomic_load_explicit(&a->retire_req, memory_order_relaxed);
        if (retire && !a->cur) { /* between messages: the one in hand is finished first */
            wasp__tls_ctx = prev;
            wasp__actor_retire_now(a, retire - 1);
            return;
        }
        if (n == WASP_BATCH) {
            wasp__sched_push(a->sys, a, true);
            break;
        }
        struct wasp_env *e = a->cur;
        if (!e && ((e = wasp__event_take_lost(a)) || (e = wasp__mailbox_pop_event(a)))) {
            /* runtime events first */
            a->cur = e;
            atomic_store_explicit(&a->parkw, WASP_PW_RUN, memory_order_relaxed);
        }
        if (!e) {
            for (;;) {
                e = wasp__mailbox_pop(a);
                if (!e || !e->deadline || e->deadline > wasp_clock_ns()) break;
                wasp__dead_letter(a->sys, a, e, WASP_ETIMEDOUT); /* TTL expired */
            }
            if (!e) {
                wasp__tls_ctx = prev;
                wasp__actor_release(a);
                return;
            }
            a->cur = e;
            a->replied = false;
            atomic_store_explicit(&a->parkw, WASP_PW_RUN, memory_order_relaxed);
        }
        if (e->kind == WASP_ENV_EVENT) { /* never a message: not counted */
            int rc = wasp__event_dispatch(&ctx, a, e);
            if (rc == WASP_YIELD && !atomic_load(&a->kill_req)) {
                wasp__sched_push(a->sys, a, true);
                break;
            }
            if (rc == WASP_ECRASH || rc == WASP__FAIL_SHUTDOWN) {
                wasp__tls_ctx = prev;
                if (rc == WASP_ECRASH) wasp__actor_crash(a);
                else wasp__actor_retire_now(a, WASP_EXIT_SHUTDOWN);
                return;
            }
            if (rc == WASP__STOP_SHUTDOWN) { /* we own it: the loop top terminates it */
                int r;
                (void)wasp__actor_stop_begin(a, WASP_EXIT_SHUTDOWN, &r);
            }
            n++;
            continue;
        }
        m.data = e->data;
        m.len = e->len;
        m.sender = e->sender;
        m.topic = e->blob ? e->blob->topic : NULL;
        m.corr = e->corr;
        m.status = e->status;
        m.flags = e->flags;
        m.sender_name = e->sender_name;
        ctx.msg = &m;
        int rc = a->handle(&ctx, &m);
        ctx.msg = NULL;
        /* a kill lands at the end of this handler call, even mid-message */
        if ((rc == WASP_YIELD || rc == WASP_PARK) && atomic_load(&a->kill_req)) rc = WASP_ECRASH;
        if (rc == WASP_YIELD) {
            wasp__sched_push(a->sys, a, true);
            break;
        }
        if (rc == WASP_PARK) {
            wasp__actor_park(a);
            break;
        }
        if (rc == WASP_ECRASH) {
            wasp__tls_ctx = prev;
            wasp__actor_crash(a);
            return;
        }
        a->cur = NULL;
        if (rc == WASP_DROP) { /* undeliverable: a dead letter, not a handled message */
            wasp__dead_letter(a->sys, a, e, WASP_ENOREPLY);
            n++;
            continue;
        }
        WASP_BUMP(a->handled);
        if (rc != 0 && rc != WASP_STOP) WASP_BUMP(a->errors);
        wasp__env_free(e);
        n++;
        if (rc == WASP_STOP) {
            int r; /* we own it already: the loop top terminates (or retires) it */
            if (a->supervised) atomic_store(&a->retire_req, 1 + WASP_EXIT_NORMAL);
            else (void)wasp__actor_stop_begin(a, WASP_EXIT_NORMAL, &r);
        }
    }
    wasp__tls_ctx = prev;
}

static void *worker_main(void *arg) {
    struct wasp_worker *w = arg;
    tls_worker = w;
    struct wasp_actor *a;
    while ((a = next_actor(w))) run_actor(a);
    tls_worker = NULL;
    return NULL;
}

int wasp__sched_start(wasp_system *sys) {
    struct wasp_sched *s = &sys->sched;
    s->workers = calloc((size_t)s->nworkers, sizeof(*s->workers));
    if (!s->workers) return WASP_ENOMEM;
    for (int i = 0; i < s->nworkers; i++) {
        s->workers[i].sys = sys;
        if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i])) {
            s->nworkers = i;
            wasp__sched_stop(sys);
            return WASP_ENOMEM;
        }
    }
    return WASP_OK;
}

void wasp__sched_stop(wasp_system *sys) {
    struct wasp_sched *s = &sys->sched;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->nworkers && s->workers; i++) pthread_join(s->workers[i].thread, NULL);
    free(s->workers);
    s->workers = NULL;
}


void wasp_system_hold(wasp_system *sys) {
    if (!sys) return;
    pthread_mutex_lock(&sys->sched.mu);
    sys->sched.holds++;
    pthread_mutex_unlock(&sys->sched.mu);
}

void wasp_system_release(wasp_system *sys) {
    if (!sys) return;
    struct wasp_sched *s = &sys->sched;
    pthread_mutex_lock(&s->mu);
    if (s->holds > 0 && --s->holds == 0 && s->idle_waiters && idle_locked(s))
        pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
}

int wasp_system_wait_idle(wasp_system *sys, uint64_t timeout_ns) {
    if (!sys) return WASP_EINVAL;
    if (wasp__tls_ctx || wasp__on_worker(sys) || !sys->workers_started) return WASP_ESTATE;
    struct wasp_sched *s = &sys->sched;
    struct timespec until = {0};
    if (timeout_ns) { /* the condvar waits on the realtime clock */
        clock_gettime(CLOCK_REALTIME, &until);
        uint64_t t = (uint64_t)until.tv_sec * 1000000000u + (uint64_t)until.tv_nsec + timeout_ns;
        until = (struct timespec){.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
    }
    int rc = WASP_OK;
    pthread_mutex_lock(&s->mu);
    s->idle_waiters++;
    while (!s->stop && !idle_locked(s)) {
        if (!timeout_ns) pthread_cond_wait(&s->idle, &s->mu);
        else if (pthread_cond_timedwait(&s->idle, &s->mu, &until) == ETIMEDOUT) {
            rc = idle_locked(s) ? WASP_OK : WASP_ETIMEDOUT;
            break;
        }
    }
    if (s->stop) rc = WASP_ESTATE;
    s->idle_waiters--;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

struct wasp_actor *wasp__sched_take_all(wasp_system *sys) {
    struct wasp_sched *s = &sys->sched;
    pthread_mutex_lock(&s->mu);
    struct wasp_actor *a = s->head;
    s->head = s->tail = NULL;
    atomic_store(&s->len, 0);
    pthread_mutex_unlock(&s->mu);
    return a;
}
