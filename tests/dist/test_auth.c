/* test_auth.c - a system in a NATS account of its own, each node with its
 * own user, limited to the permissions docs/DISTRIBUTION.md gives
 * ("Security"): a `wasp run` node and this process (a client node) join
 * and call across nodes with just those permissions; a wrong password
 * cannot join; a user of another account, subscribed to everything, sees
 * none of the system's traffic. Every wait is bounded; processes stop by PID. */
#include <nats/nats.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "dist/dist.h"
#include "nats_loopback.h"
#include "testutil.h"

#define CALL_NS 2000000000ull

static struct nats_loopback nats;
static char *dir;
static char manifest[512], node_log[512];
static pid_t node_pid;

static const char *manifest_text =
    "name: authz\n"
    "nodes: [n1]\n"
    "components:\n"
    "  - {name: echo, wasm: echo.wasm, placement: {node: n1}}\n";

/* The permissions of DISTRIBUTION.md for system `authz`. */
#define NODE_PERMISSIONS                                                                      \
    "permissions: {publish: [\"wasp.authz.>\", \"$JS.API.>\", \"$KV.wasp_authz_units.>\", " \
    "\"$KV.wasp_authz_kv.>\"], subscribe: [\"wasp.authz.>\", \"_INBOX.>\"]}"

static const char *server_accounts =
    "accounts {\n"
    "  authz {\n"
    "    jetstream: enabled\n"
    "    users: [\n"
    "      {user: n1, password: n1-secret, " NODE_PERMISSIONS "}\n"
    "      {user: driver, password: driver-secret, " NODE_PERMISSIONS "}\n"
    "    ]\n"
    "  }\n"
    "  other { users: [ {user: spy, password: spy-secret} ] }\n"
    "}\n";

static void url_of(char *out, size_t cap, const char *user, const char *password) {
    snprintf(out, cap, "nats://%s:%s@127.0.0.1:%d", user, password, nats.port);
}

/* A NATS error on the client node (e.g. a permission violation), or in n1's log. */
static atomic_int nats_errors;

static void on_log(void *arg, int level, const char *actor, const char *text) {
    (void)arg, (void)level, (void)actor;
    if (strstr(text, "NATS:")) {
        atomic_fetch_add(&nats_errors, 1);
        fprintf(stderr, "%s\n", text);
    }
}

static bool log_has_denied(void) {
    size_t len;
    char *s = (char *)tu_read_file(node_log, &len);
    bool denied = s && (strstr(s, "NATS:") || strstr(s, "ermission"));
    free(s);
    return denied || atomic_load(&nats_errors) > 0;
}

static int join(const char *node, const char *url, wasp_system **sys, wasp_manifest **m,
                wasp__dist **d, char *err, size_t cap) {
    wasp_system_config cfg = {.workers = 1};
    assert_int_equal(wasp_system_create(&cfg, sys), WASP_OK);
    wasp_system_set_log(*sys, WASP_LOG_WARN, on_log, NULL);
    assert_int_equal(wasp_manifest_load(manifest, NULL, m), WASP_OK);
    wasp__dist_config dc = {.node = node, .url = url};
    return wasp__dist_create(*sys, *m, &dc, d, err, cap);
}

static void leave(wasp_system *sys, wasp_manifest *m, wasp__dist *d) {
    wasp__dist_leave(d);
    wasp_system_stop(sys);
    wasp__dist_destroy(d);
    wasp_system_destroy(sys);
    wasp_manifest_free(m);
}

static int setup(void **state) {
    (void)state;
    if (nats_loopback_start_conf(&nats, server_accounts) != 0) {
        fprintf(stderr, "cannot start nats-server with accounts (scripts/setup.sh installs it)\n");
        return -1;
    }
    dir = tu_tempdir();
    snprintf(manifest, sizeof(manifest), "%s/wasp.yaml", dir);
    tu_write_file(dir, "wasp.yaml", manifest_text);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp '%s/echo.wasm' '%s/'", WASP_GUESTS, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(node_log, sizeof(node_log), "%s/n1.log", dir);
    char url[160];
    url_of(url, sizeof(url), "n1", "n1-secret");
    char *argv[] = {WASP_CLI_BINARY, "run", manifest, "--node", "n1", "--nats", url,
                    "--workers", "1", NULL};
    node_pid = nats_loopback_spawn(argv, node_log);
    return node_pid > 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    if (node_pid > 0) nats_loopback_reap(node_pid, 5000);
    nats_loopback_destroy(&nats);
    if (dir && !getenv("WASP_TEST_KEEP")) tu_rmtree(dir);
    free(dir);
    return 0;
}

static void count_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void)nc, (void)sub;
    atomic_fetch_add((atomic_int *)closure, 1);
    natsMsg_Destroy(msg);
}

/* The client node reaches echo on n1 with the documented permissions only
 * (claims, heartbeats, requests and replies all within them), while a user
 * of another account subscribed to `>` sees nothing of it. */
static void test_own_account_and_permissions(void **state) {
    (void)state;
    static atomic_int seen;
    natsConnection *spy = NULL;
    natsSubscription *all = NULL;
    char url[160];
    url_of(url, sizeof(url), "spy", "spy-secret");
    assert_int_equal(natsConnection_ConnectTo(&spy, url), NATS_OK);
    assert_int_equal(natsConnection_Subscribe(&all, spy, ">", count_msg, &seen), NATS_OK);
    assert_int_equal(natsConnection_FlushTimeout(spy, 2000), NATS_OK);

    wasp_system *sys;
    wasp_manifest *m;
    wasp__dist *d = NULL;
    char err[512] = "";
    url_of(url, sizeof(url), "driver", "driver-secret");
    int rc = join("driver", url, &sys, &m, &d, err, sizeof(err));
    if (rc) fprintf(stderr, "join: %s\n", err);
    assert_int_equal(rc, WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_int_equal(wasp__dist_start(d, NULL, NULL, NULL, err, sizeof(err)), WASP_OK);
    int got = -1;
    for (int i = 0; i < 1000 && got != WASP_OK; i++) { /* until n1 serves echo (20 s) */
        void *r = NULL;
        size_t len = 0;
        got = wasp_ask_name(sys, "echo", "private", 7, CALL_NS, &r, &len);
        if (got == WASP_OK) assert_memory_equal(r, "private", 7);
        free(r);
        if (got != WASP_OK) tu_sleep_ms(20);
    }
    assert_int_equal(got, WASP_OK);
    for (int i = 0; i < 20; i++) assert_int_equal(wasp_send_name(sys, "echo", "hush", 4), WASP_OK);
    assert_true(wasp_publish(sys, "gossip.now", "psst", 4) >= 0);
    assert_int_equal(natsConnection_FlushTimeout(spy, 2000), NATS_OK);
    assert_int_equal(atomic_load(&seen), 0);
    assert_false(log_has_denied());
    leave(sys, m, d);
    natsSubscription_Destroy(all);
    natsConnection_Destroy(spy);
}

/* A wrong password cannot join. */
static void test_wrong_password_refused(void **state) {
    (void)state;
    wasp_system *sys;
    wasp_manifest *m;
    wasp__dist *d = NULL;
    char err[512] = "", url[160];
    url_of(url, sizeof(url), "driver", "guess");
    assert_int_equal(join("intruder", url, &sys, &m, &d, err, sizeof(err)), WASP_EIO);
    assert_non_null(strstr(err, "cannot connect"));
    wasp__dist_destroy(d);
    wasp_system_destroy(sys);
    wasp_manifest_free(m);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_account_and_permissions),
        cmocka_unit_test(test_wrong_password_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
