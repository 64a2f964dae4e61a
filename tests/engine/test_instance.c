/* test_instance.c - instances: exports, traps of each kind, memory and fuel
 * limits, time slices and the time budget of a call. */
#include <string.h>
#include <sys/resource.h>

#include "core/clock.h"
#include "wasmtest.h"

static struct wasp_engine *engine, *fuel_engine;
static struct wasp_module *basic, *fuel_basic;

static int setup(void **state) {
    (void)state;
    engine = wt_engine(false, NULL);
    fuel_engine = wt_engine(true, NULL);
    basic = wt_module(engine, "engine_basic.wasm");
    fuel_basic = wt_module(fuel_engine, "engine_basic.wasm");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    wasp__module_release(basic);
    wasp__module_release(fuel_basic);
    wasp__engine_free(engine);
    wasp__engine_free(fuel_engine);
    return 0;
}

static void test_abi_exports_run(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_instance *inst = wt_instance(basic, NULL);
    struct wasp_error err = {0};
    int32_t r = -1;
    assert_int_equal(wt_call_i32(inst, "started", ":i", NULL, 0, &r, &err), WASP_OK);
    assert_int_equal(r, 0);
    assert_int_equal(wt_call_i32(inst, "_start", ":", NULL, 0, NULL, &err), WASP_OK);
    assert_int_equal(wt_call_i32(inst, "started", ":i", NULL, 0, &r, &err), WASP_OK);
    assert_int_equal(r, 1);

    /* Deliver a message the way the component layer will: alloc, copy, handle. */
    int32_t size = 5, ptr = 0;
    assert_int_equal(wt_call_i32(inst, "wasp_alloc", "i:i", &size, 1, &ptr, &err), WASP_OK);
    assert_true(ptr >= 1024);
    size_t memlen;
    uint8_t *mem = wasp__instance_memory(inst, &memlen);
    assert_int_equal(memlen, 65536);
    memcpy(mem + ptr, "hello", 5);
    int32_t args[2] = {ptr, 5};
    assert_int_equal(wt_call_i32(inst, "handle-message", "ii:i", args, 2, &r, &err), WASP_OK);
    assert_int_equal(r, 5);

    int32_t two[2] = {40, 2};
    assert_int_equal(wt_call_i32(inst, "add", "ii:i", two, 2, &r, &err), WASP_OK);
    assert_int_equal(r, 42);
    wasp__instance_free(inst);
}

static void test_export_lookup_by_name_and_type(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_instance *inst = wt_instance(basic, NULL);
    struct wasp_error err = {0};
    wasmtime_func_t f;
    assert_int_equal(wasp__instance_func(inst, "add", "ii:i", &f, &err), WASP_OK);
    assert_int_equal(wasp__instance_func(inst, "add", "i:i", &f, &err), WASP_EABI);
    assert_non_null(strstr(err.msg, "has signature ii:i, expected i:i"));
    assert_int_equal(wasp__instance_func(inst, "nope", ":", &f, &err), WASP_ENOENT);
    assert_int_equal(wasp__instance_func(inst, "memory", ":", &f, &err), WASP_EABI);
    wasp__instance_free(inst);
}

/* i32 calls go through a typed handle made once (core_shim.h); a call whose
 * values do not fit the function's type still gets the checked path's error. */
static void test_typed_calls_and_mismatches(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_instance *inst = wt_instance(basic, NULL);
    struct wasp_error err = {0};
    wasmtime_func_t add;
    assert_int_equal(wasp__instance_func(inst, "add", "ii:i", &add, &err), WASP_OK);
    for (int32_t i = 0; i < 5; i++) {
        wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = i}, {.kind = WASMTIME_I32, .of.i32 = 100}}, res;
        assert_int_equal(wasp__instance_call(inst, &add, "add", args, 2, &res, 1, NULL, &err), WASP_OK);
        assert_int_equal(res.kind, WASMTIME_I32);
        assert_int_equal(res.of.i32, 100 + i);
    }
    wasmtime_val_t one = {.kind = WASMTIME_I32, .of.i32 = 1}, res;
    assert_int_not_equal(wasp__instance_call(inst, &add, "add", &one, 1, &res, 1, NULL, &err), WASP_OK);
    assert_non_null(strstr(err.msg, "`add`"));
    wasmtime_val_t wide[2] = {{.kind = WASMTIME_I64, .of.i64 = 1}, {.kind = WASMTIME_I32, .of.i32 = 2}};
    assert_int_not_equal(wasp__instance_call(inst, &add, "add", wide, 2, &res, 1, NULL, &err), WASP_OK);
    /* the instance is still fine */
    wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 40}, {.kind = WASMTIME_I32, .of.i32 = 2}};
    assert_int_equal(wasp__instance_call(inst, &add, "add", args, 2, &res, 1, NULL, &err), WASP_OK);
    assert_int_equal(res.of.i32, 42);
    wasp__instance_free(inst);
}

