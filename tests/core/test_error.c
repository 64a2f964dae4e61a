/* test_error.c - every error code has a distinct name and description. */
#include <string.h>

#include "testutil.h"

static void test_codes_are_described(void **state) {
    (void)state;
    for (int code = WASP_ECRASH; code <= WASP_OK; code++) {
        assert_string_not_equal(wasp_strerror(code), "unknown error");
        assert_string_not_equal(wasp_errname(code), "WASP_E?");
        for (int other = code + 1; other <= WASP_OK; other++)
            assert_string_not_equal(wasp_strerror(code), wasp_strerror(other));
    }
}

static void test_abi_codes_match_the_guest_abi(void **state) {
    (void)state;
    /* docs/ABI.md fixes these numbers; components see them. */
    assert_int_equal(WASP_ENOENT, -1);
    assert_int_equal(WASP_EFULL, -2);
    assert_int_equal(WASP_EPERM, -3);
    assert_int_equal(WASP_E2BIG, -4);
    assert_int_equal(WASP_ETIMEDOUT, -5);
    assert_int_equal(WASP_EINVAL, -6);
    assert_int_equal(WASP_ENOREPLY, -7);
    assert_int_equal(WASP_ESTOPPED, -8);
}

static void test_unknown_code(void **state) {
    (void)state;
    assert_string_equal(wasp_strerror(12345), "unknown error");
    assert_string_equal(wasp_strerror(-999), "unknown error");
    assert_string_equal(wasp_errname(1), "WASP_E?");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_described),
        cmocka_unit_test(test_abi_codes_match_the_guest_abi),
        cmocka_unit_test(test_unknown_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
