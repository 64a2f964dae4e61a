/* hog - on every message, grows its linear memory one 64 KiB page at a time
 * (touching each page) until memory.grow is refused by limits.memory, then
 * logs how far it got and returns handler error 2. It never traps. */
#include <wasp_guest.h>

#define PAGE 65536u

static int on_message(const char *msg, size_t len) {
    (void)msg;
    (void)len;
    size_t grown = 0;
    for (;;) {
        size_t old = __builtin_wasm_memory_grow(0, 1);
        if (old == (size_t)-1) break;
        ((volatile char *)(old * PAGE))[PAGE - 1] = 1; /* touch the new page */
        grown++;
    }
    wasp_logf(WASP_LOG_WARN, "memory.grow refused after %zu more pages: memory is %zu KiB",
              grown, __builtin_wasm_memory_size(0) * (PAGE / 1024));
    return 2;
}
WASP_HANDLER(on_message)
