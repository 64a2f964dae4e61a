/* store_file.c - what every file backend shares: the exclusive lock one
 * process holds on its store file, and "PATH: reason" messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "store/store.h"

int wasp__store_fail(char *err, size_t cap, int rc, const char *path, const char *fmt, ...) {
    if (err && cap) {
        int n = snprintf(err, cap, "%s: ", path);
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < cap) vsnprintf(err + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* An flock, not the database's own locks: it is held for the life of the
 * store whatever the backend does, and a second `wasp run` of the same
 * system gets a clear error instead of waiting or sharing the file. */
int wasp__store_lock(const char *path, int *fd_out, char *err, size_t cap) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return wasp__store_fail(err, cap, WASP_EIO, path, "cannot open: %s", strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return wasp__store_fail(err, cap, WASP_EEXIST, path,
                                    "locked: another process (a wasp run of this system?) uses this store");
        return wasp__store_fail(err, cap, WASP_EIO, path, "cannot lock: %s", strerror(e));
    }
    *fd_out = fd;
    return WASP_OK;
}
