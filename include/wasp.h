/*
 * wasp.h - the public C API of libwasp.
 *
 * wasp hosts sandboxed WebAssembly components as supervised actors, the way
 * Erlang/OTP hosts processes. This header is the whole embedding API: every
 * public symbol is prefixed wasp_, every fallible call returns an int that is
 * WASP_OK (0) or a negative wasp error code, explained by wasp_strerror().
 *
 * Lifetimes. Every handle is released by exactly one call, named by how it
 * was obtained; nothing is reference counted behind your back, and no call
 * retains a pointer you pass it beyond the call unless its documentation
 * says so:
 *   create  -> destroy   a handle made in memory: wasp_system, wasp_wasm,
 *                        wasp_test (wasp_test.h)
 *   open    -> close     a handle on durable storage: wasp_store, wasp_kv
 *   load    -> free      a description read from a file or text:
 *   (parse)              wasp_manifest (the components it loads belong to
 *                        the wasm layer, see below)
 *   start   -> stop      makes something run / ends its run, keeping the
 *                        handle: wasp_system, wasp_supervisor (start also
 *                        makes the handle: wasp_supervisor_destroy frees it
 *                        after stop), manifest units
 *   spawn   -> stop      actors: ids, not handles (kill crashes, restart
 *                        starts a new incarnation of a failed actor)
 *   load    (owned)      wasp_component: owned by its wasp_wasm, freed by
 *                        wasp_wasm_destroy (its actors may run it until then)
 *   defer   -> reply_deferred / reply_deferred_drop   a deferred reply
 * destroy, close and free accept NULL.
 */
#ifndef WASP_H
#define WASP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* FILE, for wasp_wasm_inspect */

/* The version of this header; wasp_version() gives the library's. CMake
 * reads the project version from these three lines. */
#define WASP_VERSION_MAJOR 0
#define WASP_VERSION_MINOR 2
#define WASP_VERSION_PATCH 0
#define WASP_VERSION_HEX ((WASP_VERSION_MAJOR << 16) | (WASP_VERSION_MINOR << 8) | WASP_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors -------------------------------------------------------------
 * Codes -1..-9 are the same numbers the guest ABI returns to components
 * (docs/ABI.md); the rest are host-side only.
 */
#define WASP_OK 0
#define WASP_ENOENT -1     /* no such actor, name, or subscription */
#define WASP_EFULL -2      /* the target's mailbox is full; nothing was queued */
#define WASP_EPERM -3      /* not permitted */
#define WASP_E2BIG -4      /* message larger than allowed */
#define WASP_ETIMEDOUT -5  /* no reply in time */
#define WASP_EINVAL -6     /* malformed argument (NULL, empty or over-long name, ...) */
#define WASP_ENOREPLY -7   /* reply outside a request, or a second reply */
#define WASP_ESTOPPED -8   /* the target is stopping or stopped */
#define WASP_ELIMIT -9     /* a per-component quota is exhausted (timers, subscriptions, ...) */
#define WASP_EEXIST -10    /* the name is already taken */
#define WASP_ESTATE -11    /* the call is not valid in the object's current state */
#define WASP_EIO -12       /* a file could not be read or written */
#define WASP_ECOMPILE -13  /* the module is not valid WebAssembly or failed to compile */
#define WASP_EABI -14      /* the module does not satisfy the wasp ABI */
#define WASP_ELINK -15     /* instantiation failed: an import could not be linked */
#define WASP_ETRAP -16     /* the guest trapped (crash) */
#define WASP_EINTERRUPT -17 /* the guest ran past its time or fuel budget */
#define WASP_ECRASH -18    /* an actor crashed while handling a message */
#define WASP_EHANDLER -19  /* a handler reported an error (counted; the actor goes on) */
#define WASP_ENOMEM -20    /* out of memory (host only: imports report it as an ABI code) */

/* A static, human-readable description of an error code ("unknown error"
 * for codes wasp does not define). Never NULL. */
const char *wasp_strerror(int err);

/* The name of an error code, e.g. "WASP_EFULL". Never NULL. */
const char *wasp_errname(int err);

/* libwasp's version, e.g. "0.1.0". */
const char *wasp_version(void);

/* ==== Actor runtime ======================================================
 * The runtime hosts actors on an M:N scheduler (docs/RUNTIME.md). It knows
 * nothing about WebAssembly: a native actor is a handler function plus
 * optional hooks; the wasm layer builds component actors on the same calls.
 *
 * Threads: every function below is thread-safe unless it says otherwise and
 * may be called from any thread, including from inside handlers and hooks.
 * A handler runs on a worker thread; an actor never runs on two threads at
 * once, so its own state needs no locking.
 */

typedef struct wasp_system wasp_system;
typedef struct wasp_ctx wasp_ctx;

/* An actor id: a 64-bit (generation << 32 | slot) value resolved through the
 * system's actor table. 0 (WASP_AID_NONE) is "no actor" (e.g. the sender of a
 * message sent from outside any actor). Ids are plain values: copying one
 * keeps nothing alive, and using the id of an actor that terminated is safe
 * and fails with WASP_ENOENT (or WASP_ESTOPPED while it is stopping): a slot
 * is reused only with a new generation, so a stale id never reaches a new
 * actor. */
typedef uint64_t wasp_aid;
#define WASP_AID_NONE ((wasp_aid)0)

/* ---- System -------------------------------------------------------------- */

typedef struct wasp_system_config {
    int workers;               /* worker threads; 0 = number of CPUs */
    size_t max_message;        /* largest payload in bytes; 0 = 1 MiB */
    uint32_t mailbox_capacity; /* default mailbox capacity; 0 = 1024 */
    bool retain_terminated;    /* keep terminated actors' records (stats, foreach)
                                  until wasp_system_destroy instead of freeing them */
    bool virtual_clock;        /* time stands still until wasp_system_advance_clock
                                  moves it (tests): timers, send_after, ask timeouts,
                                  restart back-off and components' now_ms follow it */
} wasp_system_config;

/* Creates a system (workers not running yet; actors may already be spawned
 * and sent to: their messages wait). cfg may be NULL for defaults.
 * WASP_OK, WASP_EINVAL (negative workers) or WASP_ENOMEM. */
int wasp_system_create(const wasp_system_config *cfg, wasp_system **out);

/* Starts the worker threads. WASP_OK, WASP_ESTATE (already started or
 * stopped), WASP_ENOMEM (a thread could not be created). */
int wasp_system_start(wasp_system *sys);

/* Graceful stop: refuses new spawns (WASP_ESTOPPED), asks each root
 * supervisor (newest first) to stop its tree in OTP order and waits for it,
 * then stops every other actor in reverse order of start, one at a time: the `stopped` hook runs with
 * WASP_EXIT_SHUTDOWN and the messages still queued become dead letters.
 * Then joins the workers and drops pending timers (wasp_send_after messages
 * still pending count as dead letters). Idempotent. Must be
 * called from outside any actor (WASP_ESTATE otherwise). */
int wasp_system_stop(wasp_system *sys);

/* Stops (if needed) and frees everything. NULL is a no-op, and so is a call
 * from inside an actor. No id of this system may be used afterwards. */
void wasp_system_destroy(wasp_system *sys);

/* Workers the system runs (or will run). */
int wasp_system_workers(const wasp_system *sys);

/* ---- Actors -------------------------------------------------------------- */

/* A message as a handler sees it. Valid only during the handler call (and
 * across WASP_YIELD / WASP_PARK re-invocations for the same message). */
typedef struct wasp_msg {
    const void *data;   /* payload bytes (never NULL; may be empty) */
    size_t len;
    wasp_aid sender;    /* sending actor, WASP_AID_NONE from outside */
    const char *topic;  /* NUL-terminated topic if published, else NULL */
    uint64_t corr;      /* correlation id of a request or reply, else 0 */
    int status;         /* replies (WASP_MSG_REPLY): WASP_OK or why no reply came
                           (WASP_ETIMEDOUT, WASP_ENOREPLY, WASP_ESTOPPED, ...) */
    unsigned flags;     /* WASP_MSG_* */
    const char *sender_name; /* a sender in another process of the system (sender is
                                then WASP_AID_NONE): its name; NULL otherwise */
    uint64_t codec;     /* the sender's codec tag (WASP_CODEC_*), 0 = untagged */
} wasp_msg;

#define WASP_MSG_REQUEST 0x1u /* an ask: wasp_reply() answers it */
#define WASP_MSG_REPLY 0x2u   /* the answer to this actor's wasp_ctx_ask */
#define WASP_MSG_HIGH 0x4u    /* sent with WASP_PRIO_HIGH */
#define WASP_MSG_DEAD 0x8u    /* a dead-letter notice (topic wasp.dead_letters) */

/* Handler results. 0 = handled. Any negative value other than WASP_ECRASH,
 * or a positive value not listed here, is a handler error: counted in
 * handler_errors, and the actor keeps running. */
#define WASP_YIELD 1 /* not finished: run me again later for the SAME message
                        (the actor goes to the back of the run queue) */
#define WASP_PARK 2  /* not finished and not runnable until wasp_actor_wake();
                        then the handler is called again for the SAME message.
                        A wake that comes before the park is not lost; wakes
                        may be spurious, so re-check your condition. */
