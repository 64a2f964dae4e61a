/* test_timers.c - the timer service: order, punctuality, exactly-once
 * fire/drop under races, stop with many pending, re-entrant callbacks. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "runtime/timers.h"
#include "testutil.h"

#define MS 1000000ull

/* ---- Order and punctuality ----------------------------------------------- */

struct stamp {
    uint64_t lo, hi;   /* the deadline lies in [lo, hi]: clock before/after schedule + delay */
    uint64_t fired_at;
    int order;
};

struct log {
    pthread_mutex_t lock;
    int next;
    struct stamp **fired;
};

static struct log g_log = {PTHREAD_MUTEX_INITIALIZER, 0, NULL};

static void record(void *arg) {
    struct stamp *s = arg;
    s->fired_at = wasp_clock_ns();
    pthread_mutex_lock(&g_log.lock);
    s->order = g_log.next;
    g_log.fired[g_log.next++] = s;
    pthread_mutex_unlock(&g_log.lock);
}

static int fired_count(void) {
    pthread_mutex_lock(&g_log.lock);
    int n = g_log.next;
    pthread_mutex_unlock(&g_log.lock);
    return n;
}

static void check_order_and_punctuality(int n, uint64_t max_delay_ns) {
    assert_true(TU_WAIT_UNTIL(fired_count() == n, (unsigned)(max_delay_ns / MS) + 10000));
    for (int i = 0; i < n; i++) {
        struct stamp *s = g_log.fired[i];
        /* Never early. */
        if (s->fired_at < s->lo)
            fail_msg("timer fired %llu ns early", (unsigned long long)(s->lo - s->fired_at));
        /* By deadline: a later-firing timer's deadline cannot be known to
         * precede an earlier-firing one's. */
        if (i > 0 && s->hi < g_log.fired[i - 1]->lo)
            fail_msg("timer %d fired after one with a later deadline", i);
    }
}

static void drop_stamp(void *arg) { ((struct stamp *)arg)->order = -2; }

/* Schedules n timers with random delays, cancels every cancel_every-th
 * (0: none) so removal from the middle of the heap is exercised, and checks
 * the rest fire in deadline order and never early. */
static void run_order_test(int n, uint64_t max_delay_ns, int cancel_every) {
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    struct stamp *stamps = calloc((size_t)n, sizeof(*stamps));
    uint64_t *ids = calloc((size_t)n, sizeof(*ids));
    g_log.fired = calloc((size_t)n, sizeof(*g_log.fired));
    g_log.next = 0;
    srand(7);
    for (int i = 0; i < n; i++) {
        uint64_t delay = (uint64_t)rand() % max_delay_ns;
        stamps[i].order = -1;
        stamps[i].lo = wasp_clock_ns() + delay;
        ids[i] = wasp__timers_schedule(t, delay, record, drop_stamp, &stamps[i]);
        assert_true(ids[i] != 0);
        stamps[i].hi = wasp_clock_ns() + delay;
    }
    int cancelled = 0;
    for (int i = 0; cancel_every && i < n; i += cancel_every)
        if (wasp__timers_cancel(t, ids[i])) {
            assert_int_equal(stamps[i].order, -2);
            cancelled++;
        }
    check_order_and_punctuality(n - cancelled, max_delay_ns);
    assert_int_equal(wasp__timers_pending(t), 0);
    wasp__timers_stop(t);
    free(g_log.fired);
    free(ids);
    free(stamps);
}

static void test_order_and_never_early(void **state) {
    (void)state;
    run_order_test(200, 100 * MS, 0);
}

static void test_many_firing(void **state) {
    (void)state;
    run_order_test(20000, 300 * MS, 0);
}

static void test_order_after_cancels(void **state) {
    (void)state;
    run_order_test(20000, 1000 * MS, 3);
}

static void test_precision(void **state) {
    (void)state;
    /* A lone 20 ms timer fires at 20 ms: never before, and not absurdly
     * late (loose bound - CI machines are busy and sanitizers are slow). */
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    struct stamp s = {0};
    struct stamp *slot[1];
    g_log.fired = slot;
    g_log.next = 0;
    s.lo = wasp_clock_ns() + 20 * MS;
    assert_true(wasp__timers_schedule(t, 20 * MS, record, NULL, &s) != 0);
    assert_true(TU_WAIT_UNTIL(fired_count() == 1, 5000));
    assert_true(s.fired_at >= s.lo);
    assert_true(s.fired_at - s.lo < 200 * MS);
    wasp__timers_stop(t);
}

