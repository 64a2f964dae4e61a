/* test_wire.c - subjects and frames of the multi-node layer: what NATS
 * cannot carry is refused before anything is published. */
#include "dist/dist.h"
#include "testutil.h"

static void test_tokens(void **state) {
    (void)state;
    assert_true(wasp__dist_token_ok("n1"));
    assert_true(wasp__dist_token_ok("node_A-2"));
    assert_false(wasp__dist_token_ok(""));
    assert_false(wasp__dist_token_ok(NULL));
    assert_false(wasp__dist_token_ok("a.b"));
    assert_false(wasp__dist_token_ok("a b"));
    assert_false(wasp__dist_token_ok("*"));
    char long_name[80];
    memset(long_name, 'x', 65);
    long_name[65] = 0;
    assert_false(wasp__dist_token_ok(long_name));
    long_name[64] = 0;
    assert_true(wasp__dist_token_ok(long_name));
}

static void test_subjects(void **state) {
    (void)state;
    char s[128];
    assert_int_equal(wasp__dist_name_subject(s, sizeof(s), "shop", "n1", "orders.0"), WASP_OK);
    assert_string_equal(s, "wasp.shop.a.n1.orders.0");
    assert_int_equal(wasp__dist_subject(s, sizeof(s), "shop", "t", "news.today"), WASP_OK);
    assert_string_equal(s, "wasp.shop.t.news.today");
    static const char *const bad[] = {"", "a b", "a\tb", "a\nb", "a*", "a.>", ">", "a..b", ".a",
                                      "a.", "a\x7f"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(wasp__dist_subject(s, sizeof(s), "shop", "t", bad[i]), WASP_EINVAL);
        assert_int_equal(wasp__dist_name_subject(s, sizeof(s), "shop", "n1", bad[i]), WASP_EINVAL);
    }
    assert_int_equal(wasp__dist_name_subject(s, sizeof(s), "shop", "n.1", "a"), WASP_EINVAL);
    assert_int_equal(wasp__dist_subject(s, 16, "shop", "t", "a.long.topic.name"), WASP_E2BIG);
}

static void test_frames(void **state) {
    (void)state;
    uint8_t buf[32];
    size_t h = wasp__dist_frame_head(buf, WASP__DIST_REQUEST | WASP__DIST_HIGH, 1234567890123ull);
    assert_int_equal(h, 9);
    memcpy(buf + h, "hi", 2);
    unsigned flags;
    uint64_t t;
    const void *data;
    size_t len;
    assert_int_equal(wasp__dist_frame_parse(buf, h + 2, &flags, &t, &data, &len), WASP_OK);
    assert_int_equal(flags, WASP__DIST_REQUEST | WASP__DIST_HIGH);
    assert_int_equal(t, 1234567890123ull);
    assert_int_equal(len, 2);
    assert_memory_equal(data, "hi", 2);
    assert_int_equal(wasp__dist_frame_head(buf, 0, 99), 1);
    assert_int_equal(wasp__dist_frame_parse(buf, 1, &flags, &t, &data, &len), WASP_OK);
    assert_int_equal(len, 0);
    assert_int_equal(t, 0);
    /* malformed: empty, unknown flag bits, a request without its timeout */
    assert_int_equal(wasp__dist_frame_parse(buf, 0, &flags, &t, &data, &len), WASP_EINVAL);
    buf[0] = 0x80;
    assert_int_equal(wasp__dist_frame_parse(buf, 1, &flags, &t, &data, &len), WASP_EINVAL);
    buf[0] = WASP__DIST_REQUEST;
    assert_int_equal(wasp__dist_frame_parse(buf, 5, &flags, &t, &data, &len), WASP_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_subjects),
        cmocka_unit_test(test_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
