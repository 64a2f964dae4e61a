/* test_sdk.c - the guest SDK (include/wasp_guest.h), tested without the
 * component layer: tests/guest/sdk_probe.wasm (freestanding) and
 * wasi_sdk_probe.wasm (wasi-libc) are instantiated with stub `wasp` imports
 * that record what the guest does. Also checks every built example and test
 * component against the ABI (wasp__abi_check). */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <wasi.h>
#include <wasmtime.h>

#include "engine/abi.h"

#ifndef WASP_TEST_GUEST_DIR
#error "WASP_TEST_GUEST_DIR is not defined (examples/CMakeLists.txt sets it)"
#endif

/* What the stub imports saw. */
struct host {
    char log[64][1100];
    int nlog;
    char last_send_to[256], last_send_msg[256];
    int sends, replies;
    int32_t inbox_ptr, inbox_cap; /* the registered receive buffer (cap 0: none) */
    int inboxes, allocs;          /* registrations; wasp_alloc calls */
    /* Messages queued behind the one delivered, handed out by next_message,
     * and the result each call of it ended the message in hand with. */
    const char *queued[4];
    int nqueued, taken, nexts;
    int32_t ended_with[4];
    char crash_reason[300]; /* what `crash` was given */
    int crashes;
};

static struct host H;

static uint8_t *memory_of(wasmtime_caller_t *caller, size_t *size) {
    wasmtime_extern_t item;
    if (!wasmtime_caller_export_get(caller, "memory", 6, &item) || item.kind != WASMTIME_EXTERN_MEMORY) return NULL;
    wasmtime_context_t *cx = wasmtime_caller_context(caller);
    *size = wasmtime_memory_data_size(cx, &item.of.memory);
    return wasmtime_memory_data(cx, &item.of.memory);
}

/* Copies guest bytes [ptr, ptr+len) into out as a C string; traps if out of range. */
static wasm_trap_t *guest_str(wasmtime_caller_t *caller, int32_t ptr, int32_t len, char *out, size_t cap) {
    size_t size;
    uint8_t *mem = memory_of(caller, &size);
    if (!mem || ptr < 0 || len < 0 || (size_t)ptr + (size_t)len > size) return wasmtime_trap_new("out of bounds", 13);
    size_t n = (size_t)len < cap - 1 ? (size_t)len : cap - 1;
    memcpy(out, mem + ptr, n);
    out[n] = 0;
    return NULL;
}

static wasm_trap_t *put_name(wasmtime_caller_t *caller, const char *name, int32_t ptr, int32_t cap,
                             wasmtime_val_t *res) {
    size_t size, n = strlen(name);
    uint8_t *mem = memory_of(caller, &size);
    if (!mem || ptr < 0 || cap < 0 || (size_t)ptr + (size_t)cap > size) return wasmtime_trap_new("out of bounds", 13);
    memcpy(mem + ptr, name, n < (size_t)cap ? n : (size_t)cap);
    res[0].kind = WASMTIME_I32;
    res[0].of.i32 = (int32_t)n;
    return NULL;
}

#define STUB(fn) \
    static wasm_trap_t *fn(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *a, size_t na, \
                           wasmtime_val_t *res, size_t nr)
#define UNUSED_ARGS (void)env, (void)na, (void)nr, (void)a, (void)caller, (void)res
#define RET_I32(v) (res[0].kind = WASMTIME_I32, res[0].of.i32 = (v), (wasm_trap_t *)NULL)

