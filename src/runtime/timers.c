/* timers.c - the timer service: a 4-ary min-heap of deadlines and a thread
 * that sleeps on a condition variable until the earliest one.
 *
 * Why a heap rather than a timing wheel: a wheel needs a periodic tick (CPU
 * when idle, and precision bounded by the tick), while the heap gives the
 * exact next deadline, so the thread sleeps precisely that long and costs
 * nothing when idle. Schedule and cancel are O(log4 n) - about 7 levels at
 * 20,000 pending timers - and 4-ary halves the depth of a binary heap with
 * children sharing a cache line.
 *
 * Timers live in a slab of slots; an id is (slot generation << 32 | slot
 * index + 1), so cancel finds its slot in O(1) with no hash map, and the
 * generation makes stale ids (fired or cancelled timers whose slot was
 * reused) harmless. Each slot records its heap position for O(1) lookup of
 * what to remove. Equal deadlines fire in scheduling order (seq).
 *
 * Exactly-once: a timer leaves the heap under the lock, and its slot is
 * freed (generation bumped) in the same critical section, either by the
 * thread about to fire it or by cancel about to drop it. Whoever wins owns
 * the callback; the other sees a stale id.
 *
 * A manual (virtual) clock replaces the monotonic one for tests: then no
 * thread runs, and wasp__timers_fire_next fires due timers one at a time on
 * the caller's thread, each after moving the clock to its deadline, so a
 * timer armed by a fire callback counts from the moment it fired.
 */
#include "runtime/timers.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "wasp.h"

#define NOT_QUEUED UINT32_MAX

struct slot {
    wasp_timer_fn fire, drop;
    void *arg;
    uint32_t gen;
    uint32_t heap_pos;  /* NOT_QUEUED when the slot is free */
    uint32_t next_free; /* free-list link, valid while free */
};

struct heap_item {
    uint64_t deadline;
    uint64_t seq;
    uint32_t slot;
};

struct wasp_timers {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* only the timer thread waits on it */
    pthread_t thread;
    _Atomic uint64_t *manual_now; /* the manual clock, or NULL: monotonic time and a thread */
    bool stopping;
    /* When the sleeping thread will look at the heap next: UINT64_MAX while
     * it waits for any timer, 0 while it is awake. A new timer due before
     * this needs a signal; any other (the common case: timeouts that get
     * cancelled) does not, so short-lived timeouts cost no wake-up. */
    uint64_t sleep_until;

    struct heap_item *heap;
    size_t len, cap;

    struct slot *slots;
    uint32_t nslots, slots_cap, free_head;
    uint64_t seq;
};

/* ---- Heap ------------------------------------------------------------------- */

static bool earlier(const struct heap_item *a, const struct heap_item *b) {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_set(struct wasp_timers *t, size_t i, struct heap_item item) {
    t->heap[i] = item;
    t->slots[item.slot].heap_pos = (uint32_t)i;
}

static void sift_up(struct wasp_timers *t, size_t i) {
    struct heap_item item = t->heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!earlier(&item, &t->heap[parent])) break;
        heap_set(t, i, t->heap[parent]);
        i = parent;
    }
    heap_set(t, i, item);
}

static void sift_down(struct wasp_timers *t, size_t i) {
    struct heap_item item = t->heap[i];
    for (;;) {
        size_t first = 4 * i + 1, best = i;
        const struct heap_item *bestp = &item;
        for (size_t c = first; c < first + 4 && c < t->len; c++) {
            if (earlier(&t->heap[c], bestp)) {
                best = c;
                bestp = &t->heap[c];
            }
        }
        if (best == i) break;
        heap_set(t, i, t->heap[best]);
        i = best;
    }
    heap_set(t, i, item);
}

static void heap_remove(struct wasp_timers *t, size_t i) {
    size_t last = --t->len;
    if (i == last) return;
    struct heap_item moved = t->heap[last];
    heap_set(t, i, moved);
    sift_down(t, i); /* the moved item may belong lower... */
    sift_up(t, t->slots[moved.slot].heap_pos); /* ...or higher than i */
}

/* ---- Slots ------------------------------------------------------------------- */

