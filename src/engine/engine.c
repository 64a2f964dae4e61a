/* engine.c - a Wasmtime engine configured for actors, its epoch ticker and
 * its linkers. Modules and their caches are in module.c. */
#include "engine/engine_private.h"
#include "engine/shim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "engine/diskcache.h"

#ifndef WASP_WASMTIME_BUILD
#define WASP_WASMTIME_BUILD "unknown"
#endif

void wasp__engine_config_init(struct wasp_engine_config *cfg) {
    memset(cfg, 0, sizeof(*cfg));
    cfg->epoch_tick_ns = 1000000;            /* 1 ms */
    cfg->memory_reservation = 64ull << 20;   /* 64 MiB: 100,000 memories fit in 47 bits */
    cfg->pool_instances = 1000;
    cfg->pool_memory_max = 64ull << 20;
}

/* ---- Epoch ticker ---------------------------------------------------------
 * One thread per engine advances the epoch every tick while calls run. It
 * goes to sleep only after WASP_TICKER_LINGER idle ticks, so a busy system's
 * calls cost one atomic add to enter, not a lock and a wake-up each time the
 * count of running calls touches zero; an idle system still costs no CPU.
 */
#define WASP_TICKER_LINGER 50

/* Bytes of a pooled memory's dirty pages reset in place when its slot is
 * freed (make_config): one wasm page, a small actor's working set. */
#define WASP_POOL_KEEP_RESIDENT (64u << 10)

static void *ticker_main(void *arg) {
    struct wasp_engine *e = arg;
    struct timespec period = {(time_t)(e->tick_ns / 1000000000ull), (long)(e->tick_ns % 1000000000ull)};
    unsigned idle = 0;
    pthread_mutex_lock(&e->ticker_lock);
    while (!e->ticker_stop) {
        if (idle >= WASP_TICKER_LINGER) {
            /* The flag is set before the last look at the count, under the
             * lock: a caller that enters after that look sees the flag and
             * signals, and cannot signal before we wait (it needs the lock). */
            atomic_store(&e->ticker_sleeping, true);
            if (atomic_load(&e->active_calls) == 0 && !e->ticker_stop)
                pthread_cond_wait(&e->ticker_wake, &e->ticker_lock);
            atomic_store(&e->ticker_sleeping, false);
            idle = 0;
            continue;
        }
        pthread_mutex_unlock(&e->ticker_lock);
        nanosleep(&period, NULL);
        wasmtime_engine_increment_epoch(e->engine);
        idle = atomic_load_explicit(&e->active_calls, memory_order_relaxed) ? 0 : idle + 1;
        pthread_mutex_lock(&e->ticker_lock);
    }
    pthread_mutex_unlock(&e->ticker_lock);
    return NULL;
}

void wasp__engine_call_enter(struct wasp_engine *e) {
    if (atomic_fetch_add(&e->active_calls, 1) == 0 && atomic_load(&e->ticker_sleeping)) {
        pthread_mutex_lock(&e->ticker_lock);
        pthread_cond_signal(&e->ticker_wake);
        pthread_mutex_unlock(&e->ticker_lock);
    }
}

void wasp__engine_call_leave(struct wasp_engine *e) {
    atomic_fetch_sub_explicit(&e->active_calls, 1, memory_order_release);
}

/* ---- Configuration --------------------------------------------------------- */

