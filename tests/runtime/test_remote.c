/* test_remote.c - the remote router hook: local names never reach it, a
 * local miss does (send, ask, ctx ask, send_after), the runtime times remote
 * asks out itself, and the publish hook can refuse a publish. */
#include <pthread.h>
#include <unistd.h>

#include "rt_helpers.h"

struct router {
    pthread_mutex_t mu;
    int routed, published, answer; /* answer: what route returns */
    char last[64];
    wasp_reply_fn fn;              /* the latest request's completion */
    void *fn_arg;
    bool reply_now;                /* answer requests at once with "pong" */
    int publish_rc;
    uint64_t codec; /* the latest routed or published message's tag */
};

static int route(void *arg, const wasp_send_opts *o, wasp_aid sender, uint64_t timeout_ns,
                 wasp_reply_fn fn, void *fn_arg) {
    (void)sender, (void)timeout_ns;
    struct router *r = arg;
    pthread_mutex_lock(&r->mu);
    r->routed++;
    snprintf(r->last, sizeof(r->last), "%s:%.*s", o->to_name, (int)o->len, (const char *)o->data);
    r->codec = o->codec;
    int rc = r->answer;
    if (!rc && fn && !r->reply_now) {
        r->fn = fn;
        r->fn_arg = fn_arg;
    }
    pthread_mutex_unlock(&r->mu);
    if (!rc && fn && r->reply_now) {
        if (o->reply_codec) *o->reply_codec = WASP_CODEC_CBOR; /* the far side's tag */
        fn(fn_arg, WASP_OK, "pong", 4);
    }
    return rc;
}

static int publish(void *arg, const char *topic, const void *data, size_t len, wasp_aid sender,
                   uint64_t codec) {
    (void)topic, (void)data, (void)len, (void)sender;
    struct router *r = arg;
    pthread_mutex_lock(&r->mu);
    r->published++;
    r->codec = codec;
    pthread_mutex_unlock(&r->mu);
    return r->publish_rc;
}

static wasp_system *remote_sys(struct router *r) {
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->mu, NULL);
    wasp_system *sys = sys_new(2);
    wasp_remote_ops ops = {.route = route, .publish = publish};
    assert_int_equal(wasp_system_set_remote(sys, &ops, r), WASP_OK);
    return sys;
}

static int routed(struct router *r) {
    pthread_mutex_lock(&r->mu);
    int n = r->routed;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static void wait_n(atomic_int *n, int want) {
    for (int i = 0; i < 5000 && atomic_load(n) < want; i++) usleep(1000);
    assert_int_equal(atomic_load(n), want);
}

static void test_local_first(void **state) {
    (void)state;
    struct router r;
    wasp_system *sys = remote_sys(&r);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_remote_ops ops = {.route = route};
    assert_int_equal(wasp_system_set_remote(sys, &ops, &r), WASP_ESTATE);
    struct rec *rc = rec_new();
    wasp_actor_spec s = rec_spec(rc, "here");
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    assert_int_equal(wasp_send_name(sys, "here", "a", 1), WASP_OK);
    assert_int_equal(wasp_pool_add(sys, "pool", id), WASP_OK);
    assert_int_equal(wasp_send_name(sys, "pool", "b", 1), WASP_OK);
    wait_n(&rc->n, 2);
    assert_int_equal(routed(&r), 0);
    /* a miss goes out; the router's verdict is the send's */
    assert_int_equal(wasp_send_name(sys, "elsewhere", "c", 1), WASP_OK);
    assert_string_equal(r.last, "elsewhere:c");
    r.answer = WASP_ENOENT;
    assert_int_equal(wasp_send_name(sys, "nobody", "d", 1), WASP_ENOENT);
    assert_int_equal(routed(&r), 2);
    /* ids are never remote; bad names are refused before routing */
    assert_int_equal(wasp_send(sys, 0x7777000000001ull, "e", 1), WASP_ENOENT);
    assert_int_equal(wasp_send_name(sys, "", "e", 1), WASP_EINVAL);
    assert_int_equal(routed(&r), 2);
    wasp_system_destroy(sys);
    rec_free(rc);
}

static void test_remote_ask(void **state) {
    (void)state;
    struct router r;
    wasp_system *sys = remote_sys(&r);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    r.reply_now = true;
    void *rep = NULL;
    size_t len = 0;
    assert_int_equal(wasp_ask_name(sys, "far", "ping", 4, 2000000000ull, &rep, &len), WASP_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(rep, "pong", 4);
    free(rep);
    /* codec tags cross the hook both ways */
    uint64_t reply_codec = 0;
    wasp_send_opts tagged = {.to_name = "far", .data = "q", .len = 1, .codec = WASP_CODEC_JSON,
                             .reply_codec = &reply_codec};
    assert_int_equal(wasp_ask_ex(sys, &tagged, 2000000000ull, &rep, &len), WASP_OK);
    free(rep);
    assert_true(r.codec == WASP_CODEC_JSON);
    assert_true(reply_codec == WASP_CODEC_CBOR);
    /* accepted but never answered: the runtime's timeout applies; the late
     * completion afterwards only releases */
    r.reply_now = false;
    assert_int_equal(wasp_ask_name(sys, "far", "x", 1, 20000000ull, &rep, &len), WASP_ETIMEDOUT);
    assert_non_null(r.fn);
    r.fn(r.fn_arg, WASP_OK, "late", 4);
    r.answer = WASP_ENOENT;
    assert_int_equal(wasp_ask_name(sys, "far", "x", 1, 20000000ull, &rep, &len), WASP_ENOENT);
    wasp_system_destroy(sys);
}

/* Asks "far" without a timeout and records the reply's status and bytes. */
static atomic_int asker_got;
static char asker_reply[16];
static int asker_handle(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->flags & WASP_MSG_REPLY) {
        snprintf(asker_reply, sizeof(asker_reply), "%d:%.*s", m->status, (int)m->len,
                 (const char *)m->data);
        atomic_fetch_add(&asker_got, 1);
        return 0;
    }
    wasp_send_opts o = {.to_name = "far", .data = "q", .len = 1};
    uint64_t corr = 0;
    assert_int_equal(wasp_ctx_ask(ctx, &o, 0, &corr), WASP_OK);
    assert_true(corr != 0);
    return 0;
}

static void test_ctx_ask_and_send_after(void **state) {
    (void)state;
    struct router r;
    wasp_system *sys = remote_sys(&r);
    r.reply_now = true;
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.name = "asker", .handle = asker_handle};
    assert_int_equal(wasp_spawn(sys, &s, NULL), WASP_OK);
    assert_int_equal(wasp_send_name(sys, "asker", "go", 2), WASP_OK);
    wait_n(&asker_got, 1);
    assert_string_equal(asker_reply, "0:pong");
    wasp_send_opts o = {.to_name = "later", .data = "t", .len = 1};
    assert_int_equal(wasp_send_after(sys, &o, 1000000ull, NULL), WASP_OK);
    for (int i = 0; i < 5000 && routed(&r) < 2; i++) usleep(1000);
    assert_string_equal(r.last, "later:t");
    wasp_system_destroy(sys);
}

