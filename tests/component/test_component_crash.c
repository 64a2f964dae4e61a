/* The optional import `crash` (docs/ABI.md, "Faults"): a guest that ends
 * itself on purpose crashes exactly as on a trap - supervisor restart with
 * a fresh instance, the message in hand a dead letter, a request in hand
 * answered ENOREPLY - with its reason, escaped and bounded, in the crash
 * reason; a bad range is a contained crash too. The SDK's wasp_crash,
 * abort() and WASP_ASSERT go through it (tests/guest/crasher.c). */
#include "comp_helpers.h"

struct crash_world {
    struct world w;
    wasp_supervisor *sup;
    wasp_aid id;
};

/* A supervised `name` from path (a fixture or a guest), answering. */
static struct crash_world crash_world(const char *name, const char *path, const char *warm) {
    tu_signals_restore();
    struct crash_world cw = {.w = world_new(2)};
    wasp_component_spec s = {.name = name, .wasm_path = path};
    cw.sup = comp_supervise(&cw.w, &s);
    assert_int_equal(wasp_lookup(cw.w.sys, name, &cw.id), WASP_OK);
    assert_int_equal(comp_ask(&cw.w, name, warm, NULL, 0), WASP_OK);
    return cw;
}

static void crash_world_free(struct crash_world *cw) {
    world_free(&cw->w);
    wasp_supervisor_destroy(cw->sup);
}

/* Asks `name` with (msg, len), which must crash it: the ask gets ENOREPLY,
 * the actor is restarted (restarts = n), the request is its dead letter,
 * and its last_error is returned in out. */
static void crash_with(struct crash_world *cw, const char *name, const void *msg, size_t len, uint64_t n, char *out,
                       size_t cap) {
    void *reply = NULL;
    size_t rlen = 0;
    int rc = wasp_ask_name(cw->w.sys, name, msg, len, 5000000000ull, &reply, &rlen);
    free(reply);
    assert_int_equal(rc, WASP_ECRASH); /* a guest's `call` gets ENOREPLY: guest_call_gets_enoreply */
    assert_true(TU_WAIT_UNTIL(comp_stats(&cw->w, cw->id).restarts == n &&
                                  comp_stats(&cw->w, cw->id).state == WASP_STATE_READY,
                              3000));
    wasp_actor_stats st = comp_stats(&cw->w, cw->id);
    assert_int_equal(st.crashes, n);
    assert_int_equal(st.dead_letters, n);
    assert_true(TU_WAIT_UNTIL(comp_accounted(&cw->w, cw->id), 3000));
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(cw->w.wasm, cw->id, &info), WASP_OK);
    assert_int_equal(info.instantiations, n + 1);
    snprintf(out, cap, "%s", info.last_error);
}

static void expect_in(const char *text, const char *part) {
    if (!strstr(text, part)) fail_msg("\"%s\" lacks \"%s\"", text, part);
}

static void crash_names_its_reason(void **state) {
    (void)state;
    struct crash_world cw = crash_world("crasher", tu_fixture("comp_crash.wasm"), "warm");
    /* a module without the import, beside it, is not disturbed */
    wasp_component_spec es = comp_spec("echo", "comp_echo.wasm");
    comp_spawn(&cw.w, &es);

    char why[512];
    crash_with(&cw, "crasher", "kout of widgets", 15, 1, why, sizeof(why));
    assert_string_equal(why, "crashed: `handle-message`: `crash`: \"out of widgets\"");

    /* a fresh instance: its count starts again */
    char out[8];
    int32_t count;
    assert_int_equal(comp_ask(&cw.w, "crasher", "c", out, sizeof(out)), WASP_OK);
    memcpy(&count, out, 4);
    assert_int_equal(count, 1);
    comp_expect_reply(&cw.w, "echo", "still here", "still here");

    /* an empty reason */
    crash_with(&cw, "crasher", "k", 1, 2, why, sizeof(why));
    assert_string_equal(why, "crashed: `handle-message`: `crash`: \"\"");
    crash_world_free(&cw);
}

/* A guest's `call` to an actor that crashes on purpose on the request
 * gets ENOREPLY at once, as for a trap (docs/ABI.md, "What call returns"). */
static void guest_call_gets_enoreply(void **state) {
    (void)state;
    struct crash_world cw = crash_world("crasher", tu_fixture("comp_crash.wasm"), "warm");
    static const char *const may_send[] = {"crasher"};
    wasp_component_spec as = {.name = "agent", .wasm_path = WASP_GUESTS "/agent.wasm"};
    as.permissions.send = may_send;
    as.permissions.nsend = 1;
    comp_spawn(&cw.w, &as);
    comp_expect_reply(&cw.w, "agent", "ask:crasher:kboom", "error:WASP_ENOREPLY");
    assert_true(TU_WAIT_UNTIL(comp_stats(&cw.w, cw.id).restarts == 1, 3000));
    comp_expect_reply(&cw.w, "agent", "ask:crasher:again", "reply:again");
    crash_world_free(&cw);
}