/* Calls export `name` expecting a trap whose message mentions `kind`. */
static void expect_trap(const char *name, const char *sig, const int32_t *args, size_t nargs, int code,
                        const char *kind) {
    struct wasp_instance *inst = wt_instance(basic, NULL);
    struct wasp_error err = {0};
    int32_t r;
    assert_int_equal(wt_call_i32(inst, name, sig, args, nargs, &r, &err), code);
    assert_int_equal(err.code, code);
    char quoted[64];
    snprintf(quoted, sizeof(quoted), "`%s`", name);
    if (!strstr(err.msg, quoted) || !strstr(err.msg, kind))
        fail_msg("expected %s and '%s' in: %s", quoted, kind, err.msg);
    wasp__instance_free(inst);
}

static void test_traps_of_each_kind(void **state) {
    (void)state;
    tu_signals_restore();
    int32_t zero[2] = {1, 0}, overflow[2] = {INT32_MIN, -1};
    expect_trap("unreachable", ":", NULL, 0, WASP_ETRAP, "unreachable");
    expect_trap("div", "ii:i", zero, 2, WASP_ETRAP, "integer divide by zero");
    expect_trap("div", "ii:i", overflow, 2, WASP_ETRAP, "integer overflow");
    expect_trap("oob", ":i", NULL, 0, WASP_ETRAP, "out-of-bounds memory access");
    int32_t depth = 0;
    expect_trap("recurse", "i:i", &depth, 1, WASP_ETRAP, "stack overflow");
    expect_trap("null_call", ":", NULL, 0, WASP_ETRAP, "indirect call");
    expect_trap("bad_convert", ":i", NULL, 0, WASP_ETRAP, "invalid conversion to integer");
}

static void test_trap_in_one_instance_leaves_others_running(void **state) {
    (void)state;
    tu_signals_restore();
    /* A trap in one instance leaves every other instance untouched. */
    struct wasp_instance *a = wt_instance(basic, NULL), *b = wt_instance(basic, NULL);
    struct wasp_error err = {0};
    assert_int_equal(wt_call_i32(a, "unreachable", ":", NULL, 0, NULL, &err), WASP_ETRAP);
    int32_t two[2] = {1, 2}, r = 0;
    assert_int_equal(wt_call_i32(b, "add", "ii:i", two, 2, &r, &err), WASP_OK);
    assert_int_equal(r, 3);
    wasp__instance_free(a);
    wasp__instance_free(b);
}

static void test_start_section_trap_fails_instantiation(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_module *m = wt_module(engine, "start_traps.wasm");
    struct wasp_instance *inst = NULL;
    struct wasp_error err = {0};
    assert_int_equal(wasp__instance_new(m, NULL, NULL, NULL, &inst, &err), WASP_ETRAP);
    assert_non_null(strstr(err.msg, "unreachable"));
    assert_null(inst);
    wasp__module_release(m);
}

static void test_memory_limit_holds(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_instance_limits lim = {.memory_bytes = 4 * 65536};
    struct wasp_instance *inst = wt_instance(basic, &lim);
    struct wasp_error err = {0};
    size_t len;
    assert_non_null(wasp__instance_memory(inst, &len));
    assert_int_equal(len, 65536); /* looked at before the growth: the view follows it below */
    int32_t pages = 3, r = 0;
    assert_int_equal(wt_call_i32(inst, "grow", "i:i", &pages, 1, &r, &err), WASP_OK);
    assert_int_equal(r, 1); /* old size: 1 page -> now 4 pages, at the cap */
    uint8_t *mem = wasp__instance_memory(inst, &len);
    assert_int_equal(len, 4 * 65536);
    mem[len - 1] = 1; /* the whole view is the memory's */
    pages = 1;
    assert_int_equal(wt_call_i32(inst, "grow", "i:i", &pages, 1, &r, &err), WASP_OK);
    assert_int_equal(r, -1); /* refused, no trap */
    pages = 100000;
    assert_int_equal(wt_call_i32(inst, "grow", "i:i", &pages, 1, &r, &err), WASP_OK);
    assert_int_equal(r, -1);
    assert_int_equal(wt_call_i32(inst, "pages", ":i", NULL, 0, &r, &err), WASP_OK);
    assert_int_equal(r, 4);
    wasp__instance_memory(inst, &len);
    assert_int_equal(len, 4 * 65536);
    wasp__instance_free(inst);
}

