/* test_hashmap.c - the open-addressing map against a naive reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hashmap.h"
#include "testutil.h"

static int v1 = 1, v2 = 2, v3 = 3;

static void test_bytes_put_get_del(void **state) {
    (void)state;
    struct wasp_hashmap m;
    wasp__hashmap_init(&m);
    assert_null(wasp__hashmap_get(&m, "a", 1));
    assert_null(wasp__hashmap_del(&m, "a", 1));

    assert_int_equal(wasp__hashmap_put(&m, "alpha", 5, &v1, NULL), WASP_OK);
    assert_int_equal(wasp__hashmap_put(&m, "beta", 4, &v2, NULL), WASP_OK);
    assert_int_equal(wasp_hashmap_len(&m), 2);
    assert_ptr_equal(wasp__hashmap_get(&m, "alpha", 5), &v1);
    assert_ptr_equal(wasp__hashmap_get(&m, "beta", 4), &v2);
    assert_null(wasp__hashmap_get(&m, "alph", 4));  /* prefix is a different key */
    assert_null(wasp__hashmap_get(&m, "alphab", 6));

    /* Lookups compare bytes, not pointers. */
    char buf[] = "alpha";
    assert_ptr_equal(wasp__hashmap_get(&m, buf, 5), &v1);
    assert_ptr_equal(wasp__hashmap_get_hashed(&m, wasp__hashmap_hash(buf, 5), buf, 5), &v1);

    assert_ptr_equal(wasp__hashmap_del(&m, "alpha", 5), &v1);
    assert_null(wasp__hashmap_get(&m, "alpha", 5));
    assert_int_equal(wasp_hashmap_len(&m), 1);
    assert_ptr_equal(wasp__hashmap_del(&m, "beta", 4), &v2);
    assert_int_equal(wasp_hashmap_len(&m), 0);
    assert_null(m.slots); /* an emptied map holds no memory */
    wasp__hashmap_free(&m);
}

static void test_replace_returns_old_and_rebinds_key(void **state) {
    (void)state;
    struct wasp_hashmap m = {0};
    char k1[] = "key", k2[] = "key";
    void *old = &v3;
    assert_int_equal(wasp__hashmap_put(&m, k1, 3, &v1, &old), WASP_OK);
    assert_null(old);
    assert_int_equal(wasp__hashmap_put(&m, k2, 3, &v2, &old), WASP_OK);
    assert_ptr_equal(old, &v1);
    assert_int_equal(wasp_hashmap_len(&m), 1);
    /* The entry now borrows k2, so k1 may go away. */
    size_t it = 0;
    const struct wasp_hashmap_entry *e = wasp__hashmap_next(&m, &it);
    assert_non_null(e);
    assert_ptr_equal(e->key.bytes, k2);
    assert_ptr_equal(e->value, &v2);
    assert_null(wasp__hashmap_next(&m, &it));
    wasp__hashmap_free(&m);
}

static void test_invalid_arguments(void **state) {
    (void)state;
    struct wasp_hashmap m = {0};
    void *old = &v1;
    assert_int_equal(wasp__hashmap_put(&m, "a", 1, NULL, &old), WASP_EINVAL);
    assert_null(old);
    assert_int_equal(wasp__hashmap_put_u64(&m, 1, NULL, NULL), WASP_EINVAL);
    assert_int_equal(wasp__hashmap_put(&m, NULL, 3, &v1, NULL), WASP_EINVAL);
    assert_int_equal(wasp_hashmap_len(&m), 0);
    /* The empty key is a key like any other. */
    assert_int_equal(wasp__hashmap_put(&m, "", 0, &v1, NULL), WASP_OK);
    assert_ptr_equal(wasp__hashmap_get(&m, "", 0), &v1);
    assert_ptr_equal(wasp__hashmap_del(&m, "", 0), &v1);
    wasp__hashmap_free(&m);
}

static void test_u64_keys(void **state) {
    (void)state;
    struct wasp_hashmap m = {0};
    assert_int_equal(wasp__hashmap_put_u64(&m, 0, &v1, NULL), WASP_OK);
    assert_int_equal(wasp__hashmap_put_u64(&m, UINT64_MAX, &v2, NULL), WASP_OK);
    assert_ptr_equal(wasp__hashmap_get_u64(&m, 0), &v1);
    assert_ptr_equal(wasp__hashmap_get_u64(&m, UINT64_MAX), &v2);
    assert_null(wasp__hashmap_get_u64(&m, 1));

    /* A byte key with the same bytes as a u64 key is a different key. */
    uint64_t k = 0;
    assert_null(wasp__hashmap_get(&m, &k, sizeof(k)));
    assert_int_equal(wasp__hashmap_put(&m, &k, sizeof(k), &v3, NULL), WASP_OK);
    assert_ptr_equal(wasp__hashmap_get_u64(&m, 0), &v1);
    assert_ptr_equal(wasp__hashmap_get(&m, &k, sizeof(k)), &v3);
    assert_int_equal(wasp_hashmap_len(&m), 3);

    assert_ptr_equal(wasp__hashmap_del_u64(&m, 0), &v1);
    assert_null(wasp__hashmap_del_u64(&m, 0));
    assert_ptr_equal(wasp__hashmap_get(&m, &k, sizeof(k)), &v3);
    wasp__hashmap_free(&m);
}

