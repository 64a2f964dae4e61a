/* test_manifest_values.c - units, defaults, every key read into the specs,
 * parsing from memory, and starting a manifest's supervision tree. */
#include <sys/stat.h>

#include "mf_helpers.h"

static char *dir;

static int setup(void **state) {
    (void)state;
    dir = tu_tempdir();
    tu_copy_fixture(dir, "cli_worker.wasm", "c.wasm");
    char data[4200];
    snprintf(data, sizeof(data), "%s/data", dir);
    assert_int_equal(mkdir(data, 0700), 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void test_durations(void **state) {
    (void)state;
    static const struct { const char *text; int rc; uint64_t ns; } t[] = {
        {"250us", WASP_OK, 250000ull},      {"10ms", WASP_OK, 10000000ull},
        {"2s", WASP_OK, 2000000000ull},     {"1m", WASP_OK, 60000000000ull},
        {"1.5s", WASP_OK, 1500000000ull},   {"0.5ms", WASP_OK, 500000ull},
        {"0s", WASP_OK, 0},                 {"10", WASP_EINVAL, 0},
        {"ms", WASP_EINVAL, 0},             {"5h", WASP_EINVAL, 0},
        {"1.s", WASP_EINVAL, 0},            {"-1s", WASP_EINVAL, 0},
        {" 1s", WASP_EINVAL, 0},            {"1 s", WASP_EINVAL, 0},
        {"", WASP_EINVAL, 0},               {"99999999999999999999s", WASP_E2BIG, 0},
        {"400000000m", WASP_E2BIG, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t ns = 12345;
        int rc = wasp_parse_duration(t[i].text, &ns);
        if (rc != t[i].rc) fail_msg("'%s': %d, want %d", t[i].text, rc, t[i].rc);
        if (rc == WASP_OK && ns != t[i].ns) fail_msg("'%s': %llu ns", t[i].text, (unsigned long long)ns);
    }
}

static void test_sizes(void **state) {
    (void)state;
    static const struct { const char *text; int rc; uint64_t bytes; } t[] = {
        {"4096", WASP_OK, 4096},         {"64KiB", WASP_OK, 65536},
        {"16MiB", WASP_OK, 16u << 20},   {"1GiB", WASP_OK, 1u << 30},
        {"4GiB", WASP_OK, 4ull << 30},   {"0", WASP_OK, 0},
        {"1.5MiB", WASP_EINVAL, 0},      {"64kb", WASP_EINVAL, 0},
        {"KiB", WASP_EINVAL, 0},         {"-1", WASP_EINVAL, 0},
        {"64 KiB", WASP_EINVAL, 0},      {"99999999999999999999", WASP_E2BIG, 0},
        {"99999999999GiB", WASP_E2BIG, 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t b = 12345;
        int rc = wasp_parse_size(t[i].text, &b);
        if (rc != t[i].rc) fail_msg("'%s': %d, want %d", t[i].text, rc, t[i].rc);
        if (rc == WASP_OK && b != t[i].bytes) fail_msg("'%s': %llu bytes", t[i].text, (unsigned long long)b);
    }
}

/* Every default of docs/MANIFEST.md. */
static void test_defaults(void **state) {
    (void)state;
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    assert_int_equal(mf_load_text(dir, "name: shop\ncomponents:\n  - name: orders\n    wasm: c.wasm\n",
                                  NULL, &p, &m),
                     WASP_OK);
    assert_int_equal(p.n, 0);
    assert_string_equal(wasp_manifest_name(m), "shop");
    assert_int_equal(wasp_manifest_workers(m), 0);
    assert_int_equal(wasp_manifest_component_count(m), 1);
    const wasp_component_spec *s = wasp_manifest_component(m, 0);
    assert_string_equal(s->name, "orders");
    char want[4200];
    snprintf(want, sizeof(want), "%s/c.wasm", dir);
    assert_string_equal(s->wasm_path, want);
    assert_int_equal(s->instances, 1);
    assert_int_equal(s->mailbox, 1024);
    assert_int_equal(s->restart, WASP_RESTART_PERMANENT);
    assert_int_equal(s->nsubscribe, 0);
    assert_int_equal(s->stop_timeout_ns, 100000000ull);
    assert_int_equal(s->health.interval_ns, 0);
    assert_int_equal(s->limits.memory, 16u << 20);
    assert_int_equal(s->limits.max_message, 64u << 10);
    assert_int_equal(s->limits.timeslice_ns, 2000000ull);
    assert_int_equal(s->limits.max_handle_ns, 5000000000ull);
    assert_int_equal(s->limits.fuel, 0);
    assert_int_equal(s->limits.timers, WASP_LIMIT_TIMERS_DEFAULT);
    assert_int_equal(s->limits.subscriptions, WASP_LIMIT_SUBSCRIPTIONS_DEFAULT);
    assert_int_equal(s->limits.files, WASP_LIMIT_FILES_DEFAULT);
    assert_int_equal(s->permissions.nsend + s->permissions.npublish + s->permissions.nsubscribe, 0);
    assert_false(s->permissions.wasi);
    assert_null(wasp_manifest_component_handle(m, 0));
    assert_int_equal(wasp_manifest_max_message(m), 64u << 10);

    assert_int_equal(wasp_manifest_supervisor_count(m), 1);
    const wasp_manifest_supervisor *r = wasp_manifest_supervisor_get(m, 0);
    assert_string_equal(r->name, "root");
    assert_int_equal(r->strategy, WASP_SUP_ONE_FOR_ONE);
    assert_int_equal(r->intensity, 3);
    assert_int_equal(r->period_ns, 5000000000ull);
    assert_int_equal(r->backoff.initial_ns, 10000000ull);
    assert_int_equal(r->backoff.max_ns, 5000000000ull);
    assert_true(r->backoff.multiplier == 2.0);
    assert_true(r->backoff.jitter == 0.2);
    assert_int_equal(r->parent, -1);
    assert_int_equal(r->nchildren, 1);
    assert_null(wasp_manifest_supervisor_get(m, 1));
    wasp_manifest_free(m);
}

/* Every key of docs/MANIFEST.md, read into the specs. */
static const char full[] =
    "name: shop\n"
    "workers: 2\n"
    "components:\n"
    "  - name: orders\n"
    "    wasm: c.wasm\n"
    "    instances: 3\n"
    "    mailbox: 16\n"
    "    restart: transient\n"
    "    subscribe: [\"orders.new\"]\n"
    "    stop_timeout: 250ms\n"
    "    health:\n"
    "      interval: 1s\n"
    "      timeout: 20ms\n"
    "      unhealthy_after: 5\n"
    "    limits:\n"
    "      memory: 1MiB\n"
    "      max_message: 2MiB\n"
    "      timeslice: 500us\n"
    "      max_handle_time: 1m\n"
    "      fuel: 100000\n"
    "      timers: 50\n"
    "      subscriptions: 7\n"
    "      files: 9\n"
    "    permissions:\n"
    "      send: [\"billing\", \"log*\"]\n"
    "      publish: [\"orders.>\"]\n"
    "      subscribe: [\"orders.*\"]\n"
    "      wasi:\n"
    "        stdio: true\n"
    "        env: {LANG: C, N: 5}\n"
    "        dirs:\n"
    "          - {host: ./data, guest: /data, mode: ro}\n"
    "          - {host: /tmp, guest: /tmp, mode: rw}\n"
    "  - name: billing\n"
    "    wasm: c.wasm\n"
    "    restart: temporary\n"
    "  - name: ledger\n"
    "    wasm: c.wasm\n"
    "supervisor:\n"
    "  name: top\n"
    "  strategy: rest_for_one\n"
    "  intensity: 0\n"
    "  period: 10s\n"
    "  backoff: {initial: 1ms, max: 1s, multiplier: 1.5, jitter: 0}\n"
    "  children:\n"
    "    - orders\n"
    "    - supervisor:\n"
    "        name: payments\n"
    "        strategy: one_for_all\n"
    "        children: [billing, ledger]\n";

static void test_every_key(void **state) {
    (void)state;
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    int rc = mf_load_text(dir, full, NULL, &p, &m);
    for (size_t i = 0; i < p.n; i++) fprintf(stderr, "%s\n", p.v[i]);
    assert_int_equal(rc, WASP_OK);
    assert_int_equal(wasp_manifest_workers(m), 2);
    assert_int_equal(wasp_manifest_component_count(m), 3);
    const wasp_component_spec *s = wasp_manifest_component(m, 0);
    assert_int_equal(s->instances, 3);
    assert_int_equal(s->mailbox, 16);
    assert_int_equal(s->restart, WASP_RESTART_TRANSIENT);
    assert_int_equal(s->nsubscribe, 1);
    assert_string_equal(s->subscribe[0], "orders.new");
    assert_int_equal(s->stop_timeout_ns, 250000000ull);
    assert_int_equal(s->health.interval_ns, 1000000000ull);
    assert_int_equal(s->health.timeout_ns, 20000000ull);
    assert_int_equal(s->health.unhealthy_after, 5);
    assert_int_equal(s->limits.memory, 1u << 20);
    assert_int_equal(s->limits.max_message, 2u << 20);
    assert_int_equal(s->limits.timeslice_ns, 500000ull);
    assert_int_equal(s->limits.max_handle_ns, 60000000000ull);
    assert_int_equal(s->limits.fuel, 100000);
    assert_int_equal(s->limits.timers, 50);
    assert_int_equal(s->limits.subscriptions, 7);
    assert_int_equal(s->limits.files, 9);
    assert_int_equal(s->permissions.nsend, 2);
    assert_string_equal(s->permissions.send[1], "log*");
    assert_int_equal(s->permissions.npublish, 1);
    assert_string_equal(s->permissions.publish[0], "orders.>");
    assert_int_equal(s->permissions.nsubscribe, 1);
    assert_true(s->permissions.wasi);
    assert_true(s->permissions.wasi_stdio);
    assert_int_equal(s->permissions.nwasi_env, 2);
    assert_string_equal(s->permissions.wasi_env[0].name, "LANG");
    assert_string_equal(s->permissions.wasi_env[0].value, "C");
    assert_string_equal(s->permissions.wasi_env[1].value, "5");
    assert_int_equal(s->permissions.nwasi_dirs, 2);
    char want[4200];
    snprintf(want, sizeof(want), "%s/./data", dir);
    assert_string_equal(s->permissions.wasi_dirs[0].host, want);
    assert_string_equal(s->permissions.wasi_dirs[0].guest, "/data");
    assert_false(s->permissions.wasi_dirs[0].writable);
    assert_string_equal(s->permissions.wasi_dirs[1].host, "/tmp");
    assert_true(s->permissions.wasi_dirs[1].writable);
    assert_int_equal(wasp_manifest_component(m, 1)->restart, WASP_RESTART_TEMPORARY);
    assert_int_equal(wasp_manifest_max_message(m), 2u << 20);

    assert_int_equal(wasp_manifest_supervisor_count(m), 2);
    const wasp_manifest_supervisor *r = wasp_manifest_supervisor_get(m, 0);
    assert_string_equal(r->name, "top");
    assert_int_equal(r->strategy, WASP_SUP_REST_FOR_ONE);
    assert_int_equal(r->intensity, 0);
    assert_int_equal(r->period_ns, 10000000000ull);
    assert_int_equal(r->backoff.initial_ns, 1000000ull);
    assert_int_equal(r->backoff.max_ns, 1000000000ull);
    assert_true(r->backoff.multiplier == 1.5);
    assert_true(r->backoff.jitter == 0.0);
    assert_int_equal(r->nchildren, 2);
    assert_int_equal(r->nactors, 4);
    const wasp_manifest_supervisor *n = wasp_manifest_supervisor_get(m, 1);
    assert_string_equal(n->name, "payments");
    assert_int_equal(n->strategy, WASP_SUP_ONE_FOR_ALL);
    assert_int_equal(n->parent, 0);
    assert_int_equal(n->intensity, 3);
    assert_int_equal(n->nchildren, 2);
    wasp_manifest_free(m);
}

/* Text in memory with a pretend file name and no file system access. */
static void test_parse_from_memory(void **state) {
    (void)state;
    static const char text[] =
        "name: mem\n"
        "x-anchors: &lim {memory: 1MiB}\n"
        "components:\n  - {name: a, wasm: /nonexistent/a.wasm, limits: *lim}\n";
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    wasp_manifest_options o = {.skip_files = true, .on_error = mf_collect, .error_arg = &p};
    /* Unknown key x-anchors: one problem. */
    assert_int_equal(wasp_manifest_parse(text, strlen(text), "conf/sys.yaml", &o, &m), WASP_EINVAL);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.v[0], "conf/sys.yaml:2:1: unknown key 'x-anchors' in the manifest");
    mf_problems_free(&p);

    static const char text2[] =
        "name: mem\n"
        "components:\n  - &c {name: a, wasm: a.wasm, limits: &lim {memory: 1MiB}}\n"
        "  - {name: b, wasm: b.wasm, limits: *lim}\n";
    assert_int_equal(wasp_manifest_parse(text2, strlen(text2), "conf/sys.yaml", &o, &m), WASP_OK);
    assert_string_equal(wasp_manifest_component(m, 0)->wasm_path, "conf/a.wasm");
    assert_int_equal(wasp_manifest_component(m, 1)->limits.memory, 1u << 20);
    assert_string_equal(wasp_manifest_path(m), "conf/sys.yaml");
    wasp_manifest_free(m);

    /* No directory in the name: paths stay as written. */
    assert_int_equal(wasp_manifest_parse(text2, strlen(text2), "sys.yaml", &o, &m), WASP_OK);
    assert_string_equal(wasp_manifest_component(m, 0)->wasm_path, "a.wasm");
    wasp_manifest_free(m);

    /* A document that explodes when its aliases are expanded is refused. */
    char bomb[4096] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 8; i++) {
        char line[128];
        snprintf(line, sizeof(line), "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
                 'a' + i, 'a' + i, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
                 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1);
        strcat(bomb, line);
    }
    assert_int_equal(wasp_manifest_parse(bomb, strlen(bomb), "bomb.yaml", &o, &m), WASP_EINVAL);
    assert_true(p.n >= 1);
    assert_non_null(strstr(p.v[0], "too large once its aliases are expanded"));
    mf_problems_free(&p);
}

/* The tree starts: pools of instances, nested supervisors, names. */
static void test_start(void **state) {
    (void)state;
    wasp_system_config cfg = {.workers = 2, .retain_terminated = true};
    wasp_system *sys;
    wasp_wasm *w;
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    wasp_system_set_log(sys, WASP_LOG_ERROR, NULL, NULL);
    assert_int_equal(wasp_wasm_create(sys, NULL, &w), WASP_OK);
    tu_signals_save();
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    int rc = mf_load_text(dir, full, w, &p, &m);
    for (size_t i = 0; i < p.n; i++) fprintf(stderr, "%s\n", p.v[i]);
    assert_int_equal(rc, WASP_OK);
    assert_non_null(wasp_manifest_component_handle(m, 0));
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_supervisor *root = NULL;
    char err[512];
    rc = wasp_manifest_start(m, sys, NULL, NULL, &root, err, sizeof(err));
    if (rc) fprintf(stderr, "start: %s\n", err);
    assert_int_equal(rc, WASP_OK);
    wasp_supervisor *again = NULL;
    assert_int_equal(wasp_manifest_start(m, sys, NULL, NULL, &again, err, sizeof(err)), WASP_ESTATE);
    assert_null(again);

    wasp_aid id;
    assert_int_equal(wasp_lookup(sys, "orders.0", &id), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "orders.2", &id), WASP_OK);
    assert_int_equal(wasp_pool_size(sys, "orders"), 3);
    assert_int_equal(wasp_lookup(sys, "billing", &id), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "payments", &id), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "top", &id), WASP_OK);
    wasp_supervisor_stats st;
    wasp_supervisor_stats_get(root, &st);
    assert_string_equal(st.name, "top");
    assert_int_equal(st.strategy, WASP_SUP_REST_FOR_ONE);
    assert_int_equal(st.children, 4);
    wasp_supervisor *pay = wasp_supervisor_find(root, "payments");
    assert_non_null(pay);
    wasp_supervisor_stats_get(pay, &st);
    assert_int_equal(st.strategy, WASP_SUP_ONE_FOR_ALL);
    assert_int_equal(st.children, 2);

    wasp_system_stop(sys);
    wasp_supervisor_destroy(root);
    wasp_manifest_free(m);
    wasp_wasm_destroy(w);
    wasp_system_destroy(sys);
}