/* ---- Cancel ---------------------------------------------------------------- */

struct once {
    atomic_int fired, dropped;
};

static void once_fire(void *arg) { atomic_fetch_add(&((struct once *)arg)->fired, 1); }
static void once_drop(void *arg) { atomic_fetch_add(&((struct once *)arg)->dropped, 1); }

static void test_cancel_before_fire(void **state) {
    (void)state;
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    struct once a = {0}, b = {0};
    uint64_t ia = wasp__timers_schedule(t, 1000 * MS, once_fire, once_drop, &a);
    uint64_t ib = wasp__timers_schedule(t, 1000 * MS, once_fire, NULL, &b);
    assert_true(ia != 0 && ib != 0 && ia != ib);
    assert_int_equal(wasp__timers_pending(t), 2);

    assert_true(wasp__timers_cancel(t, ia));
    assert_int_equal(atomic_load(&a.dropped), 1); /* before cancel returned */
    assert_false(wasp__timers_cancel(t, ia));      /* once only */
    assert_true(wasp__timers_cancel(t, ib));       /* NULL drop is fine */
    assert_int_equal(wasp__timers_pending(t), 0);

    /* Unknown and stale ids. */
    assert_false(wasp__timers_cancel(t, 0));
    assert_false(wasp__timers_cancel(t, 12345));
    assert_false(wasp__timers_cancel(t, UINT64_MAX));
    /* A reused slot does not make the old id valid again. */
    struct once c = {0};
    uint64_t ic = wasp__timers_schedule(t, 1000 * MS, once_fire, once_drop, &c);
    assert_true(ic != 0 && ic != ia && ic != ib);
    assert_false(wasp__timers_cancel(t, ia));
    assert_false(wasp__timers_cancel(t, ib));
    assert_int_equal(wasp__timers_pending(t), 1);

    /* A fired timer cannot be cancelled. */
    struct once d = {0};
    uint64_t id = wasp__timers_schedule(t, 0, once_fire, once_drop, &d);
    assert_true(TU_WAIT_UNTIL(atomic_load(&d.fired) == 1, 5000));
    assert_false(wasp__timers_cancel(t, id));
    assert_int_equal(atomic_load(&d.dropped), 0);

    wasp__timers_stop(t);
    assert_int_equal(atomic_load(&c.dropped), 1); /* dropped at stop */
    assert_int_equal(atomic_load(&a.fired) + atomic_load(&b.fired) + atomic_load(&c.fired), 0);
}

static void test_cancel_races_fire(void **state) {
    (void)state;
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    enum { N = 3000 };
    struct once *o = calloc(N, sizeof(*o));
    bool *cancelled = calloc(N, sizeof(*cancelled));
    srand(99);
    for (int i = 0; i < N; i++) {
        /* Deadlines around "now" so cancel lands before, during and after firing. */
        uint64_t id = wasp__timers_schedule(t, (uint64_t)(rand() % 200) * 1000, once_fire, once_drop, &o[i]);
        assert_true(id != 0);
        uint64_t until = wasp_clock_ns() + (uint64_t)(rand() % 200) * 1000;
        while (wasp_clock_ns() < until) {}
        cancelled[i] = wasp__timers_cancel(t, id);
        if (cancelled[i]) assert_int_equal(atomic_load(&o[i].dropped), 1);
    }
    /* Everything not cancelled fires, exactly once. */
    int ncancel = 0;
    for (int i = 0; i < N; i++) {
        ncancel += cancelled[i];
        if (!cancelled[i]) assert_true(TU_WAIT_UNTIL(atomic_load(&o[i].fired) == 1, 10000));
    }
    wasp__timers_stop(t);
    for (int i = 0; i < N; i++) {
        assert_int_equal(atomic_load(&o[i].fired) + atomic_load(&o[i].dropped), 1);
        assert_int_equal(atomic_load(&o[i].dropped), cancelled[i] ? 1 : 0);
    }
    print_message("cancel race: %d of %d cancelled before firing\n", ncancel, N);
    free(cancelled);
    free(o);
}

