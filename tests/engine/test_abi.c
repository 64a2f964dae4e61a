/* test_abi.c - modules checked against the guest ABI, with precise errors. */
#include <string.h>

#include "wasmtest.h"

static struct wasp_engine *engine;

static int setup(void **state) {
    (void)state;
    engine = wt_engine(false, NULL);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    wasp__engine_free(engine);
    return 0;
}

/* Loads a fixture expecting failure `code` with every `needles` in the message. */
static void expect_rejected(const char *fixture, int code, const char *needle1, const char *needle2) {
    size_t len;
    uint8_t *bytes = tu_fixture_bytes(fixture, &len);
    struct wasp_module *m = NULL;
    struct wasp_error err = {0};
    int rc = wasp__module_load(engine, bytes, len, &m, &err);
    free(bytes);
    assert_int_equal(rc, code);
    assert_null(m);
    if (!strstr(err.msg, needle1)) fail_msg("'%s' not in '%s'", needle1, err.msg);
    if (needle2 && !strstr(err.msg, needle2)) fail_msg("'%s' not in '%s'", needle2, err.msg);
}

static void test_good_module_reports_its_exports(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_module *m = wt_module(engine, "engine_basic.wasm");
    const struct wasp_abi_info *abi = wasp__module_abi(m);
    assert_true(abi->receives);
    assert_true(abi->has_start);
    assert_true(abi->has_cleanup);
    assert_true(abi->has_health);
    assert_false(abi->has_initialize);
    assert_false(abi->imports_wasi);
    wasp__module_release(m);
}

static void test_foreign_import_is_named(void **state) {
    (void)state;
    tu_signals_restore();
    expect_rejected("abi_foreign_import.wasm", WASP_EABI, "import env.foo is not allowed", NULL);
}

static void test_wrong_export_signature_is_named(void **state) {
    (void)state;
    tu_signals_restore();
    expect_rejected("abi_bad_handle_sig.wasm", WASP_EABI, "export `handle-message` has signature i:i",
                    "expected ii:i");
}

static void test_handle_without_alloc(void **state) {
    (void)state;
    tu_signals_restore();
    expect_rejected("abi_handle_without_alloc.wasm", WASP_EABI, "`handle-message` needs `wasp_alloc`", NULL);
}

static void test_memory_is_required(void **state) {
    (void)state;
    tu_signals_restore();
    expect_rejected("abi_no_memory.wasm", WASP_EABI, "export `memory` is missing", NULL);
}

static void test_wasp_import_checks_report_every_problem(void **state) {
    (void)state;
    tu_signals_restore();
    expect_rejected("abi_wasp_bad_sig.wasm", WASP_EABI, "import wasp.send has signature ii:i, expected iiii:i",
                    "import wasp.frobnicate does not exist");
}

/* The storage imports are part of the ABI, each with its own signature. */
static void test_storage_imports(void **state) {
    (void)state;
    tu_signals_restore();
    wasp__module_release(wt_module(engine, "abi_kv_imports.wasm"));
    expect_rejected("abi_kv_bad_sig.wasm", WASP_EABI, "import wasp.kv_cas has signature iiiii:i, expected iiiiI:I",
                    NULL);
}

/* The optional `crash` import is checked like every other; a module using
 * it loads (tests/component/test_component_crash.c runs one). */
static void test_crash_import(void **state) {
    (void)state;
    tu_signals_restore();
    wasp__module_release(wt_module(engine, "comp_crash.wasm"));
    expect_rejected("abi_crash_bad_sig.wasm", WASP_EABI, "import wasp.crash has signature ii:i, expected ii:", NULL);
}