static uint64_t slot_id(const struct wasp_timers *t, uint32_t i) {
    return (uint64_t)t->slots[i].gen << 32 | ((uint64_t)i + 1);
}

static void slot_release(struct wasp_timers *t, uint32_t i) {
    struct slot *s = &t->slots[i];
    s->gen++; /* invalidates the old id */
    s->heap_pos = NOT_QUEUED;
    s->next_free = t->free_head;
    t->free_head = i;
}

static bool grow(struct wasp_timers *t) {
    if (t->len == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct heap_item *h = realloc(t->heap, cap * sizeof(*h));
        if (!h) return false;
        t->heap = h;
        t->cap = cap;
    }
    if (t->free_head == NOT_QUEUED && t->nslots == t->slots_cap) {
        if (t->slots_cap >= UINT32_MAX / 2) return false;
        uint32_t cap = t->slots_cap ? t->slots_cap * 2 : 64;
        struct slot *s = realloc(t->slots, (size_t)cap * sizeof(*s));
        if (!s) return false;
        t->slots = s;
        t->slots_cap = cap;
    }
    return true;
}

static uint32_t slot_take(struct wasp_timers *t) {
    uint32_t i = t->free_head;
    if (i != NOT_QUEUED) {
        t->free_head = t->slots[i].next_free;
        return i;
    }
    i = t->nslots++;
    t->slots[i].gen = 1;
    return i;
}

/* ---- Thread ------------------------------------------------------------------ */

static uint64_t timers_now(const struct wasp_timers *t) {
    return t->manual_now ? atomic_load(t->manual_now) : wasp_clock_ns();
}

/* Takes the earliest timer out of the heap (lock held); the caller fires it. */
static void pop_first(struct wasp_timers *t, wasp_timer_fn *fire, void **arg) {
    uint32_t i = t->heap[0].slot;
    heap_remove(t, 0);
    *fire = t->slots[i].fire;
    *arg = t->slots[i].arg;
    slot_release(t, i);
}

static void *timer_thread(void *arg) {
    struct wasp_timers *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        if (t->len == 0) {
            t->sleep_until = UINT64_MAX;
            pthread_cond_wait(&t->wake, &t->lock);
            t->sleep_until = 0;
            continue;
        }
        uint64_t deadline = t->heap[0].deadline;
        if (deadline > timers_now(t)) {
            /* Woken early by a new earlier timer, stop, or spuriously: re-check. */
            struct timespec ts = {.tv_sec = (time_t)(deadline / 1000000000ull),
                                  .tv_nsec = (long)(deadline % 1000000000ull)};
            t->sleep_until = deadline;
            pthread_cond_timedwait(&t->wake, &t->lock, &ts);
            t->sleep_until = 0;
            continue;
        }
        wasp_timer_fn fire;
        void *farg;
        pop_first(t, &fire, &farg);
        pthread_mutex_unlock(&t->lock);
        fire(farg);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

/* ---- API --------------------------------------------------------------------- */

static int timers_start(struct wasp_timers **out, _Atomic uint64_t *manual_now) {
    if (!out) return WASP_EINVAL;
    *out = NULL;
    struct wasp_timers *t = calloc(1, sizeof(*t));
    if (!t) return WASP_ENOMEM;
    t->free_head = NOT_QUEUED;
    t->manual_now = manual_now;

    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0) goto fail_free;
    /* Deadlines come from wasp_clock_ns (CLOCK_MONOTONIC): wait on that clock
     * so wall-clock jumps cannot fire timers early or late. */
    bool cond_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
                   pthread_cond_init(&t->wake, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!cond_ok) goto fail_free;
    if (pthread_mutex_init(&t->lock, NULL) != 0) goto fail_cond;
    if (!manual_now && pthread_create(&t->thread, NULL, timer_thread, t) != 0) goto fail_mutex;
    *out = t;
    return WASP_OK;

fail_mutex:
    pthread_mutex_destroy(&t->lock);
fail_cond:
    pthread_cond_destroy(&t->wake);
fail_free:
    free(t);
    return WASP_ENOMEM;
}

int wasp__timers_start(struct wasp_timers **out) { return timers_start(out, NULL); }