#define WASP_STOP 3  /* handled; now stop this actor normally (WASP_EXIT_NORMAL). A
                        supervised actor only ends its incarnation: its
                        supervisor decides (restart on the same identity, or stop) */
#define WASP_DROP 4  /* cannot be delivered (e.g. the receiver has no room for it):
                        the message becomes a dead letter, the actor goes on */
/* return WASP_ECRASH: a crash. The message becomes a dead letter, `stopped`
 * runs with WASP_EXIT_CRASH, the actor goes to WASP_STATE_FAILED keeping its
 * name, mailbox and counters (messages keep queueing), monitors are told, and
 * it waits for wasp_actor_restart() or wasp_actor_stop(). */

typedef int (*wasp_handle_fn)(wasp_ctx *ctx, const wasp_msg *msg);
/* Runs before the first message of an incarnation, synchronously on the
 * thread that calls wasp_spawn / wasp_actor_restart. Nonzero = start failure. */
typedef int (*wasp_started_fn)(wasp_ctx *ctx);
/* Runs once when an incarnation ends (reason WASP_EXIT_*); it disposes of the
 * incarnation's state. Not run if `started` failed. */
typedef void (*wasp_stopped_fn)(wasp_ctx *ctx, int reason);
/* Health hook: the runtime calls it on the actor's own worker when its
 * supervisor probes it (a runtime event, never a message: it is not counted
 * as received or handled, never becomes a dead letter, and runs between
 * messages, before any queued one). Returns WASP_HEALTH_HEALTHY, _DEGRADED
 * or _UNHEALTHY (anything else counts as unhealthy), or WASP_HEALTH_PENDING:
 * not finished, call it again later (the actor goes to the back of the run
 * queue; the probe's timeout still runs). An actor without a hook that
 * serves the probe is healthy. (Values: see "Health checks" below.) */
typedef int (*wasp_health_fn)(wasp_ctx *ctx);

#define WASP_OVERFLOW_EFULL 0       /* full mailbox: the sender gets WASP_EFULL */
#define WASP_OVERFLOW_DROP_OLDEST 1 /* full mailbox: the oldest queued message
                                       (normal before high) becomes a dead letter */

typedef struct wasp_actor_spec {
    const char *name;          /* unique name (1..255 bytes), or NULL: anonymous */
    wasp_handle_fn handle;     /* required */
    wasp_started_fn started;   /* optional */
    wasp_stopped_fn stopped;   /* optional */
    void *state;               /* initial state of each incarnation (wasp_ctx_state) */
    uint32_t mailbox_capacity; /* 0 = the system default */
    int overflow;              /* WASP_OVERFLOW_* */
    wasp_health_fn health;     /* optional: answers supervisor health probes */
} wasp_actor_spec;

/* Spawns an actor and runs its `started` hook on this thread; when it
 * returns the actor is ready (*out, if not NULL, gets its id).
 * WASP_EINVAL (NULL spec/handler, bad name or overflow), WASP_EEXIST (name
 * taken, by an actor or a pool), WASP_ESTOPPED (system stopping),
 * WASP_ENOMEM, or WASP_ECRASH: `started` failed and the actor is gone. */
int wasp_spawn(wasp_system *sys, const wasp_actor_spec *spec, wasp_aid *out);

/* Stops an actor: new messages are refused with WASP_ESTOPPED, the one being
 * handled (if parked or yielded) and those still queued become dead
 * letters, `stopped` runs with WASP_EXIT_NORMAL, monitors fire, its name is
 * released. From outside any actor this waits until it has terminated; from
 * inside an actor it only requests the stop (it completes once the target's
 * current handler call returns). A failed actor is stopped at once.
 * WASP_OK, WASP_ENOENT, WASP_ESTOPPED (already stopping/terminated). */
int wasp_actor_stop(wasp_system *sys, wasp_aid id);

/* Restarts a failed (crashed) actor as a new incarnation keeping its id,
 * name, mailbox and counters: spec (NULL = the previous one; its name,
 * mailbox_capacity and overflow are ignored) supplies handler, hooks and
 * state. `started` runs on this thread; then queued messages are handled.
 * WASP_OK, WASP_ENOENT, WASP_ESTATE (not failed), WASP_EINVAL, or
 * WASP_ECRASH (`started` failed: the actor is failed again, monitors told). */
int wasp_actor_restart(wasp_system *sys, wasp_aid id, const wasp_actor_spec *spec);

/* Crashes an actor from outside, as if its handler had returned WASP_ECRASH
 * (a supervisor uses it for health-triggered restarts). Idle or parked: at
 * once, on this thread (a parked message becomes a dead letter). Queued or
 * yielded: before its handler runs again (the message in hand becomes a dead
 * letter). Running on a worker: when that handler call returns, whatever it
 * returns (WASP_YIELD included), so a component handler is crashed at the
 * end of its current time slice, not of its message. Then, as for any
 * crash: `stopped` runs with WASP_EXIT_CRASH, the actor is WASP_STATE_FAILED
 * keeping id, name, mailbox, subscriptions, pools and counters, monitors are
 * told WASP_EXIT_CRASH, and it awaits wasp_actor_restart / wasp_actor_stop.
 * A stop requested meanwhile wins. Any thread, also inside handlers.
 * WASP_OK (also if a kill is already pending), WASP_ENOENT, WASP_ESTOPPED
 * (stopping/terminated), WASP_ESTATE (already failed). */
int wasp_actor_kill(wasp_system *sys, wasp_aid id);

/* Makes a parked actor runnable again (see WASP_PARK). Any thread.
 * WASP_OK or WASP_ENOENT. */
int wasp_actor_wake(wasp_system *sys, wasp_aid id);

/* Actor lifecycle states (CLI stats vocabulary). */
#define WASP_STATE_CREATING 0
#define WASP_STATE_STARTING 1
#define WASP_STATE_READY 2
#define WASP_STATE_STOPPING 3
#define WASP_STATE_TERMINATED 4
#define WASP_STATE_FAILED 5 /* crashed or failed to restart; awaiting restart */
/* "creating", "starting", "ready", "stopping", "terminated", "failed", "?" */
const char *wasp_state_name(int state);

/* Exit reasons, given to `stopped` hooks and monitors. */
#define WASP_EXIT_NORMAL 0       /* wasp_actor_stop or WASP_STOP */
#define WASP_EXIT_SHUTDOWN 1     /* wasp_system_stop */
#define WASP_EXIT_CRASH 2        /* the handler returned WASP_ECRASH, or wasp_actor_kill */
#define WASP_EXIT_START_FAILED 3 /* `started` failed (monitors only) */

/* Monitors: fn(sys, id, reason, arg) runs once per exit of the actor's
 * incarnation - crash and start failure (the monitor stays registered, the
 * actor may be restarted) and termination (the monitor is then removed). It
 * runs on the thread where the exit happens, with no runtime lock held; it
 * may send, spawn, restart (but should not block). *mon (may be NULL) gets
 * an id for wasp_actor_demonitor. WASP_OK, WASP_EINVAL, WASP_ENOENT,
 * WASP_ESTOPPED (terminating: the monitor would never fire), WASP_ENOMEM. */
typedef void (*wasp_exit_fn)(wasp_system *sys, wasp_aid id, int reason, void *arg);
int wasp_actor_monitor(wasp_system *sys, wasp_aid id, wasp_exit_fn fn, void *arg, uint64_t *mon);
/* WASP_OK or WASP_ENOENT (unknown actor or monitor, or it already fired for
 * termination). */
int wasp_actor_demonitor(wasp_system *sys, wasp_aid id, uint64_t mon);

/* Looks a name up: an actor's id, or (for a pool) its next member's id.
 * WASP_OK, WASP_EINVAL, WASP_ENOENT. */
int wasp_lookup(wasp_system *sys, const char *name, wasp_aid *out);

/* Copies the actor's NUL-terminated name into buf (cap bytes, truncated) and
 * returns its full length, 0 if anonymous, or WASP_ENOENT / WASP_EINVAL. */
int wasp_actor_name(wasp_system *sys, wasp_aid id, char *buf, size_t cap);

/* ---- Inside a handler ---------------------------------------------------- */

wasp_system *wasp_ctx_system(const wasp_ctx *ctx);
wasp_aid wasp_ctx_self(const wasp_ctx *ctx);
const char *wasp_ctx_name(const wasp_ctx *ctx);   /* NULL if anonymous */
void *wasp_ctx_state(const wasp_ctx *ctx);         /* this incarnation's state */
void wasp_ctx_set_state(wasp_ctx *ctx, void *state);
/* The message being handled, NULL in hooks. */
const wasp_msg *wasp_ctx_msg(const wasp_ctx *ctx);
/* The context of the actor running on this thread, or NULL outside actors. */
wasp_ctx *wasp_ctx_current(void);

/* ---- Messages ------------------------------------------------------------ */

/* Codec tags: a message may say how its bytes are encoded, as a multicodec
 * code (the table of the multiformats project). The sender sets it, the
 * receiver reads msg->codec; it stays with the message across pools,
 * publish, timers, replies, dead letters and other nodes. The runtime never
 * interprets it. Codes are unsigned varints of at most 9 bytes, so 0 ..
 * WASP_CODEC_MAX; 0 means untagged (multicodec's 0x00, identity, is not a
 * serialization). */