static wasm_config_t *make_config(const struct wasp_engine_config *cfg, char *fingerprint, size_t cap) {
    wasm_config_t *c = wasm_config_new();
    if (!c) return NULL;
    wasmtime_config_epoch_interruption_set(c, true);
    wasmtime_config_consume_fuel_set(c, cfg->fuel);
    wasmtime_config_cranelift_opt_level_set(c, WASMTIME_OPT_LEVEL_SPEED);
    wasmtime_config_parallel_compilation_set(c, true);
    /* Guests get their own fiber stack per call; keep it modest for density,
     * with the wasm stack limit well inside it so deep recursion traps cleanly. */
    wasmtime_config_async_stack_size_set(c, 1u << 20);
    wasmtime_config_max_wasm_stack_set(c, 512u << 10);
    wasmtime_config_memory_init_cow_set(c, true);
    /* A trap's message names the export and the trap, never the guest's
     * frames (error.c drops them): do not walk and symbolize the stack. */
    wasp_config_wasm_backtrace(c, false);
    wasmtime_config_wasm_component_model_set(c, true);
    /* Wasmtime's C API aborts the process when asked for the kind of a v128
     * or typed-reference value (wasm_valtype_kind), and the ABI check must
     * read every signature of untrusted modules. So such types are turned
     * off here (typed references, GC and exceptions are not compiled in)
     * and validation rejects them with an error instead. */
    wasmtime_config_wasm_relaxed_simd_set(c, false);
    wasmtime_config_wasm_simd_set(c, false);
    wasmtime_config_wasm_stack_switching_set(c, false);
    /* Small reservations and guards so many instances fit in the address
     * space; Cranelift then emits explicit bounds checks. */
    uint64_t guard = 64u << 10;
    wasmtime_config_memory_guard_size_set(c, guard);
    /* A pooled memory lives within its reservation: reserve the pool's
     * largest memory (wasp__engine_new checks the total is sane). */
    uint64_t reservation = cfg->memory_reservation;
    if (cfg->pooling && cfg->pool_memory_max > reservation) reservation = cfg->pool_memory_max;
    wasmtime_config_memory_reservation_set(c, reservation);
    wasmtime_config_memory_reservation_for_growth_set(c, 1u << 20);
    if (cfg->pooling) {
        wasmtime_pooling_allocation_config_t *p = wasmtime_pooling_allocation_config_new();
        /* A component instance holds several core instances (its code, the
         * WASI adapter, shims), and up to two memories and a few tables. */
        wasmtime_pooling_allocation_config_total_component_instances_set(p, cfg->pool_instances);
        wasmtime_pooling_allocation_config_total_core_instances_set(p, 4 * cfg->pool_instances);
        wasmtime_pooling_allocation_config_total_memories_set(p, 2 * cfg->pool_instances);
        wasmtime_pooling_allocation_config_total_tables_set(p, 4 * cfg->pool_instances);
        wasmtime_pooling_allocation_config_total_stacks_set(p, cfg->pool_instances);
        wasmtime_pooling_allocation_config_max_memory_size_set(p, (size_t)cfg->pool_memory_max);
        wasmtime_pooling_allocation_config_max_unused_warm_slots_set(p, 64);
        /* A freed slot's dirty pages (found with PAGEMAP_SCAN) are zeroed in
         * place, up to these sizes, instead of given back with madvise: a
         * restart then costs neither the madvise, nor the TLB shootdown it
         * sends to the other cores, nor a page fault on the next instance's
         * first write. A slot never written costs only the scan. */
        wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(p, WASP_POOL_KEEP_RESIDENT);
        wasmtime_pooling_allocation_config_table_keep_resident_set(p, WASP_POOL_KEEP_RESIDENT / 4);
        wasp_pooling_config_pagemap_scan(p);
        wasmtime_pooling_allocation_strategy_set(c, p);
        wasmtime_pooling_allocation_config_delete(p);
    }
    /* Everything that changes compiled code goes into the fingerprint that
     * keys the disk cache. */
    snprintf(fingerprint, cap,
             "wasmtime=%s;build=%s;fuel=%d;epoch=1;async=1;cm=1;opt=speed;simd=0;reservation=%llu;guard=%llu;"
             "pooling=%d;pool_memory=%llu",
             WASMTIME_VERSION, WASP_WASMTIME_BUILD, cfg->fuel, (unsigned long long)reservation,
             (unsigned long long)guard, cfg->pooling, (unsigned long long)(cfg->pooling ? cfg->pool_memory_max : 0));
    return c;
}

static int make_linker(struct wasp_engine *e, bool with_wasi, wasmtime_linker_t **out, struct wasp_error *err) {
    wasmtime_linker_t *l = wasmtime_linker_new(e->engine);
    if (!l) return wasp__error_set(err, WASP_ENOMEM, "cannot create linker");
    wasmtime_error_t *we = NULL;
    /* Asynchronous: a file operation parks the actor, not the worker thread. */
    if (with_wasi) we = wasp_linker_define_wasi_async(l);
    if (!we && e->cfg.define_imports) we = e->cfg.define_imports(l, with_wasi, e->cfg.define_arg);
    if (we) {
        wasmtime_linker_delete(l);
        return wasp__error_from_wasmtime(err, WASP_ELINK, we, "defining host functions");
    }
    *out = l;
    return WASP_OK;
}

