/* test_send_memo.c - sends by name through the public API memoise the name
 * per thread (send.c): they still reach exactly the actor the registry names
 * at the time, in this system and never one of an earlier system. */
#include "rt_helpers.h"

static void settle(wasp_system *sys) { assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK); }

static int send_str(wasp_system *sys, const char *to, const char *s) { return wasp_send_name(sys, to, s, strlen(s)); }

/* The name passes from actor to actor; between owners it names nothing. */
static void test_follows_the_registry(void **state) {
    (void)state;
    enum { OWNERS = 3 };
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r[OWNERS];
    for (int i = 0; i < OWNERS; i++) {
        r[i] = rec_new();
        wasp_actor_spec s = rec_spec(r[i], "svc");
        wasp_aid id;
        assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
        for (int k = 0; k < 2; k++) assert_int_equal(send_str(sys, "svc", "m"), WASP_OK); /* the 2nd from the memo */
        settle(sys);
        assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
        assert_int_equal(send_str(sys, "svc", "gone"), WASP_ENOENT);
    }
    wasp_system_destroy(sys);
    for (int i = 0; i < OWNERS; i++) {
        assert_int_equal(atomic_load(&r[i]->n), 2);
        rec_free(r[i]);
    }
}

/* A memo from a destroyed system must not lead a send in a new one (which
 * may sit at the same address, with an actor at the same id) anywhere. */
static void test_never_crosses_systems(void **state) {
    (void)state;
    struct rec *a = rec_new(), *x = rec_new();
    wasp_system *sys = sys_new(1);
    wasp_actor_spec sa = rec_spec(a, "svc");
    wasp_aid ida, idx;
    assert_int_equal(wasp_spawn(sys, &sa, &ida), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_int_equal(send_str(sys, "svc", "first"), WASP_OK);
    settle(sys);
    wasp_system_destroy(sys);

    sys = sys_new(1);
    wasp_actor_spec sx = rec_spec(x, "x"); /* same slot, same number of name changes so far */
    assert_int_equal(wasp_spawn(sys, &sx, &idx), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_int_equal(send_str(sys, "svc", "stray"), WASP_ENOENT);
    settle(sys);
    assert_int_equal(atomic_load(&x->n), 0);
    wasp_system_destroy(sys);
    assert_int_equal(atomic_load(&a->n), 1);
    rec_free(a);
    rec_free(x);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follows_the_registry),
        cmocka_unit_test(test_never_crosses_systems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
