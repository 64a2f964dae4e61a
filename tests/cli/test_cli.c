/* test_cli.c - drives the real `wasp` binary: exit statuses, check, inspect,
 * help and version, log lines, the statistics JSON, and graceful stops on
 * SIGINT and SIGTERM (docs/CLI.md). */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "cli_helpers.h"

/* ---- a tiny JSON syntax checker ---------------------------------------------- */

static const char *json_ws(const char *s) {
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') s++;
    return s;
}

static const char *json_value(const char *s, int depth);

static const char *json_string(const char *s) {
    if (*s != '"') return NULL;
    for (s++; *s && *s != '"'; s++) {
        if ((unsigned char)*s < 0x20) return NULL;
        if (*s == '\\' && !*++s) return NULL;
    }
    return *s == '"' ? s + 1 : NULL;
}

static const char *json_value(const char *s, int depth) {
    s = json_ws(s);
    if (depth > 32) return NULL;
    if (*s == '"') return json_string(s);
    if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']';
        s = json_ws(s + 1);
        if (*s == close) return s + 1;
        for (;;) {
            if (close == '}') {
                s = json_string(json_ws(s));
                if (!s || *(s = json_ws(s)) != ':') return NULL;
                s++;
            }
            s = json_value(s, depth + 1);
            if (!s) return NULL;
            s = json_ws(s);
            if (*s == close) return s + 1;
            if (*s != ',') return NULL;
            s++;
        }
    }
    if (!strncmp(s, "true", 4)) return s + 4;
    if (!strncmp(s, "false", 5)) return s + 5;
    if (!strncmp(s, "null", 4)) return s + 4;
    char *end;
    strtod(s, &end);
    return end == s ? NULL : end;
}

static bool json_valid(const char *s) {
    const char *e = json_value(s, 0);
    return e && !*json_ws(e);
}

/* The object in `actors` whose name is `name`, as text (static buffer). */
static const char *actor_entry(const char *json, const char *name) {
    static char buf[1024];
    char key[300];
    snprintf(key, sizeof(key), "{\"name\": \"%s\"", name);
    const char *p = strstr(json, key);
    if (!p) return NULL;
    const char *e = strchr(p, '}');
    snprintf(buf, sizeof(buf), "%.*s", (int)(e - p + 1), p);
    return buf;
}

/* ---- fixtures -------------------------------------------------------------------- */

