/* echo - answers every request with its own bytes. */
#include <wasp_guest.h>

static int on_message(const char *msg, size_t len) { return wasp_reply(msg, len) < 0; }
WASP_HANDLER(on_message)
