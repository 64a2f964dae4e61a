/* engine.h - the WebAssembly engine (src/engine): it makes, owns and frees
 * every Wasmtime object. The component actors above it (src/component) see
 * Wasmtime types only where a guest call crosses the boundary: the import
 * bindings (a wasmtime_caller_t, wasmtime_val_t arguments) and the export
 * calls they begin on an instance. Nothing else in libwasp includes
 * <wasmtime.h>.
 *
 * Three objects, each with an explicit lifetime:
 *   wasp_engine    one per system: a Wasmtime engine configured for actors
 *                  (async calls, epoch interruption driven by one ticker
 *                  thread, optional fuel, pooling or on-demand allocation with
 *                  copy-on-write memory images), its linkers, and the module
 *                  cache (in memory by content hash, on disk serialized).
 *   wasp_module    a compiled, ABI-validated module with its linked
 *                  InstancePre; shared and reference counted.
 *   wasp_instance  one store + one instance with its limits (memory, fuel,
 *                  time slice, time budget per call); calls run as async
 *                  futures polled one time slice at a time.
 *
 * Every failure is reported as a wasp error code plus a readable message in a
 * struct wasp_error; nothing here aborts on guest input.
 */
#ifndef WASP_ENGINE_ENGINE_H
#define WASP_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <wasmtime.h>

#include "core/sha256.h"
#include "engine/abi.h"
#include "engine/cm_shim.h"
#include "engine/error.h"

struct wasp_engine;
struct wasp_module;
struct wasp_instance;

/* Adds host functions to a linker. Called once per linker the engine makes
 * (one without WASI, one with), before any module is linked. Returns NULL or
 * an error the engine reports and frees. */
typedef wasmtime_error_t *(*wasp_engine_define_fn)(wasmtime_linker_t *linker, bool with_wasi, void *arg);

struct wasp_engine_config {
    bool fuel;                   /* compile fuel metering in (per-call budgets need it) */
    uint64_t epoch_tick_ns;      /* epoch period: time slices are whole ticks; default 1 ms */
    uint64_t memory_reservation; /* virtual bytes reserved per linear memory; default 64 MiB.
                                    Not a cap: on-demand memories may grow past it by moving. */
    bool pooling;                /* use the pooling instance allocator */
    uint32_t pool_instances;     /* pooling: instances, memories and stacks; default 1000 */
    uint64_t pool_memory_max;    /* pooling: hard cap on one linear memory; default 64 MiB */
    const char *cache_dir;       /* directory for serialized modules; NULL disables. It must be
                                    this user's and not writable by others (diskcache.h) */
    uint64_t cache_max;          /* bytes the cache directory may hold; 0: 1 GiB */
    wasp_engine_define_fn define_imports; /* may be NULL */
    wasp_cm_host_fn cm_host;     /* the components' host imports; may be NULL */
    void *define_arg;
};

/* Largest address space a pooling allocator may reserve (instances x memory
 * slot); a larger pool is refused with WASP_EINVAL. */
#define WASP_POOL_ADDRESS_SPACE_MAX (32ull << 40)

/* Fills in the defaults above. */
void wasp__engine_config_init(struct wasp_engine_config *cfg);

int wasp__engine_new(const struct wasp_engine_config *cfg, struct wasp_engine **out, struct wasp_error *err);

/* Writes a report of the file's imports and exports and of whether it
 * satisfies the guest ABI to f (wasp_wasm_inspect). WASP_OK if it does;
 * WASP_EIO, WASP_ECOMPILE or WASP_EABI otherwise. */
int wasp__engine_inspect(struct wasp_engine *e, const char *path, FILE *f);

/* Frees the engine. Every module and instance made from it must be freed first. */
void wasp__engine_free(struct wasp_engine *e);

/* The underlying Wasmtime engine (for the wasm layer's own use). */
wasm_engine_t *wasp__engine_wasmtime(struct wasp_engine *e);
uint64_t wasp__engine_tick_ns(const struct wasp_engine *e);
/* Why the configured disk cache is not used (e.g. other users may write
 * its directory), or NULL when it is used or none was configured. */
const char *wasp__engine_cache_problem(const struct wasp_engine *e);
/* With pooling, the largest linear memory a slot holds; 0 without pooling. */
uint64_t wasp__engine_pool_memory_max(const struct wasp_engine *e);

/* Pooling: counts a store against pool_instances before it exists, so a
 * store made later (a lazily instantiated actor's) is sure of its slot.
 * WASP_ELIMIT when every slot is live or reserved; always WASP_OK without
 * pooling. Each WASP_OK is given back once with wasp__engine_pool_release
 * (or handed to wasp__instance_new, limits.pool_reserved). */
int wasp__engine_pool_reserve(struct wasp_engine *e, struct wasp_error *err);
void wasp__engine_pool_release(struct wasp_engine *e);
/* Slots live or reserved (pooling; tests and statistics). */
unsigned wasp__engine_pool_used(const struct wasp_engine *e);

