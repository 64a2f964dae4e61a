/* test_kill.c - wasp_actor_kill: crashing an actor from outside when it is
 * idle, parked, running a handler (also one that yields every call),
 * restarting it with its mailbox, error codes, and kills racing traffic. */
#include <pthread.h>

#include "rt_helpers.h"

#define W 5000 /* generous wait, ms */

static int state_of(wasp_system *sys, wasp_aid id) {
    wasp_actor_stats st;
    return wasp_actor_stats_get(sys, id, &st) == WASP_OK ? st.state : -1;
}

static wasp_actor_stats stats_of(wasp_system *sys, wasp_aid id) {
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    return st;
}

static void assert_accounting(wasp_system *sys, wasp_aid id) {
    wasp_actor_stats st = stats_of(sys, id);
    assert_int_equal(st.received, st.handled + st.dead_letters + st.mailbox_len);
}

struct mon {
    atomic_int crash, other;
};

static void mon_fn(wasp_system *sys, wasp_aid id, int reason, void *arg) {
    (void)sys, (void)id;
    struct mon *m = arg;
    if (reason == WASP_EXIT_CRASH) atomic_fetch_add(&m->crash, 1);
    else atomic_fetch_add(&m->other, 1);
}

/* Idle: crashed at once on this thread; then it keeps queueing, and a restart
 * handles the queue in order with the same id and name. */
static void test_kill_idle(void **st) {
    (void)st;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, "victim");
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    struct mon m = {0};
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &m, NULL), WASP_OK);
    assert_int_equal(sends(sys, id, "one"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 1, W));
    assert_true(TU_WAIT_UNTIL(stats_of(sys, id).handled == 1, W));

    assert_int_equal(wasp_actor_kill(sys, id), WASP_OK);
    assert_true(TU_WAIT_UNTIL(state_of(sys, id) == WASP_STATE_FAILED, W));
    assert_int_equal(atomic_load(&r->stopped), 1);
    assert_int_equal(atomic_load(&r->stop_reason), WASP_EXIT_CRASH);
    assert_true(TU_WAIT_UNTIL(atomic_load(&m.crash) == 1, W));
    assert_int_equal(atomic_load(&m.other), 0);
    assert_int_equal(wasp_actor_kill(sys, id), WASP_ESTATE); /* already failed */

    /* failed: messages keep queueing and wait for the new incarnation */
    assert_int_equal(sends(sys, id, "two"), WASP_OK);
    assert_int_equal(wasp_send_name(sys, "victim", "three", 5), WASP_OK);
    tu_sleep_ms(20);
    assert_int_equal(atomic_load(&r->n), 1);
    wasp_actor_stats s = stats_of(sys, id);
    assert_int_equal(s.crashes, 1);
    assert_int_equal(s.dead_letters, 0); /* idle: nothing was in hand */
    assert_int_equal(s.mailbox_len, 2);
    assert_accounting(sys, id);

    assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 3, W));
    assert_string_equal(r->log[1], "two");
    assert_string_equal(r->log[2], "three");
    wasp_aid again;
    assert_int_equal(wasp_lookup(sys, "victim", &again), WASP_OK);
    assert_int_equal(again, id);
    assert_int_equal(state_of(sys, id), WASP_STATE_READY);

    assert_int_equal(wasp_actor_kill(sys, 0), WASP_ENOENT);
    assert_int_equal(wasp_actor_kill(sys, id + (1ull << 32)), WASP_ENOENT);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(wasp_actor_kill(sys, id), WASP_ENOENT);
    wasp_system_destroy(sys);
    rec_free(r);
}

/* A handler we can hold inside a call: it marks itself inside, waits for
 * `release`, then returns `ret` (first call) or 0. */
struct hold {
    atomic_int calls, inside, release;
    int ret;
    wasp_aid self;
};

static int hold_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct hold *h = wasp_ctx_state(ctx);
    (void)m;
    int n = atomic_fetch_add(&h->calls, 1);
    if (h->ret == WASP_PARK) return n == 0 ? WASP_PARK : 0;
    atomic_store(&h->inside, 1);
    while (!atomic_load(&h->release)) tu_sleep_ms(1);
    atomic_store(&h->inside, 0);
    return h->ret;
}

