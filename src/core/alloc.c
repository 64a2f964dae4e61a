/* alloc.c - libwasp's allocator entry points and the countdown that makes
 * one of them fail on purpose (see alloc.h). */
#include "core/alloc.h"

/* The build force-includes alloc.h, so its macros are defined here too:
 * this file alone calls the C library's allocator. */
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup

#include <stdatomic.h>
#include <stdbool.h>

/* Allocations left before the injected failure; 0 when injection is off. */
static _Atomic long countdown;
static _Atomic int keep_failing;
static _Atomic long failures;

static bool should_fail(void) {
    long left = atomic_load_explicit(&countdown, memory_order_relaxed);
    if (left <= 0) return false;
    left = atomic_fetch_sub_explicit(&countdown, 1, memory_order_relaxed);
    if (left == 1) {
        /* This is the nth allocation; sticky mode keeps the countdown at 1
         * so every later allocation lands here too. */
        if (atomic_load_explicit(&keep_failing, memory_order_relaxed))
            atomic_store_explicit(&countdown, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
        return true;
    }
    if (left <= 0) { /* lost a race with another thread: stay off */
        atomic_store_explicit(&countdown, 0, memory_order_relaxed);
        return false;
    }
    return false;
}

void wasp__alloc_fail_after(long n, int sticky) {
    atomic_store(&keep_failing, sticky != 0);
    atomic_store(&failures, 0);
    atomic_store(&countdown, n > 0 ? n : 0);
}

int wasp__alloc_injecting(void) { return atomic_load_explicit(&countdown, memory_order_relaxed) > 0; }

long wasp__alloc_failures(void) { return atomic_load(&failures); }

void *wasp__malloc(size_t size) { return should_fail() ? NULL : malloc(size); }

void *wasp__calloc(size_t n, size_t size) { return should_fail() ? NULL : calloc(n, size); }

void *wasp__realloc(void *p, size_t size) { return should_fail() ? NULL : realloc(p, size); }

char *wasp__strdup(const char *s) { return should_fail() ? NULL : strdup(s); }

char *wasp__strndup(const char *s, size_t n) { return should_fail() ? NULL : strndup(s, n); }
