/* actor_run.c - the actor's run loop: one step of an actor its caller owns,
 * called by a worker (the scheduler's run function) for each actor it picks.
 *
 * A step takes runtime events before messages, up to WASP_BATCH envelopes,
 * and acts on what the handler returned: YIELD requeues the actor, PARK
 * parks it until woken, ECRASH crashes it, DROP makes the message a dead
 * letter, STOP ends it. Between envelopes it honours stop, kill and retire
 * requests, and a message whose TTL passed in the mailbox is a dead letter,
 * never handled. When the mailbox is empty the actor releases its run
 * ownership (wasp__actor_release). */
#include "core/clock.h"
#include "runtime/actor_table.h"
#include "runtime/actor.h"
#include "runtime/dead_letters.h"
#include "runtime/envelope.h"
#include "runtime/events.h"
#include "runtime/scheduler.h"

#define WASP_BATCH 64

void wasp__actor_run(struct wasp_runnable *rq) {
    struct wasp_actor *a = wasp__actor_of(rq);
    struct wasp_ctx ctx = {a->sys, a, NULL};
    struct wasp_ctx *prev = wasp__tls_ctx;
    wasp__tls_ctx = &ctx;
    wasp_msg m;
    int n = 0;
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
            for (;;) {
                e = wasp__mailbox_pop(&a->mb);
                if (!e || !e->deadline || e->deadline > wasp_clock_ns()) break;
                wasp__dead_letter(a->sys, a, e, WASP_ETIMEDOUT); /* TTL expired */
            }
            if (!e) {
                wasp__tls_ctx = prev;
                wasp__actor_release(a);
                return;
            }
            a->cur = e;
            a->replied = false;
            atomic_store_explicit(&a->parkw, WASP_PW_RUN, memory_order_relaxed);
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
        m.data = e->data;
        m.len = e->len;
        m.sender = e->sender;
        m.topic = e->blob ? e->blob->topic : NULL;
        m.corr = e->corr;
        m.status = e->status;
        m.flags = e->flags;
        m.sender_name = e->sender_name;
        m.codec = e->codec;
        ctx.msg = &m;
        int rc = a->handle(&ctx, &m);
        ctx.msg = NULL;
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
        a->cur = NULL;
        if (rc == WASP_DROP) { /* undeliverable: a dead letter, not a handled message */
            wasp__dead_letter(a->sys, a, e, WASP_ENOREPLY);
            n++;
            continue;
        }
        WASP_BUMP(a->handled);
        if (rc != 0 && rc != WASP_STOP) WASP_BUMP(a->errors);
        wasp__env_free(e);
        n++;
        if (rc == WASP_STOP) {
            int r; /* we own it already: the loop top terminates (or retires) it */
            if (a->supervised) atomic_store(&a->retire_req, 1 + WASP_EXIT_NORMAL);
            else (void)wasp__actor_stop_begin(a, WASP_EXIT_NORMAL, &r);
        }
    }
    wasp__tls_ctx = prev;
}
