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

#include "dist_client.h"
#include "nats_loopback.h"

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

static int setup(void **state) {
    (void)state;
    if (nats_loopback_start_conf(&nats, server_accounts) != 0) {
        fprintf(stderr, "cannot start nats-server with accounts (scripts/setup.sh installs it)\n");
        return -1;
    }
    dist_fixture_files(&dir, manifest_text, manifest, sizeof(manifest), node_log, sizeof(node_log));
    char url[160];
    url_of(url, sizeof(url), "n1", "n1-secret");
    char *argv[] = {WASP_CLI_BINARY, "run", manifest, "--node", "n1", "--nats", url,
                    "--workers", "1", NULL};
    node_pid = nats_loopback_spawn(argv, node_log);
    return node_pid > 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dist_fixture_teardown(node_pid, &nats, dir);
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

    struct dist_client c;
    char err[512] = "";
    url_of(url, sizeof(url), "driver", "driver-secret");
    wasp__dist_config dc = {.node = "driver", .url = url};
    int rc = dist_client_join(&c, manifest, &dc, err, sizeof(err));
    if (rc) fprintf(stderr, "join: %s\n", err);
    assert_int_equal(rc, WASP_OK);
    wasp_system_set_log(c.sys, WASP_LOG_WARN, on_log, NULL);
    dist_client_start(&c);
    dist_client_until_echoed(&c, "echo", "private");
    for (int i = 0; i < 20; i++) assert_int_equal(wasp_send_name(c.sys, "echo", "hush", 4), WASP_OK);
    assert_true(wasp_publish(c.sys, "gossip.now", "psst", 4) >= 0);
    assert_int_equal(natsConnection_FlushTimeout(spy, 2000), NATS_OK);
    assert_int_equal(atomic_load(&seen), 0);
    assert_false(log_has_denied());
    dist_client_leave(&c);
    natsSubscription_Destroy(all);
    natsConnection_Destroy(spy);
}

/* A wrong password cannot join. */
static void test_wrong_password_refused(void **state) {
    (void)state;
    struct dist_client c;
    char err[512] = "", url[160];
    url_of(url, sizeof(url), "driver", "guess");
    wasp__dist_config dc = {.node = "intruder", .url = url};
    assert_int_equal(dist_client_join(&c, manifest, &dc, err, sizeof(err)), WASP_EIO);
    assert_non_null(strstr(err, "cannot connect"));
    dist_client_leave(&c);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_account_and_permissions),
        cmocka_unit_test(test_wrong_password_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
