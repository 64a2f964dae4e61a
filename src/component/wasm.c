/* wasm.c - the wasm layer bound to a system: its engine, its components,
 * the `wasp` host functions it links, and module inspection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "runtime/ext.h"
#include "component/component.h"

const char *wasp_wasmtime_version(void) { return WASMTIME_VERSION; }

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

/* ---- inspect -------------------------------------------------------------- */

static void print_functype(FILE *f, const wasm_externtype_t *et) {
    const wasm_functype_t *ft = wasm_externtype_as_functype_const(et);
    if (!ft) {
        static const char *const kinds[] = {"func", "global", "table", "memory"};
        wasm_externkind_t k = wasm_externtype_kind(et);
        fprintf(f, "%s", k < 4 ? kinds[k] : "other");
        return;
    }
    char sig[64];
    wasp__abi_functype_sig(ft, sig, sizeof(sig));
    fprintf(f, "func %s", sig);
}

static void print_item(void *arg, bool is_export, const uint8_t *name, size_t len) {
    fprintf(arg, "  %s %.*s\n", is_export ? "export" : "import", (int)len, (const char *)name);
}

/* A component: its imports and exports by name, and the world it fits. */
static int inspect_component(wasp_wasm *w, const char *path, const uint8_t *bytes, size_t len, FILE *f) {
    struct wasp_error err = {0};
    struct wasp_module *m = NULL;
    int rc = wasp__module_load(w->engine, bytes, len, &m, &err);
    wasmtime_component_t *bare = NULL;
    if (rc == WASP_EABI) {
        /* Does not fit the world: compile it bare so it can still be listed. */
        wasmtime_error_t *we = wasmtime_component_new(wasp__engine_wasmtime(w->engine), bytes, len, &bare);
        if (we) wasmtime_error_delete(we);
    } else if (rc != WASP_OK) {
        fprintf(f, "%s: %s\n", path, err.msg[0] ? err.msg : wasp_strerror(rc));
        return rc;
    }
    const wasmtime_component_t *c = m ? wasp__module_component(m) : bare;
    fprintf(f, "%s\nkind: component\n", path);
    if (c) wasp_cm_component_items(wasp__engine_wasmtime(w->engine), c, print_item, f);
    if (bare) wasmtime_component_delete(bare);
    if (rc == WASP_OK) {
        const struct wasp_abi_info *abi = wasp__module_abi(m);
        fprintf(f, "world: wasp:actor/%s@1.0.0 (%s%s%s%s)\n", wasp__module_world(m), "receives messages",
                abi->has_start ? ", start" : "", abi->has_cleanup ? ", cleanup" : "",
                abi->has_health ? ", check-health" : "");
        if (abi->imports_wasi) fprintf(f, "needs WASI (imports %s)\n", abi->first_wasi_import);
        wasp__module_release(m);
    } else {
        fprintf(f, "world: not satisfied: %s\n", err.msg);
    }
    return rc;
}

int wasp_wasm_inspect(wasp_wasm *w, const char *path, FILE *out) {
    FILE *f = out ? out : stdout;
    if (!w || !path) return WASP_EINVAL;
    struct wasp_error err = {0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    struct wasp_module *m = NULL;
    int rc = wasp__module_read_file(path, &bytes, &len, &err);
    if (rc != WASP_OK) {
        fprintf(f, "%s\n", err.msg); /* names the path */
        return rc;
    }
    if (wasp__wasm_is_component(bytes, len)) {
        rc = inspect_component(w, path, bytes, len, f);
        free(bytes);
        return rc;
    }
    rc = wasp__module_load(w->engine, bytes, len, &m, &err);
    if (rc != WASP_OK && rc != WASP_EABI) {
        fprintf(f, "%s: %s\n", path, err.msg[0] ? err.msg : wasp_strerror(rc));
        free(bytes);
        return rc;
    }
    /* A module that fails the ABI check is not kept: compile it bare so
     * that it can still be listed. */
    wasmtime_module_t *bare = NULL;
    if (!m) {
        wasmtime_error_t *we = wasmtime_module_new(wasp__engine_wasmtime(w->engine), bytes, len, &bare);
        if (we) wasmtime_error_delete(we);
    }
    free(bytes);
    const wasmtime_module_t *mod = m ? wasp__module_wasmtime(m) : bare;
    fprintf(f, "%s\nkind: core module\n", path);
    if (mod) {
        wasm_importtype_vec_t imps;
        wasmtime_module_imports(mod, &imps);
        fprintf(f, "imports (%zu):\n", imps.size);
        for (size_t i = 0; i < imps.size; i++) {
            const wasm_name_t *mn = wasm_importtype_module(imps.data[i]), *nn = wasm_importtype_name(imps.data[i]);
            fprintf(f, "  %.*s.%.*s: ", (int)mn->size, mn->data, (int)nn->size, nn->data);
            print_functype(f, wasm_importtype_type(imps.data[i]));
            fputc('\n', f);
        }
        wasm_importtype_vec_delete(&imps);
        wasm_exporttype_vec_t exps;
        wasmtime_module_exports(mod, &exps);
        fprintf(f, "exports (%zu):\n", exps.size);
        for (size_t i = 0; i < exps.size; i++) {
            const wasm_name_t *nn = wasm_exporttype_name(exps.data[i]);
            fprintf(f, "  %.*s: ", (int)nn->size, nn->data);
            print_functype(f, wasm_exporttype_type(exps.data[i]));
            fputc('\n', f);
        }
        wasm_exporttype_vec_delete(&exps);
    }
    if (bare) wasmtime_module_delete(bare);
    if (rc == WASP_OK) {
        const struct wasp_abi_info *abi = wasp__module_abi(m);
        fprintf(f, "abi: ok (%s%s%s%s%s%s)\n", abi->receives ? "receives messages" : "sends only",
                abi->has_initialize ? ", _initialize" : "", abi->has_start ? ", _start" : "",
                abi->has_cleanup ? ", _cleanup" : "", abi->has_health ? ", _health" : "",
                abi->imports_wasi ? ", needs WASI" : "");
        wasp__module_release(m);
    } else {
        fprintf(f, "abi: not satisfied: %s\n", err.msg);
    }
    return rc;
}
