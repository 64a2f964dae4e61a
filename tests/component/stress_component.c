/* Stress: outside threads flood 16 supervised components with a mix of
 * good messages, handler errors, dead letters and crashes. Afterwards every
 * accepted message is accounted for - handled, a dead letter, or queued -
 * per actor and in total, and every actor is back to ready. Once with
 * instances made at spawn, once with lazy ones (instantiated by the flood's
 * first message to each, and after each crash). */
#include <pthread.h>

#include "comp_helpers.h"

#define NCOMP 16
#define NTHREADS 3
#define PER_THREAD 4000

static struct world g_w;
static atomic_uint_fast64_t g_accepted;

static void *feeder(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        char to[16];
        snprintf(to, sizeof(to), "echo.%u", rand_r(&seed) % NCOMP);
        unsigned r = rand_r(&seed) % 100;
        const char *msg = r < 2 ? "x" : r < 5 ? "e" : r < 8 ? "thirteen byte" : "payload";
        int rc = wasp_send_name(g_w.sys, to, msg, strlen(msg));
        if (rc == WASP_OK) atomic_fetch_add(&g_accepted, 1);
        else if (rc != WASP_EFULL) fail_msg("send: %s", wasp_errname(rc));
    }
    return NULL;
}

struct totals {
    uint64_t received, handled, dead, queued, crashes, restarts;
    bool all_ready;
    bool strict; /* quiet system: no message may be in hand */
};

static int add_up(const wasp_actor_stats *st, void *arg) {
    struct totals *t = arg;
    if (strncmp(st->name, "echo.", 5)) return 0;
    uint64_t accounted = st->handled + st->dead_letters + st->mailbox_len;
    if (st->received != accounted && (t->strict || st->received != accounted + 1))
        fail_msg("%s: received %llu != handled %llu + dead %llu + queued %u", st->name,
                 (unsigned long long)st->received, (unsigned long long)st->handled,
                 (unsigned long long)st->dead_letters, st->mailbox_len);
    t->received += st->received;
    t->handled += st->handled;
    t->dead += st->dead_letters;
    t->queued += st->mailbox_len;
    t->crashes += st->crashes;
    t->restarts += st->restarts;
    if (st->state != WASP_STATE_READY) t->all_ready = false;
    return 0;
}

static bool quiet_now(void) {
    struct totals t = {.all_ready = true};
    wasp_system_foreach(g_w.sys, add_up, &t);
    return t.queued == 0 && t.all_ready && t.handled + t.dead == atomic_load(&g_accepted);
}

static void flood_is_accounted(const char *fixture) {
    tu_signals_restore();
    atomic_store(&g_accepted, 0);
    g_w = world_pooled(2, 2 * NCOMP + 16);
    wasp_component_spec s = comp_spec("echo", fixture);
    s.instances = NCOMP;
    s.mailbox = 256;
    wasp_component *c = comp_load(&g_w, &s);
    wasp_child_spec kids[NCOMP];
    wasp_component_child_specs(c, kids);
    wasp_supervisor_spec sup = {.name = "sup", .intensity = 1000000, .period_ns = 1000000000ull,
                                .children = kids, .nchildren = NCOMP};
    wasp_supervisor *sv = NULL;
    assert_int_equal(wasp_supervisor_start(g_w.sys, &sup, &sv), WASP_OK);

    pthread_t th[NTHREADS];
    for (uintptr_t i = 0; i < NTHREADS; i++) pthread_create(&th[i], NULL, feeder, (void *)(i + 1));
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);

    assert_true(TU_WAIT_UNTIL(quiet_now(), 20000));
    struct totals t = {.all_ready = true, .strict = true};
    wasp_system_foreach(g_w.sys, add_up, &t);
    assert_int_equal(t.received, atomic_load(&g_accepted));
    assert_true(t.crashes > 0);
    assert_int_equal(t.crashes, t.restarts);
    assert_true(t.dead >= t.crashes); /* each crash's message, plus alloc refusals */
    world_free(&g_w);
    wasp_supervisor_destroy(sv);
}

static void flood_eager(void **state) {
    (void)state;
    flood_is_accounted("comp_echo.wasm");
}

static void flood_lazy(void **state) {
    (void)state;
    flood_is_accounted("lazy_sink.wasm");
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {cmocka_unit_test(flood_eager), cmocka_unit_test(flood_lazy)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
