/* test_cli_supervision.c - the OTP semantics through manifests run by the
 * real `wasp` binary: every strategy x restart type x nesting depth 1..3 -
 * what a crash stops (components' `_cleanup`) and restarts (`_start`), in
 * which order; the order of the final stop at SIGTERM; restarts counted per
 * name, one stats entry per name, ledgers balanced, a message queued behind
 * the crash handled by the restarted instance - and escalation over the
 * nested supervisor's `restart:` (only a permanent entry restarts a
 * supervisor that gave up), and a root that gives up (exit 3). All of it
 * for a core module and for a Component Model component alike. */
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>

#include "testutil.h"

#include "cli_helpers.h"

/* The matrix runs three times, once per build of the same worker: the WAT
 * fixture, tests/guest/worker.c as a core module and as a component. */
static int setup_wat(void **state) {
    (void)state;
    cli_dirs_create();
    tu_copy_fixture(dir, "cli_worker.wasm", "w.wasm");
    return 0;
}

static int setup_module(void **state) {
    (void)state;
    cli_dirs_create();
    copy_guest("worker", "w.wasm");
    return 0;
}

static int setup_component(void **state) {
    (void)state;
    cli_dirs_create();
    copy_guest("cm/worker", "w.wasm");
    return 0;
}

static const char *const strategy_names[] = {"one_for_one", "one_for_all", "rest_for_one"};
static const char *const type_names[] = {"permanent", "transient", "temporary"};

/* Components a, b, c (restart type `type`) under supervisors s1 (root) ..
 * sDEPTH; sDEPTH has `strategy` and `intensity`, the others one_for_one
 * with the next one as their only child, of restart type `link`. */
static void write_manifest(const char *file, int depth, int strategy, int type, int intensity,
                           int link) {
    char text[4096];
    int n = snprintf(text, sizeof(text), "name: sv\ncomponents:\n");
    for (int i = 0; i < 3; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "  - {name: %c, wasm: w.wasm, restart: %s, stop_timeout: 1s}\n", 'a' + i,
                      type_names[type]);
    n += snprintf(text + n, sizeof(text) - (size_t)n, "supervisor:\n");
    char indent[64] = "  ";
    for (int d = 1; d <= depth; d++) {
        bool leaf = d == depth;
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "%sname: s%d\n%sstrategy: %s\n%sintensity: %d\n%speriod: 60s\n%sbackoff: {initial: 1ms}\n",
                      indent, d, indent, leaf ? strategy_names[strategy] : "one_for_one", indent,
                      leaf ? intensity : 10, indent, indent);
        if (d > 1) n += snprintf(text + n, sizeof(text) - (size_t)n, "%srestart: %s\n", indent, type_names[link]);
        if (leaf) {
            n += snprintf(text + n, sizeof(text) - (size_t)n, "%schildren: [a, b, c]\n", indent);
        } else {
            n += snprintf(text + n, sizeof(text) - (size_t)n, "%schildren:\n%s  - supervisor:\n", indent, indent);
            strcat(indent, "      ");
        }
    }
    tu_write_file(dir, file, text);
}

/* The components' lifecycle in the log: "+x" started, "-x" cleaned up,
 * "!x" crashed (as its supervisor reported it). */
static void lifecycle(const char *err_path, char *out, size_t cap) {
    char *log = slurp(err_path);
    size_t o = 0;
    out[0] = 0;
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
        for (char x = 'a'; x <= 'c'; x++) {
            char started[32], cleanup[32], crashed[32];
            snprintf(started, sizeof(started), "info %c: started", x);
            snprintf(cleanup, sizeof(cleanup), "info %c: cleanup", x);
            snprintf(crashed, sizeof(crashed), ": child %c crashed", x);
            const char *ev = strstr(line, started) ? "+" : strstr(line, cleanup) ? "-" : strstr(line, crashed) ? "!" : NULL;
            if (ev && o + 4 < cap) o += (size_t)snprintf(out + o, cap - o, "%s%c ", ev, x);
        }
    }
    free(log);
}

static size_t lifecycle_events(const char *err_path) {
    char l[512];
    lifecycle(err_path, l, sizeof(l));
    return strlen(l) / 3;
}

static json_int_t num(json_t *a, const char *key) {
    json_t *v = json_object_get(a, key);
    if (!json_is_integer(v)) fail_msg("no %s", key);
    return json_integer_value(v);
}

/* The one entry of name; every entry balances, nothing is left queued. */
static json_t *entry(json_t *stats, const char *name) {
    json_t *found = NULL, *a;
    size_t i;
    json_array_foreach(json_object_get(stats, "actors"), i, a) {
        const char *n = json_string_value(json_object_get(a, "name"));
        if (num(a, "received") != num(a, "handled") + num(a, "dead_letters") + num(a, "mailbox_len") ||
            num(a, "mailbox_len") != 0 || num(a, "timers_pending") != 0)
            fail_msg("%s: %s", n, json_dumps(a, 0));
        if (n && !strcmp(n, name)) {
            if (found) fail_msg("%s listed twice", name);
            found = a;
        }
    }
    if (!found) fail_msg("%s not listed", name);
    return found;
}

