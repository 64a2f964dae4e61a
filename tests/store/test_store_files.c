/* test_store_files.c - the store's file: where it lives, and clear errors for
 * a corrupt, foreign or locked file (the message names the file). */
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "testutil.h"

static char *path_in(const char *dir, const char *name) {
    static char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return p;
}

static void expect_open_error(const char *path, const char *backend, int code, const char *words) {
    wasp_store *st = NULL;
    char err[512];
    wasp_store_config cfg = {.backend = backend};
    assert_int_equal(wasp_store_open(path, &cfg, &st, err, sizeof(err)), code);
    assert_null(st);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, words));
}

static void test_garbage_file(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    char text[8192];
    for (size_t i = 0; i < sizeof(text); i++) text[i] = (char)('a' + i % 26);
    text[sizeof(text) - 1] = 0;
    tu_write_file(dir, "bad.kv", text);
    const char *p = path_in(dir, "bad.kv");
    expect_open_error(p, "sqlite", WASP_EIO, "not a wasp store");
    expect_open_error(p, "lmdb", WASP_EIO, "not a wasp store");
    tu_rmtree(dir);
    free(dir);
}

/* A valid store whose pages were then overwritten in the middle. */
static void test_corrupt_pages(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    char p[512];
    snprintf(p, sizeof(p), "%s", path_in(dir, "c.kv"));
    wasp_store *st;
    wasp_kv *kv;
    char err[256], val[600];
    memset(val, 'v', sizeof(val));
    assert_int_equal(wasp_store_open(p, NULL, &st, err, sizeof(err)), WASP_OK);
    assert_int_equal(wasp_kv_open(st, "a", NULL, &kv), WASP_OK);
    for (int i = 0; i < 200; i++) {
        char k[16];
        snprintf(k, sizeof(k), "key%d", i);
        assert_int_equal(wasp_kv_put(kv, k, strlen(k), val, sizeof(val), NULL), WASP_OK);
    }
    wasp_kv_close(kv);
    wasp_store_close(st);
    int fd = open(p, O_WRONLY);
    assert_true(fd >= 0);
    char junk[4096];
    memset(junk, 0x5a, sizeof(junk));
    assert_int_equal(pwrite(fd, junk, sizeof(junk), 8192), (ssize_t)sizeof(junk));
    close(fd);
    expect_open_error(p, "sqlite", WASP_EIO, "corrupt");
    tu_rmtree(dir);
    free(dir);
}

static void test_foreign_sqlite_database(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    const char *p = path_in(dir, "other.db");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    expect_open_error(p, "sqlite", WASP_EIO, "not a wasp store");
    tu_rmtree(dir);
    free(dir);
}

static void test_locked_file(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    char p[512];
    snprintf(p, sizeof(p), "%s", path_in(dir, "l.kv"));
    wasp_store *st;
    char err[256];
    assert_int_equal(wasp_store_open(p, NULL, &st, err, sizeof(err)), WASP_OK);
    expect_open_error(p, "sqlite", WASP_EEXIST, "locked");
    expect_open_error(p, "lmdb", WASP_EEXIST, "locked");
    wasp_store_close(st);
    assert_int_equal(wasp_store_open(p, NULL, &st, err, sizeof(err)), WASP_OK); /* released */
    wasp_store_close(st);
    expect_open_error(path_in(dir, "no/such/dir/x.kv"), NULL, WASP_EIO, "cannot open");
    expect_open_error(p, "berkeley", WASP_EINVAL, "unknown storage backend");
    tu_rmtree(dir);
    free(dir);
}

static void test_directories(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    char buf[512], want[512];
    setenv("XDG_DATA_HOME", "/x/data", 1);
    assert_int_equal(wasp_store_default_dir(buf, sizeof(buf)), (int)strlen("/x/data/wasp"));
    assert_string_equal(buf, "/x/data/wasp");
    setenv("XDG_DATA_HOME", "relative", 1); /* ignored, as XDG says */
    setenv("HOME", "/home/u", 1);
    assert_true(wasp_store_default_dir(buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "/home/u/.local/share/wasp");
    unsetenv("XDG_DATA_HOME");
    assert_int_equal(wasp_store_default_dir(buf, 4), WASP_E2BIG);
    snprintf(want, sizeof(want), "%s/a/b/sys.kv", dir);
    char sub[512];
    snprintf(sub, sizeof(sub), "%s/a/b", dir);
    assert_int_equal(wasp_store_system_path(sub, "sys", buf, sizeof(buf)), (int)strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(access(sub, F_OK), 0); /* created */
    assert_int_equal(wasp_store_system_path(sub, "../x", buf, sizeof(buf)), WASP_EINVAL);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_file),
        cmocka_unit_test(test_corrupt_pages),
        cmocka_unit_test(test_foreign_sqlite_database),
        cmocka_unit_test(test_locked_file),
        cmocka_unit_test(test_directories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
