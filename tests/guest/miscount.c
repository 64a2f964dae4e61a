/* miscount - a deliberately broken tally, for the testing kit's own tests:
 * it should answer "count" with the number of messages counted so far,
 * but it forgets the first one (an off-by-one bug on purpose). */
#include <wasp_guest.h>

static int seen;

static int on_message(const char *msg, size_t len) {
    if (wasp_msg_is(msg, len, "count")) {
        char out[16];
        wasp_reply(out, wasp_format(out, sizeof out, "%d", seen > 0 ? seen - 1 : 0));
        return 0;
    }
    seen++;
    return 0;
}
WASP_HANDLER(on_message)
