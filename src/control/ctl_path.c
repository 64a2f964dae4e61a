/* ctl_path.c - where systems listen: the per-user runtime directory, socket
 * names, and finding the systems running for this user. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/control.h"
#include "core/str.h"

/* A directory we may put sockets in: ours, a real directory (not a symlink),
 * closed to everyone else. */
static int check_dir(const char *path, char *err, size_t errcap) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return WASP_EIO;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid()) {
        snprintf(err, errcap, "%s is not a directory owned by this user", path);
        return WASP_EIO;
    }
    if (st.st_mode & 077) {
        snprintf(err, errcap, "%s is open to other users (mode %03o; it must be 0700)", path,
                 (unsigned)(st.st_mode & 0777));
        return WASP_EIO;
    }
    return WASP_OK;
}

int wasp__ctl_runtime_dir(char *out, size_t cap, char *err, size_t errcap) {
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    int n;
    if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid())
        n = snprintf(out, cap, "%s/wasp", xdg);
    else
        n = snprintf(out, cap, "/tmp/wasp-%lu", (unsigned long)getuid());
    if (n < 0 || (size_t)n >= cap) {
        snprintf(err, errcap, "runtime directory path too long");
        return WASP_E2BIG;
    }
    if (mkdir(out, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errcap, "cannot create %s: %s", out, strerror(errno));
        return WASP_EIO;
    }
    return check_dir(out, err, errcap);
}

int wasp__ctl_socket_path(const char *dir, const char *name, long pid, char *out, size_t cap) {
    char safe[65];
    size_t i = 0;
    for (; name[i] && i < sizeof(safe) - 1; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        safe[i] = ok ? c : '_';
    }
    safe[i] = 0;
    if (safe[0] == '.') safe[0] = '_'; /* no hidden files, no ".." */
    struct sockaddr_un sa;
    int n = snprintf(out, cap, "%s/%s.%ld.sock", dir, safe, pid);
    if (n < 0 || (size_t)n >= cap || (size_t)n >= sizeof(sa.sun_path)) return WASP_E2BIG;
    return WASP_OK;
}

/* Asks one socket who it is; a socket nobody listens on is removed. */
static json_t *probe(const char *path) {
    int fd = wasp__ctl_connect(path);
    if (fd < 0) {
        if (errno == ECONNREFUSED) unlink(path); /* its system is gone */
        return NULL;
    }
    json_t *req = json_pack("{s:s}", "cmd", "info"), *resp = NULL;
    int rc = req ? wasp__ctl_request(fd, req, 2000, &resp) : WASP_ENOMEM;
    json_decref(req);
    close(fd);
    if (rc != WASP_OK) return NULL;
    if (!json_is_true(json_object_get(resp, "ok")) ||
        !json_is_string(json_object_get(resp, "name"))) {
        json_decref(resp);
        return NULL;
    }
    return resp;
}

int wasp__ctl_systems(const char *name, wasp__ctl_system **out) {
    char dir[256], err[256];
    *out = NULL;
    if (wasp__ctl_runtime_dir(dir, sizeof(dir), err, sizeof(err)) != WASP_OK) return 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    wasp__ctl_system *v = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !wasp__ends_with(e->d_name, ".sock")) continue;
        char path[512];
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(v->path))
            continue;
        json_t *info = probe(path);
        if (!info) continue;
        if (name && strcmp(json_string_value(json_object_get(info, "name")), name)) {
            json_decref(info);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            wasp__ctl_system *nv = realloc(v, (size_t)cap * sizeof(*v));
            if (!nv) {
                json_decref(info);
                break;
            }
            v = nv;
        }
        memcpy(v[n].path, path, strlen(path) + 1); /* fits: checked above */
        v[n++].info = info;
    }
    closedir(d);
    *out = v;
    return n;
}

void wasp__ctl_systems_free(wasp__ctl_system *v, int n) {
    for (int i = 0; i < n; i++) json_decref(v[i].info);
    free(v);
}
