/* delivery.h - putting an envelope in an actor's mailbox and getting the actor run (send.c). */
#ifndef WASP_RUNTIME_DELIVERY_H
#define WASP_RUNTIME_DELIVERY_H

#include "runtime/actor.h"

/* Queues e for a (which the caller holds a ref on) and schedules it.
 * On error e is untouched (the caller still owns it). */
int wasp__deliver(struct wasp_actor *a, struct wasp_env *e);
/* The same, but an actor that needs scheduling is appended to *b (the caller
 * then calls wasp__sched_push_batch once: one queue lock for a fan-out). */
int wasp__deliver_batched(struct wasp_actor *a, struct wasp_env *e, struct wasp_batch *b);
/* Gets a (with something queued) run if nobody owns it (b: as above, or NULL). */
void wasp__schedule_if_idle(struct wasp_actor *a, struct wasp_batch *b);

#endif