struct wasp__engine_stats {
    uint64_t compiled;    /* modules compiled from WebAssembly */
    uint64_t disk_hits;   /* modules loaded from the disk cache */
    uint64_t disk_stale;  /* disk entries found invalid or stale, then replaced */
    uint64_t disk_evicted;/* disk entries removed to keep the directory in its budget */
    uint64_t memory_hits; /* loads answered by the in-memory cache */
    uint64_t modules;     /* modules alive in the in-memory cache */
};
void wasp__engine_stats(struct wasp_engine *e, struct wasp__engine_stats *out);

/* ---- Modules ------------------------------------------------------------ */

/* Compiles (or finds in a cache) and validates a module against the guest
 * ABI, or a component (told apart by its header) against the `wasp:actor`
 * world. The same bytes loaded twice give the same shared module. */
int wasp__module_load(struct wasp_engine *e, const uint8_t *bytes, size_t len, struct wasp_module **out,
                     struct wasp_error *err);
int wasp__module_load_file(struct wasp_engine *e, const char *path, struct wasp_module **out,
                          struct wasp_error *err);

/* Limits on what is compiled: a module file's size and its functions
 * (compile time and memory grow with both; docs/SECURITY.md). */
#define WASP_MODULE_MAX_BYTES (256u << 20)
#define WASP_MODULE_MAX_FUNCTIONS 100000u

/* Reads a whole regular file of at most WASP_MODULE_MAX_BYTES (for the
 * loaders above and tools). *out is malloc'd. */
int wasp__module_read_file(const char *path, uint8_t **out, size_t *len, struct wasp_error *err);

struct wasp_module *wasp__module_retain(struct wasp_module *m);
void wasp__module_release(struct wasp_module *m);

const struct wasp_abi_info *wasp__module_abi(const struct wasp_module *m);
const uint8_t *wasp__module_hash(const struct wasp_module *m); /* WASP_SHA256_LEN bytes */
const wasmtime_module_t *wasp__module_wasmtime(const struct wasp_module *m); /* NULL for a component */
/* A component's Wasmtime handle, NULL for a core module. */
const wasmtime_component_t *wasp__module_component(const struct wasp_module *m);
/* "actor" or "supervised-actor" (exports lifecycle) for a component, NULL for a module. */
const char *wasp__module_world(const struct wasp_module *m);
/* true if bytes start like a component (binary layer 1), not a core module. */
bool wasp__wasm_is_component(const uint8_t *bytes, size_t len);

/* true if instantiating runs no guest code: a core module without a start
 * section (its instance then depends only on the module and the limits). */
bool wasp__module_inert_instantiation(const struct wasp_module *m);
/* The engine the module was compiled by. */
struct wasp_engine *wasp__module_engine(const struct wasp_module *m);

/* Checks that the module may be linked with or without WASI and prepares its
 * InstancePre for that linker (once; later calls are free). */
int wasp__module_prepare(struct wasp_module *m, bool with_wasi, struct wasp_error *err);

/* ---- Instances ---------------------------------------------------------- */

struct wasp_instance_limits {
    uint64_t memory_bytes; /* linear memory cap (memory.grow fails past it); 0 = none */
    uint64_t fuel;         /* fuel per call; 0 = unmetered (engine needs fuel enabled otherwise) */
    uint64_t timeslice_ns; /* run this long before yielding to the poller; default 2 ms */
    uint64_t max_call_ns;  /* a call running longer is interrupted; 0 = unbounded */
    uint32_t wasi_handles; /* WASI files, directories, streams held at once; 0 = 64 */
    /* Called (any thread) when a call that waits outside the guest can go on. */
    void (*wake)(void *sys, uint64_t aid);
    void *wake_sys;
    uint64_t wake_aid;
    /* The caller holds a pool slot (wasp__engine_pool_reserve) that passes
     * to the instance, also on failure; otherwise the instance takes one. */
    bool pool_reserved;
};

/* Instantiates the module in a fresh store. wasi may be NULL (no WASI); when
 * given, the instance takes ownership of it, even on failure. user is an
 * opaque pointer host functions retrieve with wasp__instance_from_caller(). */
int wasp__instance_new(struct wasp_module *m, const struct wasp_instance_limits *lim, wasi_config_t *wasi,
                      void *user, struct wasp_instance **out, struct wasp_error *err);
void wasp__instance_free(struct wasp_instance *inst);

void *wasp__instance_user(const struct wasp_instance *inst);
struct wasp_instance *wasp__instance_from_caller(wasmtime_caller_t *caller);
wasmtime_context_t *wasp__instance_context(struct wasp_instance *inst);
struct wasp_module *wasp__instance_module(const struct wasp_instance *inst);

/* The exported function `name` if it exists with signature sig (see abi.h:
 * e.g. "ii:i"). WASP_ENOENT if absent, WASP_EABI if the type differs. A NULL
 * sig skips the type check: for exports the ABI check has already checked
 * (building the type allocates, and spawn and restart look up several). */
int wasp__instance_func(struct wasp_instance *inst, const char *name, const char *sig, wasmtime_func_t *out,
                       struct wasp_error *err);

