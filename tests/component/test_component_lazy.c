/* Lazy instantiation (docs/COMPONENTS.md, "Spawn speed and density"): an
 * actor of a module whose instantiation runs no guest code is spawned
 * without its instance once the module has instantiated for the component,
 * and gets it at its first message or health probe. Its pool slot is taken
 * at spawn; restarts start clean; upgrades, stops and probes keep working;
 * what runs code at instantiation or stop stays eager. */
#include "comp_helpers.h"
#include "component/component.h"

static wasp_component_info info_of(struct world *w, const char *name) {
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w->sys, name, &id), WASP_OK);
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w->wasm, id, &info), WASP_OK);
    return info;
}

static int32_t count_of(struct world *w, const char *to) {
    char out[8];
    assert_int_equal(comp_ask(w, to, "c", out, sizeof(out)), WASP_OK);
    int32_t n;
    memcpy(&n, out, 4);
    return n;
}

static wasp_component *spawn_all(struct world *w, wasp_component_spec *s) {
    wasp_component *c = comp_load(w, s);
    int rc = wasp_component_spawn(c, NULL);
    if (rc != WASP_OK) {
        char err[512];
        wasp_component_error(c, err, sizeof(err));
        fail_msg("spawn %s: %s (%s)", s->name, err, wasp_errname(rc));
    }
    return c;
}

/* The first actor instantiates (the module's check with these limits), the
 * others wait for their first message; each then answers from its own
 * fresh instance. */
static void spawn_is_lazy(void **state) {
    (void)state;
    struct world w = world_pooled(2, 64);
    wasp_component_spec s = comp_spec("sink", "lazy_sink.wasm");
    s.instances = 4;
    spawn_all(&w, &s);
    assert_true(info_of(&w, "sink.0").instantiated);
    assert_int_equal(info_of(&w, "sink.0").instantiations, 1);
    const char *lazy[] = {"sink.1", "sink.2", "sink.3"};
    for (int i = 0; i < 3; i++) {
        wasp_component_info info = info_of(&w, lazy[i]);
        assert_false(info.instantiated);
        assert_int_equal(info.instantiations, 0);
        assert_int_equal(info.memory_bytes, 0);
        wasp_aid id = 0;
        assert_int_equal(wasp_lookup(w.sys, lazy[i], &id), WASP_OK);
        assert_int_equal(comp_stats(&w, id).state, WASP_STATE_READY);
    }
    comp_expect_reply(&w, "sink.2", "hi", "hi");
    wasp_component_info info = info_of(&w, "sink.2");
    assert_true(info.instantiated);
    assert_int_equal(info.instantiations, 1);
    /* noted once the handler has returned, a moment after its reply */
    assert_true(TU_WAIT_UNTIL(info_of(&w, "sink.2").memory_bytes == 65536, 3000));
    comp_expect_reply(&w, "sink.2", "r", "fresh"); /* data segments were applied */
    assert_int_equal(count_of(&w, "sink.2"), 3);
    assert_false(info_of(&w, "sink.1").instantiated);
    assert_false(info_of(&w, "sink.3").instantiated);
    world_free(&w);
}

/* A lazy actor's subscriptions and pool membership are made at spawn: a
 * publish reaches (and instantiates) every subscriber, a send to the pool
 * name reaches one member. */
static void subscriptions_and_pool_at_spawn(void **state) {
    (void)state;
    struct world w = world_pooled(2, 64);
    static const char *const topics[] = {"news"};
    wasp_component_spec s = comp_spec("reader", "lazy_sink.wasm");
    s.instances = 3;
    s.subscribe = topics;
    s.nsubscribe = 1;
    s.permissions.subscribe = topics;
    s.permissions.nsubscribe = 1;
    spawn_all(&w, &s);
    assert_false(info_of(&w, "reader.2").instantiated);
    assert_int_equal(wasp_publish(w.sys, "news", "hi", 2), 3); /* delivered to three */
    const char *names[] = {"reader.0", "reader.1", "reader.2"};
    for (int i = 0; i < 3; i++) {
        wasp_aid id = 0;
        assert_int_equal(wasp_lookup(w.sys, names[i], &id), WASP_OK);
        assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handled == 1, 3000));
        assert_true(info_of(&w, names[i]).instantiated);
    }
    comp_expect_reply(&w, "reader", "pool", "pool");
    world_free(&w);
}

