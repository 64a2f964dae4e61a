/* Component actors: the async `call` import - request/reply between
 * components, timeouts, refusals, and that a waiting caller parks without
 * holding a worker thread. */
#include "comp_helpers.h"

static const char *const may_call[] = {"probe", "echo", "slow", "nobody"};

/* A native actor that never answers: it parks on every request. */
static int slow_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return WASP_PARK;
}

static struct world setup_world(int workers) {
    struct world w = world_new(workers);
    probe_spawn(w.sys);
    wasp_actor_spec slow = {.name = "slow", .handle = slow_handle};
    assert_int_equal(wasp_spawn(w.sys, &slow, NULL), WASP_OK);
    wasp_component_spec e = comp_spec("echo", "comp_echo.wasm");
    comp_spawn(&w, &e);
    wasp_component_spec c = comp_spec("caller", "comp_caller.wasm");
    c.permissions.send = may_call;
    c.permissions.nsend = 4;
    comp_spawn(&w, &c);
    return w;
}

static int32_t call_op(struct world *w, const char *payload) {
    int before = atomic_load(&g_probe.n);
    assert_int_equal(wasp_send_name(w->sys, "caller", payload, strlen(payload)), WASP_OK);
    return probe_result(before);
}

static void call_round_trip(void **state) {
    (void)state;
    struct world w = setup_world(2);
    assert_int_equal(call_op(&w, "eabcde"), 5);
    assert_memory_equal(g_probe.msgs[0].data + 4, "abcde", 5);
    /* A reply longer than the 16-byte buffer: full length, cut copy. */
    assert_int_equal(call_op(&w, "e0123456789abcdefghij"), 20);
    assert_int_equal(g_probe.msgs[1].len, 4 + 16);
    assert_memory_equal(g_probe.msgs[1].data + 4, "0123456789abcdef", 16);
    world_free(&w);
}

static void call_errors(void **state) {
    (void)state;
    struct world w = setup_world(2);
    assert_int_equal(call_op(&w, "sx"), WASP_ETIMEDOUT);
    assert_int_equal(call_op(&w, "nx"), WASP_ENOENT);
    assert_int_equal(call_op(&w, "fx"), WASP_EPERM);
    world_free(&w);
}

static void call_oob_buffer_crashes_caller(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = setup_world(2);
    wasp_aid id;
    assert_int_equal(wasp_lookup(w.sys, "caller", &id), WASP_OK);
    assert_int_equal(wasp_send_name(w.sys, "caller", "Ox", 2), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).state == WASP_STATE_FAILED, 3000));
    char out[16];
    assert_int_equal(comp_ask(&w, "echo", "alive", out, sizeof(out)), WASP_OK);
    world_free(&w);
}

/* With one worker, a caller waiting on a slow target must not block the
 * worker: echo keeps answering meanwhile. */
static void waiting_caller_frees_worker(void **state) {
    (void)state;
    struct world w = setup_world(1);
    assert_int_equal(wasp_send_name(w.sys, "caller", "sx", 2), WASP_OK);
    tu_sleep_ms(10);
    for (int i = 0; i < 10; i++) assert_int_equal(comp_ask(&w, "echo", "abc", NULL, 0), WASP_OK);
    assert_int_equal(probe_result(0), WASP_ETIMEDOUT);
    world_free(&w);
}

static void many_calls_account(void **state) {
    (void)state;
    struct world w = setup_world(2);
    for (int i = 0; i < 200; i++) assert_int_equal(wasp_send_name(w.sys, "caller", "eabc", 4), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&g_probe.n) == 200, 5000));
    for (int i = 0; i < 200; i++) assert_int_equal(probe_result(i), 3);
    wasp_aid id;
    assert_int_equal(wasp_lookup(w.sys, "caller", &id), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_accounted(&w, id), 3000));
    assert_int_equal(comp_stats(&w, id).handled, 200);
    world_free(&w);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(call_round_trip),
        cmocka_unit_test(call_errors),
        cmocka_unit_test(call_oob_buffer_crashes_caller),
        cmocka_unit_test(waiting_caller_frees_worker),
        cmocka_unit_test(many_calls_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
