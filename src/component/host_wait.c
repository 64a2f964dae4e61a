/* host_wait.c - what every async import shares: a wait that is a
 * completion (runtime/completion.h) with two kinds of owners - the
 * operation (envelope, timer, store) and Wasmtime's continuation - whose
 * answer is kept for the continuation and wakes the parked actor. */
#include <stdlib.h>
#include <string.h>

#include "component/component.h"

/* The completion's fn: keep the answer, then wake the actor (in that order:
 * the woken actor polls the continuation, which must see it). */
static void answer(void *arg, int status, const void *data, size_t len) {
    struct wasp_host_wait *w = arg;
    if (w->keep && status == WASP_OK && len) {
        if ((w->reply = malloc(len))) {
            memcpy(w->reply, data, len);
            w->reply_len = len;
        } else {
            status = WASP_ENOMEM;
        }
    }
    w->status = status;
    atomic_store_explicit(&w->ready, true, memory_order_release);
    wasp_actor_wake(w->c.sys, w->self);
}

static void release(struct wasp_completion *c) {
    struct wasp_host_wait *w = (struct wasp_host_wait *)c;
    free(w->reply);
    free(w);
}

void *wasp__host_wait_new(struct wasp_cinst *ci, size_t size, bool keep) {
    struct wasp_host_wait *w = calloc(1, size);
    if (!w) return NULL;
    wasp__completion_init(&w->c, ci->sys, answer, w, release);
    atomic_init(&w->ready, false);
    w->keep = keep;
    w->ci = ci;
    w->self = ci->self;
    ci->wait = w;
    return w;
}

void wasp__host_wait_finalize(void *arg) {
    struct wasp_host_wait *w = arg;
    if (w->ci && w->ci->wait == w) w->ci->wait = NULL;
    wasp__completion_unref(&w->c);
}

bool wasp__host_wait_done(const struct wasp_host_wait *w) {
    return atomic_load_explicit(&w->ready, memory_order_acquire);
}

bool wasp__host_waiting(const struct wasp_cinst *ci) { return ci->wait && !wasp__host_wait_done(ci->wait); }
