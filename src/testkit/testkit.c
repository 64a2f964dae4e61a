/* testkit.c - the isolated system of a test: a virtual clock, captured log
 * lines and publishes, what is under test, and the steps (each waits until
 * the system is quiescent again). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testkit/testkit.h"

#define DEFAULT_IDLE_TIMEOUT_NS 10000000000ull
#define DEFAULT_CALL_TIMEOUT_NS 5000000000ull

static void capture_log(void *arg, int level, const char *actor, const char *text) {
    wasp_test *t = arg;
    size_t n = strlen(text);
    wasp_test_log_line *l = calloc(1, sizeof(*l) + n + 1);
    if (!l) return;
    char *copy = (char *)(l + 1);
    memcpy(copy, text, n + 1);
    l->text = copy;
    l->level = level;
    snprintf(l->actor, sizeof(l->actor), "%s", actor ? actor : "wasp");
    l->seq = atomic_fetch_add(&t->seq, 1) + 1;
    l->at_ns = wasp_system_now(t->sys);
    if (!wasp__tk_list_push(&t->log, l)) free(l);
    if (t->cfg.echo_log) fprintf(stderr, "%s %s: %s\n", wasp_log_level_name(level), l->actor, text);
}

/* Sees every publish (and dead-letter notice). */
static int record_publish(wasp_ctx *ctx, const wasp_msg *m) {
    wasp_test *t = wasp_ctx_state(ctx);
    wasp_test_message *r = wasp__tk_message_new(t, m, NULL);
    if (r && !wasp__tk_list_push(&t->published, r)) free(r);
    return 0;
}

/* Every test has a store of its own, empty at the start and removed with it:
 * components granted storage work as under `wasp run`, isolated per test. */
static int open_store(wasp_test *t) {
    const char *tmp = getenv("TMPDIR");
    snprintf(t->store_dir, sizeof(t->store_dir), "%s/wasp-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t->store_dir)) {
        t->store_dir[0] = 0;
        return WASP_EIO;
    }
    char path[300];
    snprintf(path, sizeof(path), "%s/test.kv", t->store_dir);
    return wasp_store_open(path, NULL, &t->store, NULL, 0);
}

static void close_store(wasp_test *t) {
    wasp_store_close(t->store);
    if (!t->store_dir[0]) return;
    static const char *const files[] = {"test.kv", "test.kv-wal", "test.kv-shm"};
    char path[300];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", t->store_dir, files[i]);
        unlink(path);
    }
    rmdir(t->store_dir);
}

int wasp_test_create(const wasp_test_config *cfg, wasp_test **out) {
    if (!out) return WASP_EINVAL;
    *out = NULL;
    wasp_test_config c = cfg ? *cfg : (wasp_test_config){0};
    if (c.workers < 0) return WASP_EINVAL;
    if (!c.workers) c.workers = 1;
    if (!c.idle_timeout_ns) c.idle_timeout_ns = DEFAULT_IDLE_TIMEOUT_NS;
    wasp_test *t = calloc(1, sizeof(*t));
    if (!t) return WASP_ENOMEM;
    t->cfg = c;
    wasp__tk_list_init(&t->published);
    wasp__tk_list_init(&t->log);
    wasp__tk_list_init(&t->held);
    wasp__tk_list_init(&t->slots);
    wasp__tk_list_init(&t->sups);
    t->token[0] = (uint64_t)(uintptr_t)t ^ 0x7465737420636d64ull;
    t->token[1] = ~t->token[0];
    wasp_system_config sc = {.workers = c.workers, .virtual_clock = true, .retain_terminated = true};
    wasp_wasm_config wc = {.cache_dir = c.cache_dir, .cache_max = c.cache_max, .fuel = true};
    int rc = c.no_store ? WASP_OK : open_store(t);
    wc.store = t->store;
    if (rc == WASP_OK) rc = wasp_system_create(&sc, &t->sys);
    if (rc == WASP_OK) {
        wasp_system_set_log(t->sys, WASP_LOG_TRACE, capture_log, t);
        rc = wasp_wasm_create(t->sys, &wc, &t->wasm);
    }
    if (rc == WASP_OK) rc = wasp_system_start(t->sys);
    wasp_actor_spec rec = {.handle = record_publish, .state = t};
    if (rc == WASP_OK) rc = wasp_spawn(t->sys, &rec, &t->recorder);
    if (rc == WASP_OK) rc = wasp_subscribe(t->sys, t->recorder, ">");
    if (rc != WASP_OK) {
        wasp_test_destroy(t);
        return rc;
    }
    *out = t;
    return WASP_OK;
}

