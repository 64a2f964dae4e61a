/* host_call.c - the `call` import: request/reply that suspends the calling
 * component, never its worker thread.
 *
 * `call` is an async host function. It sends the request with wasp_ask_cb
 * and hands Wasmtime a continuation that reports "not done" until the reply
 * (or its timeout) arrives; meanwhile the handler's poll returns pending,
 * the actor parks (component_actor.c) and the worker runs other actors. The
 * completion stores the reply and wakes the actor; the next poll resumes the
 * guest inside `call`, the continuation copies the reply into the guest's
 * buffer and returns its length.
 *
 * A wait is shared by two owners - the completion (which may run on any
 * thread, even after the instance crashed) and the continuation - and is
 * freed by whichever lets go last. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "wasm/component.h"

struct wasp_call_wait {
    atomic_int refs;
    atomic_bool done;
    struct wasp_cinst *ci; /* cleared when the continuation lets go */
    wasp_system *sys;
    wasp_aid self;
    int status;
    void *reply;
    size_t reply_len;
    uint8_t *out; /* the guest's buffer: memory cannot move while its guest is suspended */
    uint32_t out_cap;
    wasmtime_val_t *result;
};

static void wait_release(void *arg) {
    struct wasp_call_wait *w = arg;
    if (atomic_fetch_sub_explicit(&w->refs, 1, memory_order_acq_rel) != 1) return;
    free(w->reply);
    free(w);
}

/* The continuation lets go (finished, or the future was dropped on a crash). */
static void wait_finalize(void *arg) {
    struct wasp_call_wait *w = arg;
    if (w->ci && w->ci->wait == w) w->ci->wait = NULL;
    wait_release(w);
}

static void on_reply(void *arg, int status, const void *data, size_t len) {
    struct wasp_call_wait *w = arg;
    if (status == WASP_OK && len) {
        w->reply = malloc(len);
        if (w->reply) {
            memcpy(w->reply, data, len);
            w->reply_len = len;
        } else {
            status = WASP_ENOMEM;
        }
    }
    w->status = status;
    atomic_store_explicit(&w->done, true, memory_order_release);
    wasp_actor_wake(w->sys, w->self);
    wait_release(w);
}

static bool wait_ready(void *arg) {
    struct wasp_call_wait *w = arg;
    if (!atomic_load_explicit(&w->done, memory_order_acquire)) return false;
    int32_t r;
    if (w->status == WASP_OK) {
        size_t n = w->reply_len < w->out_cap ? w->reply_len : w->out_cap;
        if (n) memcpy(w->out, w->reply, n);
        r = w->reply_len > INT32_MAX ? INT32_MAX : (int32_t)w->reply_len;
    } else {
        /* Only ABI codes reach the guest; a host-only failure reads as "no reply". */
        r = w->status >= WASP_ESTOPPED ? w->status : WASP_ENOREPLY;
    }
    w->result->kind = WASMTIME_I32;
    w->result->of.i32 = r;
    return true;
}

static bool immediately(void *arg) {
    (void)arg;
    return true;
}

void wasp_async_done_now(wasmtime_val_t *results, int32_t v, wasmtime_async_continuation_t *cont) {
    results[0].kind = WASMTIME_I32;
    results[0].of.i32 = v;
    cont->callback = immediately;
    cont->env = NULL;
    cont->finalizer = NULL;
}

bool wasp_call_waiting(const struct wasp_cinst *ci) {
    return ci->wait && !atomic_load_explicit(&ci->wait->done, memory_order_acquire);
}

void wasp_host_call(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                    wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap,
                    wasmtime_async_continuation_t *cont) {
    (void)env, (void)nargs, (void)nresults;
    struct wasp_cinst *ci = wasp_cinst_from_caller(caller);
    const struct wasp_component *c = ci->slot->comp;
    wasp_async_done_now(results, WASP_OK, cont);
    /* (to_ptr, to_len, msg_ptr, msg_len, out_ptr, out_cap, timeout_ms) */
    const uint8_t *msg = wasp_guest_range(caller, args[2].of.i32, args[3].of.i32, "call", trap);
    uint8_t *out = msg ? wasp_guest_range(caller, args[4].of.i32, args[5].of.i32, "call", trap) : NULL;
    if (!out) return;
    char to[256];
    int rc = wasp_guest_name(caller, args[0].of.i32, args[1].of.i32, "call", to, trap);
    if (rc == 1) return;
    uint32_t len = (uint32_t)args[3].of.i32;
    if (rc == WASP_OK && len > c->spec.limits.max_message) rc = WASP_E2BIG;
    if (rc == WASP_OK && args[6].of.i32 < 0) rc = WASP_EINVAL;
    if (rc == WASP_OK && !wasp_perm_send(c, to)) rc = WASP_EPERM;
    if (rc) {
        results[0].of.i32 = rc;
        return;
    }

    /* A wait never outlives the message's time budget: 0 (no timeout) and
     * longer timeouts are cut to what is left of max_handle_time. */
    uint64_t timeout = (uint64_t)args[6].of.i32 * 1000000u;
    uint64_t budget = c->spec.limits.max_handle_ns;
    if (!timeout || timeout > budget) timeout = budget;

    struct wasp_call_wait *w = calloc(1, sizeof(*w));
    if (!w) {
        results[0].of.i32 = WASP_EFULL;
        return;
    }
    atomic_init(&w->refs, 2);
    w->ci = ci;
    w->sys = ci->sys;
    w->self = ci->self;
    w->out = out;
    w->out_cap = (uint32_t)args[5].of.i32;
    w->result = &results[0];
    ci->wait = w;
    wasp_send_opts o = {.to_name = to, .data = msg, .len = len};
    rc = wasp_ask_cb(ci->sys, &o, timeout, on_reply, w);
    if (rc != WASP_OK) {
        ci->wait = NULL;
        free(w);
        results[0].of.i32 = rc;
        return;
    }
    cont->callback = wait_ready;
    cont->env = w;
    cont->finalizer = wait_finalize;
}
