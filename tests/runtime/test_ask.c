/* test_ask.c - request/reply: blocking ask, timeouts, ENOREPLY, ctx ask,
 * completion callbacks. */
#include <pthread.h>

#include "rt_helpers.h"

/* Replies "re:<payload>"; "silent" gets no reply; "twice" replies twice;
 * "slow" parks forever (until stopped). */
static int server_handle(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->len == 6 && !memcmp(m->data, "silent", 6)) return 0;
    if (m->len == 4 && !memcmp(m->data, "slow", 4)) return WASP_PARK;
    assert_true(m->flags & WASP_MSG_REQUEST);
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "re:%.*s", (int)m->len, (const char *)m->data);
    assert_int_equal(wasp_reply(ctx, buf, (size_t)n), WASP_OK);
    if (m->len == 5 && !memcmp(m->data, "twice", 5))
        assert_int_equal(wasp_reply(ctx, "again", 5), WASP_ENOREPLY);
    return 0;
}

static int plain_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    /* not a request: no reply possible */
    return wasp_reply(ctx, "x", 1) == WASP_ENOREPLY ? 0 : -100;
}

static void test_blocking_ask(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.name = "server", .handle = server_handle};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    void *rep = NULL;
    size_t len = 0;
    assert_int_equal(wasp_ask(sys, id, "ping", 4, 2000000000ull, &rep, &len), WASP_OK);
    assert_int_equal(len, 7);
    assert_memory_equal(rep, "re:ping", 7);
    free(rep);
    assert_int_equal(wasp_ask_name(sys, "server", "twice", 5, 2000000000ull, &rep, &len), WASP_OK);
    assert_memory_equal(rep, "re:twice", 8);
    free(rep);
    /* handled without a reply: ENOREPLY right away, no need to wait out the timeout */
    uint64_t t0 = wasp_clock_ns_for_tests();
    assert_int_equal(wasp_ask(sys, id, "silent", 6, 10000000000ull, &rep, &len), WASP_ENOREPLY);
    assert_true(wasp_clock_ns_for_tests() - t0 < 5000000000ull);
    /* no reply in time */
    assert_int_equal(wasp_ask(sys, id, "slow", 4, 20000000ull, &rep, &len), WASP_ETIMEDOUT);
    assert_int_equal(wasp_ask(sys, id, "x", 1, 1000, NULL, &len), WASP_EINVAL);
    wasp_system_destroy(sys);
}

static void test_reply_outside_request(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.handle = plain_handle};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    assert_int_equal(sends(sys, id, "hi"), WASP_OK);
    wasp_actor_stats st;
    assert_true(TU_WAIT_UNTIL(!wasp_actor_stats_get(sys, id, &st) && st.handled == 1, 5000));
    assert_int_equal(st.handler_errors, 0);
    wasp_system_destroy(sys);
}

/* Client actor: on "go" asks the server; records the reply message. */
struct client {
    wasp_aid server;
    uint64_t timeout;
    uint64_t corr;
    atomic_int got;
    int status;
    char reply[32];
    uint64_t reply_corr;
    wasp_aid reply_sender;
};

static int client_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct client *c = wasp_ctx_state(ctx);
    if (m->flags & WASP_MSG_REPLY) {
        c->status = m->status;
        snprintf(c->reply, sizeof(c->reply), "%.*s", (int)m->len, (const char *)m->data);
        c->reply_corr = m->corr;
        c->reply_sender = m->sender;
        atomic_store(&c->got, 1);
        return 0;
    }
    wasp_send_opts o = {.to = c->server, .data = m->data, .len = m->len};
    assert_int_equal(wasp_ctx_ask(ctx, &o, c->timeout, &c->corr), WASP_OK);
    assert_int_not_equal(c->corr, 0);
    /* blocking ask is refused inside an actor */
    void *rep;
    size_t len;
    assert_int_equal(wasp_ask(wasp_ctx_system(ctx), c->server, "x", 1, 1000, &rep, &len), WASP_ESTATE);
    return 0;
}

