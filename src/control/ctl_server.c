/* ctl_server.c - the control endpoint's server: one thread polls the
 * listeners and every client; sockets are non-blocking and every buffer is
 * bounded, so a slow or hostile client costs memory it is allowed and never
 * holds the system up. Answers (from this thread, workers' reply callbacks
 * or command threads) go through one queue the thread drains. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/control.h"
#include "core/net.h"

#define MAX_CLIENTS 64
#define MAX_PENDING 256           /* requests in flight per client before we stop reading it */
#define OUT_HIGH_WATER (4u << 20) /* unsent output before we stop reading it */
#define PARTIAL_LINE_MS 30000     /* a request line must be complete within this */
#define READ_CHUNK 65536

struct client {
    int fd;
    uint64_t id; /* never reused: late answers to a closed client are dropped */
    bool tcp, closing;
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_off, out_cap;
    unsigned pending;
    int64_t partial_since; /* when the unfinished line in `in` began; 0 = none */
    int64_t last_active;
};

struct completion {
    struct completion *next;
    uint64_t client;
    char *line; /* with its newline */
    size_t len;
};

struct wasp__ctl_server {
    wasp__ctl_host host;
    size_t max_line;
    int unix_fd, tcp_fd, tcp_port;
    char path[108];
    int wake[2];
    pthread_t thread;
    bool thread_running;
    atomic_bool quit;
    pthread_mutex_t mu; /* guards the completion queue and command threads */
    pthread_cond_t cv;
    struct completion *head, **tail;
    unsigned threads; /* WASP__CTL_THREAD commands running */
    struct client *clients[MAX_CLIENTS];
    size_t nclients;
    uint64_t next_client;
};

struct wasp__ctl_call {
    wasp__ctl_server *srv;
    uint64_t client;
    json_t *id;
    json_t *req; /* threaded commands: the request they run on */
    const struct wasp__ctl_command *cmd;
};

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(wasp__ctl_server *s) {
    ssize_t r = write(s->wake[1], "x", 1);
    (void)r; /* a full pipe is already a pending wake-up */
}


/* ---- answers ------------------------------------------------------------- */

static void push_line(wasp__ctl_server *s, uint64_t client, char *line, size_t len) {
    struct completion *c = malloc(sizeof(*c));
    if (!c) {
        free(line);
        return;
    }
    *c = (struct completion){.client = client, .line = line, .len = len};
    pthread_mutex_lock(&s->mu);
    *s->tail = c;
    s->tail = &c->next;
    pthread_mutex_unlock(&s->mu);
    wake(s);
}

/* Serialises obj as one line and queues it for the client. */
static void push_json(wasp__ctl_server *s, uint64_t client, json_t *obj) {
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text) return;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (!line) {
        free(text);
        return;
    }
    line[n] = '\n';
    line[n + 1] = 0;
    push_line(s, client, line, n + 1);
}

static void call_free(wasp__ctl_call *c) {
    json_decref(c->id);
    json_decref(c->req);
    free(c);
}

const wasp__ctl_host *wasp__ctl_call_host(const wasp__ctl_call *c) { return &c->srv->host; }

void wasp__ctl_reply(wasp__ctl_call *c, json_t *result) {
    json_t *obj = json_object();
    if (obj) {
        json_object_set(obj, "id", c->id ? c->id : json_null());
        json_object_set_new(obj, "ok", json_true());
        if (result) json_object_update(obj, result);
        push_json(c->srv, c->client, obj);
    }
    json_decref(result);
    call_free(c);
}

static json_t *error_object(json_t *id, int err, const char *message) {
    return json_pack("{s:O?,s:b,s:s,s:s}", "id", id, "ok", 0, "error", wasp__ctl_errname(err),
                     "message", message);
}

void wasp__ctl_fail(wasp__ctl_call *c, int err, const char *fmt, ...) {
    char msg[1024];
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
    } else {
        snprintf(msg, sizeof(msg), "%s", wasp_strerror(err));
    }
    json_t *obj = error_object(c->id, err, msg);
    if (obj) push_json(c->srv, c->client, obj);
    call_free(c);
}

/* ---- clients ------------------------------------------------------------- */

static int out_append(struct client *cl, const char *p, size_t n) {
    if (cl->out_off && cl->out_off == cl->out_len) cl->out_off = cl->out_len = 0;
    if (cl->out_cap - cl->out_len < n) {
        if (cl->out_off) { /* compact first */
            memmove(cl->out, cl->out + cl->out_off, cl->out_len - cl->out_off);
            cl->out_len -= cl->out_off;
            cl->out_off = 0;
        }
        size_t cap = cl->out_cap ? cl->out_cap : 4096;
        while (cap - cl->out_len < n) cap *= 2;
        char *nb = realloc(cl->out, cap);
        if (!nb) return WASP_ENOMEM;
        cl->out = nb;
        cl->out_cap = cap;
    }
    memcpy(cl->out + cl->out_len, p, n);
    cl->out_len += n;
    return WASP_OK;
}