static int call_count(struct wasp_instance *inst, int64_t n, int64_t *out, unsigned *polls, struct wasp_error *err) {
    wasmtime_func_t f;
    int rc = wasp__instance_func(inst, "count", "I:I", &f, err);
    if (rc != WASP_OK) return rc;
    wasmtime_val_t arg = {.kind = WASMTIME_I64, .of.i64 = n}, res;
    rc = wasp__instance_call(inst, &f, "count", &arg, 1, &res, 1, polls, err);
    if (rc == WASP_OK) *out = res.of.i64;
    return rc;
}

static void test_fuel_exhausted(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_instance_limits lim = {.fuel = 100000};
    struct wasp_instance *inst = wt_instance(fuel_basic, &lim);
    struct wasp_error err = {0};
    int64_t out = 0;
    assert_int_equal(call_count(inst, 1000, &out, NULL, &err), WASP_OK);
    assert_int_equal(out, 1000);
    /* Fuel is per call: the same small call works again... */
    assert_int_equal(call_count(inst, 1000, &out, NULL, &err), WASP_OK);
    /* ...and a long one runs out. */
    assert_int_equal(call_count(inst, 100000000, &out, NULL, &err), WASP_EINTERRUPT);
    assert_non_null(strstr(err.msg, "out of fuel"));
    assert_non_null(strstr(err.msg, "`count`"));
    wasp__instance_free(inst);

    /* Fuel needs an engine compiled for it. */
    struct wasp_instance *none = NULL;
    assert_int_equal(wasp__instance_new(basic, &lim, NULL, NULL, &none, &err), WASP_EINVAL);
}

static void test_unmetered_on_fuel_engine(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_instance *inst = wt_instance(fuel_basic, NULL);
    struct wasp_error err = {0};
    int64_t out = 0;
    assert_int_equal(call_count(inst, 10000000, &out, NULL, &err), WASP_OK);
    assert_int_equal(out, 10000000);
    wasp__instance_free(inst);
}

static void test_endless_loop_is_sliced_and_interrupted(void **state) {
    (void)state;
    tu_signals_restore();
    /* Slicing is driven by a ticker thread; on a loaded machine it ticks
     * late, so the budget is long enough for a few ticks whatever the load,
     * and the assertions count suspensions, not time. */
    struct wasp_instance_limits lim = {.timeslice_ns = 2000000, .max_call_ns = 200000000};
    struct wasp_instance *inst = wt_instance(basic, &lim);
    struct wasp_error err = {0};
    unsigned polls = 0;
    uint64_t t0 = wasp_clock_ns();
    wasmtime_func_t f;
    assert_int_equal(wasp__instance_func(inst, "spin", ":", &f, &err), WASP_OK);
    assert_int_equal(wasp__instance_call(inst, &f, "spin", NULL, 0, NULL, 0, &polls, &err), WASP_EINTERRUPT);
    uint64_t ms = (wasp_clock_ns() - t0) / 1000000;
    assert_non_null(strstr(err.msg, "`spin`: ran past its time budget of 200 ms"));
    /* It yielded to the poller between slices, and stopped at the budget. */
    assert_true(polls >= 2);
    assert_true(ms >= 200);
    assert_true(ms < 5000);
    wasp__instance_free(inst);
}

