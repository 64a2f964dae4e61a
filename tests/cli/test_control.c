/* test_control.c - the control endpoint, driven through the real binaries:
 * `wasp run` serving, `wasp ps/send/call/stats/top/stop` and raw protocol
 * clients talking to it: every command and error, the socket's
 * permissions, stale sockets, two systems of one name, many concurrent
 * clients, hostile ones (oversized, malformed, never reading, too many),
 * TCP on loopback with GET /metrics (docs/CONTROL.md). */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cli_helpers.h"
#include "control/control.h"

static int setup(void **state) {
    (void)state;
    cli_dirs_create();
    copy_guest("echo", "echo.wasm");
    copy_guest("crasher", "crasher.wasm");
    copy_guest("spinner", "spinner.wasm");
    tu_write_file(dir, "demo.yaml",
                  "name: demo\n"
                  "components:\n"
                  "  - name: e\n"
                  "    wasm: echo.wasm\n"
                  "  - name: c\n"
                  "    wasm: crasher.wasm\n"
                  "  - name: s\n"
                  "    wasm: spinner.wasm\n"
                  "    limits: {max_handle_time: 400ms}\n"
                  "supervisor:\n"
                  "  intensity: 100\n");
    return 0;
}

static int teardown_test(void **state) {
    (void)state;
    tu_kill_tracked();
    return 0;
}

/* Starts `wasp run demo.yaml [extra]` and waits for its control socket;
 * path (may be NULL) gets it. */
static void start_system(struct proc *p, const char *const *extra, char *path, size_t cap) {
    const char *args[16] = {"run", "demo.yaml"};
    size_t n = 2;
    while (extra && *extra && n < 15) args[n++] = *extra++;
    args[n] = NULL;
    start(p, args);
    tu_track(p->pid);
    char where[256];
    wait_for_log(p, "control socket ", where, sizeof(where));
    if (path) snprintf(path, cap, "%s", where);
}

static void stop_system(struct proc *p) {
    kill(p->pid, SIGTERM);
    assert_int_equal(finish(p, 30000), 0);
}

/* Runs wasp; asserts its exit status; returns stdout, *err gets stderr (may be NULL). */
static char *expect(int status, const char *const *args, char **err) {
    char *out, *e;
    int rc = run(args, &out, &e);
    if (rc != status) fail_msg("wasp %s %s: exit %d, want %d\nstdout: %s\nstderr: %s", args[0],
                               args[1] ? args[1] : "", rc, status, out, e);
    if (err) *err = e;
    else free(e);
    return out;
}

