/* test_actor.c - actor lifecycle: spawn, hooks, stop order, crash and
 * restart with mailbox continuity, yield/park/wake, monitors, bad input. */
#include <time.h>

#include "rt_helpers.h"

/* ---- spawn, send, context -------------------------------------------------- */

struct echo_state {
    wasp_aid self_seen;
    char name_seen[32];
    wasp_aid forward_to;
};

static int forward_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct echo_state *s = wasp_ctx_state(ctx);
    s->self_seen = wasp_ctx_self(ctx);
    snprintf(s->name_seen, sizeof(s->name_seen), "%s", wasp_ctx_name(ctx) ? wasp_ctx_name(ctx) : "");
    assert_ptr_equal(wasp_ctx_msg(ctx), m);
    assert_ptr_equal(wasp_ctx_current(), ctx);
    assert_non_null(wasp_ctx_system(ctx));
    return wasp_send(wasp_ctx_system(ctx), s->forward_to, m->data, m->len);
}

static void test_spawn_send_named(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, "sink");
    wasp_aid sink;
    assert_int_equal(wasp_spawn(sys, &spec, &sink), WASP_OK);
    assert_int_equal(atomic_load(&r->started), 1);
    struct echo_state es = {.forward_to = sink};
    wasp_actor_spec fs = {.name = "fwd", .handle = forward_handle, .state = &es};
    wasp_aid fwd;
    assert_int_equal(wasp_spawn(sys, &fs, &fwd), WASP_OK);
    assert_int_not_equal(fwd, sink);
    wasp_aid looked;
    assert_int_equal(wasp_lookup(sys, "fwd", &looked), WASP_OK);
    assert_int_equal(looked, fwd);
    assert_int_equal(wasp_send_name(sys, "fwd", "hello", 5), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 1, 5000));
    assert_string_equal(r->log[0], "hello");
    assert_int_equal(r->sender[0], fwd); /* sender inferred from the running actor */
    assert_int_equal(es.self_seen, fwd);
    assert_string_equal(es.name_seen, "fwd");
    char buf[8];
    assert_int_equal(wasp_actor_name(sys, sink, buf, sizeof(buf)), 4);
    assert_string_equal(buf, "sink");
    assert_int_equal(wasp_actor_name(sys, sink, buf, 3), 4); /* truncated */
    assert_string_equal(buf, "si");
    wasp_system_destroy(sys);
    assert_int_equal(atomic_load(&r->stopped), 1);
    assert_int_equal(atomic_load(&r->stop_reason), WASP_EXIT_SHUTDOWN);
    rec_free(r);
}

static int noop_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return 0;
}