static void test_ctx_ask(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.handle = server_handle};
    wasp_aid server;
    assert_int_equal(wasp_spawn(sys, &s, &server), WASP_OK);
    for (int with_timeout = 0; with_timeout < 2; with_timeout++) {
        struct client c = {.server = server, .timeout = with_timeout ? 2000000000ull : 0};
        wasp_actor_spec cs = {.handle = client_handle, .state = &c};
        wasp_aid cid;
        assert_int_equal(wasp_spawn(sys, &cs, &cid), WASP_OK);
        assert_int_equal(sends(sys, cid, "hello"), WASP_OK);
        assert_true(TU_WAIT_UNTIL(atomic_load(&c.got), 5000));
        assert_int_equal(c.status, WASP_OK);
        assert_string_equal(c.reply, "re:hello");
        assert_int_equal(c.reply_corr, c.corr);
        assert_int_equal(c.reply_sender, server);
        assert_int_equal(wasp_actor_stop(sys, cid), WASP_OK);
    }
    /* with a timeout, silence is reported as a reply message with a status */
    struct client c = {.server = server, .timeout = 20000000ull};
    wasp_actor_spec cs = {.handle = client_handle, .state = &c};
    wasp_aid cid;
    assert_int_equal(wasp_spawn(sys, &cs, &cid), WASP_OK);
    assert_int_equal(sends(sys, cid, "silent"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&c.got), 5000));
    assert_int_equal(c.status, WASP_ENOREPLY);
    atomic_store(&c.got, 0);
    assert_int_equal(sends(sys, cid, "slow"), WASP_OK); /* the server parks on it */
    assert_true(TU_WAIT_UNTIL(atomic_load(&c.got), 5000));
    assert_int_equal(c.status, WASP_ETIMEDOUT);
    assert_int_equal(c.reply_corr, c.corr);
    assert_int_equal(wasp_ctx_ask(NULL, NULL, 0, NULL), WASP_ESTATE);
    wasp_system_destroy(sys);
}

struct cb_state {
    atomic_int calls;
    int status;
};

static void count_cb(void *arg, int status, const void *data, size_t len) {
    (void)data, (void)len;
    struct cb_state *s = arg;
    s->status = status;
    atomic_fetch_add(&s->calls, 1);
}

static uint32_t mailbox_len(wasp_system *sys, wasp_aid id) {
    wasp_actor_stats st;
    return wasp_actor_stats_get(sys, id, &st) == WASP_OK ? st.mailbox_len : UINT32_MAX;
}

static void test_ask_cb_exactly_once(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.handle = server_handle, .mailbox_capacity = 1};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    /* reply before the timeout: only the reply completes it */
    struct cb_state a = {0};
    wasp_send_opts o = {.to = id, .data = "q", .len = 1};
    assert_int_equal(wasp_ask_cb(sys, &o, 30000000ull, count_cb, &a), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&a.calls) == 1, 5000));
    tu_sleep_ms(60);
    assert_int_equal(atomic_load(&a.calls), 1);
    assert_int_equal(a.status, WASP_OK);
    /* a parked request then the target stops: completes with ESTOPPED */
    struct cb_state b = {0};
    wasp_send_opts slow = {.to = id, .data = "slow", .len = 4};
    assert_int_equal(wasp_ask_cb(sys, &slow, 0, count_cb, &b), WASP_OK);
    assert_true(TU_WAIT_UNTIL(mailbox_len(sys, id) == 0, 5000)); /* "slow" is in hand, parked */
    /* the mailbox (capacity 1) fills: the failed ask never calls back */
    struct cb_state c = {0};
    assert_int_equal(wasp_ask_cb(sys, &o, 0, count_cb, &c), WASP_OK);
    struct cb_state d = {0};
    assert_int_equal(wasp_ask_cb(sys, &o, 0, count_cb, &d), WASP_EFULL);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(atomic_load(&b.calls), 1);
    assert_int_equal(b.status, WASP_ESTOPPED);
    assert_int_equal(atomic_load(&c.calls), 1);
    assert_int_equal(c.status, WASP_ESTOPPED);
    assert_int_equal(atomic_load(&d.calls), 0);
    assert_int_equal(wasp_ask_cb(sys, &o, 0, NULL, NULL), WASP_EINVAL);
    wasp_system_destroy(sys);
}

