/* test_cluster.c - one system on three wasp processes and a loopback
 * nats-server: remote send, call and publish, pools, unknown and
 * uncarriable names, a duplicate node name, a node killed (SIGKILL) and one
 * stopped (SIGSTOP) with their failover units served again elsewhere
 * (exactly once; a call in flight to the stopped node fails with ESTOPPED;
 * publishes waiting for it are not handled again when it resumes), a
 * nats-server restart, nothing delivered twice, and storage that a unit
 * finds again on the node it failed over to (the JetStream bucket). This process joins as a
 * client node ("driver", not in `nodes`) and talks through the public API.
 * Every wait is bounded; every process is stopped by its PID. */
#include <errno.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "dist/dist.h"
#include "nats_loopback.h"
#include "testutil.h"

#define NODES 3
#define CALL_NS 2000000000ull

static struct nats_loopback nats;
static char *dir;
static char manifest[512];
static pid_t node_pid[NODES];
static char node_log[NODES][512];
static wasp_system *sys;
static wasp_manifest *m;
static wasp__dist *client;

static const char *manifest_text =
    "name: distt\n"
    "nodes: [n1, n2, n3]\n"
    "components:\n"
    "  - name: echo\n"
    "    wasm: echo.wasm\n"
    "    instances: 3\n"
    "    permissions: {send: [\"*\"]}\n"
    "    placement: {node: n1}\n"
    "  - name: counter\n"
    "    wasm: counter.wasm\n"
    "    placement: {node: n2, failover: true}\n"
    "  - name: listener\n"
    "    wasm: counter.wasm\n"
    "    subscribe: [\"news.>\"]\n"
    "    permissions: {subscribe: [\"news.>\"]}\n"
    "    placement: {node: n3, failover: true}\n"
    "  - name: watcher\n" /* logs each publish it handles: \"echo: TEXT\" */
    "    wasm: echo.wasm\n"
    "    subscribe: [\"watch.>\"]\n"
    "    permissions: {subscribe: [\"watch.>\"]}\n"
    "    placement: {node: n3, failover: true}\n"
    "  - name: store\n"
    "    wasm: kv_probe.wasm\n"
    "    storage: {quota: 1MiB, durability: commit}\n"
    "    placement: {node: n2, failover: true}\n";

static pid_t start_node(const char *name, const char *log) {
    char *argv[] = {WASP_CLI_BINARY, "run", manifest, "--node", (char *)name, "--nats", nats.url,
                    "--workers", "1", NULL};
    return nats_loopback_spawn(argv, log);
}

static bool log_has(const char *log, const char *text) {
    size_t len;
    char *s = (char *)tu_read_file(log, &len);
    bool found = s && strstr(s, text);
    free(s);
    return found;
}

/* A call from outside any actor; the reply (NUL-terminated) into out. */
static int call(const char *name, const char *text, char *out, size_t cap) {
    void *rep = NULL;
    size_t len = 0;
    int rc = wasp_ask_name(sys, name, text, strlen(text), CALL_NS, &rep, &len);
    if (out && cap) {
        snprintf(out, cap, "%.*s", rc == WASP_OK ? (int)len : 0, rc == WASP_OK ? (char *)rep : "");
    }
    free(rep);
    return rc;
}

static long call_count(const char *name) {
    char out[64];
    if (call(name, "count?", out, sizeof(out)) != WASP_OK) return -1;
    return strtol(out, NULL, 10);
}

/* Polls until `name` answers three calls of text in a row (bounded); the time it took. */
static uint64_t until_answers(const char *name, const char *text, unsigned max_ms) {
    uint64_t t0 = wasp_clock_ns();
    int ok = 0;
    while (ok < 3 && wasp_clock_ns() - t0 < (uint64_t)max_ms * 1000000ull) {
        if (call(name, text, NULL, 0) == WASP_OK) ok++;
        else {
            ok = 0;
            tu_sleep_ms(20);
        }
    }
    assert_int_equal(ok, 3);
    return wasp_clock_ns() - t0;
}

static uint64_t until_served(const char *name, unsigned max_ms) { return until_answers(name, "ping", max_ms); }

/* The index of the node serving name now. */
static int owner_of(const char *name) {
    char node[WASP__DIST_TOKEN_MAX + 1];
    assert_int_equal(wasp__dist_owner(client, name, node), WASP_OK);
    assert_true(node[0] == 'n' && node[1] >= '1' && node[1] <= '0' + NODES && !node[2]);
    return node[1] - '1';
}

static int log_count(const char *log, const char *text) {
    size_t len;
    char *s = (char *)tu_read_file(log, &len);
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, text)); p++) n++;
    free(s);
    return n;
}

