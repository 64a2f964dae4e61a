/* component.h - component actors (src/component): the pieces shared by the
 * files of the component layer (wasm.c, component.c, component_actor.c,
 * host_*.c). It sits on the engine (src/engine/engine.h) and on the public
 * API; Wasmtime types appear in this layer only where a guest call crosses
 * the boundary: the import bindings (host_*.c, their signatures here) and
 * the export calls component_actor.c begins (scripts/check-modules.py
 * keeps it so).
 *
 * Three lifetimes:
 *   struct wasp_wasm        one per system: engine, components, logging
 *   struct wasp_component   a loaded component (module + settings), owned by
 *                           its wasp_wasm until wasp_wasm_destroy
 *   struct wasp_cslot       one per instance index of a component: the
 *                           actor's identity (name, spec, statistics) that
 *                           outlives its incarnations
 *   struct wasp_cinst       one incarnation: a Wasmtime instance and the
 *                           message in progress; made by the `started`
 *                           hook, freed by the `stopped` hook. A lazy one
 *                           (component_actor.c) gets its instance at its
 *                           first message or health probe.
 */
#ifndef WASP_COMPONENT_COMPONENT_H
#define WASP_COMPONENT_COMPONENT_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine/engine.h"
#include "runtime/completion.h"
#include "wasp.h"

/* An async import waiting for its answer (a `call` reply, a storage write,
 * a WASI clock): a completion (runtime/completion.h) whose answer is kept
 * here and wakes the parked actor. Held by the completion's holders (the
 * request's envelope, a timer, the store) and by Wasmtime's continuation;
 * freed by whichever lets go last. Embedded first in each import's own
 * wait (host_wait.c). */
struct wasp_host_wait {
    struct wasp_completion c;
    atomic_bool ready;     /* the answer is in: status, reply */
    bool keep;             /* keep a WASP_OK answer's bytes */
    struct wasp_cinst *ci; /* cleared when the continuation lets go */
    wasp_aid self;
    int status;
    void *reply;           /* owned: freed with the wait */
    size_t reply_len;
    uint64_t reply_codec;  /* the reply's tag (`call`) */
};

struct wasp_wasm {
    wasp_system *sys;
    struct wasp_engine *engine;
    wasp_store *store;    /* storage for components granted it, or NULL */
    uint64_t epoch_ns; /* now_ms counts from here */
    pthread_mutex_t lock; /* guards comps */
    struct wasp_component **comps;
    size_t ncomps, cap;
};

struct wasp_cslot {
    struct wasp_component *comp;
    uint32_t index;
    char name[256];           /* NAME, or NAME.index with instances > 1 */
    wasp_actor_spec actor;    /* what supervisors spawn and restart */
    wasp_health_check health;
    _Atomic wasp_aid aid;     /* latest incarnation's actor */
    atomic_uint_fast64_t memory_bytes, instantiations;
    atomic_uint live; /* its incarnations' instances (0: a lazy one waits for its first message; 2: an upgrade's swap) */
    /* Quotas (host_quota.c): what the actor makes the host hold for it.
     * Timers count until their message is handled or dropped. */
    atomic_uint timers, subscriptions;
    atomic_uint_fast64_t timer_bytes;
    /* Log lines this second (only the actor's own thread touches these). */
    uint64_t log_second;
    uint32_t log_lines, log_dropped;
    /* Permission-denial lines this second (host_ops.c; same thread rule). */
    uint64_t deny_second;
    uint32_t deny_lines, deny_dropped;
    pthread_mutex_t err_lock;
    char last_error[512];
};

/* Settings copied out of a wasp_component_spec (strings owned). */
struct wasp_component {
    struct wasp_wasm *wasm;
    char *name;
    struct wasp_module *module; /* what new instances run (guarded by module_lock: upgrades swap it) */
    /* The last module that instantiated with this component's limits (a
     * reference, guarded by module_lock): incarnations of it may be lazy. */
    struct wasp_module *instantiated_ok;
    pthread_mutex_t module_lock;
    pthread_mutex_t upgrade_lock; /* one upgrade at a time */
    wasp_component_spec spec; /* pointers below point into this component */
    char **subscribe, **perm_send, **perm_publish, **perm_subscribe;
    wasp_env_var *env;
    wasp_wasi_dir *dirs;
    struct wasp_cslot *slots; /* spec.instances of them */
    wasp_kv *kv;              /* its namespace, with a storage grant and a store */
    pthread_mutex_t err_lock;
    char last_error[700];
};

/* One incarnation. */
enum wasp_cphase { CPHASE_IDLE, CPHASE_ALLOC, CPHASE_HANDLE, CPHASE_HEALTH };

