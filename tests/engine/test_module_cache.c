/* test_module_cache.c - compile once per content hash; the disk cache of
 * serialized modules round-trips, and stale or corrupt entries are caught. */
#include <dirent.h>
#include <fcntl.h>
#include <time.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/diskcache.h"
#include "wasmtest.h"

/* Path of the only .cwasm file in dir (static buffer), or NULL. */
static const char *only_entry(const char *dir) {
    static char path[4096];
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        if (l > 6 && !strcmp(de->d_name + l - 6, ".cwasm")) {
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            n++;
        }
    }
    if (d) closedir(d);
    return n == 1 ? path : NULL;
}

static void run_add(struct wasp_module *m) {
    struct wasp_instance *inst = wt_instance(m, NULL);
    struct wasp_error err = {0};
    int32_t args[2] = {20, 22}, r = 0;
    assert_int_equal(wt_call_i32(inst, "add", "ii:i", args, 2, &r, &err), WASP_OK);
    assert_int_equal(r, 42);
    wasp__instance_free(inst);
}

static void test_same_bytes_compile_once(void **state) {
    (void)state;
    tu_signals_restore();
    struct wasp_engine *e = wt_engine(false, NULL);
    struct wasp_module *a = wt_module(e, "engine_basic.wasm"), *b = wt_module(e, "engine_basic.wasm");
    assert_ptr_equal(a, b);
    struct wasp__engine_stats st;
    wasp__engine_stats(e, &st);
    assert_int_equal(st.compiled, 1);
    assert_int_equal(st.memory_hits, 1);
    assert_int_equal(st.modules, 1);
    struct wasp_module *c = wt_module(e, "abi_wasi.wasm");
    assert_ptr_not_equal(a, c);
    wasp__engine_stats(e, &st);
    assert_int_equal(st.compiled, 2);
    wasp__module_release(a);
    wasp__module_release(b);
    wasp__module_release(c);
    wasp__engine_free(e);
}

static void test_disk_round_trip(void **state) {
    (void)state;
    tu_signals_restore();
    char *dir = tu_tempdir();
    struct wasp_engine *e = wt_engine(false, dir);
    struct wasp_module *m = wt_module(e, "engine_basic.wasm");
    struct wasp__engine_stats st;
    wasp__engine_stats(e, &st);
    assert_int_equal(st.compiled, 1);
    assert_int_equal(st.disk_hits, 0);
    assert_non_null(only_entry(dir));
    wasp__module_release(m);
    wasp__engine_free(e);

    /* A new engine with the same configuration starts warm from disk. */
    e = wt_engine(false, dir);
    m = wt_module(e, "engine_basic.wasm");
    wasp__engine_stats(e, &st);
    assert_int_equal(st.compiled, 0);
    assert_int_equal(st.disk_hits, 1);
    run_add(m);
    wasp__module_release(m);
    wasp__engine_free(e);

    /* A different configuration (fuel changes the code) uses its own entry. */
    e = wt_engine(true, dir);
    m = wt_module(e, "engine_basic.wasm");
    wasp__engine_stats(e, &st);
    assert_int_equal(st.compiled, 1);
    assert_int_equal(st.disk_hits, 0);
    assert_null(only_entry(dir)); /* now two entries */
    wasp__module_release(m);
    wasp__engine_free(e);
    tu_rmtree(dir);
    free(dir);
}

/* Damages the cache entry with `damage`, then checks a new engine notices,
 * recompiles, still runs the module, and rewrites a good entry. */
static void check_stale(void (*damage)(const char *path)) {
    char *dir = tu_tempdir();
    struct wasp_engine *e = wt_engine(false, dir);
    wasp__module_release(wt_module(e, "engine_basic.wasm"));
    wasp__engine_free(e);
    const char *entry = only_entry(dir);
    assert_non_null(entry);
    damage(entry);

    e = wt_engine(false, dir);
    struct wasp_module *m = wt_module(e, "engine_basic.wasm");
    struct wasp__engine_stats st;
    wasp__engine_stats(e, &st);
    assert_int_equal(st.disk_hits, 0);
    assert_int_equal(st.disk_stale, 1);
    assert_int_equal(st.compiled, 1);
    run_add(m);
    wasp__module_release(m);
    wasp__engine_free(e);

    e = wt_engine(false, dir); /* the rewritten entry is good again */
    wasp__module_release(wt_module(e, "engine_basic.wasm"));
    wasp__engine_stats(e, &st);
    assert_int_equal(st.disk_hits, 1);
    wasp__engine_free(e);
    tu_rmtree(dir);
    free(dir);
}

static void flip_last_byte(const char *path) {
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, -1, SEEK_END);
    int c = fgetc(f);
    fseek(f, -1, SEEK_END);
    fputc(c ^ 0xff, f);
    fclose(f);
}

static void truncate_to_header(const char *path) { assert_int_equal(truncate(path, 40), 0); }

