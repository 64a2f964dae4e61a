/* http_server.c - the HTTP ingress on libh2o's event loop (docs/HTTP.md).
 *
 * One loop thread owns every socket and request. A routed request becomes
 * a wasp_ask_cb to its component; the answer arrives on a worker thread,
 * which hands it back to the loop through an h2o multithread queue. A
 * request whose client went away meanwhile is remembered as gone (its
 * pool's dispose callback), so a late answer is dropped, never sent to a
 * freed request. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <h2o.h>

#include "control/control.h"
#include "core/net.h"
#include "http/http.h"

struct wasp__http_server {
    wasp__http_config cfg;
    const wasp_manifest_http *http;
    uint64_t *route_max; /* largest message each route's component accepts */
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t receiver;
    h2o_multithread_message_t quit_msg;
    h2o_socket_t *listener;
    int listen_fd, port;
    pthread_t thread;
    bool running;
    atomic_bool quit;
    /* Loop thread only. */
    unsigned connections, inflight;
};

struct handler {
    h2o_handler_t super;
    wasp__http_server *srv;
};

/* One request awaiting its component. */
struct pending {
    h2o_multithread_message_t msg; /* link in the completion queue */
    wasp__http_server *srv;
    h2o_req_t *req; /* NULL once the request is gone */
    int refs;       /* the request's hold and the answer's (loop thread) */
    int status;     /* of the ask */
    char *reply;
    size_t reply_len;
    uint64_t reply_codec; /* the reply's codec tag, set before the answer's callback */
};

struct req_hold {
    struct pending *p;
};

static void pending_release(struct pending *p) {
    if (--p->refs) return;
    free(p->reply);
    free(p);
}

static void on_req_gone(void *obj) {
    struct req_hold *h = obj;
    h->p->req = NULL;
    pending_release(h->p);
}

static void respond_text(h2o_req_t *req, int status, const char *body) {
    req->res.status = status;
    req->res.reason = wasp__http_reason(status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; charset=utf-8"));
    req->res.content_length = strlen(body);
    h2o_send_inline(req, body, strlen(body));
}

static bool skipped_header(const struct wasp__http_kv *h) {
    static const char *const hop[] = {"content-length", "transfer-encoding", "connection",
                                      "keep-alive", "upgrade", NULL};
    for (size_t i = 0; hop[i]; i++)
        if (strlen(hop[i]) == h->name_len && !strncasecmp(hop[i], h->name, h->name_len)) return true;
    return false;
}

/* Sends the component's response envelope (or the error the ask ended in). */
static void respond(struct pending *p) {
    h2o_req_t *req = p->req;
    wasp__http_server *srv = p->srv;
    switch (p->status) {
    case WASP_OK: break;
    case WASP_ETIMEDOUT: respond_text(req, 504, "the component did not answer in time\n"); return;
    case WASP_ECRASH: respond_text(req, 502, "the component crashed on this request\n"); return;
    case WASP_ENOREPLY: respond_text(req, 502, "the component did not reply\n"); return;
    default: respond_text(req, 503, "the component is not available\n"); return;
    }
    wasp__http_response r;
    char why[128];
    if (wasp__http_parse_response(p->reply, p->reply_len, &r, why, sizeof(why)) != WASP_OK) {
        wasp_log(srv->cfg.sys, WASP_LOG_WARN, "http", "%.*s %.*s: %s", (int)req->method.len,
                 req->method.base, (int)req->path.len, req->path.base, why);
        respond_text(req, 502, "the component's reply is not an HTTP response envelope\n");
        return;
    }
    req->res.status = r.status;
    req->res.reason = wasp__http_reason(r.status);
    bool typed = false;
    for (size_t i = 0; i < r.nheaders; i++) {
        struct wasp__http_kv *h = &r.headers[i];
        if (skipped_header(h)) continue;
        char *name = h2o_mem_alloc_pool(&req->pool, h->name_len + 1);
        for (size_t k = 0; k < h->name_len; k++)
            name[k] = (char)(h->name[k] >= 'A' && h->name[k] <= 'Z' ? h->name[k] + 32 : h->name[k]);
        name[h->name_len] = 0;
        typed |= !strcmp(name, "content-type");
        h2o_iovec_t v = h2o_strdup(&req->pool, h->value, h->value_len);
        h2o_add_header_by_str(&req->pool, &req->res.headers, name, h->name_len, 1, NULL, v.base, v.len);
    }
    if (!typed) { /* the reply's codec tag, else text */
        const char *type = wasp__http_type_of_codec(p->reply_codec);
        if (!type) type = "text/plain; charset=utf-8";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    }
    req->res.content_length = r.body_len;
    h2o_send_inline(req, r.body, r.body_len);
}

/* A worker thread: the component answered (or the ask ended). */
static void on_answer(void *arg, int status, const void *data, size_t len) {
    struct pending *p = arg;
    p->status = status;
    if (status == WASP_OK) {
        p->reply = malloc(len ? len : 1);
        if (p->reply) {
            memcpy(p->reply, data, len);
            p->reply_len = len;
        } else {
            p->status = WASP_ENOMEM;
        }
    }
    h2o_multithread_send_message(&p->srv->receiver, &p->msg);
}

/* The loop thread: answers handed back by workers (and the quit message). */
static void on_messages(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages) {
    wasp__http_server *srv = H2O_STRUCT_FROM_MEMBER(wasp__http_server, receiver, receiver);
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        if (m == &srv->quit_msg) continue;
        struct pending *p = (struct pending *)m;
        srv->inflight--;
        if (p->req) respond(p);
        pending_release(p);
    }
}

