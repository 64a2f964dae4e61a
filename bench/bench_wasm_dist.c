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

/* wasp and bare libnats take turns (call by call, round by round), so that
 * both share the machine's noise; each round's wasp/bare ratio is kept, and
 * the median of those is reported (the ratio of two pooled medians would
 * mix different moments). */
static void add_row(struct bench_result *out, const char *label, uint64_t n, double median_ns,
                    double p99_ns, double ops_per_s, const char *note) {
    if (out->nextra >= (int)(sizeof(out->extra) / sizeof(out->extra[0]))) return;
    struct bench_row *e = &out->extra[out->nextra++];
    snprintf(e->label, sizeof(e->label), "%s", label);
    e->n = n, e->median_ns = median_ns, e->p99_ns = p99_ns, e->ops_per_s = ops_per_s;
    snprintf(e->note, sizeof(e->note), "%s", note);
}

/* ---- dist-call ---------------------------------------------------------------- */

static int call_wasp(struct pair *p, const char *msg, struct bench_samples *all, struct bench_samples *round,
                     int n) {
    for (int i = 0; i < n; i++) {
        void *r = NULL;
        size_t len = 0;
        uint64_t t0 = bench_now_ns();
        int rc = wasp_ask_name(p->sys[1], "echo", msg, MSG_LEN, CALL_TIMEOUT_NS, &r, &len);
        double ns = (double)(bench_now_ns() - t0);
        free(r);
        if (rc != WASP_OK || len != MSG_LEN) return 1;
        if (all) bench_samples_add(all, ns), bench_samples_add(round, ns);
    }
    return 0;
}

static int call_bare(struct bare *b, const char *msg, struct bench_samples *all, struct bench_samples *round,
                     int n) {
    for (int i = 0; i < n; i++) {
        natsMsg *r = NULL;
        uint64_t t0 = bench_now_ns();
        natsStatus s = natsConnection_Request(&r, b->req, "bare.echo", msg, MSG_LEN, 2000);
        double ns = (double)(bench_now_ns() - t0);
        natsMsg_Destroy(r);
        if (s != NATS_OK) return 1;
        if (all) bench_samples_add(all, ns), bench_samples_add(round, ns);
    }
    return 0;
}

static int bench_dist_call(const struct bench_config *cfg, struct bench_result *out) {
    const int per_round = cfg->smoke ? 50 : 200, rounds = reps_of(cfg, 5) * (cfg->smoke ? 2 : 20);
    struct pair p;
    struct bare b = {0};
    int status = pair_start(&p, cfg) || bare_open(&b, p.nats.url);
    struct bench_samples sw = {0}, sb = {0}, rw = {0}, rb = {0}, ratios = {0};
    char msg[MSG_LEN];
    memset(msg, 'm', sizeof(msg));
    if (!status) status = call_wasp(&p, msg, NULL, NULL, per_round) || call_bare(&b, msg, NULL, NULL, per_round);
    for (int round = 0; !status && round < rounds; round++) {
        rw.len = rb.len = 0;
        for (int i = 0; i < per_round && !status; i++) /* call by call, first one side then the other */
            status = (i + round) % 2
                         ? call_bare(&b, msg, &sb, &rb, 1) || call_wasp(&p, msg, &sw, &rw, 1)
                         : call_wasp(&p, msg, &sw, &rw, 1) || call_bare(&b, msg, &sb, &rb, 1);
        if (!status) bench_samples_add(&ratios, bench_samples_quantile(&rw, 0.5) / bench_samples_quantile(&rb, 0.5));
    }
    if (!status) {
        bench_result_from_samples(out, &sw, sw.len);
        double ratio = bench_samples_quantile(&ratios, 0.5);
        snprintf(out->note, sizeof(out->note),
                 "64-byte call to a component on another node; median of %d rounds' ratios to "
                 "bare libnats request/reply: %.2f (goal <= 1.3)",
                 rounds, ratio);
        double med = bench_samples_quantile(&sb, 0.5), p99 = bench_samples_quantile(&sb, 0.99);
        add_row(out, "bare-libnats", sb.len, med, p99, med > 0 ? 1e9 / med : 0,
                "natsConnection_Request to a subscriber that publishes the reply, same server, same rounds");
    }
    bench_samples_free(&sw);
    bench_samples_free(&sb);
    bench_samples_free(&rw);
    bench_samples_free(&rb);
    bench_samples_free(&ratios);
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

/* n sends to the sink on the other node, until all are handled: ns per message. */
static int send_wasp(struct pair *p, struct arrived *a, const char *msg, uint64_t n, double *ns) {
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++)
        if (wasp_send_name(p->sys[1], "sink", msg, MSG_LEN) != WASP_OK) return 1;
    a->want += n;
    if (!bench_wait(sink_has, a, 60000, 100)) {
        fprintf(stderr, "bench: dist-send: messages were lost (a slow consumer?)\n");
        return 1;
    }
    *ns = (double)(bench_now_ns() - t0) / (double)n;
    return 0;
}

static int send_bare(struct bare *b, const char *msg, uint64_t n, double *ns) {
    struct arrived a = {.bare = b, .want = atomic_load(&b->got) + n};
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++)
        if (natsConnection_Publish(b->req, "bare.sink", msg, MSG_LEN) != NATS_OK) return 1;
    if (!bench_wait(bare_has, &a, 60000, 100)) return 1;
    *ns = (double)(bench_now_ns() - t0) / (double)n;
    return 0;
}

static int bench_dist_send(const struct bench_config *cfg, struct bench_result *out) {
    const uint64_t n = cfg->smoke ? 2000 : 50000;
    const int rounds = reps_of(cfg, 5) * (cfg->smoke ? 2 : 4);
    struct pair p;
    struct bare b = {0};
    int status = pair_start(&p, cfg) || bare_open(&b, p.nats.url);
    struct arrived a = {.sys = p.sys[0], .bare = &b};
    if (!status) status = wasp_lookup(p.sys[0], "sink", &a.sink) != WASP_OK;
    struct bench_samples sw = {0}, sb = {0}, ratios = {0};
    char msg[MSG_LEN];
    memset(msg, 's', sizeof(msg));
    double w = 0, bare = 0;
    if (!status) status = send_wasp(&p, &a, msg, n, &w) || send_bare(&b, msg, n, &bare); /* warm-up */
    for (int round = 0; !status && round < rounds; round++) {
        if (round % 2) status = send_bare(&b, msg, n, &bare) || send_wasp(&p, &a, msg, n, &w);
        else status = send_wasp(&p, &a, msg, n, &w) || send_bare(&b, msg, n, &bare);
        if (status) break;
        bench_samples_add(&sw, w);
        bench_samples_add(&sb, bare);
        bench_samples_add(&ratios, bare / w); /* throughput ratio: wasp / bare */
    }
    if (!status) {
        bench_result_from_samples(out, &sw, n * sw.len);
        double ratio = bench_samples_quantile(&ratios, 0.5), med = bench_samples_quantile(&sb, 0.5);
        snprintf(out->note, sizeof(out->note),
                 "64-byte sends to a component on another node (goal >= 500,000/s); median of %d "
                 "rounds' throughput ratios to bare libnats: %.2f",
                 rounds, ratio);
        add_row(out, "bare-libnats", n * sb.len, med, bench_samples_quantile(&sb, 0.99),
                med > 0 ? 1e9 / med : 0, "publish to a subscriber that counts, same server, same rounds");
    }
    bench_samples_free(&sw);
    bench_samples_free(&sb);
    bench_samples_free(&ratios);
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
