/* stress_supervisor.c - crash storm: 1,000 children crashing repeatedly
 * under one_for_one while another actor keeps processing. */
#include "sup_helpers.h"

#define KIDS 1000
#define ROUNDS 5

static atomic_int pings;
static int ping_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx;
    (void)m;
    atomic_fetch_add(&pings, 1);
    return 0;
}

static void test_crash_storm(void **st) {
    (void)st;
    wasp_system *sys = sup_sys(2);
    struct kid *k = calloc(KIDS, sizeof(*k));
    wasp_actor_spec *as = calloc(KIDS, sizeof(*as));
    wasp_child_spec *cs = calloc(KIDS, sizeof(*cs));
    for (int i = 0; i < KIDS; i++) {
        char n[32];
        snprintf(n, sizeof(n), "k%d", i);
        kid_init(&k[i], n, false);
        as[i] = kid_spec(&k[i]);
        cs[i] = (wasp_child_spec){.actor = &as[i]};
    }
    wasp_supervisor_spec sp = {.name = "storm", .intensity = 1000000, .period_ns = 1000000000ull,
                               .children = cs, .nchildren = KIDS};
    wasp_supervisor *sup = NULL;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    wasp_actor_spec ps = {.name = "pinger", .handle = ping_handle};
    wasp_aid pinger;
    assert_int_equal(wasp_spawn(sys, &ps, &pinger), WASP_OK);
    int sent = 0;
    for (int r = 1; r <= ROUNDS; r++) {
        for (int i = 0; i < KIDS; i++) {
            to_kid(sys, k[i].name, "crash");
            if (wasp_send(sys, pinger, "p", 1) == WASP_OK) sent++;
        }
        for (int i = 0; i < KIDS; i++)
            assert_true(TU_WAIT_UNTIL(atomic_load(&k[i].started) == r + 1, 10000));
    }
    assert_true(TU_WAIT_UNTIL(atomic_load(&pings) == sent, 5000));
    wasp_supervisor_stats ss;
    wasp_supervisor_stats_get(sup, &ss);
    assert_int_equal(ss.restarts, (uint64_t)KIDS * ROUNDS);
    assert_false(ss.gave_up);
    assert_int_equal(wasp_supervisor_history(sup, NULL, 0), WASP_SUP_HISTORY);
    assert_int_equal(wasp_supervisor_stop(sup), WASP_OK);
    for (int i = 0; i < KIDS; i++) assert_int_equal(atomic_load(&k[i].stopped), ROUNDS + 1);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
    for (int i = 0; i < KIDS; i++) pthread_mutex_destroy(&k[i].mu);
    free(k);
    free(as);
    free(cs);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_crash_storm)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
