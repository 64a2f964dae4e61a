/* Codec tags from guests (docs/ABI.md, "Codec tags"): codec_probe, built
 * as a core module and as a component, sets tags on send, send_after,
 * publish, call and reply and reads the tag of the message it handles;
 * native actors on the other side check what arrives. Both builds give the
 * same answers. */
#include "comp_helpers.h"

/* "sink" records each message's tag; "echo" answers a request with its
 * tag + 100. */
static _Atomic uint64_t sink_codec[8];
static atomic_int sink_n;

static int sink_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx;
    int i = atomic_load(&sink_n);
    if (i < 8) atomic_store(&sink_codec[i], m->codec);
    atomic_store(&sink_n, i + 1);
    return 0;
}

static int echo_handle(wasp_ctx *ctx, const wasp_msg *m) {
    return wasp_reply_tagged(ctx, "e", 1, m->codec + 100);
}

static uint64_t next_sink_codec(int want) {
    assert_true(TU_WAIT_UNTIL(atomic_load(&sink_n) >= want, 5000));
    return atomic_load(&sink_codec[want - 1]);
}

static void codec_probe(const char *path) {
    struct world w = world_new(2);
    atomic_store(&sink_n, 0);
    wasp_actor_spec sink = {.name = "sink", .handle = sink_handle};
    wasp_actor_spec echo = {.name = "echo", .handle = echo_handle};
    wasp_aid sink_id;
    assert_int_equal(wasp_spawn(w.sys, &sink, &sink_id), WASP_OK);
    assert_int_equal(wasp_spawn(w.sys, &echo, NULL), WASP_OK);
    assert_int_equal(wasp_subscribe(w.sys, sink_id, "t.>"), WASP_OK);
    static const char *const sends[] = {"sink", "echo"}, *const topics[] = {"t.>"};
    wasp_component_spec s = {.name = "p", .wasm_path = path};
    s.permissions.send = sends;
    s.permissions.nsend = 2;
    s.permissions.publish = topics;
    s.permissions.npublish = 1;
    comp_spawn(&w, &s);
    char out[96];

    /* the tag of the request, and the reply's own tag */
    uint64_t reply_codec = 0;
    void *rep = NULL;
    size_t len = 0;
    wasp_send_opts o = {.to_name = "p", .data = "what", .len = 4, .codec = WASP_CODEC_JSON,
                        .reply_codec = &reply_codec};
    assert_int_equal(wasp_ask_ex(w.sys, &o, 5000000000ull, &rep, &len), WASP_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(rep, "512", 3);
    free(rep);
    assert_true(reply_codec == WASP_CODEC_JSON + 1);
    assert_int_equal(comp_ask(&w, "p", "untagged", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "0");

    /* each hop from the guest keeps its tag */
    assert_int_equal(comp_ask(&w, "p", "send sink 81", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "0");
    assert_true(next_sink_codec(1) == 81);
    assert_int_equal(comp_ask(&w, "p", "pub t.x 85", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "1");
    assert_true(next_sink_codec(2) == 85);
    assert_int_equal(comp_ask(&w, "p", "after sink 80", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "0");
    assert_true(next_sink_codec(3) == 80);
    assert_int_equal(comp_ask(&w, "p", "ask echo 113", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "e@213");
    /* a plain message is forwarded with its own tag */
    wasp_send_opts f = {.to_name = "p", .data = "fwd", .len = 3, .codec = 0x0129};
    assert_int_equal(wasp_send_ex(w.sys, &f), WASP_OK);
    assert_true(next_sink_codec(4) == 0x0129);

    /* a negative tag is EINVAL, nothing sent */
    assert_int_equal(comp_ask(&w, "p", "send sink -2", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "-6");
    assert_int_equal(comp_ask(&w, "p", "ask echo -2", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "-6");
    world_free(&w);
}

static void test_core_module(void **state) {
    (void)state;
    codec_probe(WASP_GUESTS "/codec_probe.wasm");
}

static void test_component(void **state) {
    (void)state;
    codec_probe(WASP_GUESTS "/cm/codec_probe.wasm");
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_module),
        cmocka_unit_test(test_component),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