struct wasp_cinst {
    struct wasp_cslot *slot;
    struct wasp_instance *inst;   /* NULL while a lazy incarnation waits for its first message */
    struct wasp_module *module;   /* the module inst runs (a reference) */
    bool pool_reserved;           /* a lazy incarnation's pool slot (wasp__engine_pool_reserve) */
    wasp_system *sys;
    wasp_aid self;
    bool receives;
    bool is_cm; /* a component (Component Model), not a core module */
    wasmtime_func_t f_alloc, f_handle, f_health;
    enum wasp_cphase phase;
    wasmtime_val_t args[2], res[1];
    const wasp_msg *msg;          /* the message being handled, or NULL */
    struct wasp_host_wait *wait;  /* an outstanding async import (`call`, storage write, WASI clock), or NULL */
    bool faulted;                 /* a call failed: skip _cleanup */
    bool in_export;               /* running _initialize/_start/_cleanup: cannot park */
    bool wasi_wait;               /* parked while the guest waits in WASI */
    bool budget_alarm;            /* the end of the call's time budget will wake the actor */
    /* The receive buffer the guest registered with `inbox` (cap 0: none):
     * messages that fit skip the `wasp_alloc` call. */
    uint32_t inbox_ptr, inbox_cap;
    /* What note_memory last stored in the slot: a message that grew nothing
     * (nearly all) does not write the slot's cache line. */
    uint64_t noted_bytes;
    bool noted;
    /* Where this incarnation's sends by name led (runtime/name_cache.h):
     * made at its first such send. */
    struct wasp_name_cache *names;
};

/* ci's name cache, made at its first use; NULL without memory (its sends
 * then go to the registry). */
struct wasp_name_cache *wasp__cinst_names(struct wasp_cinst *ci);

/* ---- wasm.c ---- */
/* Adds the `wasp` host functions to a linker (engine define_imports hook). */
wasmtime_error_t *wasp__host_define(wasmtime_linker_t *linker, bool with_wasi, void *arg);

/* ---- component_actor.c: the actor hooks of every component actor ---- */
int wasp__cactor_started(wasp_ctx *ctx);
int wasp__cactor_handle(wasp_ctx *ctx, const wasp_msg *msg);
void wasp__cactor_stopped(wasp_ctx *ctx, int reason);
int wasp__cactor_health(wasp_ctx *ctx);
/* `next_message(result, buf, cap)` from handle-message (docs/ABI.md): ends
 * the message in hand with handle-message's result `result` and copies the
 * next queued one, if it may be taken now and fits cap, to buf (cap bytes of
 * guest memory, checked by the caller); its length, or -1 with nothing
 * changed. cx is the import's context (the call's budgets start again). */
int32_t wasp__cactor_next(struct wasp_cinst *ci, wasmtime_context_t *cx, int32_t result, uint8_t *buf,
                          uint32_t cap);

/* An incarnation of module m for slot sl: instance, exports looked up, no
 * export run yet. On failure why says what went wrong; *out, if set, must
 * still be freed. */
int wasp__cinst_new(struct wasp_cslot *sl, struct wasp_module *m, wasp_system *sys, wasp_aid self,
                    struct wasp_cinst **out, char *why, size_t cap);
/* The same without the instance: a pool slot is reserved for it and
 * wasp__cinst_instantiate makes it later. Only for modules for which
 * wasp__component_lazy holds. */
int wasp__cinst_new_lazy(struct wasp_cslot *sl, struct wasp_module *m, wasp_system *sys, wasp_aid self,
                         struct wasp_cinst **out, char *why, size_t cap);
/* Makes a lazy incarnation's instance (WASP_OK at once if it has one). */
int wasp__cinst_instantiate(struct wasp_cinst *ci, char *why, size_t cap);
/* Runs `_initialize` and `_start` (those present). */
int wasp__cinst_init(struct wasp_cinst *ci, char *why, size_t cap);
/* Runs `_cleanup` (if present, bounded by stop_timeout); a failure is
 * logged with `then` ("stopping anyway"). */
void wasp__cinst_cleanup(struct wasp_cinst *ci, const char *then);
int wasp__cinst_run_export(struct wasp_cinst *ci, const char *name, struct wasp_error *err);
void wasp__cinst_free(struct wasp_cinst *ci);


