/* counter - counts the messages it handles and logs the count.
 * A request is answered with the count so far, in decimal ("42");
 * `_cleanup` logs the final count, `_health` always reports healthy. */
#include <wasp_guest.h>

static long long count;

static int on_message(const char *msg, size_t len) {
    count++;
    wasp_logf(WASP_LOG_INFO, "count=%lld (%.*s)", count, (int)len, msg);
    char text[24];
    size_t n = wasp_format(text, sizeof text, "%lld", count);
    wasp_reply(text, n); /* WASP_ENOREPLY for a plain message: fine */
    return 0;
}

static void on_stop(void) { wasp_logf(WASP_LOG_INFO, "stopping after %lld messages", count); }
static int health(void) { return WASP_HEALTHY; }

WASP_HANDLER(on_message)
WASP_CLEANUP(on_stop)
WASP_HEALTH(health)
