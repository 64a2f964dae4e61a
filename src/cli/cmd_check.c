/* cmd_check.c - `wasp check MANIFEST`: validate without running. */
#include <stdio.h>

#include "cli.h"

static void print_problem(void *arg, const char *message) {
    (void)arg;
    printf("%s\n", message);
}

int cmd_check(int argc, char **argv) {
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            cli_help_check(stdout);
            return CLI_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("check", "unknown option '%s'", argv[i]);
        if (path) return cli_usage_error("check", "one MANIFEST only");
        path = argv[i];
    }
    if (!path) return cli_usage_error("check", "missing MANIFEST");
    int rc = wasp_manifest_check(path, print_problem, NULL);
    if (rc != WASP_OK) return CLI_FAILED;
    printf("ok\n");
    return CLI_OK;
}