static void foreign_header(const char *path) {
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fwrite("NOTWASP!", 1, 8, f);
    fclose(f);
}

static void empty_file(const char *path) { assert_int_equal(truncate(path, 0), 0); }

static void test_corrupt_payload_is_rejected(void **state) { (void)state; tu_signals_restore(); check_stale(flip_last_byte); }
static void test_truncated_entry_is_rejected(void **state) { (void)state; check_stale(truncate_to_header); }
static void test_foreign_header_is_rejected(void **state) { (void)state; check_stale(foreign_header); }
static void test_empty_entry_is_rejected(void **state) { (void)state; check_stale(empty_file); }

static struct wasp_diskcache *open_cache(const char *dir) {
    struct wasp_diskcache *c = NULL;
    char why[256];
    if (wasp__diskcache_open(dir, 0, &c, why, sizeof(why)) != WASP_OK) fail_msg("open %s: %s", dir, why);
    return c;
}

static void test_entry_keyed_by_content(void **state) {
    (void)state;
    tu_signals_restore();
    uint8_t content[32] = {1}, other[32] = {2}, fp[32] = {3};
    char *dir = tu_tempdir();
    struct wasp_diskcache *c = open_cache(dir);
    const uint8_t payload[] = "serialized";
    assert_int_equal(wasp__diskcache_write(c, content, fp, payload, sizeof(payload), NULL), WASP_OK);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(wasp__diskcache_read(c, content, fp, &out, &len), WASP_DISKCACHE_HIT);
    assert_int_equal(len, sizeof(payload));
    assert_memory_equal(out, payload, len);
    free(out);
    assert_int_equal(wasp__diskcache_read(c, other, fp, &out, &len), WASP_DISKCACHE_MISS);
    /* Same file name but a different engine fingerprint inside: stale. */
    char a[4096], b[4096];
    uint8_t fp2[32] = {3};
    fp2[20] = 9;
    wasp__diskcache_path(dir, content, fp, a, sizeof(a));
    wasp__diskcache_path(dir, content, fp2, b, sizeof(b));
    assert_string_equal(a, b); /* only 16 hex digits of the fingerprint name the file */
    assert_int_equal(wasp__diskcache_read(c, content, fp2, &out, &len), WASP_DISKCACHE_STALE);
    wasp__diskcache_close(c);
    tu_rmtree(dir);
    free(dir);
}

