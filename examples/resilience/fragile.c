/* fragile - does its jobs, reports a handler error on "error" (counted, it
 * goes on) and traps on "crash" (its supervisor restarts a fresh instance;
 * the jobs queued meanwhile wait in its mailbox). */
#include <wasp_guest.h>

static int jobs; /* since this instance started */

static int on_job(const char *msg, size_t len) {
    if (wasp_msg_is(msg, len, "crash")) {
        wasp_logf(WASP_LOG_WARN, "crashing after %d jobs", jobs);
        __builtin_trap();
    }
    if (wasp_msg_is(msg, len, "error")) return 1;
    jobs++;
    return 0;
}
WASP_HANDLER(on_job)
