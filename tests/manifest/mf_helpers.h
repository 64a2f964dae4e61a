/* mf_helpers.h - writing manifests to a temporary directory and collecting
 * the loader's problems, for the manifest tests. */
#ifndef WASP_MF_HELPERS_H
#define WASP_MF_HELPERS_H

#include <stdio.h>

#include "testutil.h"

#define MF_MAX_PROBLEMS 64

struct mf_problems {
    char *v[MF_MAX_PROBLEMS];
    size_t n;
};

static inline void mf_collect(void *arg, const char *message) {
    struct mf_problems *p = arg;
    if (p->n < MF_MAX_PROBLEMS) p->v[p->n++] = strdup(message);
}

static inline void mf_problems_free(struct mf_problems *p) {
    for (size_t i = 0; i < p->n; i++) free(p->v[i]);
    p->n = 0;
}

/* Writes text as DIR/m.yaml and loads it (w may be NULL); problems collected. */
static inline int mf_load_text(const char *dir, const char *text, wasp_wasm *w, struct mf_problems *p,
                        wasp_manifest **out) {
    tu_write_file(dir, "m.yaml", text);
    char path[4096];
    snprintf(path, sizeof(path), "%s/m.yaml", dir);
    wasp_manifest_options o = {.wasm = w, .on_error = mf_collect, .error_arg = p};
    return wasp_manifest_load(path, &o, out);
}

#endif
