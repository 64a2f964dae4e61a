/* test_manifest_inputs.c - hostile manifest inputs: a FIFO, a device and a
 * directory are refused at once (never waited on or read forever), and a
 * document of many anchors and aliases loads in time linear in its size. */
#include <sys/stat.h>
#include <unistd.h>

#include "mf_helpers.h"

static void expect_refused(const char *path, const char *needle) {
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    wasp_manifest_options o = {.on_error = mf_collect, .error_arg = &p};
    assert_int_equal(wasp_manifest_load(path, &o, &m), WASP_EIO);
    assert_null(m);
    assert_int_equal(p.n, 1);
    if (!strstr(p.v[0], needle)) fail_msg("'%s' does not say '%s'", p.v[0], needle);
    mf_problems_free(&p);
    /* wasp check says the same. */
    assert_int_equal(wasp_manifest_check(path, mf_collect, &p), WASP_EIO);
    mf_problems_free(&p);
}

static void test_special_files(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    char fifo[4200];
    snprintf(fifo, sizeof(fifo), "%s/m.yaml", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_refused(fifo, "a FIFO");
    expect_refused("/dev/zero", "a device");
    expect_refused(dir, "a directory");
    tu_rmtree(dir);
    free(dir);
}

/* 60,000 anchors, each used once: every alias resolves (by hash, not by a
 * scan of every anchor before it) and the document is checked as usual. */
static void test_many_anchors(void **state) {
    (void)state;
    enum { N = 60000 };
    size_t cap = (size_t)N * 40 + 256, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "name: s\nx:\n");
    for (int i = 0; i < N; i++) len += (size_t)snprintf(text + len, cap - len, "  - &a%d v\n", i);
    for (int i = 0; i < N; i++) len += (size_t)snprintf(text + len, cap - len, "  - *a%d\n", i);
    len += (size_t)snprintf(text + len, cap - len, "components:\n  - {name: a, wasm: c.wasm}\n");
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    wasp_manifest_options o = {.skip_files = true, .on_error = mf_collect, .error_arg = &p};
    assert_int_equal(wasp_manifest_parse(text, len, "bomb.yaml", &o, &m), WASP_EINVAL);
    assert_int_equal(p.n, 1);
    assert_non_null(strstr(p.v[0], "unknown key 'x'"));
    mf_problems_free(&p);
    /* Aliases of aliases that would expand exponentially are still refused. */
    len = (size_t)snprintf(text, cap, "name: s\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; i++)
        len += (size_t)snprintf(text + len, cap - len, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i,
                                i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    assert_int_equal(wasp_manifest_parse(text, len, "bomb.yaml", &o, &m), WASP_EINVAL);
    assert_true(p.n >= 1);
    bool too_large = false;
    for (size_t i = 0; i < p.n; i++) too_large |= strstr(p.v[i], "too large") != NULL;
    assert_true(too_large);
    mf_problems_free(&p);
    free(text);
}

/* `wasp check` sizes its engine as `wasp run` does: memory limits above the
 * default reservation with pooling used to abort the run, not the check. */
static void test_check_sizes_engine_like_run(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    tu_copy_fixture(dir, "comp_echo.wasm", "e.wasm");
    tu_write_file(dir, "m.yaml",
                  "name: big\ncomponents:\n  - name: e\n    wasm: e.wasm\n    instances: 50\n"
                  "    limits: {memory: 512MiB, fuel: 1000}\n");
    char path[4200];
    snprintf(path, sizeof(path), "%s/m.yaml", dir);
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    wasp_manifest_options o = {.on_error = mf_collect, .error_arg = &p};
    assert_int_equal(wasp_manifest_load(path, &o, &m), WASP_OK);
    wasp_wasm_config wc;
    wasp_manifest_wasm_config(m, &wc);
    assert_true(wc.pooling);
    assert_true(wc.fuel);
    assert_int_equal(wc.pool_instances, 50 * 2 + 16);
    assert_int_equal(wc.pool_memory_max, 512ull << 20);
    wasp_manifest_free(m);
    /* That engine exists (it aborted the process before). */
    wasp_system *sys;
    wasp_wasm *w;
    assert_int_equal(wasp_system_create(NULL, &sys), WASP_OK);
    assert_int_equal(wasp_wasm_create(sys, &wc, &w), WASP_OK);
    wasp_wasm_destroy(w);
    wasp_system_destroy(sys);
    assert_int_equal(wasp_manifest_check(path, mf_collect, &p), WASP_OK);
    assert_int_equal(p.n, 0);
    /* A pool that cannot fit is an error, not an abort. */
    wc.pool_instances = 4000000000u;
    assert_int_equal(wasp_system_create(NULL, &sys), WASP_OK);
    assert_int_equal(wasp_wasm_create(sys, &wc, &w), WASP_EINVAL);
    wasp_system_destroy(sys);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_files),
        cmocka_unit_test(test_many_anchors),
        cmocka_unit_test(test_check_sizes_engine_like_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
