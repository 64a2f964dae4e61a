/* Hostile WASI guests (tests/guest/wasi_hostile.c), each case both as a
 * core module (WASI preview 1) and as a component (WASI 0.2 through the
 * adapter): a sleep or a FIFO that never opens parks the actor, not the
 * (only) worker, is cut at max_handle_time and does not delay a stop;
 * opening files past limits.files is a contained crash; `call` in the
 * start hook is EPERM; memory_bytes counts a component's memories. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "comp_helpers.h"

static const char *const kinds[] = {WASP_GUESTS "/wasi_hostile.wasm", WASP_GUESTS "/cm/wasi_hostile.wasm"};

struct pending {
    atomic_bool done;
    int status;
    char text[64];
};

static void on_reply(void *arg, int status, const void *data, size_t len) {
    struct pending *p = arg;
    p->status = status;
    if (status == WASP_OK) snprintf(p->text, sizeof(p->text), "%.*s", (int)len, (const char *)data);
    atomic_store(&p->done, true);
}

static void ask_async(wasp_system *sys, const char *to, const char *text, struct pending *p) {
    wasp_send_opts o = {.to_name = to, .data = text, .len = strlen(text)};
    atomic_init(&p->done, false);
    assert_int_equal(wasp_ask_cb(sys, &o, 0, on_reply, p), WASP_OK);
}

/* A directory with a file `file` ("hello") and a FIFO `fifo`, granted as /d. */
static wasp_wasi_dir dir_grant[1];

static wasp_component_spec hostile_spec(int kind, const char *dir) {
    wasp_component_spec s = {.name = "h", .wasm_path = kinds[kind]};
    s.permissions.wasi = true;
    if (dir) {
        dir_grant[0] = (wasp_wasi_dir){dir, "/d", false};
        s.permissions.wasi_dirs = dir_grant;
        s.permissions.nwasi_dirs = 1;
    }
    return s;
}

static char *make_dir(void) {
    char *dir = tu_tempdir(), path[512];
    snprintf(path, sizeof(path), "%s/file", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("hello", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    return dir;
}

/* Lets a reader blocked opening the FIFO go (the thread WASI ran it on). */
static void release_fifo(const char *dir) {
    char path[512];
    snprintf(path, sizeof(path), "%s/fifo", dir);
    int fd = open(path, O_WRONLY | O_NONBLOCK);
    if (fd >= 0) close(fd);
}

/* The component under a supervisor (restarted after a crash); its id. */
static wasp_supervisor *g_sup;

static wasp_aid supervise(struct world *w, wasp_component_spec *s) {
    g_sup = comp_supervise(w, s);
    wasp_aid id = 0;
    assert_int_equal(wasp_lookup(w->sys, s->name, &id), WASP_OK);
    return id;
}

static void done_with_dir(struct world *w, char *dir) {
    world_free(w);
    if (g_sup) wasp_supervisor_destroy(g_sup);
    g_sup = NULL;
    release_fifo(dir);
    tu_rmtree(dir);
    free(dir);
}

static wasp_component_info info_of(struct world *w, wasp_aid id) {
    wasp_component_info info;
    assert_int_equal(wasp_component_info_get(w->wasm, id, &info), WASP_OK);
    return info;
}

/* Twenty echoes answered while the hostile request is still pending: the
 * only worker is free. */
static void worker_is_free(struct world *w, struct pending *p) {
    char out[32];
    for (int i = 0; i < 20; i++) assert_int_equal(comp_ask(w, "echo", "still here", out, sizeof(out)), WASP_OK);
    assert_false(atomic_load(&p->done));
}

static struct world one_worker_with_echo(void) {
    struct world w = world_new(1);
    wasp_component_spec e = comp_spec("echo", "comp_echo.wasm");
    comp_spawn(&w, &e);
    return w;
}

static void sleep_parks(int kind) {
    struct world w = one_worker_with_echo();
    wasp_component_spec s = hostile_spec(kind, NULL);
    s.limits.max_handle_ns = 60000000000ull;
    wasp_aid id = comp_spawn(&w, &s);
    struct pending p;
    ask_async(w.sys, "h", "sleep 3000", &p);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).mailbox_len == 0, 3000)); /* it took the request */
    worker_is_free(&w, &p);
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.done), 20000));
    assert_int_equal(p.status, WASP_OK);
    assert_string_equal(p.text, "slept");
    assert_int_equal(comp_stats(&w, id).crashes, 0);
    world_free(&w);
}

