/* host_imports.c - the synchronous imports of module `wasp` (docs/ABI.md):
 * send, publish, subscribe, unsubscribe, reply, sender, topic, self,
 * send_after, log, now_ms, inbox, next_message, crash, and the codec tags (codec and the
 * *_tagged twins). `call` and `call_tagged` are asynchronous: host_call.c; storage
 * (kv_*) is host_kv.c.
 *
 * Every import validates its ranges first (out of bounds traps the caller:
 * a crash of that component only) and hands checked values to host_ops.c,
 * which gives them the meaning they have in both ABIs. */
#include <string.h>

#include "component/host_ops.h"
#include "core/utf8.h"
#include "engine/core_shim.h"

/* Imports are defined "unchecked": arguments and results share one array of
 * raw values, which spares Wasmtime a type check per call (its hot path). */
#define ARG(i) (av[i].i32)
#define ARG64(i) (av[i].i64)
#define RET(v) (av[0].i32 = (int32_t)(v), (wasm_trap_t *)NULL)

/* Shared prologue: the incarnation, a checked target/topic name and payload. */
struct call_args {
    struct wasp_cinst *ci;
    char name[256];
    const uint8_t *msg;
    uint32_t len;
};

/* 0 = go on; 1 = *trap set; < 0 = return this ABI error. */
static int take_args(wasmtime_caller_t *caller, const wasmtime_val_raw_t *av, bool has_msg, const char *import,
                     struct call_args *a, wasm_trap_t **trap) {
    a->ci = wasp__cinst_from_caller(caller);
    a->msg = NULL;
    a->len = 0;
    if (has_msg) {
        a->msg = wasp__guest_range(caller, ARG(2), ARG(3), import, trap);
        if (!a->msg) return 1;
        a->len = (uint32_t)ARG(3);
    }
    return wasp__guest_name(caller, ARG(0), ARG(1), import, a->name, trap);
}

enum { MSG_SEND, MSG_SEND_AFTER, MSG_PUBLISH };

/* send, send_after and publish, untagged (codec_arg < 0) or tagged (the
 * codec is argument codec_arg). */
static wasm_trap_t *message_import(wasmtime_caller_t *caller, wasmtime_val_raw_t *av, const char *import,
                                   int op, int codec_arg) {
    struct call_args a;
    wasm_trap_t *trap = NULL;
    int rc = take_args(caller, av, true, import, &a, &trap);
    if (rc == 1) return trap;
    if (rc) return RET(rc);
    int64_t codec = codec_arg < 0 ? 0 : ARG64(codec_arg);
    switch (op) {
    case MSG_SEND: return RET(wasp__op_send(a.ci, a.name, a.msg, a.len, codec));
    case MSG_SEND_AFTER: return RET(wasp__op_send_after(a.ci, a.name, a.msg, a.len, ARG(4), codec));
    default: return RET(wasp__op_publish(a.ci, a.name, a.msg, a.len, codec));
    }
}

static wasm_trap_t *host_send(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    return message_import(caller, av, "send", MSG_SEND, -1);
}

static wasm_trap_t *host_send_tagged(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    return message_import(caller, av, "send_tagged", MSG_SEND, 4);
}

static wasm_trap_t *host_send_after(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    return message_import(caller, av, "send_after", MSG_SEND_AFTER, -1);
}

static wasm_trap_t *host_send_after_tagged(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av,
                                           size_t nav) {
    (void)env, (void)nav;
    return message_import(caller, av, "send_after_tagged", MSG_SEND_AFTER, 5);
}

static wasm_trap_t *host_publish(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    return message_import(caller, av, "publish", MSG_PUBLISH, -1);
}

static wasm_trap_t *host_publish_tagged(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av,
                                        size_t nav) {
    (void)env, (void)nav;
    return message_import(caller, av, "publish_tagged", MSG_PUBLISH, 4);
}

