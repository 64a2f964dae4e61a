/* Component actors: start (and its failures, each named), stop with a
 * bounded `_cleanup`, pools of instances, load-time refusals, and health
 * checks wired to the supervisor. */
#include "comp_helpers.h"

static const char *const to_probe[] = {"probe"};

static void start_runs_initialize_then_start(void **state) {
    (void)state;
    struct world w = world_new(2);
    probe_spawn(w.sys);
    wasp_component_spec s = comp_spec("starter", "comp_starter.wasm");
    s.permissions.send = to_probe;
    s.permissions.nsend = 1;
    comp_spawn(&w, &s);
    const struct probe_msg *m = probe_get(0, 3000);
    assert_int_equal(m->len, 7);
    assert_memory_equal(m->data, "started", 7);
    assert_string_equal(m->sender, "starter");
    world_free(&w);
}

static void start_trap_is_named(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("bad", "comp_start_trap.wasm");
    wasp_component *c = comp_load(&w, &s);
    assert_int_equal(wasp_component_spawn(c, NULL), WASP_ECRASH);
    char err[512];
    wasp_component_error(c, err, sizeof(err));
    if (!strstr(err, "bad") || !strstr(err, "`_start`") || !strstr(err, "unreachable"))
        fail_msg("error: %s", err);
    wasp_aid none;
    assert_int_equal(wasp_lookup(w.sys, "bad", &none), WASP_ENOENT);
    world_free(&w);
}

static void load_refusals_name_the_problem(void **state) {
    (void)state;
    struct world w = world_new(1);
    static const struct {
        const char *fixture;
        int rc;
        const char *part;
    } cases[] = {
        {"abi_foreign_import.wasm", WASP_EABI, "import"},
        {"abi_bad_handle_sig.wasm", WASP_EABI, "`handle-message`"},
        {"abi_handle_without_alloc.wasm", WASP_EABI, "`wasp_alloc`"},
        {"abi_wasi.wasm", WASP_ELINK, "WASI is not granted"},
        {"does_not_exist.wasm", WASP_EIO, "does_not_exist"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        wasp_component_spec s = comp_spec("c", cases[i].fixture);
        wasp_component *c = NULL;
        char err[512];
        int rc = wasp_component_load(w.wasm, &s, &c, err, sizeof(err));
        if (rc != cases[i].rc || !strstr(err, cases[i].part) || strncmp(err, "c: ", 3))
            fail_msg("%s: %s (%s)", cases[i].fixture, err, wasp_errname(rc));
    }
    /* Spec errors. */
    wasp_component_spec s = comp_spec("bad name!", "comp_echo.wasm");
    wasp_component *c = NULL;
    assert_int_equal(wasp_component_load(w.wasm, &s, &c, NULL, 0), WASP_EINVAL);
    static const char *const topics[] = {"orders.new"};
    static const char *const allowed[] = {"billing.*"};
    s = comp_spec("sub", "comp_echo.wasm");
    s.subscribe = topics;
    s.nsubscribe = 1;
    s.permissions.subscribe = allowed;
    s.permissions.nsubscribe = 1;
    char err[256];
    assert_int_equal(wasp_component_load(w.wasm, &s, &c, err, sizeof(err)), WASP_EPERM);
    assert_non_null(strstr(err, "orders.new"));
    /* Out of range: the manifest's bound and words (one table, core/limits.c). */
    s = comp_spec("big", "comp_echo.wasm");
    s.instances = 100001;
    assert_int_equal(wasp_component_load(w.wasm, &s, &c, err, sizeof(err)), WASP_EINVAL);
    assert_string_equal(err, "big: instances must be at most 100000");
    s.instances = 0;
    s.limits.max_message = (1ull << 30) + 1;
    assert_int_equal(wasp_component_load(w.wasm, &s, &c, err, sizeof(err)), WASP_EINVAL);
    assert_string_equal(err, "big: limits.max_message must not exceed 1GiB");
    world_free(&w);
}

static void stop_runs_cleanup(void **state) {
    (void)state;
    struct world w = world_new(2);
    probe_spawn(w.sys);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    s.permissions.send = to_probe;
    s.permissions.nsend = 1;
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK);
    const struct probe_msg *m = probe_get(0, 3000);
    assert_memory_equal(m->data, "bye", 3);
    assert_int_equal(comp_stats(&w, id).state, WASP_STATE_TERMINATED);
    world_free(&w);
}

