/* ring - a member "ring.K" of a ring of N: a token [hops_left, N] (two
 * int32) goes to ring.(K+1)%N with one hop less; at zero it goes to "done". */
#include <wasp_guest.h>

static int self_index = -1;

static int on_message(const char *msg, size_t len) {
    int32_t token[2];
    if (len != sizeof token) return 1;
    memcpy(token, msg, sizeof token);
    if (self_index < 0) {
        const char *self = wasp_self_name();
        self_index = (int)wasp_parse_int(self + 5, wasp_strlen(self) - 5, NULL);
    }
    if (token[0] == 0) return wasp_send("done", token, sizeof token) < 0;
    token[0]--;
    char next[24];
    wasp_format(next, sizeof next, "ring.%d", (self_index + 1) % token[1]);
    return wasp_send(next, token, sizeof token) < 0;
}
WASP_HANDLER(on_message)
