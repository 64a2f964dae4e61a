/* bench_wasm_util.c - shared pieces of the component scenarios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wasmtime.h>

#include "bench_wasm_util.h"

#ifndef WASP_BENCH_GUESTS
#define WASP_BENCH_GUESTS "bench/guests"
#endif

static void quiet(void *arg, int level, const char *actor, const char *text) {
    (void)arg, (void)level, (void)actor, (void)text;
}

int bench_world_new(struct bench_world *w, const struct bench_config *cfg, const wasp_wasm_config *wc) {
    memset(w, 0, sizeof(*w));
    wasp_system_config sc = {.workers = cfg->workers, .mailbox_capacity = 1024};
    if (wasp_system_create(&sc, &w->sys)) return 1;
    wasp_system_set_log(w->sys, WASP_LOG_ERROR + 1, quiet, NULL);
    wasp_wasm_config plain = {0}; /* no fuel metering: no scenario sets a fuel limit */
    if (wasp_wasm_create(w->sys, wc ? wc : &plain, &w->wasm) || wasp_system_start(w->sys)) {
        bench_world_free(w);
        return 1;
    }
    return 0;
}

void bench_world_free(struct bench_world *w) {
    if (w->sys) wasp_system_stop(w->sys);
    wasp_wasm_destroy(w->wasm);
    wasp_system_destroy(w->sys);
    memset(w, 0, sizeof(*w));
}

static int wat_compile(const char *wat, wasm_byte_vec_t *bin) {
    wasmtime_error_t *we = wasmtime_wat2wasm(wat, strlen(wat), bin);
    if (!we) return 0;
    wasm_message_t msg;
    wasmtime_error_message(we, &msg);
    fprintf(stderr, "bench: wat: %.*s\n", (int)msg.size, msg.data);
    wasm_byte_vec_delete(&msg);
    wasmtime_error_delete(we);
    return 1;
}

int bench_wat_file(const char *wat, const char *path) {
    wasm_byte_vec_t bin;
    if (wat_compile(wat, &bin)) return 1;
    FILE *f = fopen(path, "wb");
    int rc = !f || fwrite(bin.data, 1, bin.size, f) != bin.size;
    if (f && fclose(f)) rc = 1;
    if (rc) fprintf(stderr, "bench: cannot write %s\n", path);
    wasm_byte_vec_delete(&bin);
    return rc;
}

wasp_component *bench_component(struct bench_world *w, wasp_component_spec *spec, const char *wat) {
    wasm_byte_vec_t bin;
    if (wat_compile(wat, &bin)) return NULL;
    spec->wasm = bin.data;
    spec->wasm_len = bin.size;
    wasp_component *c = NULL;
    char err[512];
    if (wasp_component_load(w->wasm, spec, &c, err, sizeof(err))) fprintf(stderr, "bench: %s\n", err);
    wasm_byte_vec_delete(&bin);
    spec->wasm = NULL;
    return c;
}

wasp_component *bench_guest_load(struct bench_world *w, wasp_component_spec *spec, const struct bench_guest *g) {
    if (g->wat) return bench_component(w, spec, g->wat);
    char path[4096];
    if (g->file[0] == '/') snprintf(path, sizeof path, "%s", g->file);
    else snprintf(path, sizeof path, "%s/%s.wasm", WASP_BENCH_GUESTS, g->file);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "bench: %s is missing (built with the tree; scripts/setup-guest-tools.sh installs the tools)\n",
                path);
        return NULL;
    }
    spec->wasm_path = path;
    wasp_component *c = NULL;
    char err[512];
    if (wasp_component_load(w->wasm, spec, &c, err, sizeof(err))) fprintf(stderr, "bench: %s\n", err);
    spec->wasm_path = NULL;
    return c;
}

static int done_handle(wasp_ctx *ctx, const wasp_msg *m) {
    (void)m;
    struct bench_done *d = wasp_ctx_state(ctx);
    uint64_t i = atomic_load_explicit(&d->count, memory_order_relaxed);
    if (i < d->cap) d->times[i] = bench_now_ns();
    atomic_store_explicit(&d->count, i + 1, memory_order_release);
    return 0;
}

int bench_done_spawn(struct bench_world *w, struct bench_done *d, size_t cap) {
    atomic_init(&d->count, 0);
    d->cap = cap;
    d->times = cap ? calloc(cap, sizeof(uint64_t)) : NULL;
    wasp_actor_spec spec = {.name = "done", .handle = done_handle, .state = d, .mailbox_capacity = 1u << 20};
    return wasp_spawn(w->sys, &spec, NULL);
}

struct done_target {
    struct bench_done *d;
    uint64_t n;
};

static bool done_reached(void *arg) {
    struct done_target *t = arg;
    return atomic_load_explicit(&t->d->count, memory_order_acquire) >= t->n;
}

bool bench_done_wait(struct bench_done *d, uint64_t n, unsigned timeout_ms) {
    struct done_target t = {d, n};
    return bench_wait(done_reached, &t, timeout_ms, d->cap ? 500 : 20);
}

uint64_t bench_done_time(const struct bench_done *d, uint64_t i) { return i < d->cap ? d->times[i] : 0; }

void bench_done_free(struct bench_done *d) { free(d->times); }

bool bench_wait(bool (*fn)(void *arg), void *arg, unsigned timeout_ms, unsigned poll_us) {
    uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (!fn(arg)) {
        if (bench_now_ns() > deadline) return false;
        struct timespec ts = {0, (long)poll_us * 1000};
        nanosleep(&ts, NULL);
    }
    return true;
}