/* Parked: crashed at once; the parked message is a dead letter, the queue stays. */
static void test_kill_parked(void **st) {
    (void)st;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct hold h = {.ret = WASP_PARK};
    wasp_actor_spec spec = {.name = "parker", .handle = hold_handle, .state = &h};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    assert_int_equal(sends(sys, id, "p"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&h.calls) == 1, W));
    assert_int_equal(sends(sys, id, "q1"), WASP_OK);
    assert_int_equal(sends(sys, id, "q2"), WASP_OK);
    tu_sleep_ms(10); /* it really parked: nothing else ran */
    assert_int_equal(atomic_load(&h.calls), 1);

    assert_int_equal(wasp_actor_kill(sys, id), WASP_OK);
    /* at once if it parked already (it almost surely has); else when PARK returns */
    assert_true(TU_WAIT_UNTIL(state_of(sys, id) == WASP_STATE_FAILED, W));
    wasp_actor_stats s = stats_of(sys, id);
    assert_int_equal(s.dead_letters, 1);
    assert_int_equal(s.handled, 0);
    assert_int_equal(s.mailbox_len, 2);
    assert_accounting(sys, id);
    assert_int_equal(wasp_actor_wake(sys, id), WASP_OK); /* a late wake is harmless */
    tu_sleep_ms(5);
    assert_int_equal(atomic_load(&h.calls), 1);

    assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_OK);
    assert_true(TU_WAIT_UNTIL(stats_of(sys, id).handled == 2, W));
    assert_int_equal(atomic_load(&h.calls), 3);
    assert_accounting(sys, id);
    wasp_system_destroy(sys);
}

/* A handler that yields on every call (a component running in time slices):
 * the kill lands when the current call returns, not at the end of the message. */
static void test_kill_lands_at_yield(void **st) {
    (void)st;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct hold h = {.ret = WASP_YIELD};
    wasp_actor_spec spec = {.name = "slicer", .handle = hold_handle, .state = &h};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    struct mon m = {0};
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &m, NULL), WASP_OK);
    assert_int_equal(sends(sys, id, "work"), WASP_OK);
    assert_int_equal(sends(sys, id, "next"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&h.inside), W));

    assert_int_equal(wasp_actor_kill(sys, id), WASP_OK);
    assert_int_equal(wasp_actor_kill(sys, id), WASP_OK); /* pending already: fine */
    assert_int_equal(state_of(sys, id), WASP_STATE_READY); /* its handler still runs */
    atomic_store(&h.release, 1);
    assert_true(TU_WAIT_UNTIL(state_of(sys, id) == WASP_STATE_FAILED, W));
    assert_int_equal(atomic_load(&h.calls), 1); /* never called again */
    assert_true(TU_WAIT_UNTIL(atomic_load(&m.crash) == 1, W));
    wasp_actor_stats s = stats_of(sys, id);
    assert_int_equal(s.dead_letters, 1); /* "work", in hand */
    assert_int_equal(s.mailbox_len, 1);  /* "next" waits */
    assert_int_equal(s.crashes, 1);
    assert_accounting(sys, id);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK); /* failed: stopped at once */
    assert_int_equal(atomic_load(&m.other), 1);
    wasp_system_destroy(sys);
}

/* A handler that finishes its message while a kill is pending: the message
 * counts as handled, then the actor crashes before the next one. */
static void test_kill_after_handled(void **st) {
    (void)st;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct hold h = {.ret = 0};
    wasp_actor_spec spec = {.name = "busy", .handle = hold_handle, .state = &h};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    for (int i = 0; i < 3; i++) assert_int_equal(sends(sys, id, "m"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&h.inside), W));
    assert_int_equal(wasp_actor_kill(sys, id), WASP_OK);
    atomic_store(&h.release, 1);
    assert_true(TU_WAIT_UNTIL(state_of(sys, id) == WASP_STATE_FAILED, W));
    wasp_actor_stats s = stats_of(sys, id);
    assert_int_equal(s.handled, 1);
    assert_int_equal(s.dead_letters, 0);
    assert_int_equal(s.mailbox_len, 2);
    assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_OK);
    assert_true(TU_WAIT_UNTIL(stats_of(sys, id).handled == 3, W));
    assert_accounting(sys, id);
    wasp_system_destroy(sys);
}

/* Inside a handler: a kill of an actor being stopped is WASP_ESTOPPED; a
 * self-kill lands when the handler returns. */
struct selfk {
    atomic_int rc_after_stop, calls;
    int mode; /* 0: self-kill; 1: stop then kill */
};