static void free_slot(void *p) {
    struct tk_call_slot *s = p;
    free(s->data);
    free(s);
}

static void drop_held(void *p) { wasp_reply_deferred_drop(p); }
static void destroy_sup(void *p) { wasp_supervisor_destroy(p); }

void wasp_test_destroy(wasp_test *t) {
    if (!t) return;
    if (t->sys) wasp_system_stop(t->sys);
    wasp__tk_list_free(&t->sups, destroy_sup);
    wasp__tk_list_free(&t->held, drop_held); /* callers timed out or were told at stop */
    wasp_manifest_free(t->manifest);
    wasp_wasm_destroy(t->wasm);
    wasp_system_destroy(t->sys);
    close_store(t);
    wasp__tk_list_free(&t->slots, free_slot);
    wasp__tk_list_free(&t->published, free);
    wasp__tk_list_free(&t->log, free);
    wasp__tk_standins_free(t);
    free(t);
}

wasp_system *wasp_test_system(wasp_test *t) { return t ? t->sys : NULL; }
wasp_wasm *wasp_test_wasm(wasp_test *t) { return t ? t->wasm : NULL; }
wasp_store *wasp_test_store(wasp_test *t) { return t ? t->store : NULL; }

int wasp_test_idle(wasp_test *t) {
    if (!t) return WASP_EINVAL;
    return wasp_system_wait_idle(t->sys, t->cfg.idle_timeout_ns);
}

/* ---- what is under test ------------------------------------------------------ */

static void set_err(char *err, size_t cap, const char *fmt, const char *a, const char *b) {
    if (err && cap) snprintf(err, cap, fmt, a, b);
}

int wasp_test_start_component(wasp_test *t, const wasp_component_spec *spec, char *err,
                              size_t errcap) {
    if (err && errcap) err[0] = 0;
    if (!t || !spec || !spec->name) return WASP_EINVAL;
    wasp_component *c = NULL;
    int rc = wasp_component_load(t->wasm, spec, &c, err, errcap);
    if (rc != WASP_OK) return rc;
    uint32_t n = wasp_component_instances(c);
    wasp_child_spec *kids = calloc(n, sizeof(*kids));
    if (!kids) return WASP_ENOMEM;
    wasp_component_child_specs(c, kids);
    char name[300];
    snprintf(name, sizeof(name), "wasp-test.%s", spec->name);
    /* Restarts at once: a test sees the restart without advancing the clock. */
    wasp_supervisor_spec ss = {.name = name, .strategy = WASP_SUP_ONE_FOR_ONE, .intensity = 10,
                               .period_ns = 5000000000ull, .children = kids, .nchildren = n};
    wasp_supervisor *sup = NULL;
    rc = wasp_supervisor_start(t->sys, &ss, &sup);
    free(kids);
    if (rc != WASP_OK) {
        char why[512];
        wasp_component_error(c, why, sizeof(why));
        set_err(err, errcap, "%s: cannot start: %s", spec->name, why[0] ? why : wasp_strerror(rc));
        return rc;
    }
    if (!wasp__tk_list_push(&t->sups, sup)) {
        wasp_supervisor_stop(sup);
        wasp_supervisor_destroy(sup);
        return WASP_ENOMEM;
    }
    return wasp_test_idle(t);
}

struct first_error {
    char *buf;
    size_t cap;
};

