/* kv - a key-value service whose data outlives it: every command is a
 * message (a request gets the answer as its reply; every answer is logged):
 *
 *   put KEY VALUE   store VALUE under KEY           -> "ok", or "full" (quota)
 *   get KEY         the value                       -> VALUE, or "(none)"
 *   del KEY         remove it                       -> "ok", or "(none)"
 *   incr KEY        add 1 to a decimal counter, safe against concurrent
 *                   writers (compare-and-swap)      -> the new count
 *   list PREFIX     the keys starting with PREFIX, in order, ","-joined
 *   crash           crash (the supervisor restarts it: the data stays)
 *
 * Its state is only in storage (the manifest's `storage` grant), so a crash,
 * a restart of the host (even kill -9) and an upgrade of its code all find
 * it as it was. _start logs which version runs and how many keys it found. */
#include <wasp_guest.h>

#ifndef KV_VERSION
#define KV_VERSION 1
#endif

static char value[4096];
static char answer[4096 + 64];

static size_t word(const char *s, size_t n, size_t *at, const char **w) {
    while (*at < n && s[*at] == ' ') (*at)++;
    size_t start = *at;
    while (*at < n && s[*at] != ' ') (*at)++;
    *w = s + start;
    return *at - start;
}

static int answer_with(size_t len) {
    wasp_log(WASP_LOG_INFO, answer, len);
    wasp_reply(answer, len); /* WASP_ENOREPLY for a plain message: fine */
    return 0;
}

static int incr(const char *key, size_t klen) {
    for (;;) {
        int64_t version = 0;
        int n = wasp_kv_get_versioned(key, klen, value, sizeof value, &version);
        long long count = 0;
        size_t used = 0;
        if (n >= 0) count = wasp_parse_int(value, (size_t)n < sizeof value ? (size_t)n : sizeof value, &used);
        else version = 0; /* absent: only create it if it still is */
        char text[24];
        size_t tl = wasp_format(text, sizeof text, "%lld", count + 1);
        int64_t r = wasp_kv_cas(key, klen, text, tl, version);
        if (r > 0) return answer_with(wasp_format(answer, sizeof answer, "%.*s = %s", (int)klen, key, text));
        if (r < 0) return answer_with(wasp_format(answer, sizeof answer, "%s", wasp_strerror((int)r)));
        /* r == 0: someone else wrote it meanwhile; read again. */
    }
}

static int list(const char *prefix, size_t plen) {
    static char key[WASP_KV_KEY_MAX];
    size_t out = wasp_format(answer, sizeof answer, "keys %.*s*:", (int)plen, prefix);
    int n = 0;
    while ((n = wasp_kv_next(prefix, plen, key, (size_t)n, key, sizeof key)) > 0 && out + (size_t)n + 1 < sizeof answer) {
        answer[out++] = ' ';
        memcpy(answer + out, key, (size_t)n);
        out += (size_t)n;
    }
    return answer_with(out);
}

static int on_message(const char *msg, size_t len) {
    size_t at = 0;
    const char *cmd, *key, *val;
    size_t cl = word(msg, len, &at, &cmd), kl = word(msg, len, &at, &key);
    while (at < len && msg[at] == ' ') at++;
    val = msg + at;
    size_t vl = len - at;
    if (wasp_msg_is(cmd, cl, "crash")) wasp_crash("asked to crash");
    if (wasp_msg_is(cmd, cl, "list")) return list(key, kl);
    if (kl == 0) return answer_with(wasp_format(answer, sizeof answer, "usage: put|get|del|incr KEY ..."));
    if (wasp_msg_is(cmd, cl, "put")) {
        int rc = wasp_kv_put(key, kl, val, vl);
        return answer_with(wasp_format(answer, sizeof answer, "put %.*s: %s", (int)kl, key,
                                       rc == 0 ? "ok" : rc == WASP_ELIMIT ? "full" : wasp_strerror(rc)));
    }
    if (wasp_msg_is(cmd, cl, "get")) {
        int n = wasp_kv_get(key, kl, value, sizeof value);
        if (n < 0) return answer_with(wasp_format(answer, sizeof answer, "%.*s = (none)", (int)kl, key));
        return answer_with(wasp_format(answer, sizeof answer, "%.*s = %.*s", (int)kl, key,
                                       (int)((size_t)n < sizeof value ? (size_t)n : sizeof value), value));
    }
    if (wasp_msg_is(cmd, cl, "del")) {
        int rc = wasp_kv_delete(key, kl);
        return answer_with(wasp_format(answer, sizeof answer, "del %.*s: %s", (int)kl, key, rc == 0 ? "ok" : "(none)"));
    }
    if (wasp_msg_is(cmd, cl, "incr")) return incr(key, kl);
    return answer_with(wasp_format(answer, sizeof answer, "unknown command %.*s", (int)cl, cmd));
}

static void on_start(void) {
    static char key[WASP_KV_KEY_MAX];
    int n = 0, keys = 0;
    while ((n = wasp_kv_next("", 0, key, (size_t)n, key, sizeof key)) > 0) keys++;
    wasp_logf(WASP_LOG_INFO, "kv v%d ready, %d keys stored", KV_VERSION, keys);
}

WASP_HANDLER(on_message)
WASP_START(on_start)
