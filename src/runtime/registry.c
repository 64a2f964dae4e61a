/* registry.c - unique names (actors and pools), O(1) lookup.
 *
 * One hash map (core/hashmap.h) from name to entry, behind a rwlock: sends
 * by name take the read side. An entry owns its name bytes (the map borrows
 * them as the key). A pool entry holds its members' ids and a round-robin
 * cursor; members are resolved at send time, so a member that terminated is
 * simply skipped (and it removes itself from its pools when it terminates).
 * Pools can be large (a component with 100,000 instances is one pool), so a
 * pool also indexes its members by id: joining and leaving are O(1), and a
 * terminating actor visits only the pool list, never every name. */
#include <stdlib.h>
#include <string.h>

#include "runtime/actor_table.h"
#include "runtime/actor.h"
#include "runtime/registry.h"
#include "runtime/system.h"

struct wasp_reg_entry {
    bool pool;
    wasp_aid id;         /* actor entries */
    wasp_aid *members;   /* pool entries */
    size_t n, cap;
    struct wasp_hashmap index;         /* pool: member id -> position + 1 */
    struct wasp_reg_entry *next_pool;  /* pool: in wasp_registry.pools */
    atomic_size_t rr;
    size_t len;
    char name[];
};

/* A name now denotes something else (under the write lock): name caches drop what they hold. */
static void names_changed(wasp_system *sys) { atomic_fetch_add(&sys->reg.gen, 1); }

static struct wasp_reg_entry *entry_new(const char *name, size_t len) {
    struct wasp_reg_entry *e = calloc(1, sizeof(*e) + len + 1);
    if (!e) return NULL;
    memcpy(e->name, name, len);
    e->len = len;
    wasp__hashmap_init(&e->index);
    return e;
}

static void entry_free(struct wasp_reg_entry *e) {
    if (!e) return;
    free(e->members);
    wasp__hashmap_free(&e->index);
    free(e);
}

/* Unlinks an emptied pool and removes its name; the caller frees it. */
static struct wasp_reg_entry *pool_forget(wasp_system *sys, struct wasp_reg_entry *e) {
    for (struct wasp_reg_entry **p = &sys->reg.pools; *p; p = &(*p)->next_pool)
        if (*p == e) {
            *p = e->next_pool;
            break;
        }
    names_changed(sys);
    return wasp__hashmap_del(&sys->reg.map, e->name, e->len);
}

int wasp__name_check(const char *name, size_t *len) {
    if (!name) return WASP_EINVAL;
    *len = strnlen(name, 256);
    return *len == 0 || *len > 255 ? WASP_EINVAL : WASP_OK;
}

int wasp__registry_add_actor(wasp_system *sys, const char *name, wasp_aid id) {
    size_t len;
    if (wasp__name_check(name, &len)) return WASP_EINVAL;
    struct wasp_reg_entry *e = entry_new(name, len);
    if (!e) return WASP_ENOMEM;
    e->id = id;
    int rc;
    pthread_rwlock_wrlock(&sys->reg.lk);
    if (wasp__hashmap_get(&sys->reg.map, name, len)) rc = WASP_EEXIST;
    else if (!(rc = wasp__hashmap_put(&sys->reg.map, e->name, len, e, NULL))) names_changed(sys);
    pthread_rwlock_unlock(&sys->reg.lk);
    if (rc) free(e);
    return rc;
}

/* Swap-removes a member: O(1) through the index. */
static bool pool_drop_member(struct wasp_reg_entry *e, wasp_aid id) {
    void *pos = wasp__hashmap_del_u64(&e->index, id);
    if (!pos) return false;
    size_t i = (size_t)(uintptr_t)pos - 1, last = --e->n;
    if (i != last) {
        e->members[i] = e->members[last];
        wasp__hashmap_put_u64(&e->index, e->members[i], (void *)(uintptr_t)(i + 1), NULL); /* replaces: no alloc */
    }
    return true;
}

void wasp__registry_remove_actor(wasp_system *sys, struct wasp_actor *a) {
    wasp_aid id = wasp_actor_id(a);
    bool in_pool = atomic_load(&a->in_pool);
    if (!a->name && !in_pool) return;
    struct wasp_reg_entry *gone = NULL;
    pthread_rwlock_wrlock(&sys->reg.lk);
    if (a->name) {
        struct wasp_reg_entry *e = wasp__hashmap_get(&sys->reg.map, a->name, strlen(a->name));
        if (e && !e->pool && e->id == id) {
            gone = wasp__hashmap_del(&sys->reg.map, a->name, e->len);
            names_changed(sys);
        }
    }
    if (in_pool) {
        struct wasp_reg_entry *next;
        for (struct wasp_reg_entry *e = sys->reg.pools; e; e = next) {
            next = e->next_pool;
            if (pool_drop_member(e, id) && !e->n) entry_free(pool_forget(sys, e));
        }
    }
    pthread_rwlock_unlock(&sys->reg.lk);
    entry_free(gone);
}

