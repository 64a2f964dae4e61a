/* Component actors: the `inbox` import (docs/ABI.md). A message that fits
 * the registered receive buffer goes straight to `handle-message` at the
 * buffer's address; a larger one, or any after the buffer is taken back,
 * through `wasp_alloc` as before; a buffer outside memory is a crash.
 * Driven through tests/fixtures/comp_inbox.wat, which reports where each
 * message arrived and how often `wasp_alloc` ran. */
#include "comp_helpers.h"

struct report {
    int32_t ptr, len, allocs;
    char payload[64];
};

/* Asks "inbox" with payload (len bytes) and decodes the report. */
static int ask(struct world *w, const char *payload, size_t len, struct report *r) {
    void *reply = NULL;
    size_t n = 0;
    int rc = wasp_ask_name(w->sys, "inbox", payload, len, 5000000000ull, &reply, &n);
    if (rc == WASP_OK) {
        assert_true(n >= 12 && n - 12 < sizeof(r->payload));
        memcpy(r, reply, 12);
        assert_int_equal((size_t)r->len, n - 12);
        memcpy(r->payload, (char *)reply + 12, n - 12);
        r->payload[n - 12] = 0;
    }
    free(reply);
    return rc;
}

static void expect(struct world *w, const char *payload, int32_t ptr, int32_t allocs) {
    struct report r;
    assert_int_equal(ask(w, payload, strlen(payload), &r), WASP_OK);
    assert_int_equal(r.ptr, ptr);
    assert_int_equal(r.allocs, allocs);
    assert_string_equal(r.payload, payload); /* the bytes arrived whole, wherever */
}

static struct world start(wasp_aid *id) {
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("inbox", "comp_inbox.wasm");
    *id = comp_spawn(&w, &s);
    return w;
}

static void fitting_messages_skip_alloc(void **state) {
    (void)state;
    wasp_aid id;
    struct world w = start(&id);
    expect(&w, "a", 4096, 1);                   /* no inbox yet: wasp_alloc, which registers it */
    expect(&w, "kk", 2048, 1);                  /* into the inbox, no call to wasp_alloc */
    expect(&w, "0123456789abcdef", 2048, 1);    /* exactly its 16 bytes */
    expect(&w, "0123456789abcdefg", 4096, 2);   /* one more: wasp_alloc again */
    expect(&w, "c", 2048, 2);
    struct report r;
    assert_int_equal(ask(&w, "", 0, &r), WASP_OK); /* an empty message fits too */
    assert_int_equal(r.ptr, 2048);
    assert_int_equal(r.allocs, 2);
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    world_free(&w);
}

static void taken_back_means_alloc(void **state) {
    (void)state;
    wasp_aid id;
    struct world w = start(&id);
    expect(&w, "x", 4096, 1);
    expect(&w, "o", 2048, 1); /* delivered to the inbox, which the handler then takes back */
    expect(&w, "y", 4096, 2);
    expect(&w, "z", 4096, 3);
    world_free(&w);
}

static void inbox_at_the_edge_of_memory(void **state) {
    (void)state;
    wasp_aid id;
    struct world w = start(&id);
    expect(&w, "e", 4096, 1);        /* registers [65528, +8) */
    expect(&w, "12345678", 65528, 1); /* its last byte is memory's last */
    expect(&w, "123456789", 4096, 2);
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    world_free(&w);
}

static void inbox_outside_memory_is_a_crash(void **state) {
    (void)state;
    tu_signals_restore();
    struct world w = world_new(2);
    wasp_component_spec s = comp_spec("inbox", "comp_inbox.wasm");
    wasp_supervisor *sup = comp_supervise(&w, &s);
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w.sys, "inbox", &id), WASP_OK);
    struct report r;
    assert_int_not_equal(ask(&w, "b", 1, &r), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).restarts == 1 && comp_stats(&w, id).state == WASP_STATE_READY, 3000));
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, id, &info), WASP_OK);
    if (!strstr(info.last_error, "`inbox`: range")) fail_msg("reason \"%s\"", info.last_error);
    /* The fresh instance has no inbox: its first message goes through wasp_alloc. */
    expect(&w, "a", 4096, 1);
    expect(&w, "k", 2048, 1);
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fitting_messages_skip_alloc),
        cmocka_unit_test(taken_back_means_alloc),
        cmocka_unit_test(inbox_at_the_edge_of_memory),
        cmocka_unit_test(inbox_outside_memory_is_a_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
