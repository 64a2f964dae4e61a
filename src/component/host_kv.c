/* host_kv.c - the storage imports of module `wasp` (docs/ABI.md):
 *
 *   kv_get(key, key_len, out, out_cap) -> len | -1          reads
 *   kv_get_versioned(key, key_len, out, out_cap, ver_out) -> len | -1
 *   kv_next(prefix, prefix_len, after, after_len, out, out_cap) -> len | -1
 *   kv_put(key, key_len, val, val_len) -> 0 | -9            writes (async)
 *   kv_delete(key, key_len) -> 0 | -1
 *   kv_cas(key, key_len, val, val_len, expect: i64) -> version | 0 | error
 *
 * Reads answer on the spot (microseconds). Writes are handed to the store's
 * writer thread and the component waits the way `call` does: the import is
 * an async host function whose continuation reports "not done" until the
 * write is acknowledged, so the actor parks and its worker runs others
 * meanwhile, however long the flush to disk takes. The wait is shared by the
 * completion and the continuation and freed by whichever lets go last.
 * Without a `storage` grant every import returns EPERM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/host_ops.h"

#define ARG(i) (av[i].i32)
#define RET(v) (av[0].i32 = (int32_t)(v), (wasm_trap_t *)NULL)

struct wasp_kv_wait {
    struct wasp_host_wait base; /* status: the store's result */
    int op;
    char name[256]; /* the actor's, for the log */
    uint64_t version;
    wasmtime_val_t *result; /* core modules: the result slot */
};

/* An ABI result for a store error the guest may see; host-only failures
 * (the disk) crash the component instead (a trap), which is contained. */
static bool guest_code(int rc) { return rc >= WASP_ELIMIT && rc <= WASP_OK; }

static wasm_trap_t *storage_trap(const char *import, int rc) {
    char msg[160];
    int n = snprintf(msg, sizeof(msg), "`%s`: storage failed: %s", import, wasp_strerror(rc));
    return wasmtime_trap_new(msg, (size_t)n);
}

static bool key_ok(size_t klen) { return klen >= 1 && klen <= WASP_KV_KEY_MAX; }

/* ---- reads ---------------------------------------------------------------------- */

int wasp__op_kv_get(struct wasp_cinst *ci, const uint8_t *key, size_t klen, uint8_t *out, size_t cap,
                    uint64_t *version) {
    if (!key_ok(klen)) return WASP_EINVAL;
    wasp_kv *kv = ci->slot->comp->kv;
    if (!kv) return WASP_EPERM;
    size_t len = 0;
    int rc = wasp_kv_get(kv, key, klen, out, cap, &len, version);
    if (rc != WASP_OK) return rc; /* ENOENT, or a store failure */
    return len > INT32_MAX ? INT32_MAX : (int)len;
}

int wasp__op_kv_next(struct wasp_cinst *ci, const uint8_t *prefix, size_t plen, const uint8_t *after,
                     size_t alen, uint8_t *out, size_t cap) {
    if (plen > WASP_KV_KEY_MAX || alen > WASP_KV_KEY_MAX) return WASP_EINVAL;
    wasp_kv *kv = ci->slot->comp->kv;
    if (!kv) return WASP_EPERM;
    size_t klen = 0;
    int rc = wasp_kv_next(kv, prefix, plen, after, alen, out, cap, &klen);
    return rc != WASP_OK ? rc : (int)klen;
}

/* A read's result for a core module: the length or ABI code, or a trap. */
static wasm_trap_t *read_result(wasmtime_val_raw_t *av, const char *import, int rc) {
    return guest_code(rc) || rc > 0 ? RET(rc) : storage_trap(import, rc);
}

static wasm_trap_t *read_value(wasmtime_caller_t *caller, wasmtime_val_raw_t *av, const char *import,
                               bool versioned) {
    struct wasp_cinst *ci = wasp__cinst_from_caller(caller);
    wasm_trap_t *trap = NULL;
    uint8_t *out = wasp__guest_range(caller, ARG(2), ARG(3), import, &trap);
    uint8_t *ver = out && versioned ? wasp__guest_range(caller, ARG(4), 8, import, &trap) : NULL;
    const uint8_t *key = out && (!versioned || ver) ? wasp__guest_range(caller, ARG(0), ARG(1), import, &trap) : NULL;
    if (!key) return trap;
    uint64_t version = 0;
    int rc = wasp__op_kv_get(ci, key, (uint32_t)ARG(1), out, (uint32_t)ARG(3), &version);
    if (versioned && rc >= 0)
        for (int i = 0; i < 8; i++) ver[i] = (uint8_t)(version >> (8 * i));
    return read_result(av, import, rc);
}

