/* test_http.c - the HTTP ingress, through the real `wasp run` and a raw
 * socket client: every status (200, 404, 502, 503, 504, 413), the request
 * and response envelopes, codec tags from and to Content-Type, /metrics,
 * malformed requests, a slow client, a flood of connections, and manifest
 * errors in the `http` section
 * (docs/HTTP.md). */
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include "cli_helpers.h"

static int port;
static struct proc sys;
static int left_open[2] = {-1, -1}; /* connections still open when the system stops */

static int setup(void **state) {
    (void)state;
    cli_dirs_create();
    copy_guest("http_hello", "web.wasm");
    tu_write_file(dir, "web.yaml",
                  "name: web\n"
                  "components:\n"
                  "  - name: app\n"
                  "    wasm: web.wasm\n"
                  "    instances: 2\n"
                  "  - name: tiny\n"
                  "    wasm: web.wasm\n"
                  "    mailbox: 1\n"
                  "supervisor:\n"
                  "  intensity: 100\n"
                  "http:\n"
                  "  listen: 127.0.0.1:0\n"
                  "  max_body: 1KiB\n"
                  "  max_connections: 40\n"
                  "  routes:\n"
                  "    - {path: /app/*, component: app, timeout: 5s}\n"
                  "    - {path: /hurry/*, component: app, timeout: 150ms}\n"
                  "    - {path: /tiny/*, component: tiny, timeout: 5s}\n"
                  "    - {path: /exact, component: app}\n");
    start(&sys, (const char *[]){"run", "web.yaml", NULL});
    char rest[64];
    wait_for_log(&sys, "http listening on 127.0.0.1:", rest, sizeof(rest));
    port = atoi(rest);
    assert_true(port > 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    kill(sys.pid, SIGTERM);
    int rc = finish(&sys, 30000);
    for (int i = 0; i < 2; i++)
        if (left_open[i] >= 0) close(left_open[i]);
    cli_dirs_remove(state);
    assert_int_equal(rc, 0); /* the flood and the rest left it able to stop cleanly */
    return 0;
}

static int connect_http(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(0x7f000001)};
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends raw bytes on a new connection, reads until the server closes (or 10 s);
 * returns the status (0 if none) and the whole response in buf. */
static int exchange(const char *raw, size_t len, char *buf, size_t cap) {
    int fd = connect_http();
    assert_true(fd >= 0);
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, raw + off, len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    size_t used = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0) break;
        ssize_t r = recv(fd, buf + used, cap - 1 - used, 0);
        if (r <= 0) break;
        used += (size_t)r;
    }
    buf[used] = 0;
    close(fd);
    return strncmp(buf, "HTTP/1.", 7) ? 0 : atoi(buf + 9);
}

