/* component_actor.c - the actor hooks every component actor runs on.
 *
 *   started  instantiate through the module's InstancePre, subscribe, join
 *            the pool, run `_initialize` then `_start`; or, for a module
 *            whose instantiation runs nothing (wasp__component_lazy), only
 *            reserve a pool slot: the instance is made at the first message
 *            (or health probe), so an idle actor holds no store
 *   handle   one message = `wasp_alloc(len)`, copy, `handle-message(ptr,len)`
 *            (a message that fits the guest's registered inbox skips
 *            `wasp_alloc`; a guest that calls `next_message` handles the
 *            messages queued behind it in the same call)
 *            (a component: `handle-message(list<u8>)`, the shim copies),
 *            each an async call polled one time slice per run step: an
 *            unfinished slice returns WASP_YIELD (back of the run queue), a
 *            pending `call` returns WASP_PARK (woken by the reply), and so
 *            does a wait in WASI (a clock, a file operation: woken when it
 *            is over, or when the time budget runs out)
 *   stopped  `_cleanup` bounded by stop_timeout on a graceful stop, then
 *            the store and instance are freed
 * A trap, running out of fuel or past max_handle_time returns WASP_ECRASH:
 * the runtime fails the actor (keeping name and mailbox) and its supervisor
 * restarts it with a fresh instance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "runtime/ext.h"
#include "runtime/name_cache.h"

/* Every memory and table of the store; host_quota.c's timer bytes are
 * added on read. */
static void note_memory(struct wasp_cinst *ci) {
    uint64_t held = wasp__instance_held_bytes(ci->inst);
    if (held == ci->noted_bytes && ci->noted) return; /* unchanged: leave the slot's line alone */
    atomic_store_explicit(&ci->slot->memory_bytes, held, memory_order_relaxed);
    ci->noted_bytes = held;
    ci->noted = true;
}

static void wake_actor(void *sys, uint64_t aid) { wasp_actor_wake(sys, (wasp_aid)aid); }

/* A component's lifecycle hook standing for a core module's export. */
static uint32_t cm_hook(const char *name) {
    return !strcmp(name, "_start") ? WASP_CM_START : !strcmp(name, "_cleanup") ? WASP_CM_CLEANUP : UINT32_MAX;
}

/* Runs an optional export to completion on this thread (start, cleanup).
 * WASP_ENOENT if absent. A pending `call` inside it is waited for politely. */
int wasp__cinst_run_export(struct wasp_cinst *ci, const char *name, struct wasp_error *err) {
    int rc;
    int32_t ignored; /* written when the call finishes: lives as long as the polling below */
    if (ci->is_cm) {
        rc = wasp__instance_cm_begin(ci->inst, cm_hook(name), name, NULL, 0, &ignored);
        if (rc == WASP_ENOENT) return rc;
    } else {
        wasmtime_func_t f;
        rc = wasp__instance_func(ci->inst, name, NULL, &f, err); /* the ABI check saw its type */
        if (rc != WASP_OK) return rc;
        rc = wasp__instance_call_begin(ci->inst, &f, name, NULL, 0, NULL, 0);
    }
    if (rc != WASP_OK) return wasp__error_set(err, rc, "`%s`: cannot start call", name);
    ci->in_export = true;
    while ((rc = wasp__instance_call_poll(ci->inst, err)) == WASP_CALL_PENDING) {
        if (!wasp__instance_waiting(ci->inst)) continue; /* a time slice ended */
        if (!wasp__instance_budget_left(ci->inst)) {
            rc = wasp__instance_call_expire(ci->inst, err);
            break;
        }
        /* A storage write (the only wait allowed here) wakes the actor, not
         * the waker: look again soon. */
        wasp__instance_wait(ci->inst, wasp__host_waiting(ci) ? 1000000 : UINT64_MAX);
    }
    ci->in_export = false;
    return rc;
}

struct wasp_name_cache *wasp__cinst_names(struct wasp_cinst *ci) {
    if (!ci->names) ci->names = calloc(1, sizeof(*ci->names));
    return ci->names;
}

