/* codec_probe - drives the codec-tag imports from messages (for
 * tests/component/test_codec_guests.c); built as a core module and as a
 * component. Requests "CMD TARGET CODEC":
 *   "send T C"  -> send_tagged("x") to T         "after T C" -> send_after_tagged, 1 ms
 *   "pub T C"   -> publish_tagged("x") on T      "ask T C"   -> call_tagged("x") to T,
 *                                                   answers "REPLY@REPLYCODEC"
 * Any other request is answered with the decimal codec it came with, tagged
 * with that codec + 1; a message that is no request is forwarded to "sink"
 * with its own tag. Each command answers its import's result. */
#include <wasp_guest.h>

static const char *word(const char *s, size_t n, size_t *at, size_t *len) {
    while (*at < n && s[*at] == ' ') (*at)++;
    size_t start = *at;
    while (*at < n && s[*at] != ' ') (*at)++;
    *len = *at - start;
    return s + start;
}

static int on_message(const char *msg, size_t len) {
    char out[96], target[64];
    size_t at = 0, cl, tl, nl, used;
    const char *cmd = word(msg, len, &at, &cl);
    const char *t = word(msg, len, &at, &tl);
    const char *num = word(msg, len, &at, &nl);
    long long codec = wasp_parse_int(num, nl, &used);
    if (tl >= sizeof target) return 1;
    for (size_t i = 0; i < tl; i++) target[i] = t[i];
    target[tl] = 0;
    int rc;
    if (wasp_msg_is(cmd, cl, "send")) rc = wasp_send_tagged(target, "x", 1, codec);
    else if (wasp_msg_is(cmd, cl, "after")) rc = wasp_send_after_tagged(target, "x", 1, 1, codec);
    else if (wasp_msg_is(cmd, cl, "pub")) rc = wasp_publish_tagged(target, "x", 1, codec);
    else if (wasp_msg_is(cmd, cl, "ask")) {
        char reply[32];
        int64_t reply_codec = -1;
        int n = wasp_call_tagged(target, "x", 1, codec, reply, sizeof reply, 2000, &reply_codec);
        if (n < 0) return wasp_reply(out, wasp_format(out, sizeof out, "%d", n)) < 0;
        return wasp_reply(out, wasp_format(out, sizeof out, "%.*s@%lld", n, reply, (long long)reply_codec)) < 0;
    } else {
        int64_t mine = wasp_codec();
        size_t n = wasp_format(out, sizeof out, "%lld", (long long)mine);
        rc = wasp_reply_tagged(out, n, mine + 1);
        if (rc == WASP_ENOREPLY) return wasp_send_tagged("sink", msg, len, mine) < 0;
        return rc < 0;
    }
    return wasp_reply(out, wasp_format(out, sizeof out, "%d", rc)) < 0;
}

WASP_HANDLER(on_message)
