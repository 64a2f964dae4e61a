/* test_dead_letters.c - dead letters are logged at warn level through the
 * system's log sink, one line each, rate-limited with a summary; counting is
 * never limited; send_after timers pending at system stop are dead letters. */
#include <inttypes.h>
#include <stdio.h>

#include "rt_helpers.h"

#define W 5000 /* generous wait, ms */

/* A log sink that keeps every line. */
struct sink {
    pthread_mutex_t mu;
    int n;
    int level[512];
    char actor[512][32];
    char text[512][128];
};

static void sink_fn(void *arg, int level, const char *actor, const char *text) {
    struct sink *s = arg;
    pthread_mutex_lock(&s->mu);
    if (s->n < 512) {
        s->level[s->n] = level;
        snprintf(s->actor[s->n], sizeof(s->actor[0]), "%s", actor);
        snprintf(s->text[s->n], sizeof(s->text[0]), "%s", text);
        s->n++;
    }
    pthread_mutex_unlock(&s->mu);
}

static struct sink *sink_new(void) {
    struct sink *s = calloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

static void sink_free(struct sink *s) {
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static int sink_count(struct sink *s) {
    pthread_mutex_lock(&s->mu);
    int n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Lines that are dead-letter lines, and the sum of the summaries' counts. */
static void sink_tally(struct sink *s, int *letters, uint64_t *summarised) {
    *letters = 0;
    *summarised = 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n; i++) {
        uint64_t k;
        if (!strncmp(s->text[i], "dead letter", 11)) (*letters)++;
        else if (sscanf(s->text[i], "%" SCNu64 " more dead letters not shown", &k) == 1)
            *summarised += k;
    }
    pthread_mutex_unlock(&s->mu);
}

static int drop_all(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return WASP_DROP;
}

static int crash_all(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx, (void)m;
    return WASP_ECRASH;
}

static wasp_system *logged_sys(struct sink *s, int level) {
    wasp_system *sys = sys_new(2);
    wasp_system_set_log(sys, level, sink_fn, s);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    return sys;
}

/* One line per dead letter: level warn, the intended actor, size, reason. */
static void test_dead_letter_line(void **st) {
    (void)st;
    struct sink *s = sink_new();
    wasp_system *sys = logged_sys(s, WASP_LOG_INFO);
    wasp_actor_spec spec = {.name = "orders", .handle = crash_all};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    assert_int_equal(wasp_send(sys, id, "twelve bytes", 12), WASP_OK);
    assert_true(TU_WAIT_UNTIL(sink_count(s) >= 1, W));
    pthread_mutex_lock(&s->mu);
    assert_int_equal(s->level[0], WASP_LOG_WARN);
    assert_string_equal(s->actor[0], "orders");
    assert_string_equal(s->text[0], "dead letter (12 bytes): handler crashed");
    pthread_mutex_unlock(&s->mu);

    /* a delayed send to a name that does not exist names it too */
    wasp_send_opts o = {.to_name = "nobody", .data = "abc", .len = 3};
    assert_int_equal(wasp_send_after(sys, &o, 1000000, NULL), WASP_OK);
    assert_true(TU_WAIT_UNTIL(sink_count(s) >= 2, W));
    pthread_mutex_lock(&s->mu);
    assert_string_equal(s->actor[1], "nobody");
    assert_string_equal(s->text[1], "dead letter (3 bytes): no such actor");
    pthread_mutex_unlock(&s->mu);
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, 2);
    wasp_system_destroy(sys);
    sink_free(s);
}

/* A flood: at most 20 lines per second, then one summary line (written by a
 * timer once the window has passed, with no further dead letter needed);
 * every letter is still counted and accounted for by lines + summaries. */
static void test_flood_is_rate_limited(void **st) {
    (void)st;
    struct sink *s = sink_new();
    wasp_system *sys = logged_sys(s, WASP_LOG_WARN);
    wasp_actor_spec spec = {.name = "dropper", .handle = drop_all, .mailbox_capacity = 4096};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    wasp_aid sub;
    struct rec *r = rec_new();
    wasp_actor_spec rs = rec_spec(r, "watcher");
    rs.mailbox_capacity = 4096;
    assert_int_equal(wasp_spawn(sys, &rs, &sub), WASP_OK);
    assert_int_equal(wasp_subscribe(sys, sub, WASP_DEAD_LETTERS_TOPIC), WASP_OK);
    const int n = 1000;
    uint64_t t0 = wasp_clock_ns();
    for (int i = 0; i < n; i++) assert_int_equal(wasp_send(sys, id, "x", 1), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&r->n) == n, W)); /* all published */
    int letters;
    uint64_t summarised;
    sink_tally(s, &letters, &summarised);
    uint64_t secs = (wasp_clock_ns() - t0) / 1000000000ull + 1;
    assert_true(letters >= 20);
    assert_true((uint64_t)letters <= 20 * (secs + 1)); /* limited, whatever the speed */
    /* the rest is summarised within about a second, without more traffic */
    assert_true(TU_WAIT_UNTIL((sink_tally(s, &letters, &summarised), letters + summarised == (uint64_t)n),
                              W));
    assert_true(summarised > 0);
    wasp_actor_stats as;
    assert_int_equal(wasp_actor_stats_get(sys, id, &as), WASP_OK);
    assert_int_equal(as.dead_letters, n);
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, n);
    pthread_mutex_lock(&s->mu);
    int last = s->n - 1;
    assert_string_equal(s->actor[last], "wasp");
    assert_int_equal(s->level[last], WASP_LOG_WARN);
    pthread_mutex_unlock(&s->mu);
    wasp_system_destroy(sys);
    rec_free(r);
    sink_free(s);
}

