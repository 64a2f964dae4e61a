/* test_testkit.c - the C testing kit (wasp_test.h) over the `agent` test
 * component: virtual time, stand-ins and their faults, records, crashes. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "wasp_test.h"

#define AGENT WASP_GUESTS "/agent.wasm"

static const char *const everyone[] = {"*"};
static const char *const agent_topics[] = {"agent.>"};

static wasp_test *start_agent(bool may_send) {
    (void)may_send;
    tu_signals_restore(); /* cmocka's handlers would catch the guests' traps */
    wasp_test *t = NULL;
    assert_int_equal(wasp_test_create(NULL, &t), WASP_OK);
    return t;
}

static void run_agent(wasp_test *t, bool may_send) {
    wasp_component_spec s = {.name = "agent", .wasm_path = AGENT};
    s.permissions.publish = agent_topics;
    s.permissions.npublish = 1;
    if (may_send) {
        s.permissions.send = everyone;
        s.permissions.nsend = 1;
    }
    char err[512];
    assert_int_equal(wasp_test_start_component(t, &s, err, sizeof(err)), WASP_OK);
}

static const char *text(const wasp_test_message *m) { return m ? (const char *)m->data : "(none)"; }

/* Publishes on topic, oldest first (the kit also records its own). */
static size_t published_on(wasp_test *t, const char *topic, const wasp_test_message **out,
                           size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < wasp_test_published_count(t); i++) {
        const wasp_test_message *m = wasp_test_published(t, i);
        if (m->topic && !strcmp(m->topic, topic) && n < cap) out[n++] = m;
    }
    return n;
}

static bool logged(wasp_test *t, int level, const char *actor, const char *needle) {
    for (size_t i = 0; i < wasp_test_log_count(t); i++) {
        const wasp_test_log_line *l = wasp_test_log(t, i);
        if (l->level == level && !strcmp(l->actor, actor) && strstr(l->text, needle)) return true;
    }
    return false;
}

static void test_timers_follow_the_virtual_clock(void **state) {
    (void)state;
    wasp_test *t = start_agent(true);
    run_agent(t, true); /* send_after to itself is a send */
    assert_int_equal(wasp_test_send(t, NULL, "agent", "every:1000", 10), WASP_OK);
    const wasp_test_message *ticks[16];
    assert_int_equal(published_on(t, "agent.tick", ticks, 16), 0);
    assert_int_equal(wasp_test_advance(t, 999000000ull), WASP_OK);
    assert_int_equal(published_on(t, "agent.tick", ticks, 16), 0);
    assert_int_equal(wasp_test_advance(t, 9001000000ull), WASP_OK);
    assert_int_equal(published_on(t, "agent.tick", ticks, 16), 10);
    assert_string_equal(text(ticks[0]), "tick 1 at 1000");
    assert_string_equal(text(ticks[9]), "tick 10 at 10000");
    assert_string_equal(ticks[9]->from, "agent");
    assert_int_equal(ticks[9]->at_ns, 10000000000ull);
    void *reply;
    size_t len;
    assert_int_equal(wasp_test_call(t, NULL, "agent", "get", 3, 0, &reply, &len), WASP_OK);
    assert_string_equal(reply, "10");
    free(reply);
    assert_int_equal(wasp_test_now(t), 10000000000ull); /* an answered call takes no time */
    wasp_test_destroy(t);
}

static void test_standin_answers_silence_and_errors(void **state) {
    (void)state;
    wasp_test *t = start_agent(true);
    wasp_test_standin *store;
    assert_int_equal(wasp_test_standin_add(t, "store", NULL, &store), WASP_OK);
    assert_int_equal(wasp_test_standin_add(t, "store", NULL, NULL), WASP_EEXIST);
    assert_int_equal(wasp_test_standin_answer(store, WASP_TEST_REPLY, "v1", 2), WASP_OK);
    assert_int_equal(wasp_test_standin_answer(store, WASP_TEST_SILENCE, NULL, 0), WASP_OK);
    assert_int_equal(wasp_test_standin_answer(store, WASP_TEST_NOREPLY, NULL, 0), WASP_OK);
    run_agent(t, true);
    void *reply;
    size_t len;
    assert_int_equal(wasp_test_call(t, NULL, "agent", "ask:store:k1", 12, 0, &reply, &len), WASP_OK);
    assert_string_equal(reply, "reply:v1");
    free(reply);
    uint64_t before = wasp_test_now(t);
    assert_int_equal(wasp_test_call(t, NULL, "agent", "ask:store:k2", 12, 0, &reply, &len), WASP_OK);
    assert_string_equal(reply, "error:WASP_ETIMEDOUT");
    free(reply);
    assert_int_equal(wasp_test_now(t) - before, 100000000ull); /* the agent's own timeout */
    for (int i = 0; i < 2; i++) { /* the last answer repeats */
        assert_int_equal(wasp_test_call(t, NULL, "agent", "ask:store:k3", 12, 0, &reply, &len),
                         WASP_OK);
        assert_string_equal(reply, "error:WASP_ENOREPLY");
        free(reply);
    }
    assert_int_equal(wasp_test_standin_count(store), 4);
    const wasp_test_message *m = wasp_test_standin_message(store, 1);
    assert_string_equal(text(m), "k2");
    assert_string_equal(m->from, "agent");
    assert_string_equal(m->to, "store");
    assert_true(m->request);
    assert_null(wasp_test_standin_message(store, 4));
    wasp_test_destroy(t);
}

