/* cmd_inspect.c - `wasp inspect COMPONENT.wasm`: a module's imports,
 * exports and ABI verdict. */
#include <stdio.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            cli_help_inspect(stdout);
            return CLI_OK;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("inspect", "unknown option '%s'", argv[i]);
        if (path) return cli_usage_error("inspect", "one COMPONENT.wasm only");
        path = argv[i];
    }
    if (!path) return cli_usage_error("inspect", "missing COMPONENT.wasm");

    wasp_system *sys = NULL;
    wasp_wasm *w = NULL;
    int rc = wasp_system_create(NULL, &sys);
    if (rc == WASP_OK) rc = wasp_wasm_create(sys, NULL, &w);
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp inspect: cannot set up the wasm engine: %s\n", wasp_strerror(rc));
        wasp_system_destroy(sys);
        return CLI_FAILED;
    }
    rc = wasp_wasm_inspect(w, path, stdout);
    fflush(stdout);
    if (rc == WASP_EIO) fprintf(stderr, "wasp inspect: cannot read %s\n", path);
    wasp_wasm_destroy(w);
    wasp_system_destroy(sys);
    return rc == WASP_OK ? CLI_OK : CLI_FAILED;
}
