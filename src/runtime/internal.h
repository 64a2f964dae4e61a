/* internal.h - the actor runtime's private structures (docs/RUNTIME.md).
 *
 * Layout of the runtime:
 *   actor.c      actor table (ids, refcounts), spawn, stop, restart, park/wake, monitors
 *   mailbox.c    bounded two-priority mailbox (spinlock + lazily grown rings)
 *   envelope.c   envelopes, shared publish payloads, pending asks
 *   scheduler.c  workers, run queue, the run step of one actor
 *   registry.c   names and pools
 *   send.c       send, ask, reply, send_after
 *   dead_letters.c  dead letters: count, complete, log (rate-limited), publish
 *   events.c     the runtime's own channel (runtime events, health probes)
 *   broker.c     publish/subscribe over the topic trie (topics.c)
 *   system.c     system lifecycle and introspection
 */
#ifndef WASP_RUNTIME_INTERNAL_H
#define WASP_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/hashmap.h"
#include "wasp.h"

struct wasp_timers;
struct wasp_topic_tree;
struct wasp_batch;
struct wasp_event;
/* A runtime actor's handler of runtime events (events.h). */
typedef int (*wasp__event_fn)(wasp_ctx *ctx, const struct wasp_event *ev);

/* ---- spinlock: test-and-test-and-set, yields after a short spin ---------- */
typedef struct {
    atomic_int v;
} wasp_spin;

