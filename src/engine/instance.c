/* instance.c - one store and one instance with limits; async calls polled
 * one time slice at a time; traps and budget overruns become wasp errors.
 *
 * Calls are polled with a waker (shim.h): a poll that ends pending without
 * a time slice ending is a wait for something outside the guest (a WASI
 * clock or file operation), and the waker tells when it is over. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "engine/core_shim.h"
#include "engine/engine_private.h"
#include "engine/shim.h"

#define MAX_VALS 8
#define TYPED_MAX 6 /* exports with a typed handle per instance */

#define HOT_MAX 12        /* wasp__instance_note_hot's own addresses */
#define HOT_EXTRA 4       /* and the caller's */
#define STACK_BELOW_HINT 1024 /* fiber stack a send uses below the import's frame */

struct wasp_instance {
    /* First, so that one miss brings them: what the next call reads first. */
    const void *hot[HOT_MAX + HOT_EXTRA];
    uint8_t nhot;
    const void *stack_hint; /* the last host import's frame, on the store's fiber stack */
    struct wasp_module *module;
    struct wasp_engine *engine;
    wasmtime_store_t *store;
    wasmtime_context_t *ctx;
    wasmtime_instance_t instance; /* a core module's, or */
    wasp_cm_instance *cm;         /* a component's */
    bool pool_held;               /* counted in the engine's pool_used */
    wasmtime_memory_t memory;
    bool has_memory;
    const wasp_store_held *held; /* bytes of every memory and table in the store */
    /* The memory's base and size as of held bytes mem_held: a memory moves
     * or changes size only by growing, which changes held bytes, so these
     * stay valid until then (spares the store's lookups at every message). */
    uint8_t *mem_base;
    size_t mem_size;
    uint64_t mem_held;
    bool mem_known;
    const wasp_waker *waker;
    bool waiting;                /* the last poll ended waiting outside the guest */
    void *user;
    struct wasp_instance_limits lim;
    uint64_t slice_ticks;

    /* The call in progress. Wasmtime reads func/args and writes results
     * through these pointers until the future is deleted, so they live here. */
    wasmtime_call_future_t *future;
    wasm_trap_t *trap;
    wasmtime_error_t *error;
    wasmtime_func_t func;
    wasmtime_val_t args[MAX_VALS];
    wasmtime_val_t results[MAX_VALS];
    wasmtime_val_t *results_out;
    size_t nresults;
    int32_t cm_result, *cm_out; /* a component call's result and where it goes */
    const char *call_name;
    uint64_t call_started_ns;    /* valid once call_stamped (call_start) */
    bool call_stamped;
    bool interrupted;

    /* Typed handles of the exports called so far, made on first use (a
     * NULL typed: not a shape core_shim.h offers; the checked path then).
     * Allocated with the first call, so an idle instance does not pay. */
    struct typed_export {
        wasmtime_func_t func;
        uint8_t nargs, nresults;
        wasp_core_typed *typed;
    } *typed;
    int ntyped;
};

/* The typed handle for a call of f with these values, or NULL. Every
 * message calls the same one or two exports: a short list is enough. */
static wasp_core_typed *typed_for(struct wasp_instance *inst, const wasmtime_func_t *f, const wasmtime_val_t *args,
                                  size_t nargs, size_t nresults) {
    if (nargs > 2 || nresults > 1) return NULL;
    for (size_t i = 0; i < nargs; i++)
        if (args[i].kind != WASMTIME_I32) return NULL;
    for (int i = 0; i < inst->ntyped; i++) {
        struct typed_export *t = &inst->typed[i];
        if (t->func.store_id == f->store_id && t->func.__private == f->__private && t->nargs == nargs &&
            t->nresults == nresults)
            return t->typed;
    }
    if (inst->ntyped == TYPED_MAX) return NULL;
    if (!inst->typed && !(inst->typed = calloc(TYPED_MAX, sizeof(*inst->typed)))) return NULL;
    struct typed_export *t = &inst->typed[inst->ntyped++];
    *t = (struct typed_export){*f, (uint8_t)nargs, (uint8_t)nresults, NULL};
    t->typed = wasp_core_typed_new(inst->ctx, f, (uint32_t)nargs, (uint32_t)nresults);
    return t->typed;
}

