/* sink - handles every message and forgets it. Built twice for the
 * benchmarks (bench/bench_component.c): as a core module and as a
 * component, so the two ABIs are compared on the same code. */
#include <wasp_guest.h>

static int on_message(const char *msg, size_t len) {
    (void)msg, (void)len;
    return 0;
}
WASP_HANDLER(on_message)
