/* abi.h - the guest ABI (docs/ABI.md) as data, and the check of a module
 * against it. Signatures are written as strings: parameters, ':', results,
 * one letter per value: i = i32, I = i64, f = f32, F = f64. "ii:i" is
 * (i32, i32) -> i32; ":" is () -> (). */
#ifndef WASP_ENGINE_ABI_H
#define WASP_ENGINE_ABI_H

#include <stdbool.h>
#include <stddef.h>

#include <wasmtime.h>

#include "engine/error.h"

#define WASP_ABI_MODULE "wasp"
#define WASP_ABI_WASI_MODULE "wasi_snapshot_preview1"
#define WASP_ABI_TABLES_MAX 4 /* tables a module may define (the store's limit) */

struct wasp_abi_func {
    const char *name;
    const char *sig;
};

/* The imports module `wasp` offers, and the exports wasp calls. */
extern const struct wasp_abi_func wasp__abi_imports[];
extern const size_t wasp__abi_nimports;
extern const struct wasp_abi_func wasp__abi_exports[];
extern const size_t wasp__abi_nexports;

/* What a module that passed the check offers. */
struct wasp_abi_info {
    bool receives;       /* exports wasp_alloc and handle-message */
    bool has_initialize; /* _initialize */
    bool has_start;      /* _start */
    bool has_cleanup;    /* _cleanup */
    bool has_health;     /* _health */
    bool imports_wasi;   /* imports from wasi_snapshot_preview1 */
    char first_wasi_import[128]; /* e.g. "wasi_snapshot_preview1.fd_write", for errors */
    /* Exported tables (their memory is counted in memory_bytes). */
    char table_exports[WASP_ABI_TABLES_MAX][64];
    int ntable_exports;
};

/* Checks imports and exports; on failure returns WASP_EABI and err lists
 * every problem found ("; "-separated), each naming the import or export. */
int wasp__abi_check(const wasmtime_module_t *m, struct wasp_abi_info *info, struct wasp_error *err);

/* True if the function type has exactly the signature sig. */
bool wasp__abi_functype_is(const wasm_functype_t *ft, const char *sig);

/* Builds a function type from a signature string (caller deletes it). */
wasm_functype_t *wasp__abi_functype_new(const char *sig);

/* Writes the signature string of a function type into out. */
void wasp__abi_functype_sig(const wasm_functype_t *ft, char *out, size_t cap);

#endif
