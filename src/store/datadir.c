/* datadir.c - where a system's store lives: DIR/SYSTEM.kv, DIR defaulting to
 * the user's data directory (XDG base directories). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"

int wasp_store_default_dir(char *buf, size_t cap) {
    if (!buf || !cap) return WASP_EINVAL;
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    /* XDG: a relative XDG_DATA_HOME is invalid and must be ignored. */
    if (xdg && xdg[0] == '/') n = snprintf(buf, cap, "%s/wasp", xdg);
    else if (home && *home) n = snprintf(buf, cap, "%s/.local/share/wasp", home);
    else return WASP_EINVAL;
    return n < 0 || (size_t)n >= cap ? WASP_E2BIG : n;
}

/* mkdir -p, owner-only for what it creates. */
static int make_dirs(const char *dir) {
    char path[4096];
    size_t len = strlen(dir);
    if (len >= sizeof(path)) return WASP_E2BIG;
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != 0) continue;
        char c = path[i];
        path[i] = 0;
        if (mkdir(path, 0700) && errno != EEXIST) return WASP_EIO;
        path[i] = c;
    }
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? WASP_OK : WASP_EIO;
}

int wasp_store_system_path(const char *dir, const char *system, char *buf, size_t cap) {
    if (!dir || !*dir || !system || !*system || !buf || !cap || strchr(system, '/')) return WASP_EINVAL;
    int rc = make_dirs(dir);
    if (rc) return rc;
    int n = snprintf(buf, cap, "%s/%s.kv", dir, system);
    return n < 0 || (size_t)n >= cap ? WASP_E2BIG : n;
}
