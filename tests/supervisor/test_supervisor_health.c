/* test_supervisor_health.c - supervisor health checks: polling, unhealthy_after,
 * degraded, reset by a healthy result, probe timeout, status query, and a
 * health-triggered restart keeping the child's id and mailbox. */
#include "sup_helpers.h"

#define W 5000 /* generous wait, ms */

/* A scripted probe: call i answers script[i] (the last char repeats):
 * 'H' healthy, 'D' degraded, 'U' unhealthy, 'T' no answer (times out).
 * It records the child's start count at each call. */
struct probe {
    const char *script;
    struct kid *k;
    atomic_int calls;
    atomic_int starts_at[256];
};

static void probe_fn(wasp_system *sys, wasp_aid child, void *arg, wasp_aid sup, uint64_t token) {
    struct probe *p = arg;
    assert_true(child != WASP_AID_NONE);
    int i = atomic_load(&p->calls);
    if (i < 256) atomic_store(&p->starts_at[i], atomic_load(&p->k->started));
    size_t n = strlen(p->script);
    char c = p->script[(size_t)i < n ? (size_t)i : n - 1];
    atomic_store(&p->calls, i + 1);
    int r = c == 'H' ? WASP_HEALTH_HEALTHY : c == 'D' ? WASP_HEALTH_DEGRADED : WASP_HEALTH_UNHEALTHY;
    if (c != 'T') assert_int_equal(wasp_health_report(sys, sup, token, r), WASP_OK);
}

struct hfx {
    wasp_system *sys;
    wasp_supervisor *sup;
    struct kid k;
    struct probe p;
    wasp_actor_spec as;
    wasp_health_check hc;
    wasp_child_spec cs;
};

static void hfx_start(struct hfx *f, const char *script, uint32_t after, uint64_t timeout_ns) {
    memset(f, 0, sizeof(*f));
    f->sys = sup_sys(2);
    kid_init(&f->k, "h", false);
    f->p.script = script;
    f->p.k = &f->k;
    f->as = kid_spec(&f->k);
    /* A generous timeout unless a test times probes out on purpose: a loaded machine can
     * delay a healthy answer past the default (the interval, 5 ms) and restart the child. */
    f->hc = (wasp_health_check){.probe = probe_fn, .arg = &f->p, .interval_ns = 5000000,
                                .timeout_ns = timeout_ns ? timeout_ns : 1000000000ull,
                                .unhealthy_after = after};
    f->cs = (wasp_child_spec){.actor = &f->as, .restart = WASP_RESTART_PERMANENT, .health = &f->hc};
    wasp_supervisor_spec sp = {.name = "hsup", .intensity = 100, .period_ns = 10000000000ull,
                               .children = &f->cs, .nchildren = 1};
    assert_int_equal(wasp_supervisor_start(f->sys, &sp, &f->sup), WASP_OK);
}

static void hfx_end(struct hfx *f) {
    assert_int_equal(wasp_supervisor_stop(f->sup), WASP_OK);
    wasp_system_destroy(f->sys);
    wasp_supervisor_destroy(f->sup);
    pthread_mutex_destroy(&f->k.mu);
}

static uint64_t restarts_of(struct hfx *f) {
    uint64_t r = 0;
    assert_int_equal(wasp_supervisor_child(f->sup, "h", NULL, &r), WASP_OK);
    return r;
}

static void test_healthy_never_restarted(void **st) {
    (void)st;
    struct hfx f;
    hfx_start(&f, "H", 3, 0);
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.p.calls) >= 20, W));
    int h = -5;
    uint32_t run = 9;
    assert_int_equal(wasp_supervisor_child_health(f.sup, "h", &h, &run), WASP_OK);
    assert_int_equal(h, WASP_HEALTH_HEALTHY);
    assert_int_equal(run, 0);
    assert_int_equal(restarts_of(&f), 0);
    assert_int_equal(atomic_load(&f.k.started), 1);
    assert_int_equal(wasp_supervisor_history(f.sup, NULL, 0), 0);
    hfx_end(&f);
}

