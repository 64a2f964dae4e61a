/* stress_ring.c - a ring of 10,000 actors: one token for two laps, then
 * many tokens at once. Every hop is counted. */
#include "rt_helpers.h"

enum { RING = 10000 };

struct node {
    wasp_aid next;
    atomic_long *hops;
    atomic_long *finished;
};

static int node_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct node *n = wasp_ctx_state(ctx);
    uint32_t left;
    memcpy(&left, m->data, sizeof(left));
    atomic_fetch_add_explicit(n->hops, 1, memory_order_relaxed);
    if (left == 0) {
        atomic_fetch_add(n->finished, 1);
        return 0;
    }
    left--;
    return wasp_send(wasp_ctx_system(ctx), n->next, &left, sizeof(left));
}

static void test_ring(void **state) {
    (void)state;
    wasp_system *sys = sys_new(2);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    atomic_long hops = 0, finished = 0;
    struct node *nodes = calloc(RING, sizeof(*nodes));
    wasp_aid *ids = calloc(RING, sizeof(*ids));
    for (int i = 0; i < RING; i++) {
        nodes[i] = (struct node){0, &hops, &finished};
        wasp_actor_spec s = {.handle = node_handle, .state = &nodes[i]};
        assert_int_equal(wasp_spawn(sys, &s, &ids[i]), WASP_OK);
    }
    for (int i = 0; i < RING; i++) nodes[i].next = ids[(i + 1) % RING];
    /* the next pointers were written after spawn: publish them via a send */
    uint32_t left = 2 * RING - 1;
    assert_int_equal(wasp_send(sys, ids[0], &left, sizeof(left)), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&finished) == 1, 30000));
    assert_int_equal(atomic_load(&hops), 2 * RING);
    /* 200 tokens in flight at once, one lap each */
    enum { TOKENS = 200 };
    atomic_store(&hops, 0);
    atomic_store(&finished, 0);
    for (int t = 0; t < TOKENS; t++) {
        left = RING - 1;
        assert_int_equal(wasp_send(sys, ids[t * (RING / TOKENS)], &left, sizeof(left)), WASP_OK);
    }
    assert_true(TU_WAIT_UNTIL(atomic_load(&finished) == TOKENS, 60000));
    assert_int_equal(atomic_load(&hops), (long)TOKENS * RING);
    wasp_system_stats ss;
    wasp_system_stats_get(sys, &ss);
    assert_int_equal(ss.actors, RING);
    assert_int_equal(ss.dead_letters, 0);
    wasp_system_destroy(sys);
    free(nodes);
    free(ids);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_ring)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
