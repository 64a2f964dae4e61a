/* test_tls.c - a system over a NATS server that requires TLS and client
 * certificates: certificates made with openssl at test time, a loopback
 * nats-server with `tls { verify: true }`, one `wasp run` node joined with
 * --nats-tls-ca/--nats-tls-cert/--nats-tls-key, and this process a client
 * node with the same settings. Without a client certificate, or without
 * TLS, a node cannot join. Every wait is bounded; processes stop by PID. */
#include <signal.h>
#include <unistd.h>

#include "dist_client.h"
#include "nats_loopback.h"

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

static int setup(void **state) {
    (void)state;
    dist_fixture_files(&dir, manifest_text, manifest, sizeof(manifest), node_log, sizeof(node_log));
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
    char *argv[] = {WASP_CLI_BINARY, "run", manifest, "--node", "n1", "--nats", url,
                    "--nats-tls-ca", ca, "--nats-tls-cert", cert, "--nats-tls-key", key,
                    "--workers", "1", NULL};
    node_pid = nats_loopback_spawn(argv, node_log);
    return node_pid > 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    dist_fixture_teardown(node_pid, &nats, dir);
    return 0;
}

/* A client node with TLS and its certificate reaches echo on n1. */
static void test_call_over_tls(void **state) {
    (void)state;
    struct dist_client c;
    char err[512] = "";
    wasp__dist_config dc = {.node = "driver", .url = url, .tls_ca = ca, .tls_cert = cert, .tls_key = key};
    int rc = dist_client_join(&c, manifest, &dc, err, sizeof(err));
    if (rc) fprintf(stderr, "join: %s\n", err);
    assert_int_equal(rc, WASP_OK);
    dist_client_start(&c);
    dist_client_until_echoed(&c, "echo", "sealed");
    dist_client_leave(&c);
}

/* The server verifies clients: a node without a certificate, or without
 * TLS at all, is refused. */
static void test_refused_without_certificate(void **state) {
    (void)state;
    struct dist_client c;
    char err[512] = "";
    wasp__dist_config no_cert = {.node = "nocert", .url = url, .tls_ca = ca};
    assert_int_not_equal(dist_client_join(&c, manifest, &no_cert, err, sizeof(err)), WASP_OK);
    assert_true(err[0] != 0);
    dist_client_leave(&c);
    wasp__dist_config plain = {.node = "plain", .url = nats.url};
    assert_int_not_equal(dist_client_join(&c, manifest, &plain, err, sizeof(err)), WASP_OK);
    dist_client_leave(&c);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_over_tls),
        cmocka_unit_test(test_refused_without_certificate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
