/* feeder - the load: a timer every TICK_MS, and on each tick
 *   counter  gets "tick N"                         (always)
 *   fragile  gets "crash" / "error" / "job N"     (a crash every 25 ticks)
 *   hungry   gets "eat"                            (every 4 ticks)
 *   spinner  gets "spin"                           (every 50 ticks)
 * A refused send (a full or stopping mailbox) is counted, not fatal. */
#include <wasp_guest.h>

#define TICK_MS 10

static long long tick, refused;

static void feed(const char *to, const char *text) {
    if (wasp_send_str(to, text) < 0) refused++;
}

static void start(void) { wasp_send_after_str(wasp_self_name(), "tick", TICK_MS); }

static int on_tick(const char *msg, size_t len) {
    (void)msg, (void)len;
    char text[32];
    tick++;
    wasp_format(text, sizeof text, "tick %lld", tick);
    feed("counter", text);
    if (tick % 25 == 0) feed("fragile", "crash");
    else if (tick % 10 == 0) feed("fragile", "error");
    else {
        wasp_format(text, sizeof text, "job %lld", tick);
        feed("fragile", text);
    }
    if (tick % 4 == 0) feed("hungry", "eat");
    if (tick % 50 == 0) feed("spinner", "spin");
    if (tick % 100 == 0) wasp_logf(WASP_LOG_INFO, "tick %lld (%lld sends refused so far)", tick, refused);
    return wasp_send_after_str(wasp_self_name(), "tick", TICK_MS) < 0;
}

WASP_START(start)
WASP_HANDLER(on_tick)
