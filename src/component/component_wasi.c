/* component_wasi.c - the WASI preview1 context of one incarnation, holding
 * exactly what the manifest grants: stdio, environment, directories. */
#include <stdio.h>
#include <stdlib.h>

#include "component/component.h"

wasi_config_t *wasp__component_wasi(const struct wasp_component *c, char *why, size_t cap) {
    wasi_config_t *w = wasi_config_new();
    if (!w) {
        snprintf(why, cap, "cannot create the WASI context");
        return NULL;
    }
    const char *argv[] = {c->name};
    bool ok = wasi_config_set_argv(w, 1, argv);
    if (c->spec.permissions.wasi_stdio) {
        wasi_config_inherit_stdout(w);
        wasi_config_inherit_stderr(w);
    }
    size_t n = c->spec.permissions.nwasi_env;
    if (ok && n) {
        const char **names = calloc(n, sizeof(char *)), **values = calloc(n, sizeof(char *));
        ok = names && values;
        for (size_t i = 0; ok && i < n; i++) {
            names[i] = c->env[i].name;
            values[i] = c->env[i].value;
        }
        ok = ok && wasi_config_set_env(w, n, names, values);
        free(names);
        free(values);
    }
    if (!ok) {
        snprintf(why, cap, "cannot set up WASI arguments or environment");
        wasi_config_delete(w);
        return NULL;
    }
    for (size_t i = 0; i < c->spec.permissions.nwasi_dirs; i++) {
        const wasp_wasi_dir *d = &c->dirs[i];
        if (!wasi_config_preopen_dir(w, d->host, d->guest, d->writable)) {
            snprintf(why, cap, "WASI directory %s (as %s) cannot be opened", d->host, d->guest);
            wasi_config_delete(w);
            return NULL;
        }
    }
    return w;
}
