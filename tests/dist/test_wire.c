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
    uint8_t buf[300];
    size_t h = wasp__dist_frame_head(buf, WASP__DIST_REQUEST | WASP__DIST_HIGH, 1234567890123ull, "ping", 0);
    assert_int_equal(h, 1 + 8 + 1 + 4);
    memcpy(buf + h, "hi", 2);
    struct wasp__dist_frame f;
    assert_int_equal(wasp__dist_frame_parse(buf, h + 2, &f), WASP_OK);
    assert_int_equal(f.flags, WASP__DIST_REQUEST | WASP__DIST_HIGH | WASP__DIST_SENDER);
    assert_int_equal(f.timeout_ns, 1234567890123ull);
    assert_int_equal(f.sender_len, 4);
    assert_memory_equal(f.sender, "ping", 4);
    assert_int_equal(f.len, 2);
    assert_memory_equal(f.data, "hi", 2);
    /* no sender, not a request: one byte */
    assert_int_equal(wasp__dist_frame_head(buf, 0, 99, "", 0), 1);
    assert_int_equal(wasp__dist_frame_parse(buf, 1, &f), WASP_OK);
    assert_int_equal(f.len, 0);
    assert_int_equal(f.timeout_ns, 0);
    assert_null(f.sender);
    /* malformed: empty, unknown flag bits, a request without its timeout,
     * a sender longer than the frame or empty */
    assert_int_equal(wasp__dist_frame_parse(buf, 0, &f), WASP_EINVAL);
    buf[0] = 0x80;
    assert_int_equal(wasp__dist_frame_parse(buf, 1, &f), WASP_EINVAL);
    buf[0] = WASP__DIST_REQUEST;
    assert_int_equal(wasp__dist_frame_parse(buf, 5, &f), WASP_EINVAL);
    buf[0] = WASP__DIST_SENDER;
    buf[1] = 10;
    assert_int_equal(wasp__dist_frame_parse(buf, 5, &f), WASP_EINVAL);
    buf[1] = 0;
    assert_int_equal(wasp__dist_frame_parse(buf, 5, &f), WASP_EINVAL);
}

/* A codec tag travels in the frame and comes back out; a tag of 0 or past
 * WASP_CODEC_MAX, or one cut short, is refused. */
static void test_frame_codec(void **state) {
    (void)state;
    uint8_t buf[300];
    size_t h = wasp__dist_frame_head(buf, WASP__DIST_REQUEST, 5, "a", WASP_CODEC_CBOR);
    assert_int_equal(h, 1 + 8 + 8 + 1 + 1);
    struct wasp__dist_frame f;
    assert_int_equal(wasp__dist_frame_parse(buf, h, &f), WASP_OK);
    assert_int_equal(f.flags, WASP__DIST_REQUEST | WASP__DIST_SENDER | WASP__DIST_CODEC);
    assert_int_equal(f.codec, WASP_CODEC_CBOR);
    assert_int_equal(f.timeout_ns, 5);
    assert_memory_equal(f.sender, "a", 1);
    h = wasp__dist_frame_head(buf, 0, 0, NULL, WASP_CODEC_MAX);
    assert_int_equal(wasp__dist_frame_parse(buf, h, &f), WASP_OK);
    assert_true(f.codec == WASP_CODEC_MAX);
    assert_int_equal(wasp__dist_frame_parse(buf, h - 1, &f), WASP_EINVAL);
    buf[8] = 0x80; /* past WASP_CODEC_MAX */
    assert_int_equal(wasp__dist_frame_parse(buf, h, &f), WASP_EINVAL);
    memset(buf + 1, 0, 8); /* the flag without a tag */
    assert_int_equal(wasp__dist_frame_parse(buf, h, &f), WASP_EINVAL);
}

/* A batch walks frame by frame; a length past the end or a missing batch
 * byte is malformed, never read beyond. */
static void test_batches(void **state) {
    (void)state;
    const uint8_t batch[] = {WASP__DIST_BATCH, 2, 0, 0, 0, 0, 'a', 1, 0, 0, 0, 0};
    size_t off = 0, flen = 0;
    const void *frame = NULL;
    assert_int_equal(wasp__dist_batch_next(batch, sizeof(batch), &off, &frame, &flen), 1);
    assert_int_equal(flen, 2);
    assert_memory_equal(frame, "\0a", 2);
    assert_int_equal(wasp__dist_batch_next(batch, sizeof(batch), &off, &frame, &flen), 1);
    assert_int_equal(flen, 1);
    assert_int_equal(wasp__dist_batch_next(batch, sizeof(batch), &off, &frame, &flen), 0);
    off = 0; /* the second length claims more than is left */
    const uint8_t cut[] = {WASP__DIST_BATCH, 1, 0, 0, 0, 0, 9, 0, 0, 0, 0};
    assert_int_equal(wasp__dist_batch_next(cut, sizeof(cut), &off, &frame, &flen), 1);
    assert_int_equal(wasp__dist_batch_next(cut, sizeof(cut), &off, &frame, &flen), WASP_EINVAL);
    off = 0;
    const uint8_t torn[] = {WASP__DIST_BATCH, 1, 0};
    assert_int_equal(wasp__dist_batch_next(torn, sizeof(torn), &off, &frame, &flen), WASP_EINVAL);
    off = 0;
    assert_int_equal(wasp__dist_batch_next(batch + 1, sizeof(batch) - 1, &off, &frame, &flen), WASP_EINVAL);
    /* no frame is a batch: the flag is refused in a frame */
    struct wasp__dist_frame f;
    assert_int_equal(wasp__dist_frame_parse(batch, sizeof(batch), &f), WASP_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_subjects),
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_frame_codec),
        cmocka_unit_test(test_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
