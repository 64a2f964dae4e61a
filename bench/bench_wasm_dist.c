/* bench_wasm_dist.c - two nodes of one system in this process, joined
 * through a private nats-server on loopback (docs/DISTRIBUTION.md):
 *   dist-call  a `call` from node a to a component on node b, round trip
 *   dist-send  messages from node a to a component on node b, throughput
 * Each runs interleaved with the same traffic over bare libnats (request/
 * reply, publish to a subscriber) on the same server, and reports the ratio. */
#ifdef WASP_HAVE_NATS
#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_wasm_util.h"
#include "dist/dist.h"
#include "nats_loopback.h"

#define MSG_LEN 64
#define CALL_TIMEOUT_NS 2000000000ull

static const char manifest_text[] =
    "name: bench\n"
    "nodes: [b]\n"
    "components:\n"
    "  - {name: echo, wasm: echo.wasm}\n"
    "  - {name: sink, wasm: sink.wasm, mailbox: 1048576}\n";

struct pair {
    struct nats_loopback nats;
    wasp_system *sys[2]; /* [0]: node b, runs the units; [1]: node a, a client */
    wasp_wasm *wasm;
    wasp_manifest *m[2];
    wasp__dist *d[2];
    wasp_supervisor *root;
};

static void quiet(void *arg, int level, const char *actor, const char *text) {
    (void)arg, (void)level, (void)actor, (void)text;
}

static void quiet_manifest(void *arg, const char *message) {
    (void)arg;
    fprintf(stderr, "bench: %s\n", message);
}

static int write_manifest(const char *dir, char *path, size_t cap) {
    char f[512];
    snprintf(f, sizeof(f), "%s/echo.wasm", dir);
    if (bench_wat_file(bench_wat_echo, f)) return 1;
    snprintf(f, sizeof(f), "%s/sink.wasm", dir);
    if (bench_wat_file(bench_wat_sink, f)) return 1;
    snprintf(path, cap, "%s/wasp.yaml", dir);
    FILE *out = fopen(path, "w");
    if (!out) return 1;
    int rc = fputs(manifest_text, out) < 0;
    return fclose(out) || rc;
}

static int pair_start(struct pair *p, const struct bench_config *cfg) {
    memset(p, 0, sizeof(*p));
    if (nats_loopback_start(&p->nats)) {
        fprintf(stderr, "bench: cannot start nats-server (scripts/setup.sh installs it)\n");
        return 1;
    }
    char path[512], err[512];
    if (write_manifest(p->nats.dir, path, sizeof(path))) return 1;
    for (int i = 0; i < 2; i++) {
        wasp_system_config sc = {.workers = cfg->workers};
        if (wasp_system_create(&sc, &p->sys[i])) return 1;
        wasp_system_set_log(p->sys[i], WASP_LOG_ERROR, quiet, NULL);
    }
    wasp_wasm_config plain = {0};
    if (wasp_wasm_create(p->sys[0], &plain, &p->wasm)) return 1;
    wasp_manifest_options with = {.wasm = p->wasm, .on_error = quiet_manifest};
    wasp_manifest_options without = {.on_error = quiet_manifest};
    if (wasp_manifest_load(path, &with, &p->m[0]) || wasp_manifest_load(path, &without, &p->m[1]))
        return 1;
    static const char *const names[2] = {"b", "a"};
    for (int i = 0; i < 2; i++) {
        wasp__dist_config dc = {.node = names[i], .url = p->nats.url};
        if (wasp__dist_create(p->sys[i], p->m[i], &dc, &p->d[i], err, sizeof(err))) {
            fprintf(stderr, "bench: node %s: %s\n", names[i], err);
            return 1;
        }
        if (wasp_system_start(p->sys[i])) return 1;
    }
    if (wasp__dist_start(p->d[0], NULL, NULL, &p->root, err, sizeof(err)) ||
        wasp__dist_start(p->d[1], NULL, NULL, NULL, err, sizeof(err))) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    for (int i = 0; i < 1000; i++) { /* until node a sees echo served (10 s at most) */
        void *r = NULL;
        size_t len;
        int rc = wasp_ask_name(p->sys[1], "echo", "x", 1, CALL_TIMEOUT_NS, &r, &len);
        free(r);
        if (rc == WASP_OK) return 0;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "bench: echo is not served across nodes\n");
    return 1;
}

