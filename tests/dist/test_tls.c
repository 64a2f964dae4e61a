/* test_tls.c - a system over a NATS server that requires TLS and client
 * certificates: certificates made with openssl at test time, a loopback
 * nats-server with `tls { verify: true }`, one `wasp run` node joined with
 * --nats-tls-ca/--nats-tls-cert/--nats-tls-key, and this process a client
 * node with the same settings. Without a client certificate, or without
 * TLS, a node cannot join. Every wait is bounded; processes stop by PID. */
#include <signal.h>
#include <unistd.h>

#include "dist/dist.h"
#include "nats_loopback.h"
#include "testutil.h"

#define CALL_NS 2000000000ull

static struct nats_loopback nats;
static char *dir;
static char manifest[512], ca[512], cert[512], key[512], url[96], node_log[512];
static pid_t node_pid;

static const char *manifest_text =
    "name: tlst\n"
    "nodes: [n1]\n"
    "components:\n"
    "  - {name: echo, wasm: echo.wasm, placement: {node: n1}}\n";

/* A CA, a server certificate for 127.0.0.1 and a client certificate. */
static int make_certs(void) {
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && exec >openssl.log 2>&1 && "
             "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
             "  -keyout ca-key.pem -out ca.pem -subj /CN=wasp-test-ca && "
             "for who in server client; do "
             "  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "    -keyout $who-key.pem -out $who.csr -subj /CN=$who && "
             "  openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial "
             "    -days 2 -extfile san.ext -out $who.pem || exit 1; "
             "done",
             dir);
    return system(cmd);
}

static int join(const wasp__dist_config *dc, wasp_system **sys, wasp_manifest **m, wasp__dist **d,
                char *err, size_t cap) {
    wasp_system_config cfg = {.workers = 1};
    assert_int_equal(wasp_system_create(&cfg, sys), WASP_OK);
    assert_int_equal(wasp_manifest_load(manifest, NULL, m), WASP_OK);
    return wasp__dist_create(*sys, *m, dc, d, err, cap);
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
    dir = tu_tempdir();
    if (make_certs() != 0) {
        fprintf(stderr, "openssl could not make test certificates (see %s/openssl.log)\n", dir);
        return -1;
    }
    snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
    snprintf(cert, sizeof(cert), "%s/client.pem", dir);
    snprintf(key, sizeof(key), "%s/client-key.pem", dir);
    char tls[2048];
    snprintf(tls, sizeof(tls),
             "tls {cert_file: \"%s/server.pem\", key_file: \"%s/server-key.pem\", "
             "ca_file: \"%s\", verify: true, timeout: 2}\n",
             dir, dir, ca);
    if (nats_loopback_start_conf(&nats, tls) != 0) {
        fprintf(stderr, "cannot start nats-server with TLS (scripts/setup.sh installs it)\n");
        return -1;
    }
    snprintf(url, sizeof(url), "tls://127.0.0.1:%d", nats.port);
    snprintf(manifest, sizeof(manifest), "%s/wasp.yaml", dir);
    tu_write_file(dir, "wasp.yaml", manifest_text);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp '%s/echo.wasm' '%s/'", WASP_GUESTS, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(node_log, sizeof(node_log), "%s/n1.log", dir);
    char *argv[] = {WASP_CLI_BINARY, "run", manifest, "--node", "n1", "--nats", url,
                    "--nats-tls-ca", ca, "--nats-tls-cert", cert, "--nats-tls-key", key,
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

/* A client node with TLS and its certificate reaches echo on n1. */
static void test_call_over_tls(void **state) {
    (void)state;
    wasp_system *sys;
    wasp_manifest *m;
    wasp__dist *d = NULL;
    char err[512] = "";
    wasp__dist_config dc = {.node = "driver", .url = url, .tls_ca = ca, .tls_cert = cert, .tls_key = key};
    int rc = join(&dc, &sys, &m, &d, err, sizeof(err));
    if (rc) fprintf(stderr, "join: %s\n", err);
    assert_int_equal(rc, WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_int_equal(wasp__dist_start(d, NULL, NULL, NULL, err, sizeof(err)), WASP_OK);
    int got = -1;
    for (int i = 0; i < 1000 && got != WASP_OK; i++) { /* until n1 serves echo (20 s) */
        void *r = NULL;
        size_t len = 0;
        got = wasp_ask_name(sys, "echo", "sealed", 6, CALL_NS, &r, &len);
        if (got == WASP_OK) assert_memory_equal(r, "sealed", 6);
        free(r);
        if (got != WASP_OK) tu_sleep_ms(20);
    }
    assert_int_equal(got, WASP_OK);
    leave(sys, m, d);
}

/* The server verifies clients: a node without a certificate, or without
 * TLS at all, is refused. */
static void test_refused_without_certificate(void **state) {
    (void)state;
    wasp_system *sys;
    wasp_manifest *m;
    wasp__dist *d = NULL;
    char err[512] = "";
    wasp__dist_config no_cert = {.node = "nocert", .url = url, .tls_ca = ca};
    assert_int_not_equal(join(&no_cert, &sys, &m, &d, err, sizeof(err)), WASP_OK);
    assert_true(err[0] != 0);
    wasp__dist_destroy(d);
    wasp_system_destroy(sys);
    wasp_manifest_free(m);
    d = NULL;
    wasp__dist_config plain = {.node = "plain", .url = nats.url};
    assert_int_not_equal(join(&plain, &sys, &m, &d, err, sizeof(err)), WASP_OK);
    wasp__dist_destroy(d);
    wasp_system_destroy(sys);
    wasp_manifest_free(m);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_over_tls),
        cmocka_unit_test(test_refused_without_certificate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
