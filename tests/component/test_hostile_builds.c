/* The hostile suite over both builds: tests/guest/hostile.c compiled as a
 * core module and as a Component Model component goes through the very same
 * assertions - every fault a contained crash that names its cause, a
 * supervisor restarting the actor clean while others carry on; memory,
 * fuel, time, message size, names, timers, subscriptions, log lines and
 * mailboxes held at their limits; lifecycle hooks that trap or never
 * return bounded. Each case is registered once per build (see main). */
#include "comp_helpers.h"

struct build {
    const char *label;
    const char *path;
};

static const struct build builds[] = {
    {"core module", WASP_GUESTS "/hostile.wasm"},
    {"component", WASP_GUESTS "/cm/hostile.wasm"},
};

static const char *const may_send[] = {"*"};
static const char *const may_subscribe[] = {"q.>"};

static wasp_component_spec hostile_spec(void **state, const char *name) {
    const struct build *b = *state;
    wasp_component_spec s = {.name = name, .wasm_path = b->path};
    s.permissions.send = may_send;
    s.permissions.nsend = 1;
    s.permissions.subscribe = may_subscribe;
    s.permissions.nsubscribe = 1;
    return s;
}

static wasp_component_info info_of(struct world *w, wasp_aid id) {
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w->wasm, id, &info), WASP_OK);
    return info;
}

/* ---- faults: a crash of that actor only, restarted with a clean instance ---- */

struct fault {
    const char *arm;       /* a request first (NULL: none) */
    const char *payload;   /* the message it crashes on */
    const char *reason[2]; /* in the crash reason, per build (one: both); where the
                              canonical ABI itself finds the fault, its words differ */
    uint64_t fuel;
};

static void crash_and_recover(void **state, const struct fault *f) {
    tu_signals_restore();
    struct world w = world_new(2);
    probe_spawn(w.sys);
    wasp_component_spec s = hostile_spec(state, "victim");
    s.limits.memory = 1 << 20;
    s.limits.max_handle_ns = 300000000ull;
    s.limits.fuel = f->fuel;
    wasp_supervisor *sup = comp_supervise(&w, &s);
    wasp_component_spec other = hostile_spec(state, "other");
    comp_spawn(&w, &other);
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w.sys, "victim", &id), WASP_OK);
    comp_expect_reply(&w, "victim", "ok", "ok");
    if (f->arm) comp_expect_reply(&w, "victim", f->arm, "armed");

    assert_int_not_equal(comp_ask(&w, "victim", f->payload, NULL, 0), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).restarts == 1 && comp_stats(&w, id).state == WASP_STATE_READY,
                              5000));
    wasp_component_info info = info_of(&w, id);
    const char *reason = f->reason[1] && *state == &builds[1] ? f->reason[1] : f->reason[0];
    if (!strstr(info.last_error, reason) || strncmp(info.last_error, "crashed: ", 9))
        fail_msg("reason \"%s\" lacks \"%s\"", info.last_error, reason);
    assert_int_equal(info.instantiations, 2);
    wasp_actor_stats st = comp_stats(&w, id);
    assert_int_equal(st.crashes, 1);
    assert_int_equal(st.dead_letters, 1); /* the message it crashed on */
    comp_expect_reply(&w, "victim", "ok", "ok"); /* a fresh instance (the allocator is sane again) */
    comp_expect_reply(&w, "other", "ok", "ok");
    assert_true(TU_WAIT_UNTIL(comp_accounted(&w, id), 3000));
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

static void trap(void **state) { crash_and_recover(state, &(struct fault){NULL, "trap", {"unreachable"}, 0}); }
static void divide_by_zero(void **state) {
    crash_and_recover(state, &(struct fault){NULL, "div", {"integer divide by zero"}, 0});
}
static void stack_overflow(void **state) {
    crash_and_recover(state, &(struct fault){NULL, "stack", {"stack overflow"}, 0});
}
static void endless_loop(void **state) { crash_and_recover(state, &(struct fault){NULL, "spin", {"time budget"}, 0}); }
static void out_of_fuel(void **state) { crash_and_recover(state, &(struct fault){NULL, "spin", {"fuel"}, 5000000}); }
static void pointer_past_memory(void **state) {
    crash_and_recover(state, &(struct fault){NULL, "badptr",
                                             {"`send`: range [4294967280, +64) is outside linear memory",
                                              "list pointer/length out of bounds of memory"}, 0});
}
static void allocator_past_memory(void **state) {
    crash_and_recover(state, &(struct fault){"badalloc", "ok",
                                             {"`wasp_alloc` gave [4294967280, +2) outside linear memory",
                                              "realloc return: beyond end of memory"}, 0});
}

