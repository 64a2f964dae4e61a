/* pinger - a message [count] (one int32) makes `count` calls of "pong"
 * with "ping", then sends "done" a tick. */
#include <wasp_guest.h>

static int on_message(const char *msg, size_t len) {
    int32_t count;
    if (len != sizeof count) return 1;
    memcpy(&count, msg, sizeof count);
    char out[16];
    for (int32_t i = 0; i < count; i++)
        if (wasp_call("pong", "ping", 4, out, sizeof out, 0) != 4) return 1;
    return wasp_send("done", "ping", 4) < 0;
}
WASP_HANDLER(on_message)
