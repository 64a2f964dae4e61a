/* Component Model components (world wasp:actor, wit/actor.wit) as actors:
 * the C test guests built as components (tests/guest/cm/), beside core
 * modules in one system - every import, request/reply both ways between a
 * component and a module, lifecycle hooks, WASI not granted, garbage bytes.
 * The hostile cases run on both builds in test_hostile_builds.c. */
#include <unistd.h>

#include "comp_helpers.h"

#define CM_GUEST(name) WASP_GUESTS "/cm/" name ".wasm"
#define CORE_GUEST(name) WASP_GUESTS "/" name ".wasm"

/* Log lines of the system, kept for assertions. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_lines[256][600];
static int nlog;

static void keep_log(void *arg, int level, const char *actor, const char *text) {
    (void)arg, (void)level;
    pthread_mutex_lock(&log_mu);
    if (nlog < 256) snprintf(log_lines[nlog++], sizeof(log_lines[0]), "%s: %s", actor ? actor : "-", text);
    pthread_mutex_unlock(&log_mu);
}

static bool logged(const char *line) {
    pthread_mutex_lock(&log_mu);
    bool found = false;
    for (int i = 0; i < nlog && !found; i++) found = strcmp(log_lines[i], line) == 0;
    pthread_mutex_unlock(&log_mu);
    return found;
}

static void dump_log(void) {
    for (int i = 0; i < nlog; i++) fprintf(stderr, "  log: %s\n", log_lines[i]);
}

static void wait_logged(const char *line) {
    if (!TU_WAIT_UNTIL(logged(line), 5000)) {
        dump_log();
        fail_msg("never logged: %s", line);
    }
}

static struct world world_logged(void) {
    struct world w = world_new(2);
    nlog = 0;
    wasp_system_set_log(w.sys, WASP_LOG_TRACE, keep_log, NULL);
    return w;
}

static wasp_component_spec cm_spec(const char *name, const char *path) {
    wasp_component_spec s = {.name = name, .wasm_path = path};
    return s;
}

static void cm_echo_replies(void **state) {
    (void)state;
    struct world w = world_new(2);
    wasp_component_spec s = cm_spec("echo", CM_GUEST("echo"));
    wasp_aid id = comp_spawn(&w, &s);
    char out[64];
    assert_int_equal(comp_ask(&w, "echo", "abc", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "abc");
    /* 64 KiB, the default max_message: bytes cross intact. */
    char *big = malloc(65536 + 1);
    for (int i = 0; i < 65536; i++) big[i] = (char)('a' + i % 26);
    big[65536] = 0;
    void *reply = NULL;
    size_t len = 0;
    assert_int_equal(wasp_ask_name(w.sys, "echo", big, 65536, 5000000000ull, &reply, &len), WASP_OK);
    assert_int_equal(len, 65536);
    assert_memory_equal(reply, big, 65536);
    free(reply);
    free(big);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).handled == 2, 3000));
    world_free(&w);
}

static void cm_inspect_reports_kind_and_world(void **state) {
    (void)state;
    struct world w = world_new(1);
    char *dir = tu_tempdir();
    char path[4200];
    snprintf(path, sizeof(path), "%s/inspect.txt", dir);
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    assert_int_equal(wasp_wasm_inspect(w.wasm, CM_GUEST("counter"), f), WASP_OK);
    assert_int_equal(wasp_wasm_inspect(w.wasm, CORE_GUEST("counter"), f), WASP_OK);
    fclose(f);
    size_t len = 0;
    char *text = (char *)tu_read_file(path, &len);
    assert_non_null(strstr(text, "kind: component"));
    assert_non_null(strstr(text, "world: wasp:actor/supervised-actor@1.0.0"));
    assert_non_null(strstr(text, "import wasp:actor/host@1.0.0"));
    assert_non_null(strstr(text, "export handle-message"));
    assert_non_null(strstr(text, "kind: core module"));
    free(text);
    tu_rmtree(dir);
    free(dir);
    world_free(&w);
}

/* sdk_probe exercises every import; a core-module echo named svc answers
 * its `call`, a native probe receives its send. */
