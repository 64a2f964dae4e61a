/* test_log.c - log lines cannot be forged: control characters and invalid
 * UTF-8 in names and text are escaped wherever a line is formatted. */
#include "rt_helpers.h"

static void escape_controls(void **state) {
    (void)state;
    char out[128];
    assert_int_equal(wasp_log_escape("a\nerror wasp: x\r\x1b[2J\x7f", out, sizeof(out)), 33);
    assert_string_equal(out, "a\\x0aerror wasp: x\\x0d\\x1b[2J\\x7f");
    wasp_log_escape("tab\tok, caf\xc3\xa9, \xe2\x82\xac", out, sizeof(out));
    assert_string_equal(out, "tab\tok, caf\xc3\xa9, \xe2\x82\xac"); /* valid UTF-8 stays */
    wasp_log_escape("c1 \xc2\x9b bad \xff \xc3", out, sizeof(out));
    assert_string_equal(out, "c1 \\xc2\\x9b bad \\xff \\xc3");
    wasp_log_escape("\xed\xa0\x80", out, sizeof(out)); /* a surrogate */
    assert_string_equal(out, "\\xed\\xa0\\x80");
}

static void escape_truncates_whole(void **state) {
    (void)state;
    char out[6];
    assert_int_equal(wasp_log_escape("ab\ncd", out, sizeof(out)), 2); /* no half escape */
    assert_string_equal(out, "ab");
    assert_int_equal(wasp_log_escape(NULL, out, sizeof(out)), 0);
}

struct seen {
    char actor[256], text[1024];
};

static void sink(void *arg, int level, const char *actor, const char *text) {
    (void)level;
    struct seen *s = arg;
    snprintf(s->actor, sizeof(s->actor), "%s", actor);
    snprintf(s->text, sizeof(s->text), "%s", text);
}

static void log_lines_are_escaped(void **state) {
    (void)state;
    wasp_system *sys;
    assert_int_equal(wasp_system_create(NULL, &sys), WASP_OK);
    struct seen s;
    memset(&s, 0, sizeof(s));
    wasp_system_set_log(sys, WASP_LOG_TRACE, sink, &s);
    wasp_log(sys, WASP_LOG_WARN, "evil\nerror wasp", "hello %s", "\nerror wasp: forged");
    assert_string_equal(s.actor, "evil\\x0aerror wasp");
    assert_string_equal(s.text, "hello \\x0aerror wasp: forged");
    wasp_log(sys, WASP_LOG_WARN, NULL, "x");
    assert_string_equal(s.actor, "wasp");
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escape_controls),
        cmocka_unit_test(escape_truncates_whole),
        cmocka_unit_test(log_lines_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
