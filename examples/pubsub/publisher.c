/* publisher - every TICK_MS publishes four sensor readings, and every 10th
 * tick an alert, for ROUNDS ticks. `publish` returns how many subscribers
 * each message reached. */
#include <wasp_guest.h>

#define ROUNDS 100
#define TICK_MS 5

static const char *const topics[] = {
    "sensors.kitchen.temp", "sensors.kitchen.humidity", "sensors.garage.temp", "sensors.garage.door",
};
static int tick;

static void start(void) { wasp_send_after_str(wasp_self_name(), "tick", TICK_MS); }

static int on_tick(const char *msg, size_t len) {
    (void)msg, (void)len;
    tick++;
    int reached = 0;
    for (unsigned i = 0; i < sizeof topics / sizeof topics[0]; i++) {
        char reading[32];
        size_t n = wasp_format(reading, sizeof reading, "%d", 20 + (tick * 7 + (int)i * 3) % 11);
        int rc = wasp_publish(topics[i], reading, n);
        if (rc < 0) wasp_logf(WASP_LOG_WARN, "publish %s: %s", topics[i], wasp_strerror(rc));
        else reached += rc;
    }
    if (tick % 10 == 0) reached += wasp_publish_str("alerts.garage.door", "open");
    if (tick % 25 == 0) wasp_logf(WASP_LOG_INFO, "tick %d: this round reached %d subscribers", tick, reached);
    if (tick < ROUNDS) return wasp_send_after_str(wasp_self_name(), "tick", TICK_MS) < 0;
    wasp_logf(WASP_LOG_INFO, "published %d rounds", ROUNDS);
    return 0;
}

WASP_START(start)
WASP_HANDLER(on_tick)