/* The call's start for its time budget, read from the clock the first time
 * a budget is checked: a call (or a message taken with next_message) that
 * ends within its first time slice - nearly all - never reads the clock.
 * The first check comes at the latest when that slice ends (or at the first
 * wait), so the start is at most about a slice late: the budget may end that
 * much later, never earlier. */
static uint64_t call_start(struct wasp_instance *inst) {
    if (!inst->call_stamped) {
        inst->call_started_ns = wasp_clock_ns();
        inst->call_stamped = true;
    }
    return inst->call_started_ns;
}

/* Called by Wasmtime when the epoch passes the deadline: yield to the poller
 * for another slice, or end a call that has used up its time budget. */
static wasmtime_error_t *on_deadline(wasmtime_context_t *ctx, void *data, uint64_t *delta,
                                     wasmtime_update_deadline_kind_t *kind) {
    (void)ctx;
    struct wasp_instance *inst = data;
    uint64_t start = inst->lim.max_call_ns ? call_start(inst) : 0; /* before the clock read below */
    if (inst->lim.max_call_ns && wasp_clock_ns() - start > inst->lim.max_call_ns) {
        inst->interrupted = true;
        return wasmtime_error_new("time budget exceeded");
    }
    *delta = inst->slice_ticks;
    *kind = WASMTIME_UPDATE_DEADLINE_YIELD;
    return NULL;
}

static void refuel(struct wasp_instance *inst, wasmtime_context_t *cx) {
    if (!inst->engine->cfg.fuel) return;
    uint64_t fuel = inst->lim.fuel ? inst->lim.fuel : UINT64_MAX;
    wasmtime_error_t *we = wasmtime_context_set_fuel(cx, fuel);
    if (we) wasmtime_error_delete(we); /* cannot fail with fuel enabled */
}

void wasp__instance_call_rearm(struct wasp_instance *inst, wasmtime_context_t *cx) {
    inst->call_stamped = false;
    refuel(inst, cx);
}

/* Arms the per-call budgets: fuel, first slice deadline, start time. */
static void arm(struct wasp_instance *inst, const char *name) {
    inst->call_name = name;
    inst->interrupted = false;
    inst->trap = NULL;
    inst->error = NULL;
    inst->call_stamped = false;
    refuel(inst, inst->ctx);
    wasmtime_context_set_epoch_deadline(inst->ctx, inst->slice_ticks);
}

static void free_outcome(struct wasp_instance *inst) {
    if (inst->trap) wasm_trap_delete(inst->trap);
    if (inst->error) wasmtime_error_delete(inst->error);
    inst->trap = NULL;
    inst->error = NULL;
}

/* Turns a finished future's outcome into a wasp result. */
static int outcome(struct wasp_instance *inst, struct wasp_error *err) {
    int rc = WASP_OK;
    const char *name = inst->call_name ? inst->call_name : "call";
    if (inst->interrupted && (inst->trap || inst->error)) {
        /* free_outcome below drops the trap or error */
        rc = wasp__error_set(err, WASP_EINTERRUPT, "`%s`: ran past its time budget of %llu ms", name,
                            (unsigned long long)(inst->lim.max_call_ns / 1000000));
    } else if (inst->trap) {
        rc = wasp__error_from_trap(err, inst->trap, name);
        inst->trap = NULL;
    } else if (inst->error) {
        /* Host-function traps and other runtime failures arrive as errors. */
        rc = wasp__error_from_call(err, WASP_ETRAP, inst->error, name);
        inst->error = NULL;
    } else if (inst->results_out) {
        memcpy(inst->results_out, inst->results, inst->nresults * sizeof(wasmtime_val_t));
    } else if (inst->cm_out) {
        *inst->cm_out = inst->cm_result;
    }
    /* WASI's handle table is full: say which limit (wasp__instance_new). */
    if (rc != WASP_OK && err && strstr(err->msg, "resource table has no free keys"))
        wasp__error_set(err, rc, "`%s`: holds more WASI files, directories and streams than limits.files", name);
    free_outcome(inst);
    return rc;
}