#define WASP_CODEC_NONE 0
#define WASP_CODEC_PROTOBUF 0x50
#define WASP_CODEC_CBOR 0x51
#define WASP_CODEC_RAW 0x55
#define WASP_CODEC_DAG_PB 0x70
#define WASP_CODEC_DAG_CBOR 0x71
#define WASP_CODEC_DAG_JSON 0x0129
#define WASP_CODEC_JSON 0x0200
#define WASP_CODEC_MESSAGEPACK 0x0201
#define WASP_CODEC_MAX 0x7fffffffffffffffull
/* The multicodec name of a code above ("raw", "json", "cbor", "protobuf",
 * "dag-pb", "dag-cbor", "dag-json", "messagepack"), or NULL. */
const char *wasp_codec_name(uint64_t codec);
/* Parses such a name, or a number (decimal, or hex with 0x), into *codec.
 * WASP_OK, or WASP_EINVAL (unknown name, not a number, past WASP_CODEC_MAX). */
int wasp_codec_parse(const char *text, uint64_t *codec);

#define WASP_PRIO_NORMAL 0
#define WASP_PRIO_HIGH 1 /* delivered before every queued normal message */

/* Everything a send can say. Zero-initialise, then set what you need. */
typedef struct wasp_send_opts {
    wasp_aid to;           /* target id, or */
    const char *to_name;   /* target name (actor or pool), used if to == 0 */
    const void *data;      /* payload (copied unless free_fn is set) */
    size_t len;
    void (*free_fn)(void *data); /* set: the payload is moved in, and freed
                                    with free_fn(data) once delivered or dropped.
                                    On error the caller keeps it. */
    int priority;          /* WASP_PRIO_* */
    uint64_t ttl_ns;       /* > 0: a dead letter if not delivered in time */
    const char *sender_name; /* a message relayed from another process (src/dist): its
                                sender's name, shown as msg->sender_name (copied) */
    uint64_t codec;        /* codec tag of the payload (WASP_CODEC_*), 0 = untagged */
    uint64_t *reply_codec; /* requests: set to the reply's codec tag before the
                              completion runs (0 when untagged or no reply) */
} wasp_send_opts;

/* Queues a message. The sender is the actor running on this thread
 * (WASP_AID_NONE outside actors). Never blocks.
 * WASP_OK, WASP_EINVAL (NULL, no target, bad name, bad priority),
 * WASP_ENOENT (unknown target), WASP_E2BIG (len > max_message),
 * WASP_EFULL (mailbox full, nothing queued), WASP_ESTOPPED (target
 * stopping/stopped), WASP_ENOMEM. */
int wasp_send_ex(wasp_system *sys, const wasp_send_opts *opts);
/* Copying shorthands. */
int wasp_send(wasp_system *sys, wasp_aid to, const void *data, size_t len);
int wasp_send_name(wasp_system *sys, const char *to, const void *data, size_t len);

/* Request/reply with a completion callback, from anywhere. fn(arg, status,
 * data, len) runs exactly once, on an unspecified thread: status WASP_OK with
 * the reply bytes (valid during the call), or no data and WASP_ETIMEDOUT (no
 * reply in timeout_ns; 0 = no timeout), WASP_ENOREPLY (the request was
 * handled without a reply), WASP_ESTOPPED / WASP_ECRASH / WASP_ENOENT (it
 * became a dead letter), or WASP_ENOMEM at once when no memory was left to
 * arm the timeout (the request went out and may still be handled; its reply
 * is then dropped). If wasp_ask_cb itself fails (same codes as
 * wasp_send_ex) fn never runs. This is what a parked handler uses: fn stores
 * the reply and calls wasp_actor_wake. */
typedef void (*wasp_reply_fn)(void *arg, int status, const void *data, size_t len);
int wasp_ask_cb(wasp_system *sys, const wasp_send_opts *opts, uint64_t timeout_ns,
                wasp_reply_fn fn, void *arg);

/* Blocking request/reply from outside any actor (WASP_ESTATE on a worker).
 * On WASP_OK *reply is a malloc'd copy of the reply (free() it) of *reply_len
 * bytes. Otherwise the wasp_ask_cb statuses and wasp_send_ex errors.
 * timeout_ns == 0 means NO timeout: the call waits until the request is
 * answered, handled without a reply (WASP_ENOREPLY) or becomes a dead letter
 * (the target stops: WASP_ESTOPPED; crashes while handling it: WASP_ECRASH),
 * so it can wait forever on a target that keeps it queued (e.g. a failed
 * actor that is never restarted, or a handler that never returns). Pass a
 * timeout unless the target is known to answer. */
int wasp_ask(wasp_system *sys, wasp_aid to, const void *data, size_t len, uint64_t timeout_ns,
             void **reply, size_t *reply_len);
int wasp_ask_name(wasp_system *sys, const char *to, const void *data, size_t len,
                  uint64_t timeout_ns, void **reply, size_t *reply_len);
/* wasp_ask with everything a send can say (opts->codec, opts->reply_codec). */
int wasp_ask_ex(wasp_system *sys, const wasp_send_opts *opts, uint64_t timeout_ns, void **reply,
                size_t *reply_len);

/* Non-blocking request from inside a handler: the reply comes back to this
 * actor as a message with WASP_MSG_REPLY, msg->corr == *corr, and
 * msg->status WASP_OK, or (only if timeout_ns > 0) a WASP_ETIMEDOUT /
 * WASP_ENOREPLY / dead-letter status with no data. WASP_ESTATE outside an
 * actor; else the wasp_send_ex errors. */
int wasp_ctx_ask(wasp_ctx *ctx, const wasp_send_opts *opts, uint64_t timeout_ns, uint64_t *corr);

/* Answers the request being handled (payload copied). WASP_OK (also if the
 * asker has gone: the reply is then a dead letter), WASP_ENOREPLY (not a
 * request, or answered already), WASP_E2BIG, WASP_EINVAL. */
int wasp_reply(wasp_ctx *ctx, const void *data, size_t len);
/* wasp_reply with a codec tag for the reply (WASP_EINVAL past WASP_CODEC_MAX). */
int wasp_reply_tagged(wasp_ctx *ctx, const void *data, size_t len, uint64_t codec);

/* Answering later (Erlang's noreply): takes the request being handled out
 * of this handler call, so that the handler may return and the request be
 * answered afterwards, from any thread, while the asker keeps waiting (up
 * to its own timeout). *out gets a token that exactly one of
 * wasp_reply_deferred (answers; WASP_E2BIG keeps the token) and
 * wasp_reply_deferred_drop (gives up: an asker with a completion sees
 * WASP_ENOREPLY) consumes, before wasp_system_destroy. WASP_OK,
 * WASP_ENOREPLY (not a request, or answered already), WASP_EINVAL,
 * WASP_ENOMEM. */
typedef struct wasp_deferred wasp_deferred;
int wasp_reply_defer(wasp_ctx *ctx, wasp_deferred **out);
int wasp_reply_deferred(wasp_deferred *d, const void *data, size_t len);
int wasp_reply_deferred_tagged(wasp_deferred *d, const void *data, size_t len, uint64_t codec);
void wasp_reply_deferred_drop(wasp_deferred *d);

/* ---- Pools ---------------------------------------------------------------- */
/* A pool is a name for a group of actors: a send to it goes to one member,
 * round-robin (members that are gone are skipped). Manifest `instances: N`
 * spawns NAME.0 .. NAME.(N-1) and adds them to pool NAME. A terminated actor
 * leaves its pools by itself. */

/* Adds a member, creating the pool on first use. WASP_OK, WASP_EINVAL,
 * WASP_EEXIST (the name is an actor's, or id is a member already),
 * WASP_ENOENT (no such actor), WASP_ENOMEM. */
int wasp_pool_add(wasp_system *sys, const char *pool, wasp_aid member);
/* Removes a member; an empty pool disappears. WASP_OK, WASP_ENOENT. */
int wasp_pool_remove(wasp_system *sys, const char *pool, wasp_aid member);
/* Members now, or WASP_ENOENT. */
int wasp_pool_size(wasp_system *sys, const char *pool);

/* ---- Broker ---------------------------------------------------------------- */
/* Topics and patterns as in docs/ABI.md ('*' one segment, '>' the rest, last
 * only). A publish reaches each subscriber once even if several of its
 * patterns match; the handler sees msg->topic. Subscriptions belong to the
 * actor's identity: they survive restarts and go when it terminates. */

/* WASP_OK, WASP_EINVAL (bad pattern), WASP_ENOENT, WASP_EEXIST, WASP_ENOMEM. */
int wasp_subscribe(wasp_system *sys, wasp_aid id, const char *pattern);
/* WASP_OK, WASP_EINVAL, WASP_ENOENT (not subscribed). */
int wasp_unsubscribe(wasp_system *sys, wasp_aid id, const char *pattern);
/* Delivers a copy to every matching subscriber (sender = the current actor).
 * Returns how many it was queued for (>= 0; full or stopping subscribers
 * are skipped and counted in the system's dead letters), or WASP_EINVAL / WASP_E2BIG /
 * WASP_ENOMEM. */
