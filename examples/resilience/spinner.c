/* spinner - "spin" starts a computation that never ends. The scheduler
 * preempts it every `timeslice`, so the other actors keep running, and
 * `max_handle_time` turns it into a crash; it is restarted. */
#include <wasp_guest.h>

static volatile unsigned long long work;

static int on_spin(const char *msg, size_t len) {
    (void)msg, (void)len;
    wasp_log_info("thinking very hard...");
    for (;;) work++;
}
WASP_HANDLER(on_spin)
