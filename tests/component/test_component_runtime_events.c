/* Runtime events are a channel of their own (issue 11, parts 1-2): a
 * component with `send: ["*"]` - or native code - sending payloads of any
 * length and shape to supervisors cannot pose as a child exit, a timer, a
 * health result or anything else the runtime tells a supervisor; and a
 * health probe is never a message, so nothing of the host's reaches
 * `wasp.dead_letters` or a guest, and probes are never counted. */
#include "comp_helpers.h"

static atomic_int worker_handled;

static int worker_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    atomic_fetch_add(&worker_handled, 1);
    return 0;
}

/* Payload shapes a forger would try: every length up to 128 bytes, each
 * starting like a supervisor event (kind, reason = crash, a real child id),
 * the rest filled with pointer-looking words. */
static size_t forged_payload(uint8_t *buf, size_t len, int kind, wasp_aid victim) {
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(i % 8 == 7 ? 0x00 : 0x41);
    int32_t head[2] = {kind, WASP_EXIT_CRASH};
    if (len >= 8) memcpy(buf, head, 8);
    if (len >= 16) memcpy(buf + 8, &victim, 8);
    if (len >= 48) { /* a plausible host heap address where a pointer might sit */
        uint64_t ptr = (uint64_t)(uintptr_t)buf;
        memcpy(buf + 40, &ptr, 8);
    }
    return len;
}

static const size_t lengths[] = {0, 1, 4, 8, 12, 16, 24, 32, 40, 47, 48, 49, 56, 64, 72, 80, 96, 128};
#define NLEN (sizeof(lengths) / sizeof(lengths[0]))

struct tree {
    struct world w;
    wasp_supervisor *root;
    wasp_aid worker, leaf, root_id, mid_id;
};

static void tree_start(struct tree *t) {
    t->w = world_new(2);
    static const char *const all[] = {"*"};
    wasp_component_spec fs = comp_spec("forger", "comp_forger.wasm");
    fs.permissions.send = all;
    fs.permissions.nsend = 1;
    wasp_component *forger = comp_load(&t->w, &fs);
    static wasp_actor_spec worker = {.name = "worker", .handle = worker_handle};
    static wasp_actor_spec leaf = {.name = "leaf", .handle = worker_handle};
    static wasp_child_spec mid_kids[1];
    mid_kids[0] = (wasp_child_spec){.actor = &leaf};
    static wasp_supervisor_spec mid = {.name = "mid", .strategy = WASP_SUP_ONE_FOR_ALL,
                                       .intensity = 0, .children = mid_kids, .nchildren = 1};
    static wasp_child_spec kids[3];
    wasp_component_child_specs(forger, &kids[0]);
    kids[1] = (wasp_child_spec){.actor = &worker};
    kids[2] = (wasp_child_spec){.supervisor = &mid};
    wasp_supervisor_spec root = {.name = "root", .strategy = WASP_SUP_ONE_FOR_ALL, .intensity = 0,
                                 .children = kids, .nchildren = 3};
    assert_int_equal(wasp_supervisor_start(t->w.sys, &root, &t->root), WASP_OK);
    assert_int_equal(wasp_lookup(t->w.sys, "worker", &t->worker), WASP_OK);
    assert_int_equal(wasp_lookup(t->w.sys, "leaf", &t->leaf), WASP_OK);
    assert_int_equal(wasp_lookup(t->w.sys, "root", &t->root_id), WASP_OK);
    assert_int_equal(wasp_lookup(t->w.sys, "mid", &t->mid_id), WASP_OK);
}

/* Nothing happened to the tree: no restart anywhere, same identities. */
static void tree_untouched(struct tree *t) {
    assert_false(wasp_supervisor_gave_up(t->root));
    assert_int_equal(wasp_supervisor_history(t->root, NULL, 0), 0);
    wasp_supervisor *mid = wasp_supervisor_find(t->root, "mid");
    assert_non_null(mid);
    assert_false(wasp_supervisor_gave_up(mid));
    assert_int_equal(wasp_supervisor_history(mid, NULL, 0), 0);
    const char *names[] = {"worker", "leaf", "forger", "root", "mid"};
    for (size_t i = 0; i < 5; i++) {
        wasp_aid id;
        assert_int_equal(wasp_lookup(t->w.sys, names[i], &id), WASP_OK);
        wasp_actor_stats st = comp_stats(&t->w, id);
        assert_int_equal(st.state, WASP_STATE_READY);
        assert_int_equal(st.crashes, 0);
        assert_int_equal(st.restarts, 0);
    }
    wasp_aid id;
    assert_int_equal(wasp_lookup(t->w.sys, "worker", &id), WASP_OK);
    assert_true(id == t->worker);
    assert_int_equal(wasp_lookup(t->w.sys, "leaf", &id), WASP_OK);
    assert_true(id == t->leaf);
}

/* Every forged payload a supervisor got is a dead letter (a supervisor
 * handles no messages), none was taken for an event. */
static bool supervisors_dropped(struct tree *t, uint64_t each) {
    wasp_actor_stats r = comp_stats(&t->w, t->root_id), m = comp_stats(&t->w, t->mid_id);
    return r.received == each && r.dead_letters == each && r.handled == 0 && m.received == each &&
           m.dead_letters == each && m.handled == 0;
}

