/* test_component_upgrade.c - hot upgrade under load: a counter is sent
 * continuously to a relay component while its module is replaced back and
 * forth (and once by a module that fails to start); the sink behind it must
 * see every number exactly once, in order, and both versions at work. */
#include "comp_helpers.h"

#define N 1000000 /* most the feeder sends; it stops once the upgrades are done */

struct sink {
    pthread_mutex_t mu;
    int *seen;    /* times each number arrived */
    int *version; /* version that relayed it */
    int *order;   /* arrival order */
    atomic_int n;
    int bad;
};

static struct sink g_sink;

static int sink_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)ctx;
    char text[32];
    size_t len = m->len < sizeof(text) - 1 ? m->len : sizeof(text) - 1;
    memcpy(text, m->data, len);
    text[len] = 0;
    int v = 0, i = 0;
    pthread_mutex_lock(&g_sink.mu);
    if (sscanf(text, "v%d:%d", &v, &i) != 2 || i < 1 || i > N) {
        g_sink.bad++;
    } else {
        g_sink.seen[i]++;
        g_sink.version[i] = v;
        g_sink.order[atomic_load(&g_sink.n)] = i;
        atomic_fetch_add(&g_sink.n, 1);
    }
    pthread_mutex_unlock(&g_sink.mu);
    return 0;
}

struct feeder {
    struct world *w;
    const char *to;
    atomic_int sent;
    atomic_bool stop;
};

static void *feed(void *arg) {
    struct feeder *f = arg;
    for (int i = 1; i <= N && !atomic_load(&f->stop); i++) {
        char text[16];
        int n = snprintf(text, sizeof(text), "%d", i);
        int rc;
        while ((rc = wasp_send_name(f->w->sys, f->to, text, (size_t)n)) == WASP_EFULL) tu_sleep_ms(1);
        if (rc != WASP_OK) fail_msg("send %d: %s", i, wasp_errname(rc));
        atomic_store(&f->sent, i);
    }
    return NULL;
}

static wasp_component_spec relay_spec(uint32_t instances) {
    static const char *const send[] = {"sink"};
    wasp_component_spec s = {0};
    s.name = "relay";
    s.wasm_path = WASP_GUESTS "/relay.wasm";
    s.instances = instances;
    s.mailbox = 256;
    s.permissions.send = send;
    s.permissions.nsend = 1;
    return s;
}

