/* kv_probe - drives the storage imports from requests and answers with what
 * they returned (for tests/component/test_component_kv.c):
 *   "put K V"       -> kv_put's result          "get K"   -> the value, or "E<code>"
 *   "del K"         -> kv_delete's result       "ver K"   -> "<len>@<version>" or "E<code>"
 *   "cas K V EXP"   -> kv_cas's result          "list P"  -> keys with prefix P, ","-joined
 *   "fill K N"      -> kv_put of N bytes        "keys"    -> results of a 0- and a 1025-byte key
 *   "oob"           -> kv_get with a value buffer outside memory (traps)
 *   "trap"          -> traps
 * Built as a core module and as a component (the same answers: both ABIs). */
#include <wasp_guest.h>

static char buf[4096];

/* The next space-separated word of (s, n) from *at. */
static const char *word(const char *s, size_t n, size_t *at, size_t *len) {
    while (*at < n && s[*at] == ' ') (*at)++;
    size_t start = *at;
    while (*at < n && s[*at] != ' ') (*at)++;
    *len = *at - start;
    return s + start;
}

static int reply_int(long long v) {
    char t[32];
    return wasp_reply(t, wasp_format(t, sizeof t, "%lld", v));
}

static int on_message(const char *msg, size_t len) {
    size_t at = 0, cl, kl, vl, el;
    const char *cmd = word(msg, len, &at, &cl);
    const char *k = word(msg, len, &at, &kl);
    const char *v = word(msg, len, &at, &vl);
    const char *e = word(msg, len, &at, &el);
    if (wasp_msg_is(cmd, cl, "put")) return reply_int(wasp_kv_put(k, kl, v, vl));
    if (wasp_msg_is(cmd, cl, "del")) return reply_int(wasp_kv_delete(k, kl));
    if (wasp_msg_is(cmd, cl, "get")) {
        int n = wasp_kv_get(k, kl, buf, sizeof buf);
        if (n < 0) return reply_int(n);
        return wasp_reply(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf);
    }
    if (wasp_msg_is(cmd, cl, "ver")) {
        int64_t ver = 0;
        int n = wasp_kv_get_versioned(k, kl, buf, sizeof buf, &ver);
        char t[48];
        if (n < 0) return reply_int(n);
        return wasp_reply(t, wasp_format(t, sizeof t, "%d@%lld", n, (long long)ver));
    }
    if (wasp_msg_is(cmd, cl, "cas")) {
        size_t used = 0;
        long long expect = wasp_parse_int(e, el, &used);
        return reply_int(wasp_kv_cas(k, kl, v, vl, expect));
    }
    if (wasp_msg_is(cmd, cl, "fill")) {
        size_t used = 0;
        long long n = wasp_parse_int(v, vl, &used);
        static char big[65536];
        for (long long i = 0; i < n && i < (long long)sizeof big; i++) big[i] = (char)('a' + i % 26);
        return reply_int(wasp_kv_put(k, kl, big, (size_t)n));
    }
    if (wasp_msg_is(cmd, cl, "list")) {
        static char key[WASP_KV_KEY_MAX];
        size_t out = 0;
        int n = 0;
        while ((n = wasp_kv_next(k, kl, key, (size_t)n, key, sizeof key)) > 0) {
            if (out && out < sizeof buf) buf[out++] = ',';
            for (int i = 0; i < n && out < sizeof buf; i++) buf[out++] = key[i];
        }
        return wasp_reply(buf, out);
    }
    if (wasp_msg_is(cmd, cl, "keys")) {
        static char long_key[WASP_KV_KEY_MAX + 1];
        for (size_t i = 0; i < sizeof long_key; i++) long_key[i] = 'k';
        int a = wasp_kv_put(long_key, 0, "v", 1), b = wasp_kv_put(long_key, sizeof long_key, "v", 1);
        int c = wasp_kv_put(long_key, WASP_KV_KEY_MAX, "v", 1);
        char t[48];
        return wasp_reply(t, wasp_format(t, sizeof t, "%d %d %d", a, b, c));
    }
    if (wasp_msg_is(cmd, cl, "oob")) return wasp_kv_get("k", 1, (void *)0x7ffffff0, 1000);
    if (wasp_msg_is(cmd, cl, "trap")) __builtin_trap();
    return 1;
}

WASP_HANDLER(on_message)