/* U U H U U D U U U -> restart exactly after call 9; then healthy. */
static void test_unhealthy_after_resets(void **st) {
    (void)st;
    struct hfx f;
    hfx_start(&f, "UUHUUDUUUH", 3, 0);
    wasp_aid before = 0, after = 0;
    assert_int_equal(wasp_supervisor_child(f.sup, "h", &before, NULL), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.k.started) == 2, W));
    assert_int_equal(atomic_load(&f.k.crashes_seen), 1); /* a crash, not a stop */
    assert_int_equal(wasp_supervisor_child(f.sup, "h", &after, NULL), WASP_OK);
    assert_int_equal(after, before); /* restarted in place */
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.p.calls) >= 12, W));
    for (int i = 0; i < 9; i++) assert_int_equal(atomic_load(&f.p.starts_at[i]), 1);
    assert_int_equal(atomic_load(&f.p.starts_at[9]), 2);
    tu_sleep_ms(30);
    assert_int_equal(atomic_load(&f.k.started), 2);
    assert_int_equal(restarts_of(&f), 1);
    wasp_restart_record r[4];
    assert_int_equal(wasp_supervisor_history(f.sup, r, 4), 1);
    assert_string_equal(r[0].child, "h");
    assert_int_equal(r[0].reason, WASP_SUP_REASON_HEALTH);
    int h;
    assert_int_equal(wasp_supervisor_child_health(f.sup, "h", &h, NULL), WASP_OK);
    assert_int_equal(h, WASP_HEALTH_HEALTHY);
    hfx_end(&f);
}

static void test_degraded_does_not_restart(void **st) {
    (void)st;
    struct hfx f;
    hfx_start(&f, "HD", 1, 0); /* even with unhealthy_after = 1 */
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.p.calls) >= 15, W));
    int h;
    uint32_t run;
    assert_int_equal(wasp_supervisor_child_health(f.sup, "h", &h, &run), WASP_OK);
    assert_int_equal(h, WASP_HEALTH_DEGRADED);
    assert_int_equal(run, 0);
    assert_int_equal(restarts_of(&f), 0);
    assert_int_equal(atomic_load(&f.k.started), 1);
    hfx_end(&f);
}

/* No answer counts as unhealthy once the timeout passes. */
static void test_probe_timeout(void **st) {
    (void)st;
    struct hfx f;
    hfx_start(&f, "TTH", 2, 100000000); /* 100 ms: a late "H" is no "T" */
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.k.started) == 2, W));
    /* the restart came after the second (timed-out) call, not earlier */
    assert_true(atomic_load(&f.p.calls) >= 2);
    assert_int_equal(atomic_load(&f.p.starts_at[0]), 1);
    assert_int_equal(atomic_load(&f.p.starts_at[1]), 1);
    assert_true(TU_WAIT_UNTIL(atomic_load(&f.p.calls) >= 5, W));
    tu_sleep_ms(30);
    assert_int_equal(atomic_load(&f.k.started), 2);
    wasp_restart_record r[2];
    assert_int_equal(wasp_supervisor_history(f.sup, r, 2), 1);
    assert_int_equal(r[0].reason, WASP_SUP_REASON_HEALTH);
    hfx_end(&f);
}

/* The status query follows the latest result, and the unhealthy run. */
static void test_status_query(void **st) {
    (void)st;
    struct hfx f;
    hfx_start(&f, "HHHHHU", 1000, 0);
    int h = 0;
    uint32_t run = 0;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(f.sup, "h", &h, &run) == WASP_OK &&
                                  h == WASP_HEALTH_UNHEALTHY && run >= 3,
                              W));
    assert_int_equal(restarts_of(&f), 0);
    assert_int_equal(wasp_supervisor_child_health(f.sup, "nope", &h, &run), WASP_ENOENT);
    /* a child without a health check reports UNKNOWN */
    struct kid k2;
    kid_init(&k2, "plain", false);
    wasp_actor_spec a2 = kid_spec(&k2);
    wasp_child_spec c2 = {.actor = &a2};
    assert_int_equal(wasp_supervisor_add_child(f.sup, &c2), WASP_OK);
    assert_int_equal(wasp_supervisor_child_health(f.sup, "plain", &h, NULL), WASP_OK);
    assert_int_equal(h, WASP_HEALTH_UNKNOWN);
    /* bad health specs and reports */
    wasp_health_check bad = {.probe = probe_fn};
    struct kid k3;
    kid_init(&k3, "bad", false);
    wasp_actor_spec a3 = kid_spec(&k3);
    wasp_child_spec c3 = {.actor = &a3, .health = &bad};
    assert_int_equal(wasp_supervisor_add_child(f.sup, &c3), WASP_EINVAL);
    assert_int_equal(wasp_health_report(f.sys, wasp_supervisor_id(f.sup), 0, 7), WASP_EINVAL);
    assert_int_equal(wasp_health_report(f.sys, wasp_supervisor_id(f.sup), 12345, 0), WASP_OK);
    hfx_end(&f);
    pthread_mutex_destroy(&k2.mu);
    pthread_mutex_destroy(&k3.mu);
}

/* ---- mailbox continuity ---------------------------------------------------- */

/* A probe whose answer the test switches: healthy until `bad` is set. */
struct switch_probe {
    atomic_int bad, calls, bad_calls;
};

