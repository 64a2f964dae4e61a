/* test_virtual_clock.c - a system on a virtual clock: timers fire only when
 * the test advances time, in deadline order, each after the effects of the
 * one before have settled; waiting for quiescence; deferred replies. */
#include "rt_helpers.h"


static void test_send_after_waits_for_the_clock(void **state) {
    (void)state;
    wasp_system *sys = vsys_new(2);
    struct rec *r = rec_new();
    wasp_actor_spec s = rec_spec(r, "late");
    assert_int_equal(wasp_spawn(sys, &s, NULL), WASP_OK);
    assert_int_equal(wasp_system_now(sys), 0);
    wasp_send_opts o = {.to_name = "late", .data = "b", .len = 1};
    assert_int_equal(wasp_send_after(sys, &o, 2000000000ull, NULL), WASP_OK);
    o.data = "a";
    assert_int_equal(wasp_send_after(sys, &o, 1000000000ull, NULL), WASP_OK);
    tu_sleep_ms(20); /* real time passing changes nothing */
    assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK);
    assert_int_equal(atomic_load(&r->n), 0);
    assert_int_equal(wasp_system_advance_clock(sys, 999999999ull, IDLE_BOUND), WASP_OK);
    assert_int_equal(atomic_load(&r->n), 0);
    assert_int_equal(wasp_system_now(sys), 999999999ull);
    assert_int_equal(wasp_system_advance_clock(sys, 5000000000ull, IDLE_BOUND), WASP_OK);
    assert_int_equal(atomic_load(&r->n), 2);
    assert_string_equal(r->log[0], "a"); /* deadline order, not scheduling order */
    assert_string_equal(r->log[1], "b");
    assert_int_equal(wasp_system_now(sys), 5999999999ull);
    wasp_system_destroy(sys);
    rec_free(r);
}

/* Re-arms a 1 s tick on every tick, recording the virtual time it saw. */
struct ticker {
    atomic_int ticks;
    uint64_t seen[64];
};

static int ticker_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    struct ticker *t = wasp_ctx_state(ctx);
    int i = atomic_load(&t->ticks);
    if (i < 64) t->seen[i] = wasp_system_now(wasp_ctx_system(ctx));
    atomic_store(&t->ticks, i + 1);
    wasp_send_opts o = {.to = wasp_ctx_self(ctx), .data = "tick", .len = 4};
    return wasp_send_after(wasp_ctx_system(ctx), &o, 1000000000ull, NULL);
}

static void test_rearmed_timer_ticks_once_per_period(void **state) {
    (void)state;
    wasp_system *sys = vsys_new(2);
    struct ticker t = {0};
    wasp_actor_spec s = {.name = "ticker", .handle = ticker_handle, .state = &t};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    wasp_send_opts o = {.to = id, .data = "tick", .len = 4};
    assert_int_equal(wasp_send_after(sys, &o, 1000000000ull, NULL), WASP_OK);
    assert_int_equal(wasp_system_advance_clock(sys, 10000000000ull, IDLE_BOUND), WASP_OK);
    assert_int_equal(atomic_load(&t.ticks), 10);
    for (int i = 0; i < 10; i++) assert_int_equal(t.seen[i], (uint64_t)(i + 1) * 1000000000ull);
    wasp_system_destroy(sys);
}

static void test_advance_needs_a_virtual_clock(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_advance_clock(sys, 1, 0), WASP_ESTATE); /* not started */
    assert_int_equal(wasp_system_wait_idle(sys, 0), WASP_ESTATE);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_int_equal(wasp_system_advance_clock(sys, 1, 0), WASP_ESTATE);
    assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK);
    assert_true(wasp_system_now(sys) > 0);
    wasp_system_destroy(sys);
}

/* Yields forever: the system never becomes idle. */
static int spin_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return atomic_load((atomic_int *)wasp_ctx_state(ctx)) ? 0 : WASP_YIELD;
}

static void test_wait_idle_bounded_by_a_busy_actor(void **state) {
    (void)state;
    wasp_system *sys = vsys_new(1);
    atomic_int release = 0;
    wasp_actor_spec s = {.name = "spin", .handle = spin_handle, .state = &release};
    assert_int_equal(wasp_spawn(sys, &s, NULL), WASP_OK);
    assert_int_equal(wasp_send_name(sys, "spin", "x", 1), WASP_OK);
    assert_int_equal(wasp_system_wait_idle(sys, 20000000ull), WASP_ETIMEDOUT);
    atomic_store(&release, 1);
    assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK);
    wasp_system_destroy(sys);
}

