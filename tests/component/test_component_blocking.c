/* Component actors: blocking WASI calls park the actor, not the worker -
 * a sleeping guest on the only worker while others keep working, a sleep
 * past max_handle_time crashing on time - and `call` or a clock wait in
 * _start / _cleanup refused instead of holding the thread. */
#include "trust_helpers.h"

#define ENOTSUP_WASI 58

struct pending {
    atomic_bool done;
    int status;
    int32_t r[2];
};

static void on_reply(void *arg, int status, const void *data, size_t len) {
    struct pending *p = arg;
    p->status = status;
    if (status == WASP_OK && len == 8) memcpy(p->r, data, 8);
    atomic_store(&p->done, true);
}

static void ask_async(wasp_system *sys, const char *to, char op, int32_t arg, struct pending *p) {
    uint8_t req[5] = {(uint8_t)op};
    memcpy(req + 1, &arg, 4);
    wasp_send_opts o = {.to_name = to, .data = req, .len = sizeof(req)};
    atomic_init(&p->done, false);
    assert_int_equal(wasp_ask_cb(sys, &o, 0, on_reply, p), WASP_OK);
}

/* With one worker, a guest sleeping 2 s does not hold it: the echo
 * component answers meanwhile, then the sleeper wakes with its event. */
static void sleeping_guest_parks(void **state) {
    (void)state;
    struct world w = world_new(1);
    probe_spawn(w.sys);
    wasp_component_spec e = comp_spec("echo", "comp_echo.wasm");
    comp_spawn(&w, &e);
    wasp_component_spec s = trust_spec("sleeper");
    wasp_aid id = comp_spawn(&w, &s);

    struct pending p;
    ask_async(w.sys, "sleeper", 'S', 2000, &p);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).mailbox_len == 0, 2000)); /* it took the request */
    char out[32];
    for (int i = 0; i < 20; i++) assert_int_equal(comp_ask(&w, "echo", "still here", out, sizeof(out)), WASP_OK);
    assert_false(atomic_load(&p.done)); /* the echoes came while it slept */
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.done), 10000));
    assert_int_equal(p.status, WASP_OK);
    assert_int_equal(p.r[0], 0); /* errno success */
    assert_int_equal(p.r[1], 1); /* one event: the clock */
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    world_free(&w);
}

/* A sleep longer than max_handle_time is a crash when the budget ends. */
static void sleep_past_budget_crashes(void **state) {
    (void)state;
    struct world w = world_new(1);
    probe_spawn(w.sys);
    wasp_component_spec s = trust_spec("sleepy");
    s.limits.max_handle_ns = 200000000ull; /* 200 ms */
    wasp_aid id = comp_spawn(&w, &s);
    struct pending p;
    ask_async(w.sys, "sleepy", 'S', 600000, &p); /* ten minutes */
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).crashes == 1, 5000));
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, id, &info), WASP_OK);
    assert_non_null(strstr(info.last_error, "time budget"));
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.done), 5000));
    assert_int_not_equal(p.status, WASP_OK);
    world_free(&w);
}

/* A stop while a guest sleeps does not wait for the sleep. */
static void stop_while_sleeping(void **state) {
    (void)state;
    struct world w = world_new(1);
    probe_spawn(w.sys);
    wasp_component_spec s = trust_spec("dozer");
    s.limits.max_handle_ns = 3600000000000ull; /* an hour */
    wasp_aid id = comp_spawn(&w, &s);
    struct pending p;
    ask_async(w.sys, "dozer", 'S', 3000000, &p);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).mailbox_len == 0, 2000));
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK); /* returns once it has terminated */
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.done), 5000));
    world_free(&w);
}

/* _start and _cleanup cannot park: `call` there is EPERM, a clock wait
 * NOTSUP, and neither holds the (only) worker. */
static void start_and_cleanup_refuse_waits(void **state) {
    (void)state;
    struct world w = world_new(1);
    probe_spawn(w.sys);
    wasp_component_spec s = trust_spec("starter");
    wasp_aid id = comp_spawn(&w, &s);
    const struct probe_msg *m = probe_get(0, 3000);
    int32_t tag, r;
    memcpy(&tag, m->data, 4);
    memcpy(&r, m->data + 4, 4);
    assert_int_equal(tag, 1);
    assert_int_equal(r, WASP_EPERM);
    m = probe_get(1, 3000);
    memcpy(&tag, m->data, 4);
    memcpy(&r, m->data + 4, 4);
    assert_int_equal(tag, 2);
    assert_int_equal(r, ENOTSUP_WASI);
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK);
    m = probe_get(2, 3000);
    memcpy(&tag, m->data, 4);
    memcpy(&r, m->data + 4, 4);
    assert_int_equal(tag, 3);
    assert_int_equal(r, WASP_EPERM);
    world_free(&w);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sleeping_guest_parks),
        cmocka_unit_test(sleep_past_budget_crashes),
        cmocka_unit_test(stop_while_sleeping),
        cmocka_unit_test(start_and_cleanup_refuse_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