STUB(stub_send) {
    UNUSED_ARGS;
    wasm_trap_t *t = guest_str(caller, a[0].of.i32, a[1].of.i32, H.last_send_to, sizeof H.last_send_to);
    if (!t) t = guest_str(caller, a[2].of.i32, a[3].of.i32, H.last_send_msg, sizeof H.last_send_msg);
    H.sends++;
    return t ? t : RET_I32(0);
}
STUB(stub_publish) { UNUSED_ARGS; return RET_I32(3); }
STUB(stub_subscribe) { UNUSED_ARGS; return RET_I32(0); }
STUB(stub_unsubscribe) { UNUSED_ARGS; return RET_I32(WASP_ENOENT); }
STUB(stub_call) {
    UNUSED_ARGS;
    char to[64], msg[64];
    wasm_trap_t *t = guest_str(caller, a[0].of.i32, a[1].of.i32, to, sizeof to);
    if (!t) t = guest_str(caller, a[2].of.i32, a[3].of.i32, msg, sizeof msg);
    if (t) return t;
    if (strcmp(to, "svc") || strcmp(msg, "question") || a[6].of.i32 != 250) return RET_I32(WASP_EINVAL);
    const char *answer = "a long answer"; /* 13 bytes, more than the guest's buffer */
    size_t size;
    uint8_t *mem = memory_of(caller, &size);
    int32_t cap = a[5].of.i32;
    if ((size_t)a[4].of.i32 + (size_t)cap > size) return wasmtime_trap_new("out of bounds", 13);
    memcpy(mem + a[4].of.i32, answer, strlen(answer) < (size_t)cap ? strlen(answer) : (size_t)cap);
    return RET_I32((int32_t)strlen(answer));
}
STUB(stub_reply) { UNUSED_ARGS; H.replies++; return RET_I32(H.replies == 1 ? 0 : WASP_ENOREPLY); }
STUB(stub_sender) { UNUSED_ARGS; return put_name(caller, "outside-friend", a[0].of.i32, a[1].of.i32, res); }
STUB(stub_topic) { UNUSED_ARGS; return put_name(caller, "", a[0].of.i32, a[1].of.i32, res); }
STUB(stub_self) { UNUSED_ARGS; return put_name(caller, "probe.3", a[0].of.i32, a[1].of.i32, res); }
STUB(stub_send_after) { UNUSED_ARGS; return a[4].of.i32 == 5 ? RET_I32(0) : RET_I32(WASP_EINVAL); }
STUB(stub_log) {
    UNUSED_ARGS;
    if (H.nlog >= 64) return NULL;
    char text[1024];
    wasm_trap_t *t = guest_str(caller, a[1].of.i32, a[2].of.i32, text, sizeof text);
    if (t) return t;
    snprintf(H.log[H.nlog++], sizeof H.log[0], "%d %s", a[0].of.i32, text);
    return NULL;
}
STUB(stub_now_ms) {
    UNUSED_ARGS;
    res[0].kind = WASMTIME_I64;
    res[0].of.i64 = 123456789012LL;
    return NULL;
}

STUB(stub_inbox) {
    UNUSED_ARGS;
    size_t size;
    uint8_t *mem = memory_of(caller, &size);
    if (!mem || (size_t)(uint32_t)a[0].of.i32 + (uint32_t)a[1].of.i32 > size) return wasmtime_trap_new("out of bounds", 13);
    H.inbox_ptr = a[0].of.i32;
    H.inbox_cap = a[1].of.i32;
    H.inboxes++;
    return RET_I32(0);
}

STUB(stub_next_message) {
    UNUSED_ARGS;
    size_t size;
    uint8_t *mem = memory_of(caller, &size);
    uint32_t buf = (uint32_t)a[1].of.i32, cap = (uint32_t)a[2].of.i32;
    if (!mem || (size_t)buf + cap > size) return wasmtime_trap_new("out of bounds", 13);
    H.nexts++;
    if (H.taken == H.nqueued || strlen(H.queued[H.taken]) > cap) return RET_I32(-1);
    H.ended_with[H.taken] = a[0].of.i32;
    const char *m = H.queued[H.taken++];
    memcpy(mem + buf, m, strlen(m));
    return RET_I32((int32_t)strlen(m));
}