/* Read once without a wasm layer, then bound: each component is loaded
 * once and the manifest starts; a second bind is refused; a component that
 * does not compile is a problem at its `wasm` key. */
static void test_bind(void **state) {
    (void)state;
    wasp_system_config cfg = {.workers = 1};
    wasp_system *sys;
    wasp_wasm *w;
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    wasp_system_set_log(sys, WASP_LOG_ERROR, NULL, NULL);
    assert_int_equal(wasp_wasm_create(sys, NULL, &w), WASP_OK);
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    assert_int_equal(mf_load_text(dir, full, NULL, &p, &m), WASP_OK);
    assert_null(wasp_manifest_component_handle(m, 0));
    assert_int_equal(wasp_manifest_bind(m, w, mf_collect, &p), WASP_OK);
    assert_int_equal(p.n, 0);
    for (size_t i = 0; i < wasp_manifest_component_count(m); i++)
        assert_non_null(wasp_manifest_component_handle(m, i));
    assert_int_equal(wasp_manifest_bind(m, w, mf_collect, &p), WASP_ESTATE);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_supervisor *root = NULL;
    char err[512];
    assert_int_equal(wasp_manifest_start(m, sys, NULL, NULL, &root, err, sizeof(err)), WASP_OK);
    wasp_system_stop(sys);
    wasp_supervisor_destroy(root);
    wasp_manifest_free(m);

    tu_write_file(dir, "junk.wasm", "not a module");
    assert_int_equal(mf_load_text(dir, "name: s\ncomponents:\n  - {name: j, wasm: junk.wasm}\n", NULL, &p, &m),
                     WASP_OK);
    assert_int_equal(wasp_manifest_bind(m, w, mf_collect, &p), WASP_EINVAL);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.v[0], "m.yaml:3:"));
    assert_non_null(strstr(p.v[0], "j"));
    assert_null(wasp_manifest_component_handle(m, 0));
    mf_problems_free(&p);
    wasp_manifest_free(m);
    wasp_wasm_destroy(w);
    wasp_system_destroy(sys);
}

/* A manifest loaded without a wasm layer cannot be started. */
static void test_start_needs_wasm(void **state) {
    (void)state;
    wasp_system *sys;
    assert_int_equal(wasp_system_create(NULL, &sys), WASP_OK);
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    assert_int_equal(mf_load_text(dir, "name: s\ncomponents:\n  - {name: a, wasm: c.wasm}\n", NULL, &p, &m),
                     WASP_OK);
    wasp_supervisor *root = NULL;
    char err[256];
    assert_int_equal(wasp_manifest_start(m, sys, NULL, NULL, &root, err, sizeof(err)), WASP_ESTATE);
    assert_null(root);
    assert_true(err[0] != 0);
    wasp_manifest_free(m);
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),       cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_defaults),        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_parse_from_memory), cmocka_unit_test(test_start),
        cmocka_unit_test(test_start_needs_wasm), cmocka_unit_test(test_bind),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