/* A request queued behind the crash waits for the restarted instance. */
static void queued_request_survives(void **state) {
    (void)state;
    struct crash_world cw = crash_world("crasher", tu_fixture("comp_crash.wasm"), "warm");
    assert_int_equal(wasp_send_name(cw.w.sys, "crasher", "kboom", 5), WASP_OK);
    comp_expect_reply(&cw.w, "crasher", "after", "after");
    wasp_actor_stats st = comp_stats(&cw.w, cw.id);
    assert_int_equal(st.crashes, 1);
    assert_int_equal(st.dead_letters, 1);
    crash_world_free(&cw);
}

/* Control characters, NUL and invalid UTF-8 are escaped: one line that
 * cannot pass for another; valid UTF-8 stays. */
static void reason_is_escaped(void **state) {
    (void)state;
    struct crash_world cw = crash_world("crasher", tu_fixture("comp_crash.wasm"), "warm");
    static const char msg[] = "kline1\nerror host: forged\xff\x00 caf\xc3\xa9\x1b[2J";
    char why[512];
    crash_with(&cw, "crasher", msg, sizeof(msg) - 1, 1, why, sizeof(why));
    assert_string_equal(why, "crashed: `handle-message`: `crash`: "
                             "\"line1\\x0aerror host: forged\\xff\\x00 caf\xc3\xa9\\x1b[2J\"");
    assert_null(strchr(why, '\n'));
    crash_world_free(&cw);
}

/* A long reason is cut, at a whole character, and says so. */
static void reason_is_bounded(void **state) {
    (void)state;
    struct crash_world cw = crash_world("crasher", tu_fixture("comp_crash.wasm"), "warm");
    static char msg[5001];
    msg[0] = 'k';
    for (size_t i = 1; i < sizeof(msg); i += 2) memcpy(msg + i, "\xc3\xa9", 2); /* é */
    char why[512];
    crash_with(&cw, "crasher", msg, sizeof(msg), 1, why, sizeof(why));
    size_t n = strlen(why);
    assert_true(n < 320);
    assert_string_equal(why + n - 4, "...\"");
    expect_in(why, "\"\xc3\xa9\xc3\xa9");
    assert_memory_equal(why + n - 6, "\xc3\xa9", 2); /* the last é whole */
    /* all escapes whole: a \x at the end would have been cut mid-way */
    static char esc[600];
    memset(esc, 0, sizeof(esc));
    esc[0] = 'k';
    memset(esc + 1, 0x01, sizeof(esc) - 1);
    crash_with(&cw, "crasher", esc, sizeof(esc), 2, why, sizeof(why));
    n = strlen(why);
    assert_string_equal(why + n - 8, "\\x01...\"");
    crash_world_free(&cw);
}

/* A reason outside memory, or of a negative length: still a contained
 * crash, naming the import. */
static void bad_range_is_a_crash(void **state) {
    (void)state;
    struct crash_world cw = crash_world("crasher", tu_fixture("comp_crash.wasm"), "warm");
    char why[512];
    crash_with(&cw, "crasher", "b", 1, 1, why, sizeof(why));
    expect_in(why, "`crash`: range [4294963200, +4096) is outside linear memory");
    crash_with(&cw, "crasher", "n", 1, 2, why, sizeof(why));
    expect_in(why, "`crash`: range [0, +4294967295) is outside linear memory");
    comp_expect_reply(&cw.w, "crasher", "fine", "fine");
    crash_world_free(&cw);
}

/* The SDK: wasp_crashf, abort() and WASP_ASSERT crash with their reason;
 * a trap instruction still crashes as before. */
static void sdk_crashes_with_reason(void **state) {
    (void)state;
    struct crash_world cw = crash_world("crasher", WASP_GUESTS "/crasher.wasm", "hello");
    char why[512];
    crash_with(&cw, "crasher", "reason", 6, 1, why, sizeof(why));
    assert_string_equal(why, "crashed: `handle-message`: `crash`: \"out of widgets\"");
    crash_with(&cw, "crasher", "abort", 5, 2, why, sizeof(why));
    assert_string_equal(why, "crashed: `handle-message`: `crash`: \"abort()\"");
    comp_expect_reply(&cw.w, "crasher", "assert", "ok"); /* holds */
    crash_with(&cw, "crasher", "assert!", 7, 3, why, sizeof(why));
    expect_in(why, "`crash`: \"assertion failed: len == 6 (");
    expect_in(why, "crasher.c:");
    crash_with(&cw, "crasher", "crash", 5, 4, why, sizeof(why));
    assert_string_equal(why, "crashed: `handle-message`: unreachable");
    crash_world_free(&cw);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crash_names_its_reason), cmocka_unit_test(guest_call_gets_enoreply),
        cmocka_unit_test(queued_request_survives),
        cmocka_unit_test(reason_is_escaped),      cmocka_unit_test(reason_is_bounded),
        cmocka_unit_test(bad_range_is_a_crash),   cmocka_unit_test(sdk_crashes_with_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
