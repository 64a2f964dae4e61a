/* actor.h - the actor: a stable identity (slot + generation, name,
 * mailbox, counters, monitors) and a replaceable incarnation (handler,
 * hooks, state). actor.c holds the table and the lifecycle (spawn, stop,
 * kill, crash, restart, park/wake, monitors); actor_run.c the run loop the
 * scheduler calls: one step of up to a batch of messages, acting on stop,
 * kill and retire requests, expiring TTLs, turning handler results into
 * lifecycle transitions. */
#ifndef WASP_RUNTIME_ACTOR_H
#define WASP_RUNTIME_ACTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/events.h"
#include "runtime/mailbox.h"
#include "runtime/scheduler.h"
#include "runtime/spin.h"
#include "wasp.h"

/* The actor table: slots in chunks that are never freed before the system
 * is destroyed, so an id can always be checked against its slot. */
#define WASP_CHUNK_SHIFT 10
#define WASP_CHUNK (1u << WASP_CHUNK_SHIFT)
#define WASP_MAX_CHUNKS 4096

struct wasp_monitor {
    struct wasp_monitor *next;
    uint64_t id;
    wasp_exit_fn fn;
    void *arg;
};

/* park word */
#define WASP_PW_RUN 0
#define WASP_PW_WOKEN 1
#define WASP_PW_PARKED 2

struct wasp_actor {
    /* identity: generation (high 32) | reference count (low 32). The slot's
     * memory is never freed while the system lives (type-stable), so a
     * resolver may always read this word. */
    _Atomic uint64_t ref;
    uint32_t slot;
    /* run ownership token: 1 while queued, running, parked, failed or gone.
     * Whoever sets it 0->1 must get the actor run (or own its lifecycle). */
    atomic_int sched;
    atomic_int parkw;      /* WASP_PW_* */
    atomic_int stop_req;   /* 0, or 1 + exit reason */
    atomic_int kill_req;   /* 1: crash at the next handler return (wasp_actor_kill) */
    /* 0, or 1 + exit reason: end this incarnation between messages keeping
     * the identity (wasp__actor_retire; WASP_STOP of a supervised actor) */
    atomic_int retire_req;
    atomic_int lstate;     /* WASP_STATE_* (changed under lock) */
    wasp_spin lock;        /* monitors, lifecycle transitions */
    bool alive;            /* incarnation started, `stopped` not yet run (owner) */
    bool replied;          /* current request answered (owner) */
    bool supervised;       /* WASP__SPAWN_SUPERVISED */
    bool stop_first;       /* WASP__SPAWN_STOP_FIRST */
    atomic_bool in_pool;   /* ever added to a pool */
    struct wasp_mailbox mb;
    atomic_bool probe_busy; /* a health probe is queued or in hand: more are coalesced */
    atomic_bool events_lost; /* an event for it could not be allocated (events.c) */
    struct wasp_monitor *monitors;
    struct wasp_env *cur;  /* message in hand (owner) */
    struct wasp_runnable rq; /* its link in the run queue */
    wasp_system *sys;
    char *name;
    wasp_handle_fn handle;
    wasp_started_fn started;
    wasp_stopped_fn stopped;
    wasp_health_fn health;     /* health hook (probe events), or NULL: healthy when served */
    wasp__event_fn on_event;   /* runtime events of type WASP_EVT_CALL (runtime actors) */
    void *spec_state;
    void *state;
    uint64_t start_seq;
    _Atomic uint64_t handled, errors, crashes, restarts, dead;
};

static inline wasp_aid wasp_actor_id(const struct wasp_actor *a) {
    return (atomic_load_explicit(&a->ref, memory_order_relaxed) & 0xffffffff00000000ull) |
           a->slot;
}

/* Releases run ownership; reschedules if there is work or a stop/kill request. */
void wasp__actor_release(struct wasp_actor *a);
/* Owner-only transitions (the run loop, actor_run.c, calls them). */
void wasp__actor_terminate(struct wasp_actor *a, int reason);
void wasp__actor_crash(struct wasp_actor *a);
/* Ends the incarnation without a crash: `stopped` runs with reason, the
 * actor is FAILED (awaiting a restart) keeping its identity, name and
 * mailbox, monitors are told reason. Owner only. */
void wasp__actor_retire_now(struct wasp_actor *a, int reason);
/* A stop or kill is pending: the owner must act on it before running the handler. */
static inline bool wasp_actor_has_request(struct wasp_actor *a) {
    return atomic_load(&a->stop_req) || atomic_load(&a->kill_req);
}
void wasp__actor_park(struct wasp_actor *a);
/* Starts a stop; true if the caller became the owner and must terminate. */
bool wasp__actor_stop_begin(struct wasp_actor *a, int reason, int *rc);
/* wasp_system_stop: stop one actor and wait (owned: the caller owns it). */
void wasp__actor_shutdown(wasp_system *sys, struct wasp_actor *a, bool owned);
/* Waits (outside actors) until the actor is terminated or failed. */
void wasp__actor_wait_down(wasp_system *sys, struct wasp_actor *a);

static inline struct wasp_actor *wasp__actor_of(struct wasp_runnable *r) {
    return (struct wasp_actor *)((char *)r - offsetof(struct wasp_actor, rq));
}
/* One run step of an actor the caller owns (the scheduler's run function). */
void wasp__actor_run(struct wasp_runnable *r);
/* Queues an actor the caller owns (see wasp__sched_push). */
static inline void wasp__actor_schedule(struct wasp_actor *a, bool tail) {
    wasp__sched_push(a->sys, &a->rq, tail);
}

/* ---- contexts ------------------------------------------------------------- */
struct wasp_ctx {
    wasp_system *sys;
    struct wasp_actor *a;
    const wasp_msg *msg;
    /* In a run step's handler call only: the message in hand (== msg), which
     * wasp__ctx_next replaces, and how many envelopes the step has taken. */
    wasp_msg *inhand;
    int *taken;
};

#endif
