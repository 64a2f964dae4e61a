/* shop - a C component (world wasp:actor): a "buy ITEM" request asks the
 * Python pricer for the price (call: only this actor waits), publishes the
 * order on orders.placed and answers "ITEM PRICE". */
#define WASP_COMPONENT 1 /* built as a component: cmake/guest.cmake wraps it */
#include <wasp_guest.h>

static int on_message(const char *msg, size_t len) {
    if (!wasp_msg_starts_with(msg, len, "buy ")) return 1;
    char request[64], price[16], order[96];
    wasp_format(request, sizeof request, "price %.*s", (int)(len - 4), msg + 4);
    int n = wasp_call_str("pricer", request, price, sizeof price, 2000);
    if (n < 0) {
        wasp_logf(WASP_LOG_WARN, "pricer did not answer: %s", wasp_strerror(n));
        return wasp_reply_str("no price") < 0;
    }
    size_t olen = wasp_format(order, sizeof order, "%.*s %s", (int)(len - 4), msg + 4, price);
    int subscribers = wasp_publish("orders.placed", order, olen);
    if (subscribers < 0) wasp_logf(WASP_LOG_WARN, "publish failed: %s", wasp_strerror(subscribers));
    return wasp_reply(order, olen) < 0;
}

WASP_HANDLER(on_message)