static void test_bad_input(void **state) {
    (void)state;
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = -1};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_EINVAL);
    assert_int_equal(wasp_system_create(NULL, NULL), WASP_EINVAL);
    cfg = (wasp_system_config){.workers = 1, .max_message = 16};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    wasp_actor_spec spec = {.handle = noop_handle};
    wasp_aid id;
    assert_int_equal(wasp_spawn(NULL, &spec, &id), WASP_EINVAL);
    assert_int_equal(wasp_spawn(sys, NULL, &id), WASP_EINVAL);
    wasp_actor_spec nohandler = {.name = "x"};
    assert_int_equal(wasp_spawn(sys, &nohandler, &id), WASP_EINVAL);
    wasp_actor_spec badov = {.handle = noop_handle, .overflow = 7};
    assert_int_equal(wasp_spawn(sys, &badov, &id), WASP_EINVAL);
    wasp_actor_spec empty = {.handle = noop_handle, .name = ""};
    assert_int_equal(wasp_spawn(sys, &empty, &id), WASP_EINVAL);
    char longname[300];
    memset(longname, 'n', sizeof(longname) - 1);
    longname[299] = 0;
    wasp_actor_spec toolong = {.handle = noop_handle, .name = longname};
    assert_int_equal(wasp_spawn(sys, &toolong, &id), WASP_EINVAL);
    longname[255] = 0; /* exactly 255 bytes is fine */
    assert_int_equal(wasp_spawn(sys, &toolong, &id), WASP_OK);

    wasp_actor_spec a = {.handle = noop_handle, .name = "a"};
    assert_int_equal(wasp_spawn(sys, &a, &id), WASP_OK);
    assert_int_equal(wasp_spawn(sys, &a, NULL), WASP_EEXIST);
    assert_int_equal(wasp_send_name(sys, "nobody", "x", 1), WASP_ENOENT);
    assert_int_equal(wasp_send_name(sys, "", "x", 1), WASP_EINVAL);
    assert_int_equal(wasp_send_name(sys, NULL, "x", 1), WASP_EINVAL);
    assert_int_equal(wasp_send(sys, WASP_AID_NONE, "x", 1), WASP_EINVAL);
    assert_int_equal(wasp_send(sys, 0xdeadbeef00000007ull, "x", 1), WASP_ENOENT);
    assert_int_equal(wasp_send(sys, id ^ (1ull << 40), "x", 1), WASP_ENOENT); /* wrong generation */
    assert_int_equal(wasp_send(NULL, id, "x", 1), WASP_EINVAL);
    assert_int_equal(wasp_send(sys, id, NULL, 3), WASP_EINVAL);
    assert_int_equal(wasp_send(sys, id, NULL, 0), WASP_OK);
    char big[17] = {0};
    assert_int_equal(wasp_send(sys, id, big, 17), WASP_E2BIG);
    assert_int_equal(wasp_send(sys, id, big, 16), WASP_OK);
    wasp_send_opts badprio = {.to = id, .data = "x", .len = 1, .priority = 9};
    assert_int_equal(wasp_send_ex(sys, &badprio), WASP_EINVAL);
    assert_int_equal(wasp_send_ex(sys, NULL), WASP_EINVAL);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, 12345, &st), WASP_ENOENT);
    assert_int_equal(wasp_actor_stats_get(sys, id, NULL), WASP_EINVAL);
    assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_ESTATE); /* not failed */
    assert_int_equal(wasp_actor_wake(sys, 999), WASP_ENOENT);
    assert_int_equal(wasp_actor_stop(sys, 999), WASP_ENOENT);
    assert_int_equal(wasp_actor_monitor(sys, id, NULL, NULL, NULL), WASP_EINVAL);
    assert_int_equal(wasp_actor_demonitor(sys, id, 77), WASP_ENOENT);
    assert_int_equal(wasp_lookup(sys, "nobody", &id), WASP_ENOENT);
    assert_int_equal(wasp_timer_cancel(sys, 4242), WASP_ENOENT);
    void *rep;
    size_t replen;
    assert_int_equal(wasp_ask_name(sys, "nobody", "x", 1, 1000000, &rep, &replen), WASP_ENOENT);
    assert_int_equal(wasp_reply(NULL, "x", 1), WASP_EINVAL);
    assert_null(wasp_ctx_current());
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_ESTATE);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    /* Terminated: refused, as ESTOPPED while a worker still holds the last
     * reference, ENOENT once the id has gone stale (both documented). */
    int again = wasp_actor_stop(sys, id);
    assert_true(again == WASP_ENOENT || again == WASP_ESTOPPED);
    int sent = wasp_send(sys, id, "x", 1);
    assert_true(sent == WASP_ENOENT || sent == WASP_ESTOPPED);
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_ESTOPPED);
    wasp_system_destroy(sys);
    wasp_system_destroy(NULL);
}

/* ---- stop order ---------------------------------------------------------------- */

static char stop_log[64];
static pthread_mutex_t stop_log_mu = PTHREAD_MUTEX_INITIALIZER;

static void order_stopped(wasp_ctx *ctx, int reason) {
    assert_int_equal(reason, WASP_EXIT_SHUTDOWN);
    pthread_mutex_lock(&stop_log_mu);
    strncat(stop_log, wasp_ctx_name(ctx), sizeof(stop_log) - strlen(stop_log) - 1);
    pthread_mutex_unlock(&stop_log_mu);
}