static void client_free(struct client *cl) {
    close(cl->fd);
    free(cl->in);
    free(cl->out);
    free(cl);
}

static struct client *client_find(wasp__ctl_server *s, uint64_t id) {
    for (size_t i = 0; i < s->nclients; i++)
        if (s->clients[i]->id == id) return s->clients[i];
    return NULL;
}

/* Answers a client directly from this thread (errors before any command). */
static void answer_now(struct client *cl, json_t *obj) {
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text) return;
    if (out_append(cl, text, strlen(text)) == WASP_OK) out_append(cl, "\n", 1);
    free(text);
}

static void *command_thread(void *arg) {
    wasp__ctl_call *c = arg;
    wasp__ctl_server *s = c->srv;
    c->cmd->run(c, c->req);
    pthread_mutex_lock(&s->mu);
    s->threads--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void dispatch(wasp__ctl_server *s, struct client *cl, const char *line, size_t len) {
    char msg[256];
    json_t *req;
    if (wasp__ctl_parse_request(line, len, &req, msg, sizeof(msg)) != WASP_OK) {
        answer_now(cl, error_object(NULL, WASP_EINVAL, msg));
        return;
    }
    json_t *id = json_object_get(req, "id");
    const char *name = json_string_value(json_object_get(req, "cmd"));
    const struct wasp__ctl_command *cmd = wasp__ctl_command_find(name);
    if (!cmd) {
        snprintf(msg, sizeof(msg), "unknown command '%.64s' (\"help\" lists them)", name);
        answer_now(cl, error_object(id, WASP_EINVAL, msg));
        json_decref(req);
        return;
    }
    wasp__ctl_call *c = calloc(1, sizeof(*c));
    if (!c) {
        answer_now(cl, error_object(id, WASP_ENOMEM, "out of memory"));
        json_decref(req);
        return;
    }
    *c = (wasp__ctl_call){.srv = s, .client = cl->id, .id = json_incref(id), .cmd = cmd};
    cl->pending++;
    if (cmd->flags & WASP__CTL_THREAD) {
        c->req = req;
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_mutex_lock(&s->mu);
        s->threads++;
        pthread_mutex_unlock(&s->mu);
        if (pthread_create(&t, &attr, command_thread, c) != 0) {
            pthread_mutex_lock(&s->mu);
            s->threads--;
            pthread_mutex_unlock(&s->mu);
            wasp__ctl_fail(c, WASP_ENOMEM, "cannot start a thread for '%s'", name);
        }
        pthread_attr_destroy(&attr);
        return;
    }
    cmd->run(c, req);
    json_decref(req);
}

static bool line_is_blank(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
    return true;
}

/* Handles every complete line in the client's input buffer. */
static void process_input(wasp__ctl_server *s, struct client *cl) {
    size_t start = 0;
    while (!cl->closing && cl->pending < MAX_PENDING) {
        char *nl = memchr(cl->in + start, '\n', cl->in_len - start);
        if (!nl) break;
        size_t len = (size_t)(nl - (cl->in + start));
        if (cl->tcp && start == 0 && wasp__ctl_http_is_request(cl->in, cl->in_len)) {
            /* An HTTP client on the TCP port: GET /metrics is served, once. */
            if (!wasp__ctl_http_complete(cl->in, cl->in_len)) break;
            char *resp = NULL;
            size_t rlen = 0;
            wasp__ctl_http_answer(&s->host, cl->in, cl->in_len, &resp, &rlen);
            if (resp) out_append(cl, resp, rlen);
            free(resp);
            cl->closing = true;
            start = cl->in_len;
            break;
        }
        if (!line_is_blank(cl->in + start, len)) dispatch(s, cl, cl->in + start, len);
        start += len + 1;
        cl->last_active = mono_ms();
    }
    memmove(cl->in, cl->in + start, cl->in_len - start);
    cl->in_len -= start;
    cl->partial_since = cl->in_len ? (cl->partial_since ? cl->partial_since : mono_ms()) : 0;
    if (cl->in_len > s->max_line && !cl->closing) {
        char msg[128];
        snprintf(msg, sizeof(msg), "request line longer than %zu bytes", s->max_line);
        answer_now(cl, error_object(NULL, WASP_E2BIG, msg));
        cl->closing = true;
    }
}

static bool client_read(wasp__ctl_server *s, struct client *cl) {
    if (cl->in_cap - cl->in_len < READ_CHUNK) {
        size_t cap = cl->in_cap ? cl->in_cap * 2 : READ_CHUNK * 2;
        char *nb = realloc(cl->in, cap);
        if (!nb) return false;
        cl->in = nb;
        cl->in_cap = cap;
    }
    ssize_t n = recv(cl->fd, cl->in + cl->in_len, cl->in_cap - cl->in_len - 1, 0);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    cl->in_len += (size_t)n;
    process_input(s, cl);
    return true;
}

static bool client_write(struct client *cl) {
    while (cl->out_off < cl->out_len) {
        ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        cl->out_off += (size_t)n;
    }
    cl->out_off = cl->out_len = 0;
    return !cl->closing; /* closing and flushed: done */
}

static void client_remove(wasp__ctl_server *s, size_t i) {
    client_free(s->clients[i]);
    s->clients[i] = s->clients[--s->nclients];
}

/* A new connection; when every slot is taken the longest-idle client with
 * nothing in flight makes room, else the newcomer is told and closed. */
static void accept_one(wasp__ctl_server *s, int lfd, bool tcp) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (s->nclients == MAX_CLIENTS) {
        size_t victim = MAX_CLIENTS;
        for (size_t i = 0; i < s->nclients; i++) {
            struct client *c = s->clients[i];
            if (c->pending || c->out_len) continue;
            if (victim == MAX_CLIENTS || c->last_active < s->clients[victim]->last_active) victim = i;
        }
        if (victim == MAX_CLIENTS) {
            static const char busy[] =
                "{\"id\":null,\"ok\":false,\"error\":\"EFULL\",\"message\":\"too many control clients\"}\n";
            ssize_t w = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)w;
            close(fd);
            return;
        }
        client_remove(s, victim);
    }
    struct client *cl = calloc(1, sizeof(*cl));
    if (!cl) {
        close(fd);
        return;
    }
    cl->fd = fd;
    cl->tcp = tcp;
    cl->id = ++s->next_client;
    cl->last_active = mono_ms();
    s->clients[s->nclients++] = cl;
}

