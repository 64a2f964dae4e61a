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

/* The "done" actor: counts arrivals and records their times. */
struct bench_done {
    atomic_uint_fast64_t count;
    uint64_t *times; /* arrival times, up to cap */
    size_t cap;
};
int bench_done_spawn(struct bench_world *w, struct bench_done *d, size_t cap);
/* Waits until count >= n or timeout_ms passes; true if reached. */
bool bench_done_wait(struct bench_done *d, uint64_t n, unsigned timeout_ms);
void bench_done_free(struct bench_done *d);

/* Waits until fn(arg) or timeout, checking every poll_us; true if it
 * became true. */
bool bench_wait(bool (*fn)(void *arg), void *arg, unsigned timeout_ms, unsigned poll_us);

/* Module texts. */
extern const char bench_wat_sink[];   /* handles and forgets */
extern const char bench_wat_echo[];   /* replies with the payload */
extern const char bench_wat_ring[];   /* token [hops, N]: forwards to ring.(k+1)%N, at 0 to "done" */
extern const char bench_wat_pinger[]; /* [count]: count x `call` "pong", then send "done" a tick */
extern const char bench_wat_crasher[];/* traps on every message */
extern const char bench_wat_spinner[];/* loops forever on any message */

#endif
