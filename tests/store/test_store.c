/* test_store.c - the storage API: reads, writes, versions, compare-and-swap,
 * ordered iteration, quotas, namespaces and persistence across reopening. */
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"

/* Every test runs against both backends. */
static const char *backend = "sqlite";

struct fx {
    char *dir;
    char path[512];
    wasp_store *st;
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = tu_tempdir();
    snprintf(f->path, sizeof(f->path), "%s/t.kv", f->dir);
    char err[256];
    wasp_store_config cfg = {.backend = backend};
    assert_int_equal(wasp_store_open(f->path, &cfg, &f->st, err, sizeof(err)), WASP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    wasp_store_close(f->st);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static wasp_kv *ns(struct fx *f, const char *name, uint64_t quota, int durability) {
    wasp_kv_options o = {.quota = quota, .durability = durability};
    wasp_kv *kv = NULL;
    assert_int_equal(wasp_kv_open(f->st, name, &o, &kv), WASP_OK);
    return kv;
}

static void test_put_get_delete(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "a", 0, WASP_DURABILITY_COMMIT);
    char buf[16];
    size_t len = 99;
    uint64_t v1 = 0, v2 = 0, got = 0;
    assert_int_equal(wasp_kv_get(kv, "k", 1, buf, sizeof(buf), &len, NULL), WASP_ENOENT);
    assert_int_equal(wasp_kv_put(kv, "k", 1, "hello", 5, &v1), WASP_OK);
    assert_true(v1 > 0);
    assert_int_equal(wasp_kv_get(kv, "k", 1, buf, sizeof(buf), &len, &got), WASP_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(got, v1);
    /* A short buffer gets a prefix and the full length. */
    assert_int_equal(wasp_kv_get(kv, "k", 1, buf, 2, &len, NULL), WASP_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(buf, "he", 2);
    assert_int_equal(wasp_kv_put(kv, "k", 1, "", 0, &v2), WASP_OK);
    assert_true(v2 > v1);
    assert_int_equal(wasp_kv_get(kv, "k", 1, NULL, 0, &len, NULL), WASP_OK);
    assert_int_equal(len, 0);
    assert_int_equal(wasp_kv_delete(kv, "k", 1), WASP_OK);
    assert_int_equal(wasp_kv_delete(kv, "k", 1), WASP_ENOENT);
    assert_int_equal(wasp_kv_get(kv, "k", 1, buf, sizeof(buf), &len, NULL), WASP_ENOENT);
    wasp_kv_close(kv);
}

static void test_key_limits(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "a", 0, WASP_DURABILITY_NONE);
    static char big[WASP_KV_KEY_MAX + 1];
    memset(big, 'x', sizeof(big));
    /* LMDB's 511-byte key limit is why it is not the default. */
    bool lmdb = !strcmp(backend, "lmdb");
    assert_int_equal(wasp_kv_put(kv, big, WASP_KV_KEY_MAX, "v", 1, NULL), lmdb ? WASP_EINVAL : WASP_OK);
    assert_int_equal(wasp_kv_put(kv, big, WASP_KV_KEY_MAX + 1, "v", 1, NULL), WASP_EINVAL);
    assert_int_equal(wasp_kv_put(kv, big, 0, "v", 1, NULL), WASP_EINVAL);
    assert_int_equal(wasp_kv_get(kv, big, 0, NULL, 0, NULL, NULL), WASP_EINVAL);
    assert_int_equal(wasp_kv_delete(kv, NULL, 1), WASP_EINVAL);
    /* Binary keys, including zero bytes. */
    assert_int_equal(wasp_kv_put(kv, "\0\1\0", 3, "z", 1, NULL), WASP_OK);
    assert_int_equal(wasp_kv_get(kv, "\0\1\0", 3, NULL, 0, NULL, NULL), WASP_OK);
    assert_int_equal(wasp_kv_get(kv, "\0\1", 2, NULL, 0, NULL, NULL), WASP_ENOENT);
    wasp_kv_options bad = {.durability = 7};
    wasp_kv *x;
    assert_int_equal(wasp_kv_open(f->st, "b", &bad, &x), WASP_EINVAL);
    assert_int_equal(wasp_kv_open(f->st, "", NULL, &x), WASP_EINVAL);
    wasp_kv_close(kv);
}

static void test_cas(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "a", 0, WASP_DURABILITY_COMMIT);
    uint64_t v1, v2, v3;
    assert_int_equal(wasp_kv_cas(kv, "c", 1, "1", 1, 0, &v1), WASP_OK);      /* absent: created */
    assert_int_equal(wasp_kv_cas(kv, "c", 1, "x", 1, 0, &v2), WASP_ESTATE);  /* exists now */
    assert_int_equal(wasp_kv_cas(kv, "c", 1, "2", 1, v1 + 1000, &v2), WASP_ESTATE);
    assert_int_equal(wasp_kv_cas(kv, "c", 1, "2", 1, v1, &v2), WASP_OK);
    assert_true(v2 > v1);
    assert_int_equal(wasp_kv_cas(kv, "c", 1, "3", 1, v1, &v3), WASP_ESTATE); /* stale */
    char b;
    assert_int_equal(wasp_kv_get(kv, "c", 1, &b, 1, NULL, NULL), WASP_OK);
    assert_int_equal(b, '2');
    /* Delete and re-create: the version never comes back (no ABA). */
    assert_int_equal(wasp_kv_delete(kv, "c", 1), WASP_OK);
    assert_int_equal(wasp_kv_cas(kv, "c", 1, "4", 1, v2, &v3), WASP_ESTATE);
    assert_int_equal(wasp_kv_cas(kv, "c", 1, "4", 1, 0, &v3), WASP_OK);
    assert_true(v3 > v2);
    wasp_kv_close(kv);
}

/* Threads racing compare-and-swap increments: none is lost. */
struct racer {
    wasp_kv *kv;
    int n;
};

static void *cas_racer(void *arg) {
    struct racer *r = arg;
    for (int i = 0; i < r->n;) {
        uint64_t ver = 0;
        char buf[32] = {0};
        size_t len = 0;
        long cur = 0;
        if (wasp_kv_get(r->kv, "ctr", 3, buf, sizeof(buf) - 1, &len, &ver) == WASP_OK) cur = strtol(buf, NULL, 10);
        int n = snprintf(buf, sizeof(buf), "%ld", cur + 1);
        if (wasp_kv_cas(r->kv, "ctr", 3, buf, (size_t)n, ver, NULL) == WASP_OK) i++;
    }
    return NULL;
}

static void test_cas_race(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "race", 0, WASP_DURABILITY_NONE);
    pthread_t t[4];
    struct racer r = {kv, 200};
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, cas_racer, &r);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    char buf[32] = {0};
    assert_int_equal(wasp_kv_get(kv, "ctr", 3, buf, sizeof(buf) - 1, NULL, NULL), WASP_OK);
    assert_string_equal(buf, "800");
    wasp_kv_close(kv);
}