/* Several threads cancelling the same timers: exactly one cancel wins. */
struct canceller {
    struct wasp_timers *t;
    uint64_t *ids;
    int n;
    atomic_int *wins;
};

static void *cancel_all(void *arg) {
    struct canceller *c = arg;
    for (int i = 0; i < c->n; i++)
        if (wasp__timers_cancel(c->t, c->ids[i])) atomic_fetch_add(&c->wins[i], 1);
    return NULL;
}

static void test_concurrent_cancel(void **state) {
    (void)state;
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    enum { N = 5000, THREADS = 4 };
    struct once *o = calloc(N, sizeof(*o));
    uint64_t *ids = calloc(N, sizeof(*ids));
    atomic_int *wins = calloc(N, sizeof(*wins));
    for (int i = 0; i < N; i++) {
        ids[i] = wasp__timers_schedule(t, (uint64_t)(i % 50) * 100000, once_fire, once_drop, &o[i]);
        assert_true(ids[i] != 0);
    }
    pthread_t th[THREADS];
    struct canceller c = {t, ids, N, wins};
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&th[i], NULL, cancel_all, &c), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++) {
        assert_true(atomic_load(&wins[i]) <= 1);
        if (!atomic_load(&wins[i])) assert_true(TU_WAIT_UNTIL(atomic_load(&o[i].fired) == 1, 10000));
    }
    wasp__timers_stop(t);
    for (int i = 0; i < N; i++) {
        assert_int_equal(atomic_load(&o[i].fired) + atomic_load(&o[i].dropped), 1);
        assert_int_equal(atomic_load(&o[i].dropped), atomic_load(&wins[i]));
    }
    free(wins);
    free(ids);
    free(o);
}

/* ---- Stop ------------------------------------------------------------------ */

static atomic_int g_freed;
static void free_arg(void *arg) {
    free(arg);
    atomic_fetch_add(&g_freed, 1);
}
/* Callbacks run on the timer thread, where cmocka cannot fail a test:
 * they count problems for the test thread to assert on. */
static atomic_int g_unexpected;
static void never(void *arg) {
    (void)arg;
    atomic_fetch_add(&g_unexpected, 1);
}

static void test_stop_drops_pending(void **state) {
    (void)state;
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    atomic_store(&g_freed, 0);
    atomic_store(&g_unexpected, 0);
    enum { N = 20000 };
    static uint64_t ids[N];
    srand(3);
    for (int i = 0; i < N; i++) {
        int *arg = malloc(sizeof(int)); /* ASan reports it if drop is missed */
        assert_non_null(arg);
        *arg = i;
        uint64_t delay = 3600ull * 1000 * MS + (uint64_t)rand() % (1000 * MS);
        ids[i] = wasp__timers_schedule(t, delay, never, free_arg, arg);
        assert_true(ids[i] != 0);
    }
    assert_int_equal(wasp__timers_pending(t), N);
    /* Cancel some from all over the heap, exercising removal from the middle. */
    for (int i = 0; i < N; i += 7) assert_true(wasp__timers_cancel(t, ids[i]));
    int cancelled = (N + 6) / 7;
    assert_int_equal(atomic_load(&g_freed), cancelled);
    assert_int_equal(wasp__timers_pending(t), N - cancelled);
    wasp__timers_stop(t);
    assert_int_equal(atomic_load(&g_freed), N);
    assert_int_equal(atomic_load(&g_unexpected), 0);
    wasp__timers_stop(NULL);
}

static void test_idle_uses_no_cpu(void **state) {
    (void)state;
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    struct once far = {0};
    assert_true(wasp__timers_schedule(t, 3600ull * 1000 * MS, once_fire, once_drop, &far) != 0);
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    tu_sleep_ms(300);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    double cpu_ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    assert_true(cpu_ms < 30.0); /* a spinning thread would burn ~300 ms */
    wasp__timers_stop(t);
    assert_int_equal(atomic_load(&far.dropped), 1);
}

/* ---- Re-entrancy ----------------------------------------------------------- */

