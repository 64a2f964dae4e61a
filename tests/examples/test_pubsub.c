/* test_pubsub.c - examples/pubsub: wildcard subscriptions receive exactly
 * the topics they match. */
#include "ex_helpers.h"

static void pubsub_delivers_by_pattern(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    ex_run_result r = ex_run_example("pubsub", "2s", NULL);
    /* 100 rounds of 4 readings, plus an alert every 10th round */
    assert_int_equal(ex_actor_num(r.stats, "publisher", "handled"), 100);
    assert_int_equal(ex_actor_num(r.stats, "temps", "handled"), 200);   /* sensors.*.temp */
    assert_int_equal(ex_actor_num(r.stats, "kitchen", "handled"), 200); /* sensors.kitchen.> */
    assert_int_equal(ex_actor_num(r.stats, "audit", "handled"), 410);   /* sensors.> and alerts.> */
    assert_non_null(strstr(r.stderr_text, "alert on alerts.garage.door: open"));
    ex_run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(pubsub_delivers_by_pattern)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
