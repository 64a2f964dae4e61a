/* cache_dir.c - where `wasp run` and `wasp test` keep compiled modules. */
#include <stdlib.h>

#include "cli.h"

const char *cli_module_cache_dir(char *buf, size_t cap) {
    const char *dir = getenv("WASP_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    buf[0] = 0;
    if (dir) snprintf(buf, cap, "%s", dir);
    else if (xdg && *xdg) snprintf(buf, cap, "%s/wasp/modules", xdg);
    else if (home && *home) snprintf(buf, cap, "%s/.cache/wasp/modules", home);
    return buf[0] ? buf : NULL;
}
