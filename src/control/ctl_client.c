/* ctl_client.c - the client side of the control protocol: connect, send one
 * request line, read lines until the response with our id. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/control.h"

static int connect_tcp(const char *where) {
    const char *colon = strrchr(where, ':');
    char host[256];
    size_t hl = (size_t)(colon - where);
    if (hl >= sizeof(host)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(host, where, hl);
    host[hl] = 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
        errno = EINVAL;
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *p = ai; p && fd < 0; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol);
        if (fd >= 0 && connect(fd, p->ai_addr, p->ai_addrlen) != 0) {
            int saved = errno;
            close(fd);
            fd = -1;
            errno = saved;
        }
    }
    freeaddrinfo(ai);
    return fd;
}

int wasp__ctl_connect(const char *where) {
    if (!strchr(where, '/') && strchr(where, ':')) return connect_tcp(where);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(where) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, where);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return WASP_EIO;
        p += w;
        n -= (size_t)w;
    }
    return WASP_OK;
}

/* Reads one line into a growing buffer (*buf, *len bytes held across calls). */
struct linebuf {
    char *buf;
    size_t len, cap;
};

static int read_line(int fd, struct linebuf *lb, int64_t deadline, char **line, size_t *n) {
    for (;;) {
        char *nl = lb->len ? memchr(lb->buf, '\n', lb->len) : NULL;
        if (nl) {
            *line = lb->buf;
            *n = (size_t)(nl - lb->buf);
            return WASP_OK;
        }
        int64_t left = deadline - mono_ms();
        if (left <= 0) return WASP_ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) continue;
        if (lb->cap - lb->len < 65536) {
            size_t cap = lb->cap ? lb->cap * 2 : 65536 * 2;
            char *nb = realloc(lb->buf, cap);
            if (!nb) return WASP_ENOMEM;
            lb->buf = nb;
            lb->cap = cap;
        }
        ssize_t got = recv(fd, lb->buf + lb->len, lb->cap - lb->len, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return WASP_EIO;
        lb->len += (size_t)got;
    }
}

int wasp__ctl_request(int fd, json_t *req, int timeout_ms, json_t **resp) {
    static int next_id;
    int id = ++next_id;
    *resp = NULL;
    json_object_set_new(req, "id", json_integer(id));
    char *text = json_dumps(req, JSON_COMPACT);
    if (!text) return WASP_ENOMEM;
    size_t tl = strlen(text);
    text[tl] = '\n'; /* replaces the NUL: the line is written with its length */
    int rc = write_all(fd, text, tl + 1);
    free(text);
    if (rc != WASP_OK) return rc;
    struct linebuf lb = {0};
    int64_t deadline = mono_ms() + timeout_ms;
    while ((rc = read_line(fd, &lb, deadline, &text, &tl)) == WASP_OK) {
        json_t *j = json_loadb(text, tl, JSON_ALLOW_NUL, NULL);
        size_t used = tl + 1;
        memmove(lb.buf, lb.buf + used, lb.len - used);
        lb.len -= used;
        if (!j || !json_is_object(j)) {
            json_decref(j);
            rc = WASP_EINVAL;
            break;
        }
        json_t *rid = json_object_get(j, "id");
        if (json_is_integer(rid) && json_integer_value(rid) == id) {
            *resp = j;
            break;
        }
        json_decref(j); /* an answer to someone else's request: not ours */
    }
    free(lb.buf);
    return rc;
}