int wasp__timers_start_manual(struct wasp_timers **out, _Atomic uint64_t *now) {
    return now ? timers_start(out, now) : WASP_EINVAL;
}

void wasp__timers_stop(struct wasp_timers *t) {
    if (!t) return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    if (!t->manual_now) pthread_join(t->thread, NULL);

    /* Drop one at a time without the lock, so a drop callback that calls
     * cancel or schedule (which now fails) cannot deadlock or race us. */
    pthread_mutex_lock(&t->lock);
    while (t->len) {
        uint32_t i = t->heap[--t->len].slot;
        wasp_timer_fn drop = t->slots[i].drop;
        void *arg = t->slots[i].arg;
        slot_release(t, i);
        pthread_mutex_unlock(&t->lock);
        if (drop) drop(arg);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);

    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->wake);
    free(t->heap);
    free(t->slots);
    free(t);
}

uint64_t wasp__timers_schedule(struct wasp_timers *t, uint64_t delay_ns, wasp_timer_fn fire,
                              wasp_timer_fn drop, void *arg) {
    if (!t || !fire) return 0;
    uint64_t now = timers_now(t);
    uint64_t deadline = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns;

    pthread_mutex_lock(&t->lock);
    if (t->stopping || !grow(t)) {
        pthread_mutex_unlock(&t->lock);
        return 0;
    }
    uint32_t i = slot_take(t);
    struct slot *s = &t->slots[i];
    s->fire = fire;
    s->drop = drop;
    s->arg = arg;
    t->heap[t->len] = (struct heap_item){.deadline = deadline, .seq = t->seq++, .slot = i};
    sift_up(t, t->len++);
    if (deadline < t->sleep_until) pthread_cond_signal(&t->wake);
    uint64_t id = slot_id(t, i);
    pthread_mutex_unlock(&t->lock);
    return id;
}

bool wasp__timers_stopping(struct wasp_timers *t) {
    if (!t) return true;
    pthread_mutex_lock(&t->lock);
    bool stopping = t->stopping;
    pthread_mutex_unlock(&t->lock);
    return stopping;
}

bool wasp__timers_cancel(struct wasp_timers *t, uint64_t id) {
    if (!t) return false;
    uint64_t low = id & 0xffffffffull;
    if (low == 0) return false;
    uint32_t i = (uint32_t)(low - 1);
    uint32_t gen = (uint32_t)(id >> 32);

    pthread_mutex_lock(&t->lock);
    if (i >= t->nslots || t->slots[i].gen != gen || t->slots[i].heap_pos == NOT_QUEUED) {
        pthread_mutex_unlock(&t->lock);
        return false;
    }
    heap_remove(t, t->slots[i].heap_pos);
    wasp_timer_fn drop = t->slots[i].drop;
    void *arg = t->slots[i].arg;
    slot_release(t, i);
    pthread_mutex_unlock(&t->lock);
    if (drop) drop(arg);
    return true;
}

size_t wasp__timers_pending(struct wasp_timers *t) {
    if (!t) return 0;
    pthread_mutex_lock(&t->lock);
    size_t n = t->len;
    pthread_mutex_unlock(&t->lock);
    return n;
}

bool wasp__timers_fire_next(struct wasp_timers *t, uint64_t until) {
    if (!t || !t->manual_now) return false;
    pthread_mutex_lock(&t->lock);
    if (t->stopping || t->len == 0 || t->heap[0].deadline > until) {
        pthread_mutex_unlock(&t->lock);
        return false;
    }
    uint64_t deadline = t->heap[0].deadline;
    if (deadline > atomic_load(t->manual_now)) atomic_store(t->manual_now, deadline);
    wasp_timer_fn fire;
    void *arg;
    pop_first(t, &fire, &arg);
    pthread_mutex_unlock(&t->lock);
    fire(arg);
    return true;
}

bool wasp__timers_next(struct wasp_timers *t, uint64_t *deadline) {
    if (!t) return false;
    pthread_mutex_lock(&t->lock);
    bool any = t->len > 0;
    if (any) *deadline = t->heap[0].deadline;
    pthread_mutex_unlock(&t->lock);
    return any;
}
