/* wasp__ctx_next (runtime/ext.h): a handler that takes the messages queued
 * behind the one in hand within one call. Each is taken once and in order,
 * with the bookkeeping of one call per message (handled, handler errors);
 * a runtime event, a payload over the limit or the absence of a handler
 * call ends the run of messages, and the rest is handled as usual. */
#include "rt_helpers.h"
#include "runtime/ext.h"

/* "g" waits for the gate; every message handled is logged with the number
 * of the handler call it came in; "e..." is a handler error. */
struct drainer {
    pthread_mutex_t mu;
    char log[64][16];
    int entry_of[64];
    atomic_int n, entries, gate_entered, gate_open;
    size_t max_len;
};

static void note(struct drainer *d, const char *text, size_t len, int entry) {
    pthread_mutex_lock(&d->mu);
    int i = atomic_load(&d->n);
    if (i < 64) {
        size_t k = len < 15 ? len : 15;
        memcpy(d->log[i], text, k);
        d->log[i][k] = 0;
        d->entry_of[i] = entry;
        atomic_store(&d->n, i + 1);
    }
    pthread_mutex_unlock(&d->mu);
}

static int drain_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct drainer *d = wasp_ctx_state(ctx);
    int entry = atomic_fetch_add(&d->entries, 1) + 1;
    if (m->len == 1 && ((const char *)m->data)[0] == 'g') {
        atomic_store(&d->gate_entered, 1);
        for (int i = 0; i < 10000 && !atomic_load(&d->gate_open); i++) {
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
    }
    int rc;
    do {
        note(d, m->data, m->len, entry);
        rc = m->len && ((const char *)m->data)[0] == 'e' ? WASP_EHANDLER : 0;
    } while (wasp__ctx_next(ctx, rc, d->max_len)); /* m now describes the next one */
    return rc;
}

static int event_fn(wasp_ctx *ctx, void *arg) {
    (void)arg;
    assert_false(wasp__ctx_next(ctx, 0, SIZE_MAX)); /* no message in hand */
    note(wasp_ctx_state(ctx), "event", 5, 0);
    return 0;
}

static wasp_system *g_sys;
static wasp_aid g_id;

static struct drainer *start(size_t max_len) {
    struct drainer *d = calloc(1, sizeof(*d));
    pthread_mutex_init(&d->mu, NULL);
    d->max_len = max_len;
    g_sys = sys_new(2);
    assert_int_equal(wasp_system_start(g_sys), WASP_OK);
    wasp_actor_spec s = {.name = "drain", .handle = drain_handle, .state = d};
    assert_int_equal(wasp_spawn(g_sys, &s, &g_id), WASP_OK);
    assert_int_equal(sends(g_sys, g_id, "g"), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&d->gate_entered), 5000));
    return d;
}

static void finish(struct drainer *d) {
    wasp_system_stop(g_sys);
    wasp_system_destroy(g_sys);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

static wasp_actor_stats stats(void) {
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(g_sys, g_id, &st), WASP_OK);
    return st;
}

static void expect(struct drainer *d, int i, const char *text, int entry) {
    assert_true(TU_WAIT_UNTIL(atomic_load(&d->n) > i, 5000));
    assert_string_equal(d->log[i], text);
    assert_int_equal(d->entry_of[i], entry);
}

static void takes_queued_messages_once_in_order(void **state) {
    (void)state;
    struct drainer *d = start(SIZE_MAX);
    char text[16];
    for (int i = 0; i < 40; i++) {
        snprintf(text, sizeof(text), i % 5 == 4 ? "e%d" : "m%d", i);
        assert_int_equal(sends(g_sys, g_id, text), WASP_OK);
    }
    assert_true(TU_WAIT_UNTIL(stats().mailbox_len == 40, 5000));
    atomic_store(&d->gate_open, 1);
    expect(d, 0, "g", 1);
    for (int i = 0; i < 40; i++) {
        snprintf(text, sizeof(text), i % 5 == 4 ? "e%d" : "m%d", i);
        expect(d, i + 1, text, 1); /* nobody else waits: one call takes them all */
    }
    assert_true(TU_WAIT_UNTIL(stats().handled == 41, 5000));
    assert_int_equal(stats().handler_errors, 8);
    assert_int_equal(stats().dead_letters, 0);
    assert_int_equal(atomic_load(&d->n), 41);
    finish(d);
}

static void an_event_comes_first(void **state) {
    (void)state;
    struct drainer *d = start(SIZE_MAX);
    assert_int_equal(sends(g_sys, g_id, "m1"), WASP_OK);
    assert_int_equal(sends(g_sys, g_id, "m2"), WASP_OK);
    assert_int_equal(wasp__actor_exec(g_sys, g_id, event_fn, NULL, NULL), WASP_OK);
    atomic_store(&d->gate_open, 1);
    expect(d, 0, "g", 1);
    expect(d, 1, "event", 0); /* between messages, as without wasp__ctx_next */
    expect(d, 2, "m1", 2);
    expect(d, 3, "m2", 2);
    assert_true(TU_WAIT_UNTIL(stats().handled == 3, 5000));
    finish(d);
}

static void a_message_over_the_limit_gets_its_own_call(void **state) {
    (void)state;
    struct drainer *d = start(2);
    static const char *const texts[] = {"aa", "bbb", "c", "dd"};
    for (int i = 0; i < 4; i++) assert_int_equal(sends(g_sys, g_id, texts[i]), WASP_OK);
    assert_true(TU_WAIT_UNTIL(stats().mailbox_len == 4, 5000));
    atomic_store(&d->gate_open, 1);
    expect(d, 0, "g", 1);
    expect(d, 1, "aa", 1);
    expect(d, 2, "bbb", 2); /* not skipped: the run of messages ends before it */
    expect(d, 3, "c", 2);
    expect(d, 4, "dd", 2);
    assert_true(TU_WAIT_UNTIL(stats().handled == 5, 5000));
    finish(d);
}

static void nothing_outside_a_handler(void **state) {
    (void)state;
    assert_false(wasp__ctx_next(NULL, 0, SIZE_MAX));
    assert_false(wasp__ctx_next(wasp_ctx_current(), 0, SIZE_MAX)); /* not in an actor */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(takes_queued_messages_once_in_order),
        cmocka_unit_test(an_event_comes_first),
        cmocka_unit_test(a_message_over_the_limit_gets_its_own_call),
        cmocka_unit_test(nothing_outside_a_handler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