int wasp_publish(wasp_system *sys, const char *topic, const void *data, size_t len);
/* wasp_publish with a codec tag (WASP_EINVAL past WASP_CODEC_MAX). */
int wasp_publish_tagged(wasp_system *sys, const char *topic, const void *data, size_t len,
                        uint64_t codec);

/* Dead letters are published here (payload = original bytes, sender = the
 * actor the letter was meant for) while anyone subscribes. Each is also
 * logged at WASP_LOG_WARN ("ACTOR: dead letter (N bytes): why"), at most ~20
 * lines per second per system, then one "N more dead letters not shown". */
#define WASP_DEAD_LETTERS_TOPIC "wasp.dead_letters"

/* ---- Remote routing --------------------------------------------------------- */
/* How a layer above the runtime (src/dist: one system across several
 * processes, docs/DISTRIBUTION.md) extends names and topics beyond this
 * process. The runtime always serves what is local first: a name with an
 * actor or pool here never reaches `route`, so local traffic pays nothing. */
typedef struct wasp_remote_ops {
    /* A send (fn == NULL) or request (fn set) to opts->to_name, which has no
     * actor or pool here. sender is the sending actor (or WASP_AID_NONE).
     * Returns WASP_OK when accepted, else the error the send reports
     * (WASP_ENOENT: nobody serves the name). After WASP_OK for a request,
     * fn(fn_arg, status, data, len) must run exactly once, from any thread
     * (the runtime applies the caller's timeout itself; a late fn is then
     * only a release), after storing the reply's codec tag in
     * *opts->reply_codec when that is set (keep the pointer: it stays valid
     * until fn runs). Called on the sender's thread; must not block long. */
    int (*route)(void *arg, const wasp_send_opts *opts, wasp_aid sender, uint64_t timeout_ns,
                 wasp_reply_fn fn, void *fn_arg);
    /* Every wasp_publish, before local delivery: WASP_OK to go on, or an
     * error wasp_publish returns without delivering anything. May be NULL. */
    int (*publish)(void *arg, const char *topic, const void *data, size_t len, wasp_aid sender,
                   uint64_t codec);
} wasp_remote_ops;

/* Installs (ops copied) or removes (ops NULL) the remote router. Install it
 * before wasp_system_start and keep arg valid until wasp_system_stop has
 * returned. WASP_OK, WASP_EINVAL (no route), WASP_ESTATE (started). */
int wasp_system_set_remote(wasp_system *sys, const wasp_remote_ops *ops, void *arg);

/* wasp_publish to this process's subscribers only (no `publish` hook): how
 * the remote layer hands on what another process published. */
int wasp_publish_local(wasp_system *sys, const char *topic, const void *data, size_t len);
int wasp_publish_local_tagged(wasp_system *sys, const char *topic, const void *data, size_t len,
                              uint64_t codec);

/* ---- Timers ------------------------------------------------------------------ */

/* Sends opts after delay_ns (target resolved when it fires; if it is gone
 * the message is a dead letter). *timer (may be NULL) gets an id for
 * wasp_timer_cancel. WASP_OK, the wasp_send_ex argument errors, WASP_ESTOPPED
 * (system stopping), WASP_ENOMEM. */
int wasp_send_after(wasp_system *sys, const wasp_send_opts *opts, uint64_t delay_ns,
                    uint64_t *timer);
/* WASP_OK (cancelled: never sent) or WASP_ENOENT (unknown, fired already). */
int wasp_timer_cancel(wasp_system *sys, uint64_t timer);

/* ---- Clock ---------------------------------------------------------------- */

/* The system's time in nanoseconds: the monotonic clock, or with
 * virtual_clock the virtual time (0 at creation). */
uint64_t wasp_system_now(wasp_system *sys);

/* Waits until the system is quiescent: no actor queued to run and none
 * running (parked actors, waiting for a reply or a wake, count as idle).
 * Only what runs on the workers is seen, so call it after your own sends
 * have returned. From outside any actor, once started. WASP_OK,
 * WASP_ETIMEDOUT (timeout_ns of real time passed; 0 = wait forever),
 * WASP_ESTATE (inside an actor, not started, or stopped). */
int wasp_system_wait_idle(wasp_system *sys, uint64_t timeout_ns);

/* Outside work in flight that will come back into the system - an I/O
 * completion on another thread that will wake or send to an actor: while
 * any is held, wasp_system_wait_idle does not call the system idle. Hold
 * before starting the work, release after its completion has woken or sent
 * (so the actor is queued by then). Any thread; releases match holds. */
void wasp_system_hold(wasp_system *sys);
void wasp_system_release(wasp_system *sys);

/* Virtual clock only: moves time forward by ns. Every timer due by then
 * fires in deadline order, each at its own deadline and only once what the
 * earlier ones caused has settled (wasp_system_wait_idle), so a component
 * that re-arms a 1 s timer ticks ten times in an advance of 10 s. From
 * outside any actor of a started system. WASP_OK, WASP_ETIMEDOUT (the
 * system did not become idle within idle_timeout_ns of real time after a
 * timer; 0 = no bound), WASP_ESTATE (no virtual clock, inside an actor,
 * not started or stopped). */
int wasp_system_advance_clock(wasp_system *sys, uint64_t ns, uint64_t idle_timeout_ns);

/* When the earliest pending timer (send_after, ask timeout, back-off, ...)
 * is due, in wasp_system_now time: WASP_OK, WASP_ENOENT (none pending, or
 * the system is stopping), WASP_EINVAL. */
int wasp_system_next_timer(wasp_system *sys, uint64_t *deadline);

/* ---- Introspection ---------------------------------------------------------- */

typedef struct wasp_actor_stats {
    wasp_aid id;
    char name[256];        /* "" if anonymous */
    int state;             /* WASP_STATE_* */
    uint64_t received;     /* messages accepted into the mailbox */
    uint64_t handled;      /* messages whose handling completed (incl. errors) */
    uint64_t handler_errors;
    uint64_t crashes;
    uint64_t restarts;
    uint64_t dead_letters; /* accepted messages never handled */
    uint32_t mailbox_len;  /* queued now (not counting the one in hand) */
    uint64_t start_seq;    /* order of first start, 1-based */
    uint32_t in_hand;      /* accepted, taken from the mailbox, not finished (0 or 1) */
    uint64_t timers_pending; /* wasp_send_after letters armed for it, not yet due */
} wasp_actor_stats;
/* The ledger (docs/RUNTIME.md), exact in every snapshot:
 *   received = handled + dead_letters + mailbox_len + in_hand
 * and what was sent to it is received + timers_pending. A letter that was
 * pending when the system stopped, or came due for a stopped actor, is
 * received and a dead letter. Runtime events are never counted. */

/* WASP_OK, WASP_EINVAL, WASP_ENOENT. */
int wasp_actor_stats_get(wasp_system *sys, wasp_aid id, wasp_actor_stats *out);

/* Calls fn for every actor that exists (and, with retain_terminated, every
 * terminated one), in start order. fn returning nonzero stops the walk and
 * is returned. fn must not spawn. */
typedef int (*wasp_actor_visit_fn)(const wasp_actor_stats *st, void *arg);
int wasp_system_foreach(wasp_system *sys, wasp_actor_visit_fn fn, void *arg);

typedef struct wasp_system_stats {
    uint64_t actors;        /* existing now (not terminated) */
    uint64_t spawned;       /* ever */
    uint64_t messages_sent; /* accepted into some mailbox */
    uint64_t dead_letters;  /* system-wide, including those with no actor */
} wasp_system_stats;
void wasp_system_stats_get(wasp_system *sys, wasp_system_stats *out);

/* ---- Logging ---------------------------------------------------------------- */
/* One line per event: "LEVEL ACTOR: text" (docs/CLI.md). The levels are the
 * guest ABI's `log` levels. By default lines at WASP_LOG_INFO and above go
 * to stderr. */
#define WASP_LOG_TRACE 0
#define WASP_LOG_DEBUG 1
#define WASP_LOG_INFO 2
#define WASP_LOG_WARN 3
#define WASP_LOG_ERROR 4
/* "trace", "debug", "info", "warn", "error" ("?" otherwise). */
const char *wasp_log_level_name(int level);
/* Parses a level name; WASP_OK or WASP_EINVAL. */
int wasp_log_level_parse(const char *name, int *level);

/* A log sink: called with the level, the actor's name ("wasp" for the host
 * itself) and the text (no trailing newline), from any thread. */
typedef void (*wasp_log_fn)(void *arg, int level, const char *actor, const char *text);
/* Lines below min_level are dropped before formatting; fn NULL = stderr.
 * Set it before wasp_system_start. */
