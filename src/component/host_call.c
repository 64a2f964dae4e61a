/* host_call.c - the `call` import: request/reply that suspends the calling
 * component, never its worker thread.
 *
 * `call` is an async host function. It sends the request with wasp__ask,
 * answered through the wait's completion (host_wait.c), and hands Wasmtime
 * a continuation that reports "not done" until the reply
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

#include "component/host_ops.h"
#include "runtime/ext.h"

struct wasp_call_wait {
    struct wasp_host_wait base; /* the reply, its tag */
    /* Core modules: the guest's buffer (memory cannot move while its guest is
     * suspended) and the result slot. */
    uint8_t *out;
    uint32_t out_cap;
    uint8_t *codec_out; /* call_tagged: where the reply's tag goes (8 bytes) */
    int32_t *result;    /* in the import's future, which outlives the wait's continuation */
};

bool wasp__call_wait_done(struct wasp_call_wait *w, int *status, const uint8_t **reply, size_t *len,
                          uint64_t *codec) {
    const struct wasp_host_wait *b = &w->base;
    if (!wasp__host_wait_done(b)) return false;
    *codec = b->status == WASP_OK ? b->reply_codec : 0;
    /* Only ABI codes reach the guest; a host-only failure reads as "no reply". */
    *status = b->status == WASP_OK ? WASP_OK : wasp__abi_code(b->status, WASP_ENOREPLY);
    *reply = b->reply;
    *len = b->reply_len;
    return true;
}

struct wasp_call_wait *wasp__op_call(struct wasp_cinst *ci, const char *to, const uint8_t *msg, size_t len,
                                    int64_t timeout_ms, int64_t codec, int *rc) {
    const struct wasp_component *c = ci->slot->comp;
    *rc = WASP_OK;
    if (len > c->spec.limits.max_message) *rc = WASP_E2BIG;
    else if (timeout_ms < 0 || timeout_ms > INT32_MAX || codec < 0) *rc = WASP_EINVAL;
    else if (!wasp__perm_send(c, to)) *rc = wasp__op_denied_send(ci, "call", to);
    /* _start and _cleanup run to completion on the thread that starts or
     * stops the actor: they cannot park, and waiting there would hold that
     * thread (maybe the only worker). docs/ABI.md: EPERM. */
    else if (ci->in_export) *rc = WASP_EPERM;
    if (*rc) return NULL;

    /* A wait never outlives the message's time budget: 0 (no timeout) and
     * longer timeouts are cut to what is left of max_handle_time. */
    uint64_t timeout = (uint64_t)timeout_ms * 1000000u;
    uint64_t budget = wasp__instance_budget_left(ci->inst);
    if (!budget) budget = 1;
    if (!timeout || timeout > budget) timeout = budget;

    struct wasp_call_wait *w = wasp__host_wait_new(ci, sizeof(*w), true);
    if (!w) {
        *rc = WASP_EFULL;
        return NULL;
    }
    wasp_send_opts o = {.to_name = to, .data = msg, .len = len, .codec = (uint64_t)codec,
                        .reply_codec = &w->base.reply_codec};
    *rc = wasp__ask(ci->sys, &o, timeout, &w->base.c, wasp__cinst_names(ci));
    if (*rc != WASP_OK) {
        *rc = wasp__abi_code(*rc, WASP_EFULL);
        wasp__host_wait_finalize(w);
        return NULL;
    }
    return w;
}

/* ---- the core-module import ---- */

static bool wait_ready(void *arg) {
    struct wasp_call_wait *w = arg;
    int status;
    const uint8_t *reply;
    size_t len;
    uint64_t codec;
    if (!wasp__call_wait_done(w, &status, &reply, &len, &codec)) return false;
    int32_t r = status;
    if (status == WASP_OK) {
        size_t n = len < w->out_cap ? len : w->out_cap;
        if (n) memcpy(w->out, reply, n);
        r = len > INT32_MAX ? INT32_MAX : (int32_t)len;
    }
    if (w->codec_out)
        for (int i = 0; i < 8; i++) w->codec_out[i] = (uint8_t)(codec >> (8 * i));
    *w->result = r;
    return true;
}

static bool immediately(void *arg) {
    (void)arg;
    return true;
}

void wasp__async_done_now(wasmtime_val_t *results, int32_t v, wasmtime_async_continuation_t *cont) {
    results[0].kind = WASMTIME_I32;
    results[0].of.i32 = v;
    cont->callback = immediately;
    cont->env = NULL;
    cont->finalizer = NULL;
}

/* `call` (7 arguments) and `call_tagged` (9: + codec: i64, codec_out_ptr),
 * each i32 argument widened to i64 by the shim. */
void wasp__host_call(void *env, wasmtime_caller_t *caller, const int64_t *args, size_t nargs, int32_t *result,
                    wasm_trap_t **trap, wasmtime_async_continuation_t *cont) {
    (void)env;
    bool tagged = nargs == 9;
    const char *import = tagged ? "call_tagged" : "call";
    int32_t a[7];
    for (int i = 0; i < 7; i++) a[i] = (int32_t)args[i];
    *result = WASP_OK; /* the continuation the shim made reports done at once */
    /* (to_ptr, to_len, msg_ptr, msg_len, out_ptr, out_cap, timeout_ms[, codec, codec_out_ptr]) */
    const uint8_t *msg = wasp__guest_range(caller, a[2], a[3], import, trap);
    uint8_t *out = msg ? wasp__guest_range(caller, a[4], a[5], import, trap) : NULL;
    uint8_t *codec_out = out && tagged ? wasp__guest_range(caller, (int32_t)args[8], 8, import, trap) : NULL;
    if (!out || (tagged && !codec_out)) return;
    char to[256];
    int rc = wasp__guest_name(caller, a[0], a[1], import, to, trap);
    if (rc == 1) return;
    struct wasp_call_wait *w = NULL;
    if (rc == WASP_OK) w = wasp__op_call(wasp__cinst_from_caller(caller), to, msg, (uint32_t)a[3], a[6],
                                        tagged ? args[7] : 0, &rc);
    if (!w) {
        *result = rc;
        return;
    }
    w->out = out;
    w->out_cap = (uint32_t)a[5];
    w->codec_out = codec_out;
    w->result = result;
    cont->callback = wait_ready;
    cont->env = w;
    cont->finalizer = wasp__host_wait_finalize;
}
