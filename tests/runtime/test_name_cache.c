/* test_name_cache.c - a sender's name cache (runtime/name_cache.h): sends
 * through it reach exactly the actor the registry names at the time. */
#include "rt_helpers.h"
#include "runtime/completion.h"
#include "runtime/ext.h"
#include "runtime/name_cache.h"

static int send_via(wasp_system *sys, struct wasp_name_cache *c, const char *to, const char *s) {
    wasp_send_opts o = {.to_name = to, .data = s, .len = strlen(s)};
    return wasp__send_cached(sys, &o, c);
}

static const struct wasp_name_memo *memo_of(struct wasp_name_cache *c, const char *name) {
    return wasp__name_cache_way(c, name, strlen(name));
}

static void settle(wasp_system *sys) { assert_int_equal(wasp_system_wait_idle(sys, IDLE_BOUND), WASP_OK); }

static void test_memo_lines(void **state) {
    (void)state;
    struct wasp_name_cache c = {0};
    struct wasp_name_memo *m = wasp__name_cache_way(&c, "svc", 3);
    wasp_aid id = 0;
    assert_false(wasp__name_cache_get(m, 0, "svc", 3, &id)); /* empty way: generation 0 */
    wasp__name_cache_put(m, 7, "svc", 3, 42);
    assert_true(wasp__name_cache_get(m, 7, "svc", 3, &id));
    assert_int_equal(id, 42);
    assert_false(wasp__name_cache_get(m, 8, "svc", 3, &id)); /* the registry moved on */
    assert_false(wasp__name_cache_get(m, 7, "svd", 3, &id));
    assert_false(wasp__name_cache_get(m, 7, "svc2", 4, &id));
    char lng[WASP_NAME_CACHE_MAX + 2];
    memset(lng, 'n', sizeof(lng) - 1);
    lng[sizeof(lng) - 1] = 0;
    struct wasp_name_memo *l = wasp__name_cache_way(&c, lng, strlen(lng));
    wasp__name_cache_put(l, 9, lng, strlen(lng), 5); /* too long: not kept */
    assert_false(wasp__name_cache_get(l, 9, lng, strlen(lng), &id));
}

static void test_hit_and_reregistered_name(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct wasp_name_cache *c = calloc(1, sizeof(*c));
    struct rec *a = rec_new(), *b = rec_new();
    wasp_actor_spec sa = rec_spec(a, "svc"), sb = rec_spec(b, "svc");
    wasp_aid ida, idb;
    assert_int_equal(wasp_spawn(sys, &sa, &ida), WASP_OK);
    assert_int_equal(send_via(sys, c, "svc", "one"), WASP_OK);
    assert_int_equal(memo_of(c, "svc")->id, ida);
    assert_int_equal(send_via(sys, c, "svc", "two"), WASP_OK); /* from the memo */
    settle(sys);
    assert_int_equal(atomic_load(&a->n), 2);
    /* the name's owner goes, another takes the name: the memo must not lead to the first */
    assert_int_equal(wasp_actor_stop(sys, ida), WASP_OK);
    assert_int_equal(send_via(sys, c, "svc", "lost"), WASP_ENOENT);
    assert_int_equal(wasp_spawn(sys, &sb, &idb), WASP_OK);
    assert_int_equal(send_via(sys, c, "svc", "three"), WASP_OK);
    assert_int_equal(memo_of(c, "svc")->id, idb);
    settle(sys);
    assert_int_equal(atomic_load(&a->n), 2);
    assert_int_equal(atomic_load(&b->n), 1);
    assert_string_equal(b->log[0], "three");
    wasp_system_destroy(sys);
    rec_free(a);
    rec_free(b);
    free(c);
}

/* A memo filled before an unrelated name changed still leads to the right
 * actor (it is looked up again), and a stale one never to a gone actor. */
static void test_other_names_change(void **state) {
    (void)state;
    wasp_system *sys = sys_new(1);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct wasp_name_cache c = {0};
    struct rec *a = rec_new();
    wasp_actor_spec sa = rec_spec(a, "svc");
    wasp_aid ida, other;
    assert_int_equal(wasp_spawn(sys, &sa, &ida), WASP_OK);
    assert_int_equal(send_via(sys, &c, "svc", "one"), WASP_OK);
    uint64_t before = memo_of(&c, "svc")->gen;
    wasp_actor_spec so = rec_spec(a, "other");
    assert_int_equal(wasp_spawn(sys, &so, &other), WASP_OK);
    assert_int_equal(send_via(sys, &c, "svc", "two"), WASP_OK);
    assert_true(memo_of(&c, "svc")->gen > before); /* refreshed at the new generation */
    assert_int_equal(memo_of(&c, "svc")->id, ida);
    settle(sys);
    assert_int_equal(atomic_load(&a->n), 2);
    wasp_system_destroy(sys);
    rec_free(a);
}

/* Replies with its own name: who answered. */
static int answer_name(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    const char *who = wasp_ctx_state(ctx);
    return wasp_reply(ctx, who, strlen(who));
}

