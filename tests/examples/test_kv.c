/* test_kv.c - the kv example keeps its data across a crash, a kill -9 of
 * the host and an upgrade of its code (`wasp run --watch`), through the
 * real `wasp` binary; and a store file that is locked, corrupt or not a
 * wasp store stops `wasp run` with status 1 and a message naming it. */
#include "ex_helpers.h"

struct kvrun {
    char *dir;          /* a copy of the example (manifest + kv.wasm) and its data */
    char manifest[4096];
    char data[4096];
    char store[4200];
};

static void kvrun_new(struct kvrun *k) {
    k->dir = tu_tempdir();
    char wasm[4200];
    snprintf(wasm, sizeof(wasm), "%s/kv/kv.wasm", WASP_EXAMPLES_DIR);
    tu_copy_file(ex_manifest("kv"), k->dir, "wasp.yaml");
    tu_copy_file(wasm, k->dir, "kv.wasm");
    snprintf(k->manifest, sizeof(k->manifest), "%s/wasp.yaml", k->dir);
    snprintf(k->data, sizeof(k->data), "%s/data", k->dir);
    snprintf(k->store, sizeof(k->store), "%s/kv.kv", k->data);
}

static void kvrun_free(struct kvrun *k) {
    tu_rmtree(k->dir);
    free(k->dir);
}

#define ANY_STATUS (-99)

/* One run with these --send commands; returns its stderr (free it). */
static char *run(struct kvrun *k, const char *const *sends, const char *duration, int want_status) {
    const char *extra[32] = {"--data", k->data};
    int n = 2;
    for (; *sends && n < 30; sends++) extra[n++] = "--send", extra[n++] = *sends;
    extra[n] = NULL;
    ex_run_result r = ex_run(k->manifest, duration, extra, 60);
    if (want_status != ANY_STATUS && r.status != want_status)
        fprintf(stderr, "--- stderr ---\n%s\n", r.stderr_text ? r.stderr_text : "");
    if (want_status != ANY_STATUS) assert_int_equal(r.status, want_status);
    char *text = r.stderr_text;
    r.stderr_text = NULL;
    ex_run_free(&r);
    return text ? text : strdup("");
}

static void expect_in(const char *text, const char *want) {
    if (!strstr(text, want)) fail_msg("expected \"%s\" in:\n%s", want, text);
}

/* The `wasp run` started in the background by the running test, if any
 * (tracked: the teardown kills it, so a failed assertion leaves no process
 * behind). */
static pid_t background = -1;

static int kill_background(void **state) {
    (void)state;
    tu_kill_tracked();
    background = -1;
    return 0;
}

/* SIGTERM to the background run; its wait status in *st. */
static void stop_background(int *st) {
    kill(background, SIGTERM);
    waitpid(background, st, 0);
    background = -1;
}

/* Starts `wasp run` on the example in the background with these extra
 * arguments (NULL-terminated), its stderr going to k->dir/NAME. */
static void start_run(struct kvrun *k, const char *name, char *err_path, size_t cap, const char *const *extra) {
    snprintf(err_path, cap, "%s/%s", k->dir, name);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, 2);
        const char *argv[24] = {WASP_BIN, "run", k->manifest, "--data", k->data};
        for (int i = 0; extra[i] && i < 18; i++) argv[5 + i] = extra[i];
        execv(WASP_BIN, (char *const *)argv);
        _exit(127);
    }
    background = pid;
    tu_track(pid);
}

/* Waits (up to a minute: a hang guard, not a timing assertion) until the
 * file holds text; fails the test otherwise. */
static void wait_for(const char *path, const char *text) {
    char *have = NULL;
    for (int i = 0; i < 6000 && !(have && strstr(have, text)); i++) {
        free(have);
        tu_sleep_ms(10);
        have = ex_read_text(path);
    }
    if (!have || !strstr(have, text)) fail_msg("\"%s\" never appeared in:\n%s", text, have ? have : "");
    free(have);
}

static void test_survives_crash_and_restart(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    struct kvrun k;
    kvrun_new(&k);
    char *out = run(&k, (const char *const[]){"kv=put greeting hello", "kv=incr visits", "kv=incr visits", NULL},
                    "1s", 0);
    expect_in(out, "kv v1 ready, 0 keys stored");
    expect_in(out, "put greeting: ok");
    expect_in(out, "visits = 2");
    free(out);
    /* The host again, on the same data: a crash in between restarts the
     * component with a fresh instance; the commands queued behind it wait. */
    out = run(&k, (const char *const[]){"kv=crash", "kv=get greeting", "kv=incr visits", "kv=list ", NULL}, "1s",
              0);
    expect_in(out, "kv v1 ready, 2 keys stored");
    expect_in(out, "greeting = hello");
    expect_in(out, "visits = 3");
    expect_in(out, "keys *: greeting visits");
    free(out);
    kvrun_free(&k);
}

static void test_survives_kill_9(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    struct kvrun k;
    kvrun_new(&k);
    char err_path[4200];
    start_run(&k, "stderr.txt", err_path, sizeof(err_path),
                          (const char *const[]){"--send", "kv=put k9 survived", "--send", "kv=incr n", NULL});
    /* "n = 1" is logged after both writes were acknowledged: flushed. */
    wait_for(err_path, "n = 1");
    kill(background, SIGKILL);
    int st;
    waitpid(background, &st, 0);
    background = -1;
    assert_true(WIFSIGNALED(st));
    char *out = run(&k, (const char *const[]){"kv=get k9", "kv=incr n", NULL}, "1s", 0);
    expect_in(out, "k9 = survived");
    expect_in(out, "n = 2");
    free(out);
    kvrun_free(&k);
}

