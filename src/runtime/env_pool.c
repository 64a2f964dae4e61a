/* env_pool.c - per-thread envelope blocks with batched cross-thread return
 * (env_pool.h).
 *
 * A home's free list is its owner's alone; its return stack is a lock-free
 * stack of batches that other threads push with one compare-and-swap and the
 * owner empties with one exchange (it never pops a single node, so there is
 * no ABA). The two sit on separate cache lines. A home outlives its thread:
 * at thread exit it is parked on an orphan list (blocks still in flight may
 * come back to it) and the next new thread adopts it, so homes are bounded by
 * the peak number of threads and never freed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/alloc.h" /* wasp__alloc_injecting (also force-included by the main build, not by the fuzz build) */
#include "runtime/env_pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define WASP_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WASP_POOL_ASAN 1
#endif
#endif

#ifdef WASP_POOL_ASAN
#include <sanitizer/asan_interface.h>
/* A free block stays poisoned but for its link, so a use after free of a
 * pooled envelope is still caught. */
#define BODY(e) ((char *)(e) + sizeof(struct wasp_env_link))
#define BODY_LEN (BLOCK_SIZE - sizeof(struct wasp_env_link))
#define POISON_BODY(e) ASAN_POISON_MEMORY_REGION(BODY(e), BODY_LEN)
#define UNPOISON_BODY(e) ASAN_UNPOISON_MEMORY_REGION(BODY(e), BODY_LEN)
#else
#define POISON_BODY(e) ((void)(e))
#define UNPOISON_BODY(e) ((void)(e))
#endif

#define BLOCK_SIZE (sizeof(struct wasp_env) + WASP_ENV_POOL_INLINE)
#define CACHE_LINE 64

struct wasp_env_home {
    _Atomic(struct wasp_env *) returned;      /* batches pushed by other threads */
    char apart[CACHE_LINE - sizeof(void *)];  /* their writes stay off the owner's line */
    struct wasp_env *local;                   /* the owner's free list */
    uint32_t nlocal;
    struct wasp_env_home *next_orphan;
};

/* Blocks this thread gathered for one other home, handed back as a batch. */
struct outgoing {
    struct wasp_env_home *to;
    struct wasp_env *head, *tail;
    uint32_t n;
};

static _Thread_local struct wasp_env_home *tls_home;
static _Thread_local bool tls_exited; /* past this thread's pool destructor */
static _Thread_local struct outgoing tls_out;

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t home_key;
static bool home_key_ok;
static pthread_mutex_t orphans_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wasp_env_home *orphans;

static void free_blocks(struct wasp_env *e, uint32_t n) {
    while (n--) {
        struct wasp_env *next = e->pool.next;
        UNPOISON_BODY(e);
        free(e);
        e = next;
    }
}

/* Thread exit: hand back what we gathered, drop our free list, park the home. */
static void home_exit(void *arg) {
    struct wasp_env_home *h = arg;
    wasp__env_pool_flush();
    free_blocks(h->local, h->nlocal);
    h->local = NULL;
    h->nlocal = 0;
    tls_home = NULL;
    tls_exited = true;
    pthread_mutex_lock(&orphans_mu);
    h->next_orphan = orphans;
    orphans = h;
    pthread_mutex_unlock(&orphans_mu);
}

static void make_key(void) { home_key_ok = pthread_key_create(&home_key, home_exit) == 0; }

/* This thread's home, adopted or made on first use; NULL when there can be
 * none (the thread is exiting, or no memory). */
static struct wasp_env_home *home_get(void) {
    if (tls_home || tls_exited) return tls_home;
    pthread_once(&key_once, make_key);
    if (!home_key_ok) return NULL;
    pthread_mutex_lock(&orphans_mu);
    struct wasp_env_home *h = orphans;
    if (h) orphans = h->next_orphan;
    pthread_mutex_unlock(&orphans_mu);
    if (!h && !(h = calloc(1, sizeof(*h)))) return NULL;
    if (pthread_setspecific(home_key, h)) {
        pthread_mutex_lock(&orphans_mu);
        h->next_orphan = orphans;
        orphans = h;
        pthread_mutex_unlock(&orphans_mu);
        return NULL;
    }
    tls_home = h;
    return h;
}

/* Moves the returned batches onto the free list, up to the keep limit. */
static void refill(struct wasp_env_home *h) {
    if (!atomic_load_explicit(&h->returned, memory_order_relaxed)) return;
    struct wasp_env *batch = atomic_exchange_explicit(&h->returned, NULL, memory_order_acquire);
    while (batch) {
        struct wasp_env *last = batch->pool.tail, *next = last->pool.next;
        uint32_t n = batch->pool.count;
        if (h->nlocal + n <= WASP_ENV_POOL_KEEP) {
            last->pool.next = h->local;
            h->local = batch;
            h->nlocal += n;
        } else {
            free_blocks(batch, n);
        }
        batch = next;
    }
}

struct wasp_env *wasp__env_pool_take(size_t extra) {
    struct wasp_env_home *h = extra <= WASP_ENV_POOL_INLINE && !wasp__alloc_injecting() ? home_get() : NULL;
    struct wasp_env *e;
    if (!h) {
        if ((e = malloc(sizeof(*e) + extra))) e->pool.home = NULL;
        return e;
    }
    if (!h->local) refill(h);
    if ((e = h->local)) {
        h->local = e->pool.next;
        h->nlocal--;
        UNPOISON_BODY(e);
        return e;
    }
    if ((e = malloc(BLOCK_SIZE))) e->pool.home = h;
    return e;
}

void wasp__env_pool_give(struct wasp_env *e) {
    struct wasp_env_home *h = e->pool.home;
    if (!h) {
        free(e);
        return;
    }
    if (h == tls_home) {
        if (h->nlocal < WASP_ENV_POOL_KEEP) {
            POISON_BODY(e);
            e->pool.next = h->local;
            h->local = e;
            h->nlocal++;
        } else {
            free(e);
        }
        return;
    }
    if (tls_out.to != h) wasp__env_pool_flush();
    POISON_BODY(e);
    e->pool.next = NULL;
    if (tls_out.head) tls_out.tail->pool.next = e;
    else tls_out.head = e;
    tls_out.tail = e;
    tls_out.to = h;
    /* Only a thread with a home has the exit hook that hands back a part
     * batch (a worker that frees but never sends gets one here). */
    if (++tls_out.n == WASP_ENV_POOL_BATCH || !(tls_home || (!wasp__alloc_injecting() && home_get())))
        wasp__env_pool_flush();
}

void wasp__env_pool_flush(void) {
    struct wasp_env *head = tls_out.head;
    if (!head) return;
    head->pool.tail = tls_out.tail;
    head->pool.count = tls_out.n;
    struct wasp_env_home *h = tls_out.to;
    struct wasp_env *old = atomic_load_explicit(&h->returned, memory_order_relaxed);
    do tls_out.tail->pool.next = old;
    while (!atomic_compare_exchange_weak_explicit(&h->returned, &old, head, memory_order_release,
                                                  memory_order_relaxed));
    tls_out = (struct outgoing){0};
}

uint32_t wasp__env_pool_cached(void) { return tls_home ? tls_home->nlocal : 0; }
