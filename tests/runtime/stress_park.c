/* stress_park.c - park/wake races: handlers park on every message and are
 * woken by outside threads and by reply callbacks at arbitrary moments.
 * No wake-up may be lost (the test would hang), and no message may be
 * handled twice or skipped. */
#include "rt_helpers.h"

enum { ACTORS = 8, MSGS = 1500, WAKERS = 2 };

struct parker {
    wasp_system *sys;
    wasp_aid self;
    wasp_aid server;
    atomic_int ready;     /* set by whoever completes the wait */
    atomic_int waiting;
    atomic_long handled;
    uint32_t expect;
    atomic_int bad;
    int mode;             /* 0: woken by outside threads, 1: by ask callbacks */
};

static struct parker parkers[ACTORS];

static void reply_cb(void *arg, int status, const void *data, size_t len) {
    (void)data, (void)len;
    struct parker *p = arg;
    if (status != WASP_OK) atomic_store(&p->bad, 1);
    atomic_store(&p->ready, 1);
    wasp_actor_wake(p->sys, p->self);
}

static int parker_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct parker *p = wasp_ctx_state(ctx);
    uint32_t v;
    memcpy(&v, m->data, sizeof(v));
    if (!atomic_load(&p->waiting)) { /* first call for this message */
        if (v != p->expect) atomic_store(&p->bad, 1);
        atomic_store(&p->ready, 0);
        atomic_store(&p->waiting, 1);
        if (p->mode == 1) {
            wasp_send_opts o = {.to = p->server, .data = "q", .len = 1};
            if (wasp_ask_cb(p->sys, &o, 0, reply_cb, p) != WASP_OK) atomic_store(&p->bad, 1);
        }
    }
    if (!atomic_load(&p->ready)) return WASP_PARK; /* spurious wakes re-check */
    atomic_store(&p->waiting, 0);
    p->expect++;
    atomic_fetch_add(&p->handled, 1);
    return 0;
}

static int server_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    return wasp_reply(ctx, "a", 1);
}

static atomic_int stop_wakers;

static void *waker(void *arg) {
    wasp_system *sys = arg;
    unsigned seed = 17;
    while (!atomic_load(&stop_wakers)) {
        struct parker *p = &parkers[rand_r(&seed) % (ACTORS / 2)]; /* mode-0 actors */
        if (atomic_load(&p->waiting)) atomic_store(&p->ready, 1);
        wasp_actor_wake(sys, p->self);
    }
    return NULL;
}

static void test_park_wake_races(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec ss = {.handle = server_handle};
    wasp_aid server;
    assert_int_equal(wasp_spawn(sys, &ss, &server), WASP_OK);
    for (int i = 0; i < ACTORS; i++) {
        parkers[i] = (struct parker){.sys = sys, .server = server, .mode = i >= ACTORS / 2};
        wasp_actor_spec s = {.handle = parker_handle, .state = &parkers[i], .mailbox_capacity = MSGS};
        assert_int_equal(wasp_spawn(sys, &s, &parkers[i].self), WASP_OK);
    }
    pthread_t w[WAKERS];
    for (int i = 0; i < WAKERS; i++) pthread_create(&w[i], NULL, waker, sys);
    for (uint32_t k = 0; k < MSGS; k++)
        for (int i = 0; i < ACTORS; i++)
            assert_int_equal(wasp_send(sys, parkers[i].self, &k, sizeof(k)), WASP_OK);
    for (int i = 0; i < ACTORS; i++)
        assert_true(TU_WAIT_UNTIL(atomic_load(&parkers[i].handled) == MSGS, 60000));
    atomic_store(&stop_wakers, 1);
    for (int i = 0; i < WAKERS; i++) pthread_join(w[i], NULL);
    for (int i = 0; i < ACTORS; i++) {
        assert_int_equal(atomic_load(&parkers[i].bad), 0);
        wasp_actor_stats st;
        assert_int_equal(wasp_actor_stats_get(sys, parkers[i].self, &st), WASP_OK);
        assert_int_equal(st.handled, MSGS);
        assert_int_equal(st.dead_letters, 0);
    }
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_park_wake_races)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