static void test_stop_reverse_order(void **state) {
    (void)state;
    for (int started = 0; started < 2; started++) {
        stop_log[0] = 0;
        wasp_system *sys = sys_new(2);
        if (started) assert_int_equal(wasp_system_start(sys), WASP_OK);
        const char *names[] = {"A", "B", "C", "D"};
        wasp_aid ids[4];
        for (int i = 0; i < 4; i++) {
            wasp_actor_spec s = {.name = names[i], .handle = noop_handle, .stopped = order_stopped};
            assert_int_equal(wasp_spawn(sys, &s, &ids[i]), WASP_OK);
        }
        if (!started) { /* queued, never handled: dead letters at stop */
            for (int i = 0; i < 5; i++) assert_int_equal(sends(sys, ids[1], "q"), WASP_OK);
        }
        assert_int_equal(wasp_system_stop(sys), WASP_OK);
        assert_string_equal(stop_log, "DCBA");
        wasp_system_stats ss;
        wasp_system_stats_get(sys, &ss);
        assert_int_equal(ss.actors, 0);
        assert_int_equal(ss.spawned, 4);
        assert_int_equal(ss.dead_letters, started ? 0 : 5);
        wasp_system_destroy(sys);
    }
}

static void test_stop_one(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, "one");
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    assert_int_equal(sends(sys, id, "x"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 1, 5000));
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(atomic_load(&r->stopped), 1);
    assert_int_equal(atomic_load(&r->stop_reason), WASP_EXIT_NORMAL);
    assert_int_equal(wasp_send_name(sys, "one", "x", 1), WASP_ENOENT);
    /* the name is free again; the old id does not reach the new actor */
    struct rec *r2 = rec_new();
    wasp_actor_spec spec2 = rec_spec(r2, "one");
    wasp_aid id2;
    assert_int_equal(wasp_spawn(sys, &spec2, &id2), WASP_OK);
    assert_int_not_equal(id, id2);
    assert_int_equal(sends(sys, id, "stale"), WASP_ENOENT);
    wasp_system_destroy(sys);
    assert_int_equal(atomic_load(&r2->n), 0);
    rec_free(r);
    rec_free(r2);
}

/* ---- handler results: errors, crash, restart ---------------------------------- */

static int picky_handle(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->len == 5 && !memcmp(m->data, "crash", 5)) return WASP_ECRASH;
    if (m->len == 3 && !memcmp(m->data, "err", 3)) return WASP_EINVAL;
    if (m->len == 4 && !memcmp(m->data, "err2", 4)) return 42;
    if (m->len == 4 && !memcmp(m->data, "stop", 4)) return WASP_STOP;
    return rec_handle(ctx, m);
}

struct mon_log {
    atomic_int calls;
    atomic_int last_reason;
    wasp_aid last_id;
};

static void mon_fn(wasp_system *sys, wasp_aid id, int reason, void *arg) {
    (void)sys;
    struct mon_log *l = arg;
    l->last_id = id;
    atomic_store(&l->last_reason, reason);
    atomic_fetch_add(&l->calls, 1);
}

static void test_handler_errors(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, NULL);
    spec.handle = picky_handle;
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    assert_int_equal(sends(sys, id, "err"), WASP_OK);
    assert_int_equal(sends(sys, id, "err2"), WASP_OK);
    assert_int_equal(sends(sys, id, "ok"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 1, 5000));
    wasp_actor_stats st;
    assert_true(TU_WAIT_UNTIL(!wasp_actor_stats_get(sys, id, &st) && st.handled == 3, 5000));
    assert_int_equal(st.handler_errors, 2);
    assert_int_equal(st.crashes, 0);
    assert_int_equal(st.state, WASP_STATE_READY);
    assert_string_equal(wasp_state_name(st.state), "ready");
    assert_string_equal(wasp_state_name(99), "?");
    wasp_system_destroy(sys);
    rec_free(r);
}

