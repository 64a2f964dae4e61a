/* hungry - keeps a CHUNK of memory for every "eat" until limits.memory
 * refuses more (wasp_malloc returns NULL when memory.grow fails): then it
 * reports a handler error, drops its cache and starts again, held at its
 * limit without crashing. */
#include <wasp_guest.h>

#define CHUNK (240 * 1024) /* + the allocator header: 4 pages */
#define MAX_CHUNKS 1024

static void *cache[MAX_CHUNKS];
static int chunks;

static int on_eat(const char *msg, size_t len) {
    (void)msg, (void)len;
    void *p = chunks < MAX_CHUNKS ? wasp_malloc(CHUNK) : NULL;
    if (p) {
        memset(p, 0xAB, CHUNK); /* really use it */
        cache[chunks++] = p;
        return 0;
    }
    wasp_logf(WASP_LOG_WARN, "memory limit reached at %zu KiB with %d chunks cached: dropping them",
              __builtin_wasm_memory_size(0) * 64, chunks);
    while (chunks) wasp_free(cache[--chunks]);
    return 1;
}
WASP_HANDLER(on_eat)
