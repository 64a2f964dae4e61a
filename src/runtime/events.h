/* events.h - the runtime's own channel.
 *
 * Runtime events (supervisor bookkeeping, child exits, health probes and
 * their results) travel in envelopes of kind WASP_ENV_EVENT, which only the
 * functions below create. They queue beside an actor's messages, are taken
 * before any queued message (never while a message is in hand), and are
 * dispatched to runtime code: a runtime actor's event hook or an actor's
 * health hook, never to a message handler. They are not messages: never
 * counted as received, handled or dead letters, never logged or published
 * when dropped, and their bytes never reach a guest. */
#ifndef WASP_RUNTIME_EVENTS_H
#define WASP_RUNTIME_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "wasp.h"

struct wasp_actor;
struct wasp_env;
struct wasp_completion;

#define WASP_EVT_CALL 1  /* for the target's event hook (wasp__spawn_runtime) */
#define WASP_EVT_PROBE 2 /* a health probe: answered by the target's health hook */
#define WASP_EVT_STOP 3  /* wasp_system_stop to a STOP_FIRST actor's event hook */
/* Out of memory, an event for this actor was lost: its event hook gets one
 * WASP_EVT_LOST (no data) before its next event, to look at the state of
 * what it watches instead of waiting for news that will not come. */
#define WASP_EVT_LOST 4
#define WASP_EVT_RUN 5 /* wasp__actor_exec (ext.h): a function run on the actor */

struct wasp_event {
    int type;
    const void *data;
    size_t len;
    struct wasp_completion *completion; /* wasp__event_ask: answer with wasp__event_reply */
    struct wasp_env *env;
};

/* The payload of a probe: where its result goes. The prober says how it
 * takes results (wasp_health_report for supervisors), so the runtime needs
 * no knowledge of who probes. */
struct wasp_probe {
    wasp_aid sup;
    uint64_t token;
    int (*report)(wasp_system *sys, wasp_aid sup, uint64_t token, int result);
};

/* Queues an event (data copied). WASP_OK, WASP_ENOENT, WASP_ESTOPPED, WASP_ENOMEM. */
int wasp__event_send(wasp_system *sys, wasp_aid to, int type, const void *data, size_t len);
/* The same after delay_ns; *timer (may be NULL) gets an id for wasp_timer_cancel.
 * Still pending at system stop: discarded. */
int wasp__event_after(wasp_system *sys, wasp_aid to, int type, const void *data, size_t len,
                      uint64_t delay_ns, uint64_t *timer);
/* Blocking (outside actors only): queues the event and waits for its
 * wasp__event_reply status; WASP_ESTOPPED if the target is gone or
 * discards it, WASP_ENOREPLY if it was dispatched without a reply. */
int wasp__event_ask(wasp_system *sys, wasp_aid to, int type, const void *data, size_t len);
void wasp__event_reply(const struct wasp_event *ev, int status);
/* Takes an ask's completion out of the event, to answer later with
 * wasp__completion_finish + wasp__completion_unref (NULL if it is no ask). */
struct wasp_completion *wasp__event_defer(const struct wasp_event *ev);

/* A runtime actor's handler of its WASP_EVT_CALL events. */
typedef int (*wasp__event_fn)(wasp_ctx *ctx, const struct wasp_event *ev);

/* wasp_spawn for runtime actors (supervisors): on_event gets their
 * WASP_EVT_CALL events. It returns 0, WASP_ECRASH (a crash), or
 * WASP__FAIL_SHUTDOWN: the incarnation ends as a failure (the actor keeps
 * its identity and awaits a restart) whose exit reason, for monitors, is
 * WASP_EXIT_SHUTDOWN - how a supervisor that gives up exits. */
#define WASP__FAIL_SHUTDOWN 100
/* ... or WASP__STOP_SHUTDOWN: the actor terminates (exit reason shutdown). */
#define WASP__STOP_SHUTDOWN 101
/* Spawn flags. SUPERVISED: an end of incarnation (WASP_STOP included) leaves
 * the actor FAILED, awaiting its supervisor's restart or stop, so a name keeps
 * one identity and one mailbox across restarts. STOP_FIRST: wasp_system_stop
 * sends it a WASP_EVT_STOP event and waits for it before stopping the other
 * actors (root supervisors stop their trees in order). */
#define WASP__SPAWN_SUPERVISED 1u
#define WASP__SPAWN_STOP_FIRST 2u
int wasp__spawn_runtime(wasp_system *sys, const wasp_actor_spec *spec, wasp__event_fn on_event,
                        unsigned flags, wasp_aid *out);
/* Asks a running actor to end its incarnation between messages (after the
 * one in hand) and wait FAILED, identity kept; monitors are told
 * WASP_EXIT_SHUTDOWN. An idle actor is retired on this thread.
 * WASP_OK, WASP_ENOENT, WASP_ESTATE (already failed), WASP_ESTOPPED. */
int wasp__actor_retire(wasp_system *sys, wasp_aid id);
/* Ends runtime actor `id` in order (outside actors only): unless it is
 * failed, queues the event (type, data, len) for its hook - which stops what
 * it owns and ends the actor - and waits until it is down. If it is then
 * failed (it gave up, or had before), on_failed(arg) runs (may be NULL);
 * whatever is left of it is terminated here. WASP_OK, or WASP_ESTOPPED if
 * it is gone, stopping or terminated already. */
int wasp__actor_end(wasp_system *sys, wasp_aid id, int type, const void *data, size_t len,
                    void (*on_failed)(void *arg), void *arg);
/* The system is stopping or stopped: runtime actors start nothing new. */
bool wasp__system_stopping(wasp_system *sys);

/* Scheduler side: runs the event envelope a->cur. WASP_YIELD (keep it, run
 * again later), WASP_ECRASH, or 0 (done: it has been freed). */
int wasp__event_dispatch(wasp_ctx *ctx, struct wasp_actor *a, struct wasp_env *e);
/* Frees an event that will never be dispatched (its asker gets WASP_ESTOPPED). */
void wasp__event_discard(struct wasp_env *e);
/* Scheduler side: a WASP_EVT_LOST envelope if one is owed to a (a->cur is
 * free), else NULL. Dispatch and discard know it (it is never freed). */
struct wasp_env *wasp__event_take_lost(struct wasp_actor *a);

#endif