void wasp__cinst_free(struct wasp_cinst *ci) {
    if (!ci) return;
    if (ci->inst) {
        note_memory(ci);
        wasp__instance_free(ci->inst); /* drops a pending `call` wait too */
        atomic_fetch_sub(&ci->slot->live, 1);
    }
    if (ci->pool_reserved) wasp__engine_pool_release(wasp__module_engine(ci->module));
    if (ci->module) wasp__module_release(ci->module);
    free(ci->names);
    free(ci);
}

static int start_fail(wasp_ctx *ctx, struct wasp_cinst *ci, int rc, const char *fmt, const char *what) {
    wasp__cslot_fail(ci->slot, WASP_LOG_ERROR, fmt, what);
    wasp_ctx_set_state(ctx, ci->slot);
    wasp__cinst_free(ci);
    return rc;
}

/* An incarnation without its instance yet (*out set even on failure). */
static int cinst_alloc(struct wasp_cslot *sl, struct wasp_module *m, wasp_system *sys, wasp_aid self,
                       struct wasp_cinst **out, char *why, size_t cap) {
    struct wasp_component *c = sl->comp;
    struct wasp_cinst *ci = calloc(1, sizeof(*ci));
    *out = ci;
    if (!ci) return snprintf(why, cap, "out of memory"), WASP_ENOMEM;
    ci->slot = sl;
    ci->sys = sys;
    ci->self = self;
    ci->module = wasp__module_retain(m);
    if (c->spec.storage.granted && !c->kv)
        return snprintf(why, cap, "storage is granted but the system has no store (a data directory)"), WASP_ESTATE;
    return WASP_OK;
}

int wasp__cinst_instantiate(struct wasp_cinst *ci, char *why, size_t cap) {
    if (ci->inst) return WASP_OK;
    struct wasp_cslot *sl = ci->slot;
    struct wasp_component *c = sl->comp;
    struct wasp_module *m = ci->module;
    wasi_config_t *wasi = NULL;
    if (c->spec.permissions.wasi && !(wasi = wasp__component_wasi(c, why, cap))) return WASP_ELINK;
    struct wasp_instance_limits lim = {
        .memory_bytes = c->spec.limits.memory,
        .fuel = c->spec.limits.fuel,
        .timeslice_ns = c->spec.limits.timeslice_ns,
        .max_call_ns = c->spec.limits.max_handle_ns,
        .wasi_handles = c->spec.limits.files,
        .wake = wake_actor,
        .wake_sys = ci->sys,
        .wake_aid = ci->self,
        .pool_reserved = ci->pool_reserved,
    };
    ci->pool_reserved = false; /* passed to the instance, also if it fails */
    struct wasp_error err = {0};
    ci->in_export = true; /* a start section cannot park either */
    int rc = wasp__instance_new(m, &lim, wasi, ci, &ci->inst, &err);
    ci->in_export = false;
    if (rc != WASP_OK) return snprintf(why, cap, "%s", err.msg), rc;
    atomic_fetch_add(&sl->instantiations, 1);
    atomic_fetch_add(&sl->live, 1);
    wasp__component_instantiated(c, m);
    const struct wasp_abi_info *abi = wasp__module_abi(m);
    ci->receives = abi->receives;
    ci->is_cm = wasp__module_component(m) != NULL; /* components are called through the shim */
    /* The module's ABI check saw these exports' types: no second check. */
    if (!ci->is_cm &&
        ((abi->receives && (wasp__instance_func(ci->inst, "wasp_alloc", NULL, &ci->f_alloc, &err) ||
                            wasp__instance_func(ci->inst, "handle-message", NULL, &ci->f_handle, &err))) ||
         (abi->has_health && wasp__instance_func(ci->inst, "_health", NULL, &ci->f_health, &err))))
        return snprintf(why, cap, "%s", err.msg), WASP_EABI;
    return WASP_OK;
}

int wasp__cinst_new(struct wasp_cslot *sl, struct wasp_module *m, wasp_system *sys, wasp_aid self,
                    struct wasp_cinst **out, char *why, size_t cap) {
    int rc = cinst_alloc(sl, m, sys, self, out, why, cap);
    return rc == WASP_OK ? wasp__cinst_instantiate(*out, why, cap) : rc;
}

