/* test_sha256.c - SHA-256 against the FIPS 180-4 test vectors. */
#include <string.h>

#include "core/sha256.h"
#include "testutil.h"

static void check(const char *msg, size_t len, const char *expect) {
    uint8_t d[WASP_SHA256_LEN];
    char hex[2 * WASP_SHA256_LEN + 1];
    wasp__sha256(msg, len, d);
    wasp__sha256_hex(d, hex);
    assert_string_equal(hex, expect);
}

static void test_vectors(void **state) {
    (void)state;
    check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(two_blocks, strlen(two_blocks),
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_incremental_equals_one_shot(void **state) {
    (void)state;
    uint8_t buf[1000], a[WASP_SHA256_LEN], b[WASP_SHA256_LEN];
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (uint8_t)(i * 7);
    wasp__sha256(buf, sizeof(buf), a);
    struct wasp__sha256 h;
    wasp__sha256_init(&h);
    for (size_t i = 0; i < sizeof(buf); i += 13)
        wasp__sha256_update(&h, buf + i, sizeof(buf) - i < 13 ? sizeof(buf) - i : 13);
    wasp__sha256_final(&h, b);
    assert_memory_equal(a, b, WASP_SHA256_LEN);
}

static void test_million_a(void **state) {
    (void)state;
    struct wasp__sha256 h;
    uint8_t d[WASP_SHA256_LEN];
    char hex[65];
    wasp__sha256_init(&h);
    uint8_t a1000[1000];
    memset(a1000, 'a', sizeof(a1000));
    for (int i = 0; i < 1000; i++) wasp__sha256_update(&h, a1000, sizeof(a1000));
    wasp__sha256_final(&h, d);
    wasp__sha256_hex(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_incremental_equals_one_shot),
        cmocka_unit_test(test_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
