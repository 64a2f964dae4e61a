/* test_supervisor.c - OTP supervisor conformance: strategies x restart
 * types, intensity, escalation, order, backoff, mailbox continuity,
 * dynamic children. */
#include "sup_helpers.h"

#define W 2000 /* generous wait, ms */

struct fixture {
    wasp_system *sys;
    wasp_supervisor *sup;
    struct kid k[4];
    wasp_actor_spec as[4];
    wasp_child_spec cs[4];
};

static atomic_int gave_up_calls;
static void on_give_up(wasp_supervisor *sup, void *arg) {
    (void)sup;
    (void)arg;
    atomic_fetch_add(&gave_up_calls, 1);
}

static void fx_start(struct fixture *f, int strategy, int restart, uint32_t intensity) {
    static const char *names[] = {"a", "b", "c", "d"};
    memset(f, 0, sizeof(*f));
    tl_reset();
    atomic_store(&gave_up_calls, 0);
    f->sys = sup_sys(2);
    for (int i = 0; i < 3; i++) {
        kid_init(&f->k[i], names[i], true);
        f->as[i] = kid_spec(&f->k[i]);
        f->cs[i] = (wasp_child_spec){.actor = &f->as[i], .restart = restart};
    }
    wasp_supervisor_spec sp = {.name = "sup", .strategy = strategy, .intensity = intensity,
                               .period_ns = 10000000000ull, .children = f->cs, .nchildren = 3,
                               .on_give_up = on_give_up};
    assert_int_equal(wasp_supervisor_start(f->sys, &sp, &f->sup), WASP_OK);
}

static void fx_end(struct fixture *f) {
    wasp_system_destroy(f->sys);
    wasp_supervisor_destroy(f->sup);
}

static int started(struct fixture *f, int i) { return atomic_load(&f->k[i].started); }

static void test_start_order_and_reverse_stop(void **st) {
    (void)st;
    struct fixture f;
    fx_start(&f, WASP_SUP_ONE_FOR_ONE, WASP_RESTART_PERMANENT, 3);
    char log[256];
    tl_get(log, sizeof(log));
    assert_string_equal(log, "+a +b +c ");
    tl_reset();
    assert_int_equal(wasp_supervisor_stop(f.sup), WASP_OK);
    tl_get(log, sizeof(log));
    assert_string_equal(log, "-c -b -a ");
    wasp_aid id;
    assert_int_equal(wasp_lookup(f.sys, "a", &id), WASP_ENOENT);
    fx_end(&f);
}

static void crash_b(struct fixture *f) { to_kid(f->sys, "b", "crash"); }

static void test_one_for_one_permanent(void **st) {
    (void)st;
    struct fixture f;
    fx_start(&f, WASP_SUP_ONE_FOR_ONE, WASP_RESTART_PERMANENT, 3);
    crash_b(&f);
    assert_true(TU_WAIT_UNTIL(started(&f, 1) == 2, W));
    tu_sleep_ms(20);
    assert_int_equal(started(&f, 0), 1);
    assert_int_equal(started(&f, 2), 1);
    wasp_restart_record r[4];
    assert_int_equal(wasp_supervisor_history(f.sup, r, 4), 1);
    assert_string_equal(r[0].child, "b");
    assert_int_equal(r[0].reason, WASP_EXIT_CRASH);
    wasp_supervisor_stats ss;
    wasp_supervisor_stats_get(f.sup, &ss);
    assert_string_equal(ss.name, "sup");
    assert_int_equal(ss.restarts, 1);
    assert_false(ss.gave_up);
    uint64_t n = 0;
    assert_int_equal(wasp_supervisor_child(f.sup, "b", NULL, &n), WASP_OK);
    assert_int_equal(n, 1);
    /* and it still works */
    to_kid(f.sys, "b", "hello");
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.k[1].ngot) == 1, W));
    fx_end(&f);
}

static void test_one_for_all(void **st) {
    (void)st;
    struct fixture f;
    fx_start(&f, WASP_SUP_ONE_FOR_ALL, WASP_RESTART_PERMANENT, 3);
    tl_reset();
    crash_b(&f);
    assert_true(TU_WAIT_UNTIL(started(&f, 0) == 2 && started(&f, 1) == 2 && started(&f, 2) == 2, W));
    char log[256];
    tl_get(log, sizeof(log));
    /* b crashed; the others stop in reverse order; all restart in order */
    assert_string_equal(log, "-b -c -a +a +b +c ");
    fx_end(&f);
}

