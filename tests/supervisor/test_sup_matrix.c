/* test_sup_matrix.c - the OTP semantics over every strategy x restart type x
 * nesting depth (1..3), through the C API with native actors: start order,
 * what a crash and a normal exit stop and restart (in which order), the
 * system stop's order, restarts counted per name and per supervisor, one
 * stats entry per name, ledgers balanced; and escalation (a nested
 * supervisor that gives up exits `shutdown`) over the nested entry's
 * restart type. */
#include "sup_helpers.h"

#define W 5000 /* generous wait, ms */

static const int strategies[] = {WASP_SUP_ONE_FOR_ONE, WASP_SUP_ONE_FOR_ALL, WASP_SUP_REST_FOR_ONE};
static const int types[] = {WASP_RESTART_PERMANENT, WASP_RESTART_TRANSIENT, WASP_RESTART_TEMPORARY};
static const char *const sup_names[] = {"s1", "s2", "s3"};

struct tree {
    wasp_system *sys;
    wasp_supervisor *root, *leaf;
    struct kid k[3];
    wasp_actor_spec as[3];
    wasp_child_spec leaf_children[3];
    wasp_supervisor_spec specs[3];
    wasp_child_spec links[2];
};

/* Supervisors s1 (root) .. sDEPTH (the leaf, strategy, intensity) over the
 * children a, b, c of restart type `type`; each upper one (one_for_one,
 * upper_intensity) has the next as its only child, of restart type
 * `link_type`. */
static void tree_start(struct tree *t, int depth, int strategy, int type, uint32_t intensity,
                       int link_type, uint32_t upper_intensity) {
    static const char *const names[] = {"a", "b", "c"};
    memset(t, 0, sizeof(*t));
    tl_reset();
    wasp_system_config cfg = {.workers = 2, .retain_terminated = true};
    assert_int_equal(wasp_system_create(&cfg, &t->sys), WASP_OK);
    assert_int_equal(wasp_system_start(t->sys), WASP_OK);
    for (int i = 0; i < 3; i++) {
        kid_init(&t->k[i], names[i], true);
        t->as[i] = kid_spec(&t->k[i]);
        t->leaf_children[i] = (wasp_child_spec){.actor = &t->as[i], .restart = type,
                                                .stop_timeout_ns = 1000000000ull};
    }
    for (int d = depth - 1; d >= 0; d--) {
        bool leaf = d == depth - 1;
        t->specs[d] = (wasp_supervisor_spec){
            .name = sup_names[d], .strategy = leaf ? strategy : WASP_SUP_ONE_FOR_ONE,
            .intensity = leaf ? intensity : upper_intensity, .period_ns = 60000000000ull,
            .children = leaf ? t->leaf_children : &t->links[d], .nchildren = leaf ? 3 : 1};
        if (d > 0) t->links[d - 1] = (wasp_child_spec){.supervisor = &t->specs[d], .restart = link_type};
    }
    assert_int_equal(wasp_supervisor_start(t->sys, &t->specs[0], &t->root), WASP_OK);
    t->leaf = depth == 1 ? t->root : wasp_supervisor_find(t->root, sup_names[depth - 1]);
    assert_non_null(t->leaf);
    char log[256];
    tl_get(log, sizeof(log));
    assert_string_equal(log, "+a +b +c ");
    tl_reset();
}

static int started(struct tree *t, int i) { return atomic_load(&t->k[i].started); }

struct census {
    const char *name;
    int seen;
    wasp_actor_stats st;
};

static int census_visit(const wasp_actor_stats *st, void *arg) {
    struct census *c = arg;
    if (st->received != st->handled + st->dead_letters + st->mailbox_len + st->in_hand)
        fail_msg("%s does not balance", st->name);
    if (!strcmp(st->name, c->name)) {
        c->seen++;
        c->st = *st;
    }
    return 0;
}

/* After the stop: the name's one entry (every entry balanced, nothing left queued). */
static wasp_actor_stats final_entry(wasp_system *sys, const char *name) {
    struct census c = {.name = name};
    assert_int_equal(wasp_system_foreach(sys, census_visit, &c), 0);
    if (c.seen != 1) fail_msg("%s has %d entries", name, c.seen);
    assert_int_equal(c.st.state, WASP_STATE_TERMINATED);
    assert_int_equal(c.st.mailbox_len + c.st.in_hand + c.st.timers_pending, 0);
    return c.st;
}

static void expect_log(const char *want) {
    char log[256];
    tl_get(log, sizeof(log));
    if (strcmp(log, want)) fail_msg("log '%s', expected '%s'", log, want);
    tl_reset();
}

/* Waits until no child of sup is being stopped or restarted: every child
 * listed is running, or (wait_gone) the named one is gone or not running. */
static bool child_running(wasp_supervisor *sup, const char *name) {
    wasp_aid id = 0;
    return wasp_supervisor_child(sup, name, &id, NULL) == WASP_OK && id != 0;
}

