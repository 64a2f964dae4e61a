/* inspect.c - `wasp inspect`: what a module or component imports and
 * exports, and whether it satisfies the guest ABI (engine.h). A file that
 * fails the check is compiled bare so that it can still be listed. */
#include <stdio.h>
#include <stdlib.h>

#include "engine/engine.h"

const char *wasp_wasmtime_version(void) { return WASMTIME_VERSION; }

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
static int inspect_component(struct wasp_engine *e, const char *path, const uint8_t *bytes, size_t len, FILE *f) {
    struct wasp_error err = {0};
    struct wasp_module *m = NULL;
    int rc = wasp__module_load(e, bytes, len, &m, &err);
    wasmtime_component_t *bare = NULL;
    if (rc == WASP_EABI) {
        /* Does not fit the world: compile it bare so it can still be listed. */
        wasmtime_error_t *we = wasmtime_component_new(wasp__engine_wasmtime(e), bytes, len, &bare);
        if (we) wasmtime_error_delete(we);
    } else if (rc != WASP_OK) {
        fprintf(f, "%s: %s\n", path, err.msg[0] ? err.msg : wasp_strerror(rc));
        return rc;
    }
    const wasmtime_component_t *c = m ? wasp__module_component(m) : bare;
    fprintf(f, "%s\nkind: component\n", path);
    if (c) wasp_cm_component_items(wasp__engine_wasmtime(e), c, print_item, f);
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

int wasp__engine_inspect(struct wasp_engine *e, const char *path, FILE *f) {
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
        rc = inspect_component(e, path, bytes, len, f);
        free(bytes);
        return rc;
    }
    rc = wasp__module_load(e, bytes, len, &m, &err);
    if (rc != WASP_OK && rc != WASP_EABI) {
        fprintf(f, "%s: %s\n", path, err.msg[0] ? err.msg : wasp_strerror(rc));
        free(bytes);
        return rc;
    }
    /* A module that fails the ABI check is not kept: compile it bare so
     * that it can still be listed. */
    wasmtime_module_t *bare = NULL;
    if (!m) {
        wasmtime_error_t *we = wasmtime_module_new(wasp__engine_wasmtime(e), bytes, len, &bare);
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