/* Below the sink's level nothing is written; counting is unchanged. */
static void test_not_logged_above_warn(void **st) {
    (void)st;
    struct sink *s = sink_new();
    wasp_system *sys = logged_sys(s, WASP_LOG_ERROR);
    wasp_actor_spec spec = {.name = "quiet", .handle = drop_all};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    for (int i = 0; i < 5; i++) assert_int_equal(wasp_send(sys, id, "x", 1), WASP_OK);
    wasp_actor_stats as;
    assert_true(TU_WAIT_UNTIL(wasp_actor_stats_get(sys, id, &as) == WASP_OK && as.dead_letters == 5, W));
    wasp_system_destroy(sys);
    assert_int_equal(s->n, 0);
    sink_free(s);
}

/* send_after timers still pending at system stop are dead letters (system-wide
 * count, a log line); a cancelled one is not. */
static void test_pending_send_after_at_stop(void **st) {
    (void)st;
    struct sink *s = sink_new();
    wasp_system *sys = logged_sys(s, WASP_LOG_WARN);
    struct rec *r = rec_new();
    wasp_actor_spec spec = rec_spec(r, "later");
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    wasp_send_opts by_id = {.to = id, .data = "hello", .len = 5};
    wasp_send_opts by_name = {.to_name = "later", .data = "hi", .len = 2};
    uint64_t t1, t2, t3;
    assert_int_equal(wasp_send_after(sys, &by_id, 60000000000ull, &t1), WASP_OK);
    assert_int_equal(wasp_send_after(sys, &by_name, 60000000000ull, &t2), WASP_OK);
    assert_int_equal(wasp_send_after(sys, &by_name, 60000000000ull, &t3), WASP_OK);
    assert_int_equal(wasp_timer_cancel(sys, t3), WASP_OK); /* cancelled: never sent */
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, 0);
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.dead_letters, 2);
    assert_int_equal(atomic_load(&r->n), 0);
    int letters;
    uint64_t summarised;
    sink_tally(s, &letters, &summarised);
    assert_int_equal(letters, 2);
    bool named = false;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->actor[i], "later") && !strcmp(s->text[i], "dead letter (2 bytes): system stopped"))
            named = true;
    pthread_mutex_unlock(&s->mu);
    assert_true(named);
    wasp_system_destroy(sys);
    rec_free(r);
    sink_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dead_letter_line),
        cmocka_unit_test(test_flood_is_rate_limited),
        cmocka_unit_test(test_not_logged_above_warn),
        cmocka_unit_test(test_pending_send_after_at_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