static wasm_trap_t *host_subscribe(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    struct call_args a;
    wasm_trap_t *trap = NULL;
    int rc = take_args(caller, av, false, "subscribe", &a, &trap);
    if (rc == 1) return trap;
    return RET(rc ? rc : wasp__op_subscribe(a.ci, a.name));
}

static wasm_trap_t *host_unsubscribe(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    struct call_args a;
    wasm_trap_t *trap = NULL;
    int rc = take_args(caller, av, false, "unsubscribe", &a, &trap);
    if (rc == 1) return trap;
    return RET(rc ? rc : wasp__op_unsubscribe(a.ci, a.name));
}

static wasm_trap_t *reply_import(wasmtime_caller_t *caller, wasmtime_val_raw_t *av, const char *import,
                                 int64_t codec) {
    struct wasp_cinst *ci = wasp__cinst_from_caller(caller);
    wasm_trap_t *trap = NULL;
    const uint8_t *p = wasp__guest_range(caller, ARG(0), ARG(1), import, &trap);
    if (!p) return trap;
    return RET(wasp__op_reply(ci, p, (uint32_t)ARG(1), codec));
}

static wasm_trap_t *host_reply(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    return reply_import(caller, av, "reply", 0);
}

static wasm_trap_t *host_reply_tagged(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    return reply_import(caller, av, "reply_tagged", ARG64(2));
}

static wasm_trap_t *host_codec(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    av[0].i64 = wasp__op_codec(wasp__cinst_from_caller(caller));
    return NULL;
}

/* Copies text (n bytes) into the guest's [out, out+cap) and returns n. */
static wasm_trap_t *copy_out(wasmtime_caller_t *caller, wasmtime_val_raw_t *av, const char *import,
                             const char *text, size_t n) {
    wasm_trap_t *trap = NULL;
    uint8_t *out = wasp__guest_range(caller, ARG(0), ARG(1), import, &trap);
    if (!out) return trap;
    size_t cap = (uint32_t)ARG(1);
    if (n) memcpy(out, text, n < cap ? n : cap);
    return RET(n);
}

static wasm_trap_t *host_sender(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    char name[256];
    size_t n = wasp__op_sender(wasp__cinst_from_caller(caller), name);
    return copy_out(caller, av, "sender", name, n);
}

static wasm_trap_t *host_topic(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    const char *t = wasp__op_topic(wasp__cinst_from_caller(caller));
    return copy_out(caller, av, "topic", t ? t : "", t ? strlen(t) : 0);
}

static wasm_trap_t *host_self(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    struct wasp_cinst *ci = wasp__cinst_from_caller(caller);
    return copy_out(caller, av, "self", ci->slot->name, strlen(ci->slot->name));
}

static wasm_trap_t *host_log(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    wasm_trap_t *trap = NULL;
    const uint8_t *p = wasp__guest_range(caller, ARG(1), ARG(2), "log", &trap);
    if (!p) return trap;
    wasp__op_log(wasp__cinst_from_caller(caller), ARG(0), p, (uint32_t)ARG(2));
    return NULL;
}

/* inbox(ptr, cap): messages of up to cap bytes are copied to ptr and go
 * straight to `handle-message` (cap 0 takes the buffer back). The range is
 * checked here and again at each delivery (docs/ABI.md). */
static wasm_trap_t *host_inbox(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    struct wasp_cinst *ci = wasp__cinst_from_caller(caller);
    wasm_trap_t *trap = NULL;
    if (ARG(1) && !wasp__guest_range(caller, ARG(0), ARG(1), "inbox", &trap)) return trap;
    ci->inbox_ptr = ARG(1) ? (uint32_t)ARG(0) : 0;
    ci->inbox_cap = (uint32_t)ARG(1);
    return RET(0);
}

/* next_message(result, buf, cap): the next queued message into
 * [buf, buf+cap) within the same handle-message call (docs/ABI.md). */