static void cm_every_import_and_a_module_peer(void **state) {
    (void)state;
    struct world w = world_logged();
    probe_spawn(w.sys);
    wasp_component_spec svc = cm_spec("svc", CORE_GUEST("echo"));
    comp_spawn(&w, &svc);
    static const char *const sends[] = {"peer", "svc", "probe"}, *const topics[] = {"a.>"};
    wasp_component_spec s = cm_spec("cmp", CM_GUEST("sdk_probe"));
    s.limits.memory = 64 << 20; /* the malloc check holds ~30 MiB at once */
    s.permissions.send = sends;
    s.permissions.nsend = 3;
    s.permissions.publish = topics;
    s.permissions.npublish = 1;
    s.permissions.subscribe = topics;
    s.permissions.nsubscribe = 1;
    comp_spawn(&w, &s);
    wait_logged("cmp: started");

    assert_int_equal(wasp_send_name(w.sys, "cmp", "imports", 7), WASP_OK);
    wait_logged("cmp: e");
    assert_true(logged("cmp: send=-1"));      /* ENOENT: no actor named peer */
    assert_true(logged("cmp: publish=0"));    /* no subscriber */
    assert_true(logged("cmp: subscribe=0"));
    assert_true(logged("cmp: unsubscribe=0"));
    assert_true(logged("cmp: send_after=0"));  /* the name is resolved when the timer fires */
    assert_true(logged("cmp: reply=-7"));     /* ENOREPLY: not a request */
    assert_true(logged("cmp: w"));

    /* call suspends only the component; the module answers it */
    assert_int_equal(wasp_send_name(w.sys, "cmp", "call", 4), WASP_OK);
    wait_logged("cmp: call n=8 out=questio");

    assert_int_equal(wasp_send_name(w.sys, "cmp", "names", 5), WASP_OK);
    wait_logged("cmp: sender= self=cmp topic=");

    /* the message is NUL-terminated for C, as with the core ABI */
    assert_int_equal(wasp_send_name(w.sys, "cmp", "nul-x", 5), WASP_OK);
    wait_logged("cmp: nul ok");
    assert_int_equal(wasp_send_name(w.sys, "cmp", "malloc", 6), WASP_OK);
    wait_logged("cmp: malloc ok");
    world_free(&w);
}

/* A module calls a component: cross-ABI request/reply by name. */
static void cm_module_calls_component(void **state) {
    (void)state;
    struct world w = world_logged();
    wasp_component_spec svc = cm_spec("svc", CM_GUEST("echo"));
    comp_spawn(&w, &svc);
    static const char *const sends[] = {"svc"};
    wasp_component_spec s = cm_spec("mod", CORE_GUEST("sdk_probe"));
    s.permissions.send = sends;
    s.permissions.nsend = 1;
    comp_spawn(&w, &s);
    assert_int_equal(wasp_send_name(w.sys, "mod", "call", 4), WASP_OK);
    wait_logged("mod: call n=8 out=questio");
    world_free(&w);
}

/* Lifecycle: start runs before the first message, check-health answers
 * the supervisor, cleanup runs on a graceful stop. */
static void cm_lifecycle_hooks(void **state) {
    (void)state;
    struct world w = world_logged();
    wasp_component_spec s = cm_spec("life", CM_GUEST("counter"));
    s.health.interval_ns = 20000000ull;
    wasp_supervisor *sup = comp_supervise(&w, &s);
    char out[16];
    assert_int_equal(comp_ask(&w, "life", "one", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "1");
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w.sys, "life", &id), WASP_OK);
    usleep(200000); /* several health periods: a healthy child is left alone */
    assert_int_equal(comp_stats(&w, id).restarts, 0);
    wasp_system_stop(w.sys);
    wait_logged("life: stopping after 1 messages");
    world_free(&w);
    wasp_supervisor_destroy(sup);
}

/* A component that imports WASI is refused without a WASI grant (never an
 * abort inside Wasmtime), and runs with one. */
static void cm_wasi_needs_a_grant(void **state) {
    (void)state;
    struct world w = world_new(1);
    wasp_component_spec s = cm_spec("files", CM_GUEST("wasi_files"));
    wasp_component *c = NULL;
    char err[512];
    assert_int_equal(wasp_component_load(w.wasm, &s, &c, err, sizeof(err)), WASP_ELINK);
    assert_non_null(strstr(err, "WASI is not granted"));
    s.name = "files2";
    s.permissions.wasi = true;
    wasp_aid id = comp_spawn(&w, &s);
    assert_int_equal(comp_stats(&w, id).state, WASP_STATE_READY);
    world_free(&w);
}

/* Bytes that are neither a valid component nor a module of the ABI. */
static void cm_garbage_component_is_an_error(void **state) {
    (void)state;
    struct world w = world_new(1);
    static const uint8_t junk[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 0xff, 0xff, 0xff};
    wasp_component_spec s = {.name = "junk", .wasm = junk, .wasm_len = sizeof(junk)};
    wasp_component *c = NULL;
    char err[512];
    assert_int_equal(wasp_component_load(w.wasm, &s, &c, err, sizeof(err)), WASP_ECOMPILE);
    assert_non_null(strstr(err, "not a valid WebAssembly component"));
    world_free(&w);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cm_echo_replies),
        cmocka_unit_test(cm_inspect_reports_kind_and_world),
        cmocka_unit_test(cm_every_import_and_a_module_peer),
        cmocka_unit_test(cm_module_calls_component),
        cmocka_unit_test(cm_lifecycle_hooks),
        cmocka_unit_test(cm_wasi_needs_a_grant),
        cmocka_unit_test(cm_garbage_component_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