int wasp__cinst_new_lazy(struct wasp_cslot *sl, struct wasp_module *m, wasp_system *sys, wasp_aid self,
                         struct wasp_cinst **out, char *why, size_t cap) {
    int rc = cinst_alloc(sl, m, sys, self, out, why, cap);
    if (rc != WASP_OK) return rc;
    /* Its slot now, so that the first message does not find the pool full. */
    struct wasp_error err = {0};
    rc = wasp__engine_pool_reserve(wasp__module_engine(m), &err);
    if (rc != WASP_OK) return snprintf(why, cap, "%s", err.msg), rc;
    (*out)->pool_reserved = true;
    return WASP_OK;
}

int wasp__cinst_init(struct wasp_cinst *ci, char *why, size_t cap) {
    static const char *const init[] = {"_initialize", "_start"};
    const struct wasp_abi_info *abi = wasp__module_abi(ci->module);
    const bool present[] = {abi->has_initialize, abi->has_start};
    for (int i = 0; i < 2; i++) {
        if (!present[i]) continue;
        struct wasp_error err = {0};
        int rc = wasp__cinst_run_export(ci, init[i], &err);
        if (rc != WASP_OK && rc != WASP_ENOENT) return snprintf(why, cap, "%s", err.msg), rc;
    }
    if (ci->inst) note_memory(ci);
    return WASP_OK;
}

int wasp__cactor_started(wasp_ctx *ctx) {
    struct wasp_cslot *sl = wasp_ctx_state(ctx);
    struct wasp_component *c = sl->comp;
    struct wasp_cinst *ci = NULL;
    char why[512];
    struct wasp_module *m = wasp__component_module(c);
    int rc = (wasp__component_lazy(c, m) ? wasp__cinst_new_lazy : wasp__cinst_new)(
        sl, m, wasp_ctx_system(ctx), wasp_ctx_self(ctx), &ci, why, sizeof(why));
    wasp__module_release(m);
    /* A new actor in the slot (not a restart) starts without subscriptions. */
    if (ci && atomic_exchange(&sl->aid, ci->self) != ci->self) atomic_store(&sl->subscriptions, 0);
    if (rc != WASP_OK) {
        if (!ci) return rc;
        return start_fail(ctx, ci, rc, "start failed: %s", why);
    }

    for (size_t i = 0; i < c->spec.nsubscribe; i++) {
        rc = wasp__quota_subscribe(ci, c->subscribe[i]);
        if (rc != WASP_OK)
            return start_fail(ctx, ci, rc, "start failed: cannot subscribe to %s", c->subscribe[i]);
    }
    if (c->spec.instances > 1) {
        rc = wasp_pool_add(ci->sys, c->name, ci->self);
        if (rc != WASP_OK && rc != WASP_EEXIST)
            return start_fail(ctx, ci, rc, "start failed: cannot join pool %s", c->name);
    }
    wasp_ctx_set_state(ctx, ci);
    rc = wasp__cinst_init(ci, why, sizeof(why));
    if (rc != WASP_OK) return start_fail(ctx, ci, rc, "start failed: %s", why);
    return WASP_OK;
}

void wasp__cactor_stopped(wasp_ctx *ctx, int reason) {
    struct wasp_cinst *ci = wasp_ctx_state(ctx);
    if (ci->inst && wasp__instance_call_active(ci->inst)) {
        wasp__instance_call_abort(ci->inst);
        ci->phase = CPHASE_IDLE;
    }
    if (reason != WASP_EXIT_CRASH) wasp__cinst_cleanup(ci, "stopping anyway");
    wasp_ctx_set_state(ctx, ci->slot);
    wasp__cinst_free(ci);
}