static void pair_stop(struct pair *p) {
    for (int i = 0; i < 2; i++) wasp__dist_leave(p->d[i]);
    for (int i = 0; i < 2; i++)
        if (p->sys[i]) wasp_system_stop(p->sys[i]);
    for (int i = 0; i < 2; i++) wasp__dist_destroy(p->d[i]);
    wasp_supervisor_destroy(p->root);
    for (int i = 0; i < 2; i++) wasp_manifest_free(p->m[i]);
    wasp_wasm_destroy(p->wasm);
    for (int i = 0; i < 2; i++) wasp_system_destroy(p->sys[i]);
    nats_loopback_destroy(&p->nats);
}

/* ---- the same traffic over bare libnats ------------------------------------- */

struct bare {
    natsConnection *req, *rep; /* two connections, options as wasp's nodes use */
    natsSubscription *echo, *sink;
    atomic_uint_fast64_t got;
};

static void bare_echo(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void)sub, (void)closure;
    natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

static void bare_sink(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) {
    (void)nc, (void)sub;
    struct bare *b = closure;
    atomic_fetch_add(&b->got, 1);
    natsMsg_Destroy(msg);
}

static int bare_open(struct bare *b, const char *url) {
    memset(b, 0, sizeof(*b));
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK) s = natsOptions_SetURL(o, url);
    if (s == NATS_OK) s = natsOptions_SetSendAsap(o, true);
    if (s == NATS_OK) s = natsConnection_Connect(&b->req, o);
    if (s == NATS_OK) s = natsConnection_Connect(&b->rep, o);
    if (s == NATS_OK) s = natsConnection_Subscribe(&b->echo, b->rep, "bare.echo", bare_echo, b);
    if (s == NATS_OK) s = natsConnection_Subscribe(&b->sink, b->rep, "bare.sink", bare_sink, b);
    if (s == NATS_OK) s = natsSubscription_SetPendingLimits(b->sink, 1 << 20, 1 << 29);
    if (s == NATS_OK) s = natsConnection_FlushTimeout(b->rep, 2000);
    natsOptions_Destroy(o);
    if (s != NATS_OK) fprintf(stderr, "bench: bare libnats: %s\n", natsStatus_GetText(s));
    return s != NATS_OK;
}

static void bare_close(struct bare *b) {
    natsSubscription_Destroy(b->echo);
    natsSubscription_Destroy(b->sink);
    natsConnection_Destroy(b->req);
    natsConnection_Destroy(b->rep);
}

static int reps_of(const struct bench_config *cfg, int dflt) {
    return cfg->repetitions > 0 ? cfg->repetitions : cfg->smoke ? 1 : dflt;
}

/* ---- dist-call ---------------------------------------------------------------- */

static int bench_dist_call(const struct bench_config *cfg, struct bench_result *out) {
    const int n = cfg->smoke ? 200 : 5000;
    struct pair p;
    struct bare b = {0};
    int status = pair_start(&p, cfg) || bare_open(&b, p.nats.url);
    struct bench_samples sw = {0}, sb = {0};
    char msg[MSG_LEN];
    memset(msg, 'm', sizeof(msg));
    for (int rep = 0; !status && rep < reps_of(cfg, 5) + 1; rep++) { /* rep 0 warms up */
        for (int i = 0; i < n && !status; i++) {
            void *r = NULL;
            size_t len;
            uint64_t t0 = bench_now_ns();
            status = wasp_ask_name(p.sys[1], "echo", msg, sizeof(msg), CALL_TIMEOUT_NS, &r, &len) ||
                     len != sizeof(msg);
            if (rep) bench_samples_add(&sw, (double)(bench_now_ns() - t0));
            free(r);
        }
        for (int i = 0; i < n && !status; i++) {
            natsMsg *r = NULL;
            uint64_t t0 = bench_now_ns();
            status = natsConnection_Request(&r, b.req, "bare.echo", msg, sizeof(msg), 2000) != NATS_OK;
            if (rep) bench_samples_add(&sb, (double)(bench_now_ns() - t0));
            natsMsg_Destroy(r);
        }
    }
    bench_result_from_samples(out, &sw, sw.len);
    double bare = bench_samples_quantile(&sb, 0.5);
    snprintf(out->note, sizeof(out->note),
             "64-byte call to a component on another node; bare libnats request/reply %.1f us "
             "median in the same run: ratio %.2f (goal <= 1.3)",
             bare / 1000, bare > 0 ? out->median_ns / bare : 0);
    bench_samples_free(&sw);
    bench_samples_free(&sb);
    bare_close(&b);
    pair_stop(&p);
    return status;
}

