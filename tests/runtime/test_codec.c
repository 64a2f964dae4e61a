/* Codec tags (wasp.h, "Codec tags"): set by the sender, read by the
 * receiver as msg->codec, kept on every hop - names and pools, publish,
 * timers, requests and their replies (completion, forwarded and direct),
 * deferred replies and dead letters. */
#include "rt_helpers.h"

static void wait_count(atomic_int *n, int want) {
    assert_true(TU_WAIT_UNTIL(atomic_load(n) >= want, 5000));
}

static void test_names_and_parse(void **state) {
    (void)state;
    assert_string_equal(wasp_codec_name(WASP_CODEC_JSON), "json");
    assert_string_equal(wasp_codec_name(0x55), "raw");
    assert_null(wasp_codec_name(0));
    assert_null(wasp_codec_name(0x1234));
    uint64_t c = 0;
    assert_int_equal(wasp_codec_parse("cbor", &c), WASP_OK);
    assert_true(c == WASP_CODEC_CBOR);
    assert_int_equal(wasp_codec_parse("0x0200", &c), WASP_OK);
    assert_true(c == WASP_CODEC_JSON);
    assert_int_equal(wasp_codec_parse("80", &c), WASP_OK);
    assert_true(c == WASP_CODEC_PROTOBUF);
    assert_int_equal(wasp_codec_parse("9223372036854775807", &c), WASP_OK);
    assert_true(c == WASP_CODEC_MAX);
    const char *bad[] = {"", "yaml", "-1", " 5", "0x", "5x", "9223372036854775808", "0xffffffffffffffffff"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(wasp_codec_parse(bad[i], &c), WASP_EINVAL);
}

static void test_send_pool_publish_timer(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct rec *r = rec_new();
    wasp_actor_spec s = rec_spec(r, "a");
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &s, &id), WASP_OK);
    assert_int_equal(wasp_pool_add(sys, "pool", id), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, id, "t.>"), WASP_OK);

    wasp_send_opts o = {.to_name = "a", .data = "1", .len = 1, .codec = WASP_CODEC_JSON};
    assert_int_equal(wasp_send_ex(sys, &o), WASP_OK);
    wait_count(&r->n, 1);
    o.to_name = "pool";
    o.data = "2";
    o.codec = WASP_CODEC_CBOR;
    assert_int_equal(wasp_send_ex(sys, &o), WASP_OK);
    wait_count(&r->n, 2);
    assert_int_equal(wasp_publish_tagged(sys, "t.x", "3", 1, WASP_CODEC_PROTOBUF), 1);
    wait_count(&r->n, 3);
    o.to_name = "a";
    o.data = "4";
    o.codec = WASP_CODEC_MAX;
    assert_int_equal(wasp_send_after(sys, &o, 1000000ull, NULL), WASP_OK);
    wait_count(&r->n, 4);
    assert_int_equal(wasp_send_name(sys, "a", "5", 1), WASP_OK); /* untagged */
    wait_count(&r->n, 5);
    const uint64_t want[] = {WASP_CODEC_JSON, WASP_CODEC_CBOR, WASP_CODEC_PROTOBUF, WASP_CODEC_MAX, 0};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r->log[i][0], '1' + i);
        assert_true(r->codec[i] == want[i]);
    }
    /* a tag past the multicodec range is refused, nothing queued */
    o.codec = WASP_CODEC_MAX + 1;
    assert_int_equal(wasp_send_ex(sys, &o), WASP_EINVAL);
    assert_int_equal(wasp_send_after(sys, &o, 1000ull, NULL), WASP_EINVAL);
    assert_int_equal(wasp_publish_tagged(sys, "t.x", "6", 1, WASP_CODEC_MAX + 1), WASP_EINVAL);
    wasp_system_destroy(sys);
    rec_free(r);
}

/* Answers every request with its own codec tag + 1, and records what it got. */
static int echo_tag(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->flags & WASP_MSG_REQUEST) return wasp_reply_tagged(ctx, m->data, m->len, m->codec + 1);
    return 0;
}

static _Atomic uint64_t seen_reply_codec;
static atomic_int replies;

static void on_reply(void *arg, int status, const void *data, size_t len) {
    (void)data, (void)len;
    uint64_t *codec = arg;
    if (status == WASP_OK) atomic_store(&seen_reply_codec, *codec);
    atomic_fetch_add(&replies, 1);
}

/* Asks "echo" from inside an actor, with and without a timeout (forwarded
 * and direct replies), and records the replies' tags. */
