/* file.c - reading an input file: regular files only, bounded. */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasp.h"

int wasp__file_read(const char *path, size_t max, uint8_t **out, size_t *len, char *why, size_t cap) {
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(why, cap, "%s", strerror(errno));
        return WASP_EIO;
    }
    struct stat st;
    int rc = WASP_OK;
    if (fstat(fd, &st) != 0) {
        snprintf(why, cap, "%s", strerror(errno));
        rc = WASP_EIO;
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(why, cap, "not a regular file (%s)", S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
        rc = WASP_EIO;
    } else if ((uint64_t)st.st_size > max) {
        snprintf(why, cap, "larger than %zu bytes", max);
        rc = WASP_E2BIG;
    }
    /* The size is re-checked while reading: the file may grow meanwhile. */
    size_t size = rc ? 0 : (size_t)st.st_size, got = 0;
    uint8_t *buf = rc ? NULL : malloc(size + 1);
    if (!rc && !buf) {
        snprintf(why, cap, "out of memory");
        rc = WASP_ENOMEM;
    }
    while (!rc) {
        ssize_t n = read(fd, buf + got, size + 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(why, cap, "%s", strerror(errno));
            rc = WASP_EIO;
        } else if (n == 0) {
            break;
        } else if ((got += (size_t)n) > size) {
            snprintf(why, cap, "changed while being read");
            rc = WASP_EIO;
        }
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[got] = 0;
    *out = buf;
    *len = got;
    return WASP_OK;
}