static void test_crash_restart_keeps_mailbox(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, "phoenix");
    spec.handle = picky_handle;
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    struct mon_log ml = {0};
    uint64_t mon;
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &ml, &mon), WASP_OK);
    const char *msgs[] = {"a", "crash", "b", "c"};
    for (int i = 0; i < 4; i++) assert_int_equal(sends(sys, id, msgs[i]), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&ml.calls) == 1, 5000));
    assert_int_equal(atomic_load(&ml.last_reason), WASP_EXIT_CRASH);
    assert_int_equal(ml.last_id, id);
    assert_int_equal(atomic_load(&r->stop_reason), WASP_EXIT_CRASH);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    assert_int_equal(st.state, WASP_STATE_FAILED);
    assert_int_equal(st.crashes, 1);
    assert_int_equal(st.dead_letters, 1); /* the message it crashed on */
    assert_int_equal(st.mailbox_len, 2);  /* b, c wait for the next incarnation */
    assert_int_equal(atomic_load(&r->n), 1);
    /* messages keep queueing while failed, by name too */
    assert_int_equal(wasp_send_name(sys, "phoenix", "d", 1), WASP_OK);
    tu_sleep_ms(20);
    assert_int_equal(atomic_load(&r->n), 1);
    assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_OK);
    assert_int_equal(atomic_load(&r->started), 2);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == 4, 5000));
    assert_string_equal(r->log[1], "b");
    assert_string_equal(r->log[2], "c");
    assert_string_equal(r->log[3], "d");
    assert_true(TU_WAIT_UNTIL(!wasp_actor_stats_get(sys, id, &st) && st.handled == 4, 5000));
    assert_int_equal(st.restarts, 1);
    assert_int_equal(st.state, WASP_STATE_READY);
    assert_int_equal(st.received, st.handled + st.dead_letters + st.mailbox_len);
    assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_ESTATE);
    /* WASP_STOP: stops normally after the message */
    assert_int_equal(sends(sys, id, "stop"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&ml.calls) == 2, 5000));
    assert_int_equal(atomic_load(&ml.last_reason), WASP_EXIT_NORMAL);
    assert_int_equal(atomic_load(&r->stop_reason), WASP_EXIT_NORMAL);
    wasp_system_destroy(sys);
    assert_int_equal(atomic_load(&ml.calls), 2); /* removed after termination */
    rec_free(r);
}

static int fail_started(wasp_ctx *ctx) {
    struct rec *r = wasp_ctx_state(ctx);
    atomic_fetch_add(&r->started, 1);
    return r->ret ? -1 : 0;
}

static void test_start_failure(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r = rec_new();
    r->ret = 1; /* started fails */
    wasp_actor_spec spec = rec_spec(r, "dud");
    spec.started = fail_started;
    spec.handle = picky_handle;
    wasp_aid id = 0;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_ECRASH);
    assert_int_equal(id, 0);
    assert_int_equal(atomic_load(&r->stopped), 0); /* stopped not run after a failed start */
    assert_int_equal(wasp_send_name(sys, "dud", "x", 1), WASP_ENOENT);
    /* a restart whose started fails leaves it failed, monitors told */
    r->ret = 0;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    struct mon_log ml = {0};
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &ml, NULL), WASP_OK);
    assert_int_equal(sends(sys, id, "crash"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&ml.calls) == 1, 5000));
    r->ret = 1;
    assert_int_equal(wasp_actor_restart(sys, id, NULL), WASP_ECRASH);
    assert_int_equal(atomic_load(&ml.calls), 2);
    assert_int_equal(atomic_load(&ml.last_reason), WASP_EXIT_START_FAILED);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    assert_int_equal(st.state, WASP_STATE_FAILED);
    /* a failed actor stops at once */
    assert_int_equal(sends(sys, id, "queued"), WASP_OK);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(atomic_load(&ml.calls), 3);
    assert_int_equal(atomic_load(&ml.last_reason), WASP_EXIT_NORMAL);
    assert_int_equal(wasp_send(sys, id, "x", 1), WASP_ENOENT);
    wasp_system_destroy(sys);
    rec_free(r);
}

/* ---- yield ---------------------------------------------------------------------- */

struct yield_state {
    int calls_for_msg;
    atomic_int total_calls;
    atomic_int other_ran_meanwhile;
    atomic_int *other_count;
    atomic_int done;
};

