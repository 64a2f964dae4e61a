/* subscriber - one program, three components (temps, kitchen, audit):
 * counts what arrives, by topic, and logs a line now and then. Its
 * subscriptions come from the manifest; `audit` also subscribes itself to
 * alerts in _start, to show wasp_subscribe. */
#include <wasp_guest.h>

static int received;

static void start(void) {
    const char *me = wasp_self_name();
    if (wasp_msg_is(me, wasp_strlen(me), "audit")) {
        int rc = wasp_subscribe("alerts.>");
        if (rc < 0) wasp_logf(WASP_LOG_ERROR, "subscribe alerts.>: %s", wasp_strerror(rc));
    }
}

static int on_reading(const char *msg, size_t len) {
    received++;
    const char *topic = wasp_topic_name();
    if (wasp_msg_starts_with(topic, wasp_strlen(topic), "alerts."))
        wasp_logf(WASP_LOG_WARN, "alert on %s: %.*s", topic, (int)len, msg);
    else if (received % 50 == 0)
        wasp_logf(WASP_LOG_INFO, "%d messages, latest %s = %.*s", received, topic, (int)len, msg);
    return 0;
}

WASP_START(start)
WASP_HANDLER(on_reading)
