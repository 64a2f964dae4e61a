/* fragile - does its jobs, reports a handler error on "error" (counted, it
 * goes on) and crashes on "crash" with a reason, through wasp_crashf (its
 * supervisor restarts a fresh instance; the jobs queued meanwhile wait in
 * its mailbox; the reason is in the crash's log line and `wasp top`). */
#include <wasp_guest.h>

static int jobs; /* since this instance started */

static int on_job(const char *msg, size_t len) {
    if (wasp_msg_is(msg, len, "crash")) wasp_crashf("asked to crash after %d jobs", jobs);
    if (wasp_msg_is(msg, len, "error")) return 1;
    jobs++;
    return 0;
}
WASP_HANDLER(on_job)