static wasm_trap_t *host_kv_get(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    return read_value(caller, av, "kv_get", false);
}

static wasm_trap_t *host_kv_get_versioned(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av,
                                          size_t nav) {
    (void)env, (void)nav;
    return read_value(caller, av, "kv_get_versioned", true);
}

static wasm_trap_t *host_kv_next(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    struct wasp_cinst *ci = wasp__cinst_from_caller(caller);
    wasm_trap_t *trap = NULL;
    const uint8_t *prefix = wasp__guest_range(caller, ARG(0), ARG(1), "kv_next", &trap);
    const uint8_t *after = prefix ? wasp__guest_range(caller, ARG(2), ARG(3), "kv_next", &trap) : NULL;
    uint8_t *out = after ? wasp__guest_range(caller, ARG(4), ARG(5), "kv_next", &trap) : NULL;
    if (!out) return trap;
    int rc = wasp__op_kv_next(ci, prefix, (uint32_t)ARG(1), after, (uint32_t)ARG(3), out, (uint32_t)ARG(5));
    return read_result(av, "kv_next", rc);
}

/* ---- writes --------------------------------------------------------------------- */

/* The writer thread acknowledged the write: the store's reference answers
 * the wait and lets go. */
static void on_written(void *arg, int rc, uint64_t version) {
    struct wasp_kv_wait *w = arg;
    wasp_system *sys = w->base.c.sys;
    if (!guest_code(rc) && rc != WASP_ESTATE)
        wasp_log(sys, WASP_LOG_ERROR, w->name, "storage write failed: %s", wasp_strerror(rc));
    w->version = version;
    wasp__completion_finish(&w->base.c, rc, NULL, 0, 0);
    wasp__completion_unref(&w->base.c);
    wasp_system_release(sys);
}

bool wasp__kv_wait_done(struct wasp_kv_wait *w, int64_t *result) {
    if (!wasp__host_wait_done(&w->base)) return false;
    /* The store could not write (disk full or failing; it was logged):
     * to the guest that is its storage being exhausted. */
    int st = w->base.status;
    int rc = guest_code(st) || st == WASP_ESTATE ? st : WASP_ELIMIT;
    if (w->op == WASP_KV_CAS) *result = rc == WASP_OK ? (int64_t)w->version : rc == WASP_ESTATE ? 0 : rc;
    else *result = rc;
    return true;
}

static bool wait_ready(void *arg) {
    struct wasp_kv_wait *w = arg;
    int64_t r;
    if (!wasp__kv_wait_done(w, &r)) return false;
    if (w->op == WASP_KV_CAS) {
        w->result->kind = WASMTIME_I64;
        w->result->of.i64 = r;
    } else {
        w->result->kind = WASMTIME_I32;
        w->result->of.i32 = (int32_t)r;
    }
    return true;
}

struct wasp_kv_wait *wasp__op_kv_write(struct wasp_cinst *ci, int op, const uint8_t *key, size_t klen,
                                       const uint8_t *val, size_t vlen, int64_t expect, int *rc) {
    *rc = WASP_OK;
    if (!key_ok(klen)) *rc = WASP_EINVAL;
    else if (vlen > WASP_KV_VALUE_MAX) *rc = WASP_E2BIG;
    else if (op == WASP_KV_CAS && expect < 0) *rc = WASP_EINVAL;
    else if (!ci->slot->comp->kv) *rc = WASP_EPERM;
    struct wasp_kv_wait *w = *rc ? NULL : wasp__host_wait_new(ci, sizeof(*w), false);
    if (!*rc && !w) *rc = WASP_ELIMIT;
    if (*rc) return NULL;
    w->op = op;
    memcpy(w->name, ci->slot->name, sizeof(w->name));
    wasp_kv_write kw = {.op = op, .key = key, .klen = (uint32_t)klen, .val = val, .vlen = (uint32_t)vlen,
                        .expect = op == WASP_KV_CAS ? (uint64_t)expect : 0};
    wasp__completion_ref(&w->base.c); /* the store's, until on_written */
    wasp_system_hold(ci->sys); /* the system is not idle until the store answers */
    *rc = wasp_kv_write_async(ci->slot->comp->kv, &kw, on_written, w);
    if (*rc != WASP_OK) { /* a host error: the caller traps */
        wasp_system_release(ci->sys);
        wasp__completion_abandon(&w->base.c);
        wasp__completion_unref(&w->base.c);
        wasp__host_wait_finalize(w);
        return NULL;
    }
    return w;
}

