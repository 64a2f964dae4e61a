/* bench_wasm_util.h - what the component scenarios share: a system with the
 * wasm layer, components from embedded WAT (so `wasp bench` needs no files),
 * and a native "done" actor that timestamps what components send it. */
#ifndef WASP_BENCH_WASM_UTIL_H
#define WASP_BENCH_WASM_UTIL_H

#include <stdatomic.h>

#include "bench.h"
#include "wasp.h"

struct bench_world {
    wasp_system *sys;
    wasp_wasm *wasm;
};

/* workers 0 = cfg->workers (0 = default). Quiet logging. */
int bench_world_new(struct bench_world *w, const struct bench_config *cfg, const wasp_wasm_config *wc);
void bench_world_free(struct bench_world *w);

/* Compiles WAT text and loads it as a component: spec's wasm bytes are set
 * from the text. NULL on failure (printed). */
wasp_component *bench_component(struct bench_world *w, wasp_component_spec *spec, const char *wat);

/* Compiles WAT text into a .wasm file at path (for scenarios that need a
 * manifest on disk). 0, or 1 (printed). */
int bench_wat_file(const char *wat, const char *path);

/* Where a scenario's code comes from: embedded WAT text, or a guest built
 * with the tree (the files of bench/guests as "core/NAME" or "cm/NAME" under
 * WASP_BENCH_GUESTS, or any path). */
struct bench_guest {
    const char *wat;
    const char *file;
};
wasp_component *bench_guest_load(struct bench_world *w, wasp_component_spec *spec, const struct bench_guest *g);

/* The loops of ring-wasm, pingpong-wasm, throughput-wasm and spawn-wasm,
 * over any guests, so that components run the very same measurement. */
/* 100,000 instances need about three memory mappings each; Linux allows
 * 65,530 per process by default: raises the limit when we may (root). */
void bench_raise_map_count(uint64_t want);

int bench_ring_run(const struct bench_config *cfg, struct bench_result *out, const struct bench_guest *ring,
                   uint32_t members, int32_t hops);
int bench_pingpong_run(const struct bench_config *cfg, struct bench_result *out, bool spinners,
                       const struct bench_guest *pinger, const struct bench_guest *echo);
int bench_throughput_run(const struct bench_config *cfg, struct bench_result *out, const struct bench_guest *sink,
                         size_t size, uint64_t n);
int bench_spawn_run(const struct bench_config *cfg, struct bench_result *out, const struct bench_guest *sink,
                    uint32_t n);

/* The "done" actor: counts arrivals and records their times. */
struct bench_done {
    atomic_uint_fast64_t count;
    uint64_t *times; /* arrival times, up to cap */
    size_t cap;
};
int bench_done_spawn(struct bench_world *w, struct bench_done *d, size_t cap);
/* Waits until count >= n or timeout_ms passes; true if reached. With arrival
 * times kept (cap > 0) it checks every 500 us, since the caller reads the
 * time from bench_done_time, not from when the wait returns: the waiting
 * thread then takes next to no CPU from the workers being measured (as an
 * Erlang peer blocked in `receive`). Without, it checks every 20 us. */
bool bench_done_wait(struct bench_done *d, uint64_t n, unsigned timeout_ms);
/* When the i-th (0-based) "done" arrived; 0 if not kept (i >= cap). */
uint64_t bench_done_time(const struct bench_done *d, uint64_t i);
void bench_done_free(struct bench_done *d);

/* Waits until fn(arg) or timeout, checking every poll_us; true if it
 * became true. */
bool bench_wait(bool (*fn)(void *arg), void *arg, unsigned timeout_ms, unsigned poll_us);

/* Module texts. */
/* The receive side every module below shares: a fixed buffer at 1024 that
 * wasp_alloc registers as the inbox, so only a first message costs two
 * guest calls (docs/ABI.md). BENCH_WAT_INBOX_IMPORT goes first (imports
 * precede definitions), BENCH_WAT_ALLOC after the memory. */
#define BENCH_WAT_INBOX_IMPORT " (import \"wasp\" \"inbox\" (func $inbox (param i32 i32) (result i32)))"
#define BENCH_WAT_ALLOC                                                                                    \
    " (func (export \"wasp_alloc\") (param i32) (result i32)"                                               \
    "   (drop (call $inbox (i32.const 1024) (i32.const 1024))) (i32.const 1024))"
extern const char bench_wat_sink[];   /* handles and forgets */
extern const char bench_wat_echo[];   /* replies with the payload */
extern const char bench_wat_ring[];   /* token [hops, N]: forwards to ring.(k+1)%N, at 0 to "done" */
extern const char bench_wat_pinger[]; /* [count]: count x `call` "pong", then send "done" a tick */
extern const char bench_wat_crasher[];/* crashes on every message, through `crash` (reason: the message) */
extern const char bench_wat_trapper[];/* traps (`unreachable`) on every message */
extern const char bench_wat_spinner[];/* loops forever on any message */

#endif
