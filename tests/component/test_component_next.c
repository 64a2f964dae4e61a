/* Component actors: the `next_message` import (docs/ABI.md). A guest that
 * takes the messages queued behind the one in hand within one call of
 * handle-message gets each exactly once, in order, with the outcome one
 * call per message would have had: results counted per message, a trap
 * crashes on the message in hand and leaves the rest queued for the next
 * instance, a message too big for the buffer waits for its own call, and
 * nothing is taken outside handle-message. Driven through
 * tests/fixtures/comp_next.wat, which reports every message it handles to
 * "probe"; "gate" holds the guest in a `call` while the test queues more. */
#include "comp_helpers.h"

static atomic_int g_gate_entered, g_gate_open;

/* Answers a request only once the test opens the gate (bounded: 10 s). */
static int gate_handle(wasp_ctx *ctx, const wasp_msg *m) {
    atomic_fetch_add(&g_gate_entered, 1);
    for (int i = 0; i < 10000 && !atomic_load(&g_gate_open); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    wasp_reply(ctx, m->data, m->len);
    return 0;
}

struct report {
    int32_t entry, start_next, alloc_next;
    char payload[64];
};

static struct report report(int i) {
    const struct probe_msg *m = probe_get(i, 5000);
    struct report r;
    assert_true(m->len >= 12 && m->len - 12 < sizeof(r.payload));
    memcpy(&r, m->data, 12);
    memcpy(r.payload, m->data + 12, m->len - 12);
    r.payload[m->len - 12] = 0;
    return r;
}

static void expect(int i, const char *payload, int32_t entry) {
    struct report r = report(i);
    assert_string_equal(r.payload, payload);
    assert_int_equal(r.entry, entry);
    assert_int_equal(r.start_next, -1); /* only handle-message may take messages */
    assert_int_equal(r.alloc_next, -1);
}

static const char *const perms[] = {"probe", "gate"};

static uint64_t g_max_handle_ns; /* the next start's limits.max_handle_time (0: default) */

static struct world start(bool supervised, wasp_aid *id, wasp_supervisor **sup) {
    struct world w = world_new(2);
    probe_spawn(w.sys);
    atomic_store(&g_gate_entered, 0);
    atomic_store(&g_gate_open, 0);
    wasp_actor_spec gate = {.name = "gate", .handle = gate_handle};
    assert_int_equal(wasp_spawn(w.sys, &gate, NULL), WASP_OK);
    wasp_component_spec s = comp_spec("next", "comp_next.wasm");
    s.permissions.send = perms;
    s.permissions.nsend = 2;
    s.limits.max_handle_ns = g_max_handle_ns;
    if (supervised) {
        *sup = comp_supervise(&w, &s);
        assert_int_equal(wasp_lookup(w.sys, "next", id), WASP_OK);
    } else {
        *id = comp_spawn(&w, &s);
    }
    return w;
}

static void send_text(struct world *w, const char *text) {
    assert_int_equal(wasp_send_name(w->sys, "next", text, strlen(text)), WASP_OK);
}

/* "p" waits at the gate; the rest queue behind it; then the gate opens. */
static void queue_behind_gate(struct world *w, wasp_aid id, const char *const *rest, int n) {
    send_text(w, "p");
    assert_true(TU_WAIT_UNTIL(atomic_load(&g_gate_entered) == 1, 5000));
    for (int i = 0; i < n; i++) send_text(w, rest[i]);
    assert_true(TU_WAIT_UNTIL(comp_stats(w, id).mailbox_len == (uint32_t)n, 5000));
    atomic_store(&g_gate_open, 1);
}

static void queued_messages_in_one_call(void **state) {
    (void)state;
    wasp_aid id;
    struct world w = start(false, &id, NULL);
    static const char *const rest[] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"};
    queue_behind_gate(&w, id, rest, 9);
    expect(0, "p", 1);
    for (int i = 0; i < 9; i++) expect(i + 1, rest[i], 1); /* each once, in order, in the same call */
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handled == 10, 5000));
    wasp_actor_stats st = comp_stats(&w, id);
    assert_int_equal(st.handler_errors, 0);
    assert_int_equal(st.dead_letters, 0);
    assert_int_equal(st.mailbox_len, 0);
    send_text(&w, "k10"); /* the next message starts a new call */
    expect(10, "k10", 2);
    assert_int_equal(atomic_load(&g_probe.n), 11);
    world_free(&w);
}

