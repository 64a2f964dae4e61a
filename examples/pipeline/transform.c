/* transform - one instance of the pool: squares each number it gets and
 * passes "N N*N" on to the sink. */
#include <wasp_guest.h>

static int on_item(const char *msg, size_t len) {
    size_t used;
    long long n = wasp_parse_int(msg, len, &used);
    if (used == 0) {
        wasp_logf(WASP_LOG_WARN, "not a number: %.*s", (int)len, msg);
        return 1;
    }
    char out[48];
    size_t k = wasp_format(out, sizeof out, "%lld %lld", n, n * n);
    return wasp_send("sink", out, k) < 0;
}
WASP_HANDLER(on_item)