/* As the host: the guest ends itself, through a trap raised by the host. */
STUB(stub_crash) {
    UNUSED_ARGS;
    wasm_trap_t *t = guest_str(caller, a[0].of.i32, a[1].of.i32, H.crash_reason, sizeof H.crash_reason);
    H.crashes++;
    return t ? t : wasmtime_trap_new("crashed", 7);
}

static const struct {
    const char *name;
    wasmtime_func_callback_t fn;
} stubs[] = {
    {"send", stub_send},     {"publish", stub_publish},     {"subscribe", stub_subscribe},
    {"unsubscribe", stub_unsubscribe}, {"call", stub_call}, {"reply", stub_reply},
    {"sender", stub_sender}, {"topic", stub_topic},         {"self", stub_self},
    {"send_after", stub_send_after}, {"log", stub_log},     {"now_ms", stub_now_ms},
    {"inbox", stub_inbox},   {"next_message", stub_next_message}, {"crash", stub_crash},
};

struct guest {
    wasm_engine_t *engine;
    wasmtime_store_t *store;
    wasmtime_context_t *cx;
    wasmtime_module_t *module;
    wasmtime_instance_t inst;
    wasmtime_memory_t memory;
};

static void check_error(wasmtime_error_t *e, const char *what) {
    if (!e) return;
    wasm_name_t msg;
    wasmtime_error_message(e, &msg);
    fail_msg("%s: %.*s", what, (int)msg.size, msg.data);
}

static bool get_func(struct guest *g, const char *name, wasmtime_func_t *f) {
    wasmtime_extern_t item;
    if (!wasmtime_instance_export_get(g->cx, &g->inst, name, strlen(name), &item)) return false;
    if (item.kind != WASMTIME_EXTERN_FUNC) return false;
    *f = item.of.func;
    return true;
}

/* Calls an export; returns its i32 result (0 for none), -1000 on a trap. */
static int32_t call(struct guest *g, const char *name, const int32_t *args, size_t nargs) {
    wasmtime_func_t f;
    if (!get_func(g, name, &f)) fail_msg("export %s missing", name);
    wasmtime_val_t in[4], out[1];
    for (size_t i = 0; i < nargs; i++) in[i].kind = WASMTIME_I32, in[i].of.i32 = args[i];
    wasm_trap_t *trap = NULL;
    wasm_functype_t *ft = wasmtime_func_type(g->cx, &f);
    size_t nres = wasm_functype_results(ft)->size;
    wasm_functype_delete(ft);
    wasmtime_error_t *e = wasmtime_func_call(g->cx, &f, in, nargs, out, nres, &trap);
    if (e && H.crashes) { /* the trap of stub_crash, a host function's, comes back as an error */
        wasmtime_error_delete(e);
        return -1000;
    }
    check_error(e, name);
    if (trap) {
        wasm_trap_delete(trap);
        return -1000;
    }
    return nres ? out[0].of.i32 : 0;
}

static void guest_open(struct guest *g, const char *file, bool wasi) {
    memset(&H, 0, sizeof H);
    memset(g, 0, sizeof *g);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", WASP_TEST_GUEST_DIR, file);
    size_t len;
    uint8_t *bytes = tu_read_file(path, &len);
    if (!bytes) fail_msg("cannot read %s", path);
    g->engine = wasm_engine_new();
    check_error(wasmtime_module_new(g->engine, bytes, len, &g->module), path);
    free(bytes);
    g->store = wasmtime_store_new(g->engine, NULL, NULL);
    g->cx = wasmtime_store_context(g->store);
    wasmtime_linker_t *linker = wasmtime_linker_new(g->engine);
    for (size_t i = 0; i < sizeof stubs / sizeof stubs[0]; i++) {
        const char *sig = NULL;
        for (size_t k = 0; k < wasp__abi_nimports; k++)
            if (!strcmp(wasp__abi_imports[k].name, stubs[i].name)) sig = wasp__abi_imports[k].sig;
        assert_non_null(sig);
        wasm_functype_t *ft = wasp__abi_functype_new(sig);
        check_error(wasmtime_linker_define_func(linker, "wasp", 4, stubs[i].name, strlen(stubs[i].name), ft,
                                                stubs[i].fn, NULL, NULL),
                    stubs[i].name);
        wasm_functype_delete(ft);
    }
    if (wasi) {
        check_error(wasmtime_linker_define_wasi(linker), "define wasi");
        wasi_config_t *wc = wasi_config_new();
        check_error(wasmtime_context_set_wasi(g->cx, wc), "set wasi");
    }
    wasm_trap_t *trap = NULL;
    check_error(wasmtime_linker_instantiate(linker, g->cx, g->module, &g->inst, &trap), "instantiate");
    assert_null(trap);
    wasmtime_linker_delete(linker);
    wasmtime_extern_t item;
    assert_true(wasmtime_instance_export_get(g->cx, &g->inst, "memory", 6, &item));
    g->memory = item.of.memory;
    wasmtime_func_t f;
    if (get_func(g, "_initialize", &f)) call(g, "_initialize", NULL, 0);
}

