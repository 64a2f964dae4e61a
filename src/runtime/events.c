/* events.c - the runtime's own channel (events.h). */
#include <stdlib.h>
#include <string.h>

#include "runtime/actor_table.h"
#include "runtime/completion.h"
#include "runtime/delivery.h"
#include "runtime/events.h"
#include "runtime/ext.h"
#include "runtime/system.h"
#include "runtime/timers.h"

static struct wasp_env *event_new(int type, const void *data, size_t len) {
    struct wasp_env *e = wasp__env_new_copy(data, len);
    if (!e) return NULL;
    e->kind = WASP_ENV_EVENT;
    e->type = (uint8_t)type;
    return e;
}

/* The one WASP_EVT_LOST envelope, shared: it carries nothing. */
static struct wasp_env lost_env = {.kind = WASP_ENV_EVENT, .type = WASP_EVT_LOST, .data = "", .len = 0};

struct wasp_env *wasp__event_take_lost(struct wasp_actor *a) {
    if (!a->on_event || !atomic_load_explicit(&a->events_lost, memory_order_relaxed)) return NULL;
    return atomic_exchange(&a->events_lost, false) ? &lost_env : NULL;
}

/* An event for `to` could not be made or queued: owe it a WASP_EVT_LOST. */
static void note_lost(wasp_system *sys, wasp_aid to) {
    struct wasp_actor *a = wasp__actor_get(sys, to);
    if (!a) return;
    atomic_store(&a->events_lost, true); /* seq_cst: as evlen (wake-up protocol) */
    wasp__schedule_if_idle(a, NULL);
    wasp__actor_unref(a);
}

/* The payload of a WASP_EVT_RUN event. */
struct run_event {
    int (*fn)(wasp_ctx *ctx, void *arg);
    void (*drop)(void *arg);
    void *arg;
};

static struct run_event run_of(const struct wasp_env *e) {
    struct run_event r = {0};
    if (e->len == sizeof(r)) memcpy(&r, e->data, sizeof(r));
    return r;
}

void wasp__event_discard(struct wasp_env *e) {
    if (!e || e == &lost_env) return;
    if (e->type == WASP_EVT_RUN) {
        struct run_event r = run_of(e);
        if (r.drop) r.drop(r.arg);
    }
    wasp__env_free_status(e, WASP_ESTOPPED);
}

/* Queues e for a and schedules a if idle. On error e is still the caller's. */
static int deliver_event(struct wasp_actor *a, struct wasp_env *e) {
    int rc = wasp__mailbox_push_event(&a->mb, e);
    if (rc == WASP_OK) wasp__schedule_if_idle(a, NULL);
    return rc;
}

static int send_env(wasp_system *sys, wasp_aid to, struct wasp_env *e) {
    struct wasp_actor *a = wasp__actor_get(sys, to);
    int rc = a ? deliver_event(a, e) : WASP_ENOENT;
    if (a) wasp__actor_unref(a);
    return rc;
}

/* At most one probe per actor is queued or in hand: one that hangs (it is
 * timed out and, at last, killed) must not leave a backlog of probes that
 * would keep the actor from its messages after its restart. */
static int send_probe(wasp_system *sys, wasp_aid to, struct wasp_env *e) {
    struct wasp_actor *a = wasp__actor_get(sys, to);
    if (!a) return WASP_ENOENT;
    int rc = WASP_OK;
    if (!atomic_exchange(&a->probe_busy, true)) {
        rc = deliver_event(a, e);
        if (rc) atomic_store(&a->probe_busy, false);
    } else {
        wasp__env_free(e); /* coalesced: its timeout answers for it */
    }
    wasp__actor_unref(a);
    return rc;
}

int wasp__event_send(wasp_system *sys, wasp_aid to, int type, const void *data, size_t len) {
    struct wasp_env *e = event_new(type, data, len);
    int rc = !e ? WASP_ENOMEM : type == WASP_EVT_PROBE ? send_probe(sys, to, e) : send_env(sys, to, e);
    if (rc) wasp__env_free(e);
    if (rc == WASP_ENOMEM && type == WASP_EVT_CALL) note_lost(sys, to);
    return rc;
}

int wasp__actor_exec(wasp_system *sys, wasp_aid to, int (*fn)(wasp_ctx *ctx, void *arg), void (*drop)(void *arg),
                     void *arg) {
    struct run_event r = {fn, drop, arg};
    struct wasp_env *e = event_new(WASP_EVT_RUN, &r, sizeof(r));
    if (!e) return WASP_ENOMEM;
    int rc = send_env(sys, to, e);
    if (rc) wasp__env_free(e);
    return rc;
}

