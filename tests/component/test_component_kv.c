/* test_component_kv.c - the storage imports with a real component: results
 * per the ABI, default deny, quota, key limits, ordered iteration,
 * compare-and-swap, and one namespace per component shared by its instances
 * and kept across a crash, a restart of the system and another store. Every
 * case runs twice: the probe as a core module (kv_* imports) and as a
 * Component Model component (interface storage), with the same answers. */
#include "comp_helpers.h"

static const char *g_kv_guest = WASP_GUESTS "/kv_probe.wasm";
static bool g_cm;

struct kvworld {
    struct world w;
    wasp_store *store;
    char *dir;
    char path[512];
};

static void kvworld_open(struct kvworld *k) {
    char err[256];
    wasp_system_config cfg = {.workers = 2, .retain_terminated = true};
    assert_int_equal(wasp_store_open(k->path, NULL, &k->store, err, sizeof(err)), WASP_OK);
    assert_int_equal(wasp_system_create(&cfg, &k->w.sys), WASP_OK);
    wasp_system_set_log(k->w.sys, getenv("WASP_TEST_LOG") ? WASP_LOG_TRACE : WASP_LOG_ERROR + 1,
                        getenv("WASP_TEST_LOG") ? NULL : quiet_log, NULL);
    wasp_wasm_config wc = {.store = k->store};
    assert_int_equal(wasp_wasm_create(k->w.sys, &wc, &k->w.wasm), WASP_OK);
    assert_int_equal(wasp_system_start(k->w.sys), WASP_OK);
}

static void kvworld_close(struct kvworld *k) {
    world_free(&k->w);
    wasp_store_close(k->store);
}

static int setup(void **state) {
    struct kvworld *k = calloc(1, sizeof(*k));
    k->dir = tu_tempdir();
    snprintf(k->path, sizeof(k->path), "%s/sys.kv", k->dir);
    kvworld_open(k);
    *state = k;
    return 0;
}

static int teardown(void **state) {
    struct kvworld *k = *state;
    kvworld_close(k);
    tu_rmtree(k->dir);
    free(k->dir);
    free(k);
    return 0;
}

static wasp_component_spec kv_spec(const char *name, uint64_t quota) {
    wasp_component_spec s = {0};
    s.name = name;
    s.wasm_path = g_kv_guest;
    s.storage.granted = true;
    s.storage.quota = quota;
    s.storage.durability = WASP_DURABILITY_COMMIT;
    return s;
}

static const char *ask(struct kvworld *k, const char *to, const char *text) {
    static char out[4096];
    int rc = comp_ask(&k->w, to, text, out, sizeof(out));
    if (rc != WASP_OK) fail_msg("%s <- %s: %s", to, text, wasp_errname(rc));
    return out;
}

static void test_get_put_delete(void **state) {
    struct kvworld *k = *state;
    wasp_component_spec s = kv_spec("kv", 0);
    comp_spawn(&k->w, &s);
    assert_string_equal(ask(k, "kv", "get a"), "-1");
    assert_string_equal(ask(k, "kv", "put a hello"), "0");
    assert_string_equal(ask(k, "kv", "get a"), "hello");
    assert_string_equal(ask(k, "kv", "put a bye"), "0");
    assert_string_equal(ask(k, "kv", "get a"), "bye");
    assert_string_equal(ask(k, "kv", "del a"), "0");
    assert_string_equal(ask(k, "kv", "del a"), "-1");
    assert_string_equal(ask(k, "kv", "get a"), "-1");
    assert_string_equal(ask(k, "kv", "keys"), "-6 -6 0"); /* 0 and 1025 bytes: EINVAL; 1024 fine */
}

static void test_cas_and_versions(void **state) {
    struct kvworld *k = *state;
    wasp_component_spec s = kv_spec("kv", 0);
    comp_spawn(&k->w, &s);
    const char *r = ask(k, "kv", "cas c one 0"); /* absent: created */
    long long v1 = atoll(r);
    assert_true(v1 > 0);
    char cmd[64], want[64];
    snprintf(want, sizeof(want), "3@%lld", v1);
    assert_string_equal(ask(k, "kv", "ver c"), want);
    assert_string_equal(ask(k, "kv", "cas c two 0"), "0"); /* exists now */
    snprintf(cmd, sizeof(cmd), "cas c two %lld", v1);
    long long v2 = atoll(ask(k, "kv", cmd));
    assert_true(v2 > v1);
    assert_string_equal(ask(k, "kv", cmd), "0"); /* v1 is stale */
    assert_string_equal(ask(k, "kv", "get c"), "two");
    assert_string_equal(ask(k, "kv", "cas c x -5"), "-6");
}