static void test_faults_permission_full_mailbox_crashing_standin(void **state) {
    (void)state;
    wasp_test *t = start_agent(false);
    wasp_test_standin_opts stalled = {.mailbox = 1, .stalled = true};
    wasp_test_standin_opts fragile = {.crash_at = 1};
    assert_int_equal(wasp_test_standin_add(t, "sink", &stalled, NULL), WASP_OK);
    assert_int_equal(wasp_test_standin_add(t, "fragile", &fragile, NULL), WASP_OK);
    run_agent(t, false); /* no send permission at all */
    assert_int_equal(wasp_test_send(t, NULL, "agent", "tell:sink:1", 11), WASP_OK);
    assert_true(logged(t, WASP_LOG_WARN, "agent", "tell sink: WASP_EPERM"));
    wasp_test_destroy(t);

    t = start_agent(true);
    assert_int_equal(wasp_test_standin_add(t, "sink", &stalled, NULL), WASP_OK);
    assert_int_equal(wasp_test_standin_add(t, "fragile", &fragile, NULL), WASP_OK);
    run_agent(t, true);
    for (int i = 0; i < 2; i++) /* one held, one queued */
        assert_int_equal(wasp_test_send(t, NULL, "agent", "tell:sink:x", 11), WASP_OK);
    assert_false(logged(t, WASP_LOG_WARN, "agent", "tell sink"));
    assert_int_equal(wasp_test_send(t, NULL, "agent", "tell:sink:x", 11), WASP_OK);
    assert_true(logged(t, WASP_LOG_WARN, "agent", "tell sink: WASP_EFULL"));

    void *reply;
    size_t len;
    assert_int_equal(wasp_test_call(t, NULL, "agent", "ask:fragile:x", 13, 0, &reply, &len), WASP_OK);
    assert_string_equal(reply, "error:WASP_ENOREPLY");
    free(reply);
    wasp_actor_stats st;
    assert_int_equal(wasp_test_stats(t, "fragile", &st), WASP_OK);
    assert_int_equal(st.state, WASP_STATE_FAILED);
    assert_int_equal(st.crashes, 1);
    assert_int_equal(wasp_test_send(t, "fragile", "agent", "get", 3), WASP_ESTATE); /* cannot act */
    wasp_test_destroy(t);
}

static void test_crash_restart_and_sender(void **state) {
    (void)state;
    wasp_test *t = start_agent(true);
    wasp_test_standin *boss;
    assert_int_equal(wasp_test_standin_add(t, "boss", NULL, &boss), WASP_OK);
    run_agent(t, true);
    assert_int_equal(wasp_test_send(t, NULL, "agent", "crash", 5), WASP_OK);
    wasp_actor_stats st;
    assert_int_equal(wasp_test_stats(t, "agent", &st), WASP_OK);
    assert_int_equal(st.crashes, 1);
    assert_int_equal(st.restarts, 1);
    assert_int_equal(st.state, WASP_STATE_READY);
    char why[512];
    assert_int_equal(wasp_test_last_error(t, "agent", why, sizeof(why)), WASP_OK);
    assert_non_null(strstr(why, "unreachable"));
    assert_true(logged(t, WASP_LOG_WARN, "agent", "crashing on purpose"));
    assert_int_equal(wasp_test_last_error(t, "boss", why, sizeof(why)), WASP_ENOENT);

    /* A call from a stand-in: the agent sees it as the sender. */
    void *reply;
    size_t len;
    assert_int_equal(wasp_test_call(t, "boss", "agent", "get", 3, 0, &reply, &len), WASP_OK);
    assert_string_equal(reply, "0");
    free(reply);
    assert_int_equal(wasp_test_send(t, "boss", "agent", "ask:boss:q", 10), WASP_OK);
    assert_int_equal(wasp_test_standin_count(boss), 1);
    assert_int_equal(wasp_test_call(t, NULL, "nobody", "x", 1, 0, &reply, &len), WASP_ENOENT);
    assert_int_equal(wasp_test_send(t, "nobody", "agent", "x", 1), WASP_ENOENT);
    assert_int_equal(wasp_test_kill(t, "agent"), WASP_OK);
    assert_int_equal(wasp_test_stats(t, "agent", &st), WASP_OK);
    assert_int_equal(st.restarts, 2);
    assert_int_equal(wasp_test_publish(t, "agent.x", "p", 1), 1); /* the recorder */
    wasp_test_destroy(t);
}

