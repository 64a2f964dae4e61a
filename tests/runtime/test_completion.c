/* test_completion.c - one answer to one asynchronous operation: answered
 * once whoever races, never after being abandoned, its timeout on the
 * system's (virtual) clock, cancelled by an earlier answer; the blocking
 * wait and the last reference freeing what embeds it. */
#include <pthread.h>

#include "rt_helpers.h"
#include "runtime/completion.h"
#include "core/alloc.h"

struct taker {
    atomic_int calls;
    int status;
    char data[16];
    size_t len;
};

static void take(void *arg, int status, const void *data, size_t len) {
    struct taker *t = arg;
    atomic_fetch_add(&t->calls, 1);
    t->status = status;
    t->len = len < sizeof(t->data) ? len : sizeof(t->data);
    if (t->len) memcpy(t->data, data, t->len);
}

static void test_answered_once(void **state) {
    (void)state;
    struct taker t = {0};
    uint64_t codec = 99;
    struct wasp_completion *c = wasp__completion_new(NULL, take, &t);
    assert_non_null(c);
    c->reply_codec = &codec;
    assert_true(wasp__completion_finish(c, WASP_OK, "yes", 3, 7));
    assert_false(wasp__completion_finish(c, WASP_ETIMEDOUT, NULL, 0, 0));
    assert_int_equal(atomic_load(&t.calls), 1);
    assert_int_equal(t.status, WASP_OK);
    assert_memory_equal(t.data, "yes", 3);
    assert_int_equal(codec, 7);
    wasp__completion_unref(c);

    struct wasp_completion *a = wasp__completion_new(NULL, take, &t);
    wasp__completion_abandon(a); /* the operation never started */
    assert_false(wasp__completion_finish(a, WASP_OK, NULL, 0, 0));
    assert_int_equal(atomic_load(&t.calls), 1);
    wasp__completion_unref(a);
}

struct racer {
    struct wasp_completion *c;
    atomic_int *won;
    int status;
};

static void *race(void *arg) {
    struct racer *r = arg;
    if (wasp__completion_finish(r->c, r->status, NULL, 0, 0)) atomic_fetch_add(r->won, 1);
    wasp__completion_unref(r->c);
    return NULL;
}

static void test_racers_answer_once(void **state) {
    (void)state;
    for (int round = 0; round < 200; round++) {
        struct taker t = {0};
        atomic_int won = 0;
        struct wasp_completion *c = wasp__completion_new(NULL, take, &t);
        struct racer r[4];
        pthread_t th[4];
        for (int i = 0; i < 4; i++) {
            wasp__completion_ref(c);
            r[i] = (struct racer){c, &won, -1 - i};
            assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
        }
        wasp__completion_unref(c); /* ours: the racers free it */
        for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
        assert_int_equal(atomic_load(&won), 1);
        assert_int_equal(atomic_load(&t.calls), 1);
    }
}


static void test_timeout_on_the_clock(void **state) {
    (void)state;
    wasp_system *sys = vsys_new(1);
    struct taker t = {0};
    struct wasp_completion *c = wasp__completion_new(sys, take, &t);
    assert_true(wasp__completion_timeout(c, 1000000000ull));
    assert_int_equal(wasp_system_advance_clock(sys, 999999999ull, IDLE_BOUND), WASP_OK);
    assert_int_equal(atomic_load(&t.calls), 0);
    assert_int_equal(wasp_system_advance_clock(sys, 1, IDLE_BOUND), WASP_OK);
    assert_int_equal(atomic_load(&t.calls), 1);
    assert_int_equal(t.status, WASP_ETIMEDOUT);
    wasp__completion_unref(c);

    /* an earlier answer cancels the timer */
    struct taker u = {0};
    c = wasp__completion_new(sys, take, &u);
    assert_true(wasp__completion_timeout(c, 1000000000ull));
    uint64_t due;
    assert_int_equal(wasp_system_next_timer(sys, &due), WASP_OK);
    assert_true(wasp__completion_finish(c, WASP_OK, "r", 1, 0));
    assert_int_equal(wasp_system_next_timer(sys, &due), WASP_ENOENT);
    wasp__completion_unref(c);
    assert_int_equal(u.status, WASP_OK);
    assert_int_equal(atomic_load(&u.calls), 1);

    /* still pending when the system stops: answered WASP_ESTOPPED */
    struct taker v = {0};
    c = wasp__completion_new(sys, take, &v);
    assert_true(wasp__completion_timeout(c, 1000000000ull));
    wasp__completion_unref(c); /* the timer keeps it */
    wasp_system_destroy(sys);
    assert_int_equal(atomic_load(&v.calls), 1);
    assert_int_equal(v.status, WASP_ESTOPPED);
}

/* A timeout that cannot be armed answers at once: no ask waits unbounded. */
static void test_timeout_not_armed(void **state) {
    (void)state;
    wasp_system *sys = vsys_new(1);
    struct taker t = {0};
    struct wasp_completion *c = wasp__completion_new(sys, take, &t);
    wasp__alloc_fail_after(1, true); /* the timer heap's first allocation */
    bool armed = wasp__completion_timeout(c, 1000000000ull);
    wasp__alloc_fail_after(0, false);
    assert_false(armed);
    assert_int_equal(atomic_load(&t.calls), 1);
    assert_int_equal(t.status, WASP_ENOMEM);
    assert_false(wasp__completion_finish(c, WASP_OK, "late", 4, 0)); /* a late reply is dropped */
    wasp__completion_unref(c);

    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    struct taker u = {0};
    c = wasp__completion_new(sys, take, &u);
    assert_false(wasp__completion_timeout(c, 1000000000ull));
    assert_int_equal(atomic_load(&u.calls), 1);
    assert_int_equal(u.status, WASP_ESTOPPED);
    wasp__completion_unref(c);
    wasp_system_destroy(sys);
}

static void *answer_later(void *arg) {
    struct wasp_wait *w = arg;
    tu_sleep_ms(5);
    wasp__completion_finish(&w->c, WASP_OK, "kept", 4, 0);
    wasp__completion_unref(&w->c);
    return NULL;
}

static void test_blocking_wait(void **state) {
    (void)state;
    struct wasp_wait *w = wasp__wait_new(NULL, true);
    assert_non_null(w);
    wasp__completion_ref(&w->c); /* the answerer's */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, answer_later, w), 0);
    assert_int_equal(wasp__wait_for(w), WASP_OK);
    assert_int_equal(w->len, 4);
    assert_memory_equal(w->data, "kept", 4); /* a copy: the answer's bytes were the answerer's */
    wasp__wait_free(w); /* the bytes go with the last reference */
    pthread_join(th, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answered_once),
        cmocka_unit_test(test_racers_answer_once),
        cmocka_unit_test(test_timeout_on_the_clock),
        cmocka_unit_test(test_timeout_not_armed),
        cmocka_unit_test(test_blocking_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