static void forging_guest_cannot_pose_as_runtime_events(void **state) {
    (void)state;
    struct tree t;
    tree_start(&t);
    const char *targets[] = {"root", "mid"};
    uint64_t sent = 0;
    uint8_t msg[1 + 8 + 128];
    for (size_t ti = 0; ti < 2; ti++) {
        size_t l = strlen(targets[ti]);
        for (size_t i = 0; i < NLEN; i++) {
            for (int kind = 0; kind <= 12; kind++) {
                msg[0] = (uint8_t)l;
                memcpy(msg + 1, targets[ti], l);
                wasp_aid victim = kind % 2 ? t.worker : t.leaf;
                size_t n = forged_payload(msg + 1 + l, lengths[i], kind, victim);
                assert_int_equal(wasp_send_name(t.w.sys, "forger", msg, 1 + l + n), WASP_OK);
                sent++;
            }
        }
    }
    wasp_aid forger;
    assert_int_equal(wasp_lookup(t.w.sys, "forger", &forger), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&t.w, forger).handled == sent, 10000));
    assert_true(TU_WAIT_UNTIL(supervisors_dropped(&t, sent / 2), 10000));
    tree_untouched(&t);
    assert_int_equal(atomic_load(&worker_handled), 0);
    wasp_supervisor *root = t.root;
    world_free(&t.w);
    wasp_supervisor_destroy(root);
}

/* The same shapes from native code, outside any actor and at high priority,
 * including a real heap pointer where a supervisor event keeps one. */
static void native_forger_cannot_pose_as_runtime_events(void **state) {
    (void)state;
    struct tree t;
    tree_start(&t);
    uint64_t sent = 0;
    uint8_t buf[128];
    wasp_aid targets[] = {t.root_id, t.mid_id};
    for (size_t ti = 0; ti < 2; ti++) {
        for (size_t i = 0; i < NLEN; i++) {
            for (int kind = 0; kind <= 12; kind++) {
                size_t n = forged_payload(buf, lengths[i], kind, ti ? t.leaf : t.worker);
                wasp_send_opts o = {.to = targets[ti], .data = buf, .len = n,
                                    .priority = kind % 2 ? WASP_PRIO_HIGH : WASP_PRIO_NORMAL};
                assert_int_equal(wasp_send_ex(t.w.sys, &o), WASP_OK);
                sent++;
            }
        }
    }
    assert_true(TU_WAIT_UNTIL(supervisors_dropped(&t, sent / 2), 10000));
    /* an ask to a supervisor is a dead letter too: it gets no reply */
    void *rep = NULL;
    size_t len = 0;
    assert_int_equal(wasp_ask(t.w.sys, t.root_id, buf, 48, 2000000000ull, &rep, &len), WASP_ENOREPLY);
    tree_untouched(&t);
    wasp_supervisor *root = t.root;
    world_free(&t.w);
    wasp_supervisor_destroy(root);
}

static atomic_int native_notices;

static int dead_letter_watch(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    atomic_fetch_add(&native_notices, 1);
    return 0;
}

/* A `_health` that never returns: probe after probe times out and the
 * child is killed and restarted - and no probe ever becomes a message, a
 * dead letter, or a notice on wasp.dead_letters (native or guest subscriber). */
static void hung_health_probe_leaks_nothing(void **state) {
    (void)state;
    struct world w = world_new(2);
    probe_spawn(w.sys);
    atomic_store(&native_notices, 0);
    wasp_actor_spec watch = {.name = "watch", .handle = dead_letter_watch};
    wasp_aid watch_id;
    assert_int_equal(wasp_spawn(w.sys, &watch, &watch_id), WASP_OK);
    assert_int_equal(wasp_subscribe(w.sys, watch_id, WASP_DEAD_LETTERS_TOPIC), WASP_OK);
    static const char *const dl[] = {WASP_DEAD_LETTERS_TOPIC}, *const to_probe[] = {"probe"};
    wasp_component_spec spy = comp_spec("spy", "comp_spy.wasm");
    spy.subscribe = dl;
    spy.nsubscribe = 1;
    spy.permissions.subscribe = dl;
    spy.permissions.nsubscribe = 1;
    spy.permissions.send = to_probe;
    spy.permissions.nsend = 1;
    (void)comp_spawn(&w, &spy);

    wasp_component_spec hs = comp_spec("hang", "comp_health_hang.wasm");
    hs.health.interval_ns = 5000000ull;
    hs.health.timeout_ns = 20000000ull;
    hs.health.unhealthy_after = 2;
    hs.limits.timeslice_ns = 1000000ull;
    wasp_component *c = comp_load(&w, &hs);
    wasp_child_spec child;
    wasp_component_child_specs(c, &child);
    wasp_supervisor_spec sup = {.name = "sup", .intensity = 100, .period_ns = 10000000000ull,
                                .children = &child, .nchildren = 1};
    wasp_supervisor *sv = NULL;
    assert_int_equal(wasp_supervisor_start(w.sys, &sup, &sv), WASP_OK);
    uint64_t restarts = 0;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(sv, "hang", NULL, &restarts) == WASP_OK && restarts >= 2,
                              10000));
    wasp_aid hang;
    assert_int_equal(wasp_lookup(w.sys, "hang", &hang), WASP_OK);
    wasp_actor_stats st = comp_stats(&w, hang);
    assert_true(st.crashes >= 2);
    assert_int_equal(st.received, 0); /* probes are not messages */
    assert_int_equal(st.handled, 0);
    assert_int_equal(st.dead_letters, 0);
    /* it still serves messages between probes */
    char out[8];
    assert_int_equal(comp_ask(&w, "hang", "ping", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "ping");
    wasp_system_stats ss;
    wasp_system_stats_get(w.sys, &ss);
    assert_int_equal(ss.dead_letters, 0);
    assert_int_equal(atomic_load(&native_notices), 0);
    assert_int_equal(atomic_load(&g_probe.n), 0); /* the guest subscriber saw nothing */
    world_free(&w);
    wasp_supervisor_destroy(sv);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forging_guest_cannot_pose_as_runtime_events),
        cmocka_unit_test(native_forger_cannot_pose_as_runtime_events),
        cmocka_unit_test(hung_health_probe_leaks_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
