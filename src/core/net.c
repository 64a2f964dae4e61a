/* net.c - see net.h. */
#include "core/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasp.h"

static bool is_loopback(const struct sockaddr *a) {
    if (a->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    if (a->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
    return false;
}

/* Splits "HOST:PORT" (HOST may be "[v6]" or empty) into host (cap bytes) and
 * a pointer to the port; false if it is not of that shape. */
static bool split_hostport(const char *hostport, char *host, size_t cap, const char **port) {
    const char *colon = strrchr(hostport, ':');
    size_t hl = colon ? (size_t)(colon - hostport) : 0;
    if (!colon || hl >= cap || !colon[1]) return false;
    if (hl >= 2 && hostport[0] == '[' && hostport[hl - 1] == ']') {
        memcpy(host, hostport + 1, hl - 2);
        host[hl - 2] = 0;
    } else {
        memcpy(host, hostport, hl);
        host[hl] = 0;
    }
    *port = colon + 1;
    return true;
}

int wasp__tcp_listen(const char *hostport, bool loopback_only, int *port, char *err, size_t errcap) {
    char host[256];
    const char *service;
    if (!split_hostport(hostport, host, sizeof(host), &service)) {
        snprintf(err, errcap, "'%s' is not HOST:PORT", hostport);
        return WASP_EINVAL;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai = NULL;
    if (getaddrinfo(host[0] ? host : NULL, service, &hints, &ai) != 0 || !ai) {
        snprintf(err, errcap, "cannot resolve '%s'", hostport);
        return WASP_EINVAL;
    }
    if (loopback_only && !is_loopback(ai->ai_addr)) {
        freeaddrinfo(ai);
        snprintf(err, errcap, "'%s' is not a loopback address (127.0.0.0/8 or ::1)", hostport);
        return WASP_EINVAL;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errcap, "cannot listen on %s: %s", hostport, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return WASP_EIO;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                          : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}
