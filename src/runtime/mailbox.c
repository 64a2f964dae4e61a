/* mailbox.c - a bounded mailbox with two priorities.
 *
 * Two rings of envelope pointers (high, normal) behind one per-actor
 * spinlock. The critical sections are a handful of stores, so the lock is
 * uncontended in practice and a push costs about one atomic exchange; the
 * rings grow by doubling on demand (an idle actor that never got a message
 * owns no mailbox storage) up to the capacity. qlen mirrors the occupancy
 * for lock-free reads (wake-up protocol, stats). */
#include <stdlib.h>
#include <string.h>

#include "runtime/events.h"

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

int wasp__mailbox_push(struct wasp_actor *a, struct wasp_env *e, struct wasp_env **dropped) {
    struct wasp_ring *r = (e->flags & WASP_MSG_HIGH) ? &a->hi : &a->lo;
    *dropped = NULL;
    wasp_spin_lock(&a->lock);
    if (a->closed) {
        wasp_spin_unlock(&a->lock);
        return WASP_ESTOPPED;
    }
    if (a->count >= a->cap) {
        if (a->overflow != WASP_OVERFLOW_DROP_OLDEST) {
            wasp_spin_unlock(&a->lock);
            return WASP_EFULL;
        }
        *dropped = a->lo.len ? ring_pop(&a->lo) : ring_pop(&a->hi);
        a->count--;
    }
    if (r->len == r->size) {
        int rc = ring_grow(r);
        if (rc) {
            /* put the dropped one back: nothing changed */
            if (*dropped) {
                struct wasp_ring *d = ((*dropped)->flags & WASP_MSG_HIGH) ? &a->hi : &a->lo;
                d->head = (d->head - 1) & (d->size - 1);
                d->buf[d->head] = *dropped;
                d->len++;
                a->count++;
                *dropped = NULL;
            }
            wasp_spin_unlock(&a->lock);
            return rc;
        }
    }
    ring_push(r, e);
    a->count++;
    WASP_BUMP(a->received);
    atomic_store(&a->qlen, a->count); /* seq_cst: pairs with the release in wasp__actor_release */
    wasp_spin_unlock(&a->lock);
    return WASP_OK;
}

struct wasp_env *wasp__mailbox_pop(struct wasp_actor *a) {
    if (!atomic_load_explicit(&a->qlen, memory_order_relaxed)) return NULL;
    wasp_spin_lock(&a->lock);
    struct wasp_env *e = ring_pop(&a->hi);
    if (!e) e = ring_pop(&a->lo);
    if (e) {
        a->count--;
        atomic_store_explicit(&a->qlen, a->count, memory_order_relaxed);
    }
    wasp_spin_unlock(&a->lock);
    return e;
}

int wasp__mailbox_push_event(struct wasp_actor *a, struct wasp_env *e) {
    wasp_spin_lock(&a->lock);
    int rc = a->closed ? WASP_ESTOPPED : WASP_OK;
    if (!rc && a->ev.len == a->ev.size) rc = ring_grow(&a->ev);
    if (!rc) {
        ring_push(&a->ev, e);
        atomic_store(&a->evlen, a->ev.len); /* seq_cst, as qlen */
    }
    wasp_spin_unlock(&a->lock);
    return rc;
}

struct wasp_env *wasp__mailbox_pop_event(struct wasp_actor *a) {
    if (!atomic_load_explicit(&a->evlen, memory_order_relaxed)) return NULL;
    wasp_spin_lock(&a->lock);
    struct wasp_env *e = ring_pop(&a->ev);
    atomic_store_explicit(&a->evlen, a->ev.len, memory_order_relaxed);
    wasp_spin_unlock(&a->lock);
    return e;
}

/* Takes every queued event (under a->lock); discarded by the caller unlocked. */
static void events_take(struct wasp_actor *a, struct wasp_ring *out) {
    *out = a->ev;
    memset(&a->ev, 0, sizeof(a->ev));
    atomic_store(&a->evlen, 0);
}

static void events_discard(struct wasp_ring *r) {
    struct wasp_env *e;
    while ((e = ring_pop(r))) wasp__event_discard(e);
    free(r->buf);
}

struct wasp_env **wasp__mailbox_close(struct wasp_actor *a) {
    struct wasp_ring evs;
    wasp_spin_lock(&a->lock);
    a->closed = true;
    events_take(a, &evs);
    struct wasp_env **out = NULL;
    if (a->count) {
        out = malloc(sizeof(*out) * (a->count + 1));
        if (out) {
            size_t n = 0;
            struct wasp_env *e;
            while ((e = ring_pop(&a->hi))) out[n++] = e;
            while ((e = ring_pop(&a->lo))) out[n++] = e;
            out[n] = NULL;
            a->count = 0;
            atomic_store(&a->qlen, 0);
        }
    }
    wasp_spin_unlock(&a->lock);
    events_discard(&evs);
    if (!out && a->count) {
        /* no memory for the array: free them one by one as dead letters */
        struct wasp_env *e;
        while ((e = wasp__mailbox_pop(a))) wasp__dead_letter(a->sys, a, e, WASP_ESTOPPED);
    }
    return out;
}

void wasp__mailbox_free(struct wasp_actor *a) {
    struct wasp_env *e;
    while ((e = ring_pop(&a->hi))) wasp__env_free(e);
    while ((e = ring_pop(&a->lo))) wasp__env_free(e);
    struct wasp_ring evs;
    events_take(a, &evs);
    events_discard(&evs);
    free(a->hi.buf);
    free(a->lo.buf);
    memset(&a->hi, 0, sizeof(a->hi));
    memset(&a->lo, 0, sizeof(a->lo));
    a->count = 0;
    atomic_store(&a->qlen, 0);
}