/* Tables are host memory too, also without pooling: all of them together
 * may hold at most an eighth of the memory limit (8-byte elements). */
static int64_t table_elements_max(const struct wasp_instance_limits *l) {
    uint64_t n = l->memory_bytes ? l->memory_bytes / 8 / 8 / WASP_ABI_TABLES_MAX : 1u << 20;
    return n < 1024 ? 1024 : n > (1u << 20) ? 1 << 20 : (int64_t)n;
}

static int finish(struct wasp_instance *inst, unsigned *polls, struct wasp_error *err);

uint64_t wasp__instance_held_bytes(const struct wasp_instance *inst) { return wasp_store_held_bytes(inst->held); }

void wasp__instance_note_hot(struct wasp_instance *inst, const void *const *extra, size_t nextra) {
    const struct typed_export *t = inst->typed;
    const char *store = (const char *)inst->ctx; /* the store's first lines: its state, its limits */
    const void *hot[HOT_MAX + HOT_EXTRA] = {
        &inst->future, &inst->args[0], &inst->results[0], t, inst->ntyped > 0 ? t[0].typed : NULL,
        inst->ntyped > 1 ? t[1].typed : NULL, store, store + 64, store + 128, store + 192, inst->held, inst->waker};
    size_t n = HOT_MAX;
    for (size_t i = 0; i < nextra && i < HOT_EXTRA; i++) hot[n++] = extra[i];
    inst->nhot = 0;
    for (size_t i = 0; i < n; i++)
        if (hot[i]) inst->hot[inst->nhot++] = hot[i];
}

void wasp__instance_prefetch(const struct wasp_instance *inst) {
    for (unsigned i = 0; i < inst->nhot; i++) __builtin_prefetch(inst->hot[i], 1);
    if (!inst->stack_hint) return;
    /* From below the import's frame (where the host side of a send goes
     * on) to the top of the stack: the page boundary above it, since a
     * hop's frames fit in one page. */
    uintptr_t line = ((uintptr_t)inst->stack_hint & ~(uintptr_t)63) - STACK_BELOW_HINT;
    uintptr_t top = ((uintptr_t)inst->stack_hint + 4095) & ~(uintptr_t)4095;
    for (; line < top; line += 64) __builtin_prefetch((const void *)line, 1);
}

static void ignore_wake(void *sys, uint64_t aid) { (void)sys, (void)aid; }

