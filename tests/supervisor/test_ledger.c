/* test_ledger.c - every actor's ledger balances in every snapshot and at
 * exit: received = handled + dead_letters + mailbox_len + in_hand, and what
 * was sent to it = received + timers_pending - through the message in hand,
 * pending timers (fired, cancelled, pending at the stop), crashes, restarts,
 * escalation and the system stop. Runtime events are never counted. */
#include "sup_helpers.h"

#define W 5000 /* generous wait, ms */


static wasp_system *ledger_sys(void) {
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = 2, .retain_terminated = true};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    return sys;
}

static wasp_actor_stats stats_named(wasp_system *sys, const char *name) {
    wasp_aid id;
    assert_int_equal(wasp_lookup(sys, name, &id), WASP_OK);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    return st;
}

static void assert_balanced(const wasp_actor_stats *st) {
    if (st->received != st->handled + st->dead_letters + st->mailbox_len + st->in_hand)
        fail_msg("%s: received %llu != handled %llu + dead %llu + queued %u + in hand %u", st->name,
                 (unsigned long long)st->received, (unsigned long long)st->handled,
                 (unsigned long long)st->dead_letters, st->mailbox_len, st->in_hand);
}

struct census {
    const char *name;
    int seen;
    wasp_actor_stats st;
    int unbalanced;
};

static int count_visit(const wasp_actor_stats *st, void *arg) {
    struct census *c = arg;
    if (st->received != st->handled + st->dead_letters + st->mailbox_len + st->in_hand)
        c->unbalanced++;
    if (!strcmp(st->name, c->name)) {
        c->seen++;
        c->st = *st;
    }
    return 0;
}

/* One stats entry for name, and every actor balanced. */
static wasp_actor_stats only_entry(wasp_system *sys, const char *name) {
    struct census c = {.name = name};
    assert_int_equal(wasp_system_foreach(sys, count_visit, &c), 0);
    assert_int_equal(c.seen, 1);
    assert_int_equal(c.unbalanced, 0);
    return c.st;
}

/* A message in hand is counted as such while it runs. */
static void test_in_hand(void **st) {
    (void)st;
    hold_reset();
    wasp_system *sys = ledger_sys();
    struct kid k;
    kid_init(&k, "busy", false);
    wasp_actor_spec spec = kid_spec(&k);
    spec.handle = hold_handle;
    assert_int_equal(wasp_spawn(sys, &spec, NULL), WASP_OK);
    to_kid(sys, "busy", "hold");
    assert_true(TU_WAIT_UNTIL(atomic_load(&inside_hold), W));
    for (int i = 0; i < 3; i++) to_kid(sys, "busy", "m");
    wasp_actor_stats s = stats_named(sys, "busy");
    assert_int_equal(s.received, 4);
    assert_int_equal(s.in_hand, 1);
    assert_int_equal(s.mailbox_len, 3);
    assert_balanced(&s);
    atomic_store(&release_hold, 1);
    assert_true(TU_WAIT_UNTIL(stats_named(sys, "busy").handled == 4, W));
    s = stats_named(sys, "busy");
    assert_int_equal(s.in_hand, 0);
    assert_balanced(&s);
    wasp_system_destroy(sys);
}

/* Timers: pending ones count as sent, not received; a cancelled one leaves
 * the ledger; those pending at the stop are dead letters of their target. */
static void test_timers(void **st) {
    (void)st;
    wasp_system *sys = ledger_sys();
    struct kid k;
    kid_init(&k, "later", false);
    wasp_actor_spec spec = kid_spec(&k);
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    wasp_send_opts by_name = {.to_name = "later", .data = "t", .len = 1};
    wasp_send_opts by_id = {.to = id, .data = "t", .len = 1};
    uint64_t cancel_me = 0;
    for (int i = 0; i < 3; i++)
        assert_int_equal(wasp_send_after(sys, &by_name, 600000000000ull, i ? NULL : &cancel_me), WASP_OK);
    assert_int_equal(wasp_send_after(sys, &by_id, 600000000000ull, NULL), WASP_OK);
    assert_int_equal(wasp_send_after(sys, &by_id, 1000000, NULL), WASP_OK);
    assert_int_equal(wasp_send_after(sys, &by_name, 1000000, NULL), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&k.handled) == 2, W));
    wasp_actor_stats s = stats_named(sys, "later");
    assert_int_equal(s.timers_pending, 4);
    assert_int_equal(s.received, 2);
    assert_balanced(&s);
    assert_int_equal(wasp_timer_cancel(sys, cancel_me), WASP_OK);
    s = stats_named(sys, "later");
    assert_int_equal(s.timers_pending, 3);
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    s = only_entry(sys, "later");
    assert_int_equal(s.timers_pending, 0);
    assert_int_equal(s.received, 5);
    assert_int_equal(s.handled, 2);
    assert_int_equal(s.dead_letters, 3);
    assert_int_equal(s.mailbox_len + s.in_hand, 0);
    wasp_system_destroy(sys);
}

/* A timer for a stopped actor: a dead letter it received. */
static void test_timer_for_stopped_actor(void **st) {
    (void)st;
    wasp_system *sys = ledger_sys();
    struct kid k;
    kid_init(&k, "gone", false);
    wasp_actor_spec spec = kid_spec(&k);
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    wasp_send_opts o = {.to = id, .data = "t", .len = 1};
    assert_int_equal(wasp_send_after(sys, &o, 20000000, NULL), WASP_OK);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    wasp_actor_stats s;
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(sys, id, &s) == WASP_OK && s.timers_pending == 0, W));
    assert_int_equal(s.received, 1);
    assert_int_equal(s.dead_letters, 1);
    assert_balanced(&s);
    wasp_system_destroy(sys);
}

