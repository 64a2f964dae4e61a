/* mailbox.c - a bounded mailbox with two priorities (mailbox.h).
 *
 * The critical sections are a handful of stores, so the lock is uncontended
 * in practice and a push costs about one atomic exchange; the rings grow by
 * doubling on demand (an idle actor that never got a message owns no
 * mailbox storage) up to the capacity. */
#include <stdlib.h>
#include <string.h>

#include "runtime/mailbox.h"

static int ring_grow(struct wasp_ring *r) {
    uint32_t size = r->size ? r->size * 2 : 4;
    struct wasp_env **buf = malloc(sizeof(*buf) * size);
    if (!buf) return WASP_ENOMEM;
    for (uint32_t i = 0; i < r->len; i++) buf[i] = r->buf[(r->head + i) & (r->size - 1)];
    free(r->buf);
    r->buf = buf;
    r->head = 0;
    r->size = size;
    return WASP_OK;
}

static inline void ring_push(struct wasp_ring *r, struct wasp_env *e) {
    r->buf[(r->head + r->len) & (r->size - 1)] = e;
    r->len++;
}

static inline struct wasp_env *ring_pop(struct wasp_ring *r) {
    if (!r->len) return NULL;
    struct wasp_env *e = r->buf[r->head];
    r->head = (r->head + 1) & (r->size - 1);
    r->len--;
    return e;
}

/* Puts e back at the front of r (undoing a ring_pop). */
static inline void ring_unpop(struct wasp_ring *r, struct wasp_env *e) {
    r->head = (r->head - 1) & (r->size - 1);
    r->buf[r->head] = e;
    r->len++;
}

static struct wasp_ring *ring_of(struct wasp_mailbox *mb, const struct wasp_env *e) {
    return (e->flags & WASP_MSG_HIGH) ? &mb->hi : &mb->lo;
}

void wasp__mailbox_init(struct wasp_mailbox *mb, uint32_t cap, int overflow) {
    atomic_store_explicit(&mb->lock.v, 0, memory_order_relaxed);
    mb->closed = false;
    mb->overflow = (uint8_t)overflow;
    mb->cap = cap;
    mb->count = 0;
    atomic_store_explicit(&mb->qlen, 0, memory_order_relaxed);
    atomic_store_explicit(&mb->evlen, 0, memory_order_relaxed);
    atomic_store_explicit(&mb->received, 0, memory_order_relaxed);
    atomic_store_explicit(&mb->timers, 0, memory_order_relaxed);
}

/* Under the lock: e is received now; a timed one leaves timers. */
static void count_received(struct wasp_mailbox *mb, struct wasp_env *e) {
    WASP_BUMP(mb->received);
    if (e->timed) {
        e->timed = false;
        atomic_fetch_sub_explicit(&mb->timers, 1, memory_order_relaxed);
    }
}

void wasp__mailbox_count_unqueued(struct wasp_mailbox *mb, struct wasp_env *e) {
    wasp_spin_lock(&mb->lock);
    count_received(mb, e);
    wasp_spin_unlock(&mb->lock);
}

void wasp__mailbox_untime(struct wasp_mailbox *mb, struct wasp_env *e) {
    if (!e || !e->timed) return;
    e->timed = false;
    atomic_fetch_sub_explicit(&mb->timers, 1, memory_order_relaxed);
}

void wasp__mailbox_ledger(struct wasp_mailbox *mb, uint64_t *received, uint32_t *queued,
                          uint64_t *timers) {
    wasp_spin_lock(&mb->lock);
    *received = WASP_LOAD(mb->received);
    *queued = mb->count;
    *timers = WASP_LOAD(mb->timers);
    wasp_spin_unlock(&mb->lock);
}

bool wasp__mailbox_refuses(struct wasp_mailbox *mb) {
    return mb->overflow != WASP_OVERFLOW_DROP_OLDEST &&
           atomic_load_explicit(&mb->qlen, memory_order_relaxed) >= mb->cap;
}