static bool child_down(wasp_supervisor *sup, const char *name) {
    wasp_aid id = 1;
    int rc = wasp_supervisor_child(sup, name, &id, NULL);
    return rc == WASP_ENOENT || (rc == WASP_OK && id == 0);
}

static void one_cell(int depth, int strategy, int type) {
    struct tree t;
    tree_start(&t, depth, strategy, type, 10, WASP_RESTART_PERMANENT, 10);
    bool restarts = type != WASP_RESTART_TEMPORARY;

    /* 1. b crashes, with a message queued behind the crash */
    to_kid(t.sys, "b", "crash");
    int queued = wasp_send_name(t.sys, "b", "m1", 2) == WASP_OK;
    if (restarts) {
        int want_a = strategy == WASP_SUP_ONE_FOR_ALL ? 2 : 1;
        int want_c = strategy == WASP_SUP_ONE_FOR_ONE ? 1 : 2;
        assert_true(TU_WAIT_UNTIL(started(&t, 0) == want_a && started(&t, 1) == 2 &&
                                      started(&t, 2) == want_c && child_running(t.leaf, "c"),
                                  W));
        expect_log(strategy == WASP_SUP_ONE_FOR_ONE   ? "-b +b "
                   : strategy == WASP_SUP_ONE_FOR_ALL ? "-b -c -a +a +b +c "
                                                      : "-b -c +b +c ");
        assert_true(queued);
        assert_true(TU_WAIT_UNTIL(atomic_load(&t.k[1].ngot) == 1, W)); /* m1 survived the restart */
    } else {
        assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(t.leaf, "b", NULL, NULL) == WASP_ENOENT, W));
        expect_log("-b ");
    }

    /* 2. c exits normally */
    int before[3] = {started(&t, 0), started(&t, 1), started(&t, 2)};
    int stopped_c = atomic_load(&t.k[2].stopped);
    to_kid(t.sys, "c", "stop");
    if (type == WASP_RESTART_PERMANENT) {
        bool all = strategy == WASP_SUP_ONE_FOR_ALL;
        assert_true(TU_WAIT_UNTIL(started(&t, 2) == before[2] + 1 && child_running(t.leaf, "c") &&
                                      (!all || (started(&t, 0) == before[0] + 1 &&
                                                started(&t, 1) == before[1] + 1)),
                                  W));
        expect_log(all ? "-c -b -a +a +b +c " : "-c +c ");
    } else {
        assert_true(TU_WAIT_UNTIL(child_down(t.leaf, "c") && atomic_load(&t.k[2].stopped) == stopped_c + 1, W));
        if (type == WASP_RESTART_TEMPORARY)
            assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(t.leaf, "c", NULL, NULL) == WASP_ENOENT, W));
        tu_sleep_ms(20); /* nothing else follows */
        expect_log("-c ");
    }

    /* 3. the system stops: what runs stops in reverse child order */
    wasp_supervisor_stats ls;
    wasp_supervisor_stats_get(t.leaf, &ls);
    assert_int_equal(wasp_system_stop(t.sys), WASP_OK);
    expect_log(type == WASP_RESTART_PERMANENT   ? "-c -b -a "
               : type == WASP_RESTART_TRANSIENT ? "-b -a "
                                                : "-a ");

    /* 4. counts: one entry per name, restarts per name and per supervisor */
    static const uint64_t want_restarts[3][3][3] = {
        /* permanent */ {{0, 1, 1}, {2, 2, 2}, {0, 1, 2}},
        /* transient */ {{0, 1, 0}, {1, 1, 1}, {0, 1, 1}},
        /* temporary */ {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}},
    };
    for (int i = 0; i < 3; i++) {
        wasp_actor_stats st = final_entry(t.sys, t.k[i].name);
        if (st.restarts != want_restarts[type][strategy][i])
            fail_msg("%s restarts %llu, expected %llu", t.k[i].name, (unsigned long long)st.restarts,
                     (unsigned long long)want_restarts[type][strategy][i]);
        if (i == 1) {
            assert_int_equal(st.crashes, 1);
            assert_int_equal(st.received, 1 + queued);
            assert_int_equal(st.handled, restarts ? 1 : 0); /* m1, after the restart */
        }
    }
    uint64_t decisions = type == WASP_RESTART_PERMANENT ? 2 : type == WASP_RESTART_TRANSIENT ? 1 : 0;
    assert_int_equal(ls.restarts, decisions);
    assert_false(ls.gave_up);
    for (int d = 0; d < depth; d++) {
        final_entry(t.sys, sup_names[d]);
        if (d < depth - 1) {
            wasp_supervisor_stats ss;
            wasp_supervisor_stats_get(d ? wasp_supervisor_find(t.root, sup_names[d]) : t.root, &ss);
            assert_int_equal(ss.restarts, 0);
        }
    }
    wasp_system_destroy(t.sys);
    wasp_supervisor_destroy(t.root);
}