struct event_timer {
    wasp_system *sys;
    wasp_aid to;
    struct wasp_env *e;
};

static void event_timer_fire(void *arg) {
    struct event_timer *t = arg;
    int rc = send_env(t->sys, t->to, t->e);
    if (rc) wasp__event_discard(t->e);
    if (rc == WASP_ENOMEM) note_lost(t->sys, t->to);
    free(t);
}

static void event_timer_drop(void *arg) {
    struct event_timer *t = arg;
    wasp__event_discard(t->e);
    free(t);
}

int wasp__event_after(wasp_system *sys, wasp_aid to, int type, const void *data, size_t len,
                      uint64_t delay_ns, uint64_t *timer) {
    if (atomic_load(&sys->state) >= WASP_SYS_STOPPED || !sys->timers) return WASP_ESTOPPED;
    struct event_timer *t = malloc(sizeof(*t));
    struct wasp_env *e = t ? event_new(type, data, len) : NULL;
    if (!e) {
        free(t);
        return WASP_ENOMEM;
    }
    *t = (struct event_timer){sys, to, e};
    uint64_t id = wasp__timers_schedule(sys->timers, delay_ns, event_timer_fire, event_timer_drop, t);
    if (!id) {
        wasp__env_free(e);
        free(t);
        return WASP_ESTOPPED;
    }
    if (timer) *timer = id;
    return WASP_OK;
}

int wasp__event_ask(wasp_system *sys, wasp_aid to, int type, const void *data, size_t len) {
    if (wasp__tls_ctx || wasp__on_worker(sys)) return WASP_ESTATE;
    struct wasp_wait *w = wasp__wait_new(sys, false);
    struct wasp_env *e = w ? event_new(type, data, len) : NULL;
    if (!e) {
        if (w) wasp__wait_free(w);
        return WASP_ENOMEM;
    }
    wasp__completion_ref(&w->c);
    e->completion = &w->c; /* the envelope's reference */
    int rc = send_env(sys, to, e);
    if (rc) {
        wasp__completion_abandon(&w->c); /* never queued: nobody answers */
        wasp__env_free(e);
        if (rc == WASP_ENOENT) rc = WASP_ESTOPPED;
    } else {
        rc = wasp__wait_for(w);
    }
    wasp__wait_free(w);
    return rc;
}

void wasp__event_reply(const struct wasp_event *ev, int status) {
    if (ev->completion) wasp__completion_finish(ev->completion, status, NULL, 0, 0);
}

struct wasp_completion *wasp__event_defer(const struct wasp_event *ev) {
    if (!ev->env) return NULL;
    struct wasp_completion *c = ev->env->completion;
    ev->env->completion = NULL;
    return c;
}

/* A probe: the health hook answers (an actor without one is healthy as soon
 * as it serves the probe); the result goes to the supervisor as an event. */
static int dispatch_probe(wasp_ctx *ctx, struct wasp_actor *a, const struct wasp_env *e) {
    int result = WASP_HEALTH_HEALTHY;
    if (a->health) {
        result = a->health(ctx);
        if (result == WASP_HEALTH_PENDING) return WASP_YIELD;
        if (result < WASP_HEALTH_HEALTHY || result > WASP_HEALTH_UNHEALTHY)
            result = WASP_HEALTH_UNHEALTHY;
    }
    atomic_store(&a->probe_busy, false);
    struct wasp_probe p;
    if (e->len != sizeof(p)) return 0;
    memcpy(&p, e->data, sizeof(p));
    if (p.report) (void)p.report(a->sys, p.sup, p.token, result);
    return 0;
}

int wasp__event_dispatch(wasp_ctx *ctx, struct wasp_actor *a, struct wasp_env *e) {
    int rc = 0;
    if (e == &lost_env) {
        struct wasp_event ev = {WASP_EVT_LOST, e->data, 0, NULL, NULL};
        rc = a->on_event(ctx, &ev);
        if (rc != WASP_YIELD) a->cur = NULL;
        return rc;
    }
    if (e->type == WASP_EVT_PROBE) {
        rc = dispatch_probe(ctx, a, e);
    } else if (e->type == WASP_EVT_RUN) {
        struct run_event r = run_of(e);
        if (r.fn) rc = r.fn(ctx, r.arg) == WASP_ECRASH ? WASP_ECRASH : 0;
    } else if (a->on_event) {
        struct wasp_event ev = {e->type, e->data, e->len, e->completion, e};
        rc = a->on_event(ctx, &ev);
    }
    if (rc == WASP_YIELD) return rc;
    a->cur = NULL;
    wasp__env_free(e); /* an unanswered ask learns WASP_ENOREPLY */
    return rc;
}