static int yield_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct yield_state *s = wasp_ctx_state(ctx);
    atomic_fetch_add(&s->total_calls, 1);
    assert_int_equal(m->len, 4);
    assert_memory_equal(m->data, "long", 4); /* the same message every time */
    if (s->calls_for_msg == 1 && atomic_load(s->other_count) > 0)
        atomic_store(&s->other_ran_meanwhile, 1);
    if (++s->calls_for_msg < 50) return WASP_YIELD;
    s->calls_for_msg = 0;
    atomic_fetch_add(&s->done, 1);
    return 0;
}

static int count_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    atomic_fetch_add((atomic_int *)wasp_ctx_state(ctx), 1);
    return 0;
}

static void test_yield(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1); /* one worker: the others run between slices */
    atomic_int other = 0;
    struct yield_state ys = {.other_count = &other};
    wasp_actor_spec y = {.handle = yield_handle, .state = &ys};
    wasp_actor_spec o = {.handle = count_handle, .state = &other};
    wasp_aid yid, oid;
    assert_int_equal(wasp_spawn(sys, &y, &yid), WASP_OK);
    assert_int_equal(wasp_spawn(sys, &o, &oid), WASP_OK);
    assert_int_equal(sends(sys, yid, "long"), WASP_OK);
    assert_int_equal(sends(sys, oid, "x"), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&ys.done) == 1, 5000));
    assert_int_equal(atomic_load(&ys.total_calls), 50);
    assert_int_equal(atomic_load(&other), 1);
    assert_int_equal(atomic_load(&ys.other_ran_meanwhile), 1);
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, yid, &st), WASP_OK);
    assert_int_equal(st.handled, 1);
    wasp_system_destroy(sys);
}

/* ---- park / wake ----------------------------------------------------------------- */

struct park_state {
    atomic_int calls;
    atomic_int parked;
    atomic_int ready;       /* the condition the handler waits for */
    bool self_wake;         /* wake itself before parking (wake-before-park) */
};

static int park_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    struct park_state *s = wasp_ctx_state(ctx);
    atomic_fetch_add(&s->calls, 1);
    if (atomic_load(&s->ready)) return 0;
    if (s->self_wake) {
        atomic_store(&s->ready, 1);
        wasp_actor_wake(wasp_ctx_system(ctx), wasp_ctx_self(ctx));
    }
    atomic_fetch_add(&s->parked, 1);
    return WASP_PARK;
}

static void test_park_wake(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct park_state ps = {0};
    wasp_actor_spec spec = {.handle = park_handle, .state = &ps};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    assert_int_equal(sends(sys, id, "m1"), WASP_OK);
    assert_int_equal(sends(sys, id, "m2"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&ps.parked) == 1, 5000));
    tu_sleep_ms(20);
    assert_int_equal(atomic_load(&ps.calls), 1); /* parked: not re-run, m2 waits */
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(sys, id, &st), WASP_OK);
    assert_int_equal(st.handled, 0);
    assert_int_equal(st.mailbox_len, 1);
    atomic_store(&ps.ready, 1);
    assert_int_equal(wasp_actor_wake(sys, id), WASP_OK);
    assert_true(TU_WAIT_UNTIL(!wasp_actor_stats_get(sys, id, &st) && st.handled == 2, 5000));
    assert_int_equal(atomic_load(&ps.calls), 3);
    /* a wake that comes before the park is not lost */
    struct park_state ps2 = {.self_wake = true};
    wasp_actor_spec spec2 = {.handle = park_handle, .state = &ps2};
    wasp_aid id2;
    assert_int_equal(wasp_spawn(sys, &spec2, &id2), WASP_OK);
    assert_int_equal(sends(sys, id2, "m"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(!wasp_actor_stats_get(sys, id2, &st) && st.handled == 1, 5000));
    assert_int_equal(atomic_load(&ps2.calls), 2);
    wasp_system_destroy(sys);
}

static void test_stop_parked(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct park_state ps = {0};
    struct rec *r = rec_new(); /* only for the stopped hook */
    wasp_actor_spec spec = {.handle = park_handle, .state = &ps};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    struct mon_log ml = {0};
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &ml, NULL), WASP_OK);
    assert_int_equal(sends(sys, id, "m1"), WASP_OK);
    assert_int_equal(sends(sys, id, "m2"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&ps.parked) == 1, 5000));
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, 0);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(atomic_load(&ml.calls), 1);
    assert_int_equal(atomic_load(&ml.last_reason), WASP_EXIT_NORMAL);
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, 2); /* the parked one and the queued one */
    assert_int_equal(ss.actors, 0);
    wasp_system_destroy(sys);
    rec_free(r);
}

