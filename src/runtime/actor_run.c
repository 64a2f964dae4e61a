/* actor_run.c - the actor's run loop: one step of an actor its caller owns,
 * called by a worker (the scheduler's run function) for each actor it picks.
 *
 * A step takes runtime events before messages, up to WASP_BATCH envelopes,
 * and acts on what the handler returned: YIELD requeues the actor, PARK
 * parks it until woken, ECRASH crashes it, DROP makes the message a dead
 * letter, STOP ends it. Between envelopes it honours stop, kill and retire
 * requests, and a message whose TTL passed in the mailbox is a dead letter,
 * never handled. When the mailbox is empty the actor releases its run
 * ownership (wasp__actor_release). A handler may also take the following
 * messages itself, within one call (wasp__ctx_next, ext.h): the same checks
 * run before each. */
#include "core/clock.h"
#include "runtime/actor_table.h"
#include "runtime/actor.h"
#include "runtime/dead_letters.h"
#include "runtime/envelope.h"
#include "runtime/events.h"
#include "runtime/ext.h"
#include "runtime/scheduler.h"

#define WASP_BATCH 64

/* The next message whose payload is at most max_len bytes, past those whose
 * TTL ran out in the mailbox (dead letters), or NULL. */
static struct wasp_env *take_message(struct wasp_actor *a, size_t max_len) {
    for (;;) {
        struct wasp_env *e = wasp__mailbox_pop_fit(&a->mb, max_len);
        if (!e || !e->deadline || e->deadline > wasp_clock_ns()) return e;
        wasp__dead_letter(a->sys, a, e, WASP_ETIMEDOUT);
    }
}

/* e becomes the message in hand. */
static void hold(struct wasp_actor *a, struct wasp_env *e) {
    a->cur = e;
    a->replied = false;
    atomic_store_explicit(&a->parkw, WASP_PW_RUN, memory_order_relaxed);
}

static void msg_of(const struct wasp_env *e, wasp_msg *m) {
    m->data = e->data;
    m->len = e->len;
    m->sender = e->sender;
    m->topic = e->blob ? e->blob->topic : NULL;
    m->corr = e->corr;
    m->status = e->status;
    m->flags = e->flags;
    m->sender_name = e->sender_name;
    m->codec = e->codec;
}

/* The message in hand was handled with result rc (0, a handler error or WASP_STOP). */
static void handled(struct wasp_actor *a, struct wasp_env *e, int rc) {
    a->cur = NULL;
    WASP_BUMP(a->handled);
    if (rc != 0 && rc != WASP_STOP) WASP_BUMP(a->errors);
    wasp__env_free(e);
}

/* A handler result that ends its message like a return would, and lets the
 * step go on: 0 or a handler error. */
static bool plain_result(int rc) { return rc == 0 || (rc < 0 && rc != WASP_ECRASH); }

bool wasp__ctx_next(wasp_ctx *ctx, int result, size_t max_len) {
    struct wasp_actor *a = ctx ? ctx->a : NULL;
    if (!a || !ctx->inhand || !a->cur || a->cur->kind != WASP_ENV_USER || !plain_result(result)) return false;
    /* What the run loop would see before the next message: requests to
     * act on, runtime events first, and the batch's end when others wait. */
    if (atomic_load_explicit(&a->stop_req, memory_order_relaxed) || atomic_load(&a->kill_req) ||
        atomic_load_explicit(&a->retire_req, memory_order_relaxed))
        return false;
    if (atomic_load(&a->mb.evlen) || (a->on_event && atomic_load(&a->events_lost))) return false;
    if (*ctx->taken + 1 >= WASP_BATCH && wasp__sched_others_waiting(a->sys)) return false;
    struct wasp_env *next = take_message(a, max_len);
    if (!next) return false;
    handled(a, a->cur, result);
    *ctx->taken = *ctx->taken + 1 >= WASP_BATCH ? 0 : *ctx->taken + 1;
    hold(a, next);
    msg_of(next, ctx->inhand);
    return true;
}

