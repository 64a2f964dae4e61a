/* test_broker.c - publish/subscribe through the runtime, dead letters. */
#include "rt_helpers.h"

static void test_pubsub_patterns(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *a = rec_new(), *b = rec_new(), *c = rec_new();
    wasp_actor_spec sa = rec_spec(a, "a"), sb = rec_spec(b, "b"), sc = rec_spec(c, "c");
    wasp_aid ia, ib, ic;
    assert_int_equal(wasp_spawn(sys, &sa, &ia), WASP_OK);
    assert_int_equal(wasp_spawn(sys, &sb, &ib), WASP_OK);
    assert_int_equal(wasp_spawn(sys, &sc, &ic), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, ia, "orders.*.created"), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, ia, "orders.>"), WASP_OK); /* overlaps: still once */
    assert_int_equal(wasp_subscribe(sys, ia, "orders.>"), WASP_EEXIST);
    assert_int_equal(wasp_subscribe(sys, ib, "orders.eu.*"), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, ic, "billing.>"), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, ic, "bad..pattern"), WASP_EINVAL);
    assert_int_equal(wasp_subscribe(sys, ic, "a.>.b"), WASP_EINVAL);
    assert_int_equal(wasp_subscribe(sys, 4242, "x"), WASP_ENOENT);

    assert_int_equal(wasp_publish(sys, "orders.eu.created", "o1", 2), 2);
    assert_int_equal(wasp_publish(sys, "orders.us.created", "o2", 2), 1);
    assert_int_equal(wasp_publish(sys, "orders", "o3", 2), 0); /* '>' needs one more segment */
    assert_int_equal(wasp_publish(sys, "billing.x.y.z", "b1", 2), 1);
    assert_int_equal(wasp_publish(sys, "orders.*.created", "w", 1), WASP_EINVAL);
    assert_int_equal(wasp_publish(sys, "", "w", 1), WASP_EINVAL);
    assert_int_equal(wasp_publish(sys, NULL, "w", 1), WASP_EINVAL);
    assert_true(TU_WAIT_UNTIL(atomic_load(&a->n) == 2, 5000));
    assert_true(TU_WAIT_UNTIL(atomic_load(&b->n) == 1, 5000));
    assert_true(TU_WAIT_UNTIL(atomic_load(&c->n) == 1, 5000));
    assert_string_equal(a->log[0], "o1");
    assert_string_equal(a->topic[0], "orders.eu.created");
    assert_string_equal(a->log[1], "o2");
    assert_string_equal(b->topic[0], "orders.eu.created");
    assert_string_equal(c->topic[0], "billing.x.y.z");
    assert_int_equal(a->sender[0], WASP_AID_NONE);
    /* unsubscribe, and a stopped actor's subscriptions go away */
    assert_int_equal(wasp_unsubscribe(sys, ia, "orders.>"), WASP_OK);
    assert_int_equal(wasp_unsubscribe(sys, ia, "orders.>"), WASP_ENOENT);
    assert_int_equal(wasp_publish(sys, "orders.us.shipped", "o4", 2), 0);
    assert_int_equal(wasp_actor_stop(sys, ib), WASP_OK);
    assert_int_equal(wasp_publish(sys, "orders.eu.created", "o5", 2), 1);
    assert_true(TU_WAIT_UNTIL(atomic_load(&a->n) == 3, 5000));
    wasp_system_destroy(sys);
    rec_free(a);
    rec_free(b);
    rec_free(c);
}

static int stop_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return WASP_PARK; /* never finishes: stays in hand */
}

static void test_dead_letters_published(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *watch = rec_new();
    wasp_actor_spec ws = rec_spec(watch, "watcher");
    wasp_aid wid;
    assert_int_equal(wasp_spawn(sys, &ws, &wid), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, wid, WASP_DEAD_LETTERS_TOPIC), WASP_OK);
    wasp_actor_spec vs = {.name = "victim", .handle = stop_handle, .mailbox_capacity = 8};
    wasp_aid vid;
    assert_int_equal(wasp_spawn(sys, &vs, &vid), WASP_OK);
    assert_int_equal(sends(sys, vid, "first"), WASP_OK);
    tu_sleep_ms(10);
    assert_int_equal(sends(sys, vid, "second"), WASP_OK);
    assert_int_equal(wasp_actor_stop(sys, vid), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&watch->n) == 2, 5000));
    assert_string_equal(watch->topic[0], WASP_DEAD_LETTERS_TOPIC);
    assert_int_equal(watch->sender[0], vid); /* the actor it was meant for */
    assert_true(watch->flags[0] & WASP_MSG_DEAD);
    bool saw_first = false, saw_second = false;
    for (int i = 0; i < 2; i++) {
        saw_first |= !strcmp(watch->log[i], "first");
        saw_second |= !strcmp(watch->log[i], "second");
    }
    assert_true(saw_first && saw_second);
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, 2);
    wasp_system_destroy(sys);
    rec_free(watch);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pubsub_patterns),
        cmocka_unit_test(test_dead_letters_published),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