static int get(const char *path, char *buf, size_t cap) {
    char req[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    return exchange(req, (size_t)n, buf, cap);
}

static const char *body_of(const char *resp) {
    const char *b = strstr(resp, "\r\n\r\n");
    return b ? b + 4 : "";
}

static void test_statuses(void **state) {
    (void)state;
    char buf[65536];
    assert_int_equal(get("/app/hello", buf, sizeof(buf)), 200);
    assert_string_equal(body_of(buf), "hello\n");
    assert_non_null(strcasestr(buf, "content-length: 6"));
    assert_int_equal(get("/exact", buf, sizeof(buf)), 404); /* the component's own 404 */
    assert_non_null(strstr(body_of(buf), "no such page"));
    assert_int_equal(get("/exact/more", buf, sizeof(buf)), 404); /* no route */
    assert_string_equal(body_of(buf), "no route\n");
    assert_int_equal(get("/nothing", buf, sizeof(buf)), 404);
    assert_int_equal(get("/hurry/slow", buf, sizeof(buf)), 504);
    assert_int_equal(get("/app/crash", buf, sizeof(buf)), 502);
    assert_int_equal(get("/app/bad", buf, sizeof(buf)), 502);
    assert_int_equal(get("/app/silent", buf, sizeof(buf)), 502);
    /* After the crash the component was restarted: it serves again. */
    assert_true(TU_WAIT_UNTIL(get("/app/hello", buf, sizeof(buf)) == 200, 5000));

    /* The envelope both ways: method, query, headers, body. */
    static const char post[] = "POST /app/echo?k=v&x=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                               "Content-Type: text/x-test\r\nContent-Length: 9\r\n\r\nbody\0byte";
    assert_int_equal(exchange(post, sizeof(post) - 1, buf, sizeof(buf)), 200);
    assert_non_null(strcasestr(buf, "x-method: POST"));
    assert_non_null(strcasestr(buf, "x-query: k=v&x=1"));
    assert_non_null(strcasestr(buf, "content-type: text/x-test"));
    assert_memory_equal(body_of(buf), "body\0byte", 9);

    /* Larger than max_body: 413, before the component sees it. */
    char big[8192];
    int n = snprintf(big, sizeof(big), "POST /app/echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                                       "Content-Length: 4096\r\n\r\n");
    memset(big + n, 'x', 4096);
    assert_int_equal(exchange(big, (size_t)n + 4096, buf, sizeof(buf)), 413);

    /* /metrics: Prometheus text, every name wasp_. */
    assert_int_equal(get("/metrics", buf, sizeof(buf)), 200);
    const char *m = body_of(buf);
    assert_non_null(strstr(m, "wasp_actor_handled_total{system=\"web\",actor=\"app.0\",kind=\"wasm\"}"));
    assert_non_null(strstr(m, "wasp_actor_crashes_total"));
    assert_non_null(strstr(m, "wasp_supervisor_restarts_total"));
    assert_non_null(strstr(m, "wasp_system_dead_letters_total"));
    assert_non_null(strstr(m, "wasp_process_resident_memory_bytes"));
    for (const char *line = m; *line; line = strchr(line, '\n') + 1) {
        if (*line != '#') assert_true(!strncmp(line, "wasp_", 5));
        if (!strchr(line, '\n')) break;
    }
}

/* POSTs to target with a Content-Type (NULL: none); the response in buf. */
static int post_typed(const char *target, const char *type, char *buf, size_t cap) {
    char req[512];
    int n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                     "%s%s%sContent-Length: 2\r\n\r\n{}", target, type ? "Content-Type: " : "",
                     type ? type : "", type ? "\r\n" : "");
    return exchange(req, (size_t)n, buf, cap);
}

/* Codec tags: the request's Content-Type tags the message the component gets;
 * the reply's tag is the response's Content-Type when the envelope names none. */
static void test_codec_tags(void **state) {
    (void)state;
    static const struct {
        const char *request_type;
        const char *codec;         /* what the component saw */
        const char *response_type; /* what the client gets back */
    } cases[] = {
        {"application/json", "codec=512", "application/json"},
        {"Application/JSON; charset=utf-8", "codec=512", "application/json"},
        {"application/problem+json", "codec=512", "application/json"},
        {"application/cbor", "codec=81", "application/cbor"},
        {"application/x-protobuf", "codec=80", "application/protobuf"},
        {"application/octet-stream", "codec=85", "application/octet-stream"},
        {"application/msgpack", "codec=513", "application/msgpack"},
        {"text/plain", "codec=0", "text/plain; charset=utf-8"},
        {"application/jsonx", "codec=0", "text/plain; charset=utf-8"},
        {";;", "codec=0", "text/plain; charset=utf-8"},
        {NULL, "codec=0", "text/plain; charset=utf-8"},
    };
    char buf[4096], want[128];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(post_typed("/app/codec", cases[i].request_type, buf, sizeof(buf)), 200);
        if (strcmp(body_of(buf), cases[i].codec))
            fail_msg("%s: the component saw \"%s\", not %s", cases[i].request_type, body_of(buf), cases[i].codec);
        snprintf(want, sizeof(want), "content-type: %s\r\n", cases[i].response_type);
        if (!strcasestr(buf, want)) fail_msg("%s: response lacks \"%s\":\n%s", cases[i].request_type, want, buf);
    }
    /* A content-type in the envelope wins over the tag. */
    assert_int_equal(post_typed("/app/codec?typed", "application/json", buf, sizeof(buf)), 200);
    assert_string_equal(body_of(buf), "codec=512");
    assert_non_null(strcasestr(buf, "content-type: text/x-mine\r\n"));
    assert_null(strcasestr(buf, "application/json"));
}

struct slow_get {
    int status;
};

static void *slow_get_thread(void *arg) {
    struct slow_get *g = arg;
    char buf[4096];
    g->status = get("/tiny/slow", buf, sizeof(buf));
    return NULL;
}

/* A busy component with a mailbox of one: the overflow is 503. */
static void test_full_mailbox(void **state) {
    (void)state;
    enum { N = 6 };
    pthread_t t[N];
    struct slow_get g[N];
    for (int i = 0; i < N; i++) pthread_create(&t[i], NULL, slow_get_thread, &g[i]);
    int ok = 0, full = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        ok += g[i].status == 200;
        full += g[i].status == 503;
    }
    assert_true(ok >= 1);
    assert_true(full >= 1);
    assert_int_equal(ok + full, N);
}