static void test_commands(void **state) {
    (void)state;
    struct proc sys;
    char path[256], *out, *err;
    start_system(&sys, NULL, path, sizeof(path));

    /* The socket: 0600, in a 0700 directory of ours. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    char d[300];
    snprintf(d, sizeof(d), "%s/wasp", rtdir);
    assert_int_equal(stat(d, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    out = expect(0, (const char *[]){"ps", NULL}, NULL);
    assert_true(!strncmp(out, "demo ", 5));
    assert_non_null(strstr(out, path));
    free(out);

    out = expect(0, (const char *[]){"call", "demo", "e", "hello", NULL}, NULL);
    assert_string_equal(out, "hello");
    free(out);
    out = expect(0, (const char *[]){"call", path, "e", "by path", NULL}, NULL);
    assert_string_equal(out, "by path");
    free(out);

    /* Bytes that are not text travel as base64, and come back exact. */
    static const char bin[] = {'a', 0, (char)0xff, (char)0xc3, '\n', 'z'};
    char binpath[4300];
    snprintf(binpath, sizeof(binpath), "%s/bin.dat", dir);
    FILE *f = fopen(binpath, "wb");
    fwrite(bin, 1, sizeof(bin), f);
    fclose(f);
    struct proc p;
    start_io(&p, (const char *[]){"call", "demo", "e", "-", NULL}, binpath);
    assert_int_equal(finish(&p, 20000), 0);
    size_t len;
    uint8_t *got = tu_read_file(p.out, &len);
    assert_int_equal(len, sizeof(bin));
    assert_memory_equal(got, bin, sizeof(bin));
    free(got);
    out = expect(0, (const char *[]){"call", "demo", "e", "--file", binpath, NULL}, NULL);
    free(out);

    /* Errors name the ABI error on stderr, exit 1. */
    out = expect(1, (const char *[]){"call", "demo", "nobody", "x", NULL}, &err);
    assert_non_null(strstr(err, "ENOENT"));
    free(out), free(err);
    out = expect(1, (const char *[]){"call", "demo", "s", "spin", "--timeout", "100ms", NULL}, &err);
    assert_non_null(strstr(err, "ETIMEDOUT"));
    free(out), free(err);
    out = expect(1, (const char *[]){"call", "demo", "c", "error", NULL}, &err);
    assert_non_null(strstr(err, "ENOREPLY"));
    free(out), free(err);
    out = expect(1, (const char *[]){"call", "demo", "c", "crash", NULL}, &err);
    assert_non_null(strstr(err, "ECRASH"));
    free(out), free(err);
    out = expect(1, (const char *[]){"call", "nosuchsystem", "e", "x", NULL}, &err);
    assert_non_null(strstr(err, "no system named 'nosuchsystem'"));
    free(out), free(err);
    out = expect(2, (const char *[]){"call", "demo", "e", NULL}, NULL);
    free(out);
    out = expect(2, (const char *[]){"call", "demo", "e", "x", "--timeout", "soon", NULL}, NULL);
    free(out);

    /* send: queued as an outside message (echo logs it). */
    out = expect(0, (const char *[]){"send", "demo", "e", "fire and forget", NULL}, NULL);
    free(out);
    out = expect(1, (const char *[]){"send", "demo", "nobody", "x", NULL}, &err);
    assert_non_null(strstr(err, "ENOENT"));
    free(out), free(err);
    assert_true(TU_WAIT_UNTIL(file_contains(sys.err, "echo: fire and forget"), 10000));
    /* --codec: a multicodec name or code tags the message; anything else is a usage error */
    out = expect(0, (const char *[]){"send", "demo", "e", "tagged", "--codec", "json", NULL}, NULL);
    free(out);
    out = expect(0, (const char *[]){"call", "demo", "e", "tagged", "--codec", "0x51", NULL}, NULL);
    assert_string_equal(out, "tagged");
    free(out);
    out = expect(2, (const char *[]){"send", "demo", "e", "x", "--codec", "yaml", NULL}, NULL);
    free(out);

    /* stats: the JSON of --stats, live. */
    out = expect(0, (const char *[]){"stats", "demo", NULL}, NULL);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "system")), "demo");
    assert_true(json_array_size(json_object_get(j, "actors")) >= 4);
    json_decref(j);
    free(out);

    out = expect(0, (const char *[]){"top", "demo", "--once", NULL}, NULL);
    assert_non_null(strstr(out, "ACTOR"));
    assert_non_null(strstr(out, "\ne "));
    free(out);

    /* stop: graceful, that run exits 0, the socket goes. */
    out = expect(0, (const char *[]){"stop", "demo", NULL}, NULL);
    free(out);
    assert_int_equal(finish(&sys, 30000), 0);
    assert_true(file_contains(sys.err, "wasp stop: stopping"));
    assert_int_equal(access(path, F_OK), -1);
    out = expect(0, (const char *[]){"ps", NULL}, NULL);
    assert_string_equal(out, "");
    free(out);
}

