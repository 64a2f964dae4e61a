/* bench_wasm_kv.c - kv-wasm: storage from a component beside the bare
 * library in the same run (docs/BENCHMARKS.md, docs/STORAGE.md).
 *
 * Workload: 1000 keys of 4 bytes, values of 100 bytes, in a store file in
 * $TMPDIR (or /tmp). Rows:
 *   kv-wasm                 a component's kv_get, per get (batches of 100 per message)
 *   kv-wasm/put-commit      a component's kv_put with durability commit, one per
 *                           message (so it includes a message round trip)
 *   kv-wasm/puts-commit-x4  puts/s of four instances putting at once (group commit)
 *   kv-wasm/lib-get         wasp_kv_get on the host thread, per call
 *   kv-wasm/lib-put-commit  wasp_kv_put, durability commit, per call
 *   kv-wasm/lib-puts-commit-x4  puts/s of four threads putting at once
 *   kv-wasm/lmdb-get, lmdb-put-commit  the same library calls on the LMDB backend */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_wasm_util.h"

#define KEYS 1000
#define VLEN 100

/* [op, count, base]: count gets (op 1) or puts (op 2) of keys (base + i) % 1000,
 * then a message to "done". */
static const char wat_kv[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (import \"wasp\" \"kv_get\" (func $get (param i32 i32 i32 i32) (result i32)))"
    " (import \"wasp\" \"kv_put\" (func $put (param i32 i32 i32 i32) (result i32)))"
    " (import \"wasp\" \"send\" (func $send (param i32 i32 i32 i32) (result i32)))"
    " (memory (export \"memory\") 1)"
    " (data (i32.const 0) \"done\")"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param $p i32) (param $n i32) (result i32)"
    "   (local $op i32) (local $c i32) (local $b i32) (local $i i32)"
    "   (local.set $op (i32.load (local.get $p)))"
    "   (local.set $c (i32.load offset=4 (local.get $p)))"
    "   (local.set $b (i32.load offset=8 (local.get $p)))"
    "   (block $end (loop $l (br_if $end (i32.ge_u (local.get $i) (local.get $c)))"
    "     (i32.store (i32.const 64) (i32.rem_u (i32.add (local.get $b) (local.get $i)) (i32.const 1000)))"
    "     (if (i32.eq (local.get $op) (i32.const 1))"
    "       (then (if (i32.lt_s (call $get (i32.const 64) (i32.const 4) (i32.const 512) (i32.const 256))"
    "                           (i32.const 0)) (then (return (i32.const 1)))))"
    "       (else (if (call $put (i32.const 64) (i32.const 4) (i32.const 256) (i32.const 100))"
    "                 (then (return (i32.const 2))))))"
    "     (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))"
    "   (drop (call $send (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 4)))"
    "   (i32.const 0)))";

struct kv_bench {
    char dir[256];
    char path[300];
    bool smoke;
};

static int kv_bench_dir(struct kv_bench *b, const struct bench_config *cfg) {
    const char *tmp = getenv("TMPDIR");
    snprintf(b->dir, sizeof(b->dir), "%s/wasp-bench-kv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(b->dir)) return 1;
    b->smoke = cfg->smoke;
    return 0;
}

static void kv_bench_file(struct kv_bench *b, const char *name) {
    snprintf(b->path, sizeof(b->path), "%s/%s", b->dir, name);
    char side[320];
    unlink(b->path);
    snprintf(side, sizeof(side), "%s-wal", b->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", b->path);
    unlink(side);
}

static void row(struct bench_result *r, const char *label, struct bench_samples *s, const char *note) {
    bench_result_add_row(r, label, s, note);
}

static void row_rate(struct bench_result *r, const char *label, uint64_t n, double ops_per_s, const char *note) {
    if (r->nextra >= (int)(sizeof(r->extra) / sizeof(r->extra[0]))) return;
    struct bench_row *e = &r->extra[r->nextra++];
    snprintf(e->label, sizeof(e->label), "%s", label);
    e->n = n;
    e->ops_per_s = ops_per_s;
    snprintf(e->note, sizeof(e->note), "%s", note);
}

/* ---- the bare library ---------------------------------------------------------- */

struct putter {
    wasp_kv *kv;
    int n, base;
    int failed;
};

static void *put_loop(void *arg) {
    struct putter *p = arg;
    uint8_t val[VLEN];
    memset(val, 'v', sizeof(val));
    for (int i = 0; i < p->n; i++) {
        uint32_t k = (uint32_t)(p->base + i) % KEYS;
        if (wasp_kv_put(p->kv, &k, 4, val, sizeof(val), NULL)) p->failed = 1;
    }
    return NULL;
}

struct lib_store {
    const char *backend;
    wasp_store *st;
    wasp_kv *kv;
    struct bench_samples get, put;
};

static int lib_open(struct kv_bench *b, struct lib_store *l, const char *backend) {
    char err[512];
    wasp_store_config sc = {.backend = backend};
    wasp_kv_options o = {.durability = WASP_DURABILITY_COMMIT};
    memset(l, 0, sizeof(*l));
    l->backend = backend;
    kv_bench_file(b, backend);
    if (wasp_store_open(b->path, &sc, &l->st, err, sizeof(err))) return fprintf(stderr, "%s\n", err), 1;
    if (wasp_kv_open(l->st, "lib", &o, &l->kv)) return 1;
    struct putter fill = {l->kv, KEYS, 0, 0};
    put_loop(&fill);
    return fill.failed;
}

static void lib_close(struct lib_store *l) {
    wasp_kv_close(l->kv);
    wasp_store_close(l->st);
    bench_samples_free(&l->get);
    bench_samples_free(&l->put);
}

/* SQLite and LMDB side by side, their operations interleaved one by one so
 * that both see the same machine (the disk's flush time varies a lot). */
static int lib_rows(struct kv_bench *b, struct bench_result *r) {
    struct lib_store l[2];
    int failed = lib_open(b, &l[0], "sqlite") || lib_open(b, &l[1], "lmdb");
    int gets = b->smoke ? 100 : 100000, puts = b->smoke ? 5 : 300;
    uint8_t out[256], val[VLEN];
    size_t len;
    memset(val, 'w', sizeof(val));
    for (int i = 0; !failed && i < gets; i++)
        for (int x = 0; x < 2; x++) {
            uint32_t k = (uint32_t)(i * 7919) % KEYS;
            uint64_t t0 = bench_now_ns();
            failed |= wasp_kv_get(l[x].kv, &k, 4, out, sizeof(out), &len, NULL);
            bench_samples_add(&l[x].get, (double)(bench_now_ns() - t0));
        }
    for (int i = 0; !failed && i < puts; i++)
        for (int x = 0; x < 2; x++) {
            uint32_t k = (uint32_t)i % KEYS;
            uint64_t t0 = bench_now_ns();
            failed |= wasp_kv_put(l[x].kv, &k, 4, val, sizeof(val), NULL);
            bench_samples_add(&l[x].put, (double)(bench_now_ns() - t0));
        }
    if (!failed) {
        row(r, "lib-get", &l[0].get, "one wasp_kv_get on the calling thread (SQLite, the default)");
        row(r, "lib-put-commit", &l[0].put, "one wasp_kv_put, flushed before it returns (SQLite)");
        struct putter p[4];
        pthread_t t[4];
        uint64_t t0 = bench_now_ns();
        for (int i = 0; i < 4; i++) {
            p[i] = (struct putter){l[0].kv, puts, i * 250, 0};
            pthread_create(&t[i], NULL, put_loop, &p[i]);
        }
        for (int i = 0; i < 4; i++) pthread_join(t[i], NULL), failed |= p[i].failed;
        double secs = (double)(bench_now_ns() - t0) / 1e9;
        row_rate(r, "lib-puts-commit-x4", (uint64_t)puts * 4, puts * 4 / secs,
                 "4 threads putting at once: one flush serves all writes waiting (group commit)");
        row(r, "lmdb-get", &l[1].get, "the same on the LMDB backend, interleaved with the SQLite calls");
        row(r, "lmdb-put-commit", &l[1].put, "the same on the LMDB backend, interleaved with the SQLite calls");
    }
    lib_close(&l[0]);
    lib_close(&l[1]);
    return failed;
}

/* ---- from a component ------------------------------------------------------------ */

/* One message [op, count, base] to `to`, waiting for its "done". */
static int kv_round(struct bench_world *w, struct bench_done *d, const char *to, int32_t op, int32_t count,
                    int32_t base, uint64_t *expect) {
    int32_t msg[3] = {op, count, base};
    if (wasp_send_name(w->sys, to, msg, sizeof(msg))) return 1;
    return !bench_done_wait(d, ++*expect, 60000);
}

static int wasm_rows(struct kv_bench *b, const struct bench_config *cfg, struct bench_result *r) {
    wasp_store *st;
    char err[512];
    kv_bench_file(b, "wasm");
    if (wasp_store_open(b->path, NULL, &st, err, sizeof(err))) return fprintf(stderr, "%s\n", err), 1;
    wasp_wasm_config wc = {.store = st};
    struct bench_world w;
    if (bench_world_new(&w, cfg, &wc)) return wasp_store_close(st), 1;
    static const char *const perms[] = {"done"};
    wasp_component_spec spec = {.name = "kv", .instances = 4, .permissions = {.send = perms, .nsend = 1},
                                .storage = {.granted = true, .durability = WASP_DURABILITY_COMMIT}};
    wasp_component *c = bench_component(&w, &spec, wat_kv);
    struct bench_done d;
    uint64_t expect = 0;
    int status = !c || bench_done_spawn(&w, &d, 0) || wasp_component_spawn(c, NULL);
    status = status || kv_round(&w, &d, "kv.0", 2, KEYS, 0, &expect);
    int batches = b->smoke ? 5 : 2000, puts = b->smoke ? 5 : 300;
    struct bench_samples s = {0};
    for (int i = 0; !status && i < batches; i++) {
        uint64_t t0 = bench_now_ns();
        status = kv_round(&w, &d, "kv.0", 1, 100, i * 37, &expect);
        bench_samples_add(&s, (double)(bench_now_ns() - t0) / 100);
    }
    bench_result_from_samples(r, &s, s.len * 100);
    snprintf(r->note, sizeof(r->note), "kv_get from a component, batches of 100 per message; 4-byte keys, %d-byte values",
             VLEN);
    bench_samples_free(&s);
    for (int i = 0; !status && i < puts; i++) {
        uint64_t t0 = bench_now_ns();
        status = kv_round(&w, &d, "kv.0", 2, 1, i, &expect);
        bench_samples_add(&s, (double)(bench_now_ns() - t0));
    }
    row(r, "put-commit", &s, "kv_put, durability commit, one per message (includes the message round trip)");
    bench_samples_free(&s);
    uint64_t t0 = bench_now_ns();
    int per = puts / 10 > 0 ? puts / 10 : 1;
    for (int round = 0; !status && round < 10; round++) {
        for (int i = 0; !status && i < 4; i++) {
            char name[16];
            snprintf(name, sizeof(name), "kv.%d", i);
            int32_t msg[3] = {2, per, i * 250 + round * per};
            status = wasp_send_name(w.sys, name, msg, sizeof(msg));
        }
        expect += 4;
        status = status || !bench_done_wait(&d, expect, 60000);
    }
    double secs = (double)(bench_now_ns() - t0) / 1e9;
    row_rate(r, "puts-commit-x4", (uint64_t)per * 40, per * 40 / secs,
             "4 instances putting at once, each parked while its write is flushed");
    bench_done_free(&d);
    bench_world_free(&w);
    wasp_store_close(st);
    return status;
}

static int bench_kv(const struct bench_config *cfg, struct bench_result *out) {
    struct kv_bench b;
    if (kv_bench_dir(&b, cfg)) return 1;
    int status = wasm_rows(&b, cfg, out);
    status = status || lib_rows(&b, out);
    static const char *const files[] = {"wasm", "sqlite", "lmdb"};
    for (int i = 0; i < 3; i++) kv_bench_file(&b, files[i]); /* removes them */
    rmdir(b.dir);
    return status;
}

BENCH_SCENARIO(kv_wasm, "kv-wasm", "one kv_get from a component (and puts, and the bare library's figures)",
               bench_kv)