static void drain_completions(wasp__ctl_server *s) {
    pthread_mutex_lock(&s->mu);
    struct completion *c = s->head;
    s->head = NULL;
    s->tail = &s->head;
    pthread_mutex_unlock(&s->mu);
    while (c) {
        struct completion *next = c->next;
        struct client *cl = client_find(s, c->client);
        if (cl) {
            if (cl->pending) cl->pending--;
            if (out_append(cl, c->line, c->len) != WASP_OK) cl->closing = true;
        }
        free(c->line);
        free(c);
        c = next;
    }
}

static void *server_thread(void *arg) {
    wasp__ctl_server *s = arg;
    struct pollfd pf[3 + MAX_CLIENTS];
    while (!atomic_load(&s->quit)) {
        size_t n = 0;
        pf[n++] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = s->unix_fd, .events = POLLIN};
        pf[n++] = (struct pollfd){.fd = s->tcp_fd, .events = POLLIN};
        for (size_t i = 0; i < s->nclients; i++) {
            struct client *cl = s->clients[i];
            short ev = 0;
            if (!cl->closing && cl->pending < MAX_PENDING && cl->out_len - cl->out_off < OUT_HIGH_WATER)
                ev |= POLLIN;
            if (cl->out_len > cl->out_off) ev |= POLLOUT;
            pf[n++] = (struct pollfd){.fd = cl->fd, .events = ev};
        }
        int r = poll(pf, n, 1000);
        if (r < 0 && errno != EINTR) break;
        if (pf[0].revents) {
            char buf[256];
            while (read(s->wake[0], buf, sizeof(buf)) > 0) {
            }
        }
        drain_completions(s);
        int64_t now = mono_ms();
        /* Clients in reverse, so that removing one (swap with the last) is safe. */
        for (size_t i = s->nclients; i-- > 0;) {
            struct client *cl = s->clients[i];
            short re = pf[3 + i].fd == cl->fd ? pf[3 + i].revents : 0;
            bool keep = true;
            if (re & (POLLIN | POLLHUP | POLLERR)) keep = client_read(s, cl);
            else if (cl->in_len && !cl->closing) process_input(s, cl); /* resumed after backpressure */
            if (keep && cl->partial_since && now - cl->partial_since > PARTIAL_LINE_MS) {
                answer_now(cl, error_object(NULL, WASP_ETIMEDOUT, "request line not finished in time"));
                cl->closing = true;
            }
            if (keep && (cl->out_len > cl->out_off || cl->closing)) keep = client_write(cl);
            if (!keep) client_remove(s, i);
        }
        if (pf[1].revents & POLLIN) accept_one(s, s->unix_fd, false);
        if (pf[2].revents & POLLIN) accept_one(s, s->tcp_fd, true);
    }
    /* Last answers (e.g. to `stop`) still get out, briefly. */
    drain_completions(s);
    int64_t until = mono_ms() + 200;
    for (size_t i = 0; i < s->nclients; i++) {
        struct client *cl = s->clients[i];
        while (cl->out_len > cl->out_off && mono_ms() < until) {
            struct pollfd p = {.fd = cl->fd, .events = POLLOUT};
            if (poll(&p, 1, 50) > 0 && !client_write(cl) && cl->out_len > cl->out_off) break;
        }
    }
    return NULL;
}