static void test_next(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "a", 0, WASP_DURABILITY_NONE), *other = ns(f, "ab", 0, WASP_DURABILITY_NONE);
    const char *keys[] = {"user/3", "user/1", "order/9", "user/2", "users", "user"};
    for (size_t i = 0; i < 6; i++) assert_int_equal(wasp_kv_put(kv, keys[i], strlen(keys[i]), "v", 1, NULL), 0);
    assert_int_equal(wasp_kv_put(other, "user/0", 6, "v", 1, NULL), WASP_OK); /* another namespace */
    char k[64], after[64];
    size_t klen, alen = 0;
    const char *want[] = {"user/1", "user/2", "user/3"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(wasp_kv_next(kv, "user/", 5, after, alen, k, sizeof(k), &klen), WASP_OK);
        assert_int_equal(klen, strlen(want[i]));
        assert_memory_equal(k, want[i], klen);
        memcpy(after, k, klen);
        alen = klen;
    }
    assert_int_equal(wasp_kv_next(kv, "user/", 5, after, alen, k, sizeof(k), &klen), WASP_ENOENT);
    /* Resumes from a cursor key that was deleted meanwhile. */
    assert_int_equal(wasp_kv_delete(kv, "user/1", 6), WASP_OK);
    assert_int_equal(wasp_kv_next(kv, "user/", 5, "user/1", 6, k, sizeof(k), &klen), WASP_OK);
    assert_memory_equal(k, "user/2", 6);
    /* A cursor before the prefix starts at the prefix; no prefix = all keys in order. */
    assert_int_equal(wasp_kv_next(kv, "user/", 5, "a", 1, k, sizeof(k), &klen), WASP_OK);
    assert_memory_equal(k, "user/2", 6);
    assert_int_equal(wasp_kv_next(kv, NULL, 0, NULL, 0, k, sizeof(k), &klen), WASP_OK);
    assert_memory_equal(k, "order/9", 7);
    assert_int_equal(wasp_kv_next(kv, NULL, 0, "users", 5, k, sizeof(k), &klen), WASP_ENOENT);
    assert_int_equal(wasp_kv_next(kv, "user", 4, NULL, 0, k, sizeof(k), &klen), WASP_OK);
    assert_int_equal(klen, 4); /* "user" itself */
    wasp_kv_close(kv);
    wasp_kv_close(other);
}