static void switch_probe_fn(wasp_system *sys, wasp_aid child, void *arg, wasp_aid sup,
                            uint64_t token) {
    (void)child;
    struct switch_probe *p = arg;
    atomic_fetch_add(&p->calls, 1);
    bool bad = atomic_load(&p->bad);
    if (bad) atomic_fetch_add(&p->bad_calls, 1);
    wasp_health_report(sys, sup, token, bad ? WASP_HEALTH_UNHEALTHY : WASP_HEALTH_HEALTHY);
}

/* "hold" keeps the handler busy until `release`; other messages are recorded
 * with the incarnation (start count) that handled them. */
static atomic_int hold_release;
static atomic_int hold_inside;
static atomic_int seen_incarnation[64];

static int holdkid_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct kid *k = wasp_ctx_state(ctx);
    if (m->len == 4 && !memcmp(m->data, "hold", 4)) {
        atomic_store(&hold_inside, 1);
        for (int i = 0; i < 10000 && !atomic_load(&hold_release); i++) tu_sleep_ms(1);
        return 0;
    }
    int i = atomic_load(&k->ngot);
    if (i < 64) atomic_store(&seen_incarnation[i], atomic_load(&k->started));
    return kid_handle(ctx, m);
}

/* Messages queued before a health-triggered restart are handled by the new
 * incarnation, which has the same id; the restart is recorded as HEALTH and
 * lands when the busy handler call returns. */
static void test_health_restart_keeps_mailbox(void **st) {
    (void)st;
    wasp_system *sys = sup_sys(2);
    struct kid k;
    kid_init(&k, "busy", false);
    wasp_actor_spec as = kid_spec(&k);
    as.handle = holdkid_handle;
    struct switch_probe p = {0};
    wasp_health_check hc = {.probe = switch_probe_fn, .arg = &p, .interval_ns = 2000000,
                            .unhealthy_after = 2};
    wasp_child_spec cs = {.actor = &as, .restart = WASP_RESTART_PERMANENT, .health = &hc};
    wasp_supervisor_spec sp = {.name = "hsup2", .intensity = 5, .period_ns = 10000000000ull,
                               .children = &cs, .nchildren = 1};
    wasp_supervisor *sup;
    atomic_store(&hold_release, 0);
    atomic_store(&hold_inside, 0);
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    wasp_aid before = 0, after = 0;
    assert_int_equal(wasp_supervisor_child(sup, "busy", &before, NULL), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.calls) >= 2, W));

    to_kid(sys, "busy", "hold");
    assert_true(TU_WAIT_UNTIL(atomic_load(&hold_inside), W));
    to_kid(sys, "busy", "a");
    to_kid(sys, "busy", "b");
    to_kid(sys, "busy", "c");
    atomic_store(&p.bad, 1);
    /* the threshold is crossed while the handler is still busy */
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.bad_calls) >= 3, W));
    assert_int_equal(atomic_load(&k.started), 1);
    assert_int_equal(wasp_supervisor_history(sup, NULL, 0), 0);
    atomic_store(&p.bad, 0);
    atomic_store(&hold_release, 1);

    assert_true(TU_WAIT_UNTIL(atomic_load(&k.ngot) == 3, W));
    assert_string_equal(k.got[0], "a");
    assert_string_equal(k.got[1], "b");
    assert_string_equal(k.got[2], "c");
    for (int i = 0; i < 3; i++) assert_int_equal(atomic_load(&seen_incarnation[i]), 2);
    assert_int_equal(atomic_load(&k.crashes_seen), 1);
    assert_int_equal(wasp_supervisor_child(sup, "busy", &after, NULL), WASP_OK);
    assert_int_equal(after, before);
    wasp_restart_record r[4];
    assert_int_equal(wasp_supervisor_history(sup, r, 4), 1);
    assert_int_equal(r[0].reason, WASP_SUP_REASON_HEALTH);
    wasp_actor_stats ast;
    assert_int_equal(wasp_actor_stats_get(sys, after, &ast), WASP_OK);
    assert_int_equal(ast.dead_letters, 0); /* "hold" finished before the kill landed */
    assert_int_equal(ast.handled, 4);
    assert_int_equal(ast.restarts, 1);
    assert_false(wasp_supervisor_gave_up(sup));

    assert_int_equal(wasp_supervisor_stop(sup), WASP_OK);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
    pthread_mutex_destroy(&k.mu);
}

/* Health restarts count toward the intensity: with intensity 1, the second
 * one makes the supervisor give up. */
