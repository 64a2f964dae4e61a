/* stress_churn.c - actors spawned and stopped continuously while other
 * threads send to them (and to their stale ids), subscribe them and ask
 * them. Nothing may crash or leak; every message is accounted for. */
#include "rt_helpers.h"

enum { THREADS = 3, ROUNDS = 1500, SLOTS = 32 };

static _Atomic wasp_aid slots[SLOTS];
static atomic_long handled_total, sent_ok;

static int churn_handle(wasp_ctx *ctx, const wasp_msg *m) {
    atomic_fetch_add(&handled_total, 1);
    if (m->flags & WASP_MSG_REQUEST) wasp_reply(ctx, "r", 1);
    return 0;
}

static void churn_stopped(wasp_ctx *ctx, int reason) {
    (void)reason;
    /* hooks may send: to ourselves it fails (stopping), elsewhere it works */
    int rc = wasp_send(wasp_ctx_system(ctx), wasp_ctx_self(ctx), "x", 1);
    assert_true(rc == WASP_ESTOPPED);
}

struct churner {
    wasp_system *sys;
    unsigned seed;
};

static void *churn(void *arg) {
    struct churner *c = arg;
    for (int i = 0; i < ROUNDS; i++) {
        unsigned k = (unsigned)rand_r(&c->seed) % SLOTS;
        switch (rand_r(&c->seed) % 5) {
        case 0: { /* replace the actor in slot k */
            wasp_actor_spec s = {.handle = churn_handle, .stopped = churn_stopped,
                                 .mailbox_capacity = 64};
            wasp_aid id;
            assert_int_equal(wasp_spawn(c->sys, &s, &id), WASP_OK);
            wasp_aid old = atomic_exchange(&slots[k], id);
            if (old) {
                int rc = wasp_actor_stop(c->sys, old);
                assert_true(rc == WASP_OK || rc == WASP_ENOENT || rc == WASP_ESTOPPED);
            }
            break;
        }
        case 1: { /* subscribe, maybe to a dying actor */
            int rc = wasp_subscribe(c->sys, atomic_load(&slots[k]), "churn.>");
            assert_true(rc == WASP_OK || rc == WASP_ENOENT || rc == WASP_EEXIST || rc == WASP_EINVAL);
            break;
        }
        case 2: {
            int rc = wasp_publish(c->sys, "churn.x", "p", 1);
            assert_true(rc >= 0);
            break;
        }
        default: {
            wasp_aid id = atomic_load(&slots[k]);
            int rc = wasp_send(c->sys, id ? id : 1, "m", 1);
            assert_true(rc == WASP_OK || rc == WASP_ENOENT || rc == WASP_ESTOPPED || rc == WASP_EFULL);
            if (rc == WASP_OK) atomic_fetch_add(&sent_ok, 1);
            break;
        }
        }
    }
    return NULL;
}

struct totals {
    uint64_t actors, received, dead;
};

static int add_up(const wasp_actor_stats *st, void *arg) {
    struct totals *t = arg;
    assert_int_equal(st->state, WASP_STATE_TERMINATED);
    assert_int_equal(st->mailbox_len, 0);
    assert_int_equal(st->received, st->handled + st->dead_letters);
    t->actors++;
    t->received += st->received;
    t->dead += st->dead_letters;
    return 0;
}

static void test_churn(void **state) {
    (void)state;
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = 2, .retain_terminated = true};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    pthread_t th[THREADS];
    struct churner c[THREADS];
    for (int i = 0; i < THREADS; i++) {
        c[i] = (struct churner){sys, (unsigned)i * 7919u + 1};
        pthread_create(&th[i], NULL, churn, &c[i]);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    assert_int_equal(wasp_system_stop(sys), WASP_OK);
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.actors, 0);
    assert_true(ss.spawned > 0);
    /* every accepted message was handled or became a dead letter, per actor */
    struct totals t = {0};
    assert_int_equal(wasp_system_foreach(sys, add_up, &t), 0);
    assert_int_equal(t.actors, ss.spawned);
    assert_int_equal(t.received, (uint64_t)atomic_load(&handled_total) + t.dead);
    assert_int_equal(t.received, ss.messages_sent);
    assert_true(ss.dead_letters >= t.dead);
    assert_true(ss.messages_sent >= (uint64_t)atomic_load(&sent_ok));
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_churn)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
