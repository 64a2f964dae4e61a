/* cache_dir.c - where `wasp run` and `wasp test` keep compiled modules. */
#include <stdio.h>
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

uint64_t cli_module_cache_max(void) {
    const char *text = getenv("WASP_CACHE_MAX");
    uint64_t bytes = 0;
    if (!text || !*text) return 0;
    if (wasp_parse_size(text, &bytes) != WASP_OK || bytes == 0) {
        fprintf(stderr, "wasp: WASP_CACHE_MAX=%s is not a size such as 512MiB; the cache keeps 1GiB\n", text);
        return 0;
    }
    return bytes;
}