int wasp__mailbox_push(struct wasp_mailbox *mb, struct wasp_env *e, struct wasp_env **dropped) {
    struct wasp_ring *r = ring_of(mb, e);
    *dropped = NULL;
    /* A sender retrying on a full mailbox must not take the lock from the
     * receiver draining it. */
    if (wasp__mailbox_refuses(mb)) return WASP_EFULL;
    wasp_spin_lock(&mb->lock);
    if (mb->closed) {
        wasp_spin_unlock(&mb->lock);
        return WASP_ESTOPPED;
    }
    if (mb->count >= mb->cap) {
        if (mb->overflow != WASP_OVERFLOW_DROP_OLDEST) {
            wasp_spin_unlock(&mb->lock);
            return WASP_EFULL;
        }
        *dropped = mb->lo.len ? ring_pop(&mb->lo) : ring_pop(&mb->hi);
        mb->count--;
    }
    if (r->len == r->size) {
        int rc = ring_grow(r);
        if (rc) {
            if (*dropped) { /* put the dropped one back: nothing changed */
                ring_unpop(ring_of(mb, *dropped), *dropped);
                mb->count++;
                *dropped = NULL;
            }
            wasp_spin_unlock(&mb->lock);
            return rc;
        }
    }
    ring_push(r, e);
    mb->count++;
    count_received(mb, e);
    atomic_store(&mb->qlen, mb->count); /* seq_cst: pairs with the release in wasp__actor_release */
    wasp_spin_unlock(&mb->lock);
    return WASP_OK;
}

struct wasp_env *wasp__mailbox_pop(struct wasp_mailbox *mb) { return wasp__mailbox_pop_fit(mb, SIZE_MAX); }

struct wasp_env *wasp__mailbox_pop_fit(struct wasp_mailbox *mb, size_t max_len) {
    if (!atomic_load_explicit(&mb->qlen, memory_order_relaxed)) return NULL;
    wasp_spin_lock(&mb->lock);
    struct wasp_ring *r = mb->hi.len ? &mb->hi : &mb->lo;
    struct wasp_env *e = r->len && r->buf[r->head]->len <= max_len ? ring_pop(r) : NULL;
    if (e) {
        mb->count--;
        atomic_store_explicit(&mb->qlen, mb->count, memory_order_relaxed);
    }
    wasp_spin_unlock(&mb->lock);
    return e;
}

int wasp__mailbox_push_event(struct wasp_mailbox *mb, struct wasp_env *e) {
    wasp_spin_lock(&mb->lock);
    int rc = mb->closed ? WASP_ESTOPPED : WASP_OK;
    if (!rc && mb->ev.len == mb->ev.size) rc = ring_grow(&mb->ev);
    if (!rc) {
        ring_push(&mb->ev, e);
        atomic_store(&mb->evlen, mb->ev.len); /* seq_cst, as qlen */
    }
    wasp_spin_unlock(&mb->lock);
    return rc;
}

struct wasp_env *wasp__mailbox_pop_event(struct wasp_mailbox *mb) {
    if (!atomic_load_explicit(&mb->evlen, memory_order_relaxed)) return NULL;
    wasp_spin_lock(&mb->lock);
    struct wasp_env *e = ring_pop(&mb->ev);
    atomic_store_explicit(&mb->evlen, mb->ev.len, memory_order_relaxed);
    wasp_spin_unlock(&mb->lock);
    return e;
}

bool wasp__mailbox_nonempty(struct wasp_mailbox *mb) {
    return atomic_load(&mb->qlen) || atomic_load(&mb->evlen); /* seq_cst: wake-up protocol */
}

void wasp__mailbox_close(struct wasp_mailbox *mb, struct wasp_mailbox_rest *rest) {
    wasp_spin_lock(&mb->lock);
    mb->closed = true;
    rest->hi = mb->hi;
    rest->lo = mb->lo;
    rest->ev = mb->ev;
    memset(&mb->hi, 0, sizeof(mb->hi));
    memset(&mb->lo, 0, sizeof(mb->lo));
    memset(&mb->ev, 0, sizeof(mb->ev));
    mb->count = 0;
    atomic_store(&mb->qlen, 0);
    atomic_store(&mb->evlen, 0);
    wasp_spin_unlock(&mb->lock);
}

struct wasp_env *wasp__mailbox_rest_message(struct wasp_mailbox_rest *rest) {
    struct wasp_env *e = ring_pop(&rest->hi);
    return e ? e : ring_pop(&rest->lo);
}

struct wasp_env *wasp__mailbox_rest_event(struct wasp_mailbox_rest *rest) { return ring_pop(&rest->ev); }

void wasp__mailbox_rest_free(struct wasp_mailbox_rest *rest) {
    free(rest->hi.buf);
    free(rest->lo.buf);
    free(rest->ev.buf);
    memset(rest, 0, sizeof(*rest));
}