static void test_not_wasm(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_module *m = NULL;
    struct wasp_error err = {0};
    const uint8_t junk[] = "definitely not a module";
    assert_int_equal(wasp__module_load(engine, junk, sizeof(junk), &m, &err), WASP_ECOMPILE);
    assert_non_null(strstr(err.msg, "magic"));
    const uint8_t truncated[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5};
    assert_int_equal(wasp__module_load(engine, truncated, sizeof(truncated), &m, &err), WASP_ECOMPILE);
    assert_int_equal(wasp__module_load(engine, NULL, 0, &m, &err), WASP_ECOMPILE);
    assert_int_equal(wasp__module_load(NULL, junk, 4, &m, &err), WASP_EINVAL);
}

static void test_unrepresentable_types_are_rejected(void **state) {
    (void)state;
    tu_signals_restore();
    expect_rejected("abi_v128_export.wasm", WASP_ECOMPILE, "not a valid WebAssembly module", "SIMD");
}

static void test_missing_file(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_module *m = NULL;
    struct wasp_error err = {0};
    assert_int_equal(wasp__module_load_file(engine, "/nonexistent/x.wasm", &m, &err), WASP_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.wasm"));
}

static void test_wasi_needs_a_grant(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_module *m = wt_module(engine, "abi_wasi.wasm");
    assert_true(wasp__module_abi(m)->imports_wasi);
    struct wasp_error err = {0};
    struct wasp_instance *inst = NULL;
    assert_int_equal(wasp__instance_new(m, NULL, NULL, NULL, &inst, &err), WASP_ELINK);
    assert_non_null(strstr(err.msg, "wasi_snapshot_preview1.fd_write"));
    assert_null(inst);
    /* Granted: it links and runs (fd_write to an inherited-nothing stdout). */
    assert_int_equal(wasp__instance_new(m, NULL, wasi_config_new(), NULL, &inst, &err), WASP_OK);
    int32_t r = -1;
    assert_int_equal(wt_call_i32(inst, "say", ":i", NULL, 0, &r, &err), WASP_OK);
    assert_int_equal(r, 0);
    wasp__instance_free(inst);
    wasp__module_release(m);
}

static void test_abi_imports_link_only_when_defined(void **state) {
    (void)state;
    tu_signals_restore();
    /* The ABI accepts wasp.now_ms and wasp.log; without host functions
     * defined they fail to link, naming the import. */
    struct wasp_module *m = wt_module(engine, "abi_wasp_imports.wasm");
    struct wasp_error err = {0};
    struct wasp_instance *inst = NULL;
    assert_int_equal(wasp__instance_new(m, NULL, NULL, NULL, &inst, &err), WASP_ELINK);
    if (!strstr(err.msg, "now_ms") && !strstr(err.msg, "log")) fail_msg("import not named: %s", err.msg);
    wasp__module_release(m);
}

static void test_signature_strings(void **state) {
    (void)state;
    tu_signals_restore();
    wasm_functype_t *ft = wasp__abi_functype_new("iiI:i");
    char sig[16];
    wasp__abi_functype_sig(ft, sig, sizeof(sig));
    assert_string_equal(sig, "iiI:i");
    assert_true(wasp__abi_functype_is(ft, "iiI:i"));
    assert_false(wasp__abi_functype_is(ft, "iii:i"));
    wasm_functype_delete(ft);
    ft = wasp__abi_functype_new(":");
    wasp__abi_functype_sig(ft, sig, sizeof(sig));
    assert_string_equal(sig, ":");
    wasm_functype_delete(ft);
}

int main(void) {
    wt_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_module_reports_its_exports),
        cmocka_unit_test(test_foreign_import_is_named),
        cmocka_unit_test(test_wrong_export_signature_is_named),
        cmocka_unit_test(test_handle_without_alloc),
        cmocka_unit_test(test_memory_is_required),
        cmocka_unit_test(test_wasp_import_checks_report_every_problem),
        cmocka_unit_test(test_not_wasm),
        cmocka_unit_test(test_unrepresentable_types_are_rejected),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_wasi_needs_a_grant),
        cmocka_unit_test(test_abi_imports_link_only_when_defined),
        cmocka_unit_test(test_signature_strings),
        cmocka_unit_test(test_storage_imports),
        cmocka_unit_test(test_crash_import),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