static int setup(void **state) {
    (void)state;
    dir = tu_tempdir();
    tu_copy_fixture(dir, "cli_worker.wasm", "w.wasm");
    tu_copy_fixture(dir, "cli_badstart.wasm", "badstart.wasm");
    tu_copy_fixture(dir, "abi_foreign_import.wasm", "foreign.wasm");
    tu_write_file(dir, "ok.yaml",
               "name: demo\n"
               "components:\n"
               "  - name: w\n"
               "    wasm: w.wasm\n"
               "  - name: pool\n"
               "    wasm: w.wasm\n"
               "    instances: 2\n"
               "supervisor:\n"
               "  children:\n"
               "    - w\n"
               "    - supervisor:\n"
               "        name: inner\n"
               "        strategy: one_for_all\n"
               "        children: [pool]\n");
    tu_write_file(dir, "bad.yaml",
               "name: demo\n"
               "components:\n"
               "  - name: w\n"
               "    wasm: w.wasm\n"
               "    instancez: 2\n"
               "  - name: v\n"
               "    wasm: missing.wasm\n");
    tu_write_file(dir, "abi.yaml", "name: demo\ncomponents:\n  - name: f\n    wasm: foreign.wasm\n");
    tu_write_file(dir, "badstart.yaml", "name: demo\ncomponents:\n  - name: b\n    wasm: badstart.wasm\n");
    tu_write_file(dir, "fragile.yaml",
               "name: fragile\n"
               "components:\n"
               "  - name: w\n"
               "    wasm: w.wasm\n"
               "supervisor:\n"
               "  intensity: 0\n"
               "  backoff: {initial: 1ms, max: 1ms}\n");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_version_and_help(void **state) {
    (void)state;
    char *out, *err;
    assert_int_equal(run((const char *[]){"--version", NULL}, &out, &err), 0);
    char want[64];
    snprintf(want, sizeof(want), "wasp %d.%d.%d ", WASP_VERSION_MAJOR, WASP_VERSION_MINOR,
             WASP_VERSION_PATCH);
    assert_true(!strncmp(out, want, strlen(want)));
    assert_string_equal(wasp_version(), WASP_VERSION_STRING);
    assert_non_null(strstr(out, "wasmtime "));
    assert_non_null(strstr(out, wasp_wasmtime_version()));
    free(out), free(err);

    assert_int_equal(run((const char *[]){"--help", NULL}, &out, &err), 0);
    for (const char *const *w = (const char *[]){"run", "check", "inspect", "bench", "--version", NULL}; *w; w++)
        assert_non_null(strstr(out, *w));
    free(out), free(err);

    assert_int_equal(run((const char *[]){"run", "--help", NULL}, &out, &err), 0);
    for (const char *const *w = (const char *[]){"--for", "--workers", "--send", "--stats",
                                                 "--log-level", "SIGINT", NULL};
         *w; w++)
        assert_non_null(strstr(out, *w));
    free(out), free(err);
    static const char *const cmds[] = {"check", "inspect", "bench"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(run((const char *[]){cmds[i], "--help", NULL}, &out, &err), 0);
        assert_non_null(strstr(out, "usage: wasp "));
        free(out), free(err);
    }
    assert_int_equal(run((const char *[]){"help", "run", NULL}, &out, &err), 0);
    assert_non_null(strstr(out, "--send"));
    free(out), free(err);
}

static void test_usage_errors(void **state) {
    (void)state;
    static const char *const cases[][6] = {
        {NULL},
        {"frobnicate", NULL},
        {"--frob", NULL},
        {"run", NULL},
        {"run", "ok.yaml", "--for", "soon", NULL},
        {"run", "ok.yaml", "--for", NULL},
        {"run", "ok.yaml", "--workers", "0", NULL},
        {"run", "ok.yaml", "--send", "noequals", NULL},
        {"run", "ok.yaml", "--log-level", "loud", NULL},
        {"run", "ok.yaml", "--colour", NULL},
        {"run", "ok.yaml", "ok.yaml", NULL},
        {"check", NULL},
        {"inspect", NULL},
        {"bench", "no-such-scenario", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *err;
        int rc = run(cases[i], NULL, &err);
        if (rc != 2) fail_msg("case %zu (%s): exit %d, stderr: %s", i, cases[i][0] ? cases[i][0] : "-", rc, err);
        assert_true(strlen(err) > 0);
        free(err);
    }
}

static void test_check(void **state) {
    (void)state;
    char *out, *err;
    assert_int_equal(run((const char *[]){"check", "ok.yaml", NULL}, &out, &err), 0);
    assert_string_equal(out, "ok\n");
    free(out), free(err);

    assert_int_equal(run((const char *[]){"check", "bad.yaml", NULL}, &out, &err), 1);
    assert_string_equal(out,
                        "bad.yaml:5:5: unknown key 'instancez' in component 'w'\n"
                        "bad.yaml:7:11: v: cannot open wasm file 'missing.wasm': No such file or directory\n");
    free(out), free(err);

    assert_int_equal(run((const char *[]){"check", "abi.yaml", NULL}, &out, &err), 1);
    assert_true(!strncmp(out, "abi.yaml:4:11: f: ", 18));
    assert_non_null(strstr(out, "env.foo"));
    free(out), free(err);

    assert_int_equal(run((const char *[]){"check", "absent.yaml", NULL}, &out, &err), 1);
    assert_non_null(strstr(out, "absent.yaml: cannot read the manifest"));
    free(out), free(err);
}

static void test_inspect(void **state) {
    (void)state;
    char *out, *err;
    assert_int_equal(run((const char *[]){"inspect", "w.wasm", NULL}, &out, &err), 0);
    assert_non_null(strstr(out, "handle-message"));
    assert_non_null(strstr(out, "wasp_alloc"));
    assert_non_null(strstr(out, "log"));
    free(out), free(err);
    assert_int_equal(run((const char *[]){"inspect", "foreign.wasm", NULL}, &out, &err), 1);
    assert_non_null(strstr(out, "env"));
    free(out), free(err);
    assert_int_equal(run((const char *[]){"inspect", "nothing.wasm", NULL}, &out, &err), 1);
    free(out), free(err);
}

static void test_run_for(void **state) {
    (void)state;
    char *out, *err;
    int rc = run((const char *[]){"run", "ok.yaml", "--for", "300ms", "--send", "w=hello",
                                  "--send", "pool=a=b", "--stats", "stats.json", NULL},
                 &out, &err);
    if (rc != 0) fprintf(stderr, "%s", err);
    assert_int_equal(rc, 0);
    /* Log lines: LEVEL ACTOR: text */
    assert_non_null(strstr(err, "info w: started\n"));
    assert_non_null(strstr(err, "info pool.0: started\n"));
    assert_non_null(strstr(err, "info pool.1: started\n"));
    assert_non_null(strstr(err, "info w: got hello\n"));
    assert_non_null(strstr(err, ": got a=b\n"));
    assert_non_null(strstr(err, "info w: cleanup\n"));
    free(out), free(err);

    char path[4200];
    snprintf(path, sizeof(path), "%s/stats.json", dir);
    char *json = slurp(path);
    assert_true(json_valid(json));
    assert_non_null(strstr(json, "\"system\": \"demo\""));
    assert_non_null(strstr(json, "\"uptime_ms\": "));
    long uptime = strtol(strstr(json, "\"uptime_ms\": ") + 13, NULL, 10);
    assert_true(uptime >= 250 && uptime < 10000);
    static const char *const names[] = {"w", "pool.0", "pool.1", "root", "inner"};
    for (size_t i = 0; i < 5; i++) {
        const char *a = actor_entry(json, names[i]);
        if (!a) fail_msg("actor %s missing from %s", names[i], json);
        for (const char *const *f = (const char *[]){"\"kind\": ", "\"state\": \"ready\"", "\"handled\": ",
                                                     "\"handler_errors\": 0", "\"crashes\": 0",
                                                     "\"restarts\": 0", "\"dead_letters\": 0",
                                                     "\"mailbox_len\": 0", "\"memory_bytes\": ", NULL};
             *f; f++)
            if (!strstr(a, *f)) fail_msg("actor %s lacks %s: %s", names[i], *f, a);
        /* Each actor once. */
        char key[64];
        snprintf(key, sizeof(key), "{\"name\": \"%s\"", names[i]);
        const char *first = strstr(json, key), *again = strstr(first + 1, key);
        assert_true(!again || again > strstr(json, "\"supervisors\""));
    }
    assert_non_null(strstr(actor_entry(json, "w"), "\"kind\": \"wasm\""));
    assert_non_null(strstr(actor_entry(json, "w"), "\"handled\": 1,"));
    assert_non_null(strstr(actor_entry(json, "w"), "\"memory_bytes\": 65536"));
    assert_non_null(strstr(actor_entry(json, "w"), "\"instantiated\": true"));
    assert_non_null(strstr(actor_entry(json, "root"), "\"kind\": \"native\""));
    assert_non_null(strstr(json, "{\"name\": \"root\", \"strategy\": \"one_for_one\", \"restarts\": 0, \"gave_up\": false}"));
    assert_non_null(strstr(json, "{\"name\": \"inner\", \"strategy\": \"one_for_all\", \"restarts\": 0, \"gave_up\": false}"));
    free(json);
}

static void test_run_options(void **state) {
    (void)state;
    char *out, *err;
    assert_int_equal(run((const char *[]){"run", "ok.yaml", "--for=100ms", "--workers=1",
                                          "--log-level", "warn", "--stats", "s1.json", NULL},
                         &out, &err),
                     0);
    assert_null(strstr(err, "info "));
    free(out), free(err);
    char path[4200];
    snprintf(path, sizeof(path), "%s/s1.json", dir);
    assert_true(file_contains(path, "\"workers\": 1"));
}

static void test_run_load_failures(void **state) {
    (void)state;
    char *out, *err;
    assert_int_equal(run((const char *[]){"run", "bad.yaml", "--for", "1s", NULL}, &out, &err), 1);
    assert_non_null(strstr(err, "bad.yaml:5:5: unknown key 'instancez' in component 'w'"));
    free(out), free(err);
    assert_int_equal(run((const char *[]){"run", "abi.yaml", "--for", "1s", NULL}, &out, &err), 1);
    assert_non_null(strstr(err, "abi.yaml:4:11: f: "));
    free(out), free(err);
    assert_int_equal(run((const char *[]){"run", "badstart.yaml", "--for", "1s", NULL}, &out, &err), 1);
    assert_non_null(strstr(err, "b"));
    assert_non_null(strstr(err, "cannot start"));
    free(out), free(err);
    assert_int_equal(run((const char *[]){"run", "absent.yaml", NULL}, &out, &err), 1);
    free(out), free(err);
}

/* A crash with intensity 0: the root supervisor gives up, exit 3. */
static void test_give_up(void **state) {
    (void)state;
    char *out, *err;
    int rc = run((const char *[]){"run", "fragile.yaml", "--for", "20s", "--send", "w=x", "--stats",
                                  "gave.json", NULL},
                 &out, &err);
    if (rc != 3) fprintf(stderr, "%s", err);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(err, "gave up"));
    free(out), free(err);
    char path[4200];
    snprintf(path, sizeof(path), "%s/gave.json", dir);
    char *json = slurp(path);
    assert_true(json_valid(json));
    assert_non_null(strstr(json, "\"gave_up\": true"));
    assert_non_null(strstr(actor_entry(json, "w"), "\"crashes\": 1"));
    free(json);
}

static void signal_stop(int sig) {
    struct proc p;
    start(&p, (const char *[]){"run", "ok.yaml", "--stats", "sig.json", NULL});
    bool up = TU_WAIT_UNTIL(file_contains(p.err, "system demo started"), 20000);
    assert_true(up);
    kill(p.pid, sig);
    int rc = finish(&p, 20000);
    char *err = slurp(p.err);
    if (rc != 0) fprintf(stderr, "%s", err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "info w: cleanup\n"));
    assert_non_null(strstr(err, "info pool.0: cleanup\n"));
    /* Reverse order: the pool (started last) cleans up before w. */
    assert_true(strstr(err, "info pool.0: cleanup") < strstr(err, "info w: cleanup"));
    free(err);
    char path[4200];
    snprintf(path, sizeof(path), "%s/sig.json", dir);
    char *json = slurp(path);
    assert_true(json_valid(json));
    free(json);
}

static void test_sigint(void **state) {
    (void)state;
    signal_stop(SIGINT);
}

static void test_sigterm(void **state) {
    (void)state;
    signal_stop(SIGTERM);
}

static void test_bench_list(void **state) {
    (void)state;
    char *out, *err;
    assert_int_equal(run((const char *[]){"bench", "--list", NULL}, &out, &err), 0);
    assert_non_null(strstr(out, "spawn-native"));
    free(out), free(err);
    assert_int_equal(run((const char *[]){"bench", "spawn-native", "--smoke", "--json", NULL}, &out, &err), 0);
    assert_true(json_valid(out));
    assert_non_null(strstr(out, "\"scenario\":\"spawn-native\""));
    free(out), free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help), cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_check),            cmocka_unit_test(test_inspect),
        cmocka_unit_test(test_run_for),          cmocka_unit_test(test_run_options),
        cmocka_unit_test(test_run_load_failures), cmocka_unit_test(test_give_up),
        cmocka_unit_test(test_sigint),           cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_bench_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
