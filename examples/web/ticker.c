/* ticker - the load: sends `counter` a tick every 10 ms from its own timer. */
#include <wasp_guest.h>

static void start(void) { wasp_send_after_str("ticker", "tick", 10); }

static int on_tick(const char *msg, size_t len) {
    (void)msg, (void)len;
    wasp_send_str("counter", "tick");
    return wasp_send_after_str("ticker", "tick", 10) < 0;
}
WASP_START(start)
WASP_HANDLER(on_tick)
