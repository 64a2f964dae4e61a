/* error.h - an error code plus a readable message, for failures whose code
 * alone would not tell a user what went wrong (which import, which trap). */
#ifndef WASP_ENGINE_ERROR_H
#define WASP_ENGINE_ERROR_H

#include <wasmtime.h>

#include "wasp.h"

struct wasp_error {
    int code;       /* WASP_OK or a negative wasp error code */
    char msg[512];  /* empty when code is WASP_OK */
};

/* Sets err (if non-NULL) and returns code, so callers can `return wasp__error_set(...)`. */
int wasp__error_set(struct wasp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Takes ownership of a Wasmtime error: formats "context: message", frees it. */
int wasp__error_from_wasmtime(struct wasp_error *err, int code, wasmtime_error_t *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Takes ownership of the trap that ended a call of export `name`:
 * "`name`: <trap kind>", or for a trap raised by a host function "`name`:
 * its message"; frees it. Returns WASP_EINTERRUPT for fuel exhaustion,
 * WASP_ETRAP otherwise. */
int wasp__error_from_trap(struct wasp_error *err, wasm_trap_t *trap, const char *name);

/* Takes ownership of the error that ended a call of export `name` (a host
 * function's trap arrives so): "`name`: message", frees it; returns code. */
int wasp__error_from_call(struct wasp_error *err, int code, wasmtime_error_t *e, const char *name);

/* Short stable name of a Wasmtime trap code ("unreachable", "out of fuel"...). */
const char *wasp__trap_code_name(wasmtime_trap_code_t code);

#endif
