/* spin.h - a test-and-test-and-set spinlock that yields after a short spin,
 * and single-writer counters: the runtime's smallest pieces of concurrency. */
#ifndef WASP_RUNTIME_SPIN_H
#define WASP_RUNTIME_SPIN_H

#include <sched.h>
#include <stdatomic.h>

typedef struct {
    atomic_int v;
} wasp_spin;

static inline void wasp_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline void wasp_spin_lock(wasp_spin *l) {
    for (unsigned n = 0;; n++) {
        if (!atomic_load_explicit(&l->v, memory_order_relaxed) &&
            !atomic_exchange_explicit(&l->v, 1, memory_order_acquire))
            return;
        if (n < 100) wasp_cpu_relax();
        else sched_yield();
    }
}

static inline void wasp_spin_unlock(wasp_spin *l) {
    atomic_store_explicit(&l->v, 0, memory_order_release);
}

/* Single-writer counter bump (readers may load concurrently). */
#define WASP_BUMP(x) \
    atomic_store_explicit(&(x), atomic_load_explicit(&(x), memory_order_relaxed) + 1, \
                          memory_order_relaxed)
#define WASP_LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

#endif
