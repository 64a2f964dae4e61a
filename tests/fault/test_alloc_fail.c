/* test_alloc_fail.c - allocation failure, in the SQLite manner.
 *
 * Each scenario is a piece of ordinary API use. It runs once per N, with the
 * Nth allocation libwasp makes failing (and, in sticky mode, every one after
 * it), until a run reaches its end without an injected failure. Every run
 * must end in WASP_OK or an error code, never a crash, a hang or a leak
 * (ASan's leak checker and the sanitizers watch the `make asan` run). */
#include <stdatomic.h>

#include "testutil.h"
#include "core/alloc.h"

/* Under ASan, check for leaks after every run so that a leak names its N. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leaked() (__lsan_do_recoverable_leak_check() != 0)
#else
#define leaked() false
#endif

/* A scenario returns the first error it met (or WASP_OK) and has released
 * everything it made, whatever happened. */
typedef int (*scenario_fn)(void);

static int echo_handle(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->flags & WASP_MSG_REQUEST) return wasp_reply(ctx, m->data, m->len);
    return 0;
}

static int keep_first(int err, int next) { return err ? err : next; }

/* Generous: a reply only fails to come when its allocation failed with no
 * memory left to say so (sticky mode), which few runs reach; a short bound
 * would turn a loaded machine's slowness into a failure. */
#define ASK_TIMEOUT_NS 2000000000ull

/* ---- runtime ------------------------------------------------------------ */

static int scenario_actors(void) {
    wasp_system_config cfg = {.workers = 2, .retain_terminated = true};
    wasp_system *sys = NULL;
    int err = wasp_system_create(&cfg, &sys);
    if (err) return err;
    wasp_system_set_log(sys, WASP_LOG_ERROR + 1, NULL, NULL);
    err = wasp_system_start(sys);
    wasp_actor_spec a = {.name = "a", .handle = echo_handle};
    wasp_actor_spec b = {.name = "b", .handle = echo_handle, .mailbox_capacity = 4};
    wasp_aid ida = 0, idb = 0;
    err = keep_first(err, wasp_spawn(sys, &a, &ida));
    err = keep_first(err, wasp_spawn(sys, &b, &idb));
    err = keep_first(err, wasp_send_name(sys, "a", "hello", 5));
    err = keep_first(err, wasp_pool_add(sys, "both", ida));
    err = keep_first(err, wasp_pool_add(sys, "both", idb));
    err = keep_first(err, wasp_send_name(sys, "both", "x", 1));
    err = keep_first(err, wasp_subscribe(sys, ida, "orders.*"));
    err = keep_first(err, wasp_subscribe(sys, idb, "orders.>"));
    int n = wasp_publish(sys, "orders.new", "o", 1);
    if (n < 0) err = keep_first(err, n);
    wasp_send_opts later = {.to_name = "b", .data = "t", .len = 1};
    uint64_t timer = 0;
    err = keep_first(err, wasp_send_after(sys, &later, 1000000000ull, &timer));
    void *reply = NULL;
    size_t reply_len = 0;
    if (ida) {
        int rc = wasp_ask(sys, ida, "ping", 4, ASK_TIMEOUT_NS, &reply, &reply_len);
        err = keep_first(err, rc);
        free(reply);
    }
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    err = keep_first(err, wasp_system_stop(sys));
    wasp_system_destroy(sys);
    return err;
}

static int scenario_supervisor(void) {
    wasp_system_config cfg = {.workers = 1};
    wasp_system *sys = NULL;
    int err = wasp_system_create(&cfg, &sys);
    if (err) return err;
    wasp_system_set_log(sys, WASP_LOG_ERROR + 1, NULL, NULL);
    err = wasp_system_start(sys);
    wasp_actor_spec w1 = {.name = "w1", .handle = echo_handle};
    wasp_actor_spec w2 = {.name = "w2", .handle = echo_handle};
    wasp_child_spec inner_children[] = {{.actor = &w2, .restart = WASP_RESTART_PERMANENT}};
    wasp_supervisor_spec inner = {.name = "inner", .strategy = WASP_SUP_ONE_FOR_ALL,
                                  .intensity = 3, .children = inner_children, .nchildren = 1};
    wasp_child_spec children[] = {{.actor = &w1, .restart = WASP_RESTART_PERMANENT},
                                  {.supervisor = &inner, .restart = WASP_RESTART_PERMANENT}};
    wasp_supervisor_spec root = {.name = "root", .strategy = WASP_SUP_ONE_FOR_ONE,
                                 .intensity = 3, .children = children, .nchildren = 2};
    wasp_supervisor *sup = NULL;
    if (!err) err = wasp_supervisor_start(sys, &root, &sup);
    if (!err) err = keep_first(err, wasp_send_name(sys, "w2", "m", 1));
    err = keep_first(err, wasp_system_stop(sys));
    wasp_supervisor_destroy(sup);
    wasp_system_destroy(sys);
    return err;
}

