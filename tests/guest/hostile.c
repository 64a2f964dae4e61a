/* hostile - one guest for every class of hostile behaviour, built both as a
 * core module and as a component (tests/component/test_hostile_builds.c runs
 * the same assertions on each). One command per message; a request gets the
 * outcome in text:
 *   ok             answers "ok"
 *   trap | div | stack    unreachable, integer division by zero, call stack exhausted
 *   spin           an endless loop
 *   hog            grows memory until refused; handler error 2 (never traps)
 *   badptr         hands `send` a pointer past the end of its memory
 *   badalloc       from now on the allocator answers with an address past the
 *                  end of memory (wasp_alloc / cabi_realloc): the next message
 *   timers N | subs N | logs N    N send_after to "probe" (60 s), N subscriptions
 *                  q.<i>, N log lines: "<how many succeeded> <last result>"
 *   big N          sends N bytes to "probe": "<result>"
 *   flood N        N sends to "stuck": "<how many succeeded> <last result>"
 *   name N         sends to a name of N bytes: "<result>"
 * By its name, at its hooks: "trapstart*" traps in start, "spinstart*" loops
 * there, "hang*" loops in its health check, "slowstop*" in cleanup. */
#define WASP_NO_DEFAULT_ALLOC 1 /* its own allocator export, below */
#include <wasp_guest.h>

#define PAGE 65536u
#define PAST_THE_END 0xfffffff0u

static bool bad_alloc;
static char self[256];

#ifdef WASP_COMPONENT
WASP_EXPORT_("cabi_realloc") void *hostile_realloc(void *old, size_t old_size, size_t align, size_t size) {
    (void)old_size, (void)align;
    if (bad_alloc) return (void *)(uintptr_t)PAST_THE_END;
    char *p = (char *)wasp_realloc(old, size + 1);
    if (!p) __builtin_trap();
    p[size] = 0;
    return p;
}
#else
static char rx[PAGE + 1];
WASP_EXPORT_("wasp_alloc") int32_t hostile_alloc(int32_t size) {
    if (bad_alloc) return (int32_t)PAST_THE_END;
    return size >= 0 && (size_t)size <= PAGE ? (int32_t)(uintptr_t)rx : 0;
}
#endif

static bool named(const char *prefix) { return wasp_msg_starts_with(self, wasp_strlen(self), prefix); }

static void spin(void) {
    for (volatile unsigned i = 0;; i++) {
    }
}

static volatile uint32_t bottom = 0xffffffffu; /* never reached */

__attribute__((noinline)) static uint32_t deep(uint32_t n) {
    if (n == bottom) return 0;
    uint32_t r = deep(n + 1); /* not a tail call: every level keeps a frame */
    return r * r + n;
}

static int answer(int ok, int last) {
    char out[32];
    return wasp_reply(out, wasp_format(out, sizeof(out), "%d %d", ok, last)) < 0;
}

/* Runs op(i) n times; how many returned 0 (or more), and the last result. */
static int repeat(int n, int (*op)(int i)) {
    int ok = 0, last = 0;
    for (int i = 0; i < n; i++) {
        last = op(i);
        if (last >= 0) ok++;
    }
    return answer(ok, last);
}

static int one_timer(int i) { return (void)i, wasp_send_after_str("probe", "t", 60000); }
static int one_send(int i) { return (void)i, wasp_send_str("stuck", "f"); }
static int one_log(int i) { return (void)i, wasp_log_info("q.A"), 0; }
static int one_subscription(int i) {
    char topic[32];
    wasp_format(topic, sizeof(topic), "q.%d", i);
    return wasp_subscribe(topic);
}

static int hog(void) {
    size_t grown = 0;
    for (;;) {
        size_t old = __builtin_wasm_memory_grow(0, 1);
        if (old == (size_t)-1) break;
        ((volatile char *)(old * PAGE))[PAGE - 1] = 1; /* touch the new page */
        grown++;
    }
    wasp_logf(WASP_LOG_WARN, "memory.grow refused after %zu more pages: memory is %zu KiB", grown,
              __builtin_wasm_memory_size(0) * (PAGE / 1024));
    return 2;
}

/* A block of n bytes of 'x' from the heap (NULL past what memory allows). */
static char *filled(size_t n) {
    char *b = (char *)wasp_malloc(n ? n : 1);
    if (b) memset(b, 'x', n);
    return b;
}

static int on_message(const char *msg, size_t len) {
    size_t sp = 0;
    while (sp < len && msg[sp] != ' ') sp++;
    int n = sp < len ? (int)wasp_parse_int(msg + sp + 1, len - sp - 1, NULL) : 0;
#define IS(cmd) (sp == sizeof(cmd) - 1 && memcmp(msg, cmd, sp) == 0)
    if (IS("ok")) return wasp_reply_str("ok") < 0;
    if (IS("trap")) __builtin_trap();
    if (IS("div")) {
        volatile int zero = 0;
        return 10 / zero;
    }
    if (IS("stack")) return (int)deep(0);
    if (IS("spin")) spin();
    if (IS("hog")) return hog();
    if (IS("badptr")) return wasp_raw_send("probe", 5, (const void *)(uintptr_t)PAST_THE_END, 64) < 0;
    if (IS("badalloc")) {
        bad_alloc = true;
        return wasp_reply_str("armed") < 0;
    }
    if (IS("timers")) return repeat(n, one_timer);
    if (IS("subs")) return repeat(n, one_subscription);
    if (IS("logs")) return repeat(n, one_log);
    if (IS("flood")) return repeat(n, one_send);
    if (IS("big") || IS("name")) {
        char *b = filled((size_t)n + 1);
        if (!b) return 3;
        int rc;
        if (IS("big")) {
            rc = wasp_send("probe", b, (size_t)n);
        } else {
            b[n] = 0;
            rc = wasp_send_str(b, "to a long name");
        }
        wasp_free(b);
        char out[16];
        return wasp_reply(out, wasp_format(out, sizeof(out), "%d", rc)) < 0;
    }
#undef IS
    return 1;
}

static void start(void) {
    wasp_self(self, sizeof(self));
    if (named("trapstart")) __builtin_trap();
    if (named("spinstart")) spin();
}

static void cleanup(void) {
    if (named("slowstop")) spin();
}

static int health(void) {
    if (named("hang")) spin();
    return WASP_HEALTHY;
}

WASP_HANDLER(on_message)
WASP_START(start)
WASP_CLEANUP(cleanup)
WASP_HEALTH(health)