static void core_sleep_parks(void **state) { (void)state, sleep_parks(0); }
static void cm_sleep_parks(void **state) { (void)state, sleep_parks(1); }

/* A component's WASI 0.2 sleep past max_handle_time ends at the budget. */
static void cm_sleep_past_budget_crashes(void **state) {
    (void)state;
    struct world w = world_new(1);
    wasp_component_spec s = hostile_spec(1, NULL);
    s.limits.max_handle_ns = 200000000ull; /* 200 ms */
    wasp_aid id = comp_spawn(&w, &s);
    struct pending p;
    ask_async(w.sys, "h", "sleep 600000", &p); /* ten minutes */
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).crashes == 1, 10000));
    assert_non_null(strstr(info_of(&w, id).last_error, "time budget"));
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.done), 5000));
    assert_int_not_equal(p.status, WASP_OK);
    world_free(&w);
}

/* A stop does not wait for a component's sleep. */
static void cm_stop_while_sleeping(void **state) {
    (void)state;
    struct world w = world_new(1);
    wasp_component_spec s = hostile_spec(1, NULL);
    s.limits.max_handle_ns = 3600000000000ull; /* an hour */
    wasp_aid id = comp_spawn(&w, &s);
    struct pending p;
    ask_async(w.sys, "h", "sleep 3000000", &p);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).mailbox_len == 0, 3000));
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK); /* returns once it has terminated */
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.done), 5000));
    world_free(&w);
}

/* Opening a FIFO nobody writes blocks in open(2): the actor parks, the
 * worker serves others, and a stop does not wait for the open. */
static void fifo_holds_no_worker(int kind) {
    char *dir = make_dir();
    struct world w = one_worker_with_echo();
    wasp_component_spec s = hostile_spec(kind, dir);
    s.limits.max_handle_ns = 3600000000000ull; /* an hour */
    wasp_aid id = comp_spawn(&w, &s);
    struct pending p;
    ask_async(w.sys, "h", "read /d/fifo", &p);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).mailbox_len == 0, 3000));
    worker_is_free(&w, &p);
    assert_int_equal(wasp_actor_stop(w.sys, id), WASP_OK);
    assert_true(TU_WAIT_UNTIL(atomic_load(&p.done), 5000));
    done_with_dir(&w, dir);
}

static void core_fifo_holds_no_worker(void **state) { (void)state, fifo_holds_no_worker(0); }
static void cm_fifo_holds_no_worker(void **state) { (void)state, fifo_holds_no_worker(1); }

/* ... and past max_handle_time the request is a crash, the next one runs. */
static void fifo_read_hits_the_budget(int kind) {
    char *dir = make_dir();
    struct world w = world_new(1);
    wasp_component_spec s = hostile_spec(kind, dir);
    s.limits.max_handle_ns = 300000000ull; /* 300 ms */
    wasp_aid id = supervise(&w, &s);
    char out[64];
    assert_int_not_equal(comp_ask(&w, "h", "read /d/fifo", out, sizeof(out)), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).crashes == 1, 5000));
    assert_non_null(strstr(info_of(&w, id).last_error, "waiting in WASI"));
    assert_true(TU_WAIT_UNTIL(comp_ask(&w, "h", "read /d/file", out, sizeof(out)) == WASP_OK, 5000));
    assert_string_equal(out, "hello");
    done_with_dir(&w, dir);
}