static void guest_close(struct guest *g) {
    wasmtime_module_delete(g->module);
    wasmtime_store_delete(g->store);
    wasm_engine_delete(g->engine);
}

/* Delivers one message the way the host does: into the inbox when it fits,
 * else wasp_alloc; copy; handle-message. */
static int32_t deliver(struct guest *g, const void *msg, size_t len) {
    int32_t size = (int32_t)len, ptr = H.inbox_ptr;
    if (!H.inbox_cap || len > (size_t)H.inbox_cap) {
        ptr = call(g, "wasp_alloc", &size, 1);
        H.allocs++;
    }
    assert_true(ptr > 0);
    uint8_t *mem = wasmtime_memory_data(g->cx, &g->memory);
    assert_true((size_t)ptr + len <= wasmtime_memory_data_size(g->cx, &g->memory));
    memcpy(mem + ptr, msg, len);
    int32_t args[2] = {ptr, size};
    return call(g, "handle-message", args, 2);
}

static int32_t deliver_str(struct guest *g, const char *s) { return deliver(g, s, strlen(s)); }

static bool logged(const char *line) {
    for (int i = 0; i < H.nlog; i++)
        if (!strcmp(H.log[i], line)) return true;
    print_error("not logged: \"%s\"; the log has:\n", line);
    for (int i = 0; i < H.nlog; i++) print_error("  %s\n", H.log[i]);
    return false;
}

