/* net.h - a listening TCP socket from "HOST:PORT", for the doors that accept
 * connections (the control endpoint, HTTP ingress). */
#ifndef WASP_CORE_NET_H
#define WASP_CORE_NET_H

#include <stdbool.h>
#include <stddef.h>

/* Binds and listens on hostport ("127.0.0.1:8080", "[::1]:0", ":8080" for
 * every interface), nonblocking and close-on-exec. With loopback_only, an
 * address outside 127.0.0.0/8 and ::1 is refused (the control endpoint must
 * not be reachable from another machine). Returns the socket, and the port
 * it got (useful with port 0) in *port; or WASP_EINVAL (not HOST:PORT,
 * unresolvable, not loopback) or WASP_EIO (bind/listen failed), with *err
 * saying why. */
int wasp__tcp_listen(const char *hostport, bool loopback_only, int *port, char *err, size_t errcap);

#endif