/* ---- manifest ----------------------------------------------------------- */
#ifdef WASP_HAVE_WASM

static const char manifest_text[] =
    "name: shop\n"
    "workers: 1\n"
    "components:\n"
    "  - name: orders\n"
    "    wasm: orders.wasm\n"
    "    instances: 2\n"
    "    subscribe: [orders.new]\n"
    "    limits: {memory: 1MiB, timeslice: 1ms}\n"
    "    permissions: {send: [billing], subscribe: [orders.*]}\n"
    "  - name: billing\n"
    "    wasm: billing.wasm\n"
    "supervisor:\n"
    "  strategy: one_for_one\n"
    "  children:\n"
    "    - orders\n"
    "    - supervisor: {name: pay, strategy: one_for_all, children: [billing]}\n";

static void quiet(void *arg, const char *message) { (void)arg, (void)message; }

static int scenario_manifest(void) {
    wasp_manifest_options opts = {.skip_files = true, .on_error = quiet};
    wasp_manifest *m = NULL;
    int err = wasp_manifest_parse(manifest_text, sizeof(manifest_text) - 1, "shop.yaml", &opts, &m);
    wasp_manifest_free(m);
    return err;
}

/* ---- component actors --------------------------------------------------- */

static const char *component_fixture = "comp_echo.wasm";

/* With lazy_sink.wasm the actors after the first are lazy: the failing
 * allocation can be their instantiation at the first message. */
static int scenario_component(void) {
    wasp_system_config cfg = {.workers = 1};
    wasp_system *sys = NULL;
    int err = wasp_system_create(&cfg, &sys);
    if (err) return err;
    wasp_system_set_log(sys, WASP_LOG_ERROR + 1, NULL, NULL);
    wasp_wasm *wasm = NULL;
    /* Pooling: what `wasp run` picks for a small system (and what lazy
     * instantiation needs). */
    wasp_wasm_config wc = {.pooling = true, .pool_instances = 8, .pool_memory_max = 16u << 20};
    err = keep_first(wasp_system_start(sys), wasp_wasm_create(sys, &wc, &wasm));
    const char *send_to[] = {"echo*"};
    wasp_component_spec spec = {.name = "echo", .wasm_path = tu_fixture(component_fixture),
                                .instances = 2};
    spec.permissions.send = send_to;
    spec.permissions.nsend = 1;
    wasp_component *c = NULL;
    char why[256];
    if (!err) err = wasp_component_load(wasm, &spec, &c, why, sizeof(why));
    wasp_aid ids[2] = {0, 0};
    if (!err) err = wasp_component_spawn(c, ids);
    if (!err) err = wasp_send_name(sys, "echo", "hi", 2);
    if (!err) {
        void *reply = NULL;
        size_t reply_len = 0;
        err = wasp_ask(sys, ids[0], "ping", 4, ASK_TIMEOUT_NS, &reply, &reply_len);
        free(reply);
    }
    if (!err) {
        void *reply = NULL;
        size_t reply_len = 0;
        err = wasp_ask(sys, ids[1], "ping", 4, ASK_TIMEOUT_NS, &reply, &reply_len);
        free(reply);
    }
    err = keep_first(err, wasp_system_stop(sys));
    wasp_wasm_destroy(wasm);
    wasp_system_destroy(sys);
    return err;
}
#endif

/* ---- storage ------------------------------------------------------------ */

static const char *store_backend; /* the backend the store scenario runs on */

static void count_done(void *arg, int rc, uint64_t version) {
    (void)rc, (void)version;
    atomic_fetch_add((_Atomic int *)arg, 1);
}