/* Code at instantiation (a start section), at stop (`_cleanup`) or a WASI
 * grant (its context is made per instance): every actor is instantiated
 * at spawn. */
static void eager_when_code_runs(void **state) {
    (void)state;
    struct world w = world_pooled(2, 64);
    wasp_component_spec start = comp_spec("started", "lazy_start_section.wasm");
    start.instances = 2;
    spawn_all(&w, &start);
    wasp_component_spec cleanup = comp_spec("cleaned", "comp_echo.wasm");
    cleanup.instances = 2;
    spawn_all(&w, &cleanup);
    wasp_component_spec wasi = comp_spec("wasi", "lazy_sink.wasm");
    wasi.instances = 2;
    wasi.permissions.wasi = true;
    spawn_all(&w, &wasi);
    const char *names[] = {"started.1", "cleaned.1", "wasi.1"};
    for (int i = 0; i < 3; i++) {
        wasp_component_info info = info_of(&w, names[i]);
        if (!info.instantiated || info.instantiations != 1) fail_msg("%s is not instantiated", names[i]);
    }
    world_free(&w);
}

/* Without the pooling allocator an instance's capacity (memory mappings,
 * address space) cannot be reserved at spawn: every actor is instantiated
 * there, so that running out is reported by the spawn as before. */
static void eager_without_pool(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("sink", "lazy_sink.wasm");
    s.instances = 3;
    spawn_all(&w, &s);
    assert_true(info_of(&w, "sink.2").instantiated);
    world_free(&w);
}

/* A crash is restarted lazily, and the next message meets a clean
 * instance: fresh memory (data segment) and globals (count). */
static void restart_is_lazy_and_clean(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = world_pooled(2, 64);
    wasp_component_spec s = comp_spec("sink", "lazy_sink.wasm");
    wasp_supervisor *sup = comp_supervise(&w, &s);
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w.sys, "sink", &id), WASP_OK);
    assert_int_equal(wasp_send_name(w.sys, "sink", "w", 1), WASP_OK);
    comp_expect_reply(&w, "sink", "r", "Xresh");
    assert_int_not_equal(comp_ask(&w, "sink", "x", NULL, 0), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).restarts == 1 && comp_stats(&w, id).state == WASP_STATE_READY, 5000));
    wasp_component_info info = info_of(&w, "sink");
    assert_false(info.instantiated);
    assert_int_equal(info.instantiations, 1);
    assert_non_null(strstr(info.last_error, "unreachable"));
    comp_expect_reply(&w, "sink", "r", "fresh");
    assert_int_equal(count_of(&w, "sink"), 2);
    assert_int_equal(info_of(&w, "sink").instantiations, 2);
    wasp_actor_stats st = comp_stats(&w, id);
    assert_int_equal(st.crashes, 1);
    assert_int_equal(st.dead_letters, 1); /* the message it crashed on */
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

/* Health probes: without `_health` a lazy actor answers healthy and stays
 * lazy; with it, the probe instantiates it to ask. */
static void health_probes(const char *fixture, bool instantiates) {
    struct world w = world_pooled(2, 64);
    wasp_component_spec s = comp_spec("probed", fixture);
    s.instances = 2;
    s.health.interval_ns = 5000000ull;
    wasp_supervisor *sv;
    assert_int_equal(comp_supervise_all(&w, comp_load(&w, &s), 10, &sv), WASP_OK);
    int health = -5;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(sv, "probed.1", &health, NULL) == WASP_OK &&
                                  health == WASP_HEALTH_HEALTHY, 3000));
    assert_int_equal(info_of(&w, "probed.1").instantiated, instantiates);
    uint64_t restarts = 1;
    assert_int_equal(wasp_supervisor_child(sv, "probed.1", NULL, &restarts), WASP_OK);
    assert_int_equal(restarts, 0);
    comp_expect_reply(&w, "probed.1", "ok", "ok");
    world_free(&w);
    wasp_supervisor_destroy(sv);
}