struct chain {
    struct wasp_timers *t;
    atomic_int hops;
    uint64_t victim;
    struct once victim_state;
    bool cancel_ok;
};

static void hop(void *arg) {
    struct chain *c = arg;
    int n = atomic_fetch_add(&c->hops, 1) + 1;
    if (n == 1) {
        /* Cancelling from inside a callback works and drops synchronously. */
        c->cancel_ok = wasp__timers_cancel(c->t, c->victim) && atomic_load(&c->victim_state.dropped) == 1;
    }
    if (n < 10 && wasp__timers_schedule(c->t, MS, hop, NULL, c) == 0) atomic_fetch_add(&g_unexpected, 1);
}

static void test_schedule_from_fire(void **state) {
    (void)state;
    struct chain c = {0};
    atomic_store(&g_unexpected, 0);
    assert_int_equal(wasp__timers_start(&c.t), WASP_OK);
    c.victim = wasp__timers_schedule(c.t, 1000 * MS, once_fire, once_drop, &c.victim_state);
    assert_true(wasp__timers_schedule(c.t, 0, hop, NULL, &c) != 0);
    assert_true(TU_WAIT_UNTIL(atomic_load(&c.hops) == 10, 5000));
    assert_true(c.cancel_ok);
    assert_true(TU_WAIT_UNTIL(wasp__timers_pending(c.t) == 0, 1000));
    wasp__timers_stop(c.t);
    assert_int_equal(atomic_load(&c.victim_state.fired), 0);
    assert_int_equal(atomic_load(&c.hops), 10);
    assert_int_equal(atomic_load(&g_unexpected), 0);
}

/* A drop callback run by stop may call back into the service. */
static struct wasp_timers *g_stopping;
static atomic_int g_reschedules;
static void drop_reschedules(void *arg) {
    (void)arg;
    if (wasp__timers_schedule(g_stopping, 0, once_fire, NULL, NULL) == 0) atomic_fetch_add(&g_reschedules, 1);
    (void)wasp__timers_cancel(g_stopping, 1);
}

static void test_drop_during_stop_reenters(void **state) {
    (void)state;
    atomic_store(&g_unexpected, 0);
    assert_int_equal(wasp__timers_start(&g_stopping), WASP_OK);
    for (int i = 0; i < 10; i++)
        assert_true(wasp__timers_schedule(g_stopping, 1000 * MS, never, drop_reschedules, NULL) != 0);
    wasp__timers_stop(g_stopping);
    assert_int_equal(atomic_load(&g_reschedules), 10); /* schedule refuses while stopping */
    assert_int_equal(atomic_load(&g_unexpected), 0);
}

static void test_bad_arguments(void **state) {
    (void)state;
    assert_int_equal(wasp__timers_start(NULL), WASP_EINVAL);
    struct wasp_timers *t;
    assert_int_equal(wasp__timers_start(&t), WASP_OK);
    assert_int_equal(wasp__timers_schedule(t, 0, NULL, NULL, NULL), 0);
    assert_int_equal(wasp__timers_schedule(NULL, 0, once_fire, NULL, NULL), 0);
    assert_false(wasp__timers_cancel(NULL, 1));
    assert_int_equal(wasp__timers_pending(NULL), 0);
    /* A huge delay saturates rather than wrapping into the past. */
    struct once o = {0};
    assert_true(wasp__timers_schedule(t, UINT64_MAX, once_fire, once_drop, &o) != 0);
    tu_sleep_ms(20);
    assert_int_equal(atomic_load(&o.fired), 0);
    wasp__timers_stop(t);
    assert_int_equal(atomic_load(&o.dropped), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_never_early),
        cmocka_unit_test(test_many_firing),
        cmocka_unit_test(test_order_after_cancels),
        cmocka_unit_test(test_precision),
        cmocka_unit_test(test_cancel_before_fire),
        cmocka_unit_test(test_cancel_races_fire),
        cmocka_unit_test(test_concurrent_cancel),
        cmocka_unit_test(test_stop_drops_pending),
        cmocka_unit_test(test_idle_uses_no_cpu),
        cmocka_unit_test(test_schedule_from_fire),
        cmocka_unit_test(test_drop_during_stop_reenters),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