static void probe(bool wasi) {
    tu_signals_restore(); /* Wasmtime's trap handlers, not cmocka's */
    struct guest g;
    guest_open(&g, wasi ? "wasi_sdk_probe.wasm" : "sdk_probe.wasm", wasi);

    assert_int_equal(call(&g, "_health", NULL, 0), 2); /* not started yet: unhealthy */
    call(&g, "_start", NULL, 0);
    assert_true(logged("2 started"));
    assert_int_equal(call(&g, "_health", NULL, 0), 1);

    assert_int_equal(deliver_str(&g, "fmt"), 0);
    /* the default wasp_alloc registered its buffer as the inbox (one spare byte for the NUL) */
    assert_int_equal(H.inboxes, 1);
    assert_int_equal(H.allocs, 1);
    assert_int_equal(H.inbox_cap, 255);
    assert_true(logged("2 -42|   42|42   |-0042|ff|str|abc|z|-1234567890123|7|%|4000000000|0|xy|(null)"));
    assert_true(logged("2 small=trunc n=5"));

    /* the message is NUL-terminated, also after a longer one left bytes behind */
    assert_int_equal(deliver_str(&g, "nul-with-a-long-tail-xxxxxxxxxxxxxxxx"), 0);
    assert_int_equal(deliver_str(&g, "nul"), 0);
    assert_true(logged("2 nul ok"));
    for (int i = 0; i < H.nlog; i++) assert_string_not_equal(H.log[i], "2 nul missing");

    assert_int_equal(deliver_str(&g, "names"), 0);
    assert_true(logged("2 sender=outside-friend self=probe.3 topic="));

    assert_int_equal(deliver_str(&g, "call"), 0);
    assert_true(logged("2 call n=13 out=a long ")); /* truncated to cap - 1 = 7 bytes */

    assert_int_equal(deliver_str(&g, "imports"), 0);
    assert_true(logged("2 send=0"));
    assert_string_equal(H.last_send_to, "peer");
    assert_string_equal(H.last_send_msg, "hello");
    assert_true(logged("2 publish=3"));
    assert_true(logged("2 subscribe=0"));
    assert_true(logged("2 unsubscribe=-1"));
    assert_true(logged("2 send_after=0"));
    assert_true(logged("2 reply=0"));
    assert_true(logged("2 now=123456789012"));
    assert_true(logged("0 t") && logged("1 d") && logged("3 w") && logged("4 e"));

    assert_int_equal(deliver_str(&g, "parse"), 0);
    assert_true(logged("2 parse 123/3 -77/3 0/0 WASP_ETIMEDOUT"));

    assert_int_equal(deliver_str(&g, "malloc"), 0);
    assert_true(logged("2 malloc ok"));

    /* Messages queued behind one are handled in the same call, each ended
     * with its own handler's result; the last one's is handle-message's. */
    H.queued[0] = "unknown";
    H.queued[1] = "nul";
    H.nqueued = 2;
    H.taken = H.nexts = 0;
    H.nlog = 0;
    assert_int_equal(deliver_str(&g, "parse"), 0);
    assert_int_equal(H.taken, 2);
    assert_int_equal(H.nexts, 3); /* the third found nothing */
    assert_int_equal(H.ended_with[0], 0); /* "parse" */
    assert_int_equal(H.ended_with[1], 7); /* "unknown": a handler error */
    assert_true(logged("2 parse 123/3 -77/3 0/0 WASP_ETIMEDOUT"));
    assert_true(logged("2 nul ok")); /* NUL-terminated in the buffer, like the first */
    H.nqueued = H.taken = 0;

    assert_int_equal(deliver_str(&g, "unknown"), 7); /* a handler error */
    assert_int_equal(deliver(&g, "", 0), 7);          /* an empty message */

    /* Receiving forever does not leak: memory settles. */
    static char big[100000];
    memset(big, 'x', sizeof big);
    H.nlog = 0;
    deliver(&g, big, sizeof big);
    uint64_t pages = wasmtime_memory_size(g.cx, &g.memory);
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)(i * 37) % sizeof big;
        H.nlog = 0;
        assert_int_equal(deliver(&g, big, len), 7);
    }
    assert_int_equal(wasmtime_memory_size(g.cx, &g.memory), pages);
    /* the buffer grew to fit 100,000 bytes: no wasp_alloc since */
    assert_true(H.inbox_cap >= (int32_t)sizeof big);
    assert_true(H.inboxes <= 12 && H.allocs <= 12);

    call(&g, "_cleanup", NULL, 0);
    assert_true(logged("2 cleanup"));
    assert_int_equal(deliver_str(&g, "trap"), -1000);
    assert_int_equal(H.crashes, 0); /* a trap instruction, not the import */
    guest_close(&g);
}

/* wasp_crash, wasp_crashf, abort() and a failed assertion (WASP_ASSERT, or
 * with wasi-libc its assert()) end the guest through the import `crash`,
 * with their reason. Each ends its instance: a fresh one per case. */
static void probe_crash(bool wasi, const char *msg, const char *reason) {
    tu_signals_restore();
    struct guest g;
    guest_open(&g, wasi ? "wasi_sdk_probe.wasm" : "sdk_probe.wasm", wasi);
    int32_t rc = deliver_str(&g, msg);
    if (rc != -1000 || H.crashes != 1) fail_msg("%s: result %d, %d crashes", msg, rc, H.crashes);
    if (!strstr(H.crash_reason, reason)) fail_msg("%s: reason \"%s\" lacks \"%s\"", msg, H.crash_reason, reason);
    guest_close(&g);
}

