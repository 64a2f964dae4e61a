/* test_manifest_warnings.c - warnings about a valid manifest: `send`
 * permissions that match no actor, subscriptions (and subscribe grants)
 * that no component may publish to. They never fail the load. */
#include "mf_helpers.h"

static struct mf_problems warnings, errors;

static int load(const char *text) {
    wasp_manifest *m = NULL;
    wasp_manifest_options o = {.skip_files = true, .on_error = mf_collect, .error_arg = &errors,
                               .on_warning = mf_collect, .warning_arg = &warnings};
    int rc = wasp_manifest_parse(text, strlen(text), "w.yaml", &o, &m);
    wasp_manifest_free(m);
    return rc;
}

static void reset(void) {
    mf_problems_free(&warnings);
    mf_problems_free(&errors);
}

static void test_send_permissions(void **st) {
    (void)st;
    reset();
    assert_int_equal(load("name: s\n"
                          "components:\n"
                          "  - name: orders\n"
                          "    wasm: o.wasm\n"
                          "    permissions:\n"
                          "      send: [billing, billingg, self, \"work*\", \"work.7\", \"work.9\", inner, ghost*]\n"
                          "  - name: billing\n"
                          "    wasm: b.wasm\n"
                          "  - name: work\n"
                          "    wasm: w.wasm\n"
                          "    instances: 8\n"
                          "supervisor:\n"
                          "  children:\n"
                          "    - supervisor: {name: inner, children: [orders, billing, work]}\n"),
                     WASP_OK);
    assert_int_equal(errors.n, 0);
    assert_int_equal(warnings.n, 3);
    assert_string_equal(warnings.v[0],
                        "w.yaml:6:23: warning: orders: permissions.send 'billingg' matches no actor of the manifest");
    assert_non_null(strstr(warnings.v[1], "'work.9' matches no actor"));
    assert_non_null(strstr(warnings.v[2], "'ghost*' matches no actor"));
    reset();
}

static void test_subscriptions(void **st) {
    (void)st;
    reset();
    assert_int_equal(load("name: t\n"
                          "components:\n"
                          "  - name: pub\n"
                          "    wasm: p.wasm\n"
                          "    permissions: {publish: [\"orders.>\", \"alerts.*.high\"]}\n"
                          "  - name: sub\n"
                          "    wasm: s.wasm\n"
                          "    subscribe: [\"orders.new\", \"alerts.kitchen.*\", \"alerts.*.low\", \"metrics.>\",\n"
                          "                \"wasp.dead_letters\", \"orders\"]\n"
                          "    permissions: {subscribe: [\">\", \"audit.*\"]}\n"),
                     WASP_OK);
    assert_int_equal(errors.n, 0);
    assert_int_equal(warnings.n, 4);
    assert_non_null(strstr(warnings.v[0], "sub: subscription 'alerts.*.low' matches no topic"));
    assert_non_null(strstr(warnings.v[1], "sub: subscription 'metrics.>' matches no topic"));
    assert_non_null(strstr(warnings.v[2], "sub: subscription 'orders' matches no topic"));
    assert_non_null(strstr(warnings.v[3], "sub: permissions.subscribe 'audit.*' matches no topic"));
    reset();
}

/* An invalid manifest reports its errors, not warnings. */
static void test_errors_first(void **st) {
    (void)st;
    reset();
    assert_int_equal(load("name: u\n"
                          "components:\n"
                          "  - name: a\n"
                          "    wasm: a.wasm\n"
                          "    permissions: {send: [nobody]}\n"
                          "    instancez: 2\n"),
                     WASP_EINVAL);
    assert_int_equal(warnings.n, 0);
    assert_true(errors.n > 0);
    reset();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_permissions),
        cmocka_unit_test(test_subscriptions),
        cmocka_unit_test(test_errors_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