static void keep_first(void *arg, const char *message) {
    struct first_error *f = arg;
    if (f->buf && f->cap && !f->buf[0]) snprintf(f->buf, f->cap, "%s", message);
}

int wasp_test_start_manifest(wasp_test *t, const char *path, char *err, size_t errcap) {
    if (err && errcap) err[0] = 0;
    if (!t || !path) return WASP_EINVAL;
    if (t->manifest) return WASP_ESTATE;
    struct first_error fe = {err, errcap};
    wasp_manifest_options o = {.wasm = t->wasm, .on_error = keep_first, .error_arg = &fe};
    int rc = wasp_manifest_load(path, &o, &t->manifest);
    if (rc != WASP_OK) return rc;
    wasp_supervisor *root = NULL;
    rc = wasp_manifest_start(t->manifest, t->sys, NULL, NULL, &root, err, errcap);
    if (rc != WASP_OK) return rc;
    if (!wasp__tk_list_push(&t->sups, root)) {
        wasp_supervisor_stop(root);
        wasp_supervisor_destroy(root);
        return WASP_ENOMEM;
    }
    return wasp_test_idle(t);
}

/* ---- steps -------------------------------------------------------------------- */

static uint64_t real_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Moves virtual time to `until` one timer deadline at a time (each settles
 * before the next), stopping early once *done (may be NULL) is set. A timer
 * loop - a component re-arming a short timer over a long advance - is cut
 * off after idle_timeout_ns of real time: WASP_ETIMEDOUT. */
static int advance_to(wasp_test *t, uint64_t until, atomic_int *done) {
    uint64_t started = real_ns(), next;
    int rc = WASP_OK;
    while (rc == WASP_OK && !(done && atomic_load(done)) &&
           wasp_system_next_timer(t->sys, &next) == WASP_OK && next <= until) {
        if (real_ns() - started > t->cfg.idle_timeout_ns) return WASP_ETIMEDOUT;
        uint64_t now = wasp_system_now(t->sys);
        rc = wasp_system_advance_clock(t->sys, next > now ? next - now : 0, t->cfg.idle_timeout_ns);
    }
    uint64_t now = wasp_system_now(t->sys);
    if (rc == WASP_OK && !(done && atomic_load(done)) && until > now)
        rc = wasp_system_advance_clock(t->sys, until - now, t->cfg.idle_timeout_ns);
    return rc;
}

/* Has stand-in `from` take the step c. WASP_ENOENT: no such stand-in;
 * WASP_ESTATE: it cannot act (stalled or crashed). */
static int as_standin(wasp_test *t, const char *from, struct tk_command *c) {
    wasp_test_standin *s = wasp_test_standin_get(t, from);
    if (!s) return WASP_ENOENT;
    c->rc = 1;
    atomic_store(&t->cmd, c);
    wasp_send_opts o = {.to = s->id, .data = t->token, .len = sizeof(t->token),
                        .priority = WASP_PRIO_HIGH};
    int rc = wasp_send_ex(t->sys, &o);
    if (rc == WASP_OK) rc = wasp_test_idle(t);
    atomic_store(&t->cmd, NULL);
    if (rc == WASP_OK) rc = c->rc == 1 ? WASP_ESTATE : c->rc;
    return rc;
}

int wasp_test_send(wasp_test *t, const char *from, const char *to, const void *data, size_t len) {
    if (!t || !to) return WASP_EINVAL;
    if (from) {
        struct tk_command c = {.to = to, .data = data, .len = len};
        return as_standin(t, from, &c);
    }
    int rc = wasp_send_name(t->sys, to, data, len);
    return rc == WASP_OK ? wasp_test_idle(t) : rc;
}

