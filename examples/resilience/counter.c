/* counter - the healthy one: counts ticks and reports healthy. Whatever
 * happens to its neighbours, its count keeps growing. */
#include <wasp_guest.h>

static long long ticks;

static int on_tick(const char *msg, size_t len) {
    (void)msg, (void)len;
    if (++ticks % 100 == 0) wasp_logf(WASP_LOG_INFO, "still counting: %lld", ticks);
    return 0;
}
static int health(void) { return WASP_HEALTHY; }
static void stop(void) { wasp_logf(WASP_LOG_INFO, "stopping at %lld", ticks); }

WASP_HANDLER(on_tick)
WASP_HEALTH(health)
WASP_CLEANUP(stop)
