/* error.c - readable messages for Wasmtime errors and traps. */
#include "engine/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vformat(struct wasp_error *err, int code, const char *fmt, va_list ap) {
    err->code = code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int wasp__error_set(struct wasp_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vformat(err, code, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Whether a line of Wasmtime's message is about where, not what: a
 * backtrace header ("error while executing at wasm backtrace:"), a frame
 * ("0x7b7 - module!function", "at file.c:12"), or a note on how to get more. */
static bool backtrace_line(const char *q, size_t n) {
    while (n && (*q == ' ' || *q == '\t')) q++, n--;
    return (n >= 10 && memcmp(q + n - 10, "backtrace:", 10) == 0) || (n >= 2 && memcmp(q, "0x", 2) == 0) ||
           (n >= 3 && memcmp(q, "at ", 3) == 0) || (n >= 5 && memcmp(q, "note:", 5) == 0);
}

/* Appends n bytes of text to err->msg at used, as many as fit; the new length. */
static size_t append(struct wasp_error *err, size_t used, const char *text, size_t n) {
    size_t room = sizeof(err->msg) - 1 - used;
    if (n > room) n = room;
    memcpy(err->msg + used, text, n);
    err->msg[used + n] = 0;
    return used + n;
}

/* err = "`name`", the export a failed call ran. Without printf: the path
 * of every crash. */
static void set_export(struct wasp_error *err, int code, const char *name) {
    err->code = code;
    err->msg[0] = 0;
    size_t used = append(err, 0, "`", 1);
    used = append(err, used, name, strlen(name));
    append(err, used, "`", 1);
}

/* Appends Wasmtime's message as one line: "context: what: cause: cause".
 * Its text is "what\n\nCaused by:\n    0: cause\n    1: cause", where a
 * "what" raised in a host function is a backtrace ("error while executing
 * at wasm backtrace:" and numbered frames); backtraces, numbering and
 * indentation are dropped. */
static void append_message(struct wasp_error *err, const char *text, size_t len) {
    size_t used = strlen(err->msg);
    const char *p = text, *end = text + len;
    while (p < end && used + 1 < sizeof(err->msg)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *q = p;
        while (q < line_end && (*q == ' ' || *q == '\t')) q++;
        const char *digits = q;
        while (q < line_end && *q >= '0' && *q <= '9') q++;
        if (q > digits && q + 1 < line_end && q[0] == ':' && q[1] == ' ') q += 2;
        else q = digits;
        size_t n = (size_t)(line_end - q);
        bool skip = n == 0 || (n == 10 && memcmp(q, "Caused by:", 10) == 0) || backtrace_line(q, n);
        if (!skip) {
            if (used) used = append(err, used, ": ", 2);
            used = append(err, used, q, n);
        }
        p = nl ? nl + 1 : end;
    }
}

static void append_error(struct wasp_error *err, const wasmtime_error_t *e) {
    wasm_name_t m;
    wasmtime_error_message(e, &m);
    append_message(err, m.data, m.size);
    wasm_byte_vec_delete(&m);
}

int wasp__error_from_wasmtime(struct wasp_error *err, int code, wasmtime_error_t *e, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vformat(err, code, fmt, ap);
        va_end(ap);
        append_error(err, e);
    }
    wasmtime_error_delete(e);
    return code;
}

int wasp__error_from_call(struct wasp_error *err, int code, wasmtime_error_t *e, const char *name) {
    if (err) {
        set_export(err, code, name);
        append_error(err, e);
    }
    wasmtime_error_delete(e);
    return code;
}

const char *wasp__trap_code_name(wasmtime_trap_code_t code) {
    switch (code) {
    case WASMTIME_TRAP_CODE_STACK_OVERFLOW: return "stack overflow";
    case WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS: return "out-of-bounds memory access";
    case WASMTIME_TRAP_CODE_HEAP_MISALIGNED: return "misaligned memory access";
    case WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS: return "out-of-bounds table access";
    case WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL: return "indirect call to null";
    case WASMTIME_TRAP_CODE_BAD_SIGNATURE: return "indirect call signature mismatch";
    case WASMTIME_TRAP_CODE_INTEGER_OVERFLOW: return "integer overflow";
    case WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO: return "integer divide by zero";
    case WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER: return "invalid conversion to integer";
    case WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED: return "unreachable";
    case WASMTIME_TRAP_CODE_INTERRUPT: return "interrupted";
    case WASMTIME_TRAP_CODE_OUT_OF_FUEL: return "out of fuel";
    case WASMTIME_TRAP_CODE_NULL_REFERENCE: return "null reference";
    case WASMTIME_TRAP_CODE_ALLOCATION_TOO_LARGE: return "allocation too large";
    default: return "trap";
    }
}

int wasp__error_from_trap(struct wasp_error *err, wasm_trap_t *trap, const char *name) {
    wasmtime_trap_code_t code;
    bool has_code = wasmtime_trap_code(trap, &code);
    int rc = has_code && (code == WASMTIME_TRAP_CODE_OUT_OF_FUEL || code == WASMTIME_TRAP_CODE_INTERRUPT)
                 ? WASP_EINTERRUPT
                 : WASP_ETRAP;
    if (err) {
        set_export(err, rc, name);
        size_t used = strlen(err->msg);
        if (has_code) {
            const char *what = wasp__trap_code_name(code);
            append(err, append(err, used, ": ", 2), what, strlen(what));
        } else {
            /* A trap raised by a host function: its message is the reason. */
            wasm_message_t m;
            wasm_trap_message(trap, &m);
            size_t n = m.size && m.data[m.size - 1] == 0 ? m.size - 1 : m.size;
            append_message(err, m.data, n);
            wasm_byte_vec_delete(&m);
        }
    }
    wasm_trap_delete(trap);
    return rc;
}