/* ---- limits: held, answered with an error code, the actor goes on ---- */

/* limits.memory: memory.grow is refused, the guest sees it and carries on. */
static void memory_bomb(void **state) {
    struct world w = world_new(2);
    wasp_component_spec s = hostile_spec(state, "hog");
    s.limits.memory = 2 << 20;
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "hog", "hog", 3), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handler_errors == 1, 5000));
    wasp_component_info info = info_of(&w, id);
    assert_true(info.memory_bytes >= s.limits.memory - 65536); /* it grew up to the limit */
    assert_true(info.memory_bytes <= s.limits.memory + 65536); /* (tables count a little) */
    comp_expect_reply(&w, "hog", "ok", "ok");
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    world_free(&w);
}

/* A message over limits.max_message is a dead letter on delivery; one the
 * guest sends is E2BIG (-4) to it. */
static void oversized_messages(void **state) {
    struct world w = world_new(2);
    probe_spawn(w.sys);
    wasp_component_spec s = hostile_spec(state, "small");
    s.limits.max_message = 64;
    wasp_aid id = comp_spawn(&w, &s);
    char big[100];
    memset(big, 'x', sizeof(big));
    assert_int_equal(wasp_send_name(w.sys, "small", big, sizeof(big)), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).dead_letters == 1, 3000));
    comp_expect_reply(&w, "small", "big 65", "-4");
    comp_expect_reply(&w, "small", "big 64", "0");
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    world_free(&w);
}

/* Names are 1-255 bytes: a longer one is EINVAL (-6), before any lookup. */
static void overlong_name(void **state) {
    struct world w = world_new(2);
    wasp_component_spec s = hostile_spec(state, "namer");
    comp_spawn(&w, &s);
    comp_expect_reply(&w, "namer", "name 300", "-6");
    comp_expect_reply(&w, "namer", "name 200", "-1"); /* valid, but nobody has it: ENOENT */
    world_free(&w);
}

/* Quotas (limits.timers, limits.subscriptions): ELIMIT (-9) past them. */
static void timer_flood(void **state) {
    struct world w = world_new(2);
    probe_spawn(w.sys);
    wasp_component_spec s = hostile_spec(state, "timers");
    s.limits.timers = 10;
    comp_spawn(&w, &s);
    comp_expect_reply(&w, "timers", "timers 1000", "10 -9");
    comp_expect_reply(&w, "timers", "timers 1", "0 -9"); /* none has fired yet */
    world_free(&w);
}

static void subscription_flood(void **state) {
    struct world w = world_new(2);
    wasp_component_spec s = hostile_spec(state, "subs");
    s.limits.subscriptions = 5;
    comp_spawn(&w, &s);
    comp_expect_reply(&w, "subs", "subs 20", "5 -9");
    assert_int_equal(wasp_publish(w.sys, "q.0", "x", 1), 1);
    assert_int_equal(wasp_publish(w.sys, "q.7", "x", 1), 0);
    world_free(&w);
}

static atomic_int g_lines;

static void count_log(void *arg, int level, const char *actor, const char *text) {
    (void)arg, (void)level;
    if (actor && !strcmp(actor, "chatty") && !strcmp(text, "q.A")) atomic_fetch_add(&g_lines, 1);
}

/* A guest logging in a loop gets WASP_LOG_LINES_PER_SECOND lines a second. */
static void log_flood(void **state) {
    struct world w = world_new(2);
    atomic_store(&g_lines, 0);
    wasp_system_set_log(w.sys, WASP_LOG_INFO, count_log, NULL);
    wasp_component_spec s = hostile_spec(state, "chatty");
    comp_spawn(&w, &s);
    comp_expect_reply(&w, "chatty", "logs 100000", "100000 0");
    int lines = atomic_load(&g_lines);
    if (lines < 200 || lines > 2 * 200) fail_msg("%d lines got through", lines); /* may straddle a second */
    world_free(&w);
}

/* A flood of sends into a mailbox that is not drained: EFULL (-2) once it
 * holds limits.mailbox messages; nothing waits, nothing is lost silently. */
