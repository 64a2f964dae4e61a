/* mailbox.h - an actor's bounded mailbox: two priorities of messages plus
 * the runtime events queued beside them (mailbox.c).
 *
 * Rings of envelope pointers behind one spinlock; they grow by doubling on
 * demand, up to the capacity for messages (events are never refused for
 * room). qlen and evlen mirror the occupancy for lock-free reads (the
 * wake-up protocol, statistics). The mailbox only stores envelopes: what a
 * dropped or left-over envelope means (a dead letter, a discarded event) is
 * its owner's business, so every envelope it lets go of is handed back. */
#ifndef WASP_RUNTIME_MAILBOX_H
#define WASP_RUNTIME_MAILBOX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/envelope.h"
#include "runtime/spin.h"

struct wasp_ring {
    struct wasp_env **buf;
    uint32_t head, len, size; /* size: 0 or a power of two */
};

struct wasp_mailbox {
    wasp_spin lock;
    bool closed;          /* takes no more envelopes */
    uint8_t overflow;     /* WASP_OVERFLOW_*: what a push to a full mailbox does */
    uint32_t cap, count;  /* message capacity and occupancy (under lock) */
    atomic_uint qlen;     /* == count, readable without the lock */
    struct wasp_ring hi, lo;
    struct wasp_ring ev;  /* runtime events: not messages, not in count/cap/received */
    atomic_uint evlen;    /* == ev.len, readable without the lock */
    _Atomic uint64_t received; /* messages ever queued (bumped under lock) */
    /* Delayed letters armed for this actor and not yet received: a timed
     * envelope leaves it, under the lock, as it is counted received - so a
     * snapshot under the lock never sees a letter twice or not at all. */
    _Atomic uint64_t timers;
};

/* What a closed mailbox held, handed back to its owner. */
struct wasp_mailbox_rest {
    struct wasp_ring hi, lo, ev;
};

/* An empty, open mailbox (reusing ring storage is not attempted: it holds none). */
void wasp__mailbox_init(struct wasp_mailbox *mb, uint32_t cap, int overflow);
/* WASP_OK (a dropped-oldest envelope, if any, in *dropped), WASP_EFULL,
 * WASP_ESTOPPED (closed), WASP_ENOMEM. Counts the message as received. */
int wasp__mailbox_push(struct wasp_mailbox *mb, struct wasp_env *e, struct wasp_env **dropped);
/* Counts a message that was meant for this mailbox but never queued (a
 * dead letter on arrival) as received, as a push would. */
void wasp__mailbox_count_unqueued(struct wasp_mailbox *mb, struct wasp_env *e);
/* A timed envelope's letter leaves timers without being received (cancelled,
 * or it went to another actor). */
void wasp__mailbox_untime(struct wasp_mailbox *mb, struct wasp_env *e);
/* received, queued and timers read together under the lock. */
void wasp__mailbox_ledger(struct wasp_mailbox *mb, uint64_t *received, uint32_t *queued,
                          uint64_t *timers);
/* Full and refusing (not dropping the oldest): a push would get WASP_EFULL.
 * Read without the lock, so only a hint that saves a sender the envelope;
 * the push decides. */
bool wasp__mailbox_refuses(struct wasp_mailbox *mb);
/* Next message (high priority first), or NULL. */
struct wasp_env *wasp__mailbox_pop(struct wasp_mailbox *mb);
/* The same, but only if its payload is at most max_len bytes (else it stays). */
struct wasp_env *wasp__mailbox_pop_fit(struct wasp_mailbox *mb, size_t max_len);
/* Runtime events: WASP_OK, WASP_ESTOPPED (closed) or WASP_ENOMEM. */
int wasp__mailbox_push_event(struct wasp_mailbox *mb, struct wasp_env *e);
struct wasp_env *wasp__mailbox_pop_event(struct wasp_mailbox *mb);
/* Anything queued (messages or events), without the lock. */
bool wasp__mailbox_nonempty(struct wasp_mailbox *mb);
/* Closes the mailbox and hands back everything it held (no allocation, so
 * it cannot fail). Later pushes get WASP_ESTOPPED. */
void wasp__mailbox_close(struct wasp_mailbox *mb, struct wasp_mailbox_rest *rest);
/* The rest's messages (high first), then NULL. */
struct wasp_env *wasp__mailbox_rest_message(struct wasp_mailbox_rest *rest);
/* The rest's events, then NULL. */
struct wasp_env *wasp__mailbox_rest_event(struct wasp_mailbox_rest *rest);
/* Frees the rest's ring storage (after its envelopes were taken). */
void wasp__mailbox_rest_free(struct wasp_mailbox_rest *rest);

#endif
