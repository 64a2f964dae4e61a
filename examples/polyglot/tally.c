/* tally - a core module (the `wasp` import ABI): counts the orders it sees
 * on orders.> and answers "count" requests with the total. */
#include <wasp_guest.h>

static int orders;

static int on_message(const char *msg, size_t len) {
    if (wasp_topic_name()[0]) {
        orders++;
        return 0;
    }
    if (!wasp_msg_is(msg, len, "count")) return 1;
    char text[16];
    return wasp_reply(text, wasp_format(text, sizeof text, "%d", orders)) < 0;
}

WASP_HANDLER(on_message)
