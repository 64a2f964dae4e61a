/* host_wasi.c - the WASI preview 1 calls that would hold a worker thread.
 *
 * Wasmtime's preview 1 is linked synchronously: its poll_oneoff sleeps on the
 * calling thread. Here poll_oneoff is replaced by an async import: a wait on
 * clocks parks the actor and a timer wakes it, like `call` (host_call.c), so
 * the worker runs other actors meanwhile. The wait is bounded by what is left
 * of max_handle_time: past it the call ends as a crash at that moment, not
 * when the sleep would have ended. clock_time_get is replaced too, so that
 * absolute monotonic deadlines use the same clock as the waits.
 *
 * Subscriptions on file descriptors are reported ready at once: the
 * descriptors a component can hold (stdio not inherited as input, files
 * under granted directories) never block. `_start` and `_cleanup` cannot
 * park (they run on the thread that starts or stops the actor): a clock
 * wait there fails with NOTSUP. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "runtime/ext.h"
#include "component/component.h"

/* Preview 1 layouts (wasi_snapshot_preview1.witx) and errno values. */
#define SUB_SIZE 48u
#define EVENT_SIZE 32u
#define TAG_CLOCK 0
#define TAG_FD_READ 1
#define TAG_FD_WRITE 2
#define CLOCK_REALTIME_ID 0
#define CLOCK_MONOTONIC_ID 1
#define ABSTIME 1u
#define ERRNO_SUCCESS 0
#define ERRNO_BADF 8
#define ERRNO_FAULT 21
#define ERRNO_INTR 27
#define ERRNO_INVAL 28
#define ERRNO_NOTSUP 58

static uint64_t rd(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void wr(uint8_t *p, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The guest's monotonic clock: nanoseconds since the wasm layer began. */
static uint64_t guest_monotonic(const struct wasp_wasm *w, uint64_t host_now) { return host_now - w->epoch_ns; }

struct poll_args {
    const struct wasp_wasm *wasm;
    uint8_t *subs, *events, *nevents; /* guest memory: it cannot move while the guest is suspended */
    uint32_t n;
    uint64_t start, start_real; /* host monotonic and realtime at the call */
};

/* A clock subscription's deadline on the host's monotonic clock, or -1 for
 * an unknown clock. */
static int clock_deadline(const struct poll_args *a, const uint8_t *sub, uint64_t *deadline) {
    uint32_t id = (uint32_t)rd(sub + 16, 4);
    uint64_t timeout = rd(sub + 24, 8), rel;
    bool abs = rd(sub + 40, 2) & ABSTIME;
    if (id == CLOCK_REALTIME_ID) {
        rel = !abs ? timeout : timeout > a->start_real ? timeout - a->start_real : 0;
    } else if (id == CLOCK_MONOTONIC_ID) {
        uint64_t now = guest_monotonic(a->wasm, a->start);
        rel = !abs ? timeout : timeout > now ? timeout - now : 0;
    } else {
        return -1;
    }
    *deadline = rel > UINT64_MAX - a->start ? UINT64_MAX : a->start + rel;
    return 0;
}

/* Writes the events of every subscription ready at host time `now` (fd
 * subscriptions always are) and their count; returns the count. */
static uint32_t write_events(const struct poll_args *a, uint64_t now) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        const uint8_t *sub = a->subs + (size_t)i * SUB_SIZE;
        uint8_t tag = sub[8];
        uint64_t deadline = 0;
        if (tag == TAG_CLOCK && (clock_deadline(a, sub, &deadline) || deadline > now)) continue;
        uint8_t *ev = a->events + (size_t)k++ * EVENT_SIZE;
        memset(ev, 0, EVENT_SIZE);
        memcpy(ev, sub, 8); /* userdata */
        wr(ev + 8, ERRNO_SUCCESS, 2);
        ev[10] = tag;
    }
    wr(a->nevents, k, 4);
    return k;
}

struct clock_wait {
    struct wasp_host_wait base;
    struct poll_args a;
    uint64_t wake_at;  /* host monotonic */
    bool over_budget;  /* wake_at is the end of the time budget, before any deadline */
    wasm_trap_t **trap;
    wasmtime_val_t *result;
};

static void clock_end(void *arg) {
    struct clock_wait *w = arg;
    wasp__completion_finish(&w->base.c, WASP_OK, NULL, 0, 0);
    wasp__completion_unref(&w->base.c);
}

static bool clock_ready(void *arg) {
    struct clock_wait *w = arg;
    if (!wasp__host_wait_done(&w->base)) return false;
    struct wasp_cinst *ci = w->base.ci;
    if (w->over_budget && ci) {
        /* The trap pointer stays valid while Wasmtime awaits this continuation. */
        wasp__instance_mark_interrupted(ci->inst);
        static const char msg[] = "time budget exceeded while waiting in poll_oneoff";
        *w->trap = wasmtime_trap_new(msg, sizeof(msg) - 1);
        return true;
    }
    write_events(&w->a, wasp_clock_ns());
    w->result->kind = WASMTIME_I32;
    w->result->of.i32 = ERRNO_SUCCESS;
    return true;
}

