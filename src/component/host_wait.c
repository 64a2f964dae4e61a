/* host_wait.c - what every async import shares: a wait with two owners (the
 * completion and Wasmtime's continuation), the wake-up of the parked actor,
 * and the continuation that is done at once. */
#include "component/component.h"

void wasp__host_wait_begin(struct wasp_host_wait *w, struct wasp_cinst *ci,
                          void (*destroy)(struct wasp_host_wait *)) {
    atomic_init(&w->refs, 2);
    atomic_init(&w->done, false);
    w->ci = ci;
    w->sys = ci->sys;
    w->self = ci->self;
    w->destroy = destroy;
    ci->clock_wait = w;
}

void wasp__host_wait_release(struct wasp_host_wait *w) {
    if (atomic_fetch_sub_explicit(&w->refs, 1, memory_order_acq_rel) == 1) w->destroy(w);
}

void wasp__host_wait_complete(struct wasp_host_wait *w) {
    atomic_store_explicit(&w->done, true, memory_order_release);
    wasp_actor_wake(w->sys, w->self);
    wasp__host_wait_release(w);
}

void wasp__host_wait_finalize(void *arg) {
    struct wasp_host_wait *w = arg;
    if (w->ci && w->ci->clock_wait == w) w->ci->clock_wait = NULL;
    wasp__host_wait_release(w);
}

bool wasp__host_wait_done(const struct wasp_host_wait *w) {
    return atomic_load_explicit(&w->done, memory_order_acquire);
}

bool wasp__clock_waiting(const struct wasp_cinst *ci) {
    return ci->clock_wait && !wasp__host_wait_done(ci->clock_wait);
}