static void set_mtime(const char *dir, const uint8_t content[32], const uint8_t fp[32], time_t when) {
    char path[4096];
    wasp__diskcache_path(dir, content, fp, path, sizeof(path));
    struct timespec t[2] = {{when, 0}, {when, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

static bool entry_exists(const char *dir, const uint8_t content[32], const uint8_t fp[32]) {
    char path[4096];
    return access(wasp__diskcache_path(dir, content, fp, path, sizeof(path)), F_OK) == 0;
}

static void touch_file(const char *dir, const char *name, time_t when) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    struct timespec t[2] = {{when, 0}, {when, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
}

/* The directory keeps to its budget: the least recently used entries go
 * first (a hit counts as a use), the entry just written always stays,
 * abandoned temporary files go, and files that are not entries stay. */
static void test_budget_evicts_least_recently_used(void **state) {
    (void)state;
    uint8_t a[32] = {1}, b[32] = {2}, c3[32] = {3}, d[32] = {4}, fp[32] = {7};
    uint8_t payload[1000];
    memset(payload, 0x5a, sizeof(payload));
    char *dir = tu_tempdir();
    struct wasp_diskcache *c = NULL;
    char why[256];
    /* Room for three entries (header + payload + MAC), not four. */
    assert_int_equal(wasp__diskcache_open(dir, 3 * 1200, &c, why, sizeof(why)), WASP_OK);
    uint64_t evicted = 99;
    assert_int_equal(wasp__diskcache_write(c, a, fp, payload, sizeof(payload), &evicted), WASP_OK);
    assert_int_equal(evicted, 0);
    assert_int_equal(wasp__diskcache_write(c, b, fp, payload, sizeof(payload), NULL), WASP_OK);
    assert_int_equal(wasp__diskcache_write(c, c3, fp, payload, sizeof(payload), NULL), WASP_OK);
    set_mtime(dir, a, fp, 1000);
    set_mtime(dir, b, fp, 2000);
    set_mtime(dir, c3, fp, 3000);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(wasp__diskcache_read(c, a, fp, &out, &len), WASP_DISKCACHE_HIT); /* a: used now */
    free(out);
    touch_file(dir, "x.cwasm.1.0x1.tmp", 1000);   /* a writer that died long ago */
    touch_file(dir, "y.cwasm.2.0x2.tmp", time(NULL)); /* one writing now */
    touch_file(dir, "notes.txt", 1000);
    assert_int_equal(wasp__diskcache_write(c, d, fp, payload, sizeof(payload), &evicted), WASP_OK);
    assert_int_equal(evicted, 1);
    assert_true(entry_exists(dir, a, fp));
    assert_false(entry_exists(dir, b, fp));
    assert_true(entry_exists(dir, c3, fp));
    assert_true(entry_exists(dir, d, fp));
    char path[4200];
    snprintf(path, sizeof(path), "%s/x.cwasm.1.0x1.tmp", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/y.cwasm.2.0x2.tmp", dir);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/notes.txt", dir);
    assert_int_equal(access(path, F_OK), 0);
    snprintf(path, sizeof(path), "%s/cache.key", dir);
    assert_int_equal(access(path, F_OK), 0);
    wasp__diskcache_close(c);

    /* A budget smaller than one entry keeps only the newest. */
    assert_int_equal(wasp__diskcache_open(dir, 100, &c, why, sizeof(why)), WASP_OK);
    assert_int_equal(wasp__diskcache_write(c, b, fp, payload, sizeof(payload), &evicted), WASP_OK);
    assert_int_equal(evicted, 3);
    assert_true(entry_exists(dir, b, fp));
    assert_false(entry_exists(dir, a, fp) || entry_exists(dir, c3, fp) || entry_exists(dir, d, fp));
    wasp__diskcache_close(c);
    tu_rmtree(dir);
    free(dir);
}

/* An entry is authenticated, not just checksummed: one written under
 * another key (as anyone could write one with a correct checksum) is
 * refused, and so is an entry moved to another module's name. */
static void test_forged_entries_are_refused(void **state) {
    (void)state;
    uint8_t content[32] = {1}, other[32] = {2}, fp[32] = {3};
    char *dir = tu_tempdir(), *forger = tu_tempdir();
    struct wasp_diskcache *c = open_cache(dir), *f = open_cache(forger);
    const uint8_t payload[] = "native code";
    assert_int_equal(wasp__diskcache_write(f, content, fp, payload, sizeof(payload), NULL), WASP_OK);
    char from[4096], to[4096];
    wasp__diskcache_path(forger, content, fp, from, sizeof(from));
    wasp__diskcache_path(dir, content, fp, to, sizeof(to));
    assert_int_equal(rename(from, to), 0);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(wasp__diskcache_read(c, content, fp, &out, &len), WASP_DISKCACHE_STALE);
    /* A genuine entry of module `other` under the name of module `content`. */
    assert_int_equal(wasp__diskcache_write(c, other, fp, payload, sizeof(payload), NULL), WASP_OK);
    wasp__diskcache_path(dir, other, fp, from, sizeof(from));
    assert_int_equal(rename(from, to), 0);
    assert_int_equal(wasp__diskcache_read(c, content, fp, &out, &len), WASP_DISKCACHE_STALE);
    /* The key file is private. */
    char key[4200];
    snprintf(key, sizeof(key), "%s/cache.key", dir);
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    wasp__diskcache_close(c);
    wasp__diskcache_close(f);
    tu_rmtree(dir);
    tu_rmtree(forger);
    free(dir);
    free(forger);
}

/* A directory others may write to is not used: anyone could plant entries. */
static void test_shared_directory_is_refused(void **state) {
    (void)state;
    tu_signals_restore();
    char *dir = tu_tempdir();
    assert_int_equal(chmod(dir, 0777), 0);
    struct wasp_diskcache *c = NULL;
    char why[256];
    assert_int_equal(wasp__diskcache_open(dir, 0, &c, why, sizeof(why)), WASP_EPERM);
    assert_null(c);
    assert_non_null(strstr(why, "writable by other users"));
    /* An engine given it works without a cache and says why. */
    struct wasp_engine *e = wt_engine(false, dir);
    assert_non_null(wasp__engine_cache_problem(e));
    run_add(wt_module(e, "engine_basic.wasm"));
    assert_null(only_entry(dir));
    wasp__engine_free(e);
    /* A key readable by others is refused too. */
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(wasp__diskcache_open(dir, 0, &c, why, sizeof(why)), WASP_OK);
    wasp__diskcache_close(c);
    char key[4200];
    snprintf(key, sizeof(key), "%s/cache.key", dir);
    assert_int_equal(chmod(key, 0644), 0);
    assert_int_equal(wasp__diskcache_open(dir, 0, &c, why, sizeof(why)), WASP_EPERM);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    wt_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_compile_once),
        cmocka_unit_test(test_disk_round_trip),
        cmocka_unit_test(test_corrupt_payload_is_rejected),
        cmocka_unit_test(test_truncated_entry_is_rejected),
        cmocka_unit_test(test_foreign_header_is_rejected),
        cmocka_unit_test(test_empty_entry_is_rejected),
        cmocka_unit_test(test_entry_keyed_by_content),
        cmocka_unit_test(test_budget_evicts_least_recently_used),
        cmocka_unit_test(test_forged_entries_are_refused),
        cmocka_unit_test(test_shared_directory_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
