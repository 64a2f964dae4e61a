/* comp_helpers.h - a system with the wasm layer, component specs from
 * fixtures, and "probe": a native actor that records what components send
 * it, for the component-actor integration tests (public API only). */
#ifndef WASP_COMP_HELPERS_H
#define WASP_COMP_HELPERS_H

#include <pthread.h>
#include <stdatomic.h>

#include "testutil.h"

#define PROBE_MAX 256

struct probe_msg {
    uint8_t data[512];
    size_t len;
    char sender[64];
    char topic[64];
};

struct probe {
    pthread_mutex_t mu;
    struct probe_msg msgs[PROBE_MAX];
    atomic_int n;
};

static struct probe g_probe;

static int probe_handle(wasp_ctx *ctx, const wasp_msg *m) {
    pthread_mutex_lock(&g_probe.mu);
    int n = atomic_load(&g_probe.n);
    if (n < PROBE_MAX) {
        struct probe_msg *pm = &g_probe.msgs[n];
        pm->len = m->len < sizeof(pm->data) ? m->len : sizeof(pm->data);
        memcpy(pm->data, m->data, pm->len);
        pm->sender[0] = 0;
        if (m->sender) wasp_actor_name(wasp_ctx_system(ctx), m->sender, pm->sender, sizeof(pm->sender));
        snprintf(pm->topic, sizeof(pm->topic), "%s", m->topic ? m->topic : "");
        atomic_store(&g_probe.n, n + 1);
    }
    pthread_mutex_unlock(&g_probe.mu);
    return 0;
}

static inline void probe_reset(void) {
    pthread_mutex_init(&g_probe.mu, NULL);
    atomic_store(&g_probe.n, 0);
}

/* Waits for message number i (0-based); fails the test after timeout. */
static inline const struct probe_msg *probe_get(int i, unsigned timeout_ms) {
    if (!TU_WAIT_UNTIL(atomic_load(&g_probe.n) > i, timeout_ms)) fail_msg("probe: message %d never came", i);
    return &g_probe.msgs[i];
}

/* The i32 result at the head of a component's report. */
static inline int32_t probe_result(int i) {
    const struct probe_msg *m = probe_get(i, 3000);
    int32_t r;
    assert_true(m->len >= 4);
    memcpy(&r, m->data, 4);
    return r;
}

static inline void probe_spawn(wasp_system *sys) {
    probe_reset();
    wasp_actor_spec spec = {.name = "probe", .handle = probe_handle};
    assert_int_equal(wasp_spawn(sys, &spec, NULL), WASP_OK);
}

struct world {
    wasp_system *sys;
    wasp_wasm *wasm;
};

/* Log lines go nowhere by default (tests assert on state, not on stderr). */
static void quiet_log(void *arg, int level, const char *actor, const char *text) {
    (void)arg, (void)level, (void)actor, (void)text;
}

/* A started system with the wasm layer configured by wc (NULL: defaults). */
static inline struct world world_with(int workers, const wasp_wasm_config *wc) {
    struct world w = {0};
    wasp_system_config cfg = {.workers = workers, .retain_terminated = true};
    assert_int_equal(wasp_system_create(&cfg, &w.sys), WASP_OK);
    wasp_system_set_log(w.sys, getenv("WASP_TEST_LOG") ? WASP_LOG_TRACE : WASP_LOG_ERROR + 1,
                        getenv("WASP_TEST_LOG") ? NULL : quiet_log, NULL);
    assert_int_equal(wasp_wasm_create(w.sys, wc, &w.wasm), WASP_OK);
    assert_int_equal(wasp_system_start(w.sys), WASP_OK);
    return w;
}

static inline struct world world_new(int workers) { return world_with(workers, NULL); }

/* The pooling allocator with `slots` slots of 16 MiB, as `wasp run` picks
 * for a small system (lazy instantiation needs it: spawn reserves a slot). */
static inline struct world world_pooled(int workers, uint32_t slots) {
    wasp_wasm_config wc = {.pooling = true, .pool_instances = slots, .pool_memory_max = 16u << 20};
    return world_with(workers, &wc);
}

static inline void world_free(struct world *w) {
    wasp_system_stop(w->sys);
    wasp_wasm_destroy(w->wasm);
    wasp_system_destroy(w->sys);
}

