/* test_resilience.c - examples/resilience (the showcase): crashes,
 * preemption of an endless loop, a memory limit, and the healthy component
 * keeps serving all along. */
#include "ex_helpers.h"

/* They crash on purpose: a run may end while one waits for its restart. */
static const char *const unstable[] = {"fragile", "spinner", NULL};

static void resilience_keeps_serving(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    ex_run_result r = ex_run_example("resilience", "3s", unstable);
    const ex_json *s = r.stats;

    /* fragile: a crash every 250 ms, restarted each time; errors counted */
    assert_true(ex_actor_num(s, "fragile", "crashes") >= 3);
    assert_true(ex_actor_num(s, "fragile", "restarts") >= 2);
    assert_true(ex_actor_num(s, "fragile", "handler_errors") >= 3);
    assert_true(ex_actor_num(s, "fragile", "handled") > 100);
    /* it crashes through wasp_crashf: its reason is the crash's */
    const ex_json *why = ex_get(ex_find(s, "actors", "fragile"), "last_error");
    if (!why || why->type != EX_JSTR || !strstr(why->str, "`crash`: \"asked to crash after "))
        fail_msg("fragile's last_error: %s", why && why->type == EX_JSTR ? why->str : "(none)");

    /* spinner: killed by max_handle_time (200ms) and restarted */
    assert_true(ex_actor_num(s, "spinner", "crashes") >= 2);
    assert_true(ex_actor_num(s, "spinner", "restarts") >= 1);

    /* hungry: held at limits.memory (2MiB) with handler errors, no crash */
    assert_true(ex_actor_num(s, "hungry", "handler_errors") >= 1);
    assert_int_equal(ex_actor_num(s, "hungry", "crashes"), 0);
    assert_true(ex_actor_num(s, "hungry", "memory_bytes") <= 2 * 1024 * 1024);

    /* counter: handles every tick the feeder sends, whatever the others do
     * (a rate would depend on how loaded the machine is; losing none does not) */
    long long uptime = (long long)ex_get(s, "uptime_ms")->num;
    long long counted = ex_actor_num(s, "counter", "handled");
    print_message("uptime %lld ms, counter handled %lld\n", uptime, counted);
    assert_true(counted > 0);
    assert_int_equal(ex_actor_num(s, "counter", "crashes"), 0); /* its health checks pass */
    assert_string_equal(ex_actor_state(s, "counter"), "ready");
    assert_int_equal(ex_actor_num(s, "feeder", "crashes"), 0);
    assert_true(counted >= ex_actor_num(s, "feeder", "handled") - 5); /* no tick lost */

    /* the crashes stay in the nested supervisor */
    const ex_json *sup = ex_find(s, "supervisors", "unstable");
    assert_non_null(sup);
    assert_true(ex_get(sup, "restarts")->num >= 3);
    assert_int_equal(ex_get(ex_find(s, "supervisors", "root"), "restarts")->num, 0);
    ex_run_free(&r);
}

/* Longer runs keep counting: the count grows with the run time. */
static void resilience_counter_keeps_growing(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    ex_run_result a = ex_run_example("resilience", "1s", unstable);
    ex_run_result b = ex_run_example("resilience", "2500ms", unstable);
    long long ca = ex_actor_num(a.stats, "counter", "handled");
    long long cb = ex_actor_num(b.stats, "counter", "handled");
    print_message("counter: %lld after 1s, %lld after 2.5s\n", ca, cb);
    assert_true(ca > 0);
    assert_true(cb > ca);
    ex_run_free(&a);
    ex_run_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resilience_keeps_serving),
        cmocka_unit_test(resilience_counter_keeps_growing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