/* Random inserts, replaces and deletes checked against a flat array; keys
 * from a small space so collisions, probe runs and wrap-around all happen. */
#define KEYS 3000
static void test_random_against_reference(void **state) {
    (void)state;
    static char names[KEYS][16];
    static size_t lens[KEYS];
    static void *ref_bytes[KEYS], *ref_u64[KEYS];
    static int tokens[KEYS];
    memset(ref_bytes, 0, sizeof(ref_bytes));
    memset(ref_u64, 0, sizeof(ref_u64));
    for (int i = 0; i < KEYS; i++) lens[i] = (size_t)snprintf(names[i], sizeof(names[i]), "k%d", i);

    struct wasp_hashmap m = {0};
    size_t live = 0, peak_cap = 0;
    srand(1234);
    for (int step = 0; step < 200000; step++) {
        int k = rand() % KEYS;
        bool u64 = rand() & 1;
        void **ref = u64 ? &ref_u64[k] : &ref_bytes[k];
        int op = rand() % 10;
        /* Bias toward growth in the first half and shrink in the second. */
        bool insert = step < 100000 ? op < 6 : op < 3;
        if (insert) {
            void *val = &tokens[rand() % KEYS], *old = NULL;
            int rc = u64 ? wasp__hashmap_put_u64(&m, (uint64_t)k * 0x10000000001ull, val, &old)
                         : wasp__hashmap_put(&m, names[k], lens[k], val, &old);
            assert_int_equal(rc, WASP_OK);
            assert_ptr_equal(old, *ref);
            if (!*ref) live++;
            *ref = val;
        } else {
            void *got = u64 ? wasp__hashmap_del_u64(&m, (uint64_t)k * 0x10000000001ull)
                            : wasp__hashmap_del(&m, names[k], lens[k]);
            assert_ptr_equal(got, *ref);
            if (*ref) live--;
            *ref = NULL;
        }
        assert_int_equal(wasp_hashmap_len(&m), live);
        if (m.cap > peak_cap) peak_cap = m.cap;
        if (step % 5000 == 0) {
            for (int i = 0; i < KEYS; i++) {
                assert_ptr_equal(wasp__hashmap_get(&m, names[i], lens[i]), ref_bytes[i]);
                assert_ptr_equal(wasp__hashmap_get_u64(&m, (uint64_t)i * 0x10000000001ull), ref_u64[i]);
            }
            /* Iteration sees each live entry exactly once. */
            size_t it = 0, seen = 0;
            const struct wasp_hashmap_entry *e;
            while ((e = wasp__hashmap_next(&m, &it))) seen++;
            assert_int_equal(seen, live);
        }
    }
    assert_true(m.cap <= peak_cap);
    wasp__hashmap_free(&m);
}

static void test_table_shrinks_with_contents(void **state) {
    (void)state;
    struct wasp_hashmap m = {0};
    for (uint64_t i = 0; i < 1000; i++) assert_int_equal(wasp__hashmap_put_u64(&m, i, &v1, NULL), WASP_OK);
    assert_true(m.cap >= 1024);
    for (uint64_t i = 0; i < 990; i++) assert_ptr_equal(wasp__hashmap_del_u64(&m, i), &v1);
    assert_true(m.cap <= 64);
    for (uint64_t i = 990; i < 1000; i++) assert_ptr_equal(wasp__hashmap_get_u64(&m, i), &v1);
    wasp__hashmap_free(&m);
}

static void test_hash_is_deterministic_within_process(void **state) {
    (void)state;
    assert_true(wasp__hashmap_hash("topic", 5) == wasp__hashmap_hash("topic", 5));
    assert_true(wasp__hashmap_hash("topic", 5) != wasp__hashmap_hash("topid", 5));
    assert_true(wasp__hashmap_hash_u64(7) == wasp__hashmap_hash_u64(7));
    assert_true(wasp__hashmap_hash_u64(7) != wasp__hashmap_hash_u64(8));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes_put_get_del),
        cmocka_unit_test(test_replace_returns_old_and_rebinds_key),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_u64_keys),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_table_shrinks_with_contents),
        cmocka_unit_test(test_hash_is_deterministic_within_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
