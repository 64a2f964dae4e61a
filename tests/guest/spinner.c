/* spinner - never returns from a message: an endless loop that only
 * preemption (time slices) and limits.max_handle_time can stop. */
#include <wasp_guest.h>

static volatile unsigned long long spins;

static int on_message(const char *msg, size_t len) {
    (void)msg;
    (void)len;
    wasp_log_info("spinning forever");
    for (;;) spins++;
}
WASP_HANDLER(on_message)