static void test_rest_for_one(void **st) {
    (void)st;
    struct fixture f;
    fx_start(&f, WASP_SUP_REST_FOR_ONE, WASP_RESTART_PERMANENT, 3);
    tl_reset();
    crash_b(&f);
    assert_true(TU_WAIT_UNTIL(started(&f, 1) == 2 && started(&f, 2) == 2, W));
    tu_sleep_ms(20);
    assert_int_equal(started(&f, 0), 1);
    char log[256];
    tl_get(log, sizeof(log));
    assert_string_equal(log, "-b -c +b +c ");
    fx_end(&f);
}

static void strategy_types(int strategy) {
    /* transient: a normal stop is not restarted, a crash is */
    struct fixture f;
    fx_start(&f, strategy, WASP_RESTART_TRANSIENT, 5);
    to_kid(f.sys, "b", "stop");
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.k[1].stopped) == 1, W));
    tu_sleep_ms(50);
    assert_int_equal(started(&f, 1), 1);
    assert_int_equal(started(&f, 0), 1);
    wasp_aid id = 1;
    assert_int_equal(wasp_supervisor_child(f.sup, "b", &id, NULL), WASP_OK);
    assert_int_equal(id, 0);
    to_kid(f.sys, "c", "crash");
    assert_true(TU_WAIT_UNTIL(started(&f, 2) == 2, W));
    fx_end(&f);

    /* temporary: never restarted, and removed */
    fx_start(&f, strategy, WASP_RESTART_TEMPORARY, 5);
    crash_b(&f);
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(f.sup, "b", NULL, NULL) == WASP_ENOENT, W));
    tu_sleep_ms(50);
    assert_int_equal(started(&f, 1), 1);
    assert_int_equal(wasp_supervisor_history(f.sup, NULL, 0), 0);
    fx_end(&f);

    /* permanent: a normal stop is restarted too */
    fx_start(&f, strategy, WASP_RESTART_PERMANENT, 5);
    to_kid(f.sys, "c", "stop");
    assert_true(TU_WAIT_UNTIL(started(&f, 2) == 2, W));
    wasp_restart_record r[2];
    assert_int_equal(wasp_supervisor_history(f.sup, r, 2), 1);
    assert_int_equal(r[0].reason, WASP_EXIT_NORMAL);
    fx_end(&f);
}

static void test_types_one_for_one(void **st) { (void)st; strategy_types(WASP_SUP_ONE_FOR_ONE); }
static void test_types_one_for_all(void **st) { (void)st; strategy_types(WASP_SUP_ONE_FOR_ALL); }
static void test_types_rest_for_one(void **st) { (void)st; strategy_types(WASP_SUP_REST_FOR_ONE); }

static void test_intensity_at_limit(void **st) {
    (void)st;
    struct fixture f;
    fx_start(&f, WASP_SUP_ONE_FOR_ONE, WASP_RESTART_PERMANENT, 3);
    for (int i = 1; i <= 3; i++) {
        crash_b(&f);
        assert_true(TU_WAIT_UNTIL(started(&f, 1) == i + 1, W));
    }
    tu_sleep_ms(20);
    assert_false(wasp_supervisor_gave_up(f.sup));
    assert_int_equal(atomic_load(&gave_up_calls), 0);
    fx_end(&f);
}

static void test_intensity_over_limit(void **st) {
    (void)st;
    struct fixture f;
    fx_start(&f, WASP_SUP_ONE_FOR_ONE, WASP_RESTART_PERMANENT, 3);
    for (int i = 1; i <= 3; i++) {
        crash_b(&f);
        assert_true(TU_WAIT_UNTIL(started(&f, 1) == i + 1, W));
    }
    tl_reset();
    crash_b(&f);
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_gave_up(f.sup), W));
    assert_true(TU_WAIT_UNTIL(atomic_load(&gave_up_calls) == 1, W));
    assert_int_equal(started(&f, 1), 4);
    char log[256];
    tl_get(log, sizeof(log));
    assert_string_equal(log, "-b -c -a "); /* crash, then the rest in reverse order */
    wasp_actor_stats s;
    /* a root that gives up exits (OTP: reason shutdown): its tree is gone */
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(f.sys, wasp_supervisor_id(f.sup), &s) != WASP_OK ||
                                  s.state == WASP_STATE_TERMINATED,
                              W));
    wasp_supervisor_stats ss;
    wasp_supervisor_stats_get(f.sup, &ss);
    assert_true(ss.gave_up);
    fx_end(&f);
}