static void test_ordered_iteration(void **state) {
    struct kvworld *k = *state;
    wasp_component_spec s = kv_spec("kv", 0);
    comp_spawn(&k->w, &s);
    const char *puts[] = {"put u/3 c", "put u/1 a", "put x/1 z", "put u/2 b", "put u 0"};
    for (int i = 0; i < 5; i++) assert_string_equal(ask(k, "kv", puts[i]), "0");
    assert_string_equal(ask(k, "kv", "list u/"), "u/1,u/2,u/3");
    assert_string_equal(ask(k, "kv", "list u"), "u,u/1,u/2,u/3");
    assert_string_equal(ask(k, "kv", "list q"), "");
}

static void test_quota(void **state) {
    struct kvworld *k = *state;
    wasp_component_spec s = kv_spec("kv", 1000);
    comp_spawn(&k->w, &s);
    assert_string_equal(ask(k, "kv", "fill a 900"), "0");
    assert_string_equal(ask(k, "kv", "fill b 200"), "-9"); /* ELIMIT */
    assert_string_equal(ask(k, "kv", "get b"), "-1");
    assert_string_equal(ask(k, "kv", "fill a 990"), "0"); /* replacing counts the difference */
    assert_string_equal(ask(k, "kv", "del a"), "0");
    assert_string_equal(ask(k, "kv", "fill b 200"), "0");
}

static void test_default_deny(void **state) {
    struct kvworld *k = *state;
    wasp_component_spec s = kv_spec("nokv", 0);
    s.storage.granted = false;
    comp_spawn(&k->w, &s);
    assert_string_equal(ask(k, "nokv", "put a b"), "-3");
    assert_string_equal(ask(k, "nokv", "get a"), "-3");
    assert_string_equal(ask(k, "nokv", "del a"), "-3");
    assert_string_equal(ask(k, "nokv", "cas a b 0"), "-3");
    assert_string_equal(ask(k, "nokv", "list a"), "");
}

/* A grant without a store (no data directory) is a clear start failure. */
static void test_grant_without_store(void **state) {
    (void)state;
    struct world w = world_new(1);
    wasp_component_spec s = kv_spec("kv", 0);
    wasp_component *c = comp_load(&w, &s);
    assert_int_equal(wasp_component_spawn(c, NULL), WASP_ECRASH);
    char err[512];
    wasp_component_error(c, err, sizeof(err));
    assert_non_null(strstr(err, "no store"));
    world_free(&w);
}

static void test_namespaces(void **state) {
    struct kvworld *k = *state;
    wasp_component_spec a = kv_spec("alpha", 0), b = kv_spec("beta", 0);
    b.instances = 3;
    comp_spawn(&k->w, &a);
    wasp_component *cb = comp_load(&k->w, &b);
    assert_int_equal(wasp_component_spawn(cb, NULL), WASP_OK);
    assert_string_equal(ask(k, "alpha", "put k A"), "0");
    assert_string_equal(ask(k, "beta.0", "put k B"), "0");
    assert_string_equal(ask(k, "beta.2", "get k"), "B"); /* shared by the pool's instances */
    assert_string_equal(ask(k, "alpha", "get k"), "A");  /* not by other components */
    /* The host's view of a namespace (what a test kit reads). */
    wasp_kv *kv;
    char buf[8];
    size_t len;
    assert_int_equal(wasp_kv_open(k->store, "beta", NULL, &kv), WASP_OK);
    assert_int_equal(wasp_kv_get(kv, "k", 1, buf, sizeof(buf), &len, NULL), WASP_OK);
    assert_memory_equal(buf, "B", 1);
    wasp_kv_close(kv);
}

static void test_kept_across_crash_and_host_restart(void **state) {
    tu_signals_restore();
    struct kvworld *k = *state;
    wasp_component_spec s = kv_spec("kv", 0);
    wasp_aid id = comp_spawn(&k->w, &s);
    assert_string_equal(ask(k, "kv", "put life 42"), "0");
    /* A guest handing a bad buffer traps (a component traps itself): that
     * crashes it, nothing else. */
    wasp_send_name(k->w.sys, "kv", g_cm ? "trap" : "oob", g_cm ? 4 : 3);
    assert_true(TU_WAIT_UNTIL(comp_stats(&k->w, id).state == WASP_STATE_FAILED, 3000));
    assert_int_equal(wasp_actor_restart(k->w.sys, id, NULL), WASP_OK);
    assert_string_equal(ask(k, "kv", "get life"), "42");
    /* The whole system goes and comes back on the same file. */
    kvworld_close(k);
    kvworld_open(k);
    comp_spawn(&k->w, &s);
    assert_string_equal(ask(k, "kv", "get life"), "42");
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_put_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cas_and_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ordered_iteration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_deny, setup, teardown),
        cmocka_unit_test(test_grant_without_store),
        cmocka_unit_test_setup_teardown(test_namespaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_across_crash_and_host_restart, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("core module", tests, NULL, NULL);
    g_kv_guest = WASP_GUESTS "/cm/kv_probe.wasm";
    g_cm = true;
    return failed + cmocka_run_group_tests_name("component", tests, NULL, NULL);
}
