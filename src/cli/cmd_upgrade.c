/* cmd_upgrade.c - `wasp upgrade SYSTEM COMPONENT FILE`: replaces a
 * component's module in a running system, keeping its mailbox and storage
 * (docs/CLI.md). Exit 0, or 1 with the reason (the old module stays). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctl_common.h"

/* Compiling and swapping every instance takes a while: generous. */
#define UPGRADE_TIMEOUT_MS 120000

int cmd_upgrade(int argc, char **argv) {
    struct ctl_args a;
    int rc = ctl_parse_args(argc, argv, "upgrade", cli_help_upgrade, 3, 3, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    /* The running system may have another working directory: send it a full path. */
    char path[PATH_MAX];
    if (!realpath(a.pos[2], path)) {
        fprintf(stderr, "wasp upgrade: %s: cannot read: %s\n", a.pos[2], strerror(errno));
        return CLI_FAILED;
    }
    json_t *req = json_pack("{s:s,s:s,s:s}", "cmd", "upgrade", "component", a.pos[1], "path", path), *resp;
    rc = ctl_simple("upgrade", a.pos[0], req, a.timeout_ms >= 0 ? a.timeout_ms : UPGRADE_TIMEOUT_MS, &resp);
    json_decref(resp);
    return rc;
}