void wasp__cinst_cleanup(struct wasp_cinst *ci, const char *then) {
    if (ci->faulted || !ci->inst || !wasp__module_abi(ci->module)->has_cleanup) return; /* lazy: never has one */
    struct wasp_error err = {0};
    wasp__instance_set_max_call(ci->inst, ci->slot->comp->spec.stop_timeout_ns);
    int rc = wasp__cinst_run_export(ci, "_cleanup", &err);
    if (rc != WASP_OK) wasp_log(ci->sys, WASP_LOG_WARN, ci->slot->name, "%s (%s)", err.msg, then);
}

/* ---- messages ----------------------------------------------------------------- */

/* Starts export f (a core module's) or which (a component's: with msg). */
static int begin_any(struct wasp_cinst *ci, const wasmtime_func_t *f, uint32_t which, const wasp_msg *msg,
                     const char *name, size_t nargs, enum wasp_cphase phase) {
    int rc;
    if (ci->is_cm) {
        ci->res[0] = (wasmtime_val_t){.kind = WASMTIME_I32};
        rc = wasp__instance_cm_begin(ci->inst, which, name, msg ? msg->data : NULL, msg ? msg->len : 0,
                                    &ci->res[0].of.i32);
    } else {
        rc = wasp__instance_call_begin(ci->inst, f, name, ci->args, nargs, ci->res, 1);
    }
    if (rc != WASP_OK) {
        wasp__cslot_fail(ci->slot, WASP_LOG_ERROR, "crashed: `%s`: cannot start call", name);
        ci->faulted = true;
        return WASP_ECRASH;
    }
    ci->phase = phase;
    ci->budget_alarm = false;
    return WASP_OK;
}

static int begin(struct wasp_cinst *ci, const wasmtime_func_t *f, const char *name, size_t nargs,
                 enum wasp_cphase phase) {
    return begin_any(ci, f, 0, NULL, name, nargs, phase);
}

/* Copies the payload to guest address ptr (from `wasp_alloc` or the inbox,
 * named by `from`) and starts handle-message. */
static int deliver_at(struct wasp_cinst *ci, const wasp_msg *msg, uint32_t ptr, const char *from) {
    size_t size = 0;
    uint8_t *mem = wasp__instance_memory(ci->inst, &size);
    if (!mem || (uint64_t)ptr + msg->len > size) {
        ci->phase = CPHASE_IDLE;
        ci->faulted = true;
        wasp__cslot_fail(ci->slot, WASP_LOG_ERROR, "crashed: `%s` gave [%u, +%zu) outside linear memory", from, ptr,
                         msg->len);
        return WASP_ECRASH;
    }
    if (msg->len) memcpy(mem + ptr, msg->data, msg->len);
    ci->args[0] = (wasmtime_val_t){.kind = WASMTIME_I32, .of.i32 = (int32_t)ptr};
    ci->args[1] = (wasmtime_val_t){.kind = WASMTIME_I32, .of.i32 = (int32_t)msg->len};
    return begin(ci, &ci->f_handle, "handle-message", 2, CPHASE_HANDLE);
}

/* Starts work on a new message: WASP_OK with a call running (phase set), or
 * the message's final result (phase still idle). */
static int accept(struct wasp_cinst *ci, const wasp_msg *msg) {
    struct wasp_cslot *sl = ci->slot;
    if (!ci->receives) {
        wasp_log(ci->sys, WASP_LOG_WARN, sl->name, "cannot receive messages (no `handle-message`): dead letter");
        return WASP_DROP;
    }
    if (msg->len > sl->comp->spec.limits.max_message) {
        wasp_log(ci->sys, WASP_LOG_WARN, sl->name, "message of %zu bytes is over limits.max_message: dead letter",
                 msg->len);
        return WASP_DROP;
    }
    /* A component takes the message by value: the canonical ABI allocates. */
    if (ci->is_cm) return begin_any(ci, NULL, WASP_CM_HANDLE, msg, "handle-message", 0, CPHASE_HANDLE);
    /* It fits the registered inbox: one guest call instead of two. */
    if (ci->inbox_cap && msg->len <= ci->inbox_cap) return deliver_at(ci, msg, ci->inbox_ptr, "inbox");
    ci->args[0] = (wasmtime_val_t){.kind = WASMTIME_I32, .of.i32 = (int32_t)msg->len};
    return begin(ci, &ci->f_alloc, "wasp_alloc", 1, CPHASE_ALLOC);
}