static void test_escalation_two_levels(void **st) {
    (void)st;
    tl_reset();
    atomic_store(&gave_up_calls, 0);
    wasp_system *sys = sup_sys(2);
    struct kid leaf, other;
    kid_init(&leaf, "leaf", false);
    kid_init(&other, "other", false);
    wasp_actor_spec la = kid_spec(&leaf), oa = kid_spec(&other);
    wasp_child_spec mid_children[] = {{.actor = &la}};
    wasp_supervisor_spec mid = {.name = "mid", .strategy = WASP_SUP_ONE_FOR_ONE, .intensity = 0,
                                .children = mid_children, .nchildren = 1};
    wasp_child_spec root_children[] = {{.actor = &oa}, {.supervisor = &mid}};
    wasp_supervisor_spec root = {.name = "root", .strategy = WASP_SUP_ONE_FOR_ONE,
                                 .intensity = 1, .period_ns = 10000000000ull,
                                 .children = root_children, .nchildren = 2,
                                 .on_give_up = on_give_up};
    wasp_supervisor *sup = NULL;
    assert_int_equal(wasp_supervisor_start(sys, &root, &sup), WASP_OK);
    wasp_supervisor *m = wasp_supervisor_find(sup, "mid");
    assert_non_null(m);
    assert_int_equal(atomic_load(&leaf.started), 1);
    /* leaf crash: mid (intensity 0) gives up, root restarts mid, leaf comes back */
    to_kid(sys, "leaf", "crash");
    assert_true(TU_WAIT_UNTIL(atomic_load(&leaf.started) == 2, W));
    uint64_t n = 0;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(sup, "mid", NULL, &n) == WASP_OK && n == 1, W));
    assert_false(wasp_supervisor_gave_up(sup));
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(m, "leaf", NULL, NULL) == WASP_OK, W));
    /* again: root's second restart within the period exceeds intensity 1 */
    to_kid(sys, "leaf", "crash");
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_gave_up(sup), W));
    assert_true(TU_WAIT_UNTIL(atomic_load(&gave_up_calls) == 1, W));
    assert_true(TU_WAIT_UNTIL(atomic_load(&other.stopped) == 1, W));
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
}

static void test_backoff_delays(void **st) {
    (void)st;
    wasp_backoff b = {.initial_ns = 10, .max_ns = 50, .multiplier = 2.0};
    assert_int_equal(wasp_backoff_delay(&b, 1), 10);
    assert_int_equal(wasp_backoff_delay(&b, 2), 20);
    assert_int_equal(wasp_backoff_delay(&b, 3), 40);
    assert_int_equal(wasp_backoff_delay(&b, 4), 50);
    assert_int_equal(wasp_backoff_delay(&b, 40), 50);

    wasp_system *sys = sup_sys(2);
    struct kid k;
    kid_init(&k, "slow", false);
    wasp_actor_spec a = kid_spec(&k);
    wasp_child_spec cs[] = {{.actor = &a}};
    wasp_supervisor_spec sp = {.name = "bsup", .strategy = WASP_SUP_ONE_FOR_ONE, .intensity = 100,
                               .period_ns = 60000000000ull,
                               .backoff = {.initial_ns = 20000000, .max_ns = 80000000,
                                           .multiplier = 2.0, .jitter = 0.25},
                               .children = cs, .nchildren = 1};
    wasp_supervisor *sup = NULL;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    uint64_t expect[] = {20000000, 40000000, 80000000, 80000000};
    for (int i = 0; i < 4; i++) {
        uint64_t t0 = now_ns();
        to_kid(sys, "slow", "crash");
        assert_true(TU_WAIT_UNTIL(atomic_load(&k.started) == i + 2, 5000));
        uint64_t waited = atomic_load(&k.last_start_ns) - t0;
        assert_true(waited >= expect[i] * 3 / 4); /* never early (jitter 25%) */
        /* but not stuck either */
        assert_true(waited < expect[i] * 5 / 4 + 2000000000ull);
    }
    wasp_restart_record r[8];
    assert_int_equal(wasp_supervisor_history(sup, r, 8), 4);
    for (int i = 0; i < 4; i++) {
        assert_true(r[i].delay_ns >= expect[i] * 3 / 4 && r[i].delay_ns <= expect[i] * 5 / 4);
        if (i) assert_true(r[i].time_ns > r[i - 1].time_ns);
    }
    assert_true(r[2].delay_ns > r[0].delay_ns);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
}

