/* ext.h - one slot on a system for the layer above the runtime.
 *
 * The runtime knows nothing about WebAssembly; the wasm layer still needs to
 * find its per-system state from a wasp_system (wasp_wasm_get). This opaque
 * slot is the only coupling. */
#ifndef WASP_RUNTIME_EXT_H
#define WASP_RUNTIME_EXT_H

#include <stdbool.h>
#include <stddef.h>

#include "wasp.h"

struct wasp_completion;
struct wasp_name_cache;

/* Claims the slot: WASP_OK, or WASP_EEXIST if it holds something already. */
int wasp__system_ext_claim(wasp_system *sys, void *ext);
/* Empties the slot if it holds ext. */
void wasp__system_ext_release(wasp_system *sys, void *ext);
void *wasp__system_ext(wasp_system *sys);

/* A one-shot timer on the system's timer thread (timers.h): fire(arg) after
 * delay_ns, or drop(arg) if the system stops first. A nonzero id, or 0 if
 * the system is stopping or out of memory (then neither runs). */
uint64_t wasp__system_timer(wasp_system *sys, uint64_t delay_ns, void (*fire)(void *), void (*drop)(void *),
                            void *arg);

/* Runs fn(ctx, arg) on actor `to` between two messages, as a runtime event
 * (events.h): taken before its queued messages, never while one is in
 * hand, and nothing wasp_send or a guest can forge. fn returns 0, or
 * WASP_ECRASH to end the incarnation as a crash. If the event is dropped
 * instead (the actor stops first), drop(arg) runs. WASP_OK, or WASP_ENOENT,
 * WASP_ESTOPPED, WASP_ENOMEM: then neither runs. */
int wasp__actor_exec(wasp_system *sys, wasp_aid to, int (*fn)(wasp_ctx *ctx, void *arg), void (*drop)(void *arg),
                     void *arg);

/* From inside a handler call (ctx is the handler's): ends the message in
 * hand as if the handler had returned `result` (0 or a handler error) and
 * makes the next queued message the one in hand - ctx's message, the one
 * the handler was given, now describes it - provided one is waiting with a
 * payload of at most max_len bytes and the run loop would take it now (no
 * stop, kill or retire request, no runtime event waiting, the step's batch
 * not used up while other actors wait). Returns true; false with nothing
 * changed otherwise. How a handler serves several messages in one call
 * with exactly the outcome of one call each (component/component_actor.c). */
bool wasp__ctx_next(wasp_ctx *ctx, int result, size_t max_len);

/* wasp_ask_cb answered through the caller's completion c (completion.h),
 * the target's name resolved through the sender's cache (if not NULL; see
 * wasp__send_cached below),
 * which the caller keeps a reference to: on failure c is abandoned (its fn
 * never runs). How a layer above embeds the answer of an ask in its own
 * wait (component/host_wait.c) instead of allocating a second object. */
int wasp__ask(wasp_system *sys, const wasp_send_opts *o, uint64_t timeout_ns, struct wasp_completion *c,
              struct wasp_name_cache *cache);

/* wasp_send_ex for a sender that keeps a name cache (name_cache.h; cache
 * may be NULL): a name it sent to before resolves without the registry as
 * long as the registry has not changed since. The outcome is wasp_send_ex's. */
int wasp__send_cached(wasp_system *sys, const wasp_send_opts *o, struct wasp_name_cache *cache);

#endif