static _Atomic uint64_t actor_reply_codec[2];
static atomic_int actor_replies;
static int asker(wasp_ctx *ctx, const wasp_msg *m) {
    if (m->flags & WASP_MSG_REPLY) {
        int i = atomic_fetch_add(&actor_replies, 1);
        if (i < 2) atomic_store(&actor_reply_codec[i], m->codec);
        return 0;
    }
    wasp_send_opts o = {.to_name = "echo", .data = "q", .len = 1, .codec = 10};
    if (wasp_ctx_ask(ctx, &o, 0, NULL)) return 1;
    o.codec = 20;
    return wasp_ctx_ask(ctx, &o, 2000000000ull, NULL) != WASP_OK;
}

static void test_request_reply(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec e = {.name = "echo", .handle = echo_tag};
    assert_int_equal(wasp_spawn(sys, &e, NULL), WASP_OK);
    /* blocking ask */
    uint64_t reply_codec = 0;
    void *rep = NULL;
    size_t len = 0;
    wasp_send_opts o = {.to_name = "echo", .data = "x", .len = 1, .codec = WASP_CODEC_JSON,
                        .reply_codec = &reply_codec};
    assert_int_equal(wasp_ask_ex(sys, &o, 2000000000ull, &rep, &len), WASP_OK);
    free(rep);
    assert_true(reply_codec == WASP_CODEC_JSON + 1);
    /* completion */
    uint64_t cb_codec = 0;
    o.codec = 0x70;
    o.reply_codec = &cb_codec;
    assert_int_equal(wasp_ask_cb(sys, &o, 2000000000ull, on_reply, &cb_codec), WASP_OK);
    wait_count(&replies, 1);
    assert_true(atomic_load(&seen_reply_codec) == 0x71);
    /* from an actor: the reply messages carry the tag */
    wasp_actor_spec a = {.name = "asker", .handle = asker};
    assert_int_equal(wasp_spawn(sys, &a, NULL), WASP_OK);
    assert_int_equal(wasp_send_name(sys, "asker", "go", 2), WASP_OK);
    wait_count(&actor_replies, 2);
    uint64_t got0 = atomic_load(&actor_reply_codec[0]), got1 = atomic_load(&actor_reply_codec[1]);
    assert_true((got0 == 11 && got1 == 21) || (got0 == 21 && got1 == 11));
    wasp_system_destroy(sys);
}

/* Defers each request and answers it from the test thread. */
static wasp_deferred *_Atomic deferred;
static int defer_all(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    wasp_deferred *d = NULL;
    if (wasp_reply_defer(ctx, &d)) return 1;
    atomic_store(&deferred, d);
    return 0;
}

static void test_deferred_and_dead_letters(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    wasp_actor_spec d = {.name = "later", .handle = defer_all};
    assert_int_equal(wasp_spawn(sys, &d, NULL), WASP_OK);
    uint64_t cb_codec = 0;
    wasp_send_opts o = {.to_name = "later", .data = "x", .len = 1, .reply_codec = &cb_codec};
    atomic_store(&replies, 0);
    assert_int_equal(wasp_ask_cb(sys, &o, 2000000000ull, on_reply, &cb_codec), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&deferred) != NULL, 5000));
    assert_int_equal(wasp_reply_deferred_tagged(atomic_load(&deferred), "y", 1, WASP_CODEC_MAX + 1),
                     WASP_EINVAL); /* the token is kept */
    assert_int_equal(wasp_reply_deferred_tagged(atomic_load(&deferred), "y", 1, WASP_CODEC_RAW), WASP_OK);
    wait_count(&replies, 1);
    assert_true(atomic_load(&seen_reply_codec) == WASP_CODEC_RAW);

    /* a letter for an actor that crashes on it: the notice keeps the tag */
    struct rec *dl = rec_new();
    wasp_actor_spec w = rec_spec(dl, "watcher");
    wasp_aid wid;
    assert_int_equal(wasp_spawn(sys, &w, &wid), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, wid, WASP_DEAD_LETTERS_TOPIC), WASP_OK);
    struct rec *victim = rec_new();
    victim->ret = WASP_ECRASH;
    wasp_actor_spec v = rec_spec(victim, "victim");
    assert_int_equal(wasp_spawn(sys, &v, NULL), WASP_OK);
    wasp_send_opts t = {.to_name = "victim", .data = "boom", .len = 4, .codec = WASP_CODEC_DAG_JSON};
    assert_int_equal(wasp_send_ex(sys, &t), WASP_OK);
    wait_count(&dl->n, 1);
    assert_string_equal(dl->log[0], "boom");
    assert_true(dl->codec[0] == WASP_CODEC_DAG_JSON);
    wasp_system_destroy(sys);
    rec_free(dl);
    rec_free(victim);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_parse),
        cmocka_unit_test(test_send_pool_publish_timer),
        cmocka_unit_test(test_request_reply),
        cmocka_unit_test(test_deferred_and_dead_letters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
