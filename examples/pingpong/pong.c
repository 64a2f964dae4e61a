/* pong - answers every "ping N" request with "pong N". */
#include <wasp_guest.h>

static int on_ping(const char *msg, size_t len) {
    if (!wasp_msg_starts_with(msg, len, "ping ")) return 1;
    char answer[32];
    size_t n = wasp_format(answer, sizeof answer, "pong %.*s", (int)(len - 5), msg + 5);
    return wasp_reply(answer, n) < 0;
}
WASP_HANDLER(on_ping)
