/* shim.h - the C face of what wasp adds to Wasmtime's C API in Rust
 * (deps/wasmtime/src/wake.rs, wasi.rs, limits.rs, config.rs): polling a call with a
 * waker that reaches the actor, WASI preview 1 linked asynchronously, a cap
 * on WASI handles, a store limiter that counts what the store holds, and
 * two engine settings the C API lacks. */
#ifndef WASP_WASM_SHIM_H
#define WASP_WASM_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include <wasmtime.h>

/* ---- wake.rs ---- */
typedef struct wasp_waker wasp_waker;
/* A waker that calls wake(sys, aid) from any thread when what a pending
 * call waits for is ready. tokio: the calls may wait in Tokio (WASI, a
 * component), so they are polled inside WASI's Tokio runtime; the others
 * skip entering it on every poll. */
const wasp_waker *wasp_waker_new(void (*wake)(void *sys, uint64_t aid), void *sys, uint64_t aid, bool tokio);
/* Detaches it (later wake-ups reach nothing) and lets go of it. */
void wasp_waker_delete(const wasp_waker *w);
/* Blocks until the waker is woken or timeout_ns passes: true if woken. */
bool wasp_waker_wait(const wasp_waker *w, uint64_t timeout_ns);

enum wasp_poll { WASP_POLL_WAITING, WASP_POLL_YIELDED, WASP_POLL_READY };
/* Polls a call future once (in WASI's Tokio context): READY; YIELDED (a
 * time slice ended: poll again); WAITING (for something outside the guest:
 * the waker will be woken). */
int wasp_future_poll(wasmtime_call_future_t *f, const wasp_waker *w);

/* ---- wasi.rs ---- */
/* Defines WASI preview 1 with asynchronous functions (file operations run
 * on WASI's blocking pool while the caller's future is pending). */
wasmtime_error_t *wasp_linker_define_wasi_async(wasmtime_linker_t *linker);
/* Caps the WASI handles of a store with a WASI context at `extra` more than
 * it holds now; one more traps the guest. */
void wasp_wasi_limit_handles(wasmtime_context_t *ctx, size_t extra);

/* ---- limits.rs ---- */
typedef struct wasp_store_held wasp_store_held;
/* wasmtime_store_limiter with the same arguments, counting the bytes of
 * every memory and table the store holds (valid while the store lives). */
const wasp_store_held *wasp_store_limiter(wasmtime_store_t *store, int64_t memory_size, int64_t table_elements,
                                          int64_t instances, int64_t tables, int64_t memories);
uint64_t wasp_store_held_bytes(const wasp_store_held *h);

/* ---- config.rs ---- */
/* Pooling: find a freed slot's dirty pages with PAGEMAP_SCAN (Linux 6.7+,
 * else the old way), so the keep_resident sizes reset only those. */
void wasp_pooling_config_pagemap_scan(wasmtime_pooling_allocation_config_t *c);
/* Whether traps capture the guest's stack (frames: wasp's messages do not
 * show them). */
void wasp_config_wasm_backtrace(wasm_config_t *c, bool enable);

#endif