/* The core modules' three writes: ranges (traps), then the operation; the
 * guest suspends until the store answers. */
static void write_async(wasmtime_caller_t *caller, const wasmtime_val_t *args, int op, wasmtime_val_t *results,
                        wasm_trap_t **trap, wasmtime_async_continuation_t *cont) {
    static const char *const names[] = {"kv_put", "kv_cas", "kv_delete"};
    bool cas = op == WASP_KV_CAS;
    wasp__async_done_now(results, 0, cont);
    if (cas) results[0].kind = WASMTIME_I64;
    const uint8_t *val = NULL;
    if (op != WASP_KV_DELETE && !(val = wasp__guest_range(caller, args[2].of.i32, args[3].of.i32, names[op], trap)))
        return;
    const uint8_t *key = wasp__guest_range(caller, args[0].of.i32, args[1].of.i32, names[op], trap);
    if (!key) return;
    int rc;
    struct wasp_kv_wait *w = wasp__op_kv_write(wasp__cinst_from_caller(caller), op, key, (uint32_t)args[1].of.i32,
                                               val, op == WASP_KV_DELETE ? 0 : (uint32_t)args[3].of.i32,
                                               cas ? args[4].of.i64 : 0, &rc);
    if (!w) {
        if (!guest_code(rc)) *trap = storage_trap(names[op], rc);
        else if (cas) results[0].of.i64 = rc;
        else results[0].of.i32 = rc;
        return;
    }
    w->result = &results[0];
    cont->callback = wait_ready;
    cont->env = w;
    cont->finalizer = wasp__host_wait_finalize;
}

static void host_kv_put(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                        wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap,
                        wasmtime_async_continuation_t *cont) {
    (void)env, (void)nargs, (void)nresults;
    write_async(caller, args, WASP_KV_PUT, results, trap, cont);
}

static void host_kv_cas(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                        wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap,
                        wasmtime_async_continuation_t *cont) {
    (void)env, (void)nargs, (void)nresults;
    write_async(caller, args, WASP_KV_CAS, results, trap, cont);
}

static void host_kv_delete(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                           wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap,
                           wasmtime_async_continuation_t *cont) {
    (void)env, (void)nargs, (void)nresults;
    write_async(caller, args, WASP_KV_DELETE, results, trap, cont);
}

wasmtime_error_t *wasp__host_kv_define(wasmtime_linker_t *linker, const char *(*sig)(const char *), void *arg) {
    static const struct {
        const char *name;
        wasmtime_func_unchecked_callback_t fn;
    } reads[] = {{"kv_get", host_kv_get}, {"kv_get_versioned", host_kv_get_versioned}, {"kv_next", host_kv_next}};
    static const struct {
        const char *name;
        wasmtime_func_async_callback_t fn;
    } writes[] = {{"kv_put", host_kv_put}, {"kv_cas", host_kv_cas}, {"kv_delete", host_kv_delete}};
    const char *mod = WASP_ABI_MODULE;
    wasmtime_error_t *we = NULL;
    for (size_t i = 0; i < 3 && !we; i++) {
        wasm_functype_t *ft = wasp__abi_functype_new(sig(reads[i].name));
        we = wasmtime_linker_define_func_unchecked(linker, mod, strlen(mod), reads[i].name, strlen(reads[i].name),
                                                   ft, reads[i].fn, arg, NULL);
        wasm_functype_delete(ft);
    }
    for (size_t i = 0; i < 3 && !we; i++) {
        wasm_functype_t *ft = wasp__abi_functype_new(sig(writes[i].name));
        we = wasmtime_linker_define_async_func(linker, mod, strlen(mod), writes[i].name, strlen(writes[i].name), ft,
                                               writes[i].fn, arg, NULL);
        wasm_functype_delete(ft);
    }
    return we;
}
