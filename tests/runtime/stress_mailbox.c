/* stress_mailbox.c - many producers into one mailbox: nothing lost, each
 * producer's messages handled in the order it sent them. */
#include <sched.h>

#include "rt_helpers.h"

enum { PRODUCERS = 6, PER_PRODUCER = 20000 };

struct sink {
    uint32_t next[PRODUCERS];
    atomic_long handled;
    atomic_int out_of_order;
};

static int sink_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct sink *s = wasp_ctx_state(ctx);
    uint32_t v[2];
    memcpy(v, m->data, sizeof(v));
    if (v[0] >= PRODUCERS || s->next[v[0]] != v[1]) atomic_store(&s->out_of_order, 1);
    else s->next[v[0]]++;
    atomic_fetch_add(&s->handled, 1);
    return 0;
}

struct producer {
    wasp_system *sys;
    wasp_aid to;
    uint32_t idx;
    long full_retries;
};

static void *produce(void *arg) {
    struct producer *p = arg;
    for (uint32_t i = 0; i < PER_PRODUCER; i++) {
        uint32_t v[2] = {p->idx, i};
        wasp_send_opts o = {.to = p->to, .data = v, .len = sizeof(v)};
        int rc;
        while ((rc = wasp_send_ex(p->sys, &o)) == WASP_EFULL) {
            p->full_retries++;
            sched_yield();
        }
        assert_int_equal(rc, WASP_OK);
    }
    return NULL;
}

static void test_many_producers(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct sink s = {0};
    wasp_actor_spec spec = {.handle = sink_handle, .state = &s, .mailbox_capacity = 256};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &spec, &id), WASP_OK);
    pthread_t th[PRODUCERS];
    struct producer p[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (struct producer){sys, id, (uint32_t)i, 0};
        pthread_create(&th[i], NULL, produce, &p[i]);
    }
    for (int i = 0; i < PRODUCERS; i++) pthread_join(th[i], NULL);
    assert_true(TU_WAIT_UNTIL(atomic_load(&s.handled) == (long)PRODUCERS * PER_PRODUCER, 30000));
    assert_int_equal(atomic_load(&s.out_of_order), 0);
    for (int i = 0; i < PRODUCERS; i++) assert_int_equal(s.next[i], PER_PRODUCER);
    wasp_actor_stats st;
    assert_true(TU_WAIT_UNTIL(!wasp_actor_stats_get(sys, id, &st) && st.handled == st.received, 5000));
    assert_int_equal(st.received, (uint64_t)PRODUCERS * PER_PRODUCER);
    assert_int_equal(st.dead_letters, 0);
    assert_int_equal(st.mailbox_len, 0);
    wasp_system_destroy(sys);
}

/* drop-oldest under contention: the accounting identity still holds */
static void test_drop_oldest_accounting(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    struct sink s = {0};
    wasp_actor_spec sp = {.handle = sink_handle, .state = &s, .mailbox_capacity = 16,
                          .overflow = WASP_OVERFLOW_DROP_OLDEST};
    wasp_aid id;
    assert_int_equal(wasp_spawn(sys, &sp, &id), WASP_OK);
    pthread_t th[PRODUCERS];
    struct producer p[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        p[i] = (struct producer){sys, id, (uint32_t)i, 0};
        pthread_create(&th[i], NULL, produce, &p[i]);
    }
    for (int i = 0; i < PRODUCERS; i++) pthread_join(th[i], NULL);
    wasp_actor_stats st;
    assert_true(TU_WAIT_UNTIL(!wasp_actor_stats_get(sys, id, &st) && st.mailbox_len == 0 &&
                                  st.received == st.handled + st.dead_letters, 30000));
    assert_int_equal(st.received, (uint64_t)PRODUCERS * PER_PRODUCER);
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_producers),
        cmocka_unit_test(test_drop_oldest_accounting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
