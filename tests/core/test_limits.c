/* test_limits.c - the one table of component settings: defaults for zeros,
 * ranges, and the messages both the manifest and the C API print. */
#include <string.h>

#include "testutil.h"
#include "core/limits.h"

static void test_zeros_take_the_defaults(void **state) {
    (void)state;
    wasp_component_spec s = {0};
    wasp__limits_default(&s);
    assert_int_equal(s.instances, 1);
    assert_int_equal(s.mailbox, 1024);
    assert_int_equal(s.stop_timeout_ns, 100000000ull);
    assert_int_equal(s.limits.memory, 16ull << 20);
    assert_int_equal(s.limits.max_message, 64ull << 10);
    assert_int_equal(s.limits.timeslice_ns, 2000000ull);
    assert_int_equal(s.limits.max_handle_ns, 5000000000ull);
    assert_int_equal(s.limits.fuel, 0); /* unmetered */
    assert_int_equal(s.limits.timers, WASP_LIMIT_TIMERS_DEFAULT);
    assert_int_equal(s.limits.subscriptions, WASP_LIMIT_SUBSCRIPTIONS_DEFAULT);
    assert_int_equal(s.limits.files, WASP_LIMIT_FILES_DEFAULT);
    /* without health checks or storage their settings stay unset */
    assert_int_equal(s.health.timeout_ns, 0);
    assert_int_equal(s.health.unhealthy_after, 0);
    assert_int_equal(s.storage.quota, 0);
    s.health.interval_ns = 1000000000ull;
    s.storage.granted = true;
    s.instances = 7; /* given: kept */
    wasp__limits_default(&s);
    assert_int_equal(s.health.timeout_ns, 50000000ull);
    assert_int_equal(s.health.unhealthy_after, 3);
    assert_int_equal(s.storage.quota, 16ull << 20);
    assert_int_equal(s.instances, 7);
    char msg[160];
    assert_int_equal(wasp__limits_check(&s, msg, sizeof(msg)), WASP_OK);
}

static void test_every_default_is_in_range(void **state) {
    (void)state;
    char msg[160];
    for (int l = 0; l < WASP__LIM_COUNT; l++) {
        const struct wasp__limit_info *i = wasp__limit_info(l);
        assert_non_null(i->key);
        assert_true(i->min <= i->max);
        if (i->def && wasp__limit_check(l, i->def, msg, sizeof(msg)) != WASP_OK) fail_msg("%s: %s", i->key, msg);
    }
}

static void test_out_of_range_messages(void **state) {
    (void)state;
    char msg[160];
    assert_int_equal(wasp__limit_check(WASP__LIM_INSTANCES, 100000, msg, sizeof(msg)), WASP_OK);
    assert_int_equal(wasp__limit_check(WASP__LIM_INSTANCES, 100001, msg, sizeof(msg)), WASP_EINVAL);
    assert_string_equal(msg, "instances must be at most 100000");
    assert_int_equal(wasp__limit_check(WASP__LIM_INSTANCES, 0, msg, sizeof(msg)), WASP_EINVAL);
    assert_string_equal(msg, "instances must be at least 1");
    assert_int_equal(wasp__limit_check(WASP__LIM_MEMORY, (4ull << 30) + 1, msg, sizeof(msg)), WASP_EINVAL);
    assert_string_equal(msg, "limits.memory must not exceed 4GiB");
    assert_int_equal(wasp__limit_check(WASP__LIM_STOP_TIMEOUT, 0, msg, sizeof(msg)), WASP_EINVAL);
    assert_string_equal(msg, "stop_timeout must be greater than 0");
    wasp_component_spec s = {0};
    wasp__limits_default(&s);
    s.limits.files = WASP_LIMIT_FILES_MAX + 1;
    assert_int_equal(wasp__limits_check(&s, msg, sizeof(msg)), WASP_EINVAL);
    assert_string_equal(msg, "limits.files must be at most 65536");
}

static void test_fields_round_trip(void **state) {
    (void)state;
    wasp_component_spec s = {0};
    for (int l = 0; l < WASP__LIM_COUNT; l++) wasp__limit_set(&s, l, 1000u + (unsigned)l);
    assert_int_equal(s.instances, 1000 + WASP__LIM_INSTANCES);
    assert_int_equal(s.health.unhealthy_after, 1000 + WASP__LIM_UNHEALTHY_AFTER);
    assert_int_equal(s.limits.files, 1000 + WASP__LIM_FILES);
    assert_int_equal(s.storage.quota, 1000 + WASP__LIM_STORAGE_QUOTA);
    for (int l = 0; l < WASP__LIM_COUNT; l++) assert_int_equal(wasp__limit_get(&s, l), 1000u + (unsigned)l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeros_take_the_defaults),
        cmocka_unit_test(test_every_default_is_in_range),
        cmocka_unit_test(test_out_of_range_messages),
        cmocka_unit_test(test_fields_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