/* The exported memory: base and current size in bytes (NULL/0 if none).
 * Valid until the guest next runs (memory.grow may move it). */
uint8_t *wasp__instance_memory(struct wasp_instance *inst, size_t *len);
/* The same through another context of the instance's store (a host
 * function's caller context). */
uint8_t *wasp__instance_memory_in(struct wasp_instance *inst, wasmtime_context_t *ctx, size_t *len);

/* Bytes of every linear memory and table in the instance's store (a
 * component's inner instances too), exported or not. Tables are capped by
 * the store limiter at 1/8 of memory_bytes in total. */
uint64_t wasp__instance_held_bytes(const struct wasp_instance *inst);

/* Notes, at the end of a call, where the next one will read first: the
 * instance's call fields, the typed handles, the store's first lines, the
 * limiter's count, the waker, the fiber stack's lines under the last host
 * import (wasp__instance_from_caller notes its frame), and up to 4 of the
 * caller's own (its inbox, ...). wasp__instance_prefetch asks for all of
 * them at once: on a cold instance (a ring of 100,000) each would
 * otherwise wait for the one before. A prefetch never faults, so an
 * address gone stale (a memory that grew and moved) costs nothing. */
void wasp__instance_note_hot(struct wasp_instance *inst, const void *const *extra, size_t nextra);
void wasp__instance_prefetch(const struct wasp_instance *inst);

/* Changes the time budget of later calls (e.g. _cleanup's stop_timeout). */
/* The running call goes on to another message (`next_message`, from an
 * import whose context is cx): its fuel and time budget start again, as for
 * a new call; the time slice goes on. */
void wasp__instance_call_rearm(struct wasp_instance *inst, wasmtime_context_t *cx);
void wasp__instance_set_max_call(struct wasp_instance *inst, uint64_t max_call_ns);
uint64_t wasp__instance_max_call(const struct wasp_instance *inst);
/* What is left of the current call's time budget (UINT64_MAX: unbounded).
 * A host function that waits may wait this long at most. */
uint64_t wasp__instance_budget_left(struct wasp_instance *inst);
/* The current call is over its budget: the trap or error a host function
 * returns now ends it as WASP_EINTERRUPT, like running past the budget. */
void wasp__instance_mark_interrupted(struct wasp_instance *inst);

/* ---- Calls: one at a time per instance ----------------------------------
 * call_begin starts an async call of func (named name, for messages);
 * call_poll runs it for at most one time slice and returns:
 *   WASP_CALL_PENDING  not finished (it yielded, or waits on an async host call)
 *   WASP_OK            finished; results are in the array given to begin
 *   < 0                failed: WASP_ETRAP (a trap), WASP_EINTERRUPT (time or
 *                      fuel budget), or another code; err says what and where.
 * After it returns anything but PENDING the call is over. call_abort ends a
 * pending call early (the instance should then be discarded).
 */
#define WASP_CALL_PENDING 1

int wasp__instance_call_begin(struct wasp_instance *inst, const wasmtime_func_t *func, const char *name,
                             const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults);
int wasp__instance_call_poll(struct wasp_instance *inst, struct wasp_error *err);
void wasp__instance_call_abort(struct wasp_instance *inst);
bool wasp__instance_call_active(const struct wasp_instance *inst);
/* true if the last poll left the call waiting outside the guest (a WASI
 * clock or file operation): limits.wake is called when it can go on. */
bool wasp__instance_waiting(const struct wasp_instance *inst);
/* Blocks until such a wait is over, max_ns or the time budget pass. */
bool wasp__instance_wait(struct wasp_instance *inst, uint64_t max_ns);
/* Ends a call whose time budget ran out while it waited: WASP_EINTERRUPT. */
int wasp__instance_call_expire(struct wasp_instance *inst, struct wasp_error *err);

/* Begin and poll until done, on the calling thread. For short exports
 * (_start, _cleanup, _health) and tests. *polls counts slices if non-NULL. */
int wasp__instance_call(struct wasp_instance *inst, const wasmtime_func_t *func, const char *name,
                       const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results, size_t nresults,
                       unsigned *polls, struct wasp_error *err);

/* Components: starts an async call of export `which` (WASP_CM_*), polled
 * with wasp__instance_call_poll; msg[0..len] must stay valid until then;
 * *result gets the call's i32 result. WASP_ENOENT if the export is absent. */
int wasp__instance_cm_begin(struct wasp_instance *inst, uint32_t which, const char *name, const uint8_t *msg,
                           size_t len, int32_t *result);
bool wasp__instance_cm_has(const struct wasp_instance *inst, uint32_t which);
/* Begin and poll until done, on the calling thread. */
int wasp__instance_cm_call(struct wasp_instance *inst, uint32_t which, const char *name, int32_t *result,
                          struct wasp_error *err);

/* Calls export `name` (signature sig) if present: WASP_ENOENT if absent. */
int wasp__instance_call_export(struct wasp_instance *inst, const char *name, const char *sig,
                              const wasmtime_val_t *args, size_t nargs, wasmtime_val_t *results,
                              size_t nresults, struct wasp_error *err);

#endif