int wasp_test_call(wasp_test *t, const char *from, const char *to, const void *data, size_t len,
                   uint64_t timeout_ns, void **reply, size_t *reply_len) {
    if (!t || !to || !reply || !reply_len) return WASP_EINVAL;
    *reply = NULL;
    *reply_len = 0;
    if (!timeout_ns) timeout_ns = DEFAULT_CALL_TIMEOUT_NS;
    struct tk_call_slot *slot = calloc(1, sizeof(*slot));
    if (!slot) return WASP_ENOMEM;
    if (!wasp__tk_list_push(&t->slots, slot)) { /* freed at destroy: a completion may come late */
        free(slot);
        return WASP_ENOMEM;
    }
    uint64_t deadline = wasp_system_now(t->sys) + timeout_ns;
    int rc;
    if (from) {
        struct tk_command c = {.call = true, .to = to, .data = data, .len = len,
                               .timeout_ns = timeout_ns, .slot = slot};
        rc = as_standin(t, from, &c);
    } else {
        wasp_send_opts o = {.to_name = to, .data = data, .len = len};
        rc = wasp_ask_cb(t->sys, &o, timeout_ns, wasp__tk_call_done, slot);
        if (rc == WASP_OK) rc = wasp_test_idle(t);
    }
    /* No reply yet: let virtual time pass, one timer at a time, until the
     * reply or the request's own timeout (a timer too) completes it. */
    if (rc == WASP_OK) rc = advance_to(t, deadline, &slot->done);
    if (rc != WASP_OK) return rc;
    if (!atomic_load(&slot->done)) return WASP_ESTATE;
    if (slot->status != WASP_OK) return slot->status;
    *reply = slot->data;
    *reply_len = slot->len;
    slot->data = NULL;
    return WASP_OK;
}

int wasp_test_publish(wasp_test *t, const char *topic, const void *data, size_t len) {
    if (!t) return WASP_EINVAL;
    int n = wasp_publish(t->sys, topic, data, len);
    if (n < 0) return n;
    int rc = wasp_test_idle(t);
    return rc == WASP_OK ? n : rc;
}

int wasp_test_advance(wasp_test *t, uint64_t ns) {
    if (!t) return WASP_EINVAL;
    uint64_t now = wasp_system_now(t->sys);
    return advance_to(t, ns > UINT64_MAX - now ? UINT64_MAX : now + ns, NULL);
}

uint64_t wasp_test_now(wasp_test *t) { return t ? wasp_system_now(t->sys) : 0; }

int wasp_test_kill(wasp_test *t, const char *name) {
    if (!t || !name) return WASP_EINVAL;
    wasp_aid id;
    int rc = wasp_lookup(t->sys, name, &id);
    if (rc == WASP_OK) rc = wasp_actor_kill(t->sys, id);
    return rc == WASP_OK ? wasp_test_idle(t) : rc;
}

/* ---- inspection ------------------------------------------------------------------ */

int wasp_test_stats(wasp_test *t, const char *name, wasp_actor_stats *out) {
    if (!t || !name || !out) return WASP_EINVAL;
    wasp_aid id;
    int rc = wasp_lookup(t->sys, name, &id);
    return rc == WASP_OK ? wasp_actor_stats_get(t->sys, id, out) : rc;
}

int wasp_test_last_error(wasp_test *t, const char *name, char *buf, size_t cap) {
    if (!t || !name || !buf || !cap) return WASP_EINVAL;
    wasp_aid id;
    wasp_component_info info;
    int rc = wasp_lookup(t->sys, name, &id);
    if (rc == WASP_OK) rc = wasp_component_info_get(t->wasm, id, &info);
    if (rc != WASP_OK) return rc;
    snprintf(buf, cap, "%s", info.last_error);
    return WASP_OK;
}

size_t wasp_test_published_count(wasp_test *t) { return t ? wasp__tk_list_count(&t->published) : 0; }
const wasp_test_message *wasp_test_published(wasp_test *t, size_t i) {
    return t ? wasp__tk_list_at(&t->published, i) : NULL;
}
size_t wasp_test_log_count(wasp_test *t) { return t ? wasp__tk_list_count(&t->log) : 0; }
const wasp_test_log_line *wasp_test_log(wasp_test *t, size_t i) {
    return t ? wasp__tk_list_at(&t->log, i) : NULL;
}