static void test_timer_loop_is_cut_off(void **state) {
    (void)state;
    tu_signals_restore();
    wasp_test_config cfg = {.idle_timeout_ns = 200000000ull}; /* a hang guard, not a timing */
    wasp_test *t = NULL;
    assert_int_equal(wasp_test_create(&cfg, &t), WASP_OK);
    run_agent(t, true);
    assert_int_equal(wasp_test_send(t, NULL, "agent", "every:1", 7), WASP_OK);
    /* a tick every virtual millisecond for 1000 hours: stopped, not hung */
    assert_int_equal(wasp_test_advance(t, 3600000000000000ull), WASP_ETIMEDOUT);
    assert_true(wasp_test_now(t) > 0);
    assert_true(wasp_test_published_count(t) > 0);
    wasp_test_destroy(t);
}

static void test_match_kinds(void **state) {
    (void)state;
    char why[256];
    assert_true(wasp_test_match(WASP_TEST_MATCH_EXACT, "abc", "abc", 3, why, sizeof(why)));
    assert_false(wasp_test_match(WASP_TEST_MATCH_EXACT, "abc", "abcd", 4, why, sizeof(why)));
    assert_true(wasp_test_match(WASP_TEST_MATCH_PREFIX, "ab", "abc", 3, why, sizeof(why)));
    assert_false(wasp_test_match(WASP_TEST_MATCH_PREFIX, "abcd", "abc", 3, why, sizeof(why)));
    assert_true(wasp_test_match(WASP_TEST_MATCH_REGEX, "^t[a-z]+ [0-9]+$", "tick 12", 7, why, sizeof(why)));
    assert_false(wasp_test_match(WASP_TEST_MATCH_REGEX, "(", "x", 1, why, sizeof(why)));
    assert_non_null(strstr(why, "invalid regex"));
    const char *doc = "{\"total\": 2, \"items\": [{\"id\": 1, \"n\": \"a\"}], \"x\": true}";
    assert_true(wasp_test_match(WASP_TEST_MATCH_JSON, "{\"total\": 2.0}", doc, strlen(doc), why, sizeof(why)));
    assert_true(wasp_test_match(WASP_TEST_MATCH_JSON, "{\"items\": [{\"id\": 1}]}", doc, strlen(doc), why, sizeof(why)));
    assert_false(wasp_test_match(WASP_TEST_MATCH_JSON, "{\"total\": 3}", doc, strlen(doc), why, sizeof(why)));
    assert_string_equal(why, "$.total: expected 3, got 2");
    assert_false(wasp_test_match(WASP_TEST_MATCH_JSON, "{\"items\": [{\"id\": 2}]}", doc, strlen(doc), why, sizeof(why)));
    assert_string_equal(why, "$.items[0].id: expected 2, got 1");
    assert_false(wasp_test_match(WASP_TEST_MATCH_JSON, "{\"y\": 1}", doc, strlen(doc), why, sizeof(why)));
    assert_string_equal(why, "$.y: missing");
    assert_false(wasp_test_match(WASP_TEST_MATCH_JSON, "{\"a\":1}", "nope", 4, why, sizeof(why)));
    assert_non_null(strstr(why, "not JSON"));
    assert_false(wasp_test_match(WASP_TEST_MATCH_JSON, "{", "{}", 2, why, sizeof(why)));
    assert_non_null(strstr(why, "malformed"));
}

int main(void) {
    wasp_test *first = NULL; /* Wasmtime installs its trap handlers: keep them */
    assert_int_equal(wasp_test_create(NULL, &first), WASP_OK);
    run_agent(first, false);
    wasp_test_destroy(first);
    tu_signals_save();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_follow_the_virtual_clock),
        cmocka_unit_test(test_standin_answers_silence_and_errors),
        cmocka_unit_test(test_faults_permission_full_mailbox_crashing_standin),
        cmocka_unit_test(test_crash_restart_and_sender),
        cmocka_unit_test(test_timer_loop_is_cut_off),
        cmocka_unit_test(test_match_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