/* Outside work: a thread that wakes a parked actor later, bracketed by hold/release. */
struct outside {
    wasp_system *sys;
    wasp_aid id;
    atomic_int go, woken;
};

static int parker_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    struct outside *o = wasp_ctx_state(ctx);
    return atomic_load(&o->woken) ? 0 : WASP_PARK;
}

static void *outside_thread(void *arg) {
    struct outside *o = arg;
    while (!atomic_load(&o->go)) tu_sleep_ms(1);
    atomic_store(&o->woken, 1);
    wasp_actor_wake(o->sys, o->id);
    wasp_system_release(o->sys);
    return NULL;
}

static void test_held_outside_work_is_not_idle(void **state) {
    (void)state;
    wasp_system *sys = vsys_new(1);
    struct outside o = {.sys = sys};
    wasp_actor_spec s = {.name = "parker", .handle = parker_handle, .state = &o};
    assert_int_equal(wasp_spawn(sys, &s, &o.id), WASP_OK);
    assert_int_equal(wasp_send(sys, o.id, "x", 1), WASP_OK);
    assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK); /* parked counts as idle */
    wasp_system_hold(sys);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, outside_thread, &o), 0);
    assert_int_equal(wasp_system_wait_idle(sys, 20000000ull), WASP_ETIMEDOUT); /* held */
    atomic_store(&o.go, 1);
    assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, o.id, &st), WASP_OK);
    assert_int_equal(st.handled, 1); /* the wake ran it before the system went idle */
    pthread_join(th, NULL);
    wasp_system_release(sys); /* unmatched: ignored */
    wasp_system_destroy(sys);
}

/* Holds every request; the test answers or drops them later. */
static wasp_deferred *held[4];
static atomic_int nheld;

static int holder_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    wasp_deferred *d = NULL;
    int rc = wasp_reply_defer(ctx, &d);
    if (rc == WASP_OK) held[atomic_fetch_add(&nheld, 1)] = d;
    assert_int_equal(wasp_reply(ctx, "x", 1), WASP_ENOREPLY); /* taken out of this call */
    return 0;
}

struct answer {
    atomic_int done;
    int status;
    char data[16];
};

static void on_answer(void *arg, int status, const void *data, size_t len) {
    struct answer *a = arg;
    a->status = status;
    if (status == WASP_OK) memcpy(a->data, data, len < 15 ? len : 15);
    atomic_store(&a->done, 1);
}

static void test_deferred_reply_and_virtual_timeout(void **state) {
    (void)state;
    wasp_system *sys = vsys_new(2);
    atomic_store(&nheld, 0);
    wasp_actor_spec s = {.name = "holder", .handle = holder_handle};
    assert_int_equal(wasp_spawn(sys, &s, NULL), WASP_OK);
    struct answer a1 = {0}, a2 = {0}, a3 = {0};
    wasp_send_opts o = {.to_name = "holder", .data = "q", .len = 1};
    assert_int_equal(wasp_ask_cb(sys, &o, 100000000ull, on_answer, &a1), WASP_OK);
    assert_int_equal(wasp_ask_cb(sys, &o, 100000000ull, on_answer, &a2), WASP_OK);
    assert_int_equal(wasp_ask_cb(sys, &o, 0, on_answer, &a3), WASP_OK);
    assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK);
    assert_int_equal(atomic_load(&nheld), 3);
    assert_false(atomic_load(&a1.done)); /* held, not answered: the asker waits */
    assert_int_equal(wasp_reply_deferred(held[0], "late", 4), WASP_OK);
    assert_true(atomic_load(&a1.done));
    assert_int_equal(a1.status, WASP_OK);
    assert_string_equal(a1.data, "late");
    assert_false(atomic_load(&a2.done));
    assert_int_equal(wasp_system_advance_clock(sys, 100000000ull, IDLE_BOUND), WASP_OK);
    assert_true(atomic_load(&a2.done));
    assert_int_equal(a2.status, WASP_ETIMEDOUT);
    assert_int_equal(wasp_reply_deferred(held[1], "too late", 8), WASP_OK); /* ignored */
    wasp_reply_deferred_drop(held[2]);
    assert_true(atomic_load(&a3.done));
    assert_int_equal(a3.status, WASP_ENOREPLY);
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_after_waits_for_the_clock),
        cmocka_unit_test(test_rearmed_timer_ticks_once_per_period),
        cmocka_unit_test(test_advance_needs_a_virtual_clock),
        cmocka_unit_test(test_wait_idle_bounded_by_a_busy_actor),
        cmocka_unit_test(test_deferred_reply_and_virtual_timeout),
        cmocka_unit_test(test_held_outside_work_is_not_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