/* A socket whose system died is removed; the name resolves to the live one. */
static void test_stale_and_duplicate(void **state) {
    (void)state;
    char d[300], stale[400];
    snprintf(d, sizeof(d), "%s/wasp", rtdir);
    mkdir(d, 0700);
    snprintf(stale, sizeof(stale), "%s/demo.999999.sock", d);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(stale) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, stale, strlen(stale) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd); /* bound, never listened: as if its process died */

    struct proc a, b;
    char pa[256], pb[256], *out, *err;
    start_system(&a, NULL, pa, sizeof(pa));
    out = expect(0, (const char *[]){"call", "demo", "e", "one", NULL}, NULL);
    assert_string_equal(out, "one");
    free(out);
    assert_int_equal(access(stale, F_OK), -1);

    /* Two systems of one name: by name is ambiguous, by socket path is not. */
    start_system(&b, NULL, pb, sizeof(pb));
    assert_string_not_equal(pa, pb);
    out = expect(1, (const char *[]){"call", "demo", "e", "x", NULL}, &err);
    assert_non_null(strstr(err, "2 systems named 'demo'"));
    assert_non_null(strstr(err, pa));
    assert_non_null(strstr(err, pb));
    free(out), free(err);
    out = expect(0, (const char *[]){"ps", NULL}, NULL);
    assert_non_null(strstr(out, pa));
    assert_non_null(strstr(out, pb));
    free(out);
    out = expect(0, (const char *[]){"stop", pb, NULL}, NULL);
    free(out);
    assert_int_equal(finish(&b, 30000), 0);
    stop_system(&a);
}

/* ---- raw protocol clients ------------------------------------------------- */

static int raw_connect(const char *path) {
    int fd = wasp__ctl_connect(path);
    assert_true(fd >= 0);
    return fd;
}

static void raw_write(int fd, const char *s, size_t n) {
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* Reads lines until `want` of them or EOF/timeout; returns how many. */
static int raw_read_lines(int fd, int want, int timeout_ms, char *last, size_t cap) {
    char buf[65536];
    int lines = 0;
    size_t used = 0;
    while (lines < want) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0) break;
        ssize_t r = recv(fd, buf + used, sizeof(buf) - used - 1, 0);
        if (r <= 0) break;
        used += (size_t)r;
        buf[used] = 0;
        char *nl;
        while ((nl = memchr(buf, '\n', used))) {
            if (last) snprintf(last, cap, "%.*s", (int)(nl - buf), buf);
            lines++;
            used -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, used);
        }
    }
    return lines;
}

struct hammer {
    const char *path;
    int ok;
};

static void *hammer_thread(void *arg) {
    struct hammer *h = arg;
    int fd = wasp__ctl_connect(h->path);
    if (fd < 0) return NULL;
    for (int i = 0; i < 50; i++) {
        char text[64];
        snprintf(text, sizeof(text), "m%d-%p", i, (void *)h);
        json_t *req = json_pack("{s:s,s:s,s:s}", "cmd", "call", "target", "e", "data", text), *resp;
        const char *got = NULL;
        if (wasp__ctl_request(fd, req, 20000, &resp) == WASP_OK)
            got = json_string_value(json_object_get(resp, "data"));
        if (got && !strcmp(got, text))
            h->ok++;
        json_decref(req);
        json_decref(resp);
    }
    close(fd);
    return NULL;
}

