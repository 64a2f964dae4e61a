/* test_wasp_test.c - `wasp test` end to end: passing and failing cases, a
 * deliberately broken component whose failure points at the expectation,
 * problems in scenario files at FILE:LINE:COL, --junit and --filter. */
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#ifndef WASP_CLI_BINARY
#define WASP_CLI_BINARY "wasp"
#endif

static char *dir;

/* Runs `wasp ARGS` in dir; *out gets stdout and stderr (free it). The exit status. */
static int wasp(const char *args, char **out) {
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cd '%s' && WASP_CACHE_DIR= '%s' %s 2>&1", dir, WASP_CLI_BINARY, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (len + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    buf[len] = 0;
    int st = pclose(p);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *last_line(const char *s) {
    static char line[256];
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n') n--;
    size_t start = n;
    while (start && s[start - 1] != '\n') start--;
    snprintf(line, sizeof(line), "%.*s", (int)(n - start), s + start);
    return line;
}

static void link_guest(const char *name) {
    char from[4096], to[4096];
    snprintf(from, sizeof(from), "%s/%s.wasm", WASP_GUESTS, name);
    snprintf(to, sizeof(to), "%s/%s.wasm", dir, name);
    unlink(to);
    assert_int_equal(symlink(from, to), 0);
}

static int setup(void **state) {
    (void)state;
    dir = tu_tempdir();
    link_guest("agent");
    link_guest("miscount");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static const char agent_yaml[] =
    "component:\n"
    "  name: agent\n"
    "  wasm: agent.wasm\n"
    "  permissions: {send: [\"*\"], publish: [\"agent.>\"]}\n"
    "standins:\n"
    "  - {name: store, replies: [\"v1\"]}\n"
    "cases:\n"
    "  - name: ticks\n"
    "    steps:\n"
    "      - send: agent\n"
    "        text: \"every:100\"\n"
    "      - advance: 1s\n"
    "      - call: agent\n"
    "        text: get\n"
    "        reply: \"10\"\n"
    "  - name: asks the store\n"
    "    steps:\n"
    "      - call: agent\n"
    "        text: \"ask:store:k\"\n"
    "        reply: {json: null}\n"      /* line 20: not JSON, fails */
    "  - name: publishes\n"
    "    steps:\n"
    "      - send: agent\n"
    "        text: \"pub:agent.x:hello\"\n"
    "      - expect:\n"
    "          published: {topic: \"agent.>\", messages: [\"hello\"]}\n";

static void test_pass_fail_and_summary(void **state) {
    (void)state;
    tu_write_file(dir, "agent.yaml", agent_yaml);
    char *out;
    assert_int_equal(wasp("test agent.yaml", &out), 1);
    assert_non_null(strstr(out, "ok   agent.yaml: ticks ("));
    assert_non_null(strstr(out, "FAIL agent.yaml: asks the store ("));
    assert_non_null(strstr(out, "    agent.yaml:20:23: call agent: expected a reply with JSON containing null, "
                                "got \"reply:v1\""));
    assert_non_null(strstr(out, "ok   agent.yaml: publishes ("));
    assert_string_equal(last_line(out), "2 passed, 1 failed");
    free(out);
}

static void test_broken_component_failure_points_at_the_expectation(void **state) {
    (void)state;
    tu_write_file(dir, "broken.yaml",
                  "component: {name: tally, wasm: miscount.wasm}\n"
                  "cases:\n"
                  "  - name: counts what it was sent\n"
                  "    steps:\n"
                  "      - {send: tally, text: a}\n"
                  "      - {send: tally, text: b}\n"
                  "      - {send: tally, text: c}\n"
                  "      - call: tally\n"
                  "        text: count\n"
                  "        reply: \"3\"\n"
                  "      - expect:\n"
                  "          stats: {actor: tally, handled: 4}\n");
    char *out;
    assert_int_equal(wasp("test broken.yaml", &out), 1);
    assert_non_null(strstr(out, "FAIL broken.yaml: counts what it was sent ("));
    assert_non_null(strstr(out, "\n    broken.yaml:10:16: call tally: expected a reply with \"3\", "
                                "got \"2\" (not equal)\n"));
    assert_string_equal(last_line(out), "0 passed, 1 failed");
    free(out);
}

static void test_scenario_problems_are_positioned(void **state) {
    (void)state;
    tu_write_file(dir, "bad.yaml",
                  "component: {name: agent, wasm: agent.wasm}\n"
                  "cases:\n"
                  "  - name: one\n"
                  "    steps:\n"
                  "      - send: agent\n"
                  "        txt: hello\n"
                  "      - call: agent\n"
                  "        error: EWHATEVER\n"
                  "      - expect:\n"
                  "          log: {text: {regex: \"(\"}}\n"
                  "      - advance: soon\n"
                  "  - name: one\n"
                  "    steps: []\n");
    char *out;
    assert_int_equal(wasp("test bad.yaml", &out), 1);
    assert_non_null(strstr(out, "bad.yaml:6:9: unknown key 'txt' in a send step"));
    assert_non_null(strstr(out, "bad.yaml:8:16: unknown error 'EWHATEVER'"));
    assert_non_null(strstr(out, "bad.yaml:10:31: invalid regular expression '('"));
    assert_non_null(strstr(out, "bad.yaml:11:18: advance 'soon' is not a duration"));
    assert_non_null(strstr(out, "bad.yaml:12:11: case 'one' is defined twice (first at 3:11)"));
    assert_non_null(strstr(out, "bad.yaml:13:12: steps must be a list of at least one step"));
    assert_non_null(strstr(out, "FAIL bad.yaml: the scenario cannot be run"));
    assert_string_equal(last_line(out), "0 passed, 1 failed");
    free(out);

    tu_write_file(dir, "syntax.yaml", "cases:\n  - name: [unclosed\n");
    assert_int_equal(wasp("test syntax.yaml", &out), 1);
    assert_non_null(strstr(out, "syntax.yaml:"));
    assert_non_null(strstr(out, "YAML syntax error"));
    free(out);

    tu_write_file(dir, "missing.yaml", "component: {name: x, wasm: nowhere.wasm}\n"
                                       "cases: [{name: a, steps: [{advance: 1ms}]}]\n");
    assert_int_equal(wasp("test missing.yaml nonexistent.yaml", &out), 1);
    assert_non_null(strstr(out, "missing.yaml:1:28: x: cannot open wasm file"));
    assert_non_null(strstr(out, "nonexistent.yaml: cannot read the scenario"));
    assert_string_equal(last_line(out), "0 passed, 2 failed");
    free(out);
}

static void test_junit_and_filter(void **state) {
    (void)state;
    tu_write_file(dir, "agent.yaml", agent_yaml);
    char *out;
    assert_int_equal(wasp("test agent.yaml --filter tick --junit report.xml", &out), 0);
    assert_string_equal(last_line(out), "1 passed, 0 failed");
    assert_null(strstr(out, "asks the store"));
    free(out);
    char path[4200];
    snprintf(path, sizeof(path), "%s/report.xml", dir);
    size_t len;
    char *xml = (char *)tu_read_file(path, &len);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<testsuites name=\"wasp test\" tests=\"1\" failures=\"0\""));
    assert_non_null(strstr(xml, "<testcase classname=\"agent.yaml\" name=\"ticks\""));
    free(xml);

    assert_int_equal(wasp("test --junit=report.xml --filter '*store' agent.yaml", &out), 1);
    assert_string_equal(last_line(out), "0 passed, 1 failed");
    free(out);
    xml = (char *)tu_read_file(path, &len);
    assert_non_null(strstr(xml, "tests=\"1\" failures=\"1\""));
    assert_non_null(strstr(xml, "<failure message=\"agent.yaml:20:23: call agent: expected a reply with "
                                "JSON containing null, got &quot;reply:v1&quot;"));
    free(xml);

    tu_write_file(dir, "typo.yaml", "component: {name: a, wasm: agent.wasm}\n"
                                    "cases: [{name: t, steps: [{advnce: 1s}]}]\n");
    assert_int_equal(wasp("test typo.yaml --junit report.xml", &out), 1);
    free(out);
    xml = (char *)tu_read_file(path, &len);
    assert_non_null(strstr(xml, "name=\"(scenario file)\""));
    assert_non_null(strstr(xml, "typo.yaml:2:27: a step needs one of send, call, publish, advance, kill, expect"));
    free(xml);

    assert_int_equal(wasp("test --filter nothing-matches agent.yaml", &out), 0);
    assert_string_equal(last_line(out), "0 passed, 0 failed");
    free(out);
}

static void test_usage(void **state) {
    (void)state;
    char *out;
    assert_int_equal(wasp("test", &out), 2);
    assert_non_null(strstr(out, "missing SCENARIO.yaml"));
    free(out);
    assert_int_equal(wasp("test --bogus x.yaml", &out), 2);
    free(out);
    assert_int_equal(wasp("test --help", &out), 0);
    assert_non_null(strstr(out, "--junit FILE"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_fail_and_summary),
        cmocka_unit_test(test_broken_component_failure_points_at_the_expectation),
        cmocka_unit_test(test_scenario_problems_are_positioned),
        cmocka_unit_test(test_junit_and_filter),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
