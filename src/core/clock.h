/* clock.h - monotonic time, the one clock every layer uses. */
#ifndef WASP_CORE_CLOCK_H
#define WASP_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic nanoseconds since an arbitrary fixed point. */
static inline uint64_t wasp_clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
