/* test_name.c - the one rule for component and supervisor names. */
#include <string.h>

#include "testutil.h"
#include "core/name.h"

static void test_names(void **state) {
    (void)state;
    assert_int_equal(wasp__unit_name_check("orders"), WASP__NAME_OK);
    assert_int_equal(wasp__unit_name_check("a-b_C9"), WASP__NAME_OK);
    assert_int_equal(wasp__unit_name_check(NULL), WASP__NAME_CHARS);
    assert_int_equal(wasp__unit_name_check(""), WASP__NAME_CHARS);
    assert_int_equal(wasp__unit_name_check("a.b"), WASP__NAME_CHARS); /* '.' makes instance names */
    assert_int_equal(wasp__unit_name_check("caf\xC3\xA9"), WASP__NAME_CHARS);
    assert_int_equal(wasp__unit_name_check("wasp"), WASP__NAME_RESERVED);
    assert_int_equal(wasp__unit_name_check("wasp2"), WASP__NAME_OK);
    char s[WASP__UNIT_NAME_MAX + 2];
    memset(s, 'x', sizeof(s) - 1);
    s[sizeof(s) - 1] = 0;
    assert_int_equal(wasp__unit_name_check(s), WASP__NAME_LONG);
    s[WASP__UNIT_NAME_MAX] = 0;
    assert_int_equal(wasp__unit_name_check(s), WASP__NAME_OK);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_names)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