static void test_health_restarts_count_toward_intensity(void **st) {
    (void)st;
    wasp_system *sys = sup_sys(2);
    struct kid k;
    kid_init(&k, "sick", false);
    wasp_actor_spec as = kid_spec(&k);
    struct switch_probe p = {0};
    atomic_store(&p.bad, 1);
    wasp_health_check hc = {.probe = switch_probe_fn, .arg = &p, .interval_ns = 2000000,
                            .unhealthy_after = 1};
    wasp_child_spec cs = {.actor = &as, .restart = WASP_RESTART_PERMANENT, .health = &hc};
    wasp_supervisor_spec sp = {.name = "hsup3", .intensity = 1, .period_ns = 60000000000ull,
                               .children = &cs, .nchildren = 1};
    wasp_supervisor *sup;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_gave_up(sup), W));
    assert_int_equal(atomic_load(&k.started), 2); /* one restart allowed, the second refused */
    wasp_restart_record r[4];
    assert_int_equal(wasp_supervisor_history(sup, r, 4), 1);
    assert_int_equal(r[0].reason, WASP_SUP_REASON_HEALTH);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
    pthread_mutex_destroy(&k.mu);
}

/* The runtime's own probe (probe NULL): the child's health hook answers on
 * the child's worker, between its messages. Probes are never messages: not
 * received, handled or dead letters. A hook returning WASP_HEALTH_PENDING is called
 * again for the same probe. */
static atomic_int hook_result, hook_calls, hook_yields;

static int health_hook(wasp_ctx *ctx) {
    assert_non_null(wasp_ctx_state(ctx));
    atomic_fetch_add(&hook_calls, 1);
    if (atomic_load(&hook_yields) > 0) {
        atomic_fetch_sub(&hook_yields, 1);
        return WASP_HEALTH_PENDING;
    }
    return atomic_load(&hook_result);
}

static void test_health_hook(void **st) {
    (void)st;
    atomic_store(&hook_result, WASP_HEALTH_DEGRADED);
    atomic_store(&hook_calls, 0);
    atomic_store(&hook_yields, 3);
    wasp_system *sys = sup_sys(2);
    struct kid k;
    kid_init(&k, "hooked", false);
    wasp_actor_spec as = kid_spec(&k);
    as.health = health_hook;
    wasp_health_check hc = {.interval_ns = 2000000, .timeout_ns = 500000000, .unhealthy_after = 2};
    wasp_child_spec cs = {.actor = &as, .health = &hc};
    wasp_supervisor_spec sp = {.name = "hooksup", .intensity = 10, .period_ns = 10000000000ull,
                               .children = &cs, .nchildren = 1};
    wasp_supervisor *sup;
    assert_int_equal(wasp_supervisor_start(sys, &sp, &sup), WASP_OK);
    int h = -5;
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(sup, "hooked", &h, NULL) == WASP_OK &&
                                  h == WASP_HEALTH_DEGRADED, W));
    assert_true(atomic_load(&hook_calls) >= 4); /* three yields, then the answer */
    wasp_aid id;
    assert_int_equal(wasp_lookup(sys, "hooked", &id), WASP_OK);
    wasp_actor_stats s;
    assert_int_equal(wasp_actor_stats_get(sys, id, &s), WASP_OK);
    assert_int_equal(s.received, 0);
    assert_int_equal(s.handled, 0);
    assert_int_equal(s.dead_letters, 0);
    /* unhealthy twice: a health restart on the same identity */
    atomic_store(&hook_result, WASP_HEALTH_UNHEALTHY);
    assert_true(TU_WAIT_UNTIL(atomic_load(&k.started) >= 2, W));
    wasp_restart_record rec[2];
    assert_true(wasp_supervisor_history(sup, rec, 2) >= 1);
    assert_int_equal(rec[0].reason, WASP_SUP_REASON_HEALTH);
    wasp_aid id2;
    assert_int_equal(wasp_lookup(sys, "hooked", &id2), WASP_OK);
    assert_true(id2 == id);
    atomic_store(&hook_result, WASP_HEALTH_HEALTHY);
    assert_true(TU_WAIT_UNTIL(wasp_supervisor_child_health(sup, "hooked", &h, NULL) == WASP_OK &&
                                  h == WASP_HEALTH_HEALTHY, W));
    assert_int_equal(wasp_actor_stats_get(sys, id, &s), WASP_OK);
    assert_int_equal(s.received, 0);
    assert_int_equal(s.dead_letters, 0);
    assert_int_equal(wasp_supervisor_stop(sup), WASP_OK);
    wasp_system_destroy(sys);
    wasp_supervisor_destroy(sup);
    pthread_mutex_destroy(&k.mu);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_never_restarted),
        cmocka_unit_test(test_health_hook),
        cmocka_unit_test(test_unhealthy_after_resets),
        cmocka_unit_test(test_degraded_does_not_restart),
        cmocka_unit_test(test_probe_timeout),
        cmocka_unit_test(test_status_query),
        cmocka_unit_test(test_health_restart_keeps_mailbox),
        cmocka_unit_test(test_health_restarts_count_toward_intensity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