static void test_mailbox_continuity(void **st) {
    (void)st;
    wasp_system *sys = sup_sys(2);
    struct kid k;
    kid_init(&k, "mb", false);
    wasp_actor_spec a = kid_spec(&k);
    wasp_child_spec cs[] = {{.actor = &a}};
    wasp_supervisor_spec sp = {.name = "msup", .intensity = 5, .children = cs, .nchildren = 1};
    wasp_supervisor *sup = NULL;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    wasp_aid before = 0, after = 0;
    assert_int_equal(wasp_supervisor_child(sup, "mb", &before, NULL), WASP_OK);
    to_kid(sys, "mb", "slowcrash");
    to_kid(sys, "mb", "m1");
    to_kid(sys, "mb", "m2");
    assert_true(TU_WAIT_UNTIL(atomic_load(&k.ngot) == 2, W));
    assert_string_equal(k.got[0], "m1");
    assert_string_equal(k.got[1], "m2");
    assert_int_equal(atomic_load(&k.started), 2);
    assert_int_equal(wasp_supervisor_child(sup, "mb", &after, NULL), WASP_OK);
    assert_int_equal(before, after); /* same id, name and mailbox */
    wasp_actor_stats s;
    assert_int_equal(wasp_actor_stats_get(sys, after, &s), WASP_OK);
    assert_int_equal(s.dead_letters, 1); /* the crashing message */
    assert_int_equal(s.crashes, 1);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
}

static void test_dynamic_children(void **st) {
    (void)st;
    struct fixture f;
    fx_start(&f, WASP_SUP_ONE_FOR_ONE, WASP_RESTART_PERMANENT, 5);
    kid_init(&f.k[3], "d", true);
    f.as[3] = kid_spec(&f.k[3]);
    wasp_child_spec c = {.actor = &f.as[3]};
    assert_int_equal(wasp_supervisor_add_child(f.sup, &c), WASP_OK);
    assert_int_equal(started(&f, 3), 1);
    assert_int_equal(wasp_supervisor_add_child(f.sup, &c), WASP_EEXIST);
    wasp_supervisor_stats ss;
    wasp_supervisor_stats_get(f.sup, &ss);
    assert_int_equal(ss.children, 4);
    to_kid(f.sys, "d", "crash");
    assert_true(TU_WAIT_UNTIL(started(&f, 3) == 2, W));
    assert_int_equal(wasp_supervisor_remove_child(f.sup, "d"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.k[3].stopped) == 2, W));
    assert_int_equal(wasp_supervisor_remove_child(f.sup, "d"), WASP_ENOENT);
    wasp_supervisor_stats_get(f.sup, &ss);
    assert_int_equal(ss.children, 3);
    wasp_aid id;
    assert_true(TU_WAIT_UNTIL(wasp_lookup(f.sys, "d", &id) == WASP_ENOENT, W));
    /* a child that fails to start is not added */
    atomic_store(&f.k[3].fail_start, 1);
    assert_int_equal(wasp_supervisor_add_child(f.sup, &c), WASP_ECRASH);
    assert_int_equal(wasp_supervisor_child(f.sup, "d", NULL, NULL), WASP_ENOENT);
    fx_end(&f);
}

static void test_start_failure(void **st) {
    (void)st;
    wasp_system *sys = sup_sys(2);
    struct kid a, b;
    kid_init(&a, "ok", false);
    kid_init(&b, "bad", false);
    atomic_store(&b.fail_start, 1);
    wasp_actor_spec as = kid_spec(&a), bs = kid_spec(&b);
    wasp_child_spec cs[] = {{.actor = &as}, {.actor = &bs}};
    wasp_supervisor_spec sp = {.name = "fs", .intensity = 1, .children = cs, .nchildren = 2};
    wasp_supervisor *sup = NULL;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_ECRASH);
    assert_null(sup);
    assert_true(TU_WAIT_UNTIL(atomic_load(&a.stopped) == 1, W));
    /* invalid specs */
    wasp_supervisor_spec bad = {.name = "x", .strategy = 7};
    assert_int_equal(wasp_supervisor_start(sys, &bad, &sup), WASP_EINVAL);
    wasp_child_spec dup[] = {{.actor = &as}, {.actor = &as}};
    wasp_supervisor_spec d = {.name = "x", .children = dup, .nchildren = 2};
    assert_int_equal(wasp_supervisor_start(sys, &d, &sup), WASP_EINVAL);
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_order_and_reverse_stop),
        cmocka_unit_test(test_one_for_one_permanent),
        cmocka_unit_test(test_one_for_all),
        cmocka_unit_test(test_rest_for_one),
        cmocka_unit_test(test_types_one_for_one),
        cmocka_unit_test(test_types_one_for_all),
        cmocka_unit_test(test_types_rest_for_one),
        cmocka_unit_test(test_intensity_at_limit),
        cmocka_unit_test(test_intensity_over_limit),
        cmocka_unit_test(test_escalation_two_levels),
        cmocka_unit_test(test_backoff_delays),
        cmocka_unit_test(test_mailbox_continuity),
        cmocka_unit_test(test_dynamic_children),
        cmocka_unit_test(test_start_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
