/* test_net.c - wasp__tcp_listen: the shapes it refuses, the loopback rule,
 * and a socket that really accepts a connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/net.h"
#include "testutil.h"

static void expect_refused(const char *hostport, bool loopback_only, int code, const char *why) {
    char err[256] = "";
    int port = -1;
    int rc = wasp__tcp_listen(hostport, loopback_only, &port, err, sizeof(err));
    assert_int_equal(rc, code);
    assert_non_null(strstr(err, why));
}

static void test_malformed_is_einval(void **state) {
    (void)state;
    expect_refused("", false, WASP_EINVAL, "is not HOST:PORT");
    expect_refused("localhost", false, WASP_EINVAL, "is not HOST:PORT");
    expect_refused("127.0.0.1:", false, WASP_EINVAL, "is not HOST:PORT");
    expect_refused("no-such-host.invalid:80", false, WASP_EINVAL, "cannot resolve");
    expect_refused("127.0.0.1:notaport", false, WASP_EINVAL, "cannot resolve");
}

static void test_loopback_rule(void **state) {
    (void)state;
    expect_refused("0.0.0.0:0", true, WASP_EINVAL, "not a loopback address");
    expect_refused(":0", true, WASP_EINVAL, "not a loopback address");
}

static void test_listens_and_accepts(void **state) {
    (void)state;
    char err[256];
    int port = 0;
    int fd = wasp__tcp_listen("127.0.0.1:0", true, &port, err, sizeof(err));
    assert_true(fd >= 0);
    assert_true(port > 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /* The same port again is taken. */
    char again[64];
    snprintf(again, sizeof(again), "127.0.0.1:%d", port);
    expect_refused(again, true, WASP_EIO, "cannot listen on");
    close(c);
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed_is_einval),
        cmocka_unit_test(test_loopback_rule),
        cmocka_unit_test(test_listens_and_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