static void test_two_spinners_interleave(void **state) {
    (void)state;
    tu_signals_restore();
    /* Polling two calls alternately shows neither monopolises the thread. */
    struct wasp_instance_limits lim = {.timeslice_ns = 1000000, .max_call_ns = 200000000};
    struct wasp_instance *a = wt_instance(basic, &lim), *b = wt_instance(basic, &lim);
    struct wasp_error err = {0};
    wasmtime_func_t fa, fb;
    assert_int_equal(wasp__instance_func(a, "spin", ":", &fa, &err), WASP_OK);
    assert_int_equal(wasp__instance_func(b, "spin", ":", &fb, &err), WASP_OK);
    assert_int_equal(wasp__instance_call_begin(a, &fa, "spin", NULL, 0, NULL, 0), WASP_OK);
    assert_int_equal(wasp__instance_call_begin(b, &fb, "spin", NULL, 0, NULL, 0), WASP_OK);
    assert_int_equal(wasp__instance_call_begin(a, &fa, "spin", NULL, 0, NULL, 0), WASP_ESTATE);
    int ra = WASP_CALL_PENDING, rb = WASP_CALL_PENDING;
    unsigned slices_a = 0, slices_b = 0;
    while (ra == WASP_CALL_PENDING || rb == WASP_CALL_PENDING) {
        if (ra == WASP_CALL_PENDING) ra = wasp__instance_call_poll(a, &err), slices_a++;
        if (rb == WASP_CALL_PENDING) rb = wasp__instance_call_poll(b, &err), slices_b++;
    }
    assert_int_equal(ra, WASP_EINTERRUPT);
    assert_int_equal(rb, WASP_EINTERRUPT);
    /* Each was suspended and resumed while the other was pending. */
    assert_true(slices_a >= 2 && slices_b >= 2);
    assert_false(wasp__instance_call_active(a));
    wasp__instance_free(a);
    wasp__instance_free(b);
}

static void test_abort_pending_call(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_instance_limits lim = {.timeslice_ns = 1000000};
    struct wasp_instance *inst = wt_instance(basic, &lim);
    struct wasp_error err = {0};
    wasmtime_func_t f;
    assert_int_equal(wasp__instance_func(inst, "spin", ":", &f, &err), WASP_OK);
    assert_int_equal(wasp__instance_call_begin(inst, &f, "spin", NULL, 0, NULL, 0), WASP_OK);
    assert_int_equal(wasp__instance_call_poll(inst, &err), WASP_CALL_PENDING);
    assert_true(wasp__instance_call_active(inst));
    wasp__instance_call_abort(inst);
    assert_false(wasp__instance_call_active(inst));
    assert_int_equal(wasp__instance_call_poll(inst, &err), WASP_ESTATE);
    wasp__instance_free(inst); /* freeing with nothing pending, and below with a call pending */
    inst = wt_instance(basic, &lim);
    assert_int_equal(wasp__instance_func(inst, "spin", ":", &f, &err), WASP_OK);
    assert_int_equal(wasp__instance_call_begin(inst, &f, "spin", NULL, 0, NULL, 0), WASP_OK);
    assert_int_equal(wasp__instance_call_poll(inst, &err), WASP_CALL_PENDING);
    wasp__instance_free(inst);
}

