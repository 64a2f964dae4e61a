/* stress_env_pool.c - producers make envelopes, consumers on other threads
 * free them, the blocks cycle back through the producers' pools: every
 * payload arrives intact and every envelope is freed exactly once (ASan and
 * TSan check the rest). Producer threads come and go, so homes are parked
 * and adopted while blocks of theirs are in flight. */
#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"
#include "runtime/env_pool.h"
#include "runtime/envelope.h"

enum { PRODUCERS = 4, CONSUMERS = 2, GENERATIONS = 3, PER_PRODUCER = 30000, QCAP = 1024 };

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wasp_env *slot[QCAP];
    unsigned head, len;
    int producers_left;
};

static struct queue q = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
static atomic_long consumed, corrupt;

struct payload {
    uint32_t producer, seq;
    uint64_t check;
    uint8_t pad[WASP_ENV_POOL_INLINE]; /* sent only for every 7th message: a plain malloc block */
};

static uint64_t check_of(uint32_t producer, uint32_t seq) { return ((uint64_t)producer << 32 | seq) ^ 0x9e3779b97f4a7c15ull; }

static void put(struct wasp_env *e) {
    pthread_mutex_lock(&q.mu);
    while (q.len == QCAP) pthread_cond_wait(&q.cv, &q.mu);
    q.slot[(q.head + q.len++) % QCAP] = e;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.mu);
}

/* NULL once every producer is done and the queue is empty. */
static struct wasp_env *get(void) {
    pthread_mutex_lock(&q.mu);
    while (!q.len && q.producers_left) pthread_cond_wait(&q.cv, &q.mu);
    struct wasp_env *e = NULL;
    if (q.len) {
        e = q.slot[q.head];
        q.head = (q.head + 1) % QCAP;
        q.len--;
        pthread_cond_broadcast(&q.cv);
    }
    pthread_mutex_unlock(&q.mu);
    return e;
}

static void *produce(void *arg) {
    uint32_t id = (uint32_t)(uintptr_t)arg;
    for (uint32_t i = 0; i < PER_PRODUCER; i++) {
        struct payload p = {.producer = id, .seq = i, .check = check_of(id, i)};
        size_t len = i % 7 ? offsetof(struct payload, pad) : sizeof(p);
        struct wasp_env *e = wasp__env_new_copy(&p, len);
        assert_non_null(e);
        put(e);
    }
    return NULL;
}

static void *consume(void *arg) {
    (void)arg;
    struct wasp_env *e;
    while ((e = get())) {
        struct payload p;
        memcpy(&p, e->data, offsetof(struct payload, pad));
        if (p.producer >= PRODUCERS * GENERATIONS || p.check != check_of(p.producer, p.seq)) atomic_fetch_add(&corrupt, 1);
        wasp__env_free(e);
        atomic_fetch_add(&consumed, 1);
    }
    wasp__env_pool_flush();
    return NULL;
}

static void test_pool_under_load(void **state) {
    (void)state;
    q.producers_left = 1;
    pthread_t cons[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) assert_int_equal(pthread_create(&cons[i], NULL, consume, NULL), 0);
    for (int g = 0; g < GENERATIONS; g++) { /* each generation's threads adopt the last one's homes */
        pthread_t prod[PRODUCERS];
        for (int i = 0; i < PRODUCERS; i++)
            assert_int_equal(pthread_create(&prod[i], NULL, produce, (void *)(uintptr_t)(g * PRODUCERS + i)), 0);
        for (int i = 0; i < PRODUCERS; i++) assert_int_equal(pthread_join(prod[i], NULL), 0);
    }
    pthread_mutex_lock(&q.mu);
    q.producers_left = 0;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.mu);
    for (int i = 0; i < CONSUMERS; i++) assert_int_equal(pthread_join(cons[i], NULL), 0);
    assert_int_equal(atomic_load(&consumed), (long)PRODUCERS * GENERATIONS * PER_PRODUCER);
    assert_int_equal(atomic_load(&corrupt), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_pool_under_load)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
