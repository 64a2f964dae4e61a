/* test_inputs.c - what is refused before it can cost anything: module files
 * that are not regular files (a FIFO, a device, a directory) are refused at
 * once instead of blocking or reading forever, and a module with more
 * functions than wasp compiles is refused before compiling. The section
 * scanner reads counts and framing only. */
#include <sys/stat.h>
#include <unistd.h>

#include "engine/scan.h"
#include "wasmtest.h"

static void expect_unreadable(struct wasp_engine *e, const char *path, const char *needle) {
    struct wasp_module *m = NULL;
    struct wasp_error err = {0};
    assert_int_equal(wasp__module_load_file(e, path, &m, &err), WASP_EIO);
    assert_null(m);
    if (!strstr(err.msg, needle)) fail_msg("'%s' does not say '%s'", err.msg, needle);
}

static void test_special_files_are_refused(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    char fifo[4200];
    snprintf(fifo, sizeof(fifo), "%s/pipe.wasm", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct wasp_engine *e = wt_engine(false, NULL);
    expect_unreadable(e, fifo, "a FIFO"); /* no writer: would block forever */
    expect_unreadable(e, "/dev/zero", "a device"); /* endless */
    expect_unreadable(e, dir, "a directory");
    wasp__engine_free(e);
    tu_rmtree(dir);
    free(dir);
}

static void leb(uint8_t **p, uint32_t v) {
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        *(*p)++ = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
}

/* A module of n empty functions () -> () with a memory. */
static uint8_t *many_functions(uint32_t n, size_t *len) {
    uint8_t *b = malloc(64 + (size_t)n * 4), *p = b;
    memcpy(p, "\0asm\1\0\0\0", 8), p += 8;
    memcpy(p, "\1\4\1\x60\0\0", 6), p += 6; /* type section: one () -> () */
    uint8_t cnt[8], *c = cnt;
    leb(&c, n);
    size_t nc = (size_t)(c - cnt);
    *p++ = 3, c = p, leb(&p, (uint32_t)(nc + n)), memcpy(p, cnt, nc), p += nc;
    memset(p, 0, n), p += n;
    memcpy(p, "\5\3\1\0\1", 5), p += 5; /* memory section */
    memcpy(p, "\7\x0a\1\6memory\2\0", 12), p += 12;
    *p++ = 10, leb(&p, (uint32_t)(nc + (size_t)n * 3)), memcpy(p, cnt, nc), p += nc;
    for (uint32_t i = 0; i < n; i++) memcpy(p, "\2\0\x0b", 3), p += 3;
    (void)c;
    *len = (size_t)(p - b);
    return b;
}

static void test_function_count_is_capped(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_engine *e = wt_engine(false, NULL);
    size_t len;
    uint8_t *bytes = many_functions(200000, &len);
    struct wasp_module_shape shape;
    struct wasp_error err = {0};
    assert_int_equal(wasp__module_scan(bytes, len, &shape, &err), WASP_OK);
    assert_int_equal(shape.functions, 200000);
    assert_int_equal(shape.bodies, 200000);
    struct wasp_module *m = NULL;
    assert_int_equal(wasp__module_load(e, bytes, len, &m, &err), WASP_ECOMPILE);
    assert_non_null(strstr(err.msg, "200000 functions"));
    free(bytes);
    /* A few are fine (and the builder above makes valid modules). */
    bytes = many_functions(10, &len);
    assert_int_equal(wasp__module_load(e, bytes, len, &m, &err), WASP_OK);
    wasp__module_release(m);
    free(bytes);
    wasp__engine_free(e);
}

static void test_scan_framing(void **state) {
    (void)state;
    struct wasp_module_shape shape;
    struct wasp_error err = {0};
    /* A section longer than the module. */
    static const uint8_t cut[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 3, 0x10, 1, 0};
    assert_int_equal(wasp__module_scan(cut, sizeof(cut), &shape, &err), WASP_ECOMPILE);
    /* A count that is not a LEB128 within its section. */
    static const uint8_t badcount[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 3, 1, 0x80};
    assert_int_equal(wasp__module_scan(badcount, sizeof(badcount), &shape, &err), WASP_ECOMPILE);
    /* Not a core module: not judged here. */
    static const uint8_t component[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0};
    assert_int_equal(wasp__module_scan(component, sizeof(component), &shape, &err), WASP_OK);
    assert_int_equal(shape.functions, 0);
}

int main(void) {
    wt_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_special_files_are_refused),
        cmocka_unit_test(test_function_count_is_capped),
        cmocka_unit_test(test_scan_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