/* ---- listeners ------------------------------------------------------------ */

static int listen_unix(wasp__ctl_server *s, char *err, size_t errcap) {
    char dir[256];
    int rc = wasp__ctl_runtime_dir(dir, sizeof(dir), err, errcap);
    if (rc != WASP_OK) return rc;
    if (wasp__ctl_socket_path(dir, s->host.name, (long)getpid(), s->path, sizeof(s->path)) != WASP_OK) {
        snprintf(err, errcap, "socket path in %s is too long", dir);
        return WASP_E2BIG;
    }
    struct stat st;
    if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(s->path); /* an old pid's */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, s->path);
    s->unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->unix_fd < 0 || bind(s->unix_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        chmod(s->path, 0600) != 0 || listen(s->unix_fd, 64) != 0) {
        snprintf(err, errcap, "cannot listen on %s: %s", s->path, strerror(errno));
        s->path[0] = 0;
        return WASP_EIO;
    }
    return WASP_OK;
}

int wasp__ctl_server_start(const wasp__ctl_host *host, const wasp__ctl_options *opts,
                           wasp__ctl_server **out, char *err, size_t errcap) {
    wasp__ctl_server *s = calloc(1, sizeof(*s));
    if (!s) return WASP_ENOMEM;
    s->host = *host;
    s->unix_fd = s->tcp_fd = s->wake[0] = s->wake[1] = -1;
    size_t maxmsg = opts->max_message ? opts->max_message : (1u << 20);
    /* Room for a whole message escaped as \u00XX, and the rest of the request. */
    s->max_line = opts->max_line ? opts->max_line : maxmsg * 6 + 65536;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->tail = &s->head;
    int rc = WASP_OK;
    if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errcap, "pipe: %s", strerror(errno));
        rc = WASP_EIO;
    }
    if (rc == WASP_OK && opts->unix_socket) rc = listen_unix(s, err, errcap);
    if (rc == WASP_OK && opts->tcp) {
        s->tcp_fd = wasp__tcp_listen(opts->tcp, true, &s->tcp_port, err, errcap);
        if (s->tcp_fd < 0) rc = s->tcp_fd;
    }
    if (rc == WASP_OK) {
        if (pthread_create(&s->thread, NULL, server_thread, s) != 0) {
            snprintf(err, errcap, "cannot start the control thread");
            rc = WASP_ENOMEM;
        } else {
            s->thread_running = true;
        }
    }
    if (rc != WASP_OK) {
        wasp__ctl_server_stop(s);
        wasp__ctl_server_free(s);
        return rc;
    }
    *out = s;
    return WASP_OK;
}

const char *wasp__ctl_server_path(const wasp__ctl_server *s) { return s ? s->path : ""; }
int wasp__ctl_server_port(const wasp__ctl_server *s) { return s ? s->tcp_port : 0; }

void wasp__ctl_server_stop(wasp__ctl_server *s) {
    if (!s) return;
    atomic_store(&s->quit, true);
    if (s->thread_running) {
        wake(s);
        pthread_join(s->thread, NULL);
        s->thread_running = false;
    }
    /* Commands on threads of their own finish first: they use the host. */
    pthread_mutex_lock(&s->mu);
    while (s->threads) pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    if (s->path[0]) unlink(s->path);
    s->path[0] = 0;
    if (s->unix_fd >= 0) close(s->unix_fd);
    if (s->tcp_fd >= 0) close(s->tcp_fd);
    s->unix_fd = s->tcp_fd = -1;
    for (size_t i = 0; i < s->nclients; i++) client_free(s->clients[i]);
    s->nclients = 0;
}

void wasp__ctl_server_free(wasp__ctl_server *s) {
    if (!s) return;
    drain_completions(s);
    if (s->wake[0] >= 0) close(s->wake[0]);
    if (s->wake[1] >= 0) close(s->wake[1]);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