static wasm_trap_t *host_next_message(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav;
    wasm_trap_t *trap = NULL;
    uint8_t *buf = wasp__guest_range(caller, ARG(1), ARG(2), "next_message", &trap);
    if (!buf) return trap;
    return RET(wasp__cactor_next(wasp__cinst_from_caller(caller), wasmtime_caller_context(caller), ARG(0), buf,
                                 (uint32_t)ARG(2)));
}

/* crash(ptr, len): the guest ends itself on purpose. The returned trap is
 * unwound by Wasmtime like any host error, without a hardware fault, and
 * crashes the actor exactly as a trap would; its message carries the
 * guest's reason, escaped to one line of at most CRASH_REASON_MAX bytes,
 * quoted so that nothing the guest writes can pass for the host's words. */
#define CRASH_REASON_MAX 256

static wasm_trap_t *host_crash(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)env, (void)nav, (void)av;
    wasm_trap_t *trap = NULL;
    const uint8_t *p = wasp__guest_range(caller, ARG(0), ARG(1), "crash", &trap);
    if (!p) return trap;
    char msg[CRASH_REASON_MAX + 16] = "`crash`: \"";
    size_t head = strlen(msg), len = (uint32_t)ARG(1), used = 0;
    size_t n = head + wasp__utf8_escape(p, len, msg + head, CRASH_REASON_MAX - 3, &used);
    if (used < len) memcpy(msg + n, "...", 3), n += 3;
    msg[n++] = '"';
    return wasmtime_trap_new(msg, n);
}

static wasm_trap_t *host_now_ms(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)nav, (void)caller;
    av[0].i64 = (int64_t)wasp__op_now_ms(env);
    return NULL;
}

static const struct {
    const char *name;
    wasmtime_func_unchecked_callback_t fn;
} sync_imports[] = {
    {"send", host_send},   {"publish", host_publish}, {"subscribe", host_subscribe},
    {"unsubscribe", host_unsubscribe}, {"reply", host_reply}, {"sender", host_sender},
    {"topic", host_topic}, {"self", host_self},       {"send_after", host_send_after},
    {"log", host_log},     {"now_ms", host_now_ms},       {"inbox", host_inbox},
    {"next_message", host_next_message}, {"crash", host_crash},
    {"codec", host_codec}, {"send_tagged", host_send_tagged}, {"publish_tagged", host_publish_tagged},
    {"send_after_tagged", host_send_after_tagged}, {"reply_tagged", host_reply_tagged},
};

static const char *abi_sig(const char *name) {
    for (size_t i = 0; i < wasp__abi_nimports; i++)
        if (!strcmp(wasp__abi_imports[i].name, name)) return wasp__abi_imports[i].sig;
    return NULL;
}

wasmtime_error_t *wasp__host_define(wasmtime_linker_t *linker, bool with_wasi, void *arg) {
    const char *mod = WASP_ABI_MODULE;
    wasmtime_error_t *we = NULL;
    for (size_t i = 0; i < sizeof(sync_imports) / sizeof(sync_imports[0]) && !we; i++) {
        wasm_functype_t *ft = wasp__abi_functype_new(abi_sig(sync_imports[i].name));
        we = wasmtime_linker_define_func_unchecked(linker, mod, strlen(mod), sync_imports[i].name,
                                                   strlen(sync_imports[i].name), ft, sync_imports[i].fn, arg, NULL);
        wasm_functype_delete(ft);
    }
    static const char *const calls[] = {"call", "call_tagged"};
    for (size_t i = 0; i < 2 && !we; i++)
        we = wasp_linker_define_call(linker, mod, strlen(mod), calls[i], strlen(calls[i]), i == 1, wasp__host_call,
                                     arg);
    if (!we) we = wasp__host_kv_define(linker, abi_sig, arg);
    if (!we && with_wasi) we = wasp__host_define_wasi(linker, arg);
    return we;
}