/* Malformed requests get 400 (or a closed connection), never a crash. */
static void test_malformed(void **state) {
    (void)state;
    char buf[65536];
    static const char *const bad[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /app/hello HTTP/9.9\r\n\r\n",
        "GET /app/hello HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n",
        "GET /app/hello HTTP/1.1\r\nBad Header Line\r\n\r\n",
        "\x01\x02\x03\xff\r\n\r\n",
        "POST /app/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int status = exchange(bad[i], strlen(bad[i]), buf, sizeof(buf));
        assert_true(status == 0 || (status >= 400 && status < 500) || status == 505);
    }
    /* Headers larger than anything sensible. */
    size_t big = 200000;
    char *huge = malloc(big);
    int n = snprintf(huge, big, "GET /app/hello HTTP/1.1\r\nX-Big: ");
    memset(huge + n, 'a', big - (size_t)n - 4);
    memcpy(huge + big - 4, "\r\n\r\n", 4);
    int status = exchange(huge, big, buf, sizeof(buf));
    free(huge);
    assert_true(status == 0 || (status >= 400 && status < 500));
    assert_int_equal(get("/app/hello", buf, sizeof(buf)), 200);
    /* Headers too large for the envelope; a request larger than the
     * component's limits.max_message (64 KiB by default). */
    char hdr[20000];
    n = snprintf(hdr, sizeof(hdr), "GET /app/hello HTTP/1.1\r\nConnection: close\r\nX-Big: ");
    memset(hdr + n, 'b', 17000);
    memcpy(hdr + n + 17000, "\r\n\r\n", 4);
    assert_int_equal(exchange(hdr, (size_t)n + 17004, buf, sizeof(buf)), 431);
}

/* A client that never finishes its request holds up nobody; a flood of
 * connections beyond max_connections is turned away, and the server serves
 * again once it is over. */
static void test_slow_client_and_flood(void **state) {
    (void)state;
    char buf[4096];
    int slow = connect_http();
    assert_true(slow >= 0);
    send(slow, "GET /app/hello HTTP/1.1\r\nHo", 27, MSG_NOSIGNAL);
    assert_int_equal(get("/app/hello", buf, sizeof(buf)), 200);
    close(slow);

    enum { FLOOD = 200 };
    int fds[FLOOD];
    for (int i = 0; i < FLOOD; i++) fds[i] = connect_http();
    for (int i = 0; i < FLOOD; i++)
        if (fds[i] >= 0) close(fds[i]);
    assert_true(TU_WAIT_UNTIL(get("/app/hello", buf, sizeof(buf)) == 200, 10000));

    /* A kept-alive connection and a half-sent request stay open while the
     * system stops (teardown): it must still exit 0. */
    left_open[0] = connect_http();
    static const char keep[] = "GET /app/hello HTTP/1.1\r\nHost: t\r\n\r\n";
    send(left_open[0], keep, sizeof(keep) - 1, MSG_NOSIGNAL);
    assert_true(recv(left_open[0], buf, sizeof(buf), 0) > 0);
    left_open[1] = connect_http();
    send(left_open[1], "GET /app/sl", 11, MSG_NOSIGNAL);
}

/* Problems in the `http` section are reported with their position. */
static void test_manifest_errors(void **state) {
    (void)state;
    tu_write_file(dir, "bad.yaml",
                  "name: bad\n"
                  "components:\n"
                  "  - name: app\n"
                  "    wasm: web.wasm\n"
                  "http:\n"
                  "  listen: nowhere\n"
                  "  routes:\n"
                  "    - {path: nothing, component: app}\n"
                  "    - {path: /a/*/b, component: app}\n"
                  "    - {path: /x, component: ghost, timeout: 0s}\n"
                  "    - {path: /y}\n");
    char *out, *err;
    assert_int_equal(run((const char *[]){"check", "bad.yaml", NULL}, &out, &err), 1);
    assert_non_null(strstr(out, "bad.yaml:6:11: listen must be HOST:PORT"));
    assert_non_null(strstr(out, "bad.yaml:8:14: invalid route path 'nothing'"));
    assert_non_null(strstr(out, "bad.yaml:9:14: invalid route path '/a/*/b'"));
    assert_non_null(strstr(out, "route to unknown component 'ghost'"));
    assert_non_null(strstr(out, "timeout must be"));
    assert_non_null(strstr(out, "missing"));
    free(out), free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statuses),
        cmocka_unit_test(test_codec_tags),
        cmocka_unit_test(test_full_mailbox),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_slow_client_and_flood),
        cmocka_unit_test(test_manifest_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