static void core_fifo_read_hits_the_budget(void **state) { (void)state, fifo_read_hits_the_budget(0); }
static void cm_fifo_read_hits_the_budget(void **state) { (void)state, fifo_read_hits_the_budget(1); }

/* Descriptors past limits.files: a contained crash that names the limit;
 * below it, files open and close as usual. */
static void file_flood_is_capped(int kind) {
    char *dir = make_dir();
    struct world w = world_new(1);
    wasp_component_spec s = hostile_spec(kind, dir);
    s.limits.files = 16;
    wasp_aid id = supervise(&w, &s);
    char out[64];
    assert_int_equal(comp_ask(&w, "h", "open 8 /d/file", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "opened 8 errno 0");
    assert_int_equal(comp_ask(&w, "h", "close", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "closed 8");
    assert_int_not_equal(comp_ask(&w, "h", "open 4000 /d/file", out, sizeof(out)), WASP_OK);
    assert_true(TU_WAIT_UNTIL(comp_stats(&w, id).crashes == 1, 5000));
    assert_non_null(strstr(info_of(&w, id).last_error, "limits.files"));
    /* Restarted with a fresh WASI context: its descriptors were let go. */
    assert_true(TU_WAIT_UNTIL(comp_ask(&w, "h", "open 8 /d/file", out, sizeof(out)) == WASP_OK, 5000));
    assert_string_equal(out, "opened 8 errno 0");
    done_with_dir(&w, dir);
}

static void core_file_flood_is_capped(void **state) { (void)state, file_flood_is_capped(0); }
static void cm_file_flood_is_capped(void **state) { (void)state, file_flood_is_capped(1); }

/* `call` in the start hook is refused (EPERM), as for a core module's _start. */
static void call_in_start_is_eperm(int kind) {
    struct world w = world_new(1);
    wasp_component_spec s = hostile_spec(kind, NULL);
    static const char *const may_send[] = {"wasi_hostile_peer"};
    s.permissions.send = may_send;
    s.permissions.nsend = 1;
    comp_spawn(&w, &s);
    char out[16];
    assert_int_equal(comp_ask(&w, "h", "start", out, sizeof(out)), WASP_OK);
    assert_string_equal(out, "-3");
    world_free(&w);
}

static void core_call_in_start_is_eperm(void **state) { (void)state, call_in_start_is_eperm(0); }
static void cm_call_in_start_is_eperm(void **state) { (void)state, call_in_start_is_eperm(1); }

/* memory_bytes of a component counts its memories (its own and the
 * adapter's), not 0. */
static void cm_memory_bytes_counts_the_component(void **state) {
    (void)state;
    struct world w = world_new(1);
    wasp_component_spec s = hostile_spec(1, NULL);
    wasp_aid id = comp_spawn(&w, &s);
    char out[16];
    assert_int_equal(comp_ask(&w, "h", "start", out, sizeof(out)), WASP_OK);
    assert_true(info_of(&w, id).memory_bytes >= 2 * 65536);
    world_free(&w);
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_sleep_parks),
        cmocka_unit_test(cm_sleep_parks),
        cmocka_unit_test(cm_sleep_past_budget_crashes),
        cmocka_unit_test(cm_stop_while_sleeping),
        cmocka_unit_test(core_fifo_holds_no_worker),
        cmocka_unit_test(cm_fifo_holds_no_worker),
        cmocka_unit_test(core_fifo_read_hits_the_budget),
        cmocka_unit_test(cm_fifo_read_hits_the_budget),
        cmocka_unit_test(core_file_flood_is_capped),
        cmocka_unit_test(cm_file_flood_is_capped),
        cmocka_unit_test(core_call_in_start_is_eperm),
        cmocka_unit_test(cm_call_in_start_is_eperm),
        cmocka_unit_test(cm_memory_bytes_counts_the_component),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
