/* scheduler.h - M:N scheduling onto worker threads (scheduler.c).
 *
 * The scheduler knows no actors: it queues runnables (an intrusive link
 * embedded in whatever runs) and hands each one picked to the run function
 * the system gave it - the actor's run loop (actor_run.c), as Pony's
 * scheduler calls ponyint_actor_run. Whoever queues a runnable must own its
 * run (the actor's sched token). */
#ifndef WASP_RUNTIME_SCHEDULER_H
#define WASP_RUNTIME_SCHEDULER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasp.h"

struct wasp_runnable {
    struct wasp_runnable *next;
};

/* Runs one step of r on the calling worker; r is re-queued (or released)
 * by the run function itself. */
typedef void (*wasp__run_fn)(struct wasp_runnable *r);

/* Runnables gathered for one queue lock (a publish's fan-out). */
struct wasp_batch {
    struct wasp_runnable *head, *tail;
    size_t n;
};

struct wasp_worker {
    pthread_t thread;
    wasp_system *sys;
    struct wasp_runnable *next; /* run next (LIFO slot for the runnable just woken here) */
    unsigned tick;
};

struct wasp_sched {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wasp_runnable *head, *tail;
    atomic_size_t len;
    int sleepers;
    atomic_int spinning; /* workers spinning for work before they sleep */
    int idle_waiters;    /* threads in wasp_system_wait_idle */
    long holds;          /* outside work in flight (wasp_system_hold) */
    pthread_cond_t idle; /* signalled when the last worker goes to sleep */
    bool stop;
    int nworkers;
    struct wasp_worker *workers;
    wasp__run_fn run;
};

/* Prepares s: its locks, its worker count and its run function (no threads yet). */
void wasp__sched_init(struct wasp_sched *s, int nworkers, wasp__run_fn run);
void wasp__sched_destroy(struct wasp_sched *s);
/* Makes r run: into this worker's next slot when called from a worker of
 * the same system (tail == false), else the shared queue. */
void wasp__sched_push(wasp_system *sys, struct wasp_runnable *r, bool tail);
/* Appends r to b (no lock); wasp__sched_push_batch queues them all. */
void wasp__batch_add(struct wasp_batch *b, struct wasp_runnable *r);
void wasp__sched_push_batch(wasp_system *sys, struct wasp_batch *b);
int wasp__sched_start(wasp_system *sys);
void wasp__sched_stop(wasp_system *sys);
/* Empties the queue (only while no worker runs); its entries are stale. */
void wasp__sched_take_all(wasp_system *sys);
bool wasp__on_worker(wasp_system *sys);
/* Whether anything else waits to run on this worker (its next slot or the
 * shared queue); true off a worker. An actor at the end of its batch keeps
 * running when nothing does (no requeue, no wake-up of a sleeper). */
bool wasp__sched_others_waiting(wasp_system *sys);
/* Waits until every worker sleeps on an empty queue with no outside work
 * held (wasp_system_wait_idle): WASP_OK, WASP_ETIMEDOUT, or WASP_ESTATE
 * once the scheduler stops. timeout_ns 0: no limit. */
int wasp__sched_wait_idle(struct wasp_sched *s, uint64_t timeout_ns);

#endif