int wasp__registry_lookup(wasp_system *sys, const char *name, wasp_aid *out) {
    size_t len;
    if (wasp__name_check(name, &len)) return WASP_EINVAL;
    uint64_t gen;
    return wasp__registry_lookup_gen(sys, name, len, out, &gen);
}

int wasp__registry_lookup_gen(wasp_system *sys, const char *name, size_t len, wasp_aid *out,
                              uint64_t *single_gen) {
    int rc = WASP_ENOENT;
    *single_gen = 0;
    pthread_rwlock_rdlock(&sys->reg.lk);
    struct wasp_reg_entry *e = wasp__hashmap_get(&sys->reg.map, name, len);
    if (e && !e->pool) {
        *out = e->id;
        *single_gen = atomic_load(&sys->reg.gen); /* stable while we read-lock */
        rc = WASP_OK;
    } else if (e && e->n) {
        size_t k = atomic_fetch_add_explicit(&e->rr, 1, memory_order_relaxed);
        *out = e->members[k % e->n];
        rc = WASP_OK;
    }
    pthread_rwlock_unlock(&sys->reg.lk);
    return rc;
}

void wasp__registry_free(wasp_system *sys) {
    size_t it = 0;
    const struct wasp_hashmap_entry *he;
    while ((he = wasp__hashmap_next(&sys->reg.map, &it))) entry_free(he->value);
    wasp__hashmap_free(&sys->reg.map);
    pthread_rwlock_destroy(&sys->reg.lk);
}

int wasp_lookup(wasp_system *sys, const char *name, wasp_aid *out) {
    if (!sys || !out) return WASP_EINVAL;
    return wasp__registry_lookup(sys, name, out);
}

/* ---- pools ---------------------------------------------------------------- */

int wasp_pool_add(wasp_system *sys, const char *pool, wasp_aid member) {
    size_t len;
    if (!sys || wasp__name_check(pool, &len)) return WASP_EINVAL;
    struct wasp_actor *a = wasp__actor_get(sys, member);
    if (!a) return WASP_ENOENT;
    struct wasp_reg_entry *fresh = NULL;
    int rc = WASP_OK;
    pthread_rwlock_wrlock(&sys->reg.lk);
    int st = atomic_load(&a->lstate);
    struct wasp_reg_entry *e = wasp__hashmap_get(&sys->reg.map, pool, len);
    if (st == WASP_STATE_STOPPING || st == WASP_STATE_TERMINATED) {
        rc = WASP_ENOENT;
    } else if (e && !e->pool) {
        rc = WASP_EEXIST;
    } else {
        if (!e) {
            e = fresh = entry_new(pool, len);
            if (!e) rc = WASP_ENOMEM;
            else e->pool = true;
        }
        if (!rc && wasp__hashmap_get_u64(&e->index, member)) rc = WASP_EEXIST;
        if (!rc && e->n == e->cap) {
            size_t cap = e->cap ? e->cap * 2 : 4;
            wasp_aid *m = realloc(e->members, cap * sizeof(*m));
            if (!m) rc = WASP_ENOMEM;
            else {
                e->members = m;
                e->cap = cap;
            }
        }
        if (!rc) rc = wasp__hashmap_put_u64(&e->index, member, (void *)(uintptr_t)(e->n + 1), NULL);
        if (!rc && fresh) {
            rc = wasp__hashmap_put(&sys->reg.map, e->name, len, e, NULL);
            if (!rc) {
                names_changed(sys);
                e->next_pool = sys->reg.pools;
                sys->reg.pools = e;
            }
        }
        if (!rc) {
            e->members[e->n++] = member;
            atomic_store(&a->in_pool, true); /* pairs with lstate (seq_cst) */
            fresh = NULL;
        }
    }
    pthread_rwlock_unlock(&sys->reg.lk);
    entry_free(fresh);
    wasp__actor_unref(a);
    return rc;
}

int wasp_pool_remove(wasp_system *sys, const char *pool, wasp_aid member) {
    size_t len;
    if (!sys || wasp__name_check(pool, &len)) return WASP_EINVAL;
    int rc = WASP_ENOENT;
    struct wasp_reg_entry *gone = NULL;
    pthread_rwlock_wrlock(&sys->reg.lk);
    struct wasp_reg_entry *e = wasp__hashmap_get(&sys->reg.map, pool, len);
    if (e && e->pool) {
        if (pool_drop_member(e, member)) rc = WASP_OK;
        if (!e->n) gone = pool_forget(sys, e);
    }
    pthread_rwlock_unlock(&sys->reg.lk);
    entry_free(gone);
    return rc;
}

int wasp_pool_size(wasp_system *sys, const char *pool) {
    size_t len;
    if (!sys || wasp__name_check(pool, &len)) return WASP_EINVAL;
    int rc = WASP_ENOENT;
    pthread_rwlock_rdlock(&sys->reg.lk);
    struct wasp_reg_entry *e = wasp__hashmap_get(&sys->reg.map, pool, len);
    if (e && e->pool) rc = (int)e->n;
    pthread_rwlock_unlock(&sys->reg.lk);
    return rc;
}