static inline void wasp_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void wasp_spin_lock(wasp_spin *l) {
    for (unsigned n = 0;; n++) {
        if (!atomic_load_explicit(&l->v, memory_order_relaxed) &&
            !atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
            return;
        if (n < 100) wasp_cpu_relax();
        else sched_yield();
    }
}

static inline void wasp_spin_unlock(wasp_spin *l) {
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

/* Single-writer counter bump (readers may load concurrently). */
#define WASP_BUMP(x) \
    atomic_store_explicit(&(x), atomic_load_explicit(&(x), memory_order_relaxed) + 1, \
                          memory_order_relaxed)
#define WASP_LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

/* ---- envelopes ----------------------------------------------------------- */

/* A payload shared read-only by the envelopes of one publish. */
struct wasp_blob {
    atomic_uint refs;
    size_t len;
    char *topic;   /* points into bytes, after the payload */
    uint8_t bytes[];
};

/* A pending ask: completed exactly once (reply, timeout, no reply, dead). */
struct wasp_pending {
    atomic_int done;
    atomic_int refs;
    _Atomic uint64_t timer;
    wasp_system *sys;
    wasp_reply_fn fn;
    void *arg;
};

struct wasp_env {
    wasp_aid sender;
    wasp_aid reply_to;           /* direct reply target (ctx ask without timeout) */
    uint64_t corr;
    uint64_t deadline;           /* monotonic ns, 0 = no TTL */
    struct wasp_pending *pending; /* request with a completion (holds a ref) */
    struct wasp_blob *blob;      /* shared payload (holds a ref) */
    const void *data;
    size_t len;
    void (*free_fn)(void *);     /* moved-in payload */
    unsigned flags;              /* WASP_MSG_* */
    int status;
    char *sender_name;           /* relayed from another process (owned) */
    uint8_t kind;                /* WASP_ENV_* */
    uint8_t type;                /* runtime events: WASP_EVT_* */
    uint8_t inl[];               /* copied payload */
};

/* Envelope kinds. A runtime event is created only by runtime code
 * (events.c); no user send can make one, whatever its bytes, so a handler
 * never has to guess whether a payload is the runtime's. */
#define WASP_ENV_USER 0
#define WASP_ENV_EVENT 1


struct wasp_env *wasp__env_new_copy(const void *data, size_t len);
struct wasp_env *wasp__env_new_moved(void *data, size_t len, void (*free_fn)(void *));
struct wasp_env *wasp__env_new_blob(struct wasp_blob *b); /* takes a new blob ref */
/* Frees the envelope and what it owns; an unanswered request completes with
 * WASP_ENOREPLY. */
void wasp__env_free(struct wasp_env *e);
struct wasp_blob *wasp__blob_new(const char *topic, size_t tlen, const void *data, size_t len);
void wasp__blob_unref(struct wasp_blob *b);

struct wasp_pending *wasp__pending_new(wasp_system *sys, wasp_reply_fn fn, void *arg);
/* true if this call completed it (fn ran). */
bool wasp__pending_complete(struct wasp_pending *p, int status, const void *data, size_t len);
void wasp__pending_unref(struct wasp_pending *p);

/* ---- actors -------------------------------------------------------------- */

struct wasp_ring {
    struct wasp_env **buf;
    uint32_t head, len, size; /* size: 0 or a power of two */
};

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
    wasp_spin lock;        /* mailbox, monitors, lifecycle transitions */
    bool closed;           /* mailbox takes no more messages */
    bool alive;            /* incarnation started, `stopped` not yet run (owner) */
    bool replied;          /* current request answered (owner) */
    bool supervised;       /* WASP__SPAWN_SUPERVISED */
    bool stop_first;       /* WASP__SPAWN_STOP_FIRST */
    atomic_bool in_pool;   /* ever added to a pool */
    uint8_t overflow;
    uint32_t cap, count;   /* mailbox capacity and occupancy (under lock) */
    atomic_uint qlen;      /* == count, readable without the lock */
    struct wasp_ring hi, lo;
    struct wasp_ring ev;   /* runtime events (not messages: not in count/cap/received) */
    atomic_uint evlen;     /* == ev.len, readable without the lock */
    atomic_bool probe_busy; /* a health probe is queued or in hand: more are coalesced */
    atomic_bool events_lost; /* an event for it could not be allocated (events.c) */
    struct wasp_monitor *monitors;
    struct wasp_env *cur;  /* message in hand (owner) */
    struct wasp_actor *rq_next;
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
    _Atomic uint64_t received, handled, errors, crashes, restarts, dead;
    _Atomic uint64_t timers_pending; /* send_after messages armed for it, not fired */
};

static inline wasp_aid wasp_actor_id(const struct wasp_actor *a) {
    return (atomic_load_explicit(&a->ref, memory_order_relaxed) & 0xffffffff00000000ull) |
           a->slot;
}

/* Resolves an id to a referenced actor, or NULL. */
struct wasp_actor *wasp__actor_get(wasp_system *sys, wasp_aid id);
void wasp__actor_ref(struct wasp_actor *a);
void wasp__actor_unref(struct wasp_actor *a);
/* Releases run ownership; reschedules if there is work or a stop/kill request. */
void wasp__actor_release(struct wasp_actor *a);
/* Owner-only transitions (scheduler.c calls them from the run step). */
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
void wasp__table_init(wasp_system *sys);
void wasp__table_free(wasp_system *sys);
/* Calls fn for each slot whose actor exists (ref count > 0), holding a ref. */
void wasp__table_each(wasp_system *sys, void (*fn)(struct wasp_actor *a, void *arg), void *arg);

/* ---- mailbox ------------------------------------------------------------- */
/* WASP_OK (a dropped-oldest envelope, if any, in *dropped), WASP_EFULL,
 * WASP_ESTOPPED, WASP_ENOMEM. Bumps received. */
int wasp__mailbox_push(struct wasp_actor *a, struct wasp_env *e, struct wasp_env **dropped);
/* Next envelope (high first), or NULL. */
struct wasp_env *wasp__mailbox_pop(struct wasp_actor *a);
/* Runtime events: queued beside the messages (never refused for room,
 * WASP_ESTOPPED once closed), taken before them. */
int wasp__mailbox_push_event(struct wasp_actor *a, struct wasp_env *e);
struct wasp_env *wasp__mailbox_pop_event(struct wasp_actor *a);
/* Closes the mailbox and returns its envelopes as a NULL-terminated array
 * (malloc'd, may be NULL if empty). Queued runtime events are discarded
 * (events.c: their waiters learn WASP_ESTOPPED). */
struct wasp_env **wasp__mailbox_close(struct wasp_actor *a);
void wasp__mailbox_free(struct wasp_actor *a);

/* ---- scheduler ----------------------------------------------------------- */
struct wasp_worker {
    pthread_t thread;
    wasp_system *sys;
    struct wasp_actor *next; /* run next (LIFO slot for the actor just woken here) */
    unsigned tick;
};

struct wasp_sched {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wasp_actor *head, *tail;
    atomic_size_t len;
    int sleepers;
    int idle_waiters;    /* threads in wasp_system_wait_idle */
    long holds;          /* outside work in flight (wasp_system_hold) */
    pthread_cond_t idle; /* signalled when the last worker goes to sleep */
    bool stop;
    int nworkers;
    struct wasp_worker *workers;
};

/* Makes an owned actor run: into this worker's next slot when called from a
 * worker of the same system (tail == false), else the shared queue. */
void wasp__sched_push(wasp_system *sys, struct wasp_actor *a, bool tail);
void wasp__sched_push_batch(wasp_system *sys, struct wasp_batch *b);
int wasp__sched_start(wasp_system *sys);
void wasp__sched_stop(wasp_system *sys);
/* Pops everything queued (only while no worker runs). */
struct wasp_actor *wasp__sched_take_all(wasp_system *sys);
bool wasp__on_worker(wasp_system *sys);

/* ---- contexts ------------------------------------------------------------- */
struct wasp_ctx {
    wasp_system *sys;
    struct wasp_actor *a;
    const wasp_msg *msg;
};
extern _Thread_local struct wasp_ctx *wasp__tls_ctx;
/* Sender id for messages sent from this thread to sys. */
static inline wasp_aid wasp_current_sender(wasp_system *sys) {
    struct wasp_ctx *c = wasp__tls_ctx;
    return c && c->sys == sys ? wasp_actor_id(c->a) : WASP_AID_NONE;
}

/* ---- registry ------------------------------------------------------------- */
struct wasp_registry {
    pthread_rwlock_t lk;
    struct wasp_hashmap map; /* name -> struct wasp_reg_entry */
    struct wasp_reg_entry *pools; /* every pool entry, linked (pools are few) */
};
/* An actor or pool name is 1..255 bytes (the guest ABI's rule). WASP_OK with
 * *len set, or WASP_EINVAL (also for NULL). */
int wasp__name_check(const char *name, size_t *len);
int wasp__registry_add_actor(wasp_system *sys, const char *name, wasp_aid id);
void wasp__registry_remove_actor(wasp_system *sys, struct wasp_actor *a);
/* name -> actor id (pool: next member). WASP_OK / WASP_ENOENT. */
int wasp__registry_lookup(wasp_system *sys, const char *name, wasp_aid *out);
/* For a pool: how many members to try. */
void wasp__registry_free(wasp_system *sys);

/* ---- broker --------------------------------------------------------------- */
struct wasp_broker {
    pthread_rwlock_t lk;
    struct wasp_topic_tree *tree;
    atomic_size_t nsubs;
};
void wasp__broker_remove_actor(wasp_system *sys, wasp_aid id);
/* Publish with an explicit sender and flags (dead-letter notices). */
int wasp__broker_publish(wasp_system *sys, wasp_aid sender, unsigned flags, const char *topic,
                        const void *data, size_t len);

/* ---- delivery ------------------------------------------------------------- */
/* Queues e for a (which the caller holds a ref on) and schedules it.
 * On error e is untouched (the caller still owns it). */
int wasp__deliver(struct wasp_actor *a, struct wasp_env *e);
/* The same, but an actor that needs scheduling is appended to *b (the caller
 * then calls wasp__sched_push_batch once: one queue lock for a fan-out). */
struct wasp_batch {
    struct wasp_actor *head, *tail;
    size_t n;
};
int wasp__deliver_batched(struct wasp_actor *a, struct wasp_env *e, struct wasp_batch *b);
/* Gets a (with something queued) run if nobody owns it (b: as above, or NULL). */
void wasp__schedule_if_idle(struct wasp_actor *a, struct wasp_batch *b);
/* A message that will never be handled (dead_letters.c): counted (on a if
 * not NULL), its request completed with status, logged at warn (rate-limited),
 * published on wasp.dead_letters, freed. */
void wasp__dead_letter(wasp_system *sys, struct wasp_actor *a, struct wasp_env *e, int status);
/* The same when the target could not be resolved: to_name names it in the log. */
void wasp__dead_letter_to(wasp_system *sys, struct wasp_actor *a, const char *to_name,
                         struct wasp_env *e, int status);
/* Only the (rate-limited) warn line, for letters counted elsewhere. to: the
 * intended actor's name (or NULL: id, or nothing, is shown). */
void wasp__dead_letter_log(wasp_system *sys, const char *to, wasp_aid id, size_t len,
                          const char *why);
/* Writes the summary of dead letters not logged yet (system stop). */
void wasp__dead_letters_flush(wasp_system *sys);

/* ---- system ---------------------------------------------------------------- */
#define WASP_SYS_CREATED 0
#define WASP_SYS_RUNNING 1
#define WASP_SYS_STOPPING 2
#define WASP_SYS_STOPPED 3

#define WASP_CHUNK_SHIFT 10
#define WASP_CHUNK (1u << WASP_CHUNK_SHIFT)
#define WASP_MAX_CHUNKS 4096

struct wasp_system {
    wasp_system_config cfg;
    atomic_int state;
    bool workers_started;
    pthread_mutex_t life_mu; /* start/stop */

    /* actor table */
    _Atomic(struct wasp_actor *) chunks[WASP_MAX_CHUNKS];
    atomic_uint nslots;       /* slots handed out so far */
    pthread_mutex_t table_mu; /* free list, chunk allocation */
    uint32_t *free_slots;
    size_t nfree, free_cap;

    struct wasp_sched sched;
    struct wasp_registry reg;
    struct wasp_broker broker;
    struct wasp_timers *timers;

    pthread_mutex_t term_mu; /* termination waits */
    pthread_cond_t term_cv;

    _Atomic uint64_t seq, corr, mon_ids;
    _Atomic uint64_t live, spawned, dead, retired_received;
    atomic_bool timers_draining; /* system stop: pending send_afters become dead letters */
    _Atomic uint64_t vclock;     /* virtual time (ns) with cfg.virtual_clock */

    /* dead-letter log rate limit (dead_letters.c) */
    pthread_mutex_t dl_mu;
    _Atomic uint64_t dl_window; /* start of the current window (monotonic ns) */
    atomic_uint dl_shown;       /* lines written in it */
    _Atomic uint64_t dl_hidden; /* letters not logged since the last summary */

    /* logging (log.c) */
    int log_level;
    wasp_log_fn log_fn;
    void *log_arg;

    /* the layer above (the wasm layer) hangs its per-system state here */
    _Atomic(void *) ext;

    /* remote router (remote.c); set before start, so read without a lock */
    wasp_remote_ops remote;
    void *remote_arg;
};

/* ---- remote routing (remote.c) ------------------------------------------- */

static inline bool wasp_remote_on(const wasp_system *sys) { return sys->remote.route != NULL; }
/* Hands a send (fn NULL) or request to the remote router. */
int wasp__remote_route(wasp_system *sys, const wasp_send_opts *o, wasp_aid sender,
                      uint64_t timeout_ns, wasp_reply_fn fn, void *arg);
/* A request whose completion is pending p (its timeout is armed by the caller). */
int wasp__remote_ask(wasp_system *sys, const wasp_send_opts *o, struct wasp_pending *p,
                    uint64_t timeout_ns);

#endif