/* ---- monitors, introspection ------------------------------------------------------ */

static void test_monitor_demonitor(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec spec = {.handle = noop_handle};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    struct mon_log a = {0}, b = {0};
    uint64_t ma, mb;
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &a, &ma), WASP_OK);
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &b, &mb), WASP_OK);
    assert_int_not_equal(ma, mb);
    assert_int_equal(wasp_actor_demonitor(sys, id, mb), WASP_OK);
    assert_int_equal(wasp_actor_demonitor(sys, id, mb), WASP_ENOENT);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(atomic_load(&a.calls), 1);
    assert_int_equal(atomic_load(&b.calls), 0);
    assert_int_equal(wasp_actor_monitor(sys, id, mon_fn, &a, NULL), WASP_ENOENT);
    wasp_system_destroy(sys);
}

struct visit {
    int n;
    uint64_t last_seq;
    char names[8][8];
    int states[8];
};

static int visit_fn(const wasp_actor_stats *st, void *arg) {
    struct visit *v = arg;
    assert_true(st->start_seq > v->last_seq);
    v->last_seq = st->start_seq;
    if (v->n < 8) {
        snprintf(v->names[v->n], 8, "%.7s", st->name);
        v->states[v->n] = st->state;
    }
    v->n++;
    return 0;
}

static void test_foreach_and_retain(void **state) {
    (void)state;
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = 1, .retain_terminated = true};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    assert_int_equal(wasp_system_workers(sys), 1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    const char *names[] = {"x", "y", "z"};
    wasp_aid ids[3];
    for (int i = 0; i < 3; i++) {
        wasp_actor_spec s = {.name = names[i], .handle = noop_handle};
        assert_int_equal(wasp_spawn(sys, &s, &ids[i]), WASP_OK);
    }
    wasp_actor_spec anon = {.handle = noop_handle};
    assert_int_equal(wasp_spawn(sys, &anon, NULL), WASP_OK);
    assert_int_equal(wasp_actor_stop(sys, ids[1]), WASP_OK);
    struct visit v = {0};
    assert_int_equal(wasp_system_foreach(sys, visit_fn, &v), 0);
    assert_int_equal(v.n, 4);
    assert_string_equal(v.names[0], "x");
    assert_string_equal(v.names[1], "y");
    assert_int_equal(v.states[1], WASP_STATE_TERMINATED);
    assert_string_equal(v.names[3], "");
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    v = (struct visit){0};
    assert_int_equal(wasp_system_foreach(sys, visit_fn, &v), 0);
    assert_int_equal(v.n, 4); /* still readable after stop */
    for (int i = 0; i < 4; i++) assert_int_equal(v.states[i], WASP_STATE_TERMINATED);
    wasp_system_destroy(sys);
}

/* idle workers sleep: an idle system burns (almost) no CPU */
static void test_idle_cpu(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec spec = {.handle = noop_handle};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    assert_int_equal(sends(sys, id, "x"), WASP_OK);
    tu_sleep_ms(50); /* let the workers finish spinning and sleep */
    struct timespec a, b;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    tu_sleep_ms(300);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    double cpu_ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    assert_true(cpu_ms < 30.0); /* 2 spinning workers would burn ~600 ms */
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_send_named),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_stop_reverse_order),
        cmocka_unit_test(test_stop_one),
        cmocka_unit_test(test_handler_errors),
        cmocka_unit_test(test_crash_restart_keeps_mailbox),
        cmocka_unit_test(test_start_failure),
        cmocka_unit_test(test_yield),
        cmocka_unit_test(test_park_wake),
        cmocka_unit_test(test_stop_parked),
        cmocka_unit_test(test_monitor_demonitor),
        cmocka_unit_test(test_foreach_and_retain),
        cmocka_unit_test(test_idle_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