static void test_quota(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "q", 100, WASP_DURABILITY_COMMIT);
    char val[64];
    memset(val, 'v', sizeof(val));
    assert_int_equal(wasp_kv_put(kv, "a", 1, val, 49, NULL), WASP_OK); /* 50 bytes */
    assert_int_equal(wasp_kv_usage(kv), 50);
    assert_int_equal(wasp_kv_put(kv, "b", 1, val, 49, NULL), WASP_OK); /* 100: full */
    assert_int_equal(wasp_kv_put(kv, "c", 1, val, 1, NULL), WASP_ELIMIT);
    assert_int_equal(wasp_kv_cas(kv, "c", 1, val, 1, 0, NULL), WASP_ELIMIT);
    assert_int_equal(wasp_kv_get(kv, "c", 1, NULL, 0, NULL, NULL), WASP_ENOENT);
    /* Shrinking or replacing with the same size is always allowed. */
    assert_int_equal(wasp_kv_put(kv, "a", 1, val, 10, NULL), WASP_OK);
    assert_int_equal(wasp_kv_usage(kv), 61);
    assert_int_equal(wasp_kv_put(kv, "c", 1, val, 38, NULL), WASP_OK);
    assert_int_equal(wasp_kv_usage(kv), 100);
    assert_int_equal(wasp_kv_delete(kv, "b", 1), WASP_OK);
    assert_int_equal(wasp_kv_usage(kv), 50);
    /* Another namespace has its own quota. */
    wasp_kv *other = ns(f, "q2", 10, WASP_DURABILITY_NONE);
    assert_int_equal(wasp_kv_put(other, "k", 1, val, 9, NULL), WASP_OK);
    assert_int_equal(wasp_kv_put(other, "l", 1, val, 1, NULL), WASP_ELIMIT);
    wasp_kv_close(other);
    wasp_kv_close(kv);
}

static void test_reopen_keeps_everything(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "p", 1000, WASP_DURABILITY_COMMIT);
    uint64_t v;
    assert_int_equal(wasp_kv_put(kv, "k1", 2, "one", 3, NULL), WASP_OK);
    assert_int_equal(wasp_kv_put(kv, "k2", 2, "two", 3, &v), WASP_OK);
    wasp_kv_close(kv);
    wasp_store_close(f->st);
    char err[256];
    wasp_store_config cfg = {.backend = backend};
    assert_int_equal(wasp_store_open(f->path, &cfg, &f->st, err, sizeof(err)), WASP_OK);
    kv = ns(f, "p", 1000, WASP_DURABILITY_COMMIT);
    char buf[8];
    size_t len;
    uint64_t got;
    assert_int_equal(wasp_kv_get(kv, "k2", 2, buf, sizeof(buf), &len, &got), WASP_OK);
    assert_memory_equal(buf, "two", 3);
    assert_int_equal(got, v);
    assert_int_equal(wasp_kv_usage(kv), 10); /* counted again at open */
    uint64_t v2;
    assert_int_equal(wasp_kv_put(kv, "k3", 2, "x", 1, &v2), WASP_OK);
    assert_true(v2 > v); /* versions keep growing across opens */
    wasp_kv_close(kv);
}

struct seen {
    int n;
    char keys[8][16];
};

static int visit(void *arg, const void *key, size_t klen, const void *val, size_t vlen, uint64_t version) {
    (void)val, (void)vlen;
    struct seen *s = arg;
    assert_true(version > 0);
    snprintf(s->keys[s->n++], 16, "%.*s", (int)klen, (const char *)key);
    return s->n == 8;
}

static void test_foreach(void **state) {
    struct fx *f = *state;
    wasp_kv *a = ns(f, "x", 0, WASP_DURABILITY_NONE), *b = ns(f, "xy", 0, WASP_DURABILITY_NONE);
    assert_int_equal(wasp_kv_put(a, "2", 1, "b", 1, NULL), WASP_OK);
    assert_int_equal(wasp_kv_put(a, "1", 1, "a", 1, NULL), WASP_OK);
    assert_int_equal(wasp_kv_put(b, "0", 1, "c", 1, NULL), WASP_OK);
    struct seen s = {0};
    assert_int_equal(wasp_store_foreach(f->st, "x", visit, &s), WASP_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.keys[0], "1");
    assert_string_equal(s.keys[1], "2");
    wasp_kv_close(a);
    wasp_kv_close(b);
}

struct async_res {
    atomic_int done;
    int rc;
    uint64_t version;
};

static void on_done(void *arg, int rc, uint64_t version) {
    struct async_res *r = arg;
    r->rc = rc;
    r->version = version;
    atomic_store(&r->done, 1);
}

static void test_async(void **state) {
    struct fx *f = *state;
    wasp_kv *kv = ns(f, "as", 0, WASP_DURABILITY_COMMIT);
    struct async_res r[3] = {0};
    wasp_kv_write w = {.op = WASP_KV_PUT, .key = "k", .klen = 1, .val = "v", .vlen = 1};
    assert_int_equal(wasp_kv_write_async(kv, &w, on_done, &r[0]), WASP_OK);
    w.op = WASP_KV_DELETE;
    assert_int_equal(wasp_kv_write_async(kv, &w, on_done, &r[1]), WASP_OK);
    assert_int_equal(wasp_kv_write_async(kv, &w, on_done, &r[2]), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r[2].done), 10000));
    assert_int_equal(r[0].rc, WASP_OK);
    assert_true(r[0].version > 0);
    assert_int_equal(r[1].rc, WASP_OK); /* applied in order */
    assert_int_equal(r[2].rc, WASP_ENOENT);
    w.op = 9;
    assert_int_equal(wasp_kv_write_async(kv, &w, on_done, &r[0]), WASP_EINVAL);
    wasp_kv_close(kv);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cas_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("sqlite", tests, NULL, NULL);
    backend = "lmdb";
    return failed + cmocka_run_group_tests_name("lmdb", tests, NULL, NULL);
}