/* A nested supervisor gives up on a crash (intensity 0), its parent
 * restarts it: the child keeps one entry, its queue and its counts; the one
 * message lost is the one in hand at the crash; what is pending at the stop
 * is its dead letter. */
static void test_escalation_and_stop(void **st) {
    (void)st;
    hold_reset();
    wasp_system *sys = ledger_sys();
    struct kid k;
    kid_init(&k, "x", false);
    wasp_actor_spec ax = kid_spec(&k);
    ax.handle = hold_handle;
    wasp_child_spec inner[] = {{.actor = &ax}};
    wasp_supervisor_spec mid = {.name = "mid", .strategy = WASP_SUP_ONE_FOR_ALL, .intensity = 0,
                                .period_ns = 60000000000ull, .children = inner, .nchildren = 1};
    wasp_child_spec outer[] = {{.supervisor = &mid, .restart = WASP_RESTART_PERMANENT}};
    wasp_supervisor_spec root = {.name = "root", .intensity = 5, .period_ns = 60000000000ull,
                                 .children = outer, .nchildren = 1};
    wasp_supervisor *sup;
    assert_int_equal(wasp_supervisor_start(sys, &root, &sup), WASP_OK);
    to_kid(sys, "x", "hold");
    assert_true(TU_WAIT_UNTIL(atomic_load(&inside_hold), W));
    to_kid(sys, "x", "crash");
    to_kid(sys, "x", "m1");
    to_kid(sys, "x", "m2");
    wasp_send_opts later = {.to_name = "x", .data = "late", .len = 4};
    assert_int_equal(wasp_send_after(sys, &later, 600000000000ull, NULL), WASP_OK);
    wasp_actor_stats s = stats_named(sys, "x");
    assert_int_equal(s.received, 4);
    assert_int_equal(s.timers_pending, 1);
    assert_balanced(&s);
    atomic_store(&release_hold, 1);
    assert_true(TU_WAIT_UNTIL(atomic_load(&k.ngot) == 2, W)); /* m1, m2 after the restart */
    assert_int_equal(atomic_load(&k.started), 2);
    s = stats_named(sys, "x");
    assert_int_equal(s.restarts, 1);
    assert_int_equal(s.crashes, 1);
    assert_balanced(&s);
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    s = only_entry(sys, "x");
    assert_int_equal(s.received, 5);
    assert_int_equal(s.handled, 3);      /* hold, m1, m2 */
    assert_int_equal(s.dead_letters, 2); /* the crash in hand, the timer at the stop */
    assert_int_equal(s.timers_pending + s.mailbox_len + s.in_hand, 0);
    only_entry(sys, "mid");
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
}

/* Health probes ride the runtime's channel: never received, handled or dead. */
static void test_probes_are_not_messages(void **st) {
    (void)st;
    wasp_system *sys = ledger_sys();
    struct kid k;
    kid_init(&k, "probed", false);
    wasp_actor_spec a = kid_spec(&k);
    wasp_health_check hc = {.interval_ns = 1000000, .timeout_ns = 50000000};
    wasp_child_spec cs[] = {{.actor = &a, .health = &hc}};
    wasp_supervisor_spec sp = {.name = "hsup", .intensity = 3, .period_ns = 60000000000ull,
                               .children = cs, .nchildren = 1};
    wasp_supervisor *sup;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    int health = WASP_HEALTH_UNKNOWN;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(sup, "probed", &health, NULL) == WASP_OK &&
                                  health == WASP_HEALTH_HEALTHY,
                              W));
    tu_sleep_ms(20); /* more probes */
    to_kid(sys, "probed", "one");
    assert_true(TU_WAIT_UNTIL(atomic_load(&k.ngot) == 1, W));
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    wasp_actor_stats s = only_entry(sys, "probed");
    assert_int_equal(s.received, 1);
    assert_int_equal(s.handled, 1);
    assert_int_equal(s.dead_letters, 0);
    s = only_entry(sys, "hsup");
    assert_int_equal(s.received, 0);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
}

/* Snapshots taken while messages flow balance too. */
static void test_snapshots_under_load(void **st) {
    (void)st;
    wasp_system *sys = ledger_sys();
    struct kid k;
    kid_init(&k, "flow", false);
    wasp_actor_spec spec = kid_spec(&k);
    spec.overflow = WASP_OVERFLOW_EFULL;
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    uint64_t sent = 0;
    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 50; i++)
            if (wasp_send(sys, id, "x", 1) == WASP_OK) sent++;
        wasp_actor_stats s;
        assert_int_equal(wasp_actor_stats_get(sys, id, &s), WASP_OK);
        assert_balanced(&s);
        assert_true(s.in_hand <= 1);
    }
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    wasp_actor_stats s;
    assert_int_equal(wasp_actor_stats_get(sys, id, &s), WASP_OK);
    assert_int_equal(s.received, sent);
    assert_int_equal(s.handled + s.dead_letters, sent);
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_hand),
        cmocka_unit_test(test_timers),
        cmocka_unit_test(test_timer_for_stopped_actor),
        cmocka_unit_test(test_escalation_and_stop),
        cmocka_unit_test(test_probes_are_not_messages),
        cmocka_unit_test(test_snapshots_under_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