/* Checks that counter component `name`, at `before` when the n messages
 * were sent, handles each exactly once. They travel apart from the calls
 * that ask, so it polls: the count must reach before + n + calls and never
 * pass it (no duplicates). */
static void expect_handled(const char *name, long before, long n) {
    long calls = 0, seen = -1;
    for (int i = 0; i < 300 && seen != before + n + calls; i++, tu_sleep_ms(10)) {
        seen = call_count(name);
        calls++;
        assert_true(seen <= before + n + calls);
    }
    assert_int_equal(seen, before + n + calls);
}

/* Right after start-up, echo's node (n1) may not know yet that counter runs
 * on n2 (there a name not served yet is ENOENT, and echo's send back fails):
 * relays one message at a time until one reaches counter. */
static void until_relayed(const wasp_send_opts *o) {
    for (int attempt = 0; attempt < 50; attempt++) {
        long base = call_count("counter");
        assert_int_equal(wasp_send_ex(sys, o), WASP_OK);
        for (long calls = 1; calls <= 20; calls++) {
            tu_sleep_ms(10);
            if (call_count("counter") == base + 1 + calls) return; /* it arrived */
        }
    }
    fail_msg("no message relayed through echo reached counter");
}

/* Publishes n messages; "listener" must handle each exactly once. */
static void expect_published(const char *topic, long n) {
    long before = call_count("listener");
    for (long i = 0; i < n; i++) assert_true(wasp_publish(sys, topic, "n", 1) >= 0);
    expect_handled("listener", before, n);
}

static int setup(void **state) {
    (void)state;
    if (nats_loopback_start(&nats) != 0) {
        fprintf(stderr, "cannot start nats-server (scripts/setup.sh installs it)\n");
        return -1;
    }
    dir = tu_tempdir();
    char src[512];
    snprintf(src, sizeof(src), "%s/echo.wasm", WASP_GUESTS);
    snprintf(manifest, sizeof(manifest), "%s/wasp.yaml", dir);
    tu_write_file(dir, "wasp.yaml", manifest_text);
    size_t len;
    uint8_t *b = tu_read_file(src, &len);
    assert_non_null(b);
    free(b);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp '%s/echo.wasm' '%s/counter.wasm' '%s/kv_probe.wasm' '%s/'", WASP_GUESTS,
             WASP_GUESTS, WASP_GUESTS, dir);
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < NODES; i++) {
        char name[8];
        snprintf(name, sizeof(name), "n%d", i + 1);
        snprintf(node_log[i], sizeof(node_log[i]), "%s/%s.log", dir, name);
        node_pid[i] = start_node(name, node_log[i]);
        assert_true(node_pid[i] > 0);
    }
    /* this process is a client node */
    wasp_system_config cfg = {.workers = 1};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    assert_int_equal(wasp_manifest_load(manifest, NULL, &m), WASP_OK);
    wasp__dist_config dc = {.node = "driver", .url = nats.url};
    char err[256];
    assert_int_equal(wasp__dist_create(sys, m, &dc, &client, err, sizeof(err)), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_int_equal(wasp__dist_start(client, NULL, NULL, NULL, err, sizeof(err)), WASP_OK);
    until_served("echo", 20000);
    until_served("counter", 20000);
    until_served("listener", 20000);
    until_served("watcher", 20000);
    until_answers("store", "get none", 20000);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    wasp__dist_leave(client);
    if (sys) wasp_system_stop(sys);
    wasp__dist_destroy(client);
    wasp_system_destroy(sys);
    wasp_manifest_free(m);
    for (int i = 0; i < NODES; i++)
        if (node_pid[i] > 0) nats_loopback_reap(node_pid[i], 5000);
    nats_loopback_destroy(&nats);
    if (dir && !getenv("WASP_TEST_KEEP")) tu_rmtree(dir); /* WASP_TEST_KEEP=1 keeps the logs */
    else if (dir) fprintf(stderr, "logs kept in %s\n", dir);
    free(dir);
    return 0;
}

