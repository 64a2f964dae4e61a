/* actor_table.c - the actor table: ids, reference counts, and the thread's
 * current actor (actor_table.h).
 *
 * Slots live in chunks of WASP_CHUNK actors that are never freed before the
 * system is destroyed, so an id can always be checked against its slot's
 * (generation | refcount) word without touching freed memory. The last
 * reference frees what the identity held (mailbox, name, monitors) and
 * returns the slot with its generation bumped. */
#include <stdlib.h>
#include <string.h>

#include "runtime/actor_table.h"
#include "runtime/system.h"

_Thread_local struct wasp_ctx *wasp__tls_ctx;

static struct wasp_actor *slot_ptr(wasp_system *sys, uint32_t slot) {
    struct wasp_actor *chunk =
        atomic_load_explicit(&sys->chunks[slot >> WASP_CHUNK_SHIFT], memory_order_acquire);
    return chunk ? &chunk[slot & (WASP_CHUNK - 1)] : NULL;
}

void wasp__table_init(wasp_system *sys) {
    for (size_t i = 0; i < WASP_MAX_CHUNKS; i++) atomic_init(&sys->chunks[i], NULL);
    atomic_init(&sys->nslots, 0);
    pthread_mutex_init(&sys->table_mu, NULL);
    sys->free_slots = NULL;
    sys->nfree = sys->free_cap = 0;
}

void wasp__table_free(wasp_system *sys) {
    for (size_t i = 0; i < WASP_MAX_CHUNKS; i++) free(atomic_load(&sys->chunks[i]));
    free(sys->free_slots);
    pthread_mutex_destroy(&sys->table_mu);
}

/* A free slot with its generation set (count 0), or NULL. */
struct wasp_actor *wasp__table_alloc(wasp_system *sys) {
    struct wasp_actor *a = NULL;
    pthread_mutex_lock(&sys->table_mu);
    if (sys->nfree) {
        a = slot_ptr(sys, sys->free_slots[--sys->nfree]);
    } else {
        uint32_t slot = atomic_load_explicit(&sys->nslots, memory_order_relaxed);
        if (slot < (uint32_t)WASP_MAX_CHUNKS * WASP_CHUNK) {
            uint32_t c = slot >> WASP_CHUNK_SHIFT;
            struct wasp_actor *chunk = atomic_load_explicit(&sys->chunks[c], memory_order_relaxed);
            if (!chunk) {
                /* calloc'd pages stay untouched (and non-resident) until used */
                chunk = calloc(WASP_CHUNK, sizeof(struct wasp_actor));
                if (chunk) atomic_store_explicit(&sys->chunks[c], chunk, memory_order_release);
            }
            if (chunk) {
                a = &chunk[slot & (WASP_CHUNK - 1)];
                a->slot = slot;
                atomic_store_explicit(&a->ref, 1ull << 32, memory_order_relaxed);
                atomic_store_explicit(&sys->nslots, slot + 1, memory_order_release);
            }
        }
    }
    pthread_mutex_unlock(&sys->table_mu);
    return a;
}

static void slot_free(wasp_system *sys, uint32_t slot) {
    pthread_mutex_lock(&sys->table_mu);
    if (sys->nfree == sys->free_cap) {
        size_t cap = sys->free_cap ? sys->free_cap * 2 : 256;
        uint32_t *v = realloc(sys->free_slots, cap * sizeof(*v));
        if (!v) { /* the slot is leaked until destroy; harmless */
            pthread_mutex_unlock(&sys->table_mu);
            return;
        }
        sys->free_slots = v;
        sys->free_cap = cap;
    }
    sys->free_slots[sys->nfree++] = slot;
    pthread_mutex_unlock(&sys->table_mu);
}

/* Takes a ref if the actor in a slot exists and has generation gen (0: any). */
static bool ref_if_live(struct wasp_actor *a, uint32_t gen) {
    uint64_t r = atomic_load_explicit(&a->ref, memory_order_relaxed);
    do {
        if ((gen && (uint32_t)(r >> 32) != gen) || (uint32_t)r == 0) return false;
    } while (!atomic_compare_exchange_weak_explicit(&a->ref, &r, r + 1, memory_order_acquire,
                                                    memory_order_relaxed));
    return true;
}

struct wasp_actor *wasp__actor_get(wasp_system *sys, wasp_aid id) {
    if (!sys || !id) return NULL;
    uint32_t slot = (uint32_t)id, gen = (uint32_t)(id >> 32);
    if (!gen || slot >= atomic_load_explicit(&sys->nslots, memory_order_acquire)) return NULL;
    struct wasp_actor *a = slot_ptr(sys, slot);
    return a && ref_if_live(a, gen) ? a : NULL;
}

void wasp__actor_ref(struct wasp_actor *a) {
    atomic_fetch_add_explicit(&a->ref, 1, memory_order_relaxed);
}

/* Closes the mailbox and frees what it held: events are discarded (their
 * askers learn WASP_ESTOPPED), messages freed. */
static void mailbox_discard(struct wasp_actor *a) {
    struct wasp_mailbox_rest rest;
    wasp__mailbox_close(&a->mb, &rest);
    struct wasp_env *e;
    while ((e = wasp__mailbox_rest_event(&rest))) wasp__env_free_status(e, WASP_ESTOPPED);
    while ((e = wasp__mailbox_rest_message(&rest))) wasp__env_free(e);
    wasp__mailbox_rest_free(&rest);
}

static void actor_finalize(struct wasp_actor *a, uint64_t old) {
    wasp_system *sys = a->sys;
    atomic_fetch_add_explicit(&sys->retired_received, WASP_LOAD(a->mb.received), memory_order_relaxed);
    mailbox_discard(a);
    free(a->name);
    a->name = NULL;
    while (a->monitors) {
        struct wasp_monitor *m = a->monitors;
        a->monitors = m->next;
        free(m);
    }
    uint32_t gen = (uint32_t)(old >> 32) + 1;
    if (!gen) gen = 1;
    atomic_store_explicit(&a->ref, (uint64_t)gen << 32, memory_order_release);
    slot_free(sys, a->slot);
}

void wasp__actor_unref(struct wasp_actor *a) {
    uint64_t old = atomic_fetch_sub_explicit(&a->ref, 1, memory_order_acq_rel);
    if ((uint32_t)old == 1) actor_finalize(a, old - 1);
}

void wasp__table_each(wasp_system *sys, void (*fn)(struct wasp_actor *a, void *arg), void *arg) {
    uint32_t n = atomic_load_explicit(&sys->nslots, memory_order_acquire);
    for (uint32_t s = 0; s < n; s++) {
        struct wasp_actor *a = slot_ptr(sys, s);
        if (!a || !ref_if_live(a, 0)) continue;
        fn(a, arg);
        wasp__actor_unref(a);
    }
}