void wasp__actor_run(struct wasp_runnable *rq) {
    struct wasp_actor *a = wasp__actor_of(rq);
    int n = 0;
    struct wasp_ctx ctx = {a->sys, a, NULL, NULL, &n};
    struct wasp_ctx *prev = wasp__tls_ctx;
    wasp__tls_ctx = &ctx;
    wasp_msg m;
    for (;;) {
        int stop = atomic_load_explicit(&a->stop_req, memory_order_relaxed);
        if (stop) {
            wasp__tls_ctx = prev;
            wasp__actor_terminate(a, stop - 1);
            return;
        }
        if (atomic_load_explicit(&a->kill_req, memory_order_relaxed)) { /* wasp_actor_kill */
            wasp__tls_ctx = prev;
            wasp__actor_crash(a);
            return;
        }
        int retire = atomic_load_explicit(&a->retire_req, memory_order_relaxed);
        if (retire && !a->cur) { /* between messages: the one in hand is finished first */
            wasp__tls_ctx = prev;
            wasp__actor_retire_now(a, retire - 1);
            return;
        }
        if (n == WASP_BATCH) {
            if (!wasp__sched_others_waiting(a->sys)) {
                n = 0; /* nothing else to run: a new batch without a trip through the queue */
            } else {
                wasp__actor_schedule(a, true);
                break;
            }
        }
        struct wasp_env *e = a->cur;
        if (!e && ((e = wasp__event_take_lost(a)) || (e = wasp__mailbox_pop_event(&a->mb)))) {
            /* runtime events first */
            a->cur = e;
            atomic_store_explicit(&a->parkw, WASP_PW_RUN, memory_order_relaxed);
        }
        if (!e) {
            if (!(e = take_message(a, SIZE_MAX))) {
                wasp__tls_ctx = prev;
                wasp__actor_release(a);
                return;
            }
            hold(a, e);
        }
        if (e->kind == WASP_ENV_EVENT) { /* never a message: not counted */
            int rc = wasp__event_dispatch(&ctx, a, e);
            if (rc == WASP_YIELD && !atomic_load(&a->kill_req)) {
                wasp__actor_schedule(a, true);
                break;
            }
            if (rc == WASP_ECRASH || rc == WASP__FAIL_SHUTDOWN) {
                wasp__tls_ctx = prev;
                if (rc == WASP_ECRASH) wasp__actor_crash(a);
                else wasp__actor_retire_now(a, WASP_EXIT_SHUTDOWN);
                return;
            }
            if (rc == WASP__STOP_SHUTDOWN) { /* we own it: the loop top terminates it */
                int r;
                (void)wasp__actor_stop_begin(a, WASP_EXIT_SHUTDOWN, &r);
            }
            n++;
            continue;
        }
        msg_of(e, &m);
        ctx.msg = ctx.inhand = &m;
        int rc = a->handle(&ctx, &m);
        ctx.msg = ctx.inhand = NULL;
        e = a->cur; /* the handler may have moved on to later messages (wasp__ctx_next) */
        /* a kill lands at the end of this handler call, even mid-message */
        if ((rc == WASP_YIELD || rc == WASP_PARK) && atomic_load(&a->kill_req)) rc = WASP_ECRASH;
        if (rc == WASP_YIELD) {
            wasp__actor_schedule(a, true);
            break;
        }
        if (rc == WASP_PARK) {
            wasp__actor_park(a);
            break;
        }
        if (rc == WASP_ECRASH) {
            wasp__tls_ctx = prev;
            wasp__actor_crash(a);
            return;
        }
        if (rc == WASP_DROP) { /* undeliverable: a dead letter, not a handled message */
            a->cur = NULL;
            wasp__dead_letter(a->sys, a, e, WASP_ENOREPLY);
            n++;
            continue;
        }
        handled(a, e, rc);
        n++;
        if (rc == WASP_STOP) {
            int r; /* we own it already: the loop top terminates (or retires) it */
            if (a->supervised) atomic_store(&a->retire_req, 1 + WASP_EXIT_NORMAL);
            else (void)wasp__actor_stop_begin(a, WASP_EXIT_NORMAL, &r);
        }
    }
    wasp__tls_ctx = prev;
}