static json_t *load_stats(const char *file) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    json_t *j = json_load_file(path, 0, NULL);
    assert_non_null(j);
    return j;
}

static void cell(int depth, int strategy, int type) {
    write_manifest("cell.yaml", depth, strategy, type, 10, 0);
    struct proc p;
    start(&p, (const char *[]){"run", "cell.yaml", "--stats", "cell.json", "--send", "b=x", "--send", "b=m1", NULL});
    tu_track(p.pid);
    bool restarts = type != 2;
    if (restarts) {
        wait_for_log(&p, "info b: got m1", NULL, 0);
        /* every restart done: one_for_one 5 events, one_for_all 9, rest_for_one 7 */
        static const size_t events[] = {5, 9, 7};
        if (!TU_WAIT_UNTIL(lifecycle_events(p.err) >= events[strategy], 20000)) {
            char l[512];
            lifecycle(p.err, l, sizeof(l));
            fail_msg("depth %d %s %s: lifecycle '%s'", depth, strategy_names[strategy], type_names[type], l);
        }
    } else {
        wait_for_log(&p, "child b crashed", NULL, 0);
        tu_sleep_ms(50);
    }
    kill(p.pid, SIGTERM);
    assert_int_equal(finish(&p, 30000), 0);
    char l[512];
    lifecycle(p.err, l, sizeof(l));
    static const char *const want[3][2] = {
        {"+a +b +c !b +b -c -b -a ", "+a +b +c !b -c -a "},
        {"+a +b +c !b -c -a +a +b +c -c -b -a ", "+a +b +c !b -c -a "},
        {"+a +b +c !b -c +b +c -c -b -a ", "+a +b +c !b -c -a "},
    };
    const char *w = want[strategy][restarts ? 0 : 1];
    if (strcmp(l, w))
        fail_msg("depth %d %s %s: lifecycle '%s', expected '%s'", depth, strategy_names[strategy],
                 type_names[type], l, w);
    json_t *stats = load_stats("cell.json");
    static const int want_restarts[3][3] = {{0, 1, 0}, {1, 1, 1}, {0, 1, 1}};
    for (int i = 0; i < 3; i++) {
        char name[2] = {(char)('a' + i), 0};
        json_t *a = entry(stats, name);
        assert_int_equal(num(a, "restarts"), restarts ? want_restarts[strategy][i] : 0);
    }
    json_t *b = entry(stats, "b");
    assert_int_equal(num(b, "crashes"), 1);
    assert_int_equal(num(b, "handled"), restarts ? 1 : 0);
    assert_int_equal(num(b, "dead_letters"), num(b, "received") - num(b, "handled"));
    if (!restarts) assert_string_equal(json_string_value(json_object_get(b, "state")), "terminated");
    for (int d = 1; d <= depth; d++) {
        char name[16];
        snprintf(name, sizeof(name), "s%d", d);
        entry(stats, name);
    }
    json_t *sups = json_object_get(stats, "supervisors"), *s;
    size_t i;
    json_array_foreach(sups, i, s) {
        bool leaf = i == (size_t)depth - 1;
        assert_int_equal(num(s, "restarts"), leaf && restarts ? 1 : 0);
        assert_true(json_is_false(json_object_get(s, "gave_up")));
    }
    json_decref(stats);
}

static void matrix(int depth) {
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 3; t++) cell(depth, s, t);
}

static void test_matrix_depth1(void **st) { (void)st; matrix(1); }
static void test_matrix_depth2(void **st) { (void)st; matrix(2); }
static void test_matrix_depth3(void **st) { (void)st; matrix(3); }

/* The leaf (intensity 0) gives up on a's crash: c and b clean up, it exits
 * `shutdown`; its parent restarts it only for `restart: permanent`. */