static double cpu_ms(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* A pooled slot reused after its instance grew and wrote its memory and
 * trapped starts clean: the dirty pages reset in place (the first 64 KiB)
 * and those given back past them both read as zero in the next instance. */
static void test_pooled_slot_reused_clean(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_engine_config cfg;
    wasp__engine_config_init(&cfg);
    cfg.pooling = true;
    cfg.pool_instances = 1; /* one slot: the next instance must reuse it */
    cfg.pool_memory_max = 4u << 20;
    struct wasp_engine *e = NULL;
    struct wasp_error err = {0};
    assert_int_equal(wasp__engine_new(&cfg, &e, &err), WASP_OK);
    struct wasp_module *m = wt_module(e, "engine_basic.wasm");
    struct wasp_instance_limits lim = {.memory_bytes = 1u << 20};
    for (int round = 0; round < 3; round++) {
        struct wasp_instance *inst = wt_instance(m, &lim);
        int32_t pages = 1, old = -1;
        assert_int_equal(wt_call_i32(inst, "grow", "i:i", &pages, 1, &old, &err), WASP_OK);
        assert_int_equal(old, 1);
        size_t len = 0;
        uint8_t *mem = wasp__instance_memory(inst, &len);
        assert_int_equal(len, 2 * 65536);
        for (size_t i = 0; i < len; i++)
            if (mem[i]) fail_msg("round %d: byte %zu of a fresh memory is %u", round, i, mem[i]);
        memset(mem, 0xA5, len); /* every page dirty */
        assert_int_equal(wt_call_i32(inst, "unreachable", ":", NULL, 0, NULL, &err), WASP_ETRAP);
        wasp__instance_free(inst);
    }
    wasp__module_release(m);
    wasp__engine_free(e);
}

/* A pool's slots count live instances and reservations alike: a reserved
 * slot is refused to anyone else and passes to the instance made with it;
 * freeing either gives it back. The start-section scan says which modules
 * instantiate without running guest code. */
static void test_pool_reservations(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_engine_config cfg;
    wasp__engine_config_init(&cfg);
    cfg.pooling = true;
    cfg.pool_instances = 2;
    cfg.pool_memory_max = 1u << 20;
    struct wasp_engine *e = NULL;
    struct wasp_error err = {0};
    assert_int_equal(wasp__engine_new(&cfg, &e, &err), WASP_OK);
    struct wasp_module *m = wt_module(e, "engine_basic.wasm");
    struct wasp_module *started = wt_module(e, "start_traps.wasm");
    assert_true(wasp__module_inert_instantiation(m));
    assert_false(wasp__module_inert_instantiation(started));

    assert_int_equal(wasp__engine_pool_reserve(e, &err), WASP_OK);
    struct wasp_instance *live = wt_instance(m, NULL);
    assert_int_equal(wasp__engine_pool_used(e), 2);
    /* Full: neither a reservation nor an instance of its own. */
    assert_int_equal(wasp__engine_pool_reserve(e, &err), WASP_ELIMIT);
    assert_non_null(strstr(err.msg, "pool_instances"));
    struct wasp_instance *extra = NULL;
    assert_int_equal(wasp__instance_new(m, NULL, NULL, NULL, &extra, &err), WASP_ELIMIT);
    assert_null(extra);
    assert_int_equal(wasp__engine_pool_used(e), 2);
    /* The reservation's owner instantiates with it. */
    struct wasp_instance_limits reserved = {.pool_reserved = true};
    struct wasp_instance *mine = wt_instance(m, &reserved);
    assert_int_equal(wasp__engine_pool_used(e), 2);
    wasp__instance_free(mine);
    wasp__instance_free(live);
    assert_int_equal(wasp__engine_pool_used(e), 0);
    /* A reserved slot is given back by a failed instantiation too. */
    assert_int_equal(wasp__engine_pool_reserve(e, &err), WASP_OK);
    assert_int_equal(wasp__instance_new(started, &reserved, NULL, NULL, &extra, &err), WASP_ETRAP);
    assert_int_equal(wasp__engine_pool_used(e), 0);
    wasp__module_release(started);
    wasp__module_release(m);
    wasp__engine_free(e);
}

static void test_idle_engine_burns_no_cpu(void **state) {
    (void)state;
    tu_signals_restore();
    /* The epoch ticker runs only while a call runs: an engine with live
     * instances but nothing executing must sleep, not tick. */
    struct wasp_instance *inst = wt_instance(basic, NULL);
    double before = cpu_ms();
    tu_sleep_ms(300);
    double used = cpu_ms() - before;
    if (used > 30) fail_msg("idle engine used %.1f ms of CPU in 300 ms", used);
    wasp__instance_free(inst);
}

int main(void) {
    wt_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abi_exports_run),
        cmocka_unit_test(test_export_lookup_by_name_and_type),
        cmocka_unit_test(test_typed_calls_and_mismatches),
        cmocka_unit_test(test_traps_of_each_kind),
        cmocka_unit_test(test_trap_in_one_instance_leaves_others_running),
        cmocka_unit_test(test_start_section_trap_fails_instantiation),
        cmocka_unit_test(test_memory_limit_holds),
        cmocka_unit_test(test_fuel_exhausted),
        cmocka_unit_test(test_unmetered_on_fuel_engine),
        cmocka_unit_test(test_endless_loop_is_sliced_and_interrupted),
        cmocka_unit_test(test_two_spinners_interleave),
        cmocka_unit_test(test_abort_pending_call),
        cmocka_unit_test(test_pooled_slot_reused_clean),
        cmocka_unit_test(test_pool_reservations),
        cmocka_unit_test(test_idle_engine_burns_no_cpu),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
