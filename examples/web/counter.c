/* counter - counts the ticks `ticker` sends; a request "count" is answered
 * with the count so far (from `api`, or from the shell with wasp call). */
#include <wasp_guest.h>

static long long ticks;

static int on_message(const char *msg, size_t len) {
    if (wasp_msg_is(msg, len, "count")) {
        char out[32];
        size_t n = wasp_format(out, sizeof(out), "%lld", ticks);
        return wasp_reply(out, n) < 0;
    }
    ticks++;
    return 0;
}
WASP_HANDLER(on_message)
