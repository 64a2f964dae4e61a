/* test_pipeline.c - examples/pipeline: 1000 items through a pool of four
 * transforms into the sink, under a two-level supervision tree. */
#include "ex_helpers.h"

#define TOTAL 1000

static void pipeline_moves_every_item(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    ex_run_result r = ex_run_example("pipeline", "2s", NULL);
    long long through_pool = 0;
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "transform.%d", i);
        long long h = ex_actor_num(r.stats, name, "handled");
        assert_true(h > 0); /* round-robin reaches every instance */
        assert_int_equal(ex_actor_num(r.stats, name, "handler_errors"), 0);
        through_pool += h;
    }
    assert_int_equal(through_pool, TOTAL);
    assert_int_equal(ex_actor_num(r.stats, "sink", "handled"), TOTAL);
    assert_int_equal(ex_actor_num(r.stats, "sink", "handler_errors"), 0);
    assert_non_null(strstr(r.stderr_text, "sum of squares 333833500 (correct)"));
    /* two levels: the root and the nested supervisor */
    assert_non_null(ex_find(r.stats, "supervisors", "transformers"));
    assert_true(ex_get(r.stats, "supervisors")->n >= 2);
    ex_run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(pipeline_moves_every_item)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