static void serve_metrics(wasp__http_server *srv, h2o_req_t *req) {
    json_t *st = srv->cfg.stats ? srv->cfg.stats(srv->cfg.stats_arg) : NULL;
    char *text = st ? wasp__metrics_text(st) : NULL;
    json_decref(st);
    if (!text) {
        respond_text(req, 503, "no statistics\n");
        return;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4; charset=utf-8"));
    req->res.content_length = strlen(text);
    h2o_send_inline(req, text, strlen(text));
    free(text);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req) {
    wasp__http_server *srv = ((struct handler *)self)->srv;
    const wasp_manifest_http *http = srv->http;
    h2o_iovec_t path = req->path_normalized;
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/metrics")) &&
        (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
         h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")))) {
        serve_metrics(srv, req);
        return 0;
    }
    const wasp_manifest_route *route = NULL;
    size_t ri = 0;
    for (; ri < http->nroutes && !route; ri++)
        if (wasp__http_route_matches(http->routes[ri].path, path.base, path.len)) route = &http->routes[ri];
    if (!route) {
        respond_text(req, 404, "no route\n");
        return 0;
    }
    if (srv->inflight >= http->max_inflight) {
        respond_text(req, 503, "too many requests in flight\n");
        return 0;
    }
    struct wasp__http_kv headers[WASP__HTTP_MAX_HEADERS * 2];
    size_t nh = 0;
    uint64_t codec = WASP_CODEC_NONE;
    for (size_t i = 0; i < req->headers.size && nh < sizeof(headers) / sizeof(headers[0]); i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        headers[nh++] = (struct wasp__http_kv){h->name->base, h->name->len, h->value.base, h->value.len};
        if (h->name == &H2O_TOKEN_CONTENT_TYPE->buf) codec = wasp__http_codec_of_type(h->value.base, h->value.len);
    }
    if (req->headers.size > nh) {
        respond_text(req, 431, "too many request headers\n");
        return 0;
    }
    char *env;
    size_t envlen;
    if (wasp__http_request_envelope(req->method.base, req->method.len, req->path.base, req->path.len,
                                    headers, nh, req->entity.base, req->entity.base ? req->entity.len : 0,
                                    &env, &envlen) != WASP_OK) {
        respond_text(req, 503, "out of memory\n");
        return 0;
    }
    size_t body_len = req->entity.base ? req->entity.len : 0;
    if (envlen - body_len > WASP__HTTP_MAX_HEAD || envlen > srv->route_max[ri - 1]) {
        free(env);
        if (envlen - body_len > WASP__HTTP_MAX_HEAD)
            respond_text(req, 431, "request line and headers larger than 16 KiB\n");
        else
            respond_text(req, 413, "the request is larger than the component accepts\n");
        return 0;
    }
    struct pending *p = calloc(1, sizeof(*p));
    struct req_hold *hold = p ? h2o_mem_alloc_shared(&req->pool, sizeof(*hold), on_req_gone) : NULL;
    if (!hold) {
        free(p);
        free(env);
        respond_text(req, 503, "out of memory\n");
        return 0;
    }
    *p = (struct pending){.srv = srv, .req = req, .refs = 2};
    hold->p = p;
    wasp_send_opts o = {.to_name = route->component, .data = env, .len = envlen, .free_fn = free,
                        .codec = codec, .reply_codec = &p->reply_codec};
    int rc = wasp_ask_cb(srv->cfg.sys, &o, route->timeout_ns, on_answer, p);
    if (rc != WASP_OK) {
        free(env); /* not moved in on failure */
        p->refs--; /* no answer will come */
        respond_text(req, rc == WASP_E2BIG ? 413 : 503,
                     rc == WASP_EFULL    ? "the component's mailbox is full\n"
                     : rc == WASP_E2BIG ? "the request is larger than the component accepts\n"
                                        : "the component is not available\n");
        return 0;
    }
    srv->inflight++;
    return 0;
}

static void on_conn_close(void *data) {
    wasp__http_server *srv = data;
    srv->connections--;
}

static void on_accept(h2o_socket_t *listener, const char *err) {
    wasp__http_server *srv = listener->data;
    if (err) return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (!sock) return;
    if (srv->connections >= srv->http->max_connections) {
        h2o_socket_close(sock); /* full: the newcomer is turned away */
        return;
    }
    srv->connections++;
    sock->on_close.cb = on_conn_close;
    sock->on_close.data = srv;
    h2o_accept(&srv->accept_ctx, sock);
}

static void *loop_thread(void *arg) {
    wasp__http_server *srv = arg;
    while (!atomic_load(&srv->quit) && h2o_evloop_run(srv->ctx.loop, 1000) == 0) {
    }
    h2o_socket_read_stop(srv->listener);
    h2o_socket_close(srv->listener);
    srv->listener = NULL;
    h2o_evloop_run(srv->ctx.loop, 0);
    return NULL;
}

/* The listening socket, with the manifest key in any error. */
static int listen_on(const char *hostport, int *port, char *err, size_t errcap) {
    char why[320];
    int fd = wasp__tcp_listen(hostport, false, port, why, sizeof(why));
    if (fd < 0) snprintf(err, errcap, "http.listen: %s", why);
    return fd;
}

int wasp__http_server_start(const wasp__http_config *cfg, wasp__http_server **out, char *err,
                            size_t errcap) {
    wasp__http_server *srv = calloc(1, sizeof(*srv));
    if (!srv) return WASP_ENOMEM;
    srv->cfg = *cfg;
    srv->http = wasp_manifest_http_get(cfg->manifest);
    srv->route_max = srv->http ? calloc(srv->http->nroutes + 1, sizeof(*srv->route_max)) : NULL;
    if (!srv->route_max) {
        int rc = srv->http ? WASP_ENOMEM : WASP_EINVAL;
        snprintf(err, errcap, "%s", srv->http ? "out of memory" : "the manifest has no http section");
        free(srv);
        return rc;
    }
    for (size_t r = 0; r < srv->http->nroutes; r++)
        for (size_t i = 0; i < wasp_manifest_component_count(cfg->manifest); i++) {
            const wasp_component_spec *c = wasp_manifest_component(cfg->manifest, i);
            if (!strcmp(c->name, srv->http->routes[r].component)) srv->route_max[r] = c->limits.max_message;
        }
    srv->listen_fd = listen_on(srv->http->listen, &srv->port, err, errcap);
    if (srv->listen_fd < 0) {
        int rc = srv->listen_fd;
        free(srv->route_max);
        free(srv);
        return rc;
    }
    h2o_config_init(&srv->config);
    srv->config.max_request_entity_size = srv->http->max_body;
    srv->config.server_name = h2o_iovec_init(H2O_STRLIT("wasp"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(host, "/", 0);
    struct handler *hd = (struct handler *)h2o_create_handler(pathconf, sizeof(*hd));
    hd->super.on_req = on_req;
    hd->srv = srv;
    h2o_context_init(&srv->ctx, h2o_evloop_create(), &srv->config);
    srv->accept_ctx.ctx = &srv->ctx;
    srv->accept_ctx.hosts = srv->config.hosts;
    srv->queue = h2o_multithread_create_queue(srv->ctx.loop);
    h2o_multithread_register_receiver(srv->queue, &srv->receiver, on_messages);
    srv->listener = h2o_evloop_socket_create(srv->ctx.loop, srv->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    srv->listener->data = srv;
    h2o_socket_read_start(srv->listener, on_accept);
    if (pthread_create(&srv->thread, NULL, loop_thread, srv) != 0) {
        snprintf(err, errcap, "cannot start the HTTP thread");
        wasp__http_server_free(srv);
        return WASP_ENOMEM;
    }
    srv->running = true;
    *out = srv;
    return WASP_OK;
}

int wasp__http_server_port(const wasp__http_server *s) { return s ? s->port : 0; }

void wasp__http_server_stop(wasp__http_server *s) {
    if (!s || !s->running) return;
    atomic_store(&s->quit, true);
    h2o_multithread_send_message(&s->receiver, &s->quit_msg);
    pthread_join(s->thread, NULL);
    s->running = false;
}

/* A server whose loop could not be disposed (see wasp__http_server_free). */
__attribute__((used)) static wasp__http_server *http_abandoned;

void wasp__http_server_free(wasp__http_server *s) {
    if (!s) return;
    wasp__http_server_stop(s);
    /* Answers that came after the loop stopped: their requests are gone with it. */
    h2o_linklist_t *l = &s->receiver._messages;
    while (!h2o_linklist_is_empty(l)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, l->next);
        h2o_linklist_unlink(&m->link);
        if (m != &s->quit_msg) {
            struct pending *p = (struct pending *)m;
            free(p->reply);
            free(p);
        }
    }
    h2o_multithread_unregister_receiver(s->queue, &s->receiver);
    h2o_multithread_destroy_queue(s->queue);
    if (s->connections) {
        /* h2o 2.2 cannot dispose a context while connections are open (it
         * asserts): the loop's memory is left, reachable, to the process's
         * exit - this runs once, as `wasp run` ends. */
        http_abandoned = s;
        return;
    }
    h2o_context_dispose(&s->ctx);
    h2o_config_dispose(&s->config);
    free(s->route_max);
    free(s);
}
