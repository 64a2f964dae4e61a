/* completion.c - one answer to one asynchronous operation (completion.h). */
#include <stdlib.h>
#include <string.h>

#include "runtime/completion.h"
#include "runtime/system.h"
#include "runtime/timers.h"

void wasp__completion_init(struct wasp_completion *c, wasp_system *sys, wasp_reply_fn fn, void *arg,
                           void (*release)(struct wasp_completion *c)) {
    atomic_init(&c->done, 0);
    atomic_init(&c->refs, 1);
    atomic_init(&c->timer, 0);
    c->sys = sys;
    c->fn = fn;
    c->arg = arg;
    c->release = release;
    c->reply_codec = NULL;
    c->remote_codec = 0;
}

struct wasp_completion *wasp__completion_new(wasp_system *sys, wasp_reply_fn fn, void *arg) {
    struct wasp_completion *c = malloc(sizeof(*c));
    if (c) wasp__completion_init(c, sys, fn, arg, NULL);
    return c;
}

bool wasp__completion_finish(struct wasp_completion *c, int status, const void *data, size_t len,
                             uint64_t codec) {
    if (atomic_exchange_explicit(&c->done, 1, memory_order_acq_rel)) return false;
    if (c->reply_codec) *c->reply_codec = status == WASP_OK ? codec : 0;
    c->fn(c->arg, status, data, len);
    uint64_t t = atomic_exchange_explicit(&c->timer, 0, memory_order_acq_rel);
    if (t && status != WASP_ETIMEDOUT) wasp__timers_cancel(c->sys->timers, t);
    return true;
}

void wasp__completion_unref(struct wasp_completion *c) {
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1) return;
    if (c->release) c->release(c);
    else free(c);
}

/* ---- timeouts ---------------------------------------------------------------- */

static void timeout_fire(void *arg) {
    struct wasp_completion *c = arg;
    wasp__completion_finish(c, WASP_ETIMEDOUT, NULL, 0, 0);
    wasp__completion_unref(c);
}

static void timeout_drop(void *arg) {
    struct wasp_completion *c = arg;
    wasp__completion_finish(c, WASP_ESTOPPED, NULL, 0, 0); /* no-op when cancelled by an answer */
    wasp__completion_unref(c);
}

bool wasp__completion_timeout(struct wasp_completion *c, uint64_t timeout_ns) {
    /* The answer may be in already; then the timer fires into an answered
     * completion and only drops its reference. The caller's reference keeps
     * c valid until the timer's id is stored. */
    wasp__completion_ref(c); /* the timer's */
    uint64_t t = wasp__timers_schedule(c->sys->timers, timeout_ns, timeout_fire, timeout_drop, c);
    if (t) {
        atomic_store(&c->timer, t);
        return true;
    }
    wasp__completion_unref(c);
    /* Without its timer an ask whose answer never comes would wait forever:
     * answer it now (a reply that comes later finds it answered). */
    wasp__completion_finish(c, wasp__timers_stopping(c->sys->timers) ? WASP_ESTOPPED : WASP_ENOMEM,
                            NULL, 0, 0);
    return false;
}

/* ---- blocking waits ------------------------------------------------------------ */

static void wait_answer(void *arg, int status, const void *data, size_t len) {
    struct wasp_wait *w = arg;
    void *copy = NULL;
    if (w->keep && status == WASP_OK) {
        copy = malloc(len ? len : 1);
        if (copy) memcpy(copy, data, len);
        else status = WASP_ENOMEM;
    }
    pthread_mutex_lock(&w->mu);
    w->status = status;
    w->data = copy;
    w->len = len;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void wasp__wait_fini(struct wasp_wait *w) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->data);
}

static void wait_release(struct wasp_completion *c) {
    wasp__wait_fini((struct wasp_wait *)c);
    free(c);
}

void wasp__wait_init(struct wasp_wait *w, wasp_system *sys, bool keep, void (*release)(struct wasp_completion *c)) {
    wasp__completion_init(&w->c, sys, wait_answer, w, release);
    w->done = false;
    w->keep = keep;
    w->status = 0;
    w->data = NULL;
    w->len = 0;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

struct wasp_wait *wasp__wait_new(wasp_system *sys, bool keep) {
    struct wasp_wait *w = malloc(sizeof(*w));
    if (w) wasp__wait_init(w, sys, keep, wait_release);
    return w;
}

int wasp__wait_for(struct wasp_wait *w) {
    pthread_mutex_lock(&w->mu);
    while (!w->done) pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return w->status;
}
