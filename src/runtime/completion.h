/* completion.h - one answer to one asynchronous operation (completion.c).
 *
 * Every asynchronous operation of wasp ends in a struct wasp_completion
 * (nng's nni_aio is the model): an ask (wasp_ask*, a ctx ask with a timeout,
 * a guest's `call`), an event ask (supervisor calls), a remote ask, a
 * deferred reply, a guest's storage write or WASI clock wait. It is answered
 * exactly once - status, bytes, codec tag - however many parties race to
 * answer it: the reply, its timeout, its envelope freed unanswered, the
 * router, the system stopping.
 *
 * Whoever waits for the answer embeds the completion first in its own
 * struct and says, with fn, how the answer is taken (called once, on the
 * answering thread):
 *   - a callback of the caller's (wasp_ask_cb: wasp__completion_new),
 *   - a thread blocking for it (struct wasp_wait below: wasp_ask,
 *     wasp__event_ask),
 *   - a reply message forwarded to the asking actor (send.c),
 *   - a parked guest woken (component/host_wait.c: `call`, storage writes,
 *     WASI clocks).
 * The completion is reference counted: its owner, the request's envelope,
 * the timeout's timer and the router each hold one; the last one frees it
 * with release (what embeds it). An operation taking a completion adds the
 * references it needs and never drops its caller's. */
#ifndef WASP_RUNTIME_COMPLETION_H
#define WASP_RUNTIME_COMPLETION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasp.h"

struct wasp_completion {
    atomic_int done;        /* answered, or abandoned: fn has run or never will */
    atomic_int refs;
    _Atomic uint64_t timer; /* its timeout: cancelled by an earlier answer */
    wasp_system *sys;
    wasp_reply_fn fn;
    void *arg;
    /* Frees what embeds the completion (NULL: free(c), c allocated alone
     * or first in its allocation). */
    void (*release)(struct wasp_completion *c);
    uint64_t *reply_codec;  /* the asker's: gets the reply's codec tag before fn */
    uint64_t remote_codec;  /* a remote reply's tag, stored by the router */
};

/* One reference (the caller's); fn(arg, ...) takes the answer. */
void wasp__completion_init(struct wasp_completion *c, wasp_system *sys, wasp_reply_fn fn, void *arg,
                           void (*release)(struct wasp_completion *c));
/* A completion on its own (one reference), or NULL out of memory. */
struct wasp_completion *wasp__completion_new(wasp_system *sys, wasp_reply_fn fn, void *arg);
/* Answers c: true if this call did (fn ran), false if it was answered or
 * abandoned before. Any thread. */
bool wasp__completion_finish(struct wasp_completion *c, int status, const void *data, size_t len,
                             uint64_t codec);
/* The operation was never started: fn must never run. */
static inline void wasp__completion_abandon(struct wasp_completion *c) { atomic_store(&c->done, 1); }
static inline void wasp__completion_ref(struct wasp_completion *c) {
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
}
void wasp__completion_unref(struct wasp_completion *c);
/* Answers c with WASP_ETIMEDOUT after timeout_ns unless answered first
 * (WASP_ESTOPPED if the system stops first). The caller holds a reference.
 * false if no timer could be armed: then c is answered at once, with
 * WASP_ESTOPPED if the system is stopping, else WASP_ENOMEM (so no ask ever
 * waits without its bound). */
bool wasp__completion_timeout(struct wasp_completion *c, uint64_t timeout_ns);

/* A thread outside the actors blocking for an answer. */
struct wasp_wait {
    struct wasp_completion c;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    bool keep;   /* copy a WASP_OK answer's bytes (into data, malloc'd) */
    int status;
    void *data;  /* the caller may take it (and set it NULL) */
    size_t len;
};

/* A wait with one reference (the waiter's), or NULL out of memory. */
struct wasp_wait *wasp__wait_new(wasp_system *sys, bool keep);
/* The same for a wait embedded first in a larger struct: release frees
 * that struct (after wasp__wait_fini). */
void wasp__wait_init(struct wasp_wait *w, wasp_system *sys, bool keep, void (*release)(struct wasp_completion *c));
/* What a release function must do for the wait it embeds. */
void wasp__wait_fini(struct wasp_wait *w);
/* Blocks until answered; its status (WASP_ENOMEM if the bytes to keep
 * could not be copied). */
int wasp__wait_for(struct wasp_wait *w);
/* The waiter lets go (the operation may still hold references). */
static inline void wasp__wait_free(struct wasp_wait *w) { wasp__completion_unref(&w->c); }

#endif