static void health_without_export_stays_lazy(void **state) {
    (void)state;
    health_probes("lazy_sink.wasm", false);
}

static void health_export_instantiates(void **state) {
    (void)state;
    health_probes("lazy_health.wasm", true);
}

/* Spawn takes a lazy actor's pool slot: a full pool refuses the spawn as it
 * would refuse an instantiation, and no one else (an eager component) can
 * take a slot a lazy actor will need; a stop gives it back. */
static void pool_slots_are_taken_at_spawn(void **state) {
    (void)state;
    struct world w = world_pooled(2, 3);
    wasp_component_spec big = comp_spec("big", "lazy_sink.wasm");
    big.limits.memory = 1u << 20;
    big.instances = 4;
    wasp_component *c = comp_load(&w, &big);
    assert_int_equal(wasp_component_spawn(c, NULL), WASP_ECRASH); /* a failed start, as every one */
    char err[512];
    wasp_component_error(c, err, sizeof(err));
    assert_non_null(strstr(err, "pool_instances"));

    /* The failed spawn stopped what it had started: its slots come back. */
    wasp_component_spec s = comp_spec("sink", "lazy_sink.wasm");
    s.limits.memory = 1u << 20;
    s.instances = 2;
    wasp_component *sc = comp_load(&w, &s);
    assert_true(TU_WAIT_UNTIL(wasp_component_spawn(sc, NULL) == WASP_OK, 3000));
    wasp_component_spec echo = comp_spec("echo", "comp_echo.wasm");
    echo.limits.memory = 1u << 20;
    spawn_all(&w, &echo); /* the third slot */
    wasp_component_spec more = comp_spec("more", "comp_echo.wasm");
    more.limits.memory = 1u << 20;
    wasp_component *m = comp_load(&w, &more);
    assert_int_equal(wasp_component_spawn(m, NULL), WASP_ECRASH);
    wasp_component_error(m, err, sizeof(err));
    assert_non_null(strstr(err, "pool_instances"));
    /* The lazy actor's slot was kept for it. */
    assert_false(info_of(&w, "sink.1").instantiated);
    comp_expect_reply(&w, "sink.1", "hi", "hi");
    /* Stopping a lazy actor (or any) gives its slot back. */
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w.sys, "echo", &id), WASP_OK);
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK);
    assert_true(TU_WAIT_UNTIL(wasp_component_spawn(m, NULL) == WASP_OK, 3000));
    comp_expect_reply(&w, "more", "abc", "abc");
    world_free(&w);
}

/* Hostile: a module whose instantiation traps though nothing runs in it (a
 * data segment out of bounds). The spawn that first instantiates it fails
 * as before, naming why; no actor is left to crash at its first message. */
static void instantiation_trap_fails_the_spawn(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = world_pooled(2, 64);
    wasp_component_spec s = comp_spec("bad", "lazy_bad_data.wasm");
    s.instances = 3;
    wasp_component *c = comp_load(&w, &s);
    assert_int_not_equal(wasp_component_spawn(c, NULL), WASP_OK);
    char err[512];
    wasp_component_error(c, err, sizeof(err));
    if (!strstr(err, "start failed") || !strstr(err, "out-of-bounds")) fail_msg("error \"%s\"", err);
    assert_int_equal(wasp_lookup(w.sys, "bad.1", &(wasp_aid){0}), WASP_ENOENT); /* never spawned */
    /* Under a supervisor: the start fails, the supervisor gives up, no loop. */
    wasp_component_spec one = comp_spec("bad1", "lazy_bad_data.wasm");
    wasp_supervisor *sv;
    assert_int_not_equal(comp_supervise_all(&w, comp_load(&w, &one), 3, &sv), WASP_OK);
    wasp_supervisor_destroy(sv);
    world_free(&w);
}