static void mailbox_flood(void **state) {
    struct world w = world_new(2);
    wasp_component_spec stuck = hostile_spec(state, "stuck");
    stuck.mailbox = 4;
    stuck.limits.max_handle_ns = 60000000000ull;
    wasp_aid sid = comp_spawn(&w, &stuck);
    assert_int_equal(wasp_send_name(w.sys, "stuck", "spin", 4), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, sid).mailbox_len == 0, 3000)); /* it is spinning on it */
    wasp_component_spec s = hostile_spec(state, "flooder");
    comp_spawn(&w, &s);
    comp_expect_reply(&w, "flooder", "flood 100", "4 -2");
    assert_int_equal(comp_stats(&w, sid).mailbox_len, 4);
    world_free(&w); /* stopping aborts the spinning call */
}

/* Endless loops on every worker never stall the others: each runs in time
 * slices and yields between them. */
static void spinners_do_not_stall_others(void **state) {
    struct world w = world_new(2);
    wasp_component_spec spin = hostile_spec(state, "spin");
    spin.instances = 2;
    spin.limits.max_handle_ns = 60000000000ull;
    assert_int_equal(wasp_component_spawn(comp_load(&w, &spin), NULL), WASP_OK);
    wasp_component_spec s = hostile_spec(state, "other");
    comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "spin.0", "spin", 4), WASP_OK);
    assert_int_equal(wasp_send_name(w.sys, "spin.1", "spin", 4), WASP_OK);
    tu_sleep_ms(20);
    for (int i = 0; i < 20; i++) comp_expect_reply(&w, "other", "ok", "ok");
    world_free(&w); /* stopping aborts the spinning calls */
}

/* ---- lifecycle hooks: a trap or an endless loop is bounded, never a hang ---- */

static void start_fails(void **state, const char *name, const char *reason) {
    tu_signals_restore();
    struct world w = world_new(2);
    wasp_component_spec s = hostile_spec(state, name);
    s.limits.max_handle_ns = 200000000ull;
    wasp_component *c = comp_load(&w, &s);
    assert_int_equal(wasp_component_spawn(c, NULL), WASP_ECRASH);
    char err[512];
    wasp_component_error(c, err, sizeof(err));
    if (!strstr(err, name) || !strstr(err, "start") || !strstr(err, reason)) fail_msg("error: %s", err);
    wasp_aid none;
    assert_int_equal(wasp_lookup(w.sys, name, &none), WASP_ENOENT);
    world_free(&w);
}

static void start_traps(void **state) { start_fails(state, "trapstart", "unreachable"); }
static void start_never_returns(void **state) { start_fails(state, "spinstart", "time budget"); }

static void cleanup_never_returns(void **state) {
    struct world w = world_new(2);
    wasp_component_spec s = hostile_spec(state, "slowstop");
    s.stop_timeout_ns = 50000000ull;
    wasp_aid id = comp_spawn(&w, &s);
    comp_expect_reply(&w, "slowstop", "ok", "ok");
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK); /* returns although cleanup never would */
    assert_int_equal(comp_stats(&w, id).state, WASP_STATE_TERMINATED);
    world_free(&w);
}

/* A health check that never answers counts as unhealthy: restarted. */
static void health_check_never_returns(void **state) {
    struct world w = world_new(2);
    wasp_component_spec s = hostile_spec(state, "hang");
    s.health.interval_ns = 10000000ull;
    s.health.timeout_ns = 50000000ull;
    s.health.unhealthy_after = 2;
    wasp_supervisor *sv = comp_supervise(&w, &s);
    uint64_t restarts = 0;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child(sv, "hang", NULL, &restarts) == WASP_OK && restarts >= 1, 10000));
    wasp_restart_record rec[4];
    assert_true(wasp_supervisor_history(sv, rec, 4) >= 1);
    assert_int_equal(rec[0].reason, WASP_SUP_REASON_HEALTH);
    world_free(&w);
    wasp_supervisor_destroy(sv);
}

/* Each case once per build, named "case (build)". */
#define BOTH(fn)                                                                                        \
    {#fn " (core module)", fn, NULL, NULL, (void *)&builds[0]}, {#fn " (component)", fn, NULL, NULL, (void *)&builds[1]}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        BOTH(trap),
        BOTH(divide_by_zero),
        BOTH(stack_overflow),
        BOTH(endless_loop),
        BOTH(out_of_fuel),
        BOTH(pointer_past_memory),
        BOTH(allocator_past_memory),
        BOTH(memory_bomb),
        BOTH(oversized_messages),
        BOTH(overlong_name),
        BOTH(timer_flood),
        BOTH(subscription_flood),
        BOTH(log_flood),
        BOTH(mailbox_flood),
        BOTH(spinners_do_not_stall_others),
        BOTH(start_traps),
        BOTH(start_never_returns),
        BOTH(cleanup_never_returns),
        BOTH(health_check_never_returns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
