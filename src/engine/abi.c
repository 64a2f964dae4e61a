/* abi.c - checks a module's imports and exports against the guest ABI. */
#include "engine/abi.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct wasp_abi_func wasp__abi_imports[] = {
    {"send", "iiii:i"},      {"publish", "iiii:i"}, {"subscribe", "ii:i"},     {"unsubscribe", "ii:i"},
    {"call", "iiiiiii:i"},   {"reply", "ii:i"},     {"sender", "ii:i"},        {"topic", "ii:i"},
    {"self", "ii:i"},        {"send_after", "iiiii:i"}, {"log", "iii:"},       {"now_ms", ":I"},
    /* codec tags: the tagged twins of the message imports, and the tag of the message in hand */
    {"codec", ":I"},         {"send_tagged", "iiiiI:i"}, {"publish_tagged", "iiiiI:i"},
    {"send_after_tagged", "iiiiiI:i"}, {"reply_tagged", "iiI:i"}, {"call_tagged", "iiiiiiiIi:i"},
    /* storage (V2): kv_get/kv_put/kv_delete are the contract's; the rest ours */
    {"kv_get", "iiii:i"},    {"kv_put", "iiii:i"},  {"kv_delete", "ii:i"},     {"kv_get_versioned", "iiiii:i"},
    {"kv_cas", "iiiiI:I"},   {"kv_next", "iiiiii:i"},
    /* the receive buffer (ours): one guest call per message, or for several */
    {"inbox", "ii:i"},       {"next_message", "iii:i"},
    /* a crash on purpose, with a reason (ours): a software exception, no trap instruction */
    {"crash", "ii:"},
};
const size_t wasp__abi_nimports = sizeof(wasp__abi_imports) / sizeof(wasp__abi_imports[0]);

const struct wasp_abi_func wasp__abi_exports[] = {
    {"wasp_alloc", "i:i"}, {"handle-message", "ii:i"}, {"_initialize", ":"},
    {"_start", ":"},       {"_cleanup", ":"},          {"_health", ":i"},
};
const size_t wasp__abi_nexports = sizeof(wasp__abi_exports) / sizeof(wasp__abi_exports[0]);

static char kind_letter(wasm_valkind_t k) {
    switch (k) {
    case WASM_I32: return 'i';
    case WASM_I64: return 'I';
    case WASM_F32: return 'f';
    case WASM_F64: return 'F';
    default: return '?';
    }
}

static wasm_valkind_t letter_kind(char c) {
    switch (c) {
    case 'I': return WASM_I64;
    case 'f': return WASM_F32;
    case 'F': return WASM_F64;
    default: return WASM_I32;
    }
}

void wasp__abi_functype_sig(const wasm_functype_t *ft, char *out, size_t cap) {
    const wasm_valtype_vec_t *p = wasm_functype_params(ft), *r = wasm_functype_results(ft);
    size_t n = 0;
    for (size_t i = 0; i < p->size && n + 1 < cap; i++) out[n++] = kind_letter(wasm_valtype_kind(p->data[i]));
    if (n + 1 < cap) out[n++] = ':';
    for (size_t i = 0; i < r->size && n + 1 < cap; i++) out[n++] = kind_letter(wasm_valtype_kind(r->data[i]));
    out[n] = 0;
}

bool wasp__abi_functype_is(const wasm_functype_t *ft, const char *sig) {
    char have[64];
    wasp__abi_functype_sig(ft, have, sizeof(have));
    return strcmp(have, sig) == 0;
}

static void valtypes_from(wasm_valtype_vec_t *v, const char *s, size_t n) {
    wasm_valtype_vec_new_uninitialized(v, n);
    for (size_t i = 0; i < n; i++) v->data[i] = wasm_valtype_new(letter_kind(s[i]));
}

wasm_functype_t *wasp__abi_functype_new(const char *sig) {
    const char *colon = strchr(sig, ':');
    size_t np = colon ? (size_t)(colon - sig) : strlen(sig);
    const char *res = colon ? colon + 1 : "";
    wasm_valtype_vec_t params, results;
    valtypes_from(&params, sig, np);
    valtypes_from(&results, res, strlen(res));
    return wasm_functype_new(&params, &results);
}

static const struct wasp_abi_func *find(const struct wasp_abi_func *t, size_t n, const char *name, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (strlen(t[i].name) == len && memcmp(t[i].name, name, len) == 0) return &t[i];
    return NULL;
}

static bool name_is(const wasm_name_t *n, const char *s) {
    return n->size == strlen(s) && memcmp(n->data, s, n->size) == 0;
}

