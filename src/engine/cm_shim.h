/* cm_shim.h - the C face of wasp's Component Model shim (Rust, in
 * deps/wasmtime/src/component.rs): typed calls of the `wasp:actor` world
 * (wit/actor.wit) whose byte payloads cross as (pointer, length).
 * Everything else about components uses Wasmtime's C API. */
#ifndef WASP_ENGINE_CM_SHIM_H
#define WASP_ENGINE_CM_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wasmtime.h>

/* Host operations: `interface host` in its order, then `interface
 * storage`. The *-tagged imports are their untagged operation with
 * args.codec set. */
enum wasp_cm_op {
    WASP_CM_OP_SEND,
    WASP_CM_OP_SEND_AFTER,
    WASP_CM_OP_PUBLISH,
    WASP_CM_OP_SUBSCRIBE,
    WASP_CM_OP_UNSUBSCRIBE,
    WASP_CM_OP_CALL,
    WASP_CM_OP_REPLY,
    WASP_CM_OP_SENDER,
    WASP_CM_OP_TOPIC,
    WASP_CM_OP_SELF,
    WASP_CM_OP_LOG,
    WASP_CM_OP_NOW,
    WASP_CM_OP_CODEC,
    WASP_CM_OP_KV_GET,           /* text: key */
    WASP_CM_OP_KV_GET_VERSIONED, /* text: key; aux: version */
    WASP_CM_OP_KV_NEXT,          /* text: prefix, data: after */
    WASP_CM_OP_KV_PUT,           /* text: key, data: value (waits) */
    WASP_CM_OP_KV_CAS,           /* text: key, data: value, num: expect (waits) */
    WASP_CM_OP_KV_DELETE,        /* text: key (waits) */
};

/* An import's arguments: a name, text or key, a byte payload, a number
 * (delay, timeout, log level, expected version), the message's codec tag.
 * Valid during the dispatcher call only. */
struct wasp_cm_args {
    const uint8_t *text;
    size_t text_len;
    const uint8_t *data;
    size_t data_len;
    uint64_t num;
    uint64_t codec;
};

/* The dispatcher's answer: value < 0 is an ABI error code, else the value
 * (publish's count, now-ms, codec); data/len the bytes or text returned
 * (NULL: none), copied out at once; aux a second value (a reply's codec
 * tag, a stored version). An answer that must wait (`call`, storage
 * writes) sets ready: ready(env, res) is polled until it returns true
 * (filling value/data/len/aux). finalize(env), if set, runs exactly once
 * after the bytes were copied or when the call is dropped. */
struct wasp_cm_result {
    int64_t value;
    const uint8_t *data;
    size_t len;
    uint64_t aux;
    bool (*ready)(void *env, struct wasp_cm_result *res);
    void *env;
    void (*finalize)(void *env);
};

/* One C function serves every import; store_data is the store's data
 * (wasmtime_context_get_data). false traps the guest with res->data/len as
 * the message. */
typedef bool (*wasp_cm_host_fn)(void *store_data, uint32_t op, const struct wasp_cm_args *args,
                                struct wasp_cm_result *res);

typedef struct wasp_cm_linker wasp_cm_linker;
typedef struct wasp_cm_pre wasp_cm_pre;
typedef struct wasp_cm_instance wasp_cm_instance;

/* A linker with the world's host imports and, with_wasi, WASI 0.2. Every
 * store instantiated through a WASI linker must have a WASI context. */
wasp_cm_linker *wasp_cm_linker_new(const wasm_engine_t *engine, bool with_wasi, wasp_cm_host_fn host,
                                   wasmtime_error_t **err);
void wasp_cm_linker_delete(wasp_cm_linker *l);

struct wasp_cm_info {
    bool has_start, has_cleanup, has_health;
    bool imports_wasi; /* imports a wasi: interface */
};

/* Checks the component's exports against the world and links it: NULL with
 * *err set when an export has the wrong type or an import is not offered. */
wasp_cm_pre *wasp_cm_pre_new(const wasp_cm_linker *l, const wasm_engine_t *engine,
                             const wasmtime_component_t *c, struct wasp_cm_info *info, wasmtime_error_t **err);
void wasp_cm_pre_delete(wasp_cm_pre *p);

/* Calls each(arg, is_export, name, len) for every import, then export. */
void wasp_cm_component_items(const wasm_engine_t *engine, const wasmtime_component_t *c,
                             void (*each)(void *arg, bool is_export, const uint8_t *name, size_t len), void *arg);

/* Futures polled with wasmtime_call_future_poll, deleted with
 * wasmtime_call_future_delete; failures land in *trap or *err. */
wasmtime_call_future_t *wasp_cm_instantiate(const wasp_cm_pre *p, wasmtime_context_t *ctx, wasp_cm_instance **out,
                                            wasm_trap_t **trap, wasmtime_error_t **err);
void wasp_cm_instance_delete(wasp_cm_instance *i);

enum wasp_cm_export { WASP_CM_HANDLE, WASP_CM_START, WASP_CM_CLEANUP, WASP_CM_HEALTH };
bool wasp_cm_instance_has(const wasp_cm_instance *i, uint32_t which);
/* handle-message(msg[0..len]) (msg stays valid until the future is
 * deleted) or a lifecycle hook; *result gets handle-message's status or
 * check-health's index (0 healthy, 1 degraded, 2 unhealthy). */
wasmtime_call_future_t *wasp_cm_call(const wasp_cm_instance *i, wasmtime_context_t *ctx, uint32_t which,
                                     const uint8_t *msg, size_t len, int32_t *result, wasm_trap_t **trap,
                                     wasmtime_error_t **err);

#endif
