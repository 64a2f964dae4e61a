/* crasher - traps on "crash", crashes on purpose through the SDK on
 * "reason" (wasp_crash), "abort" (abort()) and "assert" (WASP_ASSERT),
 * reports a handler error on "error", and otherwise handles the message
 * (answering "ok" to a request). */
#include <wasp_guest.h>

static int on_message(const char *msg, size_t len) {
    if (wasp_msg_is(msg, len, "crash")) {
        wasp_log_warn("crashing on purpose");
        __builtin_trap();
    }
    if (wasp_msg_is(msg, len, "reason")) wasp_crashf("out of %s", "widgets");
    if (wasp_msg_is(msg, len, "abort")) abort();
    if (wasp_msg_starts_with(msg, len, "assert")) WASP_ASSERT(len == 6);
    if (wasp_msg_is(msg, len, "error")) return 1;
    wasp_reply_str("ok");
    return 0;
}
WASP_HANDLER(on_message)