/* Collects problems into err->msg, "; "-separated, without overflowing. */
static void problem(struct wasp_error *err, int *count, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct wasp_error *err, int *count, const char *fmt, ...) {
    (*count)++;
    if (!err) return;
    size_t used = strlen(err->msg);
    if (used && used + 2 < sizeof(err->msg)) {
        memcpy(err->msg + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + used, sizeof(err->msg) - used, fmt, ap);
    va_end(ap);
}

static void check_imports(const wasmtime_module_t *m, struct wasp_abi_info *info, struct wasp_error *err, int *np) {
    wasm_importtype_vec_t imports;
    wasmtime_module_imports(m, &imports);
    for (size_t i = 0; i < imports.size; i++) {
        const wasm_name_t *mod = wasm_importtype_module(imports.data[i]);
        const wasm_name_t *name = wasm_importtype_name(imports.data[i]);
        const wasm_externtype_t *et = wasm_importtype_type(imports.data[i]);
        int mlen = (int)mod->size, nlen = (int)name->size;
        if (name_is(mod, WASP_ABI_WASI_MODULE)) {
            if (!info->imports_wasi)
                snprintf(info->first_wasi_import, sizeof(info->first_wasi_import), "%.*s.%.*s", mlen, mod->data,
                         nlen, name->data);
            info->imports_wasi = true;
            continue;
        }
        if (!name_is(mod, WASP_ABI_MODULE)) {
            problem(err, np, "import %.*s.%.*s is not allowed (only `wasp` and, when granted, WASI)", mlen,
                    mod->data, nlen, name->data);
            continue;
        }
        const struct wasp_abi_func *f = find(wasp__abi_imports, wasp__abi_nimports, name->data, name->size);
        const wasm_functype_t *ft = wasm_externtype_as_functype_const(et);
        if (!f) {
            problem(err, np, "import wasp.%.*s does not exist in the wasp ABI", nlen, name->data);
        } else if (!ft) {
            problem(err, np, "import wasp.%.*s must be a function", nlen, name->data);
        } else if (!wasp__abi_functype_is(ft, f->sig)) {
            char have[64];
            wasp__abi_functype_sig(ft, have, sizeof(have));
            problem(err, np, "import wasp.%.*s has signature %s, expected %s", nlen, name->data, have, f->sig);
        }
    }
    wasm_importtype_vec_delete(&imports);
}

static void check_exports(const wasmtime_module_t *m, struct wasp_abi_info *info, struct wasp_error *err, int *np) {
    wasm_exporttype_vec_t exports;
    wasmtime_module_exports(m, &exports);
    bool has_memory = false, has_alloc = false, has_handle = false;
    for (size_t i = 0; i < exports.size; i++) {
        const wasm_name_t *name = wasm_exporttype_name(exports.data[i]);
        const wasm_externtype_t *et = wasm_exporttype_type(exports.data[i]);
        int nlen = (int)name->size;
        if (name_is(name, "memory")) {
            const wasm_memorytype_t *mt = wasm_externtype_as_memorytype_const(et);
            if (!mt) problem(err, np, "export `memory` must be a memory");
            else if (wasmtime_memorytype_is64(mt)) problem(err, np, "export `memory` must be a 32-bit memory");
            else has_memory = true;
            continue;
        }
        if (wasm_externtype_kind(et) == WASM_EXTERN_TABLE && info->ntable_exports < WASP_ABI_TABLES_MAX &&
            name->size < sizeof(info->table_exports[0])) {
            memcpy(info->table_exports[info->ntable_exports], name->data, name->size);
            info->table_exports[info->ntable_exports++][name->size] = 0;
        }
        const struct wasp_abi_func *f = find(wasp__abi_exports, wasp__abi_nexports, name->data, name->size);
        if (!f) continue; /* other exports are the component's own business */
        const wasm_functype_t *ft = wasm_externtype_as_functype_const(et);
        if (!ft) {
            problem(err, np, "export `%.*s` must be a function", nlen, name->data);
            continue;
        }
        if (!wasp__abi_functype_is(ft, f->sig)) {
            char have[64];
            wasp__abi_functype_sig(ft, have, sizeof(have));
            problem(err, np, "export `%.*s` has signature %s, expected %s", nlen, name->data, have, f->sig);
            continue;
        }
        if (!strcmp(f->name, "wasp_alloc")) has_alloc = true;
        else if (!strcmp(f->name, "handle-message")) has_handle = true;
        else if (!strcmp(f->name, "_initialize")) info->has_initialize = true;
        else if (!strcmp(f->name, "_start")) info->has_start = true;
        else if (!strcmp(f->name, "_cleanup")) info->has_cleanup = true;
        else if (!strcmp(f->name, "_health")) info->has_health = true;
    }
    wasm_exporttype_vec_delete(&exports);
    if (!has_memory) problem(err, np, "export `memory` is missing");
    if (has_handle && !has_alloc) problem(err, np, "export `handle-message` needs `wasp_alloc` as well");
    if (has_alloc && !has_handle) problem(err, np, "export `wasp_alloc` needs `handle-message` as well");
    info->receives = has_alloc && has_handle;
}

int wasp__abi_check(const wasmtime_module_t *m, struct wasp_abi_info *info, struct wasp_error *err) {
    memset(info, 0, sizeof(*info));
    if (err) {
        err->code = WASP_OK;
        err->msg[0] = 0;
    }
    int nproblems = 0;
    check_imports(m, info, err, &nproblems);
    check_exports(m, info, err, &nproblems);
    if (nproblems == 0) return WASP_OK;
    if (err) err->code = WASP_EABI;
    return WASP_EABI;
}
