/* engine_private.h - engine, module and instance internals shared by the
 * files of the engine layer (engine.c, module.c, instance.c). */
#ifndef WASP_ENGINE_ENGINE_PRIVATE_H
#define WASP_ENGINE_ENGINE_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>

#include "engine/cm_shim.h"
#include "engine/engine.h"

struct wasp_engine {
    struct wasp_engine_config cfg;
    char *cache_dir;
    struct wasp_diskcache *cache; /* NULL: no disk cache (none asked, or refused: cache_problem) */
    char cache_problem[320];
    wasm_engine_t *engine;
    wasmtime_linker_t *linker[2]; /* [0] wasp imports only, [1] with WASI */
    wasp_cm_linker *cm_linker[2]; /* the same for components */
    uint8_t fingerprint[WASP_SHA256_LEN];
    uint64_t tick_ns;

    pthread_mutex_t lock; /* guards modules and stats */
    struct wasp_module *modules; /* in-memory cache: list, few distinct modules per system */
    size_t nmodules;
    struct wasp__engine_stats stats;

    pthread_t ticker;
    bool ticker_running, ticker_stop;
    pthread_mutex_t ticker_lock;
    pthread_cond_t ticker_wake;
    atomic_uint active_calls;
    atomic_bool ticker_sleeping;
    /* Pooling: stores counted against cfg.pool_instances, live or reserved
     * (wasp__engine_pool_reserve). */
    atomic_uint pool_used;
};

struct wasp_module {
    struct wasp_engine *engine;
    struct wasp_module *next; /* in engine->modules */
    atomic_uint refs;
    uint8_t hash[WASP_SHA256_LEN];
    wasmtime_module_t *module;        /* a core module, or */
    wasmtime_component_t *component; /* a component (cm_pre is then its InstancePre) */
    wasp_cm_pre *cm_pre;
    struct wasp_abi_info abi;
    bool start_section;               /* a core module's start function */
    pthread_mutex_t pre_lock;
    wasmtime_instance_pre_t *pre[2]; /* per linker, made on first use */
};

/* Counts running calls so the ticker sleeps when there are none. */
void wasp__engine_call_enter(struct wasp_engine *e);
void wasp__engine_call_leave(struct wasp_engine *e);

/* The module's InstancePre for the given linker (after wasp__module_prepare). */
wasmtime_instance_pre_t *wasp__module_pre(struct wasp_module *m, bool with_wasi);

/* Frees every cached module (engine teardown). */
void wasp__module_cache_clear(struct wasp_engine *e);

#endif