int wasp__instance_new(struct wasp_module *m, const struct wasp_instance_limits *lim, wasi_config_t *wasi,
                      void *user, struct wasp_instance **out, struct wasp_error *err) {
    bool reserved = lim && lim->pool_reserved;
    int rc = m && out ? WASP_OK : wasp__error_set(err, WASP_EINVAL, "invalid argument");
    struct wasp_engine *e = m ? m->engine : NULL;
    struct wasp_instance_limits l = lim ? *lim : (struct wasp_instance_limits){0};
    if (l.timeslice_ns == 0) l.timeslice_ns = 2000000;
    if (rc == WASP_OK && l.fuel && !e->cfg.fuel)
        rc = wasp__error_set(err, WASP_EINVAL, "fuel limit set but the engine was created without fuel");
    if (rc == WASP_OK) rc = wasp__module_prepare(m, wasi != NULL, err);
    if (rc == WASP_OK && !reserved && (rc = wasp__engine_pool_reserve(e, err)) == WASP_OK) reserved = true;
    struct wasp_instance *inst = rc == WASP_OK ? calloc(1, sizeof(*inst)) : NULL;
    if (rc == WASP_OK && !inst) rc = wasp__error_set(err, WASP_ENOMEM, "out of memory");
    if (rc != WASP_OK) {
        if (wasi) wasi_config_delete(wasi);
        if (reserved && e) wasp__engine_pool_release(e);
        return rc;
    }
    inst->pool_held = true;
    inst->module = wasp__module_retain(m);
    inst->engine = e;
    inst->user = user;
    inst->lim = l;
    inst->slice_ticks = (l.timeslice_ns + e->tick_ns - 1) / e->tick_ns;
    if (inst->slice_ticks == 0) inst->slice_ticks = 1;
    inst->store = wasmtime_store_new(e->engine, inst, NULL);
    if (!inst->store) {
        if (wasi) wasi_config_delete(wasi);
        wasp__instance_free(inst);
        return wasp__error_set(err, WASP_ENOMEM, "cannot create store");
    }
    inst->ctx = wasmtime_store_context(inst->store);
    /* A component is several core instances (its code, the WASI adapter,
     * shims) with a few tables and up to two memories, each memory capped. */
    bool cm = m->component != NULL;
    inst->held = wasp_store_limiter(inst->store, l.memory_bytes ? (int64_t)l.memory_bytes : -1, table_elements_max(&l),
                                    cm ? 16 : 1, cm ? 16 : 4, cm ? 4 : 1);
    inst->waker = wasp_waker_new(l.wake ? l.wake : ignore_wake, l.wake_sys, l.wake_aid, wasi != NULL || cm);
    wasmtime_store_epoch_deadline_callback(inst->store, on_deadline, inst, NULL);
    if (wasi && m->component && !m->abi.imports_wasi) {
        /* Linked without WASI: a context would never be used. */
        wasi_config_delete(wasi);
        wasi = NULL;
    }
    if (wasi) {
        wasmtime_error_t *we = wasmtime_context_set_wasi(inst->ctx, wasi);
        if (we) {
            wasp__instance_free(inst);
            return wasp__error_from_wasmtime(err, WASP_ELINK, we, "configuring WASI");
        }
        wasp_wasi_limit_handles(inst->ctx, l.wasi_handles ? l.wasi_handles : WASP_LIMIT_FILES_DEFAULT);
    }

    /* Instantiation runs the module's start section: same budgets as a call. */
    arm(inst, "instantiate");
    if (m->component)
        inst->future = wasp_cm_instantiate(m->cm_pre, inst->ctx, &inst->cm, &inst->trap, &inst->error);
    else
        inst->future = wasmtime_instance_pre_instantiate_async(wasp__module_pre(m, wasi != NULL), inst->ctx,
                                                               &inst->instance, &inst->trap, &inst->error);
    inst->results_out = NULL;
    inst->nresults = 0;
    inst->cm_out = NULL;
    rc = finish(inst, NULL, err);
    if (rc != WASP_OK) {
        wasp__instance_free(inst);
        return rc;
    }
    wasmtime_extern_t item;
    if (!m->component && wasmtime_instance_export_get(inst->ctx, &inst->instance, "memory", 6, &item)) {
        if (item.kind == WASMTIME_EXTERN_MEMORY) {
            inst->memory = item.of.memory;
            inst->has_memory = true;
        }
        wasmtime_extern_delete(&item);
    }
    *out = inst;
    return WASP_OK;
}

void wasp__instance_free(struct wasp_instance *inst) {
    if (!inst) return;
    wasp__instance_call_abort(inst);
    wasp_cm_instance_delete(inst->cm);
    for (int i = 0; i < inst->ntyped; i++) wasp_core_typed_delete(inst->typed[i].typed);
    free(inst->typed);
    if (inst->store) wasmtime_store_delete(inst->store);
    wasp__module_release(inst->module);
    wasp_waker_delete(inst->waker);
    if (inst->pool_held) wasp__engine_pool_release(inst->engine);
    free(inst);
}

void *wasp__instance_user(const struct wasp_instance *inst) { return inst->user; }

struct wasp_instance *wasp__instance_from_caller(wasmtime_caller_t *caller) {
    struct wasp_instance *inst = wasmtime_context_get_data(wasmtime_caller_context(caller));
    inst->stack_hint = __builtin_frame_address(0); /* on the store's fiber stack (wasp__instance_note_hot) */
    return inst;
}

wasmtime_context_t *wasp__instance_context(struct wasp_instance *inst) { return inst->ctx; }

struct wasp_module *wasp__instance_module(const struct wasp_instance *inst) { return inst->module; }