/* wasp_alloc finished: a refusal, or the address to deliver at. */
static int deliver(struct wasp_cinst *ci, const wasp_msg *msg) {
    uint32_t ptr = (uint32_t)ci->res[0].of.i32;
    if (ptr == 0) {
        ci->phase = CPHASE_IDLE;
        wasp_log(ci->sys, WASP_LOG_WARN, ci->slot->name, "wasp_alloc(%zu) returned 0: dead letter", msg->len);
        return WASP_DROP;
    }
    return deliver_at(ci, msg, ptr, "wasp_alloc");
}

/* handle-message's result r for the message in hand: 0, or a handler
 * error (logged and counted; the actor goes on). */
static int handler_result(struct wasp_cinst *ci, int32_t r) {
    if (r == 0) return 0;
    wasp_log(ci->sys, WASP_LOG_WARN, ci->slot->name, "`handle-message` returned error %d", r);
    return WASP_EHANDLER;
}

/* Notes where the next message's hop reads first (wasp__instance_note_hot),
 * this component's lines included, while it is all at hand. */
static void note_hot(struct wasp_cinst *ci) {
    const void *mine[4] = {ci->slot, ci->names ? ci->names->last : NULL};
    size_t n = 2, size = 0;
    uint8_t *mem = ci->inbox_cap ? wasp__instance_memory(ci->inst, &size) : NULL;
    if (mem) {
        mine[n++] = mem + ci->inbox_ptr;
        mine[n++] = mem;
    }
    wasp__instance_note_hot(ci->inst, mine, n);
}

/* A call finished with result rc (WASP_OK or an error) in phase ci->phase. */
static int finished(struct wasp_cinst *ci, const wasp_msg *msg, int rc, const struct wasp_error *err) {
    enum wasp_cphase phase = ci->phase;
    if (rc != WASP_OK) {
        ci->phase = CPHASE_IDLE;
        ci->faulted = true;
        wasp__cslot_fail(ci->slot, WASP_LOG_ERROR, "crashed: %s", err->msg);
        return WASP_ECRASH;
    }
    if (phase == CPHASE_ALLOC) return deliver(ci, msg);
    ci->phase = CPHASE_IDLE;
    note_memory(ci);
    note_hot(ci);
    return handler_result(ci, ci->res[0].of.i32);
}

int32_t wasp__cactor_next(struct wasp_cinst *ci, wasmtime_context_t *cx, int32_t result, uint8_t *buf,
                          uint32_t cap) {
    if (ci->is_cm || ci->in_export || ci->phase != CPHASE_HANDLE || !ci->msg) return -1;
    uint64_t max = ci->slot->comp->spec.limits.max_message; /* a larger one is a dead letter, as always */
    if (!wasp__ctx_next(wasp_ctx_current(), result ? WASP_EHANDLER : 0, cap < max ? cap : (size_t)max)) return -1;
    (void)handler_result(ci, result);
    if (ci->msg->len) memcpy(buf, ci->msg->data, ci->msg->len);
    wasp__instance_call_rearm(ci->inst, cx);
    return (int32_t)ci->msg->len;
}

/* The end of the time budget wakes an actor parked in WASI. */
struct budget_alarm {
    wasp_system *sys;
    wasp_aid self;
};

static void alarm_fire(void *arg) {
    struct budget_alarm *a = arg;
    wasp_actor_wake(a->sys, a->self);
    free(a);
}

/* The guest waits in WASI (a clock, a file operation): park until the
 * waker or the end of the time budget, whichever comes first; past the
 * budget the call ends (WASP_EINTERRUPT). Returns WASP_CALL_PENDING to park. */