/* Records a failure of the slot's actor (and its component) and logs it. */
void wasp__cslot_fail(struct wasp_cslot *slot, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- host_cm.c: the components' imports (wasp_cm_host_fn) ---- */
bool wasp__cm_host(void *store_data, uint32_t op, const struct wasp_cm_args *args, struct wasp_cm_result *res);

/* ---- host_wait.c: an async import's wait ---- */
/* Allocates an import's wait of size bytes (its struct wasp_host_wait
 * first) for ci, or NULL: one reference, the continuation's; the operation
 * adds its own. keep: the answer's bytes are kept (reply). */
void *wasp__host_wait_new(struct wasp_cinst *ci, size_t size, bool keep);
/* The continuation lets go (a continuation finalizer, arg: the wait); also
 * frees a wait whose operation could not start. */
void wasp__host_wait_finalize(void *arg);
/* true once the answer is in (then status, reply are set). */
bool wasp__host_wait_done(const struct wasp_host_wait *w);
/* true while the incarnation waits in an async import (park, don't yield). */
bool wasp__host_waiting(const struct wasp_cinst *ci);

/* ---- host_call.c: the asynchronous `call` import ---- */
/* `call` and `call_tagged` (engine/core_shim.h's wasp_async_import_fn:
 * args widened to i64, *result written by the time the continuation
 * reports done). */
void wasp__host_call(void *env, wasmtime_caller_t *caller, const int64_t *args, size_t nargs, int32_t *result,
                    wasm_trap_t **trap, wasmtime_async_continuation_t *cont);
/* An async import's result available at once (results[0] = v as i32). */
void wasp__async_done_now(wasmtime_val_t *results, int32_t v, wasmtime_async_continuation_t *cont);

/* ---- host_kv.c: the storage imports ---- */
/* Defines kv_* in the linker; sig(name) gives each import's signature. */
wasmtime_error_t *wasp__host_kv_define(wasmtime_linker_t *linker, const char *(*sig)(const char *), void *arg);

/* ---- host_wasi.c: WASI preview 1 calls that would block the worker ---- */
/* Overrides poll_oneoff (clock waits park the actor) and clock_time_get in
 * a linker that has WASI. */
wasmtime_error_t *wasp__host_define_wasi(wasmtime_linker_t *linker, void *arg);

/* ---- host_guest.c: guest memory and argument checks ---- */
/* A pointer to [ptr, ptr+len) in the caller's memory, or NULL with *trap set. */
uint8_t *wasp__guest_range(wasmtime_caller_t *caller, int32_t ptr, int32_t len, const char *import,
                          wasm_trap_t **trap);
/* Copies a 1..255-byte UTF-8 name or topic into buf (NUL-terminated).
 * WASP_OK, WASP_EINVAL, or a trap (returns 1 with *trap set). */
int wasp__guest_name(wasmtime_caller_t *caller, int32_t ptr, int32_t len, const char *import, char *buf,
                    wasm_trap_t **trap);
/* Permission checks against the component's grants. */
bool wasp__perm_send(const struct wasp_component *c, const char *to);
bool wasp__perm_publish(const struct wasp_component *c, const char *topic);
bool wasp__perm_subscribe(const struct wasp_component *c, const char *pattern);

struct wasp_cinst *wasp__cinst_from_caller(wasmtime_caller_t *caller);

/* ---- host_quota.c: per-actor quotas and ABI error codes ---- */
/* The code an import returns for a host result: 0 or more and the ABI's
 * -1..-9 as they are; a host-only code (out of memory, ...) as `fallback`. */
int wasp__abi_code(int rc, int fallback);
/* send_after within limits.timers (and limits.memory for the bytes held):
 * WASP_OK, WASP_ELIMIT or an ABI code. */
int wasp__quota_send_after(struct wasp_cslot *slot, const wasp_send_opts *o, uint64_t delay_ns);
/* subscribe within limits.subscriptions: WASP_OK, WASP_ELIMIT or an ABI code. */
int wasp__quota_subscribe(struct wasp_cinst *ci, const char *pattern);
int wasp__quota_unsubscribe(struct wasp_cinst *ci, const char *pattern);
/* true if the actor may write another log line now (WASP_LOG_LINES_PER_SECOND;
 * the lines dropped are counted in one line once the second is over). */
#define WASP_LOG_LINES_PER_SECOND 200
bool wasp__quota_log(struct wasp_cinst *ci);

/* ---- component_wasi.c ---- */
/* A WASI context with exactly the component's grants, or NULL (why says). */
wasi_config_t *wasp__component_wasi(const struct wasp_component *c, char *why, size_t cap);

/* ---- component.c ---- */
void wasp__component_free(struct wasp_component *c);
/* The module new instances run, retained (release it). */
struct wasp_module *wasp__component_module(struct wasp_component *c);
/* Replaces it (retains m); returns the previous one, whose reference passes
 * to the caller. */
struct wasp_module *wasp__component_set_module(struct wasp_component *c, struct wasp_module *m);
/* true if an incarnation of m for c may be made without its instance:
 * instantiating runs no guest code (no start section, `_initialize`,
 * `_start`; no WASI grant), stopping none (`_cleanup`), the engine pools
 * (so the instance's slot can be reserved), and m has instantiated for c
 * before, so it will again (the same module and limits). */
bool wasp__component_lazy(struct wasp_component *c, struct wasp_module *m);
/* Records that m instantiated with c's limits. */
void wasp__component_instantiated(struct wasp_component *c, struct wasp_module *m);
/* Compiles a module (file or bytes) and checks it for component c: ABI,
 * WASI grant, memory slot, health checks. err gets "NAME: why". */
int wasp__component_check_module(struct wasp_component *c, const char *path, const void *wasm, size_t len,
                                 struct wasp_module **out, char *err, size_t cap);

#endif
