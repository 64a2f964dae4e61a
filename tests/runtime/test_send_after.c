/* test_send_after.c - delayed sends and their cancellation. */
#include "rt_helpers.h"

static void test_send_after_delivers_late(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r = rec_new();
    wasp_actor_spec s = rec_spec(r, "late");
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    uint64_t t0 = wasp_clock_ns();
    wasp_send_opts o = {.to_name = "late", .data = "tick", .len = 4};
    uint64_t timer = 0;
    assert_int_equal(wasp_send_after(sys, &o, 30000000ull, &timer), WASP_OK);
    assert_int_not_equal(timer, 0);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 1, 5000));
    assert_true(wasp_clock_ns() - t0 >= 30000000ull); /* not early */
    assert_string_equal(r->log[0], "tick");
    assert_int_equal(wasp_timer_cancel(sys, timer), WASP_ENOENT); /* fired already */
    wasp_system_destroy(sys);
    rec_free(r);
}

static void test_send_after_cancel(void **state) {
    (void)state;
    /* On the virtual clock nothing fires before the cancels, however slow
     * the machine is. */
    wasp_system *sys = vsys_new(1);
    struct rec *r = rec_new();
    wasp_actor_spec s = rec_spec(r, NULL);
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    enum { N = 2000 };
    uint64_t *timers = calloc(N, sizeof(*timers));
    for (int i = 0; i < N; i++) {
        wasp_send_opts o = {.to = id, .data = i % 2 ? "odd" : "even", .len = i % 2 ? 3 : 4};
        assert_int_equal(wasp_send_after(sys, &o, 40000000ull, &timers[i]), WASP_OK);
    }
    for (int i = 1; i < N; i += 2) assert_int_equal(wasp_timer_cancel(sys, timers[i]), WASP_OK);
    assert_int_equal(atomic_load(&r->n), 0);
    assert_int_equal(wasp_system_advance_clock(sys, 40000000ull, 5000000000ull), WASP_OK);
    assert_int_equal(atomic_load(&r->n), N / 2);
    for (int i = 0; i < N / 2; i++) assert_string_equal(r->log[i], "even");
    free(timers);
    wasp_system_destroy(sys);
    rec_free(r);
}

static void test_send_after_target_gone(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.name = "ghost", .handle = rec_handle, .state = rec_new()};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    wasp_send_opts o = {.to = id, .data = "boo", .len = 3};
    assert_int_equal(wasp_send_after(sys, &o, 10000000ull, NULL), WASP_OK);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    wasp_system_stats ss;
    assert_true(TU_WAIT_UNTIL((wasp_system_stats_get(sys, &ss), ss.dead_letters == 1), 5000));
    wasp_send_opts bad = {.data = "x", .len = 1};
    assert_int_equal(wasp_send_after(sys, &bad, 1000, NULL), WASP_EINVAL);
    wasp_system_destroy(sys);
    rec_free(s.state);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_after_delivers_late),
        cmocka_unit_test(test_send_after_cancel),
        cmocka_unit_test(test_send_after_target_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