static int count_entry(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                       uint64_t version) {
    (void)key, (void)klen, (void)val, (void)vlen, (void)version;
    (*(int *)arg)++;
    return 0;
}

/* Every call of the storage API once, on a fresh file. */
static int scenario_store(void) {
    char *dir = tu_tempdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/s.kv", dir);
    wasp_store_config cfg = {.backend = store_backend};
    wasp_store *st = NULL;
    int err = wasp_store_open(path, &cfg, &st, NULL, 0);
    wasp_kv *kv = NULL;
    wasp_kv_options opts = {.durability = WASP_DURABILITY_NONE};
    if (!err) err = wasp_kv_open(st, "counter", &opts, &kv);
    uint64_t v1 = 0, v2 = 0;
    if (!err) err = wasp_kv_put(kv, "a", 1, "one", 3, &v1);
    if (!err) err = wasp_kv_cas(kv, "a", 1, "two", 3, v1, &v2);
    char buf[16];
    size_t len = 0;
    if (!err) err = wasp_kv_get(kv, "a", 1, buf, sizeof(buf), &len, NULL);
    if (!err) err = wasp_kv_next(kv, NULL, 0, NULL, 0, buf, sizeof(buf), &len);
    _Atomic int done = 0;
    wasp_kv_write w = {.op = WASP_KV_PUT, .key = "b", .klen = 1, .val = "x", .vlen = 1};
    if (!err) err = wasp_kv_write_async(kv, &w, count_done, &done);
    wasp_store_drain(st);
    int entries = 0;
    if (!err) err = wasp_store_foreach(st, "counter", count_entry, &entries);
    if (!err) err = wasp_kv_delete(kv, "a", 1);
    wasp_kv_close(kv);
    wasp_store_close(st);
    tu_rmtree(dir);
    free(dir);
    return err;
}

/* ---- the driver --------------------------------------------------------- */

/* Runs fn failing the 1st, 2nd, ... allocation until a run needs no failure;
 * returns how many allocations that clean run made room for (the last N). */
static long exhaust(scenario_fn fn, bool sticky) {
    long n;
    for (n = 1; n < 100000; n++) {
        wasp__alloc_fail_after(n, sticky);
        int err = fn();
        long failed = wasp__alloc_failures();
        wasp__alloc_fail_after(0, false);
        /* An error must be one wasp defines: never a stray number. */
        if (err != WASP_OK) assert_string_not_equal(wasp_errname(err), "WASP_E?");
        if (leaked()) fail_msg("leak after failing allocation %ld (%s)", n, sticky ? "sticky" : "once");
        if (failed == 0) {
            assert_int_equal(err, WASP_OK); /* nothing failed, so nothing may */
            return n;
        }
    }
    fail_msg("scenario never ran clean");
    return n;
}

static void check_scenario(scenario_fn fn) {
    assert_int_equal(fn(), WASP_OK); /* it works when nothing fails */
    assert_true(exhaust(fn, false) > 1);
    assert_true(exhaust(fn, true) > 1);
}

static void test_actors(void **state) { (void)state; check_scenario(scenario_actors); }
static void test_supervisor(void **state) { (void)state; check_scenario(scenario_supervisor); }
static void test_store_sqlite(void **state) {
    (void)state;
    store_backend = "sqlite";
    check_scenario(scenario_store);
}
static void test_store_lmdb(void **state) {
    (void)state;
    store_backend = "lmdb";
    check_scenario(scenario_store);
}
#ifdef WASP_HAVE_WASM
static void test_manifest(void **state) { (void)state; check_scenario(scenario_manifest); }
static void test_component(void **state) {
    (void)state;
    component_fixture = "comp_echo.wasm";
    check_scenario(scenario_component);
}
static void test_lazy_component(void **state) {
    (void)state;
    component_fixture = "lazy_sink.wasm";
    check_scenario(scenario_component);
}
#endif

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actors),
        cmocka_unit_test(test_supervisor),
        cmocka_unit_test(test_store_sqlite),
        cmocka_unit_test(test_store_lmdb),
#ifdef WASP_HAVE_WASM
        cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_component),
        cmocka_unit_test(test_lazy_component),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
