/* relay_bad - relay.c whose _start traps: an upgrade to it must fail and
 * leave the old module running. */
#include <wasp_guest.h>

static int on_message(const char *msg, size_t len) {
    (void)msg, (void)len;
    return 0;
}

static void on_start(void) { __builtin_trap(); }

WASP_HANDLER(on_message)
WASP_START(on_start)
