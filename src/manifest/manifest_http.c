/* manifest_http.c - the optional `http` section: the HTTP ingress's listen
 * address and routes (docs/MANIFEST.md, docs/HTTP.md). */
#include <string.h>

#include "manifest/internal.h"

#define MF_HTTP_DEFAULT_TIMEOUT_NS 5000000000ull
#define MF_HTTP_DEFAULT_MAX_BODY (1ull << 20)
#define MF_HTTP_DEFAULT_MAX_CONNECTIONS 1024u
#define MF_HTTP_DEFAULT_MAX_INFLIGHT 4096u

static bool present(const struct mf_node *n) { return n && n->kind != MF_NULL; }

/* A route path: starts with '/', no spaces or '?', '*' only as the last byte. */
static bool valid_route_path(const char *p) {
    if (p[0] != '/') return false;
    for (const char *c = p; *c; c++) {
        if (*c == '*' && c[1]) return false;
        if (*c == ' ' || *c == '?' || *c == '#' || (unsigned char)*c < 0x21) return false;
    }
    return true;
}

static void read_route(struct wasp_manifest *m, struct mf_errors *e, const struct mf_node *n,
                       wasp_manifest_route *r) {
    static const char *const keys[] = {"path", "component", "timeout", NULL};
    const struct mf_node *v[3];
    r->timeout_ns = MF_HTTP_DEFAULT_TIMEOUT_NS;
    if (!wasp__mf_map_fields(e, n, "an http route", keys, v, NULL)) return;
    if (!v[0]) wasp__mf_missing(e, n, "path");
    else if (wasp__mf_get_string(e, v[0], &r->path) && !valid_route_path(r->path))
        wasp__mf_error(e, v[0], "invalid route path '%s' (it starts with '/'; '*' only at the end)", r->path);
    if (!v[1]) wasp__mf_missing(e, n, "component");
    else if (wasp__mf_get_string(e, v[1], &r->component)) {
        bool known = false;
        for (size_t i = 0; i < m->ncomponents && !known; i++)
            known = m->components[i].spec.name && !strcmp(m->components[i].spec.name, r->component);
        if (!known) wasp__mf_error(e, v[1], "route to unknown component '%s'", r->component);
    }
    if (present(v[2]) && wasp__mf_get_duration(e, v[2], "timeout", &r->timeout_ns) && !r->timeout_ns)
        wasp__mf_error(e, v[2], "timeout must be more than 0");
}

void wasp__mf_read_http(struct wasp_manifest *m, const struct mf_node *n, struct mf_errors *e) {
    static const char *const keys[] = {"listen", "routes", "max_body", "max_connections",
                                       "max_inflight", NULL};
    const struct mf_node *v[5];
    if (!wasp__mf_map_fields(e, n, "http", keys, v, NULL)) return;
    m->http.max_body = MF_HTTP_DEFAULT_MAX_BODY;
    m->http.max_connections = MF_HTTP_DEFAULT_MAX_CONNECTIONS;
    m->http.max_inflight = MF_HTTP_DEFAULT_MAX_INFLIGHT;
    if (!v[0]) wasp__mf_missing(e, n, "listen");
    else if (wasp__mf_get_string(e, v[0], &m->http.listen) && !strrchr(m->http.listen, ':'))
        wasp__mf_error(e, v[0], "listen must be HOST:PORT (e.g. 127.0.0.1:8080)");
    if (present(v[1])) {
        const struct mf_node *list = v[1];
        if (list->kind != MF_SEQ) {
            wasp__mf_error(e, list, "routes must be a list");
        } else if (list->n) {
            m->http.routes = wasp__mf_alloc(&m->arena, list->n * sizeof(*m->http.routes));
            if (!m->http.routes) return;
            m->http.nroutes = list->n;
            for (size_t i = 0; i < list->n; i++) read_route(m, e, list->items[i], &m->http.routes[i]);
        }
    }
    if (present(v[2])) wasp__mf_get_size(e, v[2], "http.max_body", 1ull << 30, &m->http.max_body);
    int64_t x;
    if (present(v[3]) && wasp__mf_get_int(e, v[3], "http.max_connections", 1, 1000000, &x))
        m->http.max_connections = (uint32_t)x;
    if (present(v[4]) && wasp__mf_get_int(e, v[4], "http.max_inflight", 1, 1000000, &x))
        m->http.max_inflight = (uint32_t)x;
}

const wasp_manifest_http *wasp_manifest_http_get(const wasp_manifest *m) {
    return m && m->http.listen ? &m->http : NULL;
}
