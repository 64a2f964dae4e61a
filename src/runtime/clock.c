/* clock.c - the system's time: the monotonic clock, or a virtual clock that
 * only wasp_system_advance_clock moves (deterministic tests: timers fire
 * when the test says, never because a machine was slow). */
#include "core/clock.h"
#include "runtime/actor_table.h"
#include "runtime/system.h"
#include "runtime/timers.h"

uint64_t wasp_system_now(wasp_system *sys) {
    if (sys && sys->cfg.virtual_clock) return atomic_load(&sys->vclock);
    return wasp_clock_ns();
}

int wasp_system_advance_clock(wasp_system *sys, uint64_t ns, uint64_t idle_timeout_ns) {
    if (!sys) return WASP_EINVAL;
    if (!sys->cfg.virtual_clock || wasp__tls_ctx || wasp__on_worker(sys)) return WASP_ESTATE;
    if (atomic_load(&sys->state) != WASP_SYS_RUNNING) return WASP_ESTATE;
    uint64_t now = atomic_load(&sys->vclock);
    uint64_t until = ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
    /* One timer at a time, each after the effects of the one before have
     * settled: what they arm meanwhile counts from their own deadline. */
    int rc = wasp_system_wait_idle(sys, idle_timeout_ns);
    while (rc == WASP_OK && wasp__timers_fire_next(sys->timers, until))
        rc = wasp_system_wait_idle(sys, idle_timeout_ns);
    if (rc == WASP_OK && atomic_load(&sys->vclock) < until) atomic_store(&sys->vclock, until);
    return rc;
}

int wasp_system_next_timer(wasp_system *sys, uint64_t *deadline) {
    if (!sys || !deadline) return WASP_EINVAL;
    if (atomic_load(&sys->state) >= WASP_SYS_STOPPING) return WASP_ENOENT;
    return wasp__timers_next(sys->timers, deadline) ? WASP_OK : WASP_ENOENT;
}
