/* Component actors: request/reply, and every fault of docs/ABI.md
 * ("Faults") as a contained crash that a supervisor repairs with a clean
 * instance while the host and other actors carry on. */
#include "comp_helpers.h"

static void echo_replies(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    wasp_aid id = comp_spawn(&w, &s);
    char out[64];
    assert_int_equal(comp_ask(&w, "echo", "abc", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "abc");
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handled == 1, 3000));
    assert_int_equal(comp_stats(&w, id).state, WASP_STATE_READY);
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, id, &info), WASP_OK);
    assert_string_equal(info.component, "echo");
    assert_int_equal(info.memory_bytes, 65536);
    assert_int_equal(info.instantiations, 1);
    world_free(&w);
}

/* Sends a fault-inducing message; then the actor must be restarted clean,
 * with the crash reason naming the component, the export and the trap. */
static void check_crash(const char *payload, const char *reason_part) {
    tu_signals_restore();
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    s.limits.memory = 1 << 20;
    s.limits.max_handle_ns = 300000000ull;
    wasp_supervisor *sup = comp_supervise(&w, &s);
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w.sys, "echo", &id), WASP_OK);
    assert_int_equal(comp_ask(&w, "echo", "warm", NULL, 0), WASP_OK);

    int rc = comp_ask(&w, "echo", payload, NULL, 0);
    assert_int_not_equal(rc, WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).restarts == 1 && comp_stats(&w, id).state == WASP_STATE_READY, 3000));

    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, id, &info), WASP_OK);
    if (!strstr(info.last_error, reason_part) || !strstr(info.last_error, "crashed"))
        fail_msg("reason \"%s\" lacks \"%s\"", info.last_error, reason_part);
    if (info.instantiations != 2) fail_msg("instantiations %llu restarts %llu crashes %llu", (unsigned long long)info.instantiations, (unsigned long long)comp_stats(&w, id).restarts, (unsigned long long)comp_stats(&w, id).crashes);

    /* A fresh instance: its message count starts again (c -> 1). */
    char out[8];
    assert_int_equal(comp_ask(&w, "echo", "c", out, sizeof(out)), WASP_OK);
    int32_t count;
    memcpy(&count, out, 4);
    assert_int_equal(count, 1);

    wasp_actor_stats st = comp_stats(&w, id);
    assert_int_equal(st.crashes, 1);
    assert_int_equal(st.dead_letters, 1); /* the message it crashed on */
    assert_true(TU_WAIT_UNTIL(comp_accounted(&w, id), 3000));
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

static void crash_unreachable(void **state) { (void)state, check_crash("x", "unreachable"); }
static void crash_divide_by_zero(void **state) { (void)state, check_crash("d", "divide by zero"); }
static void crash_stack_overflow(void **state) { (void)state, check_crash("z", "stack overflow"); }
static void crash_oob_import_pointer(void **state) { (void)state, check_crash("o", "`send`: range"); }
static void crash_alloc_out_of_bounds(void **state) { (void)state, check_crash("0123456789abcdefg", "outside linear memory"); }
static void crash_endless_loop(void **state) { (void)state, check_crash("l", "time budget"); }
static void crash_names_export(void **state) { (void)state, check_crash("x", "`handle-message`"); }

static void handler_error_is_counted(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "echo", "e", 1), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handler_errors == 1, 3000));
    wasp_actor_stats st = comp_stats(&w, id);
    assert_int_equal(st.crashes, 0);
    assert_int_equal(st.state, WASP_STATE_READY);
    world_free(&w);
}

static void alloc_zero_is_dead_letter(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "echo", "thirteen byte", 13), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).dead_letters == 1, 3000));
    char out[16];
    assert_int_equal(comp_ask(&w, "echo", "still here", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "still here");
    wasp_actor_stats st = comp_stats(&w, id);
    assert_int_equal(st.crashes, 0);
    assert_true(TU_WAIT_UNTIL(comp_accounted(&w, id), 3000));
    world_free(&w);
}

static void memory_bomb_held_at_limit(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("hog", "comp_echo.wasm");
    s.limits.memory = 1 << 20;
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "hog", "g", 1), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handler_errors == 1, 3000));
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, id, &info), WASP_OK);
    assert_int_equal(info.memory_bytes, 1 << 20);
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    assert_int_equal(comp_ask(&w, "hog", "fine", NULL, 0), WASP_OK);
    world_free(&w);
}

static void oversized_message_is_dead_letter(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    s.limits.max_message = 8;
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "echo", "far too long", 12), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).dead_letters == 1, 3000));
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    world_free(&w);
}

static void fuel_exhaustion_is_crash(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    s.limits.fuel = 100000;
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(comp_ask(&w, "echo", "fine", NULL, 0), WASP_OK);
    assert_int_equal(wasp_send_name(w.sys, "echo", "l", 1), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).state == WASP_STATE_FAILED, 3000));
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, id, &info), WASP_OK);
    if (!strstr(info.last_error, "fuel")) fail_msg("reason: %s", info.last_error);
    world_free(&w);
}

/* An endless loop on every worker never stalls the others: each runs in
 * time slices and yields between them. */
static void spinners_do_not_stall_others(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec spin = comp_spec("spin", "comp_echo.wasm");
    spin.instances = 2;
    spin.limits.max_handle_ns = 60000000000ull;
    assert_int_equal(wasp_component_spawn(comp_load(&w, &spin), NULL), WASP_OK);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "spin.0", "l", 1), WASP_OK);
    assert_int_equal(wasp_send_name(w.sys, "spin.1", "l", 1), WASP_OK);
    tu_sleep_ms(20);
    for (int i = 0; i < 20; i++) {
        char out[16];
        assert_int_equal(comp_ask(&w, "echo", "ping", out, sizeof(out)), WASP_OK);
        assert_string_equal(out, "ping");
    }
    world_free(&w); /* stopping aborts the spinning calls */
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(echo_replies),
        cmocka_unit_test(crash_unreachable),
        cmocka_unit_test(crash_divide_by_zero),
        cmocka_unit_test(crash_stack_overflow),
        cmocka_unit_test(crash_oob_import_pointer),
        cmocka_unit_test(crash_alloc_out_of_bounds),
        cmocka_unit_test(crash_endless_loop),
        cmocka_unit_test(crash_names_export),
        cmocka_unit_test(handler_error_is_counted),
        cmocka_unit_test(alloc_zero_is_dead_letter),
        cmocka_unit_test(memory_bomb_held_at_limit),
        cmocka_unit_test(oversized_message_is_dead_letter),
        cmocka_unit_test(fuel_exhaustion_is_crash),
        cmocka_unit_test(spinners_do_not_stall_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
