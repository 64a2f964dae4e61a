/* test_scenario.c - the scenario reader (wasp_test_check_text): what a
 * valid file may say, and every kind of problem at its FILE:LINE:COL. */
#include "testutil.h"
#include "wasp_test.h"

static char problems[8192];

static void keep(void *arg, const char *message) {
    (void)arg;
    size_t n = strlen(problems);
    snprintf(problems + n, sizeof(problems) - n, "%s\n", message);
}

static int check(const char *text) {
    problems[0] = 0;
    return wasp_test_check_text(text, strlen(text), "s.yaml", keep, NULL);
}

#define HAS(needle) \
    do { \
        if (!strstr(problems, needle)) fail_msg("missing \"%s\" in:\n%s", needle, problems); \
    } while (0)

static void test_everything_valid(void **state) {
    (void)state;
    int rc = check(
        "component:\n"
        "  name: agent\n"
        "  wasm: agent.wasm\n"
        "  permissions: {send: [\"*\"], publish: [\"a.>\"]}\n"
        "workers: 2\n"
        "standins:\n"
        "  - name: store\n"
        "    mailbox: 2\n"
        "    stalled: false\n"
        "    crash_at: 3\n"
        "    replies: [\"v1\", {json: {a: [1, 2.5, true, null, \"x\"]}}, {silence: true},\n"
        "              {noreply: true}, {crash: true}, {text: ''}]\n"
        "cases:\n"
        "  - name: all steps\n"
        "    component: {mailbox: 4}\n"
        "    standins: [{name: other}]\n"
        "    steps:\n"
        "      - {send: agent, text: hi, from: store}\n"
        "      - {send: agent, json: {k: v}, error: EFULL}\n"
        "      - {call: agent, text: q, timeout: 2s, reply: {prefix: r}}\n"
        "      - {call: agent, from: store, error: WASP_ETIMEDOUT}\n"
        "      - {call: agent, reply: {json: {total: 3}}}\n"
        "      - {publish: a.b, text: x}\n"
        "      - {advance: 250us}\n"
        "      - {kill: agent}\n"
        "      - expect:\n"
        "          sent: [{to: store, from: agent, messages: [a, {regex: '^b$'}]}, {to: other, count: 0}]\n"
        "          published: {topic: \"a.*\", count: 1}\n"
        "          log: {actor: agent, level: warn, text: {text: x}, count: 0}\n"
        "          stats: {actor: agent, received: 1, handled: 1, handler_errors: 0, crashes: 0,\n"
        "                  restarts: 0, dead_letters: 0, mailbox: 0, state: ready, last_error: ''}\n"
        "  - name: a whole system\n"
        "    manifest: wasp.yaml\n"
        "    steps: [{advance: 1s}]\n");
    if (rc != WASP_OK) fail_msg("%s", problems);
    assert_string_equal(problems, "");
}

static void test_problems_at_their_positions(void **state) {
    (void)state;
    assert_int_equal(check("component: {name: a, wasm: a.wasm}\n"
                           "manifest: m.yaml\n"
                           "bogus: 1\n"
                           "workers: 0\n"
                           "standins:\n"
                           "  - {name: s, replies: [{silence: false}, {crash: true, noreply: true}]}\n"
                           "  - {name: s, stalled: maybe}\n"
                           "cases:\n"
                           "  - name: c\n"
                           "    steps:\n"
                           "      - {send: a, call: a}\n"
                           "      - {publish: 'a.*'}\n"
                           "      - {call: a, reply: x, error: ENOREPLY}\n"
                           "      - {expect: {sent: {to: s}}}\n"
                           "      - {expect: {stats: {actor: a, state: sleepy, crashes: -1}}}\n"
                           "      - {expect: {published: {topic: 'a.>.b', count: 1}}}\n"
                           "      - {expect: {log: {level: loud}}}\n"
                           "      - {expect: {}}\n"
                           "      - {send: a, text: x, json: 1}\n"
                           "      - {call: a, reply: {json: 1, text: x}}\n"
                           "      - 42\n"),
                     WASP_EINVAL);
    HAS("s.yaml:2:11: a scenario tests a `component` or a `manifest`, not both");
    HAS("s.yaml:3:1: unknown key 'bogus' in the scenario");
    HAS("s.yaml:4:10: workers must be at least 1");
    HAS("s.yaml:6:35: silence: only `true` means something here");
    HAS("s.yaml:6:43: a reply is a text, or one of text, json, silence, noreply, crash");
    HAS("s.yaml:7:12: stand-in 's' is defined twice");
    HAS("s.yaml:7:24: expected true or false");
    HAS("s.yaml:11:19: one action per step ('send' and 'call')");
    HAS("s.yaml:12:19: invalid topic 'a.*'");
    HAS("s.yaml:13:26: a call expects a reply or an error, not both");
    HAS("s.yaml:14:25: say which `messages` or what `count`");
    HAS("s.yaml:15:44: state is creating, starting, ready, stopping, terminated or failed");
    HAS("s.yaml:15:61: crashes must be at least 0");
    HAS("s.yaml:16:38: invalid topic pattern 'a.>.b'");
    HAS("s.yaml:17:32: level is trace, debug, info, warn or error");
    HAS("s.yaml:18:18: expect needs sent, published, log, stats or stored");
    HAS("s.yaml:19:34: give `text` or `json`, not both");
    HAS("s.yaml:20:26: a match is a text, or one of text, prefix, regex, json");
    HAS("s.yaml:21:9: a step must be a mapping");
}