static void test_escalation(void **st) {
    (void)st;
    for (int depth = 2; depth <= 3; depth++)
        for (int link = 0; link < 3; link++) {
            write_manifest("esc.yaml", depth, 1, 0, 0, link);
            struct proc p;
            start(&p, (const char *[]){"run", "esc.yaml", "--stats", "esc.json", "--send", "a=x", "--send", "c=kept", NULL});
            tu_track(p.pid);
            char leaf_log[32];
            snprintf(leaf_log, sizeof(leaf_log), "s%d: escalated to s%d", depth, depth - 1);
            wait_for_log(&p, leaf_log, NULL, 0);
            if (link == 0) { /* c may take its message before or after the restart: wait for both */
                char restarted[48];
                snprintf(restarted, sizeof(restarted), "child s%d restarted", depth);
                wait_for_log(&p, restarted, NULL, 0);
                wait_for_log(&p, "info c: got kept", NULL, 0);
            } else {
                tu_sleep_ms(50);
            }
            kill(p.pid, SIGTERM);
            assert_int_equal(finish(&p, 30000), 0);
            char l[512];
            lifecycle(p.err, l, sizeof(l));
            const char *w = link == 0 ? "+a +b +c !a -c -b +a +b +c -c -b -a " : "+a +b +c !a -c -b ";
            if (strcmp(l, w)) fail_msg("depth %d restart %s: '%s', expected '%s'", depth, type_names[link], l, w);
            json_t *stats = load_stats("esc.json");
            for (int i = 0; i < 3; i++) {
                char name[2] = {(char)('a' + i), 0};
                assert_int_equal(num(entry(stats, name), "restarts"), link == 0 ? 1 : 0);
            }
            char leaf[16];
            snprintf(leaf, sizeof(leaf), "s%d", depth);
            assert_int_equal(num(entry(stats, leaf), "restarts"), link == 0 ? 1 : 0);
            json_decref(stats);
        }
}

/* A root that gives up ends the run with exit status 3, its tree stopped once. */
static void test_root_gives_up(void **st) {
    (void)st;
    for (int s = 0; s < 3; s++) {
        write_manifest("fail.yaml", 1, s, 0, 0, 0);
        char *err = NULL;
        assert_int_equal(run((const char *[]){"run", "fail.yaml", "--for", "20s", "--send", "b=x", "--stats", "fail.json", NULL},
                             NULL, &err),
                         3);
        free(err);
        json_t *stats = load_stats("fail.json");
        json_t *root = json_array_get(json_object_get(stats, "supervisors"), 0);
        assert_true(json_is_true(json_object_get(root, "gave_up")));
        for (int i = 0; i < 3; i++) {
            char name[2] = {(char)('a' + i), 0};
            assert_int_equal(num(entry(stats, name), "restarts"), 0);
        }
        json_decref(stats);
    }
}

/* Instances are children in order: rest_for_one over a pool restarts the
 * crashed instance and every child after it; messages to the pool's name
 * queued for the restarting instance are kept for it. */
static void test_pool_rest_for_one(void **st) {
    (void)st;
    tu_write_file(dir, "pool.yaml",
                  "name: pl\n"
                  "components:\n"
                  "  - {name: p, wasm: w.wasm, instances: 3}\n"
                  "  - {name: z, wasm: w.wasm}\n"
                  "supervisor:\n"
                  "  name: s1\n"
                  "  strategy: rest_for_one\n"
                  "  backoff: {initial: 1ms}\n"
                  "  children: [p, z]\n");
    struct proc p;
    start(&p, (const char *[]){"run", "pool.yaml", "--stats", "pool.json", "--send", "p.1=x", "--send", "p.1=m1",
                               "--send", "p=r1", "--send", "p=r2", "--send", "p=r3", NULL});
    tu_track(p.pid);
    wait_for_log(&p, "info p.1: got m1", NULL, 0);
    wait_for_log(&p, "s1: child z restarted", NULL, 0);
    kill(p.pid, SIGTERM);
    assert_int_equal(finish(&p, 30000), 0);
    char *err = slurp(p.err);
    const char *order[] = {"info z: cleanup", "info p.2: cleanup", "info p.1: started", "info p.2: started",
                           "info z: started"};
    const char *at = err;
    for (size_t i = 0; i < 5; i++) {
        const char *next = strstr(at, order[i]);
        if (!next) fail_msg("'%s' missing or out of order in: %s", order[i], err);
        at = next;
    }
    free(err);
    json_t *stats = load_stats("pool.json");
    static const char *const names[] = {"p.0", "p.1", "p.2", "z"};
    static const int restarts[] = {0, 1, 1, 1};
    json_int_t handled = 0;
    for (int i = 0; i < 4; i++) {
        json_t *a = entry(stats, names[i]);
        assert_int_equal(num(a, "restarts"), restarts[i]);
        handled += num(a, "handled");
    }
    assert_int_equal(handled, 4); /* m1, r1, r2, r3: only the crash was lost */
    json_decref(stats);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_depth1), cmocka_unit_test(test_matrix_depth2),
        cmocka_unit_test(test_matrix_depth3), cmocka_unit_test(test_escalation),
        cmocka_unit_test(test_root_gives_up), cmocka_unit_test(test_pool_rest_for_one),
    };
    int failed = cmocka_run_group_tests_name("wat fixture", tests, setup_wat, cli_dirs_remove);
    failed += cmocka_run_group_tests_name("C core module", tests, setup_module, cli_dirs_remove);
    failed += cmocka_run_group_tests_name("C component", tests, setup_component, cli_dirs_remove);
    return failed;
}