static void cleanup_is_bounded(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("slow", "comp_slow_cleanup.wasm");
    s.stop_timeout_ns = 50000000ull;
    wasp_aid id = comp_spawn(&w, &s);
    /* Stopping returns although _cleanup never would. */
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK);
    assert_int_equal(comp_stats(&w, id).state, WASP_STATE_TERMINATED);
    world_free(&w);
}

static void instances_form_a_pool(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    s.instances = 3;
    wasp_aid ids[3];
    wasp_component *c = comp_load(&w, &s);
    assert_int_equal(wasp_component_spawn(c, ids), WASP_OK);
    assert_int_equal(wasp_pool_size(w.sys, "echo"), 3);
    for (int i = 0; i < 3; i++) {
        char name[16];
        assert_int_equal(wasp_actor_name(w.sys, ids[i], name, sizeof(name)), 6);
        char want[16];
        snprintf(want, sizeof(want), "echo.%d", i);
        assert_string_equal(name, want);
    }
    for (int i = 0; i < 9; i++) assert_int_equal(comp_ask(&w, "echo", "abc", NULL, 0), WASP_OK);
    for (int i = 0; i < 3; i++) assert_true(TU_WAIT_UNTIL(comp_stats(&w, ids[i]).handled == 3, 3000));
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, ids[2], &info), WASP_OK);
    assert_int_equal(info.instance, 2);
    world_free(&w);
}

static void unhealthy_component_is_restarted(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("echo", "comp_echo.wasm");
    s.health.interval_ns = 10000000ull;
    s.health.timeout_ns = 200000000ull;
    s.health.unhealthy_after = 2;
    wasp_component *c = comp_load(&w, &s);
    wasp_child_spec child;
    wasp_component_child_specs(c, &child);
    assert_non_null(child.health);
    wasp_supervisor_spec sup = {.name = "sup", .intensity = 10, .period_ns = 10000000000ull,
                                .children = &child, .nchildren = 1};
    wasp_supervisor *sv = NULL;
    assert_int_equal(wasp_supervisor_start(w.sys, &sup, &sv), WASP_OK);
    int health = -5;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(sv, "echo", &health, NULL) == WASP_OK &&
                                  health == WASP_HEALTH_HEALTHY, 3000));
    assert_int_equal(wasp_send_name(w.sys, "echo", "h2", 2), WASP_OK);
    uint64_t restarts = 0;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(sv, "echo", NULL, &restarts) == WASP_OK && restarts >= 1, 5000));
    wasp_restart_record rec[4];
    assert_true(wasp_supervisor_history(sv, rec, 4) >= 1);
    assert_int_equal(rec[0].reason, WASP_SUP_REASON_HEALTH);
    /* The new instance is healthy again (its _health global starts at 0). */
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(sv, "echo", &health, NULL) == WASP_OK &&
                                  health == WASP_HEALTH_HEALTHY, 3000));
    world_free(&w);
    wasp_supervisor_destroy(sv);
}

/* Without a `_health` export the probe still runs through the mailbox: an
 * actor that answers is healthy, and nothing crashes. */
static void health_without_export_is_liveness(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("plain", "comp_no_health.wasm");
    s.health.interval_ns = 5000000ull;
    wasp_component *c = comp_load(&w, &s);
    wasp_child_spec child;
    wasp_component_child_specs(c, &child);
    wasp_supervisor_spec sup = {.name = "sup", .intensity = 10, .period_ns = 10000000000ull,
                                .children = &child, .nchildren = 1};
    wasp_supervisor *sv = NULL;
    assert_int_equal(wasp_supervisor_start(w.sys, &sup, &sv), WASP_OK);
    int health = -5;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(sv, "plain", &health, NULL) == WASP_OK &&
                                  health == WASP_HEALTH_HEALTHY, 3000));
    tu_sleep_ms(50); /* several more probes */
    wasp_aid id;
    assert_int_equal(wasp_lookup(w.sys, "plain", &id), WASP_OK);
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    assert_int_equal(comp_ask(&w, "plain", "still", NULL, 0), WASP_OK);
    world_free(&w);
    wasp_supervisor_destroy(sv);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_runs_initialize_then_start),
        cmocka_unit_test(start_trap_is_named),
        cmocka_unit_test(load_refusals_name_the_problem),
        cmocka_unit_test(stop_runs_cleanup),
        cmocka_unit_test(cleanup_is_bounded),
        cmocka_unit_test(instances_form_a_pool),
        cmocka_unit_test(unhealthy_component_is_restarted),
        cmocka_unit_test(health_without_export_is_liveness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