static void test_survives_upgrade(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    struct kvrun k;
    kvrun_new(&k);
    char err_path[4200], wasm[4200], v2[4200];
    snprintf(wasm, sizeof(wasm), "%s/kv.wasm", k.dir);
    snprintf(v2, sizeof(v2), "%s/kv_v2.wasm", WASP_TEST_GUEST_DIR);
    start_run(&k, "stderr.txt", err_path, sizeof(err_path),
                          (const char *const[]){"--watch", "--send", "kv=put before upgrade", NULL});
    wait_for(err_path, "put before: ok");
    /* A new build lands next to the manifest: rename makes it appear whole. */
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s.new", wasm);
    tu_copy_file(v2, k.dir, "kv.wasm.new");
    assert_int_equal(rename(tmp, wasm), 0);
    wait_for(err_path, "kv upgraded from");
    wait_for(err_path, "kv v2 ready, 1 keys stored"); /* the new code found the data */
    int st;
    stop_background(&st);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *out = run(&k, (const char *const[]){"kv=get before", NULL}, "1s", 0);
    expect_in(out, "kv v2 ready, 1 keys stored");
    expect_in(out, "before = upgrade");
    free(out);
    kvrun_free(&k);
}

/* Runs `wasp ARGS...`; returns the exit status, stdout+stderr in *out (free it). */
static int wasp_cmd(const char *const *args, char **out) {
    char *dir = tu_tempdir();
    char path[4200];
    snprintf(path, sizeof(path), "%s/out.txt", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        const char *argv[16] = {WASP_BIN};
        for (int i = 0; args[i] && i < 14; i++) argv[i + 1] = args[i];
        execv(WASP_BIN, (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    *out = ex_read_text(path);
    if (!*out) *out = strdup("");
    tu_rmtree(dir);
    free(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* `wasp upgrade` through the control endpoint: the data is kept, a module
 * that fails to start is refused with the reason and the old code runs on. */
static void test_upgrade_command(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    struct kvrun k;
    kvrun_new(&k);
    char err_path[4200], v2[4200], bad[4200];
    snprintf(v2, sizeof(v2), "%s/kv_v2.wasm", WASP_TEST_GUEST_DIR);
    snprintf(bad, sizeof(bad), "%s/relay_bad.wasm", WASP_TEST_GUEST_DIR);
    start_run(&k, "stderr.txt", err_path, sizeof(err_path),
                          (const char *const[]){"--send", "kv=put kept yes", NULL});
    wait_for(err_path, "put kept: ok");
    char *out;
    int rc = wasp_cmd((const char *const[]){"upgrade", "kv", "kv", v2, NULL}, &out);
    if (rc) fprintf(stderr, "%s\n", out);
    assert_int_equal(rc, 0);
    free(out);
    rc = wasp_cmd((const char *const[]){"upgrade", "kv", "kv", bad, NULL}, &out);
    assert_int_equal(rc, 1);
    expect_in(out, "ECRASH");
    expect_in(out, "old one runs again");
    free(out);
    rc = wasp_cmd((const char *const[]){"upgrade", "kv", "nope", v2, NULL}, &out);
    assert_int_equal(rc, 1);
    expect_in(out, "ENOENT");
    free(out);
    rc = wasp_cmd((const char *const[]){"call", "kv", "kv", "get kept", NULL}, &out);
    assert_int_equal(rc, 0);
    expect_in(out, "kept = yes");
    free(out);
    wait_for(err_path, "kv v2 ready, 1 keys stored");
    int st;
    stop_background(&st);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    kvrun_free(&k);
}

static void test_bad_store_files(void **state) {
    (void)state;
    EX_REQUIRE_BINARY();
    struct kvrun k;
    kvrun_new(&k);
    free(run(&k, (const char *const[]){"kv=put a 1", NULL}, "200ms", 0));
    /* Locked: a second run of the same system on the same data, once the
     * first has started (and so holds the store). */
    char err_path[4200];
    start_run(&k, "first.txt", err_path, sizeof(err_path), (const char *const[]){"--control", "none", NULL});
    wait_for(err_path, "system kv started");
    char *out = run(&k, (const char *const[]){NULL}, "200ms", 1);
    stop_background(NULL);
    expect_in(out, k.store);
    expect_in(out, "locked");
    free(out);
    /* Not a wasp store. */
    tu_write_file(k.data, "kv.kv", "this is not a database, just some text that is long enough to look like one");
    out = run(&k, (const char *const[]){NULL}, "200ms", 1);
    expect_in(out, k.store);
    expect_in(out, "not a wasp store");
    free(out);
    kvrun_free(&k);
}

int main(void) {
    /* A runtime directory of its own: `wasp upgrade kv` must find this
     * test's system, not another 'kv' running on the machine. */
    char rt[] = "/tmp/wasp-kv-rt-XXXXXX";
    if (!mkdtemp(rt)) return 1;
    setenv("XDG_RUNTIME_DIR", rt, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_survives_crash_and_restart, kill_background),
        cmocka_unit_test_teardown(test_survives_kill_9, kill_background),
        cmocka_unit_test_teardown(test_survives_upgrade, kill_background),
        cmocka_unit_test_teardown(test_upgrade_command, kill_background),
        cmocka_unit_test_teardown(test_bad_store_files, kill_background),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    tu_rmtree(rt);
    return failed;
}