static void test_concurrent_clients(void **state) {
    (void)state;
    struct proc sys;
    char path[256];
    start_system(&sys, NULL, path, sizeof(path));
    enum { N = 16 };
    pthread_t t[N];
    struct hammer h[N];
    for (int i = 0; i < N; i++) {
        h[i] = (struct hammer){.path = path};
        pthread_create(&t[i], NULL, hammer_thread, &h[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(h[i].ok, 50);
    }
    /* Pipelined: 200 requests in one write, 200 answers. */
    int fd = raw_connect(path);
    size_t cap = 200 * 80, n = 0;
    char *batch = malloc(cap);
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(batch + n, cap - n, "{\"cmd\":\"call\",\"id\":%d,\"target\":\"e\",\"data\":\"p%d\"}\n", i, i);
    raw_write(fd, batch, n);
    free(batch);
    assert_int_equal(raw_read_lines(fd, 200, 20000, NULL, 0), 200);
    close(fd);
    stop_system(&sys);
}

static void test_hostile_clients(void **state) {
    (void)state;
    struct proc sys;
    char path[256], line[4096];
    start_system(&sys, NULL, path, sizeof(path));

    /* Malformed requests are answered, and the connection stays usable. */
    int fd = raw_connect(path);
    static const char bad[] = "not json\n[1,2]\n{\"cmd\":42}\n{\"cmd\":\"nope\"}\n"
                              "{\"cmd\":\"call\"}\n{\"cmd\":\"call\",\"target\":\"e\",\"data_b64\":\"!!\"}\n"
                              "{\"cmd\":\"call\",\"target\":\"e\",\"timeout_ms\":-5}\n"
                              "{\"cmd\":\"send\",\"target\":\"e\",\"data\":\"x\",\"data_b64\":\"eA==\"}\n";
    raw_write(fd, bad, sizeof(bad) - 1);
    assert_int_equal(raw_read_lines(fd, 8, 10000, line, sizeof(line)), 8);
    assert_non_null(strstr(line, "\"ok\":false"));
    assert_non_null(strstr(line, "EINVAL"));
    static const char again[] = "{\"cmd\":\"call\",\"target\":\"e\",\"data\":\"still here\"}\n";
    raw_write(fd, again, sizeof(again) - 1);
    assert_int_equal(raw_read_lines(fd, 1, 10000, line, sizeof(line)), 1);
    assert_non_null(strstr(line, "still here"));
    close(fd);

    /* An oversized line: E2BIG, then the connection is closed. */
    fd = raw_connect(path);
    size_t big = 16u << 20;
    char *huge = malloc(big);
    memset(huge, 'x', big);
    raw_write(fd, huge, big); /* the server stops reading once it has said no */
    free(huge);
    assert_true(raw_read_lines(fd, 1, 10000, line, sizeof(line)) == 1);
    assert_non_null(strstr(line, "E2BIG"));
    close(fd);

    /* A client that sends requests and never reads its answers, and more
     * connections than the endpoint serves: the system still answers. */
    int lazy = raw_connect(path);
    fcntl(lazy, F_SETFL, O_NONBLOCK); /* write what the server takes, no more */
    char *many = malloc(1u << 20);
    size_t n = 0;
    while (n + 100 < (1u << 20))
        n += (size_t)snprintf(many + n, (1u << 20) - n, "{\"cmd\":\"stats\"}\n");
    raw_write(lazy, many, n);
    free(many);
    int flood[100];
    for (int i = 0; i < 100; i++) flood[i] = wasp__ctl_connect(path);
    char *out = expect(0, (const char *[]){"call", "demo", "e", "through", NULL}, NULL);
    assert_string_equal(out, "through");
    free(out);
    for (int i = 0; i < 100; i++)
        if (flood[i] >= 0) close(flood[i]);
    close(lazy);

    /* A half-written line does not hold anything up. */
    fd = raw_connect(path);
    raw_write(fd, "{\"cmd\":\"ca", 10);
    out = expect(0, (const char *[]){"call", "demo", "e", "meanwhile", NULL}, NULL);
    assert_string_equal(out, "meanwhile");
    free(out);
    close(fd);
    stop_system(&sys);
}

/* TCP on loopback: the protocol, GET /metrics; anything else is refused. */
static void test_tcp_and_metrics(void **state) {
    (void)state;
    struct proc sys;
    start_system(&sys, (const char *[]){"--control", "tcp:127.0.0.1:0", NULL}, NULL, 0);
    char *err = slurp(sys.err);
    const char *at = strstr(err, "control tcp 127.0.0.1:");
    assert_non_null(at);
    int port = atoi(at + 22);
    free(err);
    assert_true(port > 0);
    char where[64];
    snprintf(where, sizeof(where), "127.0.0.1:%d", port);
    char *out = expect(0, (const char *[]){"call", where, "e", "over tcp", NULL}, NULL);
    assert_string_equal(out, "over tcp");
    free(out);

    int fd = wasp__ctl_connect(where);
    assert_true(fd >= 0);
    static const char get[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    raw_write(fd, get, sizeof(get) - 1);
    char buf[1 << 16];
    size_t used = 0;
    ssize_t r;
    while ((r = recv(fd, buf + used, sizeof(buf) - 1 - used, 0)) > 0) used += (size_t)r;
    buf[used] = 0;
    close(fd);
    assert_true(!strncmp(buf, "HTTP/1.1 200", 12));
    assert_non_null(strstr(buf, "wasp_actor_handled_total{system=\"demo\",actor=\"e\",kind=\"wasm\"}"));
    assert_non_null(strstr(buf, "wasp_supervisor_restarts_total{system=\"demo\",supervisor=\"root\"}"));
    assert_non_null(strstr(buf, "wasp_system_dead_letters_total"));
    assert_non_null(strstr(buf, "wasp_process_resident_memory_bytes"));
    stop_system(&sys);

    /* Not loopback: refused before anything listens. */
    char *e;
    out = expect(1, (const char *[]){"run", "demo.yaml", "--control", "tcp:0.0.0.0:0", NULL}, &e);
    assert_non_null(strstr(e, "not a loopback address"));
    free(out), free(e);
    out = expect(2, (const char *[]){"run", "demo.yaml", "--control", "bogus", NULL}, NULL);
    free(out);
}

/* Logs: timestamps, JSON lines; SIGHUP is not fatal; --stats - and checks. */
static void test_logs_and_stats(void **state) {
    (void)state;
    struct proc sys;
    start_system(&sys, (const char *[]){"--log-format", "json", "--stats", "-", NULL}, NULL, 0);
    kill(sys.pid, SIGHUP);
    assert_true(TU_WAIT_UNTIL(file_contains(sys.err, "SIGHUP ignored"), 10000));
    char *out = expect(0, (const char *[]){"call", "demo", "e", "after hup", NULL}, NULL);
    assert_string_equal(out, "after hup");
    free(out);
    stop_system(&sys);
    char *err = slurp(sys.err);
    for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        if (!j) fail_msg("not a JSON log line: %s", line);
        assert_non_null(json_string_value(json_object_get(j, "ts")));
        assert_non_null(json_string_value(json_object_get(j, "level")));
        assert_non_null(json_string_value(json_object_get(j, "actor")));
        assert_non_null(json_string_value(json_object_get(j, "msg")));
        json_decref(j);
    }
    free(err);
    out = slurp(sys.out);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "system")), "demo");
    json_decref(j);
    free(out);

    /* Text lines start with a UTC timestamp. */
    char *e;
    out = expect(0, (const char *[]){"run", "demo.yaml", "--for", "100ms", "--control", "none", NULL}, &e);
    assert_true(strlen(e) > 24 && e[4] == '-' && e[10] == 'T' && e[23] == 'Z');
    free(out), free(e);

    /* A stats path that cannot be written fails before the system starts;
     * a character device is written, not truncated or replaced. */
    out = expect(2, (const char *[]){"run", "demo.yaml", "--for", "100ms", "--stats",
                                     "/nonexistent-dir/stats.json", NULL}, &e);
    assert_non_null(strstr(e, "--stats"));
    assert_null(strstr(e, "started"));
    free(out), free(e);
    out = expect(0, (const char *[]){"run", "demo.yaml", "--for", "100ms", "--stats", "/dev/null", NULL}, NULL);
    free(out);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_commands, teardown_test),
        cmocka_unit_test_teardown(test_stale_and_duplicate, teardown_test),
        cmocka_unit_test_teardown(test_concurrent_clients, teardown_test),
        cmocka_unit_test_teardown(test_hostile_clients, teardown_test),
        cmocka_unit_test_teardown(test_tcp_and_metrics, teardown_test),
        cmocka_unit_test_teardown(test_logs_and_stats, teardown_test),
    };
    return cmocka_run_group_tests(tests, setup, cli_dirs_remove);
}