static int selfk_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    struct selfk *s = wasp_ctx_state(ctx);
    wasp_system *sys = wasp_ctx_system(ctx);
    atomic_fetch_add(&s->calls, 1);
    if (s->mode == 1) {
        assert_int_equal(wasp_actor_stop(sys, wasp_ctx_self(ctx)), WASP_OK); /* a request */
        atomic_store(&s->rc_after_stop, wasp_actor_kill(sys, wasp_ctx_self(ctx)));
        return 0;
    }
    assert_int_equal(wasp_actor_kill(sys, wasp_ctx_self(ctx)), WASP_OK);
    return WASP_YIELD; /* would run again, but the kill lands first */
}

static void test_kill_from_inside(void **st) {
    (void)st;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct selfk a = {.mode = 0}, b = {.mode = 1};
    atomic_store(&b.rc_after_stop, 1);
    wasp_actor_spec sa = {.name = "selfkill", .handle = selfk_handle, .state = &a};
    wasp_actor_spec sb = {.name = "stopkill", .handle = selfk_handle, .state = &b};
    wasp_aid ia, ib;
    assert_int_equal(wasp_spawn(sys, &sa, &ia), WASP_OK);
    assert_int_equal(wasp_spawn(sys, &sb, &ib), WASP_OK);
    assert_int_equal(sends(sys, ia, "x"), WASP_OK);
    assert_int_equal(sends(sys, ib, "x"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(state_of(sys, ia) == WASP_STATE_FAILED, W));
    assert_int_equal(atomic_load(&a.calls), 1);
    assert_int_equal(stats_of(sys, ia).dead_letters, 1);
    assert_true(TU_WAIT_UNTIL(atomic_load(&b.rc_after_stop) == WASP_ESTOPPED, W));
    assert_true(TU_WAIT_UNTIL(state_of(sys, ib) == -1, W)); /* stopped, not crashed */
    wasp_system_destroy(sys);
}

/* Kills and restarts racing a stream of sends (run under TSan): nothing is
 * lost from the accounting, and every kill either lands or says why not. */
struct flood {
    wasp_system *sys;
    wasp_aid to;
    atomic_int stop;
    atomic_int sent;
};

static void *flood_main(void *arg) {
    struct flood *f = arg;
    while (!atomic_load(&f->stop)) {
        if (wasp_send(f->sys, f->to, "f", 1) == WASP_OK) atomic_fetch_add(&f->sent, 1);
        else sched_yield();
    }
    return NULL;
}

static int maybe_park(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    atomic_int *n = wasp_ctx_state(ctx);
    int k = atomic_fetch_add(n, 1);
    if (k % 7 == 3) return WASP_YIELD;
    if (k % 11 == 5) {
        wasp_actor_wake(wasp_ctx_system(ctx), wasp_ctx_self(ctx));
        return WASP_PARK;
    }
    return 0;
}

static void test_kill_races_traffic(void **st) {
    (void)st;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    atomic_int calls = 0;
    wasp_actor_spec spec = {.name = "target", .handle = maybe_park, .state = &calls,
                            .mailbox_capacity = 1u << 16};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    struct flood f = {.sys = sys, .to = id};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, flood_main, &f), 0);
    int landed = 0;
    for (int i = 0; i < 300; i++) {
        int rc = wasp_actor_kill(sys, id);
        assert_true(rc == WASP_OK || rc == WASP_ESTATE);
        if (!TU_WAIT_UNTIL(state_of(sys, id) == WASP_STATE_FAILED, W)) fail_msg("kill never landed");
        landed++;
        assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_OK);
    }
    atomic_store(&f.stop, 1);
    pthread_join(t, NULL);
    assert_int_equal(landed, 300);
    assert_int_equal(stats_of(sys, id).crashes, 300);
    assert_int_equal(stats_of(sys, id).restarts, 300);
    wasp_actor_stats s;
    assert_true(TU_WAIT_UNTIL((s = stats_of(sys, id)).mailbox_len == 0 &&
                                  s.received == s.handled + s.dead_letters,
                              W));
    assert_int_equal(stats_of(sys, id).received, (uint64_t)atomic_load(&f.sent));
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_idle),
        cmocka_unit_test(test_kill_parked),
        cmocka_unit_test(test_kill_lands_at_yield),
        cmocka_unit_test(test_kill_after_handled),
        cmocka_unit_test(test_kill_from_inside),
        cmocka_unit_test(test_kill_races_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
