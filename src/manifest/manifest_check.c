/* manifest_check.c - what the manifest points at: each `wasm` file exists,
 * and, once bound to a wasm layer, each component loads (compiles and
 * satisfies the ABI) - once: the manifest keeps the handles. Problems are
 * reported at the component's `wasm` key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "manifest/internal.h"

void wasp__mf_check_files(struct wasp_manifest *m, const wasp_manifest_options *opts,
                    struct mf_errors *e) {
    for (size_t i = 0; i < m->ncomponents; i++) {
        struct mf_component *c = &m->components[i];
        if (!c->spec.wasm_path || !c->wasm_node) continue;
        const char *who = c->spec.name ? c->spec.name : "component";
        struct stat st;
        if (stat(c->spec.wasm_path, &st) != 0) {
            wasp__mf_error(e, c->wasm_node, "%s: cannot open wasm file '%s': %s", who, c->spec.wasm_path,
                     strerror(errno));
            c->ok = false;
        } else if (!S_ISREG(st.st_mode)) {
            wasp__mf_error(e, c->wasm_node, "%s: wasm file '%s' is not a regular file", who,
                     c->spec.wasm_path);
            c->ok = false;
        }
    }
    for (size_t i = 0; i < m->ncomponents; i++) {
        struct mf_component *c = &m->components[i];
        const char *who = c->spec.name ? c->spec.name : "component";
        for (size_t d = 0; d < c->spec.permissions.nwasi_dirs; d++) {
            const char *host = c->spec.permissions.wasi_dirs[d].host;
            struct stat st;
            if (stat(host, &st) != 0) {
                wasp__mf_error(e, c->dir_nodes[d], "%s: cannot open directory '%s': %s", who, host,
                         strerror(errno));
                c->ok = false;
            } else if (!S_ISDIR(st.st_mode)) {
                wasp__mf_error(e, c->dir_nodes[d], "%s: '%s' is not a directory", who, host);
                c->ok = false;
            }
        }
    }
    if (opts && opts->wasm) wasp__mf_load_components(m, opts->wasm, e);
}

void wasp__mf_load_components(struct wasp_manifest *m, wasp_wasm *w, struct mf_errors *e) {
    for (size_t i = 0; i < m->ncomponents; i++) {
        struct mf_component *c = &m->components[i];
        if (!c->ok || !c->spec.name) continue;
        char err[1024] = "";
        int rc = wasp_component_load(w, &c->spec, &c->loaded, err, sizeof(err));
        if (rc != WASP_OK) {
            c->loaded = NULL;
            c->ok = false;
            if (!err[0]) snprintf(err, sizeof(err), "%s: %s", c->spec.name, wasp_strerror(rc));
            wasp__mf_error(e, c->wasm_node ? c->wasm_node : c->name_node, "%s", err);
        }
    }
    m->wasm = w;
}
