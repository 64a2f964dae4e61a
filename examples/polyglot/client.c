/* client - a core module that drives the system once it is up: buys three
 * items from the C shop (which asks the Python pricer), then asks the
 * JavaScript audit and the core-module tally how many orders they saw. */
#include <wasp_guest.h>

static const char *const items[] = {"apple", "pear", "plum"};

static int on_message(const char *msg, size_t len) {
    if (!wasp_msg_is(msg, len, "go")) return 1;
    char answer[64], request[32];
    for (unsigned i = 0; i < sizeof items / sizeof items[0]; i++) {
        wasp_format(request, sizeof request, "buy %s", items[i]);
        int n = wasp_call_str("shop", request, answer, sizeof answer, 3000);
        if (n < 0) return wasp_logf(WASP_LOG_ERROR, "shop: %s", wasp_strerror(n)), 1;
        wasp_logf(WASP_LOG_INFO, "bought %s", answer);
    }
    char audit[16], tally[16];
    int a = wasp_call_str("audit", "count", audit, sizeof audit, 3000);
    int t = wasp_call_str("tally", "count", tally, sizeof tally, 3000);
    if (a < 0 || t < 0) return wasp_logf(WASP_LOG_ERROR, "counts: %s %s", wasp_strerror(a), wasp_strerror(t)), 1;
    wasp_logf(WASP_LOG_INFO, "orders seen: audit=%s tally=%s", audit, tally);
    return 0;
}

static void start(void) { wasp_send_str(wasp_self_name(), "go"); }

WASP_HANDLER(on_message)
WASP_START(start)