int wasp__instance_func(struct wasp_instance *inst, const char *name, const char *sig, wasmtime_func_t *out,
                       struct wasp_error *err) {
    if (inst->cm) return wasp__error_set(err, WASP_ENOENT, "export `%s`: a component has no core exports", name);
    wasmtime_extern_t item;
    if (!wasmtime_instance_export_get(inst->ctx, &inst->instance, name, strlen(name), &item))
        return wasp__error_set(err, WASP_ENOENT, "export `%s` is missing", name);
    int rc = WASP_OK;
    if (item.kind != WASMTIME_EXTERN_FUNC) {
        rc = wasp__error_set(err, WASP_EABI, "export `%s` is not a function", name);
    } else if (!sig) {
        *out = item.of.func;
    } else {
        wasm_functype_t *ft = wasmtime_func_type(inst->ctx, &item.of.func);
        if (!wasp__abi_functype_is(ft, sig)) {
            char have[64];
            wasp__abi_functype_sig(ft, have, sizeof(have));
            rc = wasp__error_set(err, WASP_EABI, "export `%s` has signature %s, expected %s", name, have, sig);
        } else {
            *out = item.of.func;
        }
        wasm_functype_delete(ft);
    }
    wasmtime_extern_delete(&item);
    return rc;
}

uint8_t *wasp__instance_memory(struct wasp_instance *inst, size_t *len) {
    return wasp__instance_memory_in(inst, inst->ctx, len);
}

uint8_t *wasp__instance_memory_in(struct wasp_instance *inst, wasmtime_context_t *ctx, size_t *len) {
    if (!inst->has_memory) {
        *len = 0;
        return NULL;
    }
    uint64_t held = wasp_store_held_bytes(inst->held);
    if (!inst->mem_known || held != inst->mem_held) {
        inst->mem_size = wasmtime_memory_data_size(ctx, &inst->memory);
        inst->mem_base = wasmtime_memory_data(ctx, &inst->memory);
        inst->mem_held = held;
        inst->mem_known = true;
    }
    *len = inst->mem_size;
    return inst->mem_base;
}

void wasp__instance_set_max_call(struct wasp_instance *inst, uint64_t max_call_ns) {
    inst->lim.max_call_ns = max_call_ns;
}

uint64_t wasp__instance_max_call(const struct wasp_instance *inst) { return inst->lim.max_call_ns; }

uint64_t wasp__instance_budget_left(struct wasp_instance *inst) {
    if (!inst->lim.max_call_ns) return UINT64_MAX;
    uint64_t start = call_start(inst);
    uint64_t used = wasp_clock_ns() - start;
    return used >= inst->lim.max_call_ns ? 0 : inst->lim.max_call_ns - used;
}

void wasp__instance_mark_interrupted(struct wasp_instance *inst) { inst->interrupted = true; }

int wasp__instance_call_begin(struct wasp_instance *inst, const wasmtime_func_t *func, const char *name,
                             const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults) {
    if (inst->future) return WASP_ESTATE;
    if (nargs > MAX_VALS || nresults > MAX_VALS) return WASP_EINVAL;
    inst->func = *func;
    if (nargs) memcpy(inst->args, args, nargs * sizeof(*args));
    inst->results_out = results;
    inst->nresults = nresults;
    inst->cm_out = NULL;
    arm(inst, name);
    wasp_core_typed *typed = typed_for(inst, func, args, nargs, nresults);
    if (typed) {
        inst->results[0] = (wasmtime_val_t){.kind = WASMTIME_I32};
        inst->future = wasp_core_typed_call(typed, inst->ctx, nargs > 0 ? args[0].of.i32 : 0,
                                            nargs > 1 ? args[1].of.i32 : 0, &inst->results[0].of.i32, &inst->trap,
                                            &inst->error);
    } else {
        inst->future = wasmtime_func_call_async(inst->ctx, &inst->func, inst->args, nargs, inst->results, nresults,
                                                &inst->trap, &inst->error);
    }
    return inst->future ? WASP_OK : WASP_ENOMEM;
}

int wasp__instance_call_poll(struct wasp_instance *inst, struct wasp_error *err) {
    if (!inst->future) return wasp__error_set(err, WASP_ESTATE, "no call in progress");
    wasp__engine_call_enter(inst->engine);
    int state = wasp_future_poll(inst->future, inst->waker);
    wasp__engine_call_leave(inst->engine);
    inst->waiting = state == WASP_POLL_WAITING;
    if (state != WASP_POLL_READY) return WASP_CALL_PENDING;
    wasmtime_call_future_delete(inst->future);
    inst->future = NULL;
    return outcome(inst, err);
}

