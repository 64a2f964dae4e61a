/* sdk_probe - exercises the guest SDK for tests/examples/test_sdk.c, which
 * hosts it with stub imports. Each message names a check; results are
 * reported through wasp_log so the test can compare them. */
#include <wasp_guest.h>

#if defined(__wasi__)
#include <assert.h> /* wasi-libc's: a failed assert() crashes through the SDK's __assert_fail */
#define PROBE_ASSERT(cond) assert(cond)
#else
#define PROBE_ASSERT(cond) WASP_ASSERT(cond)
#endif

static void log_rc(const char *what, int rc) { wasp_logf(WASP_LOG_INFO, "%s=%d", what, rc); }

/* Allocates, fills, checks and frees blocks of many sizes; "malloc ok". */
static int check_malloc(void) {
    enum { N = 64 };
    unsigned char *blocks[N];
    size_t sizes[N];
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) {
            sizes[i] = (size_t)((i * 7919 + round * 131) % (i % 8 == 0 ? 200000 : 3000)) + 1;
            blocks[i] = wasp_malloc(sizes[i]);
            if (!blocks[i]) return wasp_log_error("malloc returned NULL"), 1;
            if ((uintptr_t)blocks[i] % 16) return wasp_log_error("malloc misaligned"), 1;
            memset(blocks[i], i, sizes[i]);
        }
        for (int i = 0; i < N; i += 2) {
            unsigned char *q = wasp_realloc(blocks[i], sizes[i] * 2);
            if (!q) return wasp_log_error("realloc returned NULL"), 1;
            memset(q + sizes[i], i, sizes[i]);
            blocks[i] = q;
            sizes[i] *= 2;
        }
        for (int i = 0; i < N; i++) {
            for (size_t k = 0; k < sizes[i]; k++)
                if (blocks[i][k] != (unsigned char)i) return wasp_logf(WASP_LOG_ERROR, "block %d corrupted", i), 1;
            wasp_free(blocks[i]);
        }
    }
    wasp_log_info("malloc ok");
    return 0;
}

static int on_message(const char *msg, size_t len) {
    if (wasp_msg_is(msg, len, "fmt")) {
        wasp_logf(WASP_LOG_INFO, "%d|%5d|%-5d|%05d|%x|%s|%.3s|%c|%lld|%zu|%%|%u|%i|%.*s|%s", -42, 42, 42, -42, 255,
                  "str", "abcdef", 'z', -1234567890123LL, (size_t)7, 4000000000u, 0, 2, "xyz", (const char *)0);
        char small[6];
        size_t n = wasp_format(small, sizeof small, "%s", "truncated");
        wasp_logf(WASP_LOG_INFO, "small=%s n=%zu", small, n);
        return 0;
    }
    if (wasp_msg_starts_with(msg, len, "nul"))
        return wasp_log_info(msg[len] == 0 ? "nul ok" : "nul missing"), 0;
    if (wasp_msg_is(msg, len, "malloc")) return check_malloc();
    if (wasp_msg_is(msg, len, "names")) {
        wasp_logf(WASP_LOG_INFO, "sender=%s self=%s topic=%s", wasp_sender_name(), wasp_self_name(),
                  wasp_topic_name());
        return 0;
    }
    if (wasp_msg_is(msg, len, "call")) {
        char out[8];
        int n = wasp_call_str("svc", "question", out, sizeof out, 250);
        wasp_logf(WASP_LOG_INFO, "call n=%d out=%s", n, out);
        return 0;
    }
    if (wasp_msg_is(msg, len, "imports")) {
        log_rc("send", wasp_send_str("peer", "hello"));
        log_rc("publish", wasp_publish_str("a.b", "news"));
        log_rc("subscribe", wasp_subscribe("a.*"));
        log_rc("unsubscribe", wasp_unsubscribe("a.*"));
        log_rc("send_after", wasp_send_after_str("peer", "later", 5));
        log_rc("reply", wasp_reply_str("answer"));
        wasp_logf(WASP_LOG_INFO, "now=%lld", (long long)wasp_now_ms());
        wasp_log_trace("t");
        wasp_log_debug("d");
        wasp_log_warn("w");
        wasp_log_error("e");
        return 0;
    }
    if (wasp_msg_is(msg, len, "parse")) {
        size_t u1, u2, u3;
        long long a = wasp_parse_int("123abc", 6, &u1), b = wasp_parse_int("-77", 3, &u2);
        long long c = wasp_parse_int("x", 1, &u3);
        wasp_logf(WASP_LOG_INFO, "parse %lld/%zu %lld/%zu %lld/%zu %s", a, u1, b, u2, c, u3,
                  wasp_strerror(WASP_ETIMEDOUT));
        return 0;
    }
    if (wasp_msg_is(msg, len, "trap")) __builtin_trap();
    /* Crashing on purpose: each through the import `crash`, with a reason. */
    if (wasp_msg_is(msg, len, "crash")) wasp_crash("out of widgets");
    if (wasp_msg_is(msg, len, "crashf")) wasp_crashf("%d widgets short", 3);
    if (wasp_msg_is(msg, len, "abort")) abort();
    if (wasp_msg_is(msg, len, "assert")) PROBE_ASSERT(len == 3);
    return 7;
}

static int started;
static void start(void) { started = 1, wasp_log_info("started"); }
static void cleanup(void) { wasp_log_info("cleanup"); }
static int health(void) { return started ? WASP_DEGRADED : WASP_UNHEALTHY; }

WASP_HANDLER(on_message)
WASP_START(start)
WASP_CLEANUP(cleanup)
WASP_HEALTH(health)