/* ---- module texts --------------------------------------------------------- */

/* It also takes the messages queued behind the first in the same call. */
const char bench_wat_sink[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (import \"wasp\" \"next_message\" (func $next (param i32 i32 i32) (result i32)))"
    " (memory (export \"memory\") 1)"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param i32 i32) (result i32)"
    "   (loop $l (br_if $l (i32.ge_s (call $next (i32.const 0) (i32.const 1024) (i32.const 1024)) (i32.const 0))))"
    "   (i32.const 0)))";

const char bench_wat_echo[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (import \"wasp\" \"reply\" (func $reply (param i32 i32) (result i32)))"
    " (memory (export \"memory\") 1)"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param $p i32) (param $n i32) (result i32)"
    "   (drop (call $reply (local.get $p) (local.get $n))) (i32.const 0)))";

const char bench_wat_crasher[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (import \"wasp\" \"crash\" (func $crash (param i32 i32)))"
    " (memory (export \"memory\") 1)"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param i32 i32) (result i32)"
    "   (call $crash (local.get 0) (local.get 1)) (i32.const 0)))";

const char bench_wat_trapper[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (memory (export \"memory\") 1)"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param i32 i32) (result i32) unreachable))";

const char bench_wat_spinner[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (memory (export \"memory\") 1)"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param i32 i32) (result i32) (loop $l (br $l)) (i32.const 0)))";

const char bench_wat_pinger[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (import \"wasp\" \"call\" (func $call (param i32 i32 i32 i32 i32 i32 i32) (result i32)))"
    " (import \"wasp\" \"send\" (func $send (param i32 i32 i32 i32) (result i32)))"
    " (memory (export \"memory\") 1)"
    " (data (i32.const 0) \"pong\") (data (i32.const 8) \"done\") (data (i32.const 16) \"ping\")"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param $p i32) (param $n i32) (result i32)"
    "   (local $i i32) (local.set $i (i32.load (local.get $p)))"
    "   (block $end (loop $l (br_if $end (i32.eqz (local.get $i)))"
    "     (if (i32.ne (call $call (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 4)"
    "                  (i32.const 64) (i32.const 16) (i32.const 0)) (i32.const 4)) (then (return (i32.const 1))))"
    "     (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br $l)))"
    "   (drop (call $send (i32.const 8) (i32.const 4) (i32.const 16) (i32.const 4)))"
    "   (i32.const 0)))";

/* Token [hops_left, N]. The actor's index k comes from its own name
 * "ring.k"; the next one's name is written as "ring." + decimal digits. */
const char bench_wat_ring[] =
    "(module"
    BENCH_WAT_INBOX_IMPORT
    " (import \"wasp\" \"send\" (func $send (param i32 i32 i32 i32) (result i32)))"
    " (import \"wasp\" \"self\" (func $self (param i32 i32) (result i32)))"
    " (memory (export \"memory\") 1)"
    " (global $k (mut i32) (i32.const -1))"
    " (data (i32.const 0) \"done\") (data (i32.const 16) \"ring.\")"
    " (func $index (result i32) (local $n i32) (local $i i32) (local $v i32)"
    "   (local.set $n (call $self (i32.const 64) (i32.const 32))) (local.set $i (i32.const 5))"
    "   (block $end (loop $l (br_if $end (i32.ge_u (local.get $i) (local.get $n)))"
    "     (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10))"
    "       (i32.sub (i32.load8_u (i32.add (i32.const 64) (local.get $i))) (i32.const 48))))"
    "     (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))"
    "   (local.get $v))"
    " (func $fmt (param $v i32) (result i32) (local $len i32) (local $t i32) (local $i i32)"
    "   (local.set $t (local.get $v)) (local.set $len (i32.const 1))"
    "   (block $d (loop $l (br_if $d (i32.lt_u (local.get $t) (i32.const 10)))"
    "     (local.set $t (i32.div_u (local.get $t) (i32.const 10)))"
    "     (local.set $len (i32.add (local.get $len) (i32.const 1))) (br $l)))"
    "   (local.set $i (local.get $len))"
    "   (loop $w (local.set $i (i32.sub (local.get $i) (i32.const 1)))"
    "     (i32.store8 (i32.add (i32.const 21) (local.get $i))"
    "       (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))"
    "     (local.set $v (i32.div_u (local.get $v) (i32.const 10))) (br_if $w (local.get $i)))"
    "   (i32.add (i32.const 5) (local.get $len)))"
    BENCH_WAT_ALLOC
    " (func (export \"handle-message\") (param $p i32) (param $n i32) (result i32) (local $h i32)"
    "   (if (i32.lt_s (global.get $k) (i32.const 0)) (then (global.set $k (call $index))))"
    "   (local.set $h (i32.load (local.get $p)))"
    "   (if (i32.eqz (local.get $h)) (then"
    "     (drop (call $send (i32.const 0) (i32.const 4) (local.get $p) (local.get $n))) (return (i32.const 0))))"
    "   (i32.store (local.get $p) (i32.sub (local.get $h) (i32.const 1)))"
    "   (drop (call $send (i32.const 16)"
    "     (call $fmt (i32.rem_u (i32.add (global.get $k) (i32.const 1)) (i32.load offset=4 (local.get $p))))"
    "     (local.get $p) (local.get $n)))"
    "   (i32.const 0)))";
