/* wasm.c - the wasm layer bound to a system: its engine, its components,
 * the `wasp` host functions it links (inspection: src/engine/inspect.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "runtime/ext.h"
#include "component/component.h"

wasp_wasm *wasp_wasm_get(wasp_system *sys) { return wasp__system_ext(sys); }

int wasp_wasm_create(wasp_system *sys, const wasp_wasm_config *cfg, wasp_wasm **out) {
    if (!sys || !out) return WASP_EINVAL;
    wasp_wasm_config defaults = {.fuel = true};
    if (!cfg) cfg = &defaults;
    struct wasp_wasm *w = calloc(1, sizeof(*w));
    if (!w) return WASP_ENOMEM;
    w->sys = sys;
    w->store = cfg->store;
    w->epoch_ns = wasp_system_now(sys);
    pthread_mutex_init(&w->lock, NULL);

    struct wasp_engine_config ec;
    wasp__engine_config_init(&ec);
    ec.fuel = cfg->fuel;
    ec.pooling = cfg->pooling;
    if (cfg->pool_instances) ec.pool_instances = cfg->pool_instances;
    if (cfg->pool_memory_max) ec.pool_memory_max = cfg->pool_memory_max;
    ec.cache_dir = cfg->cache_dir;
    ec.cache_max = cfg->cache_max;
    ec.define_imports = wasp__host_define;
    ec.define_arg = w;
    ec.cm_host = wasp__cm_host;
    struct wasp_error err = {0};
    int rc = wasp__engine_new(&ec, &w->engine, &err);
    if (rc == WASP_OK) rc = wasp__system_ext_claim(sys, w);
    const char *problem = rc == WASP_OK ? wasp__engine_cache_problem(w->engine) : NULL;
    if (problem) wasp_log(sys, WASP_LOG_WARN, NULL, "module cache not used: %s", problem);
    if (rc != WASP_OK) {
        if (err.msg[0]) wasp_log(sys, WASP_LOG_ERROR, NULL, "wasm engine: %s", err.msg);
        wasp__engine_free(w->engine);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return rc;
    }
    *out = w;
    return WASP_OK;
}

void wasp_wasm_destroy(wasp_wasm *w) {
    if (!w) return;
    wasp__system_ext_release(w->sys, w);
    /* Storage writes still queued call back into the system: let them land first. */
    wasp_store_drain(w->store);
    for (size_t i = 0; i < w->ncomps; i++) wasp__component_free(w->comps[i]);
    free(w->comps);
    wasp__engine_free(w->engine);
    pthread_mutex_destroy(&w->lock);
    free(w);
}

int wasp_wasm_inspect(wasp_wasm *w, const char *path, FILE *out) {
    if (!w || !path) return WASP_EINVAL;
    return wasp__engine_inspect(w->engine, path, out ? out : stdout);
}