static void test_remote_call_send_publish(void **state) {
    (void)state;
    char out[64];
    assert_int_equal(call("echo", "hello", out, sizeof(out)), WASP_OK); /* a pool on n1 */
    assert_string_equal(out, "hello");
    assert_int_equal(call("echo.2", "member", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "member");
    /* sends and the call after them share one ordered path: exactly N + 1 */
    long base = call_count("counter");
    assert_true(base > 0);
    for (int i = 0; i < 200; i++) assert_int_equal(wasp_send_name(sys, "counter", "x", 1), WASP_OK);
    assert_int_equal(call_count("counter"), base + 201);
    /* a plain message goes back to its sender: the name travels with it */
    wasp_send_opts o = {.to_name = "echo", .data = "back", .len = 4, .sender_name = "counter"};
    until_relayed(&o);
    base = call_count("counter");
    for (int i = 0; i < 5; i++) assert_int_equal(wasp_send_ex(sys, &o), WASP_OK);
    expect_handled("counter", base, 5);
    /* publishes reach the subscriber on n3 once each */
    expect_published("news.today", 50);
}

static void test_unknown_and_uncarriable(void **state) {
    (void)state;
    uint64_t t0 = wasp_clock_ns();
    assert_int_equal(call("nobody", "x", NULL, 0), WASP_ENOENT);
    assert_int_equal(wasp_send_name(sys, "nobody", "x", 1), WASP_ENOENT);
    assert_true(wasp_clock_ns() - t0 < CALL_NS); /* answered, not timed out */
    assert_int_equal(wasp_send_name(sys, "a b", "x", 1), WASP_EINVAL);
    assert_int_equal(wasp_send_name(sys, "echo.*", "x", 1), WASP_EINVAL);
    assert_int_equal(wasp_send_name(sys, "a..b", "x", 1), WASP_EINVAL);
    assert_int_equal(wasp_publish(sys, "news.a b", "x", 1), WASP_EINVAL);
}

struct reports {
    int n;
    char text[NODES][16384];
    char node[NODES][16];
};

static void collect(void *arg, const char *node, const void *data, size_t len) {
    struct reports *r = arg;
    if (r->n == NODES) return;
    snprintf(r->node[r->n], sizeof(r->node[0]), "%s", node);
    snprintf(r->text[r->n], sizeof(r->text[0]), "%.*s", (int)len, (const char *)data);
    r->n++;
}

/* Every node reports its own statistics, its actors tagged with its name
 * (what `wasp stats` and `wasp top` merge into the whole system). */
static void test_whole_system_stats(void **state) {
    (void)state;
    static struct reports r;
    r.n = 0;
    assert_int_equal(wasp__dist_gather(client, 2000000000ull, collect, &r), NODES);
    for (int i = 0; i < r.n; i++) {
        char tagged[64];
        snprintf(tagged, sizeof(tagged), "\"node\":\"%s\"", r.node[i]);
        assert_non_null(strstr(r.text[i], tagged));
        if (!strcmp(r.node[i], "n1")) assert_non_null(strstr(r.text[i], "\"echo.2\""));
        if (!strcmp(r.node[i], "n2")) assert_non_null(strstr(r.text[i], "\"counter\""));
        if (!strcmp(r.node[i], "n3")) assert_null(strstr(r.text[i], "\"counter\""));
    }
}

/* Output of a `wasp` command (bounded by the command's own timeouts). */
static char *wasp_output(const char *args) {
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", WASP_CLI_BINARY, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char out[65536];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    pclose(p);
    return out;
}

/* The output of `wasp ARGS` once it shows every node: a node asked for its
 * report answers within 500 ms or is left out of that view, which can happen
 * on a starved machine (an ASan build beside other builds), so it asks again,
 * 40 times at most (about 25 s). */
static char *wasp_output_all_nodes(const char *args, const char *n2, const char *n3) {
    char *out = NULL;
    for (int i = 0; i < 40; i++) {
        out = wasp_output(args);
        if (strstr(out, n2) && strstr(out, n3)) break;
        tu_sleep_ms(100);
    }
    return out;
}

/* `wasp ps` shows each node of the system on its own line; `wasp top` and
 * `wasp stats` through one node show every node's actors (top groups them
 * by node, stats tags each with its node). */
static void test_ps_and_top(void **state) {
    (void)state;
    char *ps = wasp_output_all_nodes("ps", "distt node=n2", "distt node=n3");
    char *line = strstr(ps, "distt node=n1");
    assert_non_null(line);
    assert_non_null(strstr(ps, "distt node=n2"));
    assert_non_null(strstr(ps, "distt node=n3"));
    char sock[512] = "";
    char *end = strchr(line, '\n'), *path = line;
    if (end) *end = 0;
    if ((path = strrchr(line, ' '))) snprintf(sock, sizeof(sock), "%s", path + 1);
    assert_true(strstr(sock, ".sock") != NULL);
    char args[600];
    snprintf(args, sizeof(args), "top '%s' --once", sock);
    char *top = wasp_output_all_nodes(args, "n2/counter", "n3/listener");
    assert_non_null(strstr(top, "nodes n1"));
    assert_non_null(strstr(top, "-- node n2"));
    assert_non_null(strstr(top, "n2/counter"));
    assert_non_null(strstr(top, "n3/listener"));
    /* `wasp stats` through the same node: every node's actors, each tagged */
    snprintf(args, sizeof(args), "stats '%s' --json", sock);
    char *stats = wasp_output_all_nodes(args, "\"node\":\"n2\"", "\"node\":\"n3\"");
    assert_non_null(strstr(stats, "\"nodes\""));
    assert_non_null(strstr(stats, "\"node\":\"n2\""));
    assert_non_null(strstr(stats, "\"node\":\"n3\""));
    assert_non_null(strstr(stats, "\"counter\""));
    assert_non_null(strstr(stats, "\"listener\""));
}

static void test_node_name_conflict(void **state) {
    (void)state;
    char log[600];
    snprintf(log, sizeof(log), "%s/dup.log", dir);
    pid_t dup = start_node("n1", log);
    assert_true(dup > 0);
    int status = -1;
    /* Bounded at 60 s: an ASan build on a loaded machine can take over 10 s to
     * load the manifest and reach the claim. */
    for (int i = 0; i < 12000 && waitpid(dup, &status, WNOHANG) == 0; i++) tu_sleep_ms(5);
    if (!WIFEXITED(status)) nats_loopback_reap(dup, 100);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    assert_true(log_has(log, "already running"));
    char out[16];
    assert_int_equal(call("echo", "still", out, sizeof(out)), WASP_OK);
}

/* Storage of a node is the system's JetStream bucket: the same operations
 * and answers as on one node (versions, compare-and-swap, prefix listing). */
static void test_clustered_storage(void **state) {
    (void)state;
    char out[256], cmd[64];
    assert_int_equal(call("store", "put fruit apple", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "0");
    assert_int_equal(call("store", "get fruit", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "apple");
    assert_int_equal(call("store", "ver fruit", out, sizeof(out)), WASP_OK);
    long version = strtol(strchr(out, '@') + 1, NULL, 10);
    assert_true(!strncmp(out, "5@", 2) && version > 0);
    snprintf(cmd, sizeof(cmd), "cas fruit pear %ld", version + 1000); /* stale: refused */
    assert_int_equal(call("store", cmd, out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "0");
    snprintf(cmd, sizeof(cmd), "cas fruit pear %ld", version);
    assert_int_equal(call("store", cmd, out, sizeof(out)), WASP_OK);
    assert_true(strtol(out, NULL, 10) > version);
    assert_int_equal(call("store", "put fruit-b kiwi", out, sizeof(out)), WASP_OK);
    assert_int_equal(call("store", "put veg leek", out, sizeof(out)), WASP_OK);
    assert_int_equal(call("store", "list fruit", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "fruit,fruit-b");
    assert_int_equal(call("store", "del veg", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "0");
    assert_int_equal(call("store", "get veg", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "-1");
    assert_int_equal(call("store", "del veg", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "-1");
}

static void test_killed_node(void **state) {
    (void)state;
    int victim = owner_of("counter"); /* placed on n2, with store */
    uint64_t t0 = wasp_clock_ns();
    assert_int_equal(kill(node_pid[victim], SIGKILL), 0);
    assert_int_equal(waitpid(node_pid[victim], NULL, 0), node_pid[victim]);
    node_pid[victim] = 0;
    int rc = call("counter", "x", NULL, 0); /* fails: nobody serves it now */
    if (rc) fprintf(stderr, "a call right after the SIGKILL: %s\n", wasp_errname(rc));
    assert_true(rc == WASP_ENOENT || rc == WASP_ESTOPPED || rc == WASP_ETIMEDOUT);
    until_served("counter", 20000);
    fprintf(stderr, "counter served again %.2f s after SIGKILL of n2\n",
            (double)(wasp_clock_ns() - t0) / 1e9);
    int took_over = 0; /* exactly one node took it */
    for (int i = 0; i < NODES; i++)
        if (i != victim) took_over += log_count(node_log[i], "serving unit counter (failed over");
    assert_int_equal(took_over, 1);
    assert_true(owner_of("counter") != victim);
    long base = call_count("counter");
    for (int i = 0; i < 100; i++) assert_int_equal(wasp_send_name(sys, "counter", "y", 1), WASP_OK);
    assert_int_equal(call_count("counter"), base + 101);
    /* the store unit failed over with n2 and finds its data on its new node */
    until_answers("store", "get none", 20000);
    char out[64];
    assert_int_equal(call("store", "get fruit", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "pear");
}

static void on_answer(void *arg, int status, const void *data, size_t len) {
    (void)data, (void)len;
    atomic_store((atomic_int *)arg, status);
}

/* How many node logs show that the watcher handled publish `text`. */
static int watched(const char *text) {
    char line[64];
    snprintf(line, sizeof(line), "echo: %s\n", text);
    int n = 0;
    for (int i = 0; i < NODES; i++) n += log_count(node_log[i], line);
    return n;
}

static void test_stopped_node(void **state) {
    (void)state;
    int victim = owner_of("listener"); /* placed on n3, with watcher */
    assert_true(node_pid[victim] > 0);
    assert_int_equal(owner_of("watcher"), victim);
    int fenced = log_count(node_log[victim], "fencing");
    int took_over = 0;
    for (int i = 0; i < NODES; i++) took_over -= log_count(node_log[i], "serving unit listener (failed over");
    uint64_t t0 = wasp_clock_ns();
    assert_int_equal(kill(node_pid[victim], SIGSTOP), 0);
    int st = 0; /* stopped for sure: kill returns before every thread has stopped */
    assert_int_equal(waitpid(node_pid[victim], &st, WUNTRACED), node_pid[victim]);
    assert_true(WIFSTOPPED(st));
    /* a call in flight to the hung node fails when it is found dead, long before its timeout */
    static atomic_int answer = 1;
    wasp_send_opts o = {.to_name = "listener", .data = "count?", .len = 6};
    assert_int_equal(wasp_ask_cb(sys, &o, 60 * CALL_NS, on_answer, &answer), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&answer) != 1, 20000));
    assert_int_equal(atomic_load(&answer), WASP_ESTOPPED);
    assert_true(TU_WAIT_UNTIL(owner_of("listener") != victim, 20000));
    until_served("listener", 30000);
    uint64_t took = wasp_clock_ns() - t0;
    fprintf(stderr, "listener served again %.2f s after SIGSTOP of n%d\n", (double)took / 1e9,
            victim + 1);
    for (int i = 0; i < NODES; i++) took_over += log_count(node_log[i], "serving unit listener (failed over");
    assert_int_equal(took_over, 1); /* exactly one node took it */
    /* publishes while the hung node may still be connected (and its socket
     * holds them): the new watcher handles each, the old one none, even
     * after it resumes */
    assert_true(TU_WAIT_UNTIL(owner_of("watcher") != victim, 20000));
    until_served("watcher", 30000);
    char text[16];
    for (int i = 0; i < 20; i++) {
        snprintf(text, sizeof(text), "w%d", i);
        assert_true(wasp_publish(sys, "watch.now", text, strlen(text)) >= 0);
    }
    until_served("counter", 30000);
    assert_int_equal(kill(node_pid[victim], SIGCONT), 0);
    assert_true(TU_WAIT_UNTIL(log_count(node_log[victim], "fencing") > fenced, 10000));
    /* the resumed node gave its failover units up: one listener serves, once per publish */
    until_served("listener", 10000);
    expect_published("news.later", 20);
    assert_true(TU_WAIT_UNTIL(watched("w19") == 1, 10000));
    for (int i = 0; i < 20; i++) {
        snprintf(text, sizeof(text), "w%d", i);
        assert_int_equal(watched(text), 1);
    }
}

static void test_nats_restart(void **state) {
    (void)state;
    assert_int_equal(nats_loopback_restart(&nats), 0);
    uint64_t took = until_served("counter", 30000);
    until_served("echo", 30000);
    until_served("listener", 30000);
    fprintf(stderr, "served again %.2f s after the nats-server restart\n", (double)took / 1e9);
    long base = call_count("counter");
    for (int i = 0; i < 50; i++) assert_int_equal(wasp_send_name(sys, "counter", "z", 1), WASP_OK);
    assert_int_equal(call_count("counter"), base + 51);
}

static void test_graceful_stop(void **state) {
    (void)state;
    for (int i = 0; i < NODES; i++)
        if (node_pid[i] > 0) {
            assert_int_equal(nats_loopback_reap(node_pid[i], 10000), 0);
            node_pid[i] = 0;
        }
    assert_int_equal(call("echo", "x", NULL, 0), WASP_ENOENT);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote_call_send_publish),
        cmocka_unit_test(test_unknown_and_uncarriable),
        cmocka_unit_test(test_whole_system_stats),
        cmocka_unit_test(test_ps_and_top),
        cmocka_unit_test(test_node_name_conflict),
        cmocka_unit_test(test_clustered_storage),
        cmocka_unit_test(test_killed_node),
        cmocka_unit_test(test_stopped_node),
        cmocka_unit_test(test_nats_restart),
        cmocka_unit_test(test_graceful_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
