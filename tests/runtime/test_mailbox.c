/* test_mailbox.c - mailbox order, priority, capacity, overflow, TTL.
 * Messages are queued before the system starts, so what the actor then
 * handles depends only on the mailbox. */
#include "rt_helpers.h"

static void check_accounting(wasp_system *sys, wasp_aid id) {
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    assert_int_equal(st.received, st.handled + st.dead_letters + st.mailbox_len);
}

static void test_fifo(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, NULL);
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    const char *msgs[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    for (int i = 0; i < 10; i++) assert_int_equal(sends(sys, id, msgs[i]), WASP_OK);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    assert_int_equal(st.mailbox_len, 10);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 10, 5000));
    for (int i = 0; i < 10; i++) {
        assert_string_equal(r->log[i], msgs[i]);
        assert_int_equal(r->sender[i], WASP_AID_NONE);
    }
    check_accounting(sys, id);
    wasp_system_destroy(sys);
    rec_free(r);
}

static void test_priority(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, NULL);
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    const char *order[] = {"n1", "n2", "h1", "n3", "h2"};
    for (int i = 0; i < 5; i++) {
        wasp_send_opts o = {.to = id, .data = order[i], .len = 2,
                            .priority = order[i][0] == 'h' ? WASP_PRIO_HIGH : WASP_PRIO_NORMAL};
        assert_int_equal(wasp_send_ex(sys, &o), WASP_OK);
    }
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 5, 5000));
    const char *want[] = {"h1", "h2", "n1", "n2", "n3"};
    for (int i = 0; i < 5; i++) assert_string_equal(r->log[i], want[i]);
    assert_true(r->flags[0] & WASP_MSG_HIGH);
    assert_false(r->flags[2] & WASP_MSG_HIGH);
    wasp_system_destroy(sys);
    rec_free(r);
}

static void test_capacity_efull(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, NULL);
    spec.mailbox_capacity = 3;
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    for (int i = 0; i < 3; i++) assert_int_equal(sends(sys, id, "x"), WASP_OK);
    assert_int_equal(sends(sys, id, "y"), WASP_EFULL);
    wasp_send_opts hi = {.to = id, .data = "z", .len = 1, .priority = WASP_PRIO_HIGH};
    assert_int_equal(wasp_send_ex(sys, &hi), WASP_EFULL);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    assert_int_equal(st.mailbox_len, 3);
    assert_int_equal(st.received, 3);
    assert_int_equal(st.dead_letters, 0);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 3, 5000));
    /* room again */
    assert_int_equal(sends(sys, id, "w"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 4, 5000));
    check_accounting(sys, id);
    wasp_system_destroy(sys);
    rec_free(r);
}

static void test_drop_oldest(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, NULL);
    spec.mailbox_capacity = 3;
    spec.overflow = WASP_OVERFLOW_DROP_OLDEST;
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    const char *msgs[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) assert_int_equal(sends(sys, id, msgs[i]), WASP_OK);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    assert_int_equal(st.mailbox_len, 3);
    assert_int_equal(st.dead_letters, 2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 3, 5000));
    assert_string_equal(r->log[0], "c");
    assert_string_equal(r->log[1], "d");
    assert_string_equal(r->log[2], "e");
    check_accounting(sys, id);
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, 2);
    wasp_system_destroy(sys);
    rec_free(r);
}

static void test_ttl_expiry(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, NULL);
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    wasp_send_opts old = {.to = id, .data = "old", .len = 3, .ttl_ns = 1000000};
    wasp_send_opts keep = {.to = id, .data = "keep", .len = 4, .ttl_ns = 60000000000ull};
    assert_int_equal(wasp_send_ex(sys, &old), WASP_OK);
    assert_int_equal(wasp_send_ex(sys, &keep), WASP_OK);
    assert_int_equal(sends(sys, id, "plain"), WASP_OK);
    tu_sleep_ms(20);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 2, 5000));
    assert_string_equal(r->log[0], "keep");
    assert_string_equal(r->log[1], "plain");
    wasp_actor_stats st;
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(sys, id, &st) == 0 && st.handled == 2, 5000));
    assert_int_equal(st.dead_letters, 1);
    check_accounting(sys, id);
    wasp_system_destroy(sys);
    rec_free(r);
}

static void moved_free(void *p) { free(p); }

static void test_moved_payload(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, NULL);
    spec.mailbox_capacity = 1;
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    char *p = strdup("moved");
    wasp_send_opts o = {.to = id, .data = p, .len = 5, .free_fn = moved_free};
    assert_int_equal(wasp_send_ex(sys, &o), WASP_OK); /* runtime owns p now */
    char *q = strdup("kept");
    wasp_send_opts o2 = {.to = id, .data = q, .len = 4, .free_fn = moved_free};
    assert_int_equal(wasp_send_ex(sys, &o2), WASP_EFULL); /* caller keeps q */
    free(q);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 1, 5000));
    assert_string_equal(r->log[0], "moved");
    wasp_system_destroy(sys); /* ASan: no leak, no double free */
    rec_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_capacity_efull),
        cmocka_unit_test(test_drop_oldest),
        cmocka_unit_test(test_ttl_expiry),
        cmocka_unit_test(test_moved_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
