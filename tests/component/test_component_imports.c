/* Component actors: every `wasp` import with its results and error codes
 * (docs/ABI.md), driven through tests/fixtures/comp_imports.wat which
 * reports each result to the native actor "probe". */
#include "comp_helpers.h"

static const char *const send_ok[] = {"probe", "nobody", "other2"};
static const char *const pub_ok[] = {"t.>"};
static const char *const sub_ok[] = {"t.*", "wasp.dead_letters"};

static struct world g_w;
static wasp_aid g_id;

static int setup(void **state) {
    (void)state;
    g_w = world_new(2);
    probe_spawn(g_w.sys);
    wasp_component_spec s = comp_spec("imp", "comp_imports.wasm");
    s.limits.max_message = 100;
    s.permissions.send = send_ok;
    s.permissions.nsend = 3;
    s.permissions.publish = pub_ok;
    s.permissions.npublish = 1;
    s.permissions.subscribe = sub_ok;
    s.permissions.nsubscribe = 2;
    g_id = comp_spawn(&g_w, &s);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    world_free(&g_w);
    return 0;
}

/* Sends one op and returns the i32 result the component reported. */
static int32_t op(const char *payload) {
    int before = atomic_load(&g_probe.n);
    assert_int_equal(wasp_send_name(g_w.sys, "imp", payload, strlen(payload)), WASP_OK);
    return probe_result(before);
}

static const struct probe_msg *last(void) { return &g_probe.msgs[atomic_load(&g_probe.n) - 1]; }

static void send_errors(void **state) {
    (void)state;
    assert_int_equal(op("S"), WASP_EPERM);    /* "other" is not permitted */
    assert_int_equal(op("N"), WASP_ENOENT);   /* permitted, but no such actor */
    assert_int_equal(op("E"), WASP_EINVAL);   /* empty name */
    assert_int_equal(op("I"), WASP_EINVAL);   /* invalid UTF-8 */
    assert_int_equal(op("B"), WASP_E2BIG);    /* 200 bytes > max_message 100 */
}

static void publish_and_subscribe(void **state) {
    (void)state;
    assert_int_equal(op("P"), WASP_EPERM);  /* x.y not permitted */
    assert_int_equal(op("W"), WASP_EINVAL); /* wildcard in publish */
    assert_int_equal(op("F"), WASP_EPERM);  /* subscribe x.* not covered */
    assert_int_equal(op("U"), WASP_ENOENT); /* never subscribed */
    assert_int_equal(op("p"), 0);           /* nobody subscribes t.a yet */
    assert_int_equal(op("s"), 0);           /* subscribe t.* */
    assert_int_equal(op("s"), 0);           /* again: still 0 */
    /* Now it receives its own publish on t.a: 'p' then the copy arrives as
     * a message starting with the rest of the payload: "n" -> sender op. */
    int before = atomic_load(&g_probe.n);
    assert_int_equal(wasp_send_name(g_w.sys, "imp", "pt", 2), WASP_OK);
    assert_int_equal(probe_result(before), 1); /* queued for one subscriber: itself */
    /* The published copy "t" asks for the topic it came on. */
    const struct probe_msg *m = probe_get(before + 1, 3000);
    assert_int_equal(m->len, 4 + 3);
    assert_memory_equal(m->data + 4, "t.a", 3);
    assert_int_equal(op("u"), 0);
    assert_int_equal(op("p"), 0);
}

static void sender_self_topic(void **state) {
    (void)state;
    /* From outside: no sender, no topic. */
    assert_int_equal(op("n"), 0);
    assert_int_equal(op("t"), 0);
    assert_int_equal(op("m"), 3);
    assert_memory_equal(last()->data + 4, "imp", 3);
    /* From an actor: the probe sends on our behalf via a spawned helper. */
}

static void reply_outside_request(void **state) {
    (void)state;
    assert_int_equal(op("R"), WASP_ENOREPLY);
}

static void second_reply_is_refused(void **state) {
    (void)state;
    int before = atomic_load(&g_probe.n);
    char out[8];
    assert_int_equal(comp_ask(&g_w, "imp", "D", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "D"); /* the first reply arrived */
    assert_int_equal(probe_result(before), WASP_ENOREPLY);
}

static void send_after_log_now(void **state) {
    (void)state;
    int before = atomic_load(&g_probe.n);
    assert_int_equal(op("a"), 0);
    const struct probe_msg *late = probe_get(before + 1, 3000);
    assert_int_equal(late->len, 4);
    assert_memory_equal(late->data, "late", 4);
    assert_string_equal(late->sender, "imp");
    assert_int_equal(op("L"), 0);
    assert_int_equal(op("T"), 0);
    int64_t ms;
    memcpy(&ms, last()->data + 4, 8);
    assert_true(ms >= 0 && ms < 600000);
}

static void probe_sees_component_as_sender(void **state) {
    (void)state;
    assert_int_equal(op("m"), 3);
    assert_string_equal(last()->sender, "imp");
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(send_errors),
        cmocka_unit_test(publish_and_subscribe),
        cmocka_unit_test(sender_self_topic),
        cmocka_unit_test(reply_outside_request),
        cmocka_unit_test(second_reply_is_refused),
        cmocka_unit_test(send_after_log_now),
        cmocka_unit_test(probe_sees_component_as_sender),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