/* ---- dist-send ---------------------------------------------------------------- */

struct arrived {
    wasp_system *sys;
    wasp_aid sink;
    struct bare *bare;
    uint64_t want;
};

static bool sink_has(void *arg) {
    struct arrived *a = arg;
    wasp_actor_stats st;
    return wasp_actor_stats_get(a->sys, a->sink, &st) == WASP_OK && st.handled >= a->want;
}

static bool bare_has(void *arg) {
    struct arrived *a = arg;
    return atomic_load(&a->bare->got) >= a->want;
}

static int bench_dist_send(const struct bench_config *cfg, struct bench_result *out) {
    const uint64_t n = cfg->smoke ? 5000 : 200000;
    struct pair p;
    struct bare b = {0};
    int status = pair_start(&p, cfg) || bare_open(&b, p.nats.url);
    struct arrived a = {.sys = p.sys[0], .bare = &b};
    if (!status) status = wasp_lookup(p.sys[0], "sink", &a.sink) != WASP_OK;
    struct bench_samples sw = {0}, sb = {0};
    char msg[MSG_LEN];
    memset(msg, 's', sizeof(msg));
    for (int rep = 0; !status && rep < reps_of(cfg, 5) + 1; rep++) {
        uint64_t t0 = bench_now_ns();
        for (uint64_t i = 0; i < n && !status; i++)
            status = wasp_send_name(p.sys[1], "sink", msg, sizeof(msg)) != WASP_OK;
        a.want += n;
        if (!status && !bench_wait(sink_has, &a, 60000, 100)) {
            fprintf(stderr, "bench: dist-send: messages were lost (a slow consumer?)\n");
            status = 1;
        }
        if (rep) bench_samples_add(&sw, (double)(bench_now_ns() - t0) / (double)n);
        uint64_t want = a.want;
        a.want = atomic_load(&b.got) + n;
        t0 = bench_now_ns();
        for (uint64_t i = 0; i < n && !status; i++)
            status = natsConnection_Publish(b.req, "bare.sink", msg, sizeof(msg)) != NATS_OK;
        if (!status && !bench_wait(bare_has, &a, 60000, 100)) status = 1;
        if (rep) bench_samples_add(&sb, (double)(bench_now_ns() - t0) / (double)n);
        a.want = want;
    }
    bench_result_from_samples(out, &sw, n * sw.len);
    double bare = bench_samples_quantile(&sb, 0.5);
    snprintf(out->note, sizeof(out->note),
             "64-byte sends to a component on another node (goal >= 500,000/s); bare libnats "
             "publish to a subscriber %.0f msgs/s in the same run",
             bare > 0 ? 1e9 / bare : 0);
    bench_samples_free(&sw);
    bench_samples_free(&sb);
    bare_close(&b);
    pair_stop(&p);
    return status;
}

BENCH_SCENARIO(dist_call, "dist-call", "`call` round trip to a component on another node (NATS)",
               bench_dist_call)
BENCH_SCENARIO(dist_send, "dist-send", "messages/s to a component on another node (NATS)",
               bench_dist_send)
#else
typedef int bench_wasm_dist_unused; /* built without libnats: no scenarios */
#endif
