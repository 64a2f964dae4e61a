/* core_shim.h - the C face of wasp's typed core calls (Rust, in
 * deps/wasmtime/src/core_call.rs): an export's type is checked once, when
 * its handle is made, instead of on every call as wasmtime_func_call_async
 * does. Shapes: up to two i32 parameters, none or one i32 result. And of
 * the typed asynchronous `call` imports (deps/wasmtime/src/async_import.rs),
 * which spare the C API's wasmtime_val_t conversions of every call. */
#ifndef WASP_ENGINE_CORE_SHIM_H
#define WASP_ENGINE_CORE_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmtime.h>

typedef struct wasp_core_typed wasp_core_typed;

/* A handle of func (of this store) with that shape, or NULL if it has
 * another type or the shape is not offered. */
wasp_core_typed *wasp_core_typed_new(wasmtime_context_t *store, const wasmtime_func_t *func, uint32_t nparams,
                                     uint32_t nresults);
void wasp_core_typed_delete(wasp_core_typed *t);

/* Starts a call with the first nparams of (a0, a1); *result gets the result.
 * Poll and delete the future like wasmtime_func_call_async's; t, result,
 * trap_ret and err_ret must outlive it. */
wasmtime_call_future_t *wasp_core_typed_call(const wasp_core_typed *t, wasmtime_context_t *store, int32_t a0,
                                             int32_t a1, int32_t *result, wasm_trap_t **trap_ret,
                                             wasmtime_error_t **err_ret);

/* An asynchronous import served in C: the C API's protocol (trap, a
 * continuation polled until it reports done) with typed arguments, each
 * i32 widened to i64, and an i32 result slot that stays valid until the
 * continuation is done or dropped. */
typedef void (*wasp_async_import_fn)(void *env, wasmtime_caller_t *caller, const int64_t *args, size_t nargs,
                                     int32_t *result, wasm_trap_t **trap, wasmtime_async_continuation_t *cont);

/* Defines module.name in linker as `call` ((i32 x 7) -> i32) or, if tagged,
 * `call_tagged` ((i32 x 7, i64, i32) -> i32), served by cb(env, ...). env
 * must outlive the linker. NULL, or the error. */
wasmtime_error_t *wasp_linker_define_call(wasmtime_linker_t *linker, const char *module, size_t module_len,
                                          const char *name, size_t name_len, bool tagged, wasp_async_import_fn cb,
                                          void *env);

#endif
