/* test_supervisor_busy.c - restarts that must wait for a busy actor to finish
 * terminating: one_for_all with a sibling (or, under a nested supervisor, a
 * grandchild) stuck in a long handler when another child crashes. The group
 * is restarted only once the busy actor has terminated, so its name is free:
 * no spurious start failure, no give-up. */
#include "sup_helpers.h"

#define W 5000 /* generous wait, ms */


static size_t history_count(wasp_supervisor *sup, int reason) {
    wasp_restart_record r[WASP_SUP_HISTORY];
    size_t n = wasp_supervisor_history(sup, r, WASP_SUP_HISTORY), k = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].reason == reason) k++;
    return k;
}

/* one_for_all: "busy" is in a long handler when "crasher" crashes. Its stop
 * is only a request; the group waits for it, then restarts in order. */
static void test_one_for_all_waits_for_busy_sibling(void **st) {
    (void)st;
    hold_reset();
    tl_reset();
    wasp_system *sys = sup_sys(2);
    struct kid kb, kc;
    kid_init(&kb, "busy", true);
    kid_init(&kc, "crasher", true);
    wasp_actor_spec ab = kid_spec(&kb), ac = kid_spec(&kc);
    ab.handle = hold_handle;
    wasp_child_spec cs[] = {{.actor = &ab}, {.actor = &ac}};
    wasp_supervisor_spec sp = {.name = "ofa", .strategy = WASP_SUP_ONE_FOR_ALL, .intensity = 1,
                               .period_ns = 60000000000ull, .children = cs, .nchildren = 2};
    wasp_supervisor *sup;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    to_kid(sys, "busy", "hold");
    assert_true(TU_WAIT_UNTIL(atomic_load(&inside_hold), W));
    tl_reset();
    to_kid(sys, "crasher", "crash");
    assert_true(TU_WAIT_UNTIL(atomic_load(&kc.crashes_seen) == 1, W));
    tu_sleep_ms(30);
    assert_int_equal(atomic_load(&kc.started), 1); /* nothing restarted while busy runs */
    atomic_store(&release_hold, 1);
    assert_true(TU_WAIT_UNTIL(atomic_load(&kb.started) == 2 && atomic_load(&kc.started) == 2, W));
    char log[256];
    tl_get(log, sizeof(log));
    assert_string_equal(log, "-crasher -busy +busy +crasher ");
    assert_false(wasp_supervisor_gave_up(sup));
    assert_int_equal(history_count(sup, WASP_EXIT_START_FAILED), 0);
    assert_int_equal(wasp_supervisor_history(sup, NULL, 0), 1);
    assert_int_equal(wasp_supervisor_stop(sup), WASP_OK);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
    pthread_mutex_destroy(&kb.mu);
    pthread_mutex_destroy(&kc.mu);
}

/* one_for_all over a nested supervisor whose child "grand" is busy: the
 * nested supervisor stops grand (waiting for the message in hand) before it
 * exits, and the group restarts only once both are down; grand comes back on
 * its own identity. */
static void test_one_for_all_waits_for_busy_grandchild(void **st) {
    (void)st;
    hold_reset();
    wasp_system *sys = sup_sys(2);
    struct kid kg, kc;
    kid_init(&kg, "grand", false);
    kid_init(&kc, "crasher2", false);
    wasp_actor_spec ag = kid_spec(&kg), ac = kid_spec(&kc);
    ag.handle = hold_handle;
    wasp_child_spec inner[] = {{.actor = &ag}};
    wasp_supervisor_spec mid = {.name = "mid", .strategy = WASP_SUP_ONE_FOR_ONE, .intensity = 3,
                                .children = inner, .nchildren = 1};
    wasp_child_spec cs[] = {{.supervisor = &mid}, {.actor = &ac}};
    wasp_supervisor_spec sp = {.name = "top", .strategy = WASP_SUP_ONE_FOR_ALL, .intensity = 1,
                               .period_ns = 60000000000ull, .children = cs, .nchildren = 2};
    wasp_supervisor *sup;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    wasp_aid grand0;
    assert_int_equal(wasp_lookup(sys, "grand", &grand0), WASP_OK);
    to_kid(sys, "grand", "hold");
    assert_true(TU_WAIT_UNTIL(atomic_load(&inside_hold), W));
    to_kid(sys, "crasher2", "crash");
    assert_true(TU_WAIT_UNTIL(atomic_load(&kc.crashes_seen) == 1, W));
    tu_sleep_ms(30);
    assert_int_equal(atomic_load(&kg.started), 1); /* grand still busy, not re-spawned */
    atomic_store(&release_hold, 1);
    assert_true(TU_WAIT_UNTIL(atomic_load(&kg.started) == 2 && atomic_load(&kc.started) == 2, W));
    tu_sleep_ms(20);
    assert_false(wasp_supervisor_gave_up(sup));
    assert_int_equal(history_count(sup, WASP_EXIT_START_FAILED), 0);
    assert_int_equal(wasp_supervisor_history(sup, NULL, 0), 1);
    wasp_aid grand1;
    assert_int_equal(wasp_lookup(sys, "grand", &grand1), WASP_OK);
    assert_true(grand1 == grand0); /* a name is an identity: restarted in place */
    to_kid(sys, "grand", "after");
    assert_true(TU_WAIT_UNTIL(atomic_load(&kg.ngot) == 1, W));
    assert_int_equal(wasp_supervisor_stop(sup), WASP_OK);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
    pthread_mutex_destroy(&kg.mu);
    pthread_mutex_destroy(&kc.mu);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_for_all_waits_for_busy_sibling),
        cmocka_unit_test(test_one_for_all_waits_for_busy_grandchild),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
