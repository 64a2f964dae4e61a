/* run_store.c - `wasp run --data DIR`: the system's store, opened only when
 * a component is granted storage (a system without storage leaves no file). */
#include <stdio.h>

#include "cli.h"

int cli_open_store(const wasp_manifest *m, const char *data_dir, const struct cli_dist_args *dist,
                   wasp_store **out) {
    *out = NULL;
    bool wanted = false;
    for (size_t i = 0; i < wasp_manifest_component_count(m); i++)
        wanted |= wasp_manifest_component(m, i)->storage.granted;
    if (!wanted) return CLI_OK;
    if (dist && dist->node) return cli_dist_open_store(dist, wasp_manifest_name(m), out);
    char dir[4096], path[4352], err[4600];
    if (!data_dir) {
        if (wasp_store_default_dir(dir, sizeof(dir)) < 0) {
            fprintf(stderr, "wasp run: no data directory: set --data DIR, XDG_DATA_HOME or HOME\n");
            return CLI_FAILED;
        }
        data_dir = dir;
    }
    int rc = wasp_store_system_path(data_dir, wasp_manifest_name(m), path, sizeof(path));
    if (rc < 0) {
        fprintf(stderr, "wasp run: %s: cannot use as the data directory: %s\n", data_dir, wasp_strerror(rc));
        return CLI_FAILED;
    }
    if (wasp_store_open(path, NULL, out, err, sizeof(err)) != WASP_OK) {
        fprintf(stderr, "wasp run: %s\n", err);
        return CLI_FAILED;
    }
    return CLI_OK;
}
