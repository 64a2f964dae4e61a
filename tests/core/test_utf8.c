/* test_utf8.c - the one UTF-8 validator: Unicode table 3-7 boundaries. */
#include "testutil.h"
#include "core/utf8.h"

#define AT(lit) wasp__utf8_invalid_at((const uint8_t *)(lit), sizeof(lit) - 1)

static void test_valid(void **state) {
    (void)state;
    assert_int_equal(AT(""), 0);
    assert_int_equal(AT("orders.new"), 10);
    assert_int_equal(AT("\xC2\x80"), 2);                 /* U+0080, smallest 2-byte */
    assert_int_equal(AT("\xDF\xBF"), 2);                 /* U+07FF */
    assert_int_equal(AT("\xE0\xA0\x80"), 3);             /* U+0800 */
    assert_int_equal(AT("\xED\x9F\xBF"), 3);             /* U+D7FF, just below surrogates */
    assert_int_equal(AT("\xEE\x80\x80"), 3);             /* U+E000, just above */
    assert_int_equal(AT("\xF0\x90\x80\x80"), 4);         /* U+10000 */
    assert_int_equal(AT("\xF4\x8F\xBF\xBF"), 4);         /* U+10FFFF, the last */
    assert_int_equal(AT("h\xC3\xA9llo \xE2\x82\xAC"), 10); /* mixed */
    assert_true(wasp__utf8_valid("caf\xC3\xA9", 5));
}

static void test_invalid(void **state) {
    (void)state;
    assert_int_equal(AT("a\0b"), 1);                     /* NUL */
    assert_int_equal(AT("ab\x80"), 2);                   /* stray continuation */
    assert_int_equal(AT("\xC0\x80"), 0);                 /* overlong NUL */
    assert_int_equal(AT("\xC1\xBF"), 0);                 /* overlong */
    assert_int_equal(AT("\xE0\x80\x80"), 0);             /* overlong 3-byte */
    assert_int_equal(AT("\xE0\x9F\xBF"), 0);             /* overlong U+07FF */
    assert_int_equal(AT("\xED\xA0\x80"), 0);             /* surrogate U+D800 */
    assert_int_equal(AT("\xED\xBF\xBF"), 0);             /* surrogate U+DFFF */
    assert_int_equal(AT("\xF0\x8F\xBF\xBF"), 0);         /* overlong 4-byte */
    assert_int_equal(AT("\xF4\x90\x80\x80"), 0);         /* above U+10FFFF */
    assert_int_equal(AT("\xF5\x80\x80\x80"), 0);         /* no such lead byte */
    assert_int_equal(AT("\xFF"), 0);
    assert_int_equal(AT("ok\xE2\x82"), 2);               /* truncated at the end */
    assert_int_equal(AT("\xE2\x28\xA1"), 0);             /* bad continuation */
    assert_int_equal(AT("\xF0\x90\x80\x41"), 0);         /* bad last continuation */
    assert_false(wasp__utf8_valid("\xC3", 1));
}

/* Escaping counted bytes: NUL and a cut sequence at the end are escaped,
 * and *used says where a full output stopped (never mid-escape or mid-character). */
static void test_escape_counted(void **state) {
    (void)state;
    char out[64];
    size_t used = 0;
    static const uint8_t in[] = {'a', 0, 'b', '\n', 0xc3, 0xa9, 0xe2, 0x82};
    assert_int_equal(wasp__utf8_escape(in, sizeof(in), out, sizeof(out), &used), 20);
    assert_string_equal(out, "a\\x00b\\x0a\xc3\xa9\\xe2\\x82");
    assert_int_equal(used, sizeof(in));
    assert_int_equal(wasp__utf8_escape(in, sizeof(in), out, 5, &used), 1); /* "a" and no room for \x00 */
    assert_int_equal(used, 1);
    assert_int_equal(wasp__utf8_escape(in + 4, 2, out, 3, &used), 2); /* é whole */
    assert_int_equal(wasp__utf8_escape(in + 4, 2, out, 2, &used), 0); /* no half é */
    assert_int_equal(used, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_escape_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
