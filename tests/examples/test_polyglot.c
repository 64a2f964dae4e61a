/* test_polyglot.c - examples/polyglot through the real binary: a C
 * component, a Python component, a JavaScript component and two core
 * modules in one supervised system, talking by call and publish. */
#include "ex_helpers.h"

static void polyglot_components_talk(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    static const char *const components[] = {"pricer", "audit", "shop"};
    char path[4096];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/polyglot/%s.wasm", WASP_EXAMPLES_DIR, components[i]);
        if (access(path, R_OK) != 0) fail_msg("%s was not built (scripts/setup-guest-tools.sh installs the tools)", path);
    }
    /* The first run compiles the Python and JavaScript components (tens of
     * seconds of CPU); later runs load them from the disk cache. */
    ex_run_result r = ex_run(ex_manifest("polyglot"), "3s", NULL, 500);
    if (r.status != 0 || !r.stats) fprintf(stderr, "--- stderr ---\n%s\n", r.stderr_text ? r.stderr_text : "");
    assert_int_equal(r.status, 0);
    assert_non_null(r.stats);
    ex_check_all_well(r.stats, NULL);
    assert_non_null(strstr(r.stderr_text, "bought apple 3"));
    assert_non_null(strstr(r.stderr_text, "bought pear 4"));
    assert_non_null(strstr(r.stderr_text, "bought plum 2"));
    assert_non_null(strstr(r.stderr_text, "orders seen: audit=3 tally=3"));
    assert_non_null(strstr(r.stderr_text, "order 3: plum 2")); /* logged by the JavaScript audit */
    assert_int_equal(ex_actor_num(r.stats, "pricer", "handled"), 3);
    assert_int_equal(ex_actor_num(r.stats, "shop", "handled"), 3);
    assert_int_equal(ex_actor_num(r.stats, "tally", "handled"), 4); /* 3 orders + "count" */
    ex_run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(polyglot_components_talk)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
