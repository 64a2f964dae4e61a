/* test_cli_ledger.c - the statistics of `wasp run --stats` and `wasp stats`
 * as a ledger (docs/CLI.md): every actor once, received = handled +
 * dead_letters + mailbox_len in a live snapshot and at exit after SIGTERM,
 * timers pending at the stop counted as their target's dead letters; and
 * the warn line of a permission denial. */
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>

#include "testutil.h"

#include "cli_helpers.h"

static int setup(void **state) {
    (void)state;
    cli_dirs_create();
    tu_copy_fixture(dir, "cli_worker.wasm", "w.wasm");
    copy_guest("agent", "agent.wasm");
    tu_write_file(dir, "ledger.yaml",
                  "name: ledger\n"
                  "components:\n"
                  "  - name: w\n"
                  "    wasm: w.wasm\n"
                  "  - name: v\n"
                  "    wasm: w.wasm\n"
                  "  - name: a\n"
                  "    wasm: agent.wasm\n"
                  "    permissions: {send: [self]}\n"
                  "supervisor:\n"
                  "  children:\n"
                  "    - a\n"
                  "    - supervisor: {name: grp, strategy: one_for_all, children: [w, v]}\n");
    tu_write_file(dir, "denied.yaml",
                  "name: denied\n"
                  "components:\n"
                  "  - name: a\n"
                  "    wasm: agent.wasm\n");
    return 0;
}

static json_int_t num(json_t *actor, const char *key) {
    json_t *v = json_object_get(actor, key);
    if (!json_is_integer(v)) fail_msg("no integer %s in %s", key, json_dumps(actor, 0));
    return json_integer_value(v);
}

/* The one entry of `name`; every entry balances. */
static json_t *entry(json_t *stats, const char *name) {
    json_t *found = NULL, *a;
    size_t i;
    json_array_foreach(json_object_get(stats, "actors"), i, a) {
        const char *n = json_string_value(json_object_get(a, "name"));
        if (num(a, "received") != num(a, "handled") + num(a, "dead_letters") + num(a, "mailbox_len"))
            fail_msg("%s does not balance: %s", n, json_dumps(a, 0));
        if (n && !strcmp(n, name)) {
            if (found) fail_msg("%s listed twice", name);
            found = a;
        }
    }
    if (!found) fail_msg("%s not listed", name);
    return found;
}

static void test_ledger_at_sigterm(void **state) {
    (void)state;
    struct proc p;
    start(&p, (const char *[]){"run", "ledger.yaml", "--stats", "ledger.json", "--send",
                               "a=every:600000", "--send", "w=hello", "--send", "w=x", "--send",
                               "w=m1", "--send", "w=m2", "--send", "v=c", NULL});
    tu_track(p.pid);
    wait_for_log(&p, "info w: got m2", NULL, 0);
    char *out = NULL;
    assert_int_equal(run((const char *[]){"stats", "ledger", "--json", NULL}, &out, NULL), 0);
    json_t *live = json_loads(out, 0, NULL);
    assert_non_null(live);
    json_t *a = entry(live, "a");
    assert_int_equal(num(a, "timers_pending"), 1);
    assert_int_equal(num(a, "received"), 1);
    json_decref(live);
    free(out);

    kill(p.pid, SIGTERM);
    assert_int_equal(finish(&p, 20000), 0);
    char path[4200];
    snprintf(path, sizeof(path), "%s/ledger.json", dir);
    json_t *stats = json_load_file(path, 0, NULL);
    assert_non_null(stats);
    json_t *w = entry(stats, "w"), *v = entry(stats, "v");
    a = entry(stats, "a");
    entry(stats, "grp");
    assert_int_equal(num(w, "received"), 4);
    assert_int_equal(num(w, "handled"), 3);
    assert_int_equal(num(w, "dead_letters"), 1); /* the message in hand at the crash */
    assert_int_equal(num(w, "crashes"), 1);
    assert_int_equal(num(w, "restarts"), 1);
    assert_int_equal(num(v, "received"), 1);
    assert_int_equal(num(v, "restarts"), 1); /* one_for_all */
    assert_int_equal(num(a, "received"), 2);
    assert_int_equal(num(a, "handled"), 1);
    assert_int_equal(num(a, "dead_letters"), 1); /* its tick, pending at the stop */
    assert_int_equal(num(a, "timers_pending"), 0);
    assert_string_equal(json_string_value(json_object_get(a, "state")), "ready");
    json_decref(stats);
}

/* Each denial is a warn line naming the actor, the target and the grant. */
static void test_denial_lines(void **state) {
    (void)state;
    char *err = NULL;
    assert_int_equal(run((const char *[]){"run", "denied.yaml", "--for", "300ms", "--send", "a=every:10",
                                          "--send", "a=tell:nobody\x1b[2J:hi", "--send", "a=pub:x.y:z",
                                          NULL},
                         NULL, &err),
                     0);
    assert_non_null(strstr(err, "warn a: send_after to \"a\" denied: add \"a\" to permissions.send"));
    assert_non_null(strstr(err, "warn a: send to \"nobody\\x1b[2J\" denied: add \"nobody\\x1b[2J\" to permissions.send"));
    assert_non_null(strstr(err, "warn a: publish on \"x.y\" denied: add \"x.y\" (or a pattern covering it) to permissions.publish"));
    assert_null(strstr(err, "\x1b"));
    free(err);
}

/* Warnings keep the exit status 0 and come before `ok`. */
static void test_check_warnings(void **state) {
    (void)state;
    tu_write_file(dir, "warn.yaml",
                  "name: warn\n"
                  "components:\n"
                  "  - name: a\n"
                  "    wasm: agent.wasm\n"
                  "    subscribe: [news.x]\n"
                  "    permissions: {send: [self, b], subscribe: [news.*]}\n");
    char *out = NULL;
    assert_int_equal(run((const char *[]){"check", "warn.yaml", NULL}, &out, NULL), 0);
    assert_string_equal(out,
                        "warn.yaml:5:17: warning: a: subscription 'news.x' matches no topic any component may "
                        "publish (permissions.publish)\n"
                        "warn.yaml:6:32: warning: a: permissions.send 'b' matches no actor of the manifest\n"
                        "warn.yaml:6:48: warning: a: permissions.subscribe 'news.*' matches no topic any "
                        "component may publish (permissions.publish)\n"
                        "ok\n");
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ledger_at_sigterm),
        cmocka_unit_test(test_denial_lines),
        cmocka_unit_test(test_check_warnings),
    };
    return cmocka_run_group_tests(tests, setup, cli_dirs_remove);
}