/* Upgrading lazy actors: to a module that fails to instantiate, nothing
 * changes and they answer from the old one; to a good one, they stay lazy
 * and answer from the new one. */
static void upgrade_lazy_actors(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = world_pooled(2, 64);
    wasp_component_spec s = comp_spec("sink", "lazy_sink.wasm");
    s.instances = 3;
    wasp_component *c = spawn_all(&w, &s);
    char err[512];
    assert_int_not_equal(wasp_component_upgrade(c, tu_fixture("lazy_bad_data.wasm"), NULL, 0, err, sizeof(err)),
                         WASP_OK);
    assert_non_null(strstr(err, "out-of-bounds"));
    assert_false(info_of(&w, "sink.2").instantiated);
    comp_expect_reply(&w, "sink.2", "r", "fresh"); /* still lazy_sink */
    assert_int_equal(wasp_component_upgrade(c, tu_fixture("lazy_health.wasm"), NULL, 0, err, sizeof(err)), WASP_OK);
    assert_false(info_of(&w, "sink.1").instantiated);
    comp_expect_reply(&w, "sink.1", "r", "r"); /* lazy_health echoes */
    comp_expect_reply(&w, "sink.2", "r", "r");
    comp_expect_reply(&w, "sink.0", "r", "r");
    world_free(&w);
}

/* Every slot a lazy actor reserves comes back: instantiated or not,
 * crashed and restarted or stopped, the pool counts one slot per actor
 * while they run and none once the system has stopped. */
static void pool_slots_come_back(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = world_pooled(2, 64);
    wasp_component_spec s = comp_spec("many", "lazy_sink.wasm");
    s.limits.memory = 1u << 20;
    s.instances = 40;
    wasp_supervisor *sv;
    assert_int_equal(comp_supervise_all(&w, comp_load(&w, &s), 1000, &sv), WASP_OK);
    struct wasp_engine *e = w.wasm->engine;
    assert_int_equal(wasp__engine_pool_used(e), 40);
    char name[32];
    for (int i = 0; i < 40; i += 2) { /* half of them get a message, a quarter crash on it */
        snprintf(name, sizeof(name), "many.%d", i);
        assert_int_equal(wasp_send_name(w.sys, name, i % 4 ? "hi" : "x", 2), WASP_OK);
    }
    uint64_t restarts = 0;
    for (int i = 0; i < 40; i += 4) {
        snprintf(name, sizeof(name), "many.%d", i);
        assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(sv, name, NULL, &restarts) == WASP_OK && restarts == 1, 5000));
    }
    snprintf(name, sizeof(name), "many.%d", 4);
    comp_expect_reply(&w, name, "r", "fresh");
    assert_true(TU_WAIT_UNTIL(wasp__engine_pool_used(e) == 40, 3000));
    wasp_system_stop(w.sys);
    assert_int_equal(wasp__engine_pool_used(e), 0);
    world_free(&w);
    wasp_supervisor_destroy(sv);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spawn_is_lazy),
        cmocka_unit_test(subscriptions_and_pool_at_spawn),
        cmocka_unit_test(eager_when_code_runs),
        cmocka_unit_test(eager_without_pool),
        cmocka_unit_test(restart_is_lazy_and_clean),
        cmocka_unit_test(health_without_export_stays_lazy),
        cmocka_unit_test(health_export_instantiates),
        cmocka_unit_test(pool_slots_are_taken_at_spawn),
        cmocka_unit_test(instantiation_trap_fails_the_spawn),
        cmocka_unit_test(upgrade_lazy_actors),
        cmocka_unit_test(pool_slots_come_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