/* What another process relays keeps its sender's name. */
static char seen_sender[32];
static atomic_int seen_n;
static int name_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx;
    snprintf(seen_sender, sizeof(seen_sender), "%s", m->sender_name ? m->sender_name : "(none)");
    atomic_fetch_add(&seen_n, 1);
    return 0;
}

static void test_sender_name(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec s = {.name = "box", .handle = name_handle};
    assert_int_equal(wasp_spawn(sys, &s, NULL), WASP_OK);
    wasp_send_opts o = {.to_name = "box", .data = "x", .len = 1, .sender_name = "far.away"};
    assert_int_equal(wasp_send_ex(sys, &o), WASP_OK);
    wait_n(&seen_n, 1);
    assert_string_equal(seen_sender, "far.away");
    assert_int_equal(wasp_send_name(sys, "box", "y", 1), WASP_OK);
    wait_n(&seen_n, 2);
    assert_string_equal(seen_sender, "(none)");
    wasp_system_destroy(sys);
}

static void test_publish_hook(void **state) {
    (void)state;
    struct router r;
    wasp_system *sys = remote_sys(&r);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *rc = rec_new();
    wasp_actor_spec s = rec_spec(rc, "sub");
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, id, "t.>"), WASP_OK);
    assert_int_equal(wasp_publish_tagged(sys, "t.a", "1", 1, WASP_CODEC_RAW), 1);
    assert_int_equal(r.published, 1);
    assert_true(r.codec == WASP_CODEC_RAW);
    r.publish_rc = WASP_EINVAL; /* the remote layer refuses: nothing delivered anywhere */
    assert_int_equal(wasp_publish(sys, "t.b", "2", 1), WASP_EINVAL);
    assert_int_equal(wasp_publish_local(sys, "t.c", "3", 1), 1); /* no hook */
    assert_int_equal(r.published, 2);
    assert_int_equal(wasp_publish(sys, "bad..topic", "4", 1), WASP_EINVAL);
    assert_int_equal(r.published, 2);
    wait_n(&rc->n, 2);
    assert_string_equal(rc->log[0], "1");
    assert_string_equal(rc->log[1], "3");
    wasp_system_destroy(sys);
    rec_free(rc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_first),
        cmocka_unit_test(test_remote_ask),
        cmocka_unit_test(test_ctx_ask_and_send_after),
        cmocka_unit_test(test_publish_hook),
        cmocka_unit_test(test_sender_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