int wasp__engine_new(const struct wasp_engine_config *cfg_in, struct wasp_engine **out, struct wasp_error *err) {
    struct wasp_engine_config defaults;
    if (!cfg_in) {
        wasp__engine_config_init(&defaults);
        cfg_in = &defaults;
    }
    if (!out || cfg_in->epoch_tick_ns == 0) return wasp__error_set(err, WASP_EINVAL, "invalid engine configuration");
    /* Wasmtime aborts the process on a configuration it cannot honour, so
     * the pool's address space (reserved up front) is checked here. */
    if (cfg_in->pooling) {
        uint64_t slot = (cfg_in->pool_memory_max > cfg_in->memory_reservation ? cfg_in->pool_memory_max
                                                                               : cfg_in->memory_reservation) +
                        (128u << 10);
        if (!cfg_in->pool_instances || !cfg_in->pool_memory_max ||
            (double)slot * cfg_in->pool_instances > (double)WASP_POOL_ADDRESS_SPACE_MAX)
            return wasp__error_set(err, WASP_EINVAL,
                                  "pooling allocator: %u instances of up to %llu bytes of memory do not fit in the "
                                  "address space",
                                  cfg_in->pool_instances, (unsigned long long)cfg_in->pool_memory_max);
    }

    struct wasp_engine *e = calloc(1, sizeof(*e));
    if (!e) return wasp__error_set(err, WASP_ENOMEM, "out of memory");
    e->cfg = *cfg_in;
    if (cfg_in->cache_dir) {
        e->cache_dir = strdup(cfg_in->cache_dir);
        e->cfg.cache_dir = e->cache_dir;
    }
    /* An unusable cache directory costs compile time, not the engine. */
    if (e->cache_dir && wasp__diskcache_open(e->cache_dir, cfg_in->cache_max, &e->cache, e->cache_problem,
                                             sizeof(e->cache_problem)))
        e->cache = NULL;
    e->tick_ns = cfg_in->epoch_tick_ns;
    pthread_mutex_init(&e->lock, NULL);
    pthread_mutex_init(&e->ticker_lock, NULL);
    pthread_cond_init(&e->ticker_wake, NULL);

    char fp[512];
    wasm_config_t *c = make_config(&e->cfg, fp, sizeof(fp));
    e->engine = c ? wasm_engine_new_with_config(c) : NULL;
    if (!e->engine) {
        wasp__engine_free(e);
        return wasp__error_set(err, WASP_ENOMEM, "cannot create the Wasmtime engine");
    }
    wasp__sha256(fp, strlen(fp), e->fingerprint);

    int rc = make_linker(e, false, &e->linker[0], err);
    if (rc == WASP_OK) rc = make_linker(e, true, &e->linker[1], err);
    for (int i = 0; i < 2 && rc == WASP_OK && e->cfg.cm_host; i++) {
        wasmtime_error_t *we = NULL;
        e->cm_linker[i] = wasp_cm_linker_new(e->engine, i == 1, e->cfg.cm_host, &we);
        if (!e->cm_linker[i]) rc = wasp__error_from_wasmtime(err, WASP_ELINK, we, "defining component imports");
    }
    if (rc == WASP_OK && pthread_create(&e->ticker, NULL, ticker_main, e) != 0)
        rc = wasp__error_set(err, WASP_ENOMEM, "cannot start the epoch ticker thread");
    else if (rc == WASP_OK)
        e->ticker_running = true;
    if (rc != WASP_OK) {
        wasp__engine_free(e);
        return rc;
    }
    *out = e;
    return WASP_OK;
}

const char *wasp__engine_cache_problem(const struct wasp_engine *e) {
    return e->cache_dir && !e->cache ? e->cache_problem : NULL;
}

uint64_t wasp__engine_pool_memory_max(const struct wasp_engine *e) {
    return e->cfg.pooling ? e->cfg.pool_memory_max : 0;
}

int wasp__engine_pool_reserve(struct wasp_engine *e, struct wasp_error *err) {
    if (!e->cfg.pooling) return WASP_OK;
    unsigned used = atomic_load(&e->pool_used);
    do {
        if (used >= e->cfg.pool_instances)
            return wasp__error_set(err, WASP_ELIMIT,
                                   "the pooling allocator's %u instance slots are all taken (pool_instances)",
                                   e->cfg.pool_instances);
    } while (!atomic_compare_exchange_weak(&e->pool_used, &used, used + 1));
    return WASP_OK;
}

void wasp__engine_pool_release(struct wasp_engine *e) {
    if (e->cfg.pooling) atomic_fetch_sub(&e->pool_used, 1);
}

unsigned wasp__engine_pool_used(const struct wasp_engine *e) { return atomic_load(&e->pool_used); }

void wasp__engine_free(struct wasp_engine *e) {
    if (!e) return;
    if (e->ticker_running) {
        pthread_mutex_lock(&e->ticker_lock);
        e->ticker_stop = true;
        pthread_cond_signal(&e->ticker_wake);
        pthread_mutex_unlock(&e->ticker_lock);
        pthread_join(e->ticker, NULL);
    }
    wasp__module_cache_clear(e);
    for (int i = 0; i < 2; i++) {
        if (e->linker[i]) wasmtime_linker_delete(e->linker[i]);
        wasp_cm_linker_delete(e->cm_linker[i]);
    }
    if (e->engine) wasm_engine_delete(e->engine);
    pthread_cond_destroy(&e->ticker_wake);
    pthread_mutex_destroy(&e->ticker_lock);
    pthread_mutex_destroy(&e->lock);
    wasp__diskcache_close(e->cache);
    free(e->cache_dir);
    free(e);
}

wasm_engine_t *wasp__engine_wasmtime(struct wasp_engine *e) { return e->engine; }

uint64_t wasp__engine_tick_ns(const struct wasp_engine *e) { return e->tick_ns; }

void wasp__engine_stats(struct wasp_engine *e, struct wasp__engine_stats *out) {
    pthread_mutex_lock(&e->lock);
    *out = e->stats;
    out->modules = e->nmodules;
    pthread_mutex_unlock(&e->lock);
}
