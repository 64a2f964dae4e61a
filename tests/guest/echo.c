/* echo - answers every message with the same bytes.
 * A request (wasp_call) gets a reply; a plain message goes back to its
 * sender, if it has one (an outside message is only logged). */
#include <wasp_guest.h>

static int on_message(const char *msg, size_t len) {
    if (wasp_reply(msg, len) != WASP_ENOREPLY) return 0;
    const char *from = wasp_sender_name();
    if (!from[0]) {
        wasp_logf(WASP_LOG_INFO, "echo: %.*s", (int)len, msg);
        return 0;
    }
    return wasp_send(from, msg, len) < 0;
}
WASP_HANDLER(on_message)