/* poll_oneoff(in, out, nsubscriptions, nevents_ptr) -> errno */
static void host_poll_oneoff(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
                             wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap,
                             wasmtime_async_continuation_t *cont) {
    (void)nargs, (void)nresults;
    struct wasp_cinst *ci = wasp__cinst_from_caller(caller);
    struct poll_args a = {.wasm = env, .n = (uint32_t)args[2].of.i32};
    size_t size = 0;
    uint8_t *mem = wasp__instance_memory_in(ci->inst, wasmtime_caller_context(caller), &size);
    uint64_t in = (uint32_t)args[0].of.i32, out = (uint32_t)args[1].of.i32, np = (uint32_t)args[3].of.i32;
    if (!mem || in + (uint64_t)a.n * SUB_SIZE > size || out + (uint64_t)a.n * EVENT_SIZE > size || np + 4 > size)
        return wasp__async_done_now(results, ERRNO_FAULT, cont);
    if (a.n == 0) return wasp__async_done_now(results, ERRNO_INVAL, cont);
    a.subs = mem + in;
    a.events = mem + out;
    a.nevents = mem + np;
    a.start = wasp_clock_ns();
    a.start_real = realtime_ns();

    uint64_t earliest = UINT64_MAX;
    bool fd = false;
    for (uint32_t i = 0; i < a.n; i++) {
        const uint8_t *sub = a.subs + (size_t)i * SUB_SIZE;
        uint64_t deadline;
        if (sub[8] == TAG_FD_READ || sub[8] == TAG_FD_WRITE) fd = true;
        else if (sub[8] != TAG_CLOCK || clock_deadline(&a, sub, &deadline))
            return wasp__async_done_now(results, ERRNO_INVAL, cont);
        else if (deadline < earliest) earliest = deadline;
    }
    if (fd || earliest <= a.start) {
        write_events(&a, a.start);
        return wasp__async_done_now(results, ERRNO_SUCCESS, cont);
    }
    if (ci->in_export) return wasp__async_done_now(results, ERRNO_NOTSUP, cont);

    struct clock_wait *w = wasp__host_wait_new(ci, sizeof(*w), false);
    if (!w) return wasp__async_done_now(results, ERRNO_INTR, cont);
    w->a = a;
    uint64_t budget = wasp__instance_budget_left(ci->inst);
    w->over_budget = earliest - a.start > budget;
    w->wake_at = w->over_budget ? a.start + budget : earliest;
    w->trap = trap;
    w->result = &results[0];
    /* The timer holds the completion until it answers it (dropped at system
     * stop: answered then, the actor is gone). */
    wasp__completion_ref(&w->base.c);
    if (!wasp__system_timer(ci->sys, w->wake_at - a.start, clock_end, clock_end, w)) {
        wasp__completion_abandon(&w->base.c);
        wasp__completion_unref(&w->base.c);
        wasp__host_wait_finalize(w);
        return wasp__async_done_now(results, ERRNO_INTR, cont); /* the system is stopping */
    }
    wasp__async_done_now(results, ERRNO_SUCCESS, cont);
    cont->callback = clock_ready;
    cont->env = w;
    cont->finalizer = wasp__host_wait_finalize;
}

/* clock_time_get(id, precision, time_ptr) -> errno */
static wasm_trap_t *host_clock_time_get(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *av, size_t nav) {
    (void)nav;
    struct wasp_cinst *ci = wasp__cinst_from_caller(caller);
    size_t size = 0;
    uint8_t *mem = wasp__instance_memory_in(ci->inst, wasmtime_caller_context(caller), &size);
    uint64_t p = (uint32_t)av[2].i32;
    int32_t id = av[0].i32;
    if (id != CLOCK_REALTIME_ID && id != CLOCK_MONOTONIC_ID) av[0].i32 = ERRNO_BADF;
    else if (!mem || p + 8 > size) av[0].i32 = ERRNO_FAULT;
    else {
        wr(mem + p, id == CLOCK_REALTIME_ID ? realtime_ns() : guest_monotonic(env, wasp_clock_ns()), 8);
        av[0].i32 = ERRNO_SUCCESS;
    }
    return NULL;
}

wasmtime_error_t *wasp__host_define_wasi(wasmtime_linker_t *linker, void *arg) {
    static const char mod[] = WASP_ABI_WASI_MODULE;
    wasmtime_linker_allow_shadowing(linker, true);
    wasm_functype_t *ft = wasp__abi_functype_new("iiii:i");
    wasmtime_error_t *we = wasmtime_linker_define_async_func(linker, mod, sizeof(mod) - 1, "poll_oneoff", 11, ft,
                                                             host_poll_oneoff, arg, NULL);
    wasm_functype_delete(ft);
    if (!we) {
        ft = wasp__abi_functype_new("iIi:i");
        we = wasmtime_linker_define_func_unchecked(linker, mod, sizeof(mod) - 1, "clock_time_get", 14, ft,
                                                   host_clock_time_get, arg, NULL);
        wasm_functype_delete(ft);
    }
    wasmtime_linker_allow_shadowing(linker, false);
    return we;
}