static void probe_crashes(bool wasi) {
    probe_crash(wasi, "crash", "out of widgets");
    probe_crash(wasi, "crashf", "3 widgets short");
    probe_crash(wasi, "abort", "abort()");
    probe_crash(wasi, "assert", "len == 3");
    probe_crash(wasi, "assert", "sdk_probe.c:");
}

static void sdk_crash_freestanding(void **state) {
    (void)state;
    probe_crashes(false);
}

static void sdk_crash_wasi(void **state) {
    (void)state;
    probe_crashes(true);
}

static void sdk_freestanding(void **state) {
    (void)state;
    probe(false);
}

static void sdk_wasi(void **state) {
    (void)state;
    probe(true);
}

/* The wasi build answers through printf and getenv. */
static void sdk_wasi_hello(void **state) {
    (void)state;
    tu_signals_restore();
    struct guest g;
    guest_open(&g, "wasi_hello.wasm", true);
    call(&g, "_start", NULL, 0);
    assert_int_equal(deliver_str(&g, "world"), 0);
    guest_close(&g);
}

/* Every component the build made satisfies the ABI check of the host. */
static void check_dir(wasm_engine_t *engine, const char *dir, int *checked) {
    DIR *d = opendir(dir);
    if (!d) fail_msg("cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] == '.') continue;
        if (n < 5 || strcmp(e->d_name + n - 5, ".wasm")) {
            struct stat st;
            /* cm/: the same guests as components (tests/component/test_cm_actors.c);
             * cm_core/: the modules inside components, before wrapping */
            if (!stat(path, &st) && S_ISDIR(st.st_mode) && strcmp(e->d_name, "CMakeFiles") && strcmp(e->d_name, "cm") &&
                strcmp(e->d_name, "cm_core"))
                check_dir(engine, path, checked);
            continue;
        }
        size_t len;
        uint8_t *bytes = tu_read_file(path, &len);
        assert_non_null(bytes);
        if (len >= 8 && bytes[6] == 1) { /* a component: tests/component/test_cm_actors.c */
            free(bytes);
            continue;
        }
        wasmtime_module_t *m = NULL;
        check_error(wasmtime_module_new(engine, bytes, len, &m), path);
        free(bytes);
        struct wasp_abi_info info;
        struct wasp_error err;
        if (wasp__abi_check(m, &info, &err) != WASP_OK) fail_msg("%s: %s", path, err.msg);
        if (!info.receives) fail_msg("%s does not receive messages", path);
        bool wasi = !strncmp(e->d_name, "wasi_", 5);
        if (info.imports_wasi && !wasi) fail_msg("%s: imports WASI", path);
        if (info.has_initialize != wasi) fail_msg("%s: _initialize: %d", path, info.has_initialize);
        wasmtime_module_delete(m);
        (*checked)++;
    }
    closedir(d);
}

static void sdk_components_pass_abi_check(void **state) {
    (void)state;
    wasm_engine_t *engine = wasm_engine_new();
    int checked = 0;
    check_dir(engine, WASP_TEST_GUEST_DIR, &checked);
    check_dir(engine, WASP_EXAMPLES_DIR, &checked);
    print_message("%d components pass the ABI check\n", checked);
    assert_true(checked >= 20);
    wasm_engine_delete(engine);
}

int main(void) {
    wasm_engine_t *e = wasm_engine_new(); /* installs Wasmtime's signal handlers */
    tu_signals_save();
    wasm_engine_delete(e);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sdk_freestanding),
        cmocka_unit_test(sdk_wasi),
        cmocka_unit_test(sdk_wasi_hello),
        cmocka_unit_test(sdk_crash_freestanding),
        cmocka_unit_test(sdk_crash_wasi),
        cmocka_unit_test(sdk_components_pass_abi_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