static void test_storage_seeds_and_expectations(void **state) {
    (void)state;
    int rc = check("component: {name: kv, wasm: kv.wasm, storage: {quota: 1MiB}}\n"
                   "storage: {kv: {a: '1', doc: {json: {n: 2}}}}\n"
                   "cases:\n"
                   "  - name: x\n"
                   "    storage: {kv: {b: {text: two}}, other: {}}\n"
                   "    steps:\n"
                   "      - expect:\n"
                   "          stored: {component: kv, entries: {a: '1', doc: {json: {n: 2}}}, absent: [c], count: 3}\n");
    if (rc != WASP_OK) fail_msg("%s", problems);
    assert_int_equal(check("component: {name: kv, wasm: kv.wasm}\n"
                           "storage: [a]\n"
                           "cases:\n"
                           "  - name: x\n"
                           "    storage: {kv: {'': x, k: {json: 1, text: y}}, other: 3}\n"
                           "    steps:\n"
                           "      - expect: {stored: {entries: []}}\n"
                           "      - expect: {stored: {component: kv, absent: c}}\n"
                           "      - expect: {stored: {component: kv}}\n"),
                     WASP_EINVAL);
    HAS("s.yaml:2:10: storage maps a component's name to its entries");
    HAS("s.yaml:5:20: a storage key is a text of 1 to 1024 bytes");
    HAS("s.yaml:5:37: give `text` or `json`, not both");
    HAS("s.yaml:5:58: the entries of 'other' must be a mapping");
    HAS("s.yaml:7:26: missing required key 'component'");
    HAS("s.yaml:7:36: entries must be a mapping (key: match)");
    HAS("s.yaml:8:50: absent must be a list of keys");
    HAS("s.yaml:9:26: say which `entries`, what is `absent` or what `count`");
}

static void test_file_level_problems(void **state) {
    (void)state;
    assert_int_equal(check(""), WASP_EINVAL);
    HAS("s.yaml:1:1: the scenario is empty");
    assert_int_equal(check("cases: []\n"), WASP_EINVAL);
    HAS("cases must be a list of at least one case");
    assert_int_equal(check("cases:\n  - name: x\n    steps: [{advance: 1s}]\n"), WASP_EINVAL);
    HAS("s.yaml:2:11: case 'x' tests nothing");
    assert_int_equal(check("component: {name: 'bad name', wasm: a.wasm}\n"
                           "cases: [{name: x, steps: [{advance: 1s}]},\n"
                           "        {name: y, steps: [{advance: 1s}], manifest: m.yaml, component: {}}]\n"),
                     WASP_EINVAL);
    HAS("s.yaml:1:19: invalid component name 'bad name'");
    HAS("s.yaml:3:53: a case tests a `component` or a `manifest`, not both");
    assert_int_equal(check("manifest: m.yaml\ncases: [{name: x, steps: [{advance: 1s}], component: {mailbox: 1}}]\n"),
                     WASP_EINVAL);
    HAS("s.yaml:2:54: missing required key 'name'");
    assert_int_equal(check("a: [\n"), WASP_EINVAL);
    HAS("YAML syntax error");
    assert_int_equal(check("cases: \xff\n"), WASP_EINVAL);
    HAS("s.yaml:1:8: ");
    assert_int_equal(wasp_test_check_text(NULL, 0, "x", keep, NULL), WASP_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_everything_valid),
        cmocka_unit_test(test_problems_at_their_positions),
        cmocka_unit_test(test_storage_seeds_and_expectations),
        cmocka_unit_test(test_file_level_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