/* An ask through the cache: the answer comes from whoever holds the name. */
static void ask_via(wasp_system *sys, struct wasp_name_cache *c, const char *to, const char *expect) {
    struct wasp_wait *w = wasp__wait_new(sys, true);
    assert_non_null(w);
    wasp_send_opts o = {.to_name = to, .data = "q", .len = 1};
    assert_int_equal(wasp__ask(sys, &o, IDLE_BOUND, &w->c, c), WASP_OK);
    assert_int_equal(wasp__wait_for(w), WASP_OK);
    assert_int_equal(w->len, strlen(expect));
    assert_memory_equal(w->data, expect, w->len);
    free(w->data);
    w->data = NULL;
    wasp__wait_free(w);
}

static void test_ask_follows_the_name(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct wasp_name_cache c = {0};
    wasp_actor_spec first = {.name = "svc", .handle = answer_name, .state = "first"};
    wasp_actor_spec second = {.name = "svc", .handle = answer_name, .state = "second"};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &first, &id), WASP_OK);
    ask_via(sys, &c, "svc", "first");
    ask_via(sys, &c, "svc", "first"); /* from the memo */
    assert_int_equal(memo_of(&c, "svc")->id, id);
    assert_int_equal(wasp_actor_stop(sys, id), WASP_OK);
    assert_int_equal(wasp_spawn(sys, &second, NULL), WASP_OK);
    ask_via(sys, &c, "svc", "second");
    wasp_system_destroy(sys);
}

/* Pools are never memoised: each send takes the next member. */
static void test_pool_not_cached(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    struct wasp_name_cache c = {0};
    struct rec *r[2];
    wasp_aid ids[2];
    for (int i = 0; i < 2; i++) {
        r[i] = rec_new();
        wasp_actor_spec s = rec_spec(r[i], i ? "m1" : "m0");
        assert_int_equal(wasp_spawn(sys, &s, &ids[i]), WASP_OK);
        assert_int_equal(wasp_pool_add(sys, "pool", ids[i]), WASP_OK);
    }
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    for (int i = 0; i < 10; i++) assert_int_equal(send_via(sys, &c, "pool", "job"), WASP_OK);
    assert_int_equal(memo_of(&c, "pool")->gen, 0);
    settle(sys);
    assert_int_equal(atomic_load(&r[0]->n), 5);
    assert_int_equal(atomic_load(&r[1]->n), 5);
    /* a pool emptied and a plain actor given its name */
    assert_int_equal(wasp_pool_remove(sys, "pool", ids[0]), WASP_OK);
    assert_int_equal(wasp_pool_remove(sys, "pool", ids[1]), WASP_OK);
    struct rec *p = rec_new();
    wasp_actor_spec sp = rec_spec(p, "pool");
    assert_int_equal(wasp_spawn(sys, &sp, NULL), WASP_OK);
    assert_int_equal(send_via(sys, &c, "pool", "mine"), WASP_OK);
    assert_int_equal(send_via(sys, &c, "pool", "mine"), WASP_OK);
    settle(sys);
    assert_int_equal(atomic_load(&p->n), 2);
    assert_int_equal(atomic_load(&r[0]->n) + atomic_load(&r[1]->n), 10);
    wasp_system_destroy(sys);
    for (int i = 0; i < 2; i++) rec_free(r[i]);
    rec_free(p);
}

/* Senders with caches of their own while the name changes hands (TSan):
 * no actor handles a message after its stop returned, and no more
 * messages are handled than were accepted. */
struct churn {
    wasp_system *sys;
    atomic_bool done;
    atomic_int sent;
};

static void *sender_main(void *arg) {
    struct churn *ch = arg;
    struct wasp_name_cache c = {0};
    while (!atomic_load(&ch->done))
        if (send_via(ch->sys, &c, "hot", "m") == WASP_OK) atomic_fetch_add(&ch->sent, 1);
    return NULL;
}

static void test_concurrent_rename(void **state) {
    (void)state;
    struct churn ch = {.sys = sys_new(2)};
    assert_int_equal(wasp_system_start(ch.sys), WASP_OK);
    enum { ROUNDS = 200 };
    struct rec *r[ROUNDS];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, sender_main, &ch), 0);
    int at_stop[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        r[i] = rec_new();
        wasp_actor_spec s = rec_spec(r[i], "hot");
        wasp_aid id;
        assert_int_equal(wasp_spawn(ch.sys, &s, &id), WASP_OK);
        assert_int_equal(wasp_actor_stop(ch.sys, id), WASP_OK);
        at_stop[i] = atomic_load(&r[i]->n);
    }
    atomic_store(&ch.done, true);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    settle(ch.sys);
    int handled = 0;
    for (int i = 0; i < ROUNDS; i++) {
        assert_int_equal(atomic_load(&r[i]->n), at_stop[i]); /* nothing after its stop */
        handled += at_stop[i];
    }
    /* a message accepted by a mailbox that then stopped is discarded, never
     * redirected: handled can be below sent, never above */
    assert_true(handled <= atomic_load(&ch.sent));
    wasp_system_destroy(ch.sys);
    for (int i = 0; i < ROUNDS; i++) rec_free(r[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_lines),
        cmocka_unit_test(test_hit_and_reregistered_name),
        cmocka_unit_test(test_other_names_change),
        cmocka_unit_test(test_ask_follows_the_name),
        cmocka_unit_test(test_pool_not_cached),
        cmocka_unit_test(test_concurrent_rename),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
