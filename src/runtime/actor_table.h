/* actor_table.h - the actor table (actor_table.c): ids resolve to
 * referenced actors; the last reference frees the identity. Also the
 * thread's current actor context (set by the run loop and the hooks). */
#ifndef WASP_RUNTIME_ACTOR_TABLE_H
#define WASP_RUNTIME_ACTOR_TABLE_H

#include "runtime/actor.h"

/* Resolves an id to a referenced actor, or NULL. */
struct wasp_actor *wasp__actor_get(wasp_system *sys, wasp_aid id);
void wasp__actor_ref(struct wasp_actor *a);
void wasp__actor_unref(struct wasp_actor *a);
/* A free slot with its generation set (reference count 0), or NULL. */
struct wasp_actor *wasp__table_alloc(wasp_system *sys);
void wasp__table_init(wasp_system *sys);
void wasp__table_free(wasp_system *sys);
/* Calls fn for each slot whose actor exists (ref count > 0), holding a ref. */
void wasp__table_each(wasp_system *sys, void (*fn)(struct wasp_actor *a, void *arg), void *arg);

/* The context of the actor running on this thread, if any. */
extern _Thread_local struct wasp_ctx *wasp__tls_ctx;
/* Sender id for messages sent from this thread to sys. */
static inline wasp_aid wasp_current_sender(wasp_system *sys) {
    struct wasp_ctx *c = wasp__tls_ctx;
    return c && c->sys == sys ? wasp_actor_id(c->a) : WASP_AID_NONE;
}

#endif
