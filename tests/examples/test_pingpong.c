/* test_pingpong.c - examples/pingpong through the real binary: 1000 rounds
 * of call/reply, every one answered. */
#include "ex_helpers.h"

#define ROUNDS 1000

static void pingpong_plays_every_round(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    ex_run_result r = ex_run_example("pingpong", "2s", NULL);
    assert_int_equal(ex_actor_num(r.stats, "pong", "handled"), ROUNDS);
    assert_true(ex_actor_num(r.stats, "ping", "handled") >= ROUNDS);
    for (int i = 0; i < 2; i++) {
        const char *a = i ? "pong" : "ping";
        assert_int_equal(ex_actor_num(r.stats, a, "handler_errors"), 0);
        assert_int_equal(ex_actor_num(r.stats, a, "crashes"), 0);
        assert_int_equal(ex_actor_num(r.stats, a, "dead_letters"), 0);
    }
    assert_non_null(strstr(r.stderr_text, "done: 1000 rounds"));
    assert_non_null(strstr(r.stderr_text, "round 500/1000: pong 500"));
    ex_run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(pingpong_plays_every_round)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
