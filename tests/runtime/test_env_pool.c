/* test_env_pool.c - the envelope pool: a block comes back to the thread that
 * made it, freed there or on another thread; big payloads and injected
 * allocation failures bypass it; a home outlives its thread. */
#include <pthread.h>

#include "testutil.h"
#include "core/alloc.h"
#include "runtime/env_pool.h"
#include "runtime/envelope.h"

enum { N = 2 * WASP_ENV_POOL_BATCH };

static bool among(struct wasp_env *e, struct wasp_env *const *set, int n) {
    for (int i = 0; i < n; i++)
        if (set[i] == e) return true;
    return false;
}

/* Takes this thread's free list out of the way (so the next take looks at
 * what came back from other threads); returns how many blocks it held. */
enum { HOLD_MAX = 4 * N };
static int hold_cached(struct wasp_env **hold) {
    int n = 0;
    while (wasp__env_pool_cached()) {
        assert_true(n < HOLD_MAX);
        assert_non_null(hold[n++] = wasp__env_new_copy("h", 1));
    }
    return n;
}

static void free_held(struct wasp_env **hold, int n) {
    for (int i = 0; i < n; i++) wasp__env_free(hold[i]);
}

static void test_same_thread_reuse(void **state) {
    (void)state;
    struct wasp_env *e = wasp__env_new_copy("hello", 5);
    assert_non_null(e);
    assert_non_null(e->pool.home);
    uint32_t before = wasp__env_pool_cached();
    wasp__env_free(e);
    assert_int_equal(wasp__env_pool_cached(), before + 1);
    struct wasp_env *again = wasp__env_new_copy("x", 1);
    assert_ptr_equal(again, e);
    assert_int_equal(again->len, 1);
    assert_memory_equal(again->data, "x", 1);
    assert_null(again->completion);
    assert_int_equal(again->flags, 0);
    wasp__env_free(again);
}

static void test_big_payload_bypasses(void **state) {
    (void)state;
    char big[WASP_ENV_POOL_INLINE + 1];
    memset(big, 'b', sizeof(big));
    struct wasp_env *e = wasp__env_new_copy(big, sizeof(big));
    assert_non_null(e);
    assert_null(e->pool.home);
    assert_memory_equal(e->data, big, sizeof(big));
    uint32_t before = wasp__env_pool_cached();
    wasp__env_free(e);
    assert_int_equal(wasp__env_pool_cached(), before);
}

/* An armed failure reaches the caller even though the pool has blocks. */
static void test_injected_failure(void **state) {
    (void)state;
    wasp__env_free(wasp__env_new_copy("warm", 4));
    assert_true(wasp__env_pool_cached() > 0);
    wasp__alloc_fail_after(1, 0);
    assert_null(wasp__env_new_copy("y", 1));
    assert_int_equal(wasp__alloc_failures(), 1);
    wasp__alloc_fail_after(0, 0);
    struct wasp_env *e = wasp__env_new_copy("y", 1);
    assert_non_null(e);
    wasp__env_free(e);
}

struct handover {
    struct wasp_env **envs;
    int n;
    bool flush;
};

static void *free_all(void *arg) {
    struct handover *h = arg;
    for (int i = 0; i < h->n; i++) wasp__env_free(h->envs[i]);
    if (h->flush) wasp__env_pool_flush();
    return NULL;
}

static void free_on_other_thread(struct wasp_env **envs, int n, bool flush) {
    pthread_t t;
    struct handover h = {envs, n, flush};
    assert_int_equal(pthread_create(&t, NULL, free_all, &h), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* Blocks freed on another thread come back in whole batches. */
static void test_cross_thread_return(void **state) {
    (void)state;
    struct wasp_env *sent[N], *hold[HOLD_MAX];
    for (int i = 0; i < N; i++) assert_non_null(sent[i] = wasp__env_new_copy("m", 1));
    free_on_other_thread(sent, N, false); /* N is two whole batches: no flush needed */
    int held = hold_cached(hold);
    struct wasp_env *got[N];
    for (int i = 0; i < N; i++) {
        got[i] = wasp__env_new_copy("n", 1);
        assert_true(among(got[i], sent, N));
    }
    for (int i = 0; i < N; i++) wasp__env_free(got[i]);
    free_held(hold, held);
}

/* A part batch waits for a flush (a worker's before it sleeps, or the
 * thread's exit) and is then back home too. */
static void test_part_batch_after_flush(void **state) {
    (void)state;
    enum { PART = WASP_ENV_POOL_BATCH / 2 };
    struct wasp_env *sent[PART], *hold[HOLD_MAX];
    for (int i = 0; i < PART; i++) assert_non_null(sent[i] = wasp__env_new_copy("m", 1));
    free_on_other_thread(sent, PART, true);
    int held = hold_cached(hold);
    for (int i = 0; i < PART; i++) {
        struct wasp_env *e = wasp__env_new_copy("n", 1);
        assert_true(among(e, sent, PART));
        sent[i] = e; /* keep them distinct from the next round's */
    }
    for (int i = 0; i < PART; i++) wasp__env_free(sent[i]);
    free_held(hold, held);
}

static void *make_and_exit(void *arg) {
    struct wasp_env **out = arg;
    for (int i = 0; i < N; i++) out[i] = wasp__env_new_copy("z", 1);
    /* Half of them freed at home before the thread exits. */
    for (int i = 0; i < N / 2; i++) wasp__env_free(out[i]);
    return NULL;
}

/* Blocks still in flight when their thread exits can be freed later, and
 * a later thread reuses the parked home. */
static void test_home_outlives_thread(void **state) {
    (void)state;
    struct wasp_env *out[N];
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, make_and_exit, out), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    for (int i = N / 2; i < N; i++) {
        assert_non_null(out[i]);
        assert_memory_equal(out[i]->data, "z", 1);
        wasp__env_free(out[i]);
    }
    wasp__env_pool_flush();
    assert_int_equal(pthread_create(&t, NULL, make_and_exit, out), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    for (int i = N / 2; i < N; i++) wasp__env_free(out[i]);
    wasp__env_pool_flush();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_thread_reuse),
        cmocka_unit_test(test_big_payload_bypasses),
        cmocka_unit_test(test_injected_failure),
        cmocka_unit_test(test_cross_thread_return),
        cmocka_unit_test(test_part_batch_after_flush),
        cmocka_unit_test(test_home_outlives_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