void wasp_system_set_log(wasp_system *sys, int min_level, wasp_log_fn fn, void *arg);
/* Writes one line through the system's sink (printf-style). */
void wasp_log(wasp_system *sys, int level, const char *actor, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copies text into out (cap bytes, NUL-terminated) with every control
 * character and invalid UTF-8 byte written as \xNN, so that it stays one
 * line that cannot pass for another; returns the length written. wasp_log
 * applies it to every actor name and text. */
size_t wasp_log_escape(const char *text, char *out, size_t cap);
/* true if a line at this level would be written. */
bool wasp_log_enabled(const wasp_system *sys, int level);

/* ---- Names and topic patterns ------------------------------------------------ */
/* The rules of docs/ABI.md, for tools (the manifest loader) and embedders. */

/* true if topic (concrete, no wildcards) matches pattern ('*' one segment,
 * '>' one or more trailing segments). false if either is malformed. */
bool wasp_topic_matches(const char *pattern, const char *topic);
/* true if every topic matched by `inner` is also matched by `outer` (both
 * patterns): how a subscribe permission covers a subscription. */
bool wasp_topic_covers(const char *outer, const char *inner);
/* WASP_OK or WASP_EINVAL: a valid pattern (wildcards allowed) or, with
 * concrete set, a publishable topic. */
int wasp_topic_validate(const char *topic, bool concrete);
/* true if name matches glob, where '*' matches any run of characters
 * (including none and including dots) and everything else is literal:
 * the rule of a `send` permission. */
bool wasp_glob_matches(const char *glob, const char *name);

/* ---- Supervision (wasp_supervisor_*) ---- */
/* OTP-style supervisors (docs/SUPERVISION.md). A supervisor is itself an
 * actor (named after its spec) that monitors its children: actors or nested
 * supervisors, started in list order and stopped in reverse order.
 *
 * Ownership: wasp_supervisor_start copies the spec (names, actor specs,
 * nested supervisor specs; not the `state` pointers, which must outlive the
 * system). The returned handle owns the whole tree: free it with
 * wasp_supervisor_destroy after wasp_system_stop / wasp_system_destroy.
 */

typedef struct wasp_supervisor wasp_supervisor;

#define WASP_SUP_ONE_FOR_ONE 0  /* restart the crashed child only */
#define WASP_SUP_ONE_FOR_ALL 1  /* stop all (reverse order), restart all (in order) */
#define WASP_SUP_REST_FOR_ONE 2 /* restart the crashed child and every later one */

#define WASP_RESTART_PERMANENT 0 /* always restarted */
#define WASP_RESTART_TRANSIENT 1 /* restarted only after a crash */
#define WASP_RESTART_TEMPORARY 2 /* never restarted; removed when it exits */

/* Restart back-off: restart n of a child (n = its consecutive crashes, reset
 * once it stayed up for the supervisor's period) waits
 * initial * multiplier^(n-1), capped at max, spread by +-jitter (0..1).
 * initial_ns == 0: restart at once. multiplier < 1 is taken as 1. */
typedef struct wasp_backoff {
    uint64_t initial_ns;
    uint64_t max_ns;   /* 0 = no cap */
    double multiplier;
    double jitter;
} wasp_backoff;

struct wasp_supervisor_spec;

/* Health checks (docs/SUPERVISION.md, "Health checks"). Results match the
 * guest ABI's `_health` export. */
#define WASP_HEALTH_UNKNOWN (-1) /* no result yet for this incarnation */
#define WASP_HEALTH_HEALTHY 0
#define WASP_HEALTH_DEGRADED 1
#define WASP_HEALTH_UNHEALTHY 2
#define WASP_HEALTH_PENDING (-2) /* a health hook's "not finished: call me again" */

/* Restart-record reason of a health-triggered restart (next to WASP_EXIT_*). */
#define WASP_SUP_REASON_HEALTH 4

/* Every interval the supervisor probes the running child. By default
 * (probe NULL) the runtime does it: it asks the child's health hook
 * (wasp_actor_spec.health) through the runtime's own channel, never as a
 * message. A custom probe is asynchronous: the supervisor calls it on its
 * own worker with the child's id; it must not block. It answers, now or
 * later and from any thread, with wasp_health_report(sys, sup, token,
 * result). No answer within timeout_ns counts as WASP_HEALTH_UNHEALTHY; a
 * late or repeated answer is ignored. */
typedef void (*wasp_health_probe_fn)(wasp_system *sys, wasp_aid child, void *arg, wasp_aid sup,
                                     uint64_t token);
typedef struct wasp_health_check {
    wasp_health_probe_fn probe; /* NULL: the child's health hook */
    void *arg;
    uint64_t interval_ns;       /* required (> 0): time between probes */
    uint64_t timeout_ns;        /* 0 = interval_ns */
    uint32_t unhealthy_after;   /* consecutive unhealthy results = a crash; 0 = 3 */
} wasp_health_check;

/* Delivers a probe's result (WASP_HEALTH_HEALTHY/DEGRADED/UNHEALTHY). Any
 * thread. WASP_OK (also if stale: it is then ignored), WASP_EINVAL,
 * WASP_ENOENT / WASP_ESTOPPED (the supervisor is gone). */
int wasp_health_report(wasp_system *sys, wasp_aid sup, uint64_t token, int result);

typedef struct wasp_child_spec {
    const wasp_actor_spec *actor;                  /* an actor child (name required), or */
    const struct wasp_supervisor_spec *supervisor; /* a nested supervisor */
    int restart;                                   /* WASP_RESTART_* */
    const wasp_health_check *health;               /* optional (copied) */
    /* How long a stop waits for the child to finish the message in hand
     * before killing it (docs/SUPERVISION.md, "Stopping"): 0 = 5 s for an
     * actor; a nested supervisor is always waited for (its own children
     * are bounded). */
    uint64_t stop_timeout_ns;
} wasp_child_spec;

typedef struct wasp_supervisor_spec {
    const char *name;     /* required: the supervisor actor's name */
    int strategy;         /* WASP_SUP_* */
    uint32_t intensity;   /* more than `intensity` restarts ... */
    uint64_t period_ns;   /* ... within a sliding period (0 = 5 s) gives up */
    wasp_backoff backoff;
    const wasp_child_spec *children;
    size_t nchildren;
    /* Root only: called once (on a worker thread) when this supervisor gives
     * up, after its children have stopped. May be NULL. */
    void (*on_give_up)(wasp_supervisor *sup, void *arg);
    void *give_up_arg;
} wasp_supervisor_spec;

/* Starts a supervisor and its children in order (synchronously). If a child
 * fails to start, the started ones are stopped in reverse order and the
 * call fails with WASP_ECRASH. WASP_OK, WASP_EINVAL (bad spec), WASP_EEXIST,
 * WASP_ESTOPPED, WASP_ENOMEM, WASP_ECRASH. */
int wasp_supervisor_start(wasp_system *sys, const wasp_supervisor_spec *spec,
                          wasp_supervisor **out);

/* Stops the supervisor's children in reverse order, then the supervisor.
 * From outside any actor (WASP_ESTATE otherwise); waits. WASP_OK,
 * WASP_ESTOPPED (already stopped). */
int wasp_supervisor_stop(wasp_supervisor *sup);

/* Frees the tree. Only once the supervisor has terminated (after
 * wasp_supervisor_stop or wasp_system_stop). NULL is a no-op. */
void wasp_supervisor_destroy(wasp_supervisor *sup);

/* The supervisor actor's id. */
wasp_aid wasp_supervisor_id(const wasp_supervisor *sup);

/* true once this supervisor gave up (restart intensity exceeded). */
bool wasp_supervisor_gave_up(const wasp_supervisor *sup);

/* Adds a child at the end and starts it; removes (stops, then forgets) a
 * child by name. Blocking: from outside any actor (WASP_ESTATE otherwise).
 * add: WASP_OK, WASP_EINVAL, WASP_EEXIST, WASP_ECRASH (failed to start),
 * WASP_ESTOPPED, WASP_ENOMEM. remove: WASP_OK, WASP_ENOENT, WASP_ESTOPPED. */
int wasp_supervisor_add_child(wasp_supervisor *sup, const wasp_child_spec *child);
int wasp_supervisor_remove_child(wasp_supervisor *sup, const char *name);

typedef struct wasp_supervisor_stats {
    char name[256];
    int strategy;
    uint64_t restarts; /* restarts performed (including failed attempts) */
    bool gave_up;
    size_t children;   /* children now */
} wasp_supervisor_stats;
void wasp_supervisor_stats_get(const wasp_supervisor *sup, wasp_supervisor_stats *out);

/* A nested supervisor by name (searching the tree), or NULL. */
wasp_supervisor *wasp_supervisor_find(wasp_supervisor *sup, const char *name);

/* A child's current id (0 if not running) and its restart count.
 * WASP_OK or WASP_ENOENT. */
int wasp_supervisor_child(const wasp_supervisor *sup, const char *name, wasp_aid *id,
                          uint64_t *restarts);

/* Restart history: the last WASP_SUP_HISTORY restarts, oldest first. */
#define WASP_SUP_HISTORY 100
typedef struct wasp_restart_record {
    char child[256];
    int reason;         /* WASP_EXIT_CRASH, WASP_EXIT_START_FAILED, WASP_EXIT_NORMAL
                           or WASP_SUP_REASON_HEALTH */
    uint64_t time_ns;   /* system clock (wasp_system_now) when the restart was decided */
    uint64_t delay_ns;  /* back-off delay applied */
} wasp_restart_record;
/* Copies up to cap records (oldest first) and returns how many exist (<= 100). */
size_t wasp_supervisor_history(const wasp_supervisor *sup, wasp_restart_record *out, size_t cap);

/* A child's latest health result (WASP_HEALTH_*, WASP_HEALTH_UNKNOWN before
 * the first result of this incarnation or without a health check) and its
 * current run of consecutive unhealthy results (either may be NULL).
 * WASP_OK, WASP_EINVAL, WASP_ENOENT. */
int wasp_supervisor_child_health(const wasp_supervisor *sup, const char *name, int *health,
                                 uint32_t *unhealthy_run);

/* The back-off delay before restart n (>= 1) without jitter, for tests and
 * tools: min(initial * multiplier^(n-1), max). */
uint64_t wasp_backoff_delay(const wasp_backoff *b, uint32_t n);

/* ---- end Supervision ---- */

/* ==== Storage ================================================================
 * Key-value storage that outlives actors (docs/STORAGE.md): one database file
 * per system (an embedded SQLite database), split into namespaces - a component's
 * namespace is its name. Keys are 1..WASP_KV_KEY_MAX bytes, values any
 * length up to WASP_KV_VALUE_MAX; entries are ordered by key bytes. Every
 * entry carries a version: a number that grows with every write to the
 * store (never reused, so compare-and-swap has no ABA problem).
 *
 * Reads run on the calling thread (microseconds; they never wait for a write).
 * Writes are applied in order by the store's writer thread, which commits
 * every write waiting at that moment in one transaction (group commit) and,
 * for durability WASP_DURABILITY_COMMIT, flushes it to disk before
 * acknowledging it. The blocking calls below wait for that; a native actor
 * that must not block its worker uses wasp_kv_write_async and parks.
 * All calls are thread-safe.
 */
#define WASP_KV_KEY_MAX 1024
#define WASP_KV_VALUE_MAX (64u << 20)

typedef struct wasp_store wasp_store;
typedef struct wasp_kv wasp_kv;

#define WASP_DURABILITY_NONE 0   /* acknowledged once applied: survives kill -9, not power loss */
#define WASP_DURABILITY_COMMIT 1 /* acknowledged once flushed to disk (fdatasync) */

typedef struct wasp_store_config {
    const char *backend; /* "sqlite" (NULL: the default) or "lmdb" (keys up to ~500 bytes;
                            the measured alternative, docs/STORAGE.md) */
    uint64_t map_size;   /* lmdb: address space reserved at first; 0 = 256 MiB (grows) */
} wasp_store_config;

/* Opens (creating if absent) the database file at path and takes an exclusive
 * lock on it for this process; checks the file's integrity and counts each
 * namespace's usage. cfg may be NULL. On failure err (may be
 * NULL) gets "PATH: what is wrong". WASP_OK, WASP_EINVAL, WASP_EIO (cannot
 * be created or read, or corrupt, or not a wasp store), WASP_EEXIST (locked
 * by another process), WASP_ENOMEM. */
int wasp_store_open(const char *path, const wasp_store_config *cfg, wasp_store **out, char *err,
                    size_t errcap);
/* Waits for queued writes, flushes and closes. NULL is a no-op. Every
 * wasp_kv of the store must be closed first. */
void wasp_store_close(wasp_store *st);
/* Waits until every write queued so far is applied and its callback has
 * run (e.g. before freeing what the callbacks touch). NULL is a no-op. */
void wasp_store_drain(wasp_store *st);
/* The path the store was opened with. */
const char *wasp_store_path(const wasp_store *st);

/* The default data directory: $XDG_DATA_HOME/wasp, else $HOME/.local/share/wasp.
 * Its length, or WASP_EINVAL (neither variable set) / WASP_E2BIG (cap). */
int wasp_store_default_dir(char *buf, size_t cap);
/* DIR/SYSTEM.kv, after creating DIR (and its parents) if needed.
 * Its length, WASP_EINVAL, WASP_E2BIG or WASP_EIO. */
int wasp_store_system_path(const char *dir, const char *system, char *buf, size_t cap);

typedef struct wasp_kv_options {
    uint64_t quota;  /* bytes of keys plus values the namespace may hold; 0 = unlimited */
    int durability;  /* WASP_DURABILITY_* */
} wasp_kv_options;

/* A handle on namespace ns (1..255 bytes) of st. Handles on one namespace
 * may be open several times (each with its own options). opts may be NULL
 * (unlimited, WASP_DURABILITY_COMMIT). WASP_OK, WASP_EINVAL, WASP_ENOMEM. */
int wasp_kv_open(wasp_store *st, const char *ns, const wasp_kv_options *opts, wasp_kv **out);
void wasp_kv_close(wasp_kv *kv);

/* Copies at most cap bytes of the value into out (may be NULL with cap 0);
 * *len gets its full length, *version its version (either may be NULL).
 * WASP_OK, WASP_ENOENT (absent), WASP_EINVAL (key length), WASP_EIO. */
int wasp_kv_get(wasp_kv *kv, const void *key, size_t klen, void *out, size_t cap, size_t *len,
                uint64_t *version);
/* Stores the value; *version (may be NULL) gets its new version. WASP_OK,
 * WASP_EINVAL, WASP_ELIMIT (over the quota or the file's limit), WASP_EIO. */
int wasp_kv_put(wasp_kv *kv, const void *key, size_t klen, const void *val, size_t vlen,
                uint64_t *version);
/* WASP_OK, WASP_ENOENT (absent), WASP_EINVAL, WASP_EIO. */
int wasp_kv_delete(wasp_kv *kv, const void *key, size_t klen);
/* Compare-and-swap: stores the value only if the key's current version is
 * `expect` (0: only if the key is absent). WASP_OK (*version = the new
 * version), WASP_ESTATE (the version differs: nothing stored), WASP_EINVAL,
 * WASP_ELIMIT, WASP_EIO. */
int wasp_kv_cas(wasp_kv *kv, const void *key, size_t klen, const void *val, size_t vlen,
                uint64_t expect, uint64_t *version);
/* Ordered iteration: the first key that starts with prefix (plen may be 0)
 * and sorts after `after` (alen 0 = from the beginning). Copies at most cap
 * bytes of it into out and sets *klen to its full length. The key itself is
 * the cursor: pass it back as `after` to resume, also after writes or a
 * restart. WASP_OK, WASP_ENOENT (no more), WASP_EINVAL, WASP_EIO. */
int wasp_kv_next(wasp_kv *kv, const void *prefix, size_t plen, const void *after, size_t alen,
                 void *out, size_t cap, size_t *klen);
/* Bytes (keys plus values) the namespace holds now. */
uint64_t wasp_kv_usage(wasp_kv *kv);

/* Asynchronous writes: fn(arg, rc, version) runs on the store's writer
 * thread once the write is applied (and flushed, with COMMIT); rc as for
 * the blocking call. Key and value are copied. WASP_OK (fn will run),
 * WASP_EINVAL or WASP_ENOMEM (fn will not run). */
#define WASP_KV_PUT 0
#define WASP_KV_CAS 1
#define WASP_KV_DELETE 2
typedef struct wasp_kv_write {
    int op;            /* WASP_KV_* */
    const void *key;
    size_t klen;
    const void *val;   /* PUT, CAS */
    size_t vlen;
    uint64_t expect;   /* CAS */
} wasp_kv_write;
typedef void (*wasp_kv_done_fn)(void *arg, int rc, uint64_t version);
int wasp_kv_write_async(wasp_kv *kv, const wasp_kv_write *w, wasp_kv_done_fn fn, void *arg);

/* Visits every entry of namespace ns of st in key order (for tools and test
 * expectations); stops early when fn returns nonzero. fn must not write to
 * the store (it sees one consistent snapshot). WASP_OK, WASP_EINVAL, WASP_EIO. */
typedef int (*wasp_kv_visit_fn)(void *arg, const void *key, size_t klen, const void *val,
                                size_t vlen, uint64_t version);
int wasp_store_foreach(wasp_store *st, const char *ns, wasp_kv_visit_fn fn, void *arg);

/* ==== end Storage ==== */

/* ==== Component actors ======================================================
 * Every WebAssembly component instance lives in its own actor (docs/ABI.md,
 * docs/EMBEDDING.md). A wasp_wasm binds one Wasmtime engine to one system;
 * a wasp_component is a compiled, ABI-checked module plus the manifest-like
 * settings of its actors; its actors are spawned directly or handed to a
 * supervisor as child specs. Available when libwasp is built with the wasm
 * layer (WASP_HAVE_WASM).
 */

typedef struct wasp_wasm wasp_wasm;
typedef struct wasp_component wasp_component;

typedef struct wasp_wasm_config {
    const char *cache_dir;   /* on-disk cache of compiled modules; NULL = none */
    bool pooling;            /* pooling instance allocator (fast spawn, fixed slots) */
    uint32_t pool_instances; /* pooling: instance slots; 0 = 1000 */
    uint64_t pool_memory_max;/* pooling: largest linear memory; 0 = 64 MiB. A component
                                whose limits.memory is larger is refused at load */
    bool fuel;               /* allow `limits.fuel` (meters every component a little) */
    wasp_store *store;       /* storage of the components granted it (not owned; close it
                                after wasp_wasm_destroy); NULL = none: they fail to start */
    uint64_t cache_max;      /* bytes cache_dir may hold, least recently used entries
                                removed beyond it; 0 = 1 GiB */
} wasp_wasm_config;

/* Binds the wasm layer to sys (before or after wasp_system_start). cfg may be
 * NULL for defaults (no disk cache, on-demand allocation, fuel enabled).
 * WASP_OK, WASP_EINVAL, WASP_EEXIST (sys has one already), WASP_ENOMEM. */
int wasp_wasm_create(wasp_system *sys, const wasp_wasm_config *cfg, wasp_wasm **out);
/* Frees the engine and every component. After wasp_system_stop (or destroy
 * of a system whose components never ran). NULL is a no-op. */
void wasp_wasm_destroy(wasp_wasm *w);
/* The wasm layer bound to sys, or NULL. */
wasp_wasm *wasp_wasm_get(wasp_system *sys);

typedef struct wasp_wasi_dir {
    const char *host;  /* host directory */
    const char *guest; /* path the component sees */
    bool writable;     /* false: read-only */
} wasp_wasi_dir;

typedef struct wasp_env_var {
    const char *name;
    const char *value;
} wasp_env_var;

/* Quota defaults and the largest count a manifest may give (limits.timers,
 * limits.subscriptions). */
#define WASP_LIMIT_TIMERS_DEFAULT 10000
#define WASP_LIMIT_SUBSCRIPTIONS_DEFAULT 1000
#define WASP_LIMIT_FILES_DEFAULT 64 /* limits.files: WASI handles held at once */
#define WASP_LIMIT_FILES_MAX 65536
#define WASP_LIMIT_COUNT_MAX 10000000

/* Mirrors a manifest component entry (docs/MANIFEST.md); zero = default.
 * Defaults and ranges are the manifest's, from one table (src/core/limits.c). */
typedef struct wasp_component_spec {
    const char *name;          /* required: [A-Za-z0-9_-]+ */
    const char *wasm_path;     /* the module file, or */
    const void *wasm;          /* its bytes (wasm_len of them; copied) */
    size_t wasm_len;
    uint32_t instances;        /* 0 = 1; N > 1: actors NAME.0 .. NAME.(N-1) in pool NAME */
    uint32_t mailbox;          /* capacity per instance; 0 = 1024 */
    int restart;               /* WASP_RESTART_*, for supervisors */
    const char *const *subscribe; /* patterns subscribed before _start */
    size_t nsubscribe;
    uint64_t stop_timeout_ns;  /* bound on _cleanup; 0 = 100 ms */
    struct {
        uint64_t interval_ns;  /* 0 = no health checks */
        uint64_t timeout_ns;   /* 0 = 50 ms */
        uint32_t unhealthy_after; /* 0 = 3 */
    } health;
    struct {
        uint64_t memory;       /* max linear memory in bytes; 0 = 16 MiB */
        uint64_t max_message;  /* largest message sent or received; 0 = 64 KiB */
        uint64_t timeslice_ns; /* 0 = 2 ms */
        uint64_t max_handle_ns;/* 0 = 5 s */
        uint64_t fuel;         /* per message; 0 = unmetered */
        uint32_t timers;       /* pending send_after timers per actor; 0 = 10000 */
        uint32_t subscriptions;/* topic subscriptions per actor; 0 = 1000 */
        uint32_t files;        /* WASI files, directories and streams held open; 0 = 64 */
    } limits;
    struct {                   /* default deny */
        const char *const *send;      /* actor-name globs */
        size_t nsend;
        const char *const *publish;   /* topic patterns */
        size_t npublish;
        const char *const *subscribe; /* topic patterns */
        size_t nsubscribe;
        bool wasi;                    /* link WASI preview1 at all */
        bool wasi_stdio;              /* component stdout/stderr go to the host's */
        const wasp_env_var *wasi_env;
        size_t nwasi_env;
        const wasp_wasi_dir *wasi_dirs;
        size_t nwasi_dirs;
    } permissions;
    struct {                   /* key-value storage (docs/STORAGE.md); default deny */
        bool granted;          /* the kv_* imports work (namespace = the component's name) */
        uint64_t quota;        /* bytes of keys plus values; 0 = 16 MiB */
        int durability;        /* WASP_DURABILITY_* */
    } storage;
} wasp_component_spec;

/* Compiles (or finds in a cache) and checks a component: the module against
 * the ABI (and against its WASI grant), the spec's values and that each
 * `subscribe` is covered by permissions.subscribe. Copies everything it
 * needs from spec. The component belongs to w. On failure err (may be NULL)
 * gets "NAME: what is wrong". WASP_OK, WASP_EINVAL, WASP_EEXIST (name taken
 * in w), WASP_EPERM (a subscribe not covered by permissions.subscribe),
 * WASP_EIO, WASP_ECOMPILE, WASP_EABI, WASP_ELINK, WASP_ENOMEM. */
int wasp_component_load(wasp_wasm *w, const wasp_component_spec *spec, wasp_component **out,
                        char *err, size_t errcap);

/* Its name and number of instances. */
const char *wasp_component_name(const wasp_component *c);
uint32_t wasp_component_instances(const wasp_component *c);

/* Child specs for a supervisor, one per instance (restart type and health
 * check from the spec). out must have room for wasp_component_instances(c);
 * the pointed-to specs live as long as the component. */
void wasp_component_child_specs(wasp_component *c, wasp_child_spec *out);

/* Spawns every instance unsupervised (a crashed one stays failed). ids (may
 * be NULL) gets wasp_component_instances(c) ids. On a start failure the
 * instances started are stopped again. WASP_OK, WASP_ECRASH (see
 * wasp_component_error), or the wasp_spawn errors. */
int wasp_component_spawn(wasp_component *c, wasp_aid *ids);

/* The latest start failure or crash reason of any of its actors, e.g.
 * "orders: `handle-message`: wasm trap: integer divide by zero"; "" if none. */
void wasp_component_error(const wasp_component *c, char *buf, size_t cap);

typedef struct wasp_component_info {
    char component[256];   /* the component's name */
    uint32_t instance;     /* index of this actor among its instances */
    uint64_t memory_bytes; /* memories, tables and pending timers of the current (or last) instance */
    uint64_t instantiations; /* instances created for this actor */
    char last_error[512];  /* latest crash or start failure of this actor, or "" */
    bool instantiated;     /* it has a live instance; false while a lazily spawned actor
                              waits for its first message (docs/COMPONENTS.md) */
} wasp_component_info;
/* WASP_OK if id is a component actor of w, WASP_ENOENT otherwise. */
int wasp_component_info_get(wasp_wasm *w, wasp_aid id, wasp_component_info *out);

/* The loaded component of this name in w, or NULL. */
wasp_component *wasp_component_find(wasp_wasm *w, const char *name);

/* Hot upgrade: replaces the module of c in the running system (a file, or
 * wasm_len bytes). The new module is checked as at load - ABI, WASI grant,
 * memory limit, health checks - then each running instance swaps between two
 * messages: the message in hand finishes on the old instance, `_cleanup`
 * runs on it, a new instance of the new module runs `_start`; the actor's
 * id, mailbox (everything queued), subscriptions, pool membership and
 * storage stay. Instances (re)started afterwards run the new module. If the
 * new module fails to start on an instance, every instance runs the old
 * module again (a fresh instance and `_start` where it had been swapped) and
 * the call fails with err saying why. One upgrade of c at a time. Blocking:
 * from outside any actor. WASP_OK, WASP_EINVAL, WASP_ESTATE (inside an
 * actor), WASP_EIO, WASP_ECOMPILE, WASP_EABI, WASP_ELINK, WASP_ECRASH (the
 * new module failed to start), WASP_ENOMEM. */
int wasp_component_upgrade(wasp_component *c, const char *wasm_path, const void *wasm, size_t wasm_len,
                           char *err, size_t errcap);

/* Reads a module file and writes a report of its imports and exports and of
 * whether it satisfies the ABI to out (NULL: stdout). WASP_OK if it does;
 * WASP_EIO, WASP_ECOMPILE or WASP_EABI otherwise. */
int wasp_wasm_inspect(wasp_wasm *w, const char *path, FILE *out);

/* The Wasmtime version libwasp was built with, e.g. "48.0.8". */
const char *wasp_wasmtime_version(void);

/* ==== end Component actors ==== */


/* ==== Manifests ============================================================
 * The YAML system manifest (docs/MANIFEST.md) read into component specs and a
 * supervision tree, then started through the calls above; the `wasp` command
 * uses nothing else. Available with the wasm layer (WASP_HAVE_WASM).
 *
 * Every problem is reported as one line "FILE:LINE:COL: what is wrong"
 * (1-based; "FILE: what is wrong" when there is no position), all of them,
 * sorted by position. Defaults where the manifest format is silent: the
 * implicit root supervisor is named "root"; a supervisor without them has
 * intensity 3, period 5s and backoff {initial 10ms, max 5s, multiplier 2,
 * jitter 0.2}.
 */

typedef struct wasp_manifest wasp_manifest;

/* Called once per problem with the full line (no trailing newline). */
typedef void (*wasp_manifest_error_fn)(void *arg, const char *message);

typedef struct wasp_manifest_options {
    /* If set, every component whose entry is valid is loaded into this wasm
     * layer (wasp_component_load: compile and ABI check); its failure is a
     * problem at the component's `wasm` key. Required for
     * wasp_manifest_start. NULL: check the manifest itself only. */
    wasp_wasm *wasm;
    /* Do not look at the file system for wasm files and WASI directories
     * (e.g. to validate text that has no files around it). */
    bool skip_files;
    /* Problem sink; NULL prints each line to stderr. */
    wasp_manifest_error_fn on_error;
    void *error_arg;
    /* Warnings about a valid manifest ("FILE:LINE:COL: warning: ..."): a
     * `permissions.send` entry that matches no actor of the manifest, a
     * subscription (or subscribe grant) that no component may publish to.
     * NULL: not reported. wasp_manifest_check reports them through its
     * sink and still succeeds. */
    wasp_manifest_error_fn on_warning;
    void *warning_arg;
} wasp_manifest_options;

/* Reads and validates a manifest file (opts may be NULL). On WASP_OK *out is
 * the manifest (wasp_manifest_free it). Otherwise *out is NULL and every
 * problem went to the sink: WASP_EINVAL (the manifest or a component is
 * invalid), WASP_EIO (the file could not be read), WASP_ENOMEM. */
int wasp_manifest_load(const char *path, const wasp_manifest_options *opts, wasp_manifest **out);
/* The same from text in memory; `filename` names it in messages and
 * relative paths are resolved against its directory. */
int wasp_manifest_parse(const char *text, size_t len, const char *filename,
                        const wasp_manifest_options *opts, wasp_manifest **out);
/* After wasp_system_stop when it was started. NULL is a no-op. The loaded
 * components belong to their wasm layer and are freed with it. */
void wasp_manifest_free(wasp_manifest *m);

/* Loads the components of a manifest read without a wasm layer (opts->wasm
 * NULL) into w - compile and ABI check, once: the manifest keeps the
 * handles - as if it had been read with opts->wasm = w. So a manifest is
 * read once, sized (wasp_manifest_wasm_config), then bound to the engine it
 * sized. Problems go to the sink (NULL: stderr) at each component's `wasm`
 * key. WASP_OK, WASP_EINVAL (a component does not load), WASP_ESTATE (bound
 * already), WASP_ENOMEM. */
int wasp_manifest_bind(wasp_manifest *m, wasp_wasm *w, wasp_manifest_error_fn on_error, void *error_arg);

/* The wasm layer configuration `wasp run` uses for this manifest (no disk
 * cache set): fuel only if a component asks for it; the pooling allocator,
 * sized for every instance twice over and the largest memory limit, when
 * that fits a modest address space. */
void wasp_manifest_wasm_config(const wasp_manifest *m, wasp_wasm_config *out);

/* Creates a private system and a wasm layer configured as `wasp run` would
 * (wasp_manifest_wasm_config), loads the manifest with every component
 * checked against the ABI, and frees them: what `wasp check` does, so it
 * refuses what `wasp run` would. Warnings (on_warning of the options) go
 * to the same sink and do not fail it.
 * WASP_OK or the wasp_manifest_load errors. */
int wasp_manifest_check(const char *path, wasp_manifest_error_fn on_error, void *error_arg);

const char *wasp_manifest_name(const wasp_manifest *m);  /* `name` */
const char *wasp_manifest_path(const wasp_manifest *m);  /* as given */
int wasp_manifest_workers(const wasp_manifest *m);       /* `workers`; 0 = not given */
/* The largest limits.max_message of any component (bytes). */
uint64_t wasp_manifest_max_message(const wasp_manifest *m);

/* Components in manifest order, as specs with every default filled in and
 * wasm_path resolved against the manifest's directory; valid as long as m. */
size_t wasp_manifest_component_count(const wasp_manifest *m);
const wasp_component_spec *wasp_manifest_component(const wasp_manifest *m, size_t i);
/* The loaded component i (after a load with opts->wasm), or NULL. */
wasp_component *wasp_manifest_component_handle(const wasp_manifest *m, size_t i);

/* Supervisors in tree order (0 is the root, then depth first). */
typedef struct wasp_manifest_supervisor {
    const char *name;
    int strategy;         /* WASP_SUP_* */
    uint32_t intensity;
    uint64_t period_ns;
    wasp_backoff backoff;
    int parent;           /* index of the parent supervisor, -1 for the root */
    size_t nchildren;     /* entries in `children` (a component counts once) */
    size_t nactors;       /* actor children (a component counts its instances) */
    int restart;          /* WASP_RESTART_*: how its parent treats its exit (nested only) */
} wasp_manifest_supervisor;
/* The `http` section (docs/HTTP.md): the ingress's listen address and its
 * routes, in manifest order (the first match wins). */
typedef struct wasp_manifest_route {
    const char *path;      /* e.g. "/kv/" + "*": a trailing '*' matches the rest of the path */
    const char *component; /* a component of the manifest */
    uint64_t timeout_ns;   /* `timeout`; default 5 s */
} wasp_manifest_route;
typedef struct wasp_manifest_http {
    const char *listen;    /* "HOST:PORT" */
    wasp_manifest_route *routes;
    size_t nroutes;
    uint64_t max_body;     /* `max_body`: largest request body; default 1 MiB */
    uint32_t max_connections; /* `max_connections`: open connections; default 1024 */
    uint32_t max_inflight; /* `max_inflight`: requests awaiting a component; default 4096 */
} wasp_manifest_http;
/* NULL when the manifest has no `http` section. Valid as long as m. */
const wasp_manifest_http *wasp_manifest_http_get(const wasp_manifest *m);

size_t wasp_manifest_supervisor_count(const wasp_manifest *m);
const wasp_manifest_supervisor *wasp_manifest_supervisor_get(const wasp_manifest *m, size_t i);

/* Starts the system's supervision tree on sys, whose wasm layer is the one
 * the manifest was loaded with: supervisors and components in manifest
 * order (wasp_supervisor_start). on_give_up (may be NULL) is the root's give
 * up callback. *root gets the root supervisor: wasp_supervisor_destroy it
 * after wasp_system_stop. On failure err (may be NULL) gets what went wrong,
 * naming the component. WASP_OK, WASP_ESTATE (not loaded with a wasm layer,
 * or started already), WASP_EINVAL (sys is not the loading wasm layer's),
 * or the wasp_supervisor_start errors. */
int wasp_manifest_start(wasp_manifest *m, wasp_system *sys,
                        void (*on_give_up)(wasp_supervisor *sup, void *arg), void *give_up_arg,
                        wasp_supervisor **root, char *err, size_t errcap);

/* ---- Placement (multi-node systems, docs/DISTRIBUTION.md) ----
 * A unit is a child of the root supervisor (a component with all its
 * instances, or a nested supervisor with its subtree): what `placement` puts
 * on a node and what fails over as a whole. */
typedef struct wasp_manifest_node { /* an entry of `nodes` */
    const char *name;
    const char *const *labels;
    size_t nlabels;
} wasp_manifest_node;
size_t wasp_manifest_node_count(const wasp_manifest *m);
const wasp_manifest_node *wasp_manifest_node_get(const wasp_manifest *m, size_t i);

typedef struct wasp_manifest_unit {
    const char *name;           /* the component's or the supervisor's name */
    int component;              /* index of a component unit, else -1 */
    int supervisor;             /* index of a supervisor unit, else -1 */
    bool placed;                /* has a `placement` key */
    const char *node;           /* placement.node, or NULL */
    const char *const *labels;  /* placement.labels: nodes must carry all of them */
    size_t nlabels;
    bool failover;              /* placement.failover */
} wasp_manifest_unit;
size_t wasp_manifest_unit_count(const wasp_manifest *m);
/* WASP_OK or WASP_ENOENT. */
int wasp_manifest_unit_get(const wasp_manifest *m, size_t i, wasp_manifest_unit *out);
/* Indexes of the components in unit i (itself, or its supervisor's
 * subtree): copies up to cap, returns how many there are. */
size_t wasp_manifest_unit_components(const wasp_manifest *m, size_t i, size_t *out, size_t cap);

/* wasp_manifest_start with only the units i for which start[i] is true
 * (NULL: all); the root supervisor may start empty. */
int wasp_manifest_start_units(wasp_manifest *m, wasp_system *sys, const bool *start,
                              void (*on_give_up)(wasp_supervisor *sup, void *arg),
                              void *give_up_arg, wasp_supervisor **root, char *err,
                              size_t errcap);
/* Starts unit i under the running root (after the others), or stops and
 * removes it. From outside any actor. The wasp_supervisor_add_child /
 * wasp_supervisor_remove_child results (WASP_EEXIST: already running). */
int wasp_manifest_unit_start(wasp_manifest *m, wasp_supervisor *root, size_t i, char *err,
                             size_t errcap);
int wasp_manifest_unit_stop(wasp_manifest *m, wasp_supervisor *root, size_t i);

/* Value syntax of the manifest: durations "250us", "10ms", "2s", "1m" (a
 * decimal number and a unit) and sizes (bytes, or a whole number with KiB,
 * MiB or GiB). WASP_OK, WASP_EINVAL (malformed) or WASP_E2BIG (too large). */
int wasp_parse_duration(const char *text, uint64_t *ns);
int wasp_parse_size(const char *text, uint64_t *bytes);

/* ==== end Manifests ==== */

#ifdef __cplusplus
}
#endif

#endif /* WASP_H */
