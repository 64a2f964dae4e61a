/* stress_pubsub.c - publish storms from several threads while other
 * subscribers come and go; stable subscribers get exactly one copy of
 * every publish that matches them. */
#include "rt_helpers.h"

enum { SUBS = 200, PUBLISHERS = 3, PUBLISHES = 1500 };

static int count_handle(wasp_ctx *ctx, const wasp_msg *m) {
    assert_non_null(m->topic);
    atomic_fetch_add((atomic_long *)wasp_ctx_state(ctx), 1);
    return 0;
}

struct pub {
    wasp_system *sys;
    int idx;
};

static void *publish_storm(void *arg) {
    struct pub *p = arg;
    char topic[64];
    for (int i = 0; i < PUBLISHES; i++) {
        snprintf(topic, sizeof(topic), "storm.p%d.m%d", p->idx, i % 10);
        int rc = wasp_publish(p->sys, topic, "x", 1);
        assert_true(rc >= SUBS); /* at least the stable subscribers */
    }
    return NULL;
}

struct flapper {
    wasp_system *sys;
    wasp_aid id;
    atomic_int stop;
};

static void *flap(void *arg) {
    struct flapper *f = arg;
    while (!atomic_load(&f->stop)) {
        assert_int_equal(wasp_subscribe(f->sys, f->id, "storm.>"), WASP_OK);
        assert_int_equal(wasp_unsubscribe(f->sys, f->id, "storm.>"), WASP_OK);
    }
    return NULL;
}

static void test_publish_storm(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    atomic_long *counts = calloc(SUBS + 1, sizeof(*counts));
    wasp_aid ids[SUBS + 1];
    for (int i = 0; i <= SUBS; i++) {
        wasp_actor_spec s = {.handle = count_handle, .state = &counts[i], .mailbox_capacity = 1 << 16};
        assert_int_equal(wasp_spawn(sys, &s, &ids[i]), WASP_OK);
    }
    /* overlapping patterns: each stable subscriber still gets one copy */
    for (int i = 0; i < SUBS; i++) {
        assert_int_equal(wasp_subscribe(sys, ids[i], "storm.>"), WASP_OK);
        assert_int_equal(wasp_subscribe(sys, ids[i], "storm.*.*"), WASP_OK);
        if (i % 2) assert_int_equal(wasp_subscribe(sys, ids[i], "storm.p0.*"), WASP_OK);
    }
    struct flapper f = {sys, ids[SUBS], 0};
    pthread_t ft, th[PUBLISHERS];
    pthread_create(&ft, NULL, flap, &f);
    struct pub p[PUBLISHERS];
    for (int i = 0; i < PUBLISHERS; i++) {
        p[i] = (struct pub){sys, i};
        pthread_create(&th[i], NULL, publish_storm, &p[i]);
    }
    for (int i = 0; i < PUBLISHERS; i++) pthread_join(th[i], NULL);
    atomic_store(&f.stop, 1);
    pthread_join(ft, NULL);
    const long want = (long)PUBLISHERS * PUBLISHES;
    for (int i = 0; i < SUBS; i++) assert_true(TU_WAIT_UNTIL(atomic_load(&counts[i]) == want, 30000));
    tu_sleep_ms(10);
    for (int i = 0; i < SUBS; i++) assert_int_equal(atomic_load(&counts[i]), want);
    assert_true(atomic_load(&counts[SUBS]) <= want);
    wasp_system_destroy(sys);
    free(counts);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_publish_storm)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