static void upgrade_under_load(uint32_t instances) {
    tu_signals_restore();
    memset(&g_sink, 0, sizeof(g_sink));
    pthread_mutex_init(&g_sink.mu, NULL);
    g_sink.seen = calloc(N + 1, sizeof(int));
    g_sink.version = calloc(N + 1, sizeof(int));
    g_sink.order = calloc(N + 1, sizeof(int));
    struct world w = world_new(2);
    wasp_actor_spec sink = {.name = "sink", .handle = sink_handle, .mailbox_capacity = 100000};
    assert_int_equal(wasp_spawn(w.sys, &sink, NULL), WASP_OK);
    wasp_component_spec s = relay_spec(instances);
    wasp_component *c = comp_load(&w, &s);
    assert_int_equal(wasp_component_spawn(c, NULL), WASP_OK);

    struct feeder f = {.w = &w, .to = "relay"};
    pthread_t t;
    pthread_create(&t, NULL, feed, &f);
    char err[512];
    static const char *const steps[] = {"relay_v2", "relay", "relay_bad", "relay_v2"};
    int upgrades = 0;
    for (int i = 0; i < 4; i++) {
        int at = atomic_load(&g_sink.n);
        assert_true(TU_WAIT_UNTIL(atomic_load(&g_sink.n) > at + 300, 10000)); /* traffic flows */
        char path[512];
        snprintf(path, sizeof(path), "%s/%s.wasm", WASP_GUESTS, steps[i]);
        int rc = wasp_component_upgrade(c, path, NULL, 0, err, sizeof(err));
        if (!strcmp(steps[i], "relay_bad")) {
            assert_int_equal(rc, WASP_ECRASH);
            assert_non_null(strstr(err, "_start"));
            assert_non_null(strstr(err, "old one runs again"));
        } else {
            if (rc != WASP_OK) fail_msg("upgrade to %s: %s", steps[i], err);
            upgrades++;
        }
    }
    int at = atomic_load(&g_sink.n);
    assert_true(TU_WAIT_UNTIL(atomic_load(&g_sink.n) > at + 300, 10000)); /* and after the last upgrade */
    atomic_store(&f.stop, true);
    pthread_join(t, NULL);
    int sent = atomic_load(&f.sent);
    assert_true(sent < N);
    assert_true(TU_WAIT_UNTIL(atomic_load(&g_sink.n) == sent, 20000));
    tu_sleep_ms(20); /* anything extra (a duplicate) would arrive now */
    assert_int_equal(atomic_load(&g_sink.n), sent);
    assert_int_equal(g_sink.bad, 0);
    int v1 = 0, v2 = 0;
    for (int i = 1; i <= sent; i++) {
        assert_int_equal(g_sink.seen[i], 1); /* none lost, none twice */
        v1 += g_sink.version[i] == 1;
        v2 += g_sink.version[i] == 2;
    }
    assert_true(v1 > 0 && v2 > 0);
    assert_int_equal(g_sink.version[sent], 2); /* the last upgrade holds */
    if (instances == 1)
        for (int i = 0; i < sent; i++) assert_int_equal(g_sink.order[i], i + 1); /* one actor keeps order */
    /* The actors themselves were kept: the upgrades made instances, not actors. */
    wasp_aid id;
    assert_int_equal(wasp_lookup(w.sys, instances == 1 ? "relay" : "relay.0", &id), WASP_OK);
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w.wasm, id, &info), WASP_OK);
    assert_true(info.instantiations >= 1u + (unsigned)upgrades);
    world_free(&w);
    free(g_sink.seen);
    free(g_sink.version);
    free(g_sink.order);
}

static void test_upgrade_single_instance_under_load(void **state) {
    (void)state;
    upgrade_under_load(1);
}

static void test_upgrade_pool_under_load(void **state) {
    (void)state;
    upgrade_under_load(3);
}

/* Checked like a load: a module the component may not run is refused
 * before anything is touched. */
static void test_upgrade_refused(void **state) {
    (void)state;
    struct world w = world_new(1);
    wasp_component_spec s = comp_spec("plain", "comp_echo.wasm");
    wasp_component *c = comp_load(&w, &s);
    assert_int_equal(wasp_component_spawn(c, NULL), WASP_OK);
    char err[512];
    assert_int_equal(wasp_component_upgrade(c, WASP_GUESTS "/wasi_hello.wasm", NULL, 0, err, sizeof(err)), WASP_ELINK);
    assert_non_null(strstr(err, "plain"));
    assert_int_equal(wasp_component_upgrade(c, tu_fixture("abi_wasp_bad_sig.wasm"), NULL, 0, err, sizeof(err)),
                     WASP_EABI);
    assert_int_equal(wasp_component_upgrade(c, "/no/such.wasm", NULL, 0, err, sizeof(err)), WASP_EIO);
    assert_int_equal(wasp_component_upgrade(c, NULL, "junk", 4, err, sizeof(err)), WASP_ECOMPILE);
    assert_int_equal(wasp_component_upgrade(c, NULL, NULL, 0, err, sizeof(err)), WASP_EINVAL);
    assert_ptr_equal(wasp_component_find(w.wasm, "plain"), c);
    assert_null(wasp_component_find(w.wasm, "nope"));
    char out[64];
    assert_int_equal(comp_ask(&w, "plain", "still here", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "still here");
    world_free(&w);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upgrade_single_instance_under_load),
        cmocka_unit_test(test_upgrade_pool_under_load),
        cmocka_unit_test(test_upgrade_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
