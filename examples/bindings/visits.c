/* visits - a core module (guest SDK) that counts visits per name: a request
 * NAME is answered with how many times NAME was asked for, this one included. */
#include <wasp_guest.h>

#define NAMES 256

static char names[NAMES][65];
static unsigned counts[NAMES], used;

static int on_message(const char *msg, size_t len) {
    if (len == 0 || len > 64) return 1;
    unsigned i = 0;
    while (i < used && !(wasp_strlen(names[i]) == len && memcmp(names[i], msg, len) == 0)) i++;
    if (i == used) {
        if (used == NAMES) return wasp_reply_str("0") < 0; /* full: new names are not counted */
        memcpy(names[i], msg, len);
        names[i][len] = 0;
        used++;
    }
    char out[16];
    wasp_format(out, sizeof out, "%u", ++counts[i]);
    return wasp_reply_str(out) < 0;
}

WASP_HANDLER(on_message)
