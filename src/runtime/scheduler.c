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
 * a push wakes one sleeper unless a worker is spinning (it will take the
 * push without a context switch; one that finds more queued wakes the next
 * sleeper). An idle system therefore costs ~0% CPU.
 * What a picked runnable does is not the scheduler's business: it calls the
 * run function it was given (the actor's run loop, actor_run.c).
 * See docs/RUNTIME.md for why a shared queue rather than work stealing. */
#include <errno.h>
#include <stdlib.h>

#include "runtime/env_pool.h"
#include "runtime/scheduler.h"
#include "runtime/spin.h"
#include "runtime/system.h"

#define WASP_FAIR_TICK 61
#define WASP_SPIN 2000

static _Thread_local struct wasp_worker *tls_worker;

bool wasp__on_worker(wasp_system *sys) { return tls_worker && tls_worker->sys == sys; }

void wasp__sched_init(struct wasp_sched *s, int nworkers, wasp__run_fn run) {
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->nworkers = nworkers;
    s->run = run;
}

void wasp__sched_destroy(struct wasp_sched *s) {
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->idle);
}

static void rq_push(struct wasp_sched *s, struct wasp_runnable *a) {
    a->next = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->tail) s->tail->next = a;
    else s->head = a;
    s->tail = a;
    atomic_fetch_add_explicit(&s->len, 1, memory_order_relaxed);
    /* A spinner takes the mutex after it stops spinning, so it sees this push. */
    if (s->sleepers && !atomic_load_explicit(&s->spinning, memory_order_relaxed)) pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

bool wasp__sched_others_waiting(wasp_system *sys) {
    struct wasp_worker *w = tls_worker;
    return !w || w->sys != sys || w->next || atomic_load_explicit(&sys->sched.len, memory_order_relaxed);
}

static struct wasp_runnable *rq_pop_locked(struct wasp_sched *s) {
    struct wasp_runnable *a = s->head;
    if (a) {
        s->head = a->next;
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

void wasp__batch_add(struct wasp_batch *b, struct wasp_runnable *r) {
    r->next = NULL;
    if (b->tail) b->tail->next = r;
    else b->head = r;
    b->tail = r;
    b->n++;
}

void wasp__sched_push_batch(wasp_system *sys, struct wasp_batch *b) {
    if (!b->n) return;
    struct wasp_sched *s = &sys->sched;
    pthread_mutex_lock(&s->mu);
    if (s->tail) s->tail->next = b->head;
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

void wasp__sched_push(wasp_system *sys, struct wasp_runnable *a, bool tail) {
    struct wasp_worker *w = tls_worker;
    if (!tail && w && w->sys == sys) {
        struct wasp_runnable *old = w->next;
        w->next = a;
        if (!old) return;
        a = old;
    }
    rq_push(&sys->sched, a);
}

/* Next runnable for w, or NULL when the system stops. */
static struct wasp_runnable *next_runnable(struct wasp_worker *w) {
    struct wasp_sched *s = &w->sys->sched;
    if (w->next) {
        if (++w->tick % WASP_FAIR_TICK || !atomic_load_explicit(&s->len, memory_order_relaxed)) {
            struct wasp_runnable *a = w->next;
            w->next = NULL;
            return a;
        }
        rq_push(s, w->next);
        w->next = NULL;
    }
    atomic_fetch_add_explicit(&s->spinning, 1, memory_order_relaxed);
    for (int i = 0; i < WASP_SPIN; i++) {
        if (atomic_load_explicit(&s->len, memory_order_relaxed)) break;
        wasp_cpu_relax();
    }
    atomic_fetch_sub_explicit(&s->spinning, 1, memory_order_seq_cst);
    /* Likely to sleep: what this worker freed goes back to its senders now. */
    if (!atomic_load_explicit(&s->len, memory_order_relaxed)) wasp__env_pool_flush();
    pthread_mutex_lock(&s->mu);
    struct wasp_runnable *a;
    while (!(a = rq_pop_locked(s)) && !s->stop) {
        if (++s->sleepers == s->nworkers && s->idle_waiters && idle_locked(s))
            pthread_cond_broadcast(&s->idle);
        pthread_cond_wait(&s->cv, &s->mu);
        s->sleepers--;
    }
    /* Pushes skipped the signal while we spun: pass on what we leave. */
    if (a && s->head && s->sleepers && !atomic_load_explicit(&s->spinning, memory_order_relaxed))
        pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return a;
}

static void *worker_main(void *arg) {
    struct wasp_worker *w = arg;
    tls_worker = w;
    struct wasp_runnable *r;
    while ((r = next_runnable(w))) w->sys->sched.run(r);
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

int wasp__sched_wait_idle(struct wasp_sched *s, uint64_t timeout_ns) {
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

void wasp__sched_take_all(wasp_system *sys) {
    struct wasp_sched *s = &sys->sched;
    pthread_mutex_lock(&s->mu);
    s->head = s->tail = NULL;
    atomic_store(&s->len, 0);
    pthread_mutex_unlock(&s->mu);
}