static int wasi_wait(struct wasp_cinst *ci, struct wasp_error *err) {
    uint64_t left = wasp__instance_budget_left(ci->inst);
    if (!left) {
        ci->wasi_wait = false;
        return wasp__instance_call_expire(ci->inst, err);
    }
    ci->wasi_wait = true;
    if (!ci->budget_alarm && left != UINT64_MAX) {
        struct budget_alarm *a = malloc(sizeof(*a));
        if (a) *a = (struct budget_alarm){ci->sys, ci->self};
        /* Not armed (out of memory, the system stopping): polled again at once. */
        ci->budget_alarm = a && wasp__system_timer(ci->sys, left, alarm_fire, free, a);
        if (a && !ci->budget_alarm) free(a);
        if (!ci->budget_alarm) ci->wasi_wait = false;
    }
    return WASP_CALL_PENDING;
}

/* A lazy incarnation's instance, made now: false (and the incarnation
 * crashed) if it cannot be made. */
static bool instantiate_now(struct wasp_cinst *ci) {
    char why[512];
    if (wasp__cinst_instantiate(ci, why, sizeof(why)) == WASP_OK) return true;
    ci->faulted = true;
    wasp__cslot_fail(ci->slot, WASP_LOG_ERROR, "crashed: instantiating: %s", why);
    return false;
}

int wasp__cactor_handle(wasp_ctx *ctx, const wasp_msg *msg) {
    struct wasp_cinst *ci = wasp_ctx_state(ctx);
    int rc;
    if (!ci->inst && !instantiate_now(ci)) return WASP_ECRASH;
    if (ci->phase == CPHASE_IDLE) {
        wasp__instance_prefetch(ci->inst);
        rc = accept(ci, msg);
        if (rc != WASP_OK || ci->phase == CPHASE_IDLE) return rc; /* settled without a call */
    }
    ci->msg = msg; /* what sender/topic/reply answer while the guest runs */
    for (;;) {
        struct wasp_error err = {0};
        rc = wasp__instance_call_poll(ci->inst, &err);
        ci->wasi_wait = false;
        if (rc == WASP_CALL_PENDING && wasp__instance_waiting(ci->inst) && !wasp__host_waiting(ci))
            rc = wasi_wait(ci, &err);
        if (rc == WASP_CALL_PENDING) {
            rc = wasp__host_waiting(ci) || ci->wasi_wait ? WASP_PARK : WASP_YIELD;
            break;
        }
        rc = finished(ci, msg, rc, &err);
        if (rc != WASP_OK || ci->phase == CPHASE_IDLE) break;
    }
    ci->msg = NULL;
    return rc;
}

/* ---- health ------------------------------------------------------------------ */

/* The health hook: the runtime calls it for a supervisor's probe (a runtime
 * event, between messages), so `_health` runs like a handler - one time
 * slice per call, WASP_HEALTH_PENDING until it returns. A trap or a result outside
 * the ABI's values is unhealthy; without `_health` a served probe is healthy. */
int wasp__cactor_health(wasp_ctx *ctx) {
    struct wasp_cinst *ci = wasp_ctx_state(ctx);
    if (!wasp__module_abi(ci->module)->has_health) return WASP_HEALTH_HEALTHY; /* a lazy one stays lazy */
    if (!ci->inst && !instantiate_now(ci)) return WASP_HEALTH_UNHEALTHY;
    if (ci->phase == CPHASE_IDLE &&
        begin_any(ci, &ci->f_health, WASP_CM_HEALTH, NULL, ci->is_cm ? "check-health" : "_health", 0,
                  CPHASE_HEALTH) != WASP_OK)
        return WASP_HEALTH_UNHEALTHY;
    struct wasp_error err = {0};
    int rc = wasp__instance_call_poll(ci->inst, &err);
    if (rc == WASP_CALL_PENDING) return WASP_HEALTH_PENDING;
    ci->phase = CPHASE_IDLE;
    if (rc != WASP_OK) {
        wasp_log(ci->sys, WASP_LOG_WARN, ci->slot->name, "`_health` failed: %s", err.msg);
        return WASP_HEALTH_UNHEALTHY;
    }
    int32_t r = ci->res[0].of.i32;
    return r >= WASP_HEALTH_HEALTHY && r <= WASP_HEALTH_UNHEALTHY ? r : WASP_HEALTH_UNHEALTHY;
}