/* ---- blocking ask without a timeout (0 = wait) on a target that goes away ---- */

struct asker {
    wasp_system *sys;
    wasp_aid to;
    const char *msg;
    atomic_int done;
    int rc;
};

static void *asker_main(void *arg) {
    struct asker *k = arg;
    void *rep = NULL;
    size_t len = 0;
    k->rc = wasp_ask(k->sys, k->to, k->msg, strlen(k->msg), 0, &rep, &len);
    if (k->rc == WASP_OK) free(rep);
    atomic_store(&k->done, 1);
    return NULL;
}

static void start_asker(pthread_t *t, struct asker *k, wasp_system *sys, wasp_aid to,
                        const char *msg) {
    *k = (struct asker){.sys = sys, .to = to, .msg = msg};
    assert_int_equal(pthread_create(t, NULL, asker_main, k), 0);
}

/* Waits for the asker (bounded: a hang fails the test instead of blocking it). */
static int asker_result(pthread_t t, struct asker *k) {
    if (!TU_WAIT_UNTIL(atomic_load(&k->done), 5000)) fail_msg("blocking ask hung");
    pthread_join(t, NULL);
    return k->rc;
}

static int crash_on_boom(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->len == 4 && !memcmp(m->data, "boom", 4)) return WASP_ECRASH;
    return server_handle(ctx, m);
}

static void test_blocking_ask_target_goes_away(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    wasp_system_set_log(sys, WASP_LOG_ERROR, NULL, NULL); /* dead letters are expected */
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.name = "srv", .handle = crash_on_boom};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    pthread_t t1, t2, t3;
    struct asker k1, k2, k3;

    /* the request in hand (parked) and one queued behind it: the stop answers both */
    start_asker(&t1, &k1, sys, id, "slow");
    wasp_actor_stats st;
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(sys, id, &st) == WASP_OK && st.received == 1 &&
                                  st.mailbox_len == 0,
                              5000)); /* "slow" is in hand */
    start_asker(&t2, &k2, sys, id, "queued");
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(sys, id, &st) == WASP_OK && st.received == 2 &&
                                  st.mailbox_len == 1,
                              5000));
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(asker_result(t1, &k1), WASP_ESTOPPED);
    assert_int_equal(asker_result(t2, &k2), WASP_ESTOPPED);

    /* a crash while handling it: WASP_ECRASH; one queued at a failed actor
     * waits for the restart or, here, the system stop */
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    start_asker(&t1, &k1, sys, id, "boom");
    assert_int_equal(asker_result(t1, &k1), WASP_ECRASH);
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(sys, id, &st) == WASP_OK &&
                                  st.state == WASP_STATE_FAILED,
                              5000));
    start_asker(&t3, &k3, sys, id, "later");
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(sys, id, &st) == WASP_OK && st.mailbox_len == 1, 5000));
    tu_sleep_ms(10);
    assert_false(atomic_load(&k3.done)); /* no timeout: it waits */
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    assert_int_equal(asker_result(t3, &k3), WASP_ESTOPPED);
    /* after the stop: refused at once */
    void *rep;
    size_t len;
    assert_int_equal(wasp_ask(sys, id, "x", 1, 0, &rep, &len), WASP_ENOENT);
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocking_ask),
        cmocka_unit_test(test_reply_outside_request),
        cmocka_unit_test(test_ctx_ask),
        cmocka_unit_test(test_ask_cb_exactly_once),
        cmocka_unit_test(test_blocking_ask_target_goes_away),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
