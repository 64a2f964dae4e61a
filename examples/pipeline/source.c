/* source - produces the numbers 1..TOTAL, BATCH of them every TICK_MS, and
 * sends each to the `transform` pool (one of its instances, round-robin). */
#include <wasp_guest.h>

#define TOTAL 1000
#define BATCH 10
#define TICK_MS 5

static int next = 1;

static void start(void) { wasp_send_after_str(wasp_self_name(), "tick", TICK_MS); }

static int on_tick(const char *msg, size_t len) {
    (void)msg, (void)len;
    for (int i = 0; i < BATCH && next <= TOTAL; i++, next++) {
        char item[16];
        size_t n = wasp_format(item, sizeof item, "%d", next);
        int rc = wasp_send("transform", item, n);
        if (rc < 0) wasp_logf(WASP_LOG_WARN, "item %d lost: %s", next, wasp_strerror(rc));
    }
    if (next <= TOTAL) return wasp_send_after_str(wasp_self_name(), "tick", TICK_MS) < 0;
    wasp_logf(WASP_LOG_INFO, "all %d items sent", TOTAL);
    return 0;
}

WASP_START(start)
WASP_HANDLER(on_tick)
