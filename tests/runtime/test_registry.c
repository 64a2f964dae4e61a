/* test_registry.c - names and pools. */
#include "rt_helpers.h"

static int noop(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return 0;
}

static void test_names(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec a = {.name = "alpha", .handle = noop};
    wasp_aid id, got;
    assert_int_equal(wasp_spawn(sys, &a, &id), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "alpha", &got), WASP_OK);
    assert_int_equal(got, id);
    assert_int_equal(wasp_spawn(sys, &a, NULL), WASP_EEXIST);
    assert_int_equal(wasp_lookup(sys, "beta", &got), WASP_ENOENT);
    assert_int_equal(wasp_lookup(sys, "", &got), WASP_EINVAL);
    assert_int_equal(wasp_lookup(sys, NULL, &got), WASP_EINVAL);
    /* a pool cannot take an actor's name, and the reverse */
    assert_int_equal(wasp_pool_add(sys, "alpha", id), WASP_EEXIST);
    assert_int_equal(wasp_pool_add(sys, "grp", id), WASP_OK);
    wasp_actor_spec g = {.name = "grp", .handle = noop};
    assert_int_equal(wasp_spawn(sys, &g, NULL), WASP_EEXIST);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "alpha", &got), WASP_ENOENT);
    assert_int_equal(wasp_pool_size(sys, "grp"), WASP_ENOENT); /* left its pool, pool gone */
    assert_int_equal(wasp_spawn(sys, &a, &id), WASP_OK);
    wasp_system_destroy(sys);
}

static void test_many_names(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    enum { N = 5000 };
    wasp_aid *ids = calloc(N, sizeof(*ids));
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "actor-%d", i);
        wasp_actor_spec s = {.name = name, .handle = noop};
        assert_int_equal(wasp_spawn(sys, &s, &ids[i]), WASP_OK);
    }
    for (int i = 0; i < N; i++) {
        wasp_aid got;
        snprintf(name, sizeof(name), "actor-%d", i);
        assert_int_equal(wasp_lookup(sys, name, &got), WASP_OK);
        assert_int_equal(got, ids[i]);
    }
    free(ids);
    wasp_system_destroy(sys);
}

static void test_pool_round_robin(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    struct rec *r[3];
    wasp_aid ids[3];
    char name[16];
    for (int i = 0; i < 3; i++) {
        r[i] = rec_new();
        snprintf(name, sizeof(name), "worker.%d", i);
        wasp_actor_spec s = rec_spec(r[i], name);
        assert_int_equal(wasp_spawn(sys, &s, &ids[i]), WASP_OK);
        assert_int_equal(wasp_pool_add(sys, "worker", ids[i]), WASP_OK);
    }
    assert_int_equal(wasp_pool_add(sys, "worker", ids[0]), WASP_EEXIST);
    assert_int_equal(wasp_pool_add(sys, "worker", 12345), WASP_ENOENT);
    assert_int_equal(wasp_pool_size(sys, "worker"), 3);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    for (int i = 0; i < 30; i++) assert_int_equal(wasp_send_name(sys, "worker", "job", 3), WASP_OK);
    for (int i = 0; i < 3; i++) assert_true(TU_WAIT_UNTIL(atomic_load(&r[i]->n) == 10, 5000));
    /* members are addressable by their own names too */
    assert_int_equal(wasp_send_name(sys, "worker.1", "direct", 6), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r[1]->n) == 11, 5000));
    /* a stopped member is skipped */
    assert_int_equal(wasp_actor_stop(sys, ids[0]), WASP_OK);
    assert_int_equal(wasp_pool_size(sys, "worker"), 2);
    for (int i = 0; i < 10; i++) assert_int_equal(wasp_send_name(sys, "worker", "job", 3), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r[1]->n) == 16 && atomic_load(&r[2]->n) == 15, 5000));
    assert_int_equal(atomic_load(&r[0]->n), 10);
    assert_int_equal(wasp_pool_remove(sys, "worker", ids[1]), WASP_OK);
    assert_int_equal(wasp_pool_remove(sys, "worker", ids[1]), WASP_ENOENT);
    assert_int_equal(wasp_pool_remove(sys, "worker", ids[2]), WASP_OK);
    assert_int_equal(wasp_send_name(sys, "worker", "job", 3), WASP_ENOENT);
    assert_int_equal(wasp_pool_add(sys, "", ids[1]), WASP_EINVAL);
    wasp_system_destroy(sys);
    for (int i = 0; i < 3; i++) rec_free(r[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_pool_round_robin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