static void results_count_per_message(void **state) {
    (void)state;
    wasp_aid id;
    struct world w = start(false, &id, NULL);
    static const char *const rest[] = {"e1", "k2", "e3", "k4"};
    queue_behind_gate(&w, id, rest, 4);
    for (int i = 0; i < 4; i++) expect(i + 1, rest[i], 1);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handled == 5, 5000));
    assert_int_equal(comp_stats(&w, id).handler_errors, 2);
    world_free(&w);
}

/* After one crash mid-batch: everything accounted for, the mailbox empty,
 * one restart, `handled` messages handled and the crash's one dead letter;
 * the component's last error names `reason` (NULL: not checked). */
static void expect_one_crash(struct world *w, wasp_aid id, uint64_t handled, const char *reason, unsigned wait_ms) {
    assert_true(TU_WAIT_UNTIL(comp_accounted(w, id) && comp_stats(w, id).mailbox_len == 0, wait_ms));
    wasp_actor_stats st = comp_stats(w, id);
    assert_int_equal(st.restarts, 1);
    assert_int_equal(st.handled, handled);
    assert_int_equal(st.dead_letters, 1);
    if (!reason) return;
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w->wasm, id, &info), WASP_OK);
    if (!strstr(info.last_error, reason)) fail_msg("reason \"%s\"", info.last_error);
}

static void crash_mid_batch_keeps_the_rest(void **state) {
    (void)state;
    tu_signals_restore();
    wasp_aid id;
    wasp_supervisor *sup = NULL;
    struct world w = start(true, &id, &sup);
    static const char *const rest[] = {"k1", "t2", "k3", "k4"};
    queue_behind_gate(&w, id, rest, 4);
    expect(0, "p", 1);
    expect(1, "k1", 1);
    /* t2 crashed the first instance; the second handles k3 and k4, once each */
    expect(2, "k3", 1);
    expect(3, "k4", 1);
    expect_one_crash(&w, id, 4, NULL, 5000); /* p, k1, k3, k4 handled; t2, the crash's, dead */
    assert_int_equal(atomic_load(&g_probe.n), 4);
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

static void buffer_outside_memory_is_a_crash(void **state) {
    (void)state;
    tu_signals_restore();
    wasp_aid id;
    wasp_supervisor *sup = NULL;
    struct world w = start(true, &id, &sup);
    static const char *const rest[] = {"b1", "k2"};
    queue_behind_gate(&w, id, rest, 2);
    expect(1, "b1", 1); /* reported, then its next_message traps: b1 is the crash's */
    expect(2, "k2", 1); /* the new instance */
    expect_one_crash(&w, id, 2, "`next_message`: range", 5000);
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

/* A message taken with next_message has its own max_handle_time: the
 * budget starts again, and one that runs past it is the crash's message. */
static void each_message_has_its_own_time_budget(void **state) {
    (void)state;
    tu_signals_restore();
    wasp_aid id;
    wasp_supervisor *sup = NULL;
    g_max_handle_ns = 3000000000ull; /* also bounds "p"'s wait at the gate */
    struct world w = start(true, &id, &sup);
    g_max_handle_ns = 0;
    static const char *const rest[] = {"k1", "l2", "k3"};
    queue_behind_gate(&w, id, rest, 3);
    expect(1, "k1", 1);
    expect(2, "l2", 1); /* reported, then loops until its own budget ends */
    expect(3, "k3", 1); /* the new instance */
    expect_one_crash(&w, id, 3, "time budget", 10000);
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

static void too_big_waits_for_its_own_call(void **state) {
    (void)state;
    wasp_aid id;
    struct world w = start(false, &id, NULL);
    send_text(&w, "s"); /* next_message's cap is 1 from now on */
    expect(0, "s", 1);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handled == 1, 5000));
    static const char *const rest[] = {"kk", "k", "r", "k"};
    queue_behind_gate(&w, id, rest, 4);
    expect(1, "p", 2);
    expect(2, "kk", 3); /* too big for cap 1: not skipped, handed to a call of its own */
    expect(3, "k", 3);  /* fits: taken in that call */
    expect(4, "r", 3);  /* taken too; it asks for no more */
    expect(5, "k", 4);  /* so the last one starts a call of its own */
    world_free(&w);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queued_messages_in_one_call),
        cmocka_unit_test(results_count_per_message),
        cmocka_unit_test(crash_mid_batch_keeps_the_rest),
        cmocka_unit_test(buffer_outside_memory_is_a_crash),
        cmocka_unit_test(each_message_has_its_own_time_budget),
        cmocka_unit_test(too_big_waits_for_its_own_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