void wasp__instance_call_abort(struct wasp_instance *inst) {
    if (!inst->future) return;
    wasmtime_call_future_delete(inst->future);
    inst->future = NULL;
    free_outcome(inst);
}

bool wasp__instance_call_active(const struct wasp_instance *inst) { return inst->future != NULL; }

bool wasp__instance_waiting(const struct wasp_instance *inst) { return inst->future && inst->waiting; }

int wasp__instance_call_expire(struct wasp_instance *inst, struct wasp_error *err) {
    const char *name = inst->call_name ? inst->call_name : "call";
    wasp__instance_call_abort(inst);
    return wasp__error_set(err, WASP_EINTERRUPT, "`%s`: ran past its time budget of %llu ms (waiting in WASI)", name,
                           (unsigned long long)(inst->lim.max_call_ns / 1000000));
}

bool wasp__instance_wait(struct wasp_instance *inst, uint64_t max_ns) {
    uint64_t left = wasp__instance_budget_left(inst);
    return wasp_waker_wait(inst->waker, left < max_ns ? left : max_ns);
}

/* Polls the call to its end on this thread; a wait outside the guest
 * blocks the thread until it is over or the time budget is. */
static int finish(struct wasp_instance *inst, unsigned *polls, struct wasp_error *err) {
    int rc;
    unsigned n = 0;
    while (n++, (rc = wasp__instance_call_poll(inst, err)) == WASP_CALL_PENDING) {
        if (!inst->waiting) continue;
        if (!wasp__instance_budget_left(inst)) {
            rc = wasp__instance_call_expire(inst, err);
            break;
        }
        wasp__instance_wait(inst, UINT64_MAX);
    }
    if (polls) *polls = n;
    return rc;
}

int wasp__instance_call(struct wasp_instance *inst, const wasmtime_func_t *func, const char *name,
                       const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults,
                       unsigned *polls, struct wasp_error *err) {
    int rc = wasp__instance_call_begin(inst, func, name, args, nargs, results, nresults);
    if (rc != WASP_OK) return wasp__error_set(err, rc, "`%s`: cannot start call", name);
    return finish(inst, polls, err);
}

int wasp__instance_call_export(struct wasp_instance *inst, const char *name, const char *sig,
                              const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults,
                              struct wasp_error *err) {
    wasmtime_func_t f;
    int rc = wasp__instance_func(inst, name, sig, &f, err);
    if (rc != WASP_OK) return rc;
    return wasp__instance_call(inst, &f, name, args, nargs, results, nresults, NULL, err);
}

bool wasp__instance_cm_has(const struct wasp_instance *inst, uint32_t which) {
    return inst->cm && wasp_cm_instance_has(inst->cm, which);
}

int wasp__instance_cm_begin(struct wasp_instance *inst, uint32_t which, const char *name, const uint8_t *msg,
                           size_t len, int32_t *result) {
    if (inst->future) return WASP_ESTATE;
    if (!wasp__instance_cm_has(inst, which)) return WASP_ENOENT;
    inst->results_out = NULL;
    inst->nresults = 0;
    inst->cm_result = 0;
    inst->cm_out = result;
    arm(inst, name);
    inst->future = wasp_cm_call(inst->cm, inst->ctx, which, msg, len, &inst->cm_result, &inst->trap, &inst->error);
    return inst->future ? WASP_OK : WASP_ENOMEM;
}

int wasp__instance_cm_call(struct wasp_instance *inst, uint32_t which, const char *name, int32_t *result,
                          struct wasp_error *err) {
    int rc = wasp__instance_cm_begin(inst, which, name, NULL, 0, result);
    if (rc == WASP_ENOENT) return wasp__error_set(err, rc, "export `%s` is missing", name);
    if (rc != WASP_OK) return wasp__error_set(err, rc, "`%s`: cannot start call", name);
    return finish(inst, NULL, err);
}