static void matrix_at_depth(int depth) {
    for (size_t s = 0; s < 3; s++)
        for (size_t r = 0; r < 3; r++) one_cell(depth, strategies[s], types[r]);
}

static void test_matrix_depth1(void **st) { (void)st; matrix_at_depth(1); }
static void test_matrix_depth2(void **st) { (void)st; matrix_at_depth(2); }
static void test_matrix_depth3(void **st) { (void)st; matrix_at_depth(3); }

/* The leaf supervisor (intensity 0) gives up on a's crash: it stops b and c
 * in reverse order and exits `shutdown`. Its parent restarts it only if its
 * entry is permanent (transient and temporary take `shutdown` as normal). */
static void escalation_cell(int depth, int strategy, int link_type) {
    struct tree t;
    tree_start(&t, depth, strategy, WASP_RESTART_PERMANENT, 0, link_type, 10);
    wasp_supervisor *parent = depth == 2 ? t.root : wasp_supervisor_find(t.root, sup_names[depth - 2]);
    to_kid(t.sys, "a", "crash");
    int kept = wasp_send_name(t.sys, "c", "kept", 4); /* the tree may end first unless permanent */
    if (link_type == WASP_RESTART_PERMANENT) {
        assert_int_equal(kept, WASP_OK);
        assert_true(TU_WAIT_UNTIL(started(&t, 0) == 2 && started(&t, 1) == 2 && started(&t, 2) == 2, W));
        expect_log("-a -c -b +a +b +c ");
        assert_true(TU_WAIT_UNTIL(atomic_load(&t.k[2].ngot) == 1, W)); /* its queue survived */
    } else {
        wasp_aid id = 1;
        assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(parent, sup_names[depth - 1], &id, NULL) ==
                                          (link_type == WASP_RESTART_TEMPORARY ? WASP_ENOENT : WASP_OK) &&
                                      (link_type == WASP_RESTART_TEMPORARY || id == 0),
                                  W));
        tu_sleep_ms(20);
        expect_log("-a -c -b ");
    }
    wasp_supervisor_stats ps, rs;
    wasp_supervisor_stats_get(parent, &ps);
    wasp_supervisor_stats_get(t.root, &rs);
    assert_int_equal(ps.restarts, link_type == WASP_RESTART_PERMANENT ? 1 : 0);
    assert_false(rs.gave_up);
    assert_int_equal(wasp_system_stop(t.sys), WASP_OK);
    expect_log(link_type == WASP_RESTART_PERMANENT ? "-c -b -a " : "");
    for (int i = 0; i < 3; i++) {
        wasp_actor_stats st = final_entry(t.sys, t.k[i].name);
        assert_int_equal(st.restarts, link_type == WASP_RESTART_PERMANENT ? 1 : 0);
    }
    wasp_actor_stats leaf = final_entry(t.sys, sup_names[depth - 1]);
    assert_int_equal(leaf.restarts, link_type == WASP_RESTART_PERMANENT ? 1 : 0);
    wasp_system_destroy(t.sys);
    wasp_supervisor_destroy(t.root);
}

static void test_escalation(void **st) {
    (void)st;
    for (int depth = 2; depth <= 3; depth++)
        for (size_t s = 0; s < 3; s++)
            for (size_t r = 0; r < 3; r++) escalation_cell(depth, strategies[s], types[r]);
}

/* Every supervisor at intensity 0: the leaf gives up on b's crash (stopping
 * c, then a), escalates, and each one above gives up in turn: the root's
 * give-up ends the tree; nothing restarts, each child stopped once. */
static void test_root_gives_up(void **st) {
    (void)st;
    for (int depth = 1; depth <= 3; depth++)
        for (size_t s = 0; s < 3; s++) {
            struct tree t;
            tree_start(&t, depth, strategies[s], WASP_RESTART_PERMANENT, 0, WASP_RESTART_PERMANENT, 0);
            to_kid(t.sys, "b", "crash");
            assert_true(TU_WAIT_UNTIL(wasp_supervisor_gave_up(t.root), W));
            assert_true(TU_WAIT_UNTIL(atomic_load(&t.k[0].stopped) == 1 && atomic_load(&t.k[2].stopped) == 1, W));
            expect_log("-b -c -a ");
            assert_true(wasp_supervisor_gave_up(t.leaf));
            assert_int_equal(wasp_system_stop(t.sys), WASP_OK);
            expect_log("");
            for (int i = 0; i < 3; i++) assert_int_equal(final_entry(t.sys, t.k[i].name).restarts, 0);
            wasp_system_destroy(t.sys);
            wasp_supervisor_destroy(t.root);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_depth1), cmocka_unit_test(test_matrix_depth2),
        cmocka_unit_test(test_matrix_depth3), cmocka_unit_test(test_escalation),
        cmocka_unit_test(test_root_gives_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
