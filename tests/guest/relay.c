/* relay - forwards every message to the actor "sink", prefixed with its
 * version ("v1:" here, "v2:" as relay_v2); logs at _start and _cleanup.
 * The pair is what tests/component/test_component_upgrade.c upgrades
 * between while messages keep coming. */
#include <wasp_guest.h>

#ifndef RELAY_VERSION
#define RELAY_VERSION 1
#endif

static char out[600];

static int on_message(const char *msg, size_t len) {
    size_t n = wasp_format(out, sizeof out, "v%d:%.*s", RELAY_VERSION, (int)len, msg);
    int rc;
    /* The sink is a native actor that never falls far behind; retry a full mailbox. */
    while ((rc = wasp_send("sink", out, n)) == WASP_EFULL) {
    }
    return rc < 0 ? 1 : 0;
}

static void on_start(void) { wasp_logf(WASP_LOG_INFO, "relay v%d started", RELAY_VERSION); }
static void on_stop(void) { wasp_logf(WASP_LOG_INFO, "relay v%d cleaned up", RELAY_VERSION); }

WASP_HANDLER(on_message)
WASP_START(on_start)
WASP_CLEANUP(on_stop)