/* A spec for a fixture (path in the build tree), defaults otherwise. */
static inline wasp_component_spec comp_spec(const char *name, const char *fixture) {
    wasp_component_spec s = {0};
    s.name = name;
    s.wasm_path = tu_fixture(fixture);
    return s;
}

static inline wasp_component *comp_load(struct world *w, const wasp_component_spec *s) {
    wasp_component *c = NULL;
    char err[512];
    int rc = wasp_component_load(w->wasm, s, &c, err, sizeof(err));
    if (rc != WASP_OK) fail_msg("load %s: %s (%s)", s->name, err, wasp_errname(rc));
    return c;
}

/* Spawns a single-instance component and returns its id. */
static inline wasp_aid comp_spawn(struct world *w, const wasp_component_spec *s) {
    assert_true(s->instances <= 1);
    wasp_component *c = comp_load(w, s);
    wasp_aid id = 0;
    int rc = wasp_component_spawn(c, &id);
    if (rc != WASP_OK) {
        char err[512];
        wasp_component_error(c, err, sizeof(err));
        fail_msg("spawn %s: %s (%s)", s->name, err, wasp_errname(rc));
    }
    return id;
}

/* Starts supervisor "sup" (one_for_one, `intensity` restarts in 10 s) over
 * every instance of c (up to 64); returns the start's result, *out the
 * supervisor (to destroy even when the start failed). */
static inline int comp_supervise_all(struct world *w, wasp_component *c, uint32_t intensity,
                                     wasp_supervisor **out) {
    wasp_child_spec kids[64];
    uint32_t n = wasp_component_instances(c);
    assert_true(n >= 1 && n <= 64);
    wasp_component_child_specs(c, kids);
    wasp_supervisor_spec sup = {.name = "sup", .strategy = WASP_SUP_ONE_FOR_ONE, .intensity = intensity,
                                .period_ns = 10000000000ull, .children = kids, .nchildren = n};
    *out = NULL;
    return wasp_supervisor_start(w->sys, &sup, out);
}

/* One supervised single-instance component (one_for_one); returns the supervisor. */
static inline wasp_supervisor *comp_supervise(struct world *w, wasp_component_spec *s) {
    wasp_supervisor *out;
    assert_int_equal(comp_supervise_all(w, comp_load(w, s), 100, &out), WASP_OK);
    return out;
}

static inline wasp_actor_stats comp_stats(struct world *w, wasp_aid id) {
    wasp_actor_stats st;
    assert_int_equal(wasp_actor_stats_get(w->sys, id, &st), WASP_OK);
    return st;
}

/* true once every message the actor accepted is accounted for: handled,
 * a dead letter, or still queued (a reply goes out before its handler
 * returns, so the counters may lag the reply by a moment). */
static inline bool comp_accounted(struct world *w, wasp_aid id) {
    wasp_actor_stats st = comp_stats(w, id);
    return st.received == st.handled + st.dead_letters + st.mailbox_len;
}

/* Blocking request with a generous timeout; returns the status. */
static inline int comp_ask(struct world *w, const char *to, const char *text, char *out, size_t cap) {
    void *reply = NULL;
    size_t len = 0;
    int rc = wasp_ask_name(w->sys, to, text, strlen(text), 5000000000ull, &reply, &len);
    if (rc == WASP_OK && out) {
        size_t n = len < cap - 1 ? len : cap - 1;
        memcpy(out, reply, n);
        out[n] = 0;
    }
    free(reply);
    return rc;
}

/* Asks `to` and fails the test unless the reply is `want`. */
static inline void comp_expect_reply(struct world *w, const char *to, const char *text, const char *want) {
    char out[128];
    int rc = comp_ask(w, to, text, out, sizeof(out));
    if (rc != WASP_OK) fail_msg("%s <- %s: %s", to, text, wasp_errname(rc));
    if (strcmp(out, want)) fail_msg("%s <- %s: \"%s\", not \"%s\"", to, text, out, want);
}

/* Creates a first engine so Wasmtime installs its fault handlers, then
 * records them for tu_signals_restore. */
static inline void comp_signals_init(void) {
    struct world w = world_new(1);
    world_free(&w);
    tu_signals_save();
}

#endif
