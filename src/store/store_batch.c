/* store_batch.c - the rules of a write every backend applies the same way:
 * what a put, compare-and-swap or delete does given the key's current state,
 * and the per-namespace byte counts quotas are checked against (counted at
 * open, changed by each committed batch). */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

struct wasp__usage *wasp__usage_get(struct wasp_hashmap *m, const char *ns, size_t nslen, bool create) {
    struct wasp__usage *u = wasp__hashmap_get(m, ns, nslen);
    if (u || !create) return u;
    u = calloc(1, sizeof(*u) + nslen);
    if (!u) return NULL;
    memcpy(u->ns, ns, nslen);
    u->nslen = nslen;
    if (wasp__hashmap_put(m, u->ns, nslen, u, NULL) != WASP_OK) {
        free(u);
        return NULL;
    }
    return u;
}

void wasp__usage_settle(struct wasp_hashmap *m, bool committed) {
    size_t it = 0;
    const struct wasp_hashmap_entry *e;
    while ((e = wasp__hashmap_next(m, &it))) {
        struct wasp__usage *u = e->value;
        if (!u->touched) continue;
        if (committed) u->bytes = (uint64_t)((int64_t)u->bytes + u->pending);
        u->pending = 0;
        u->touched = false;
    }
}

void wasp__usage_free(struct wasp_hashmap *m) {
    size_t it = 0;
    const struct wasp_hashmap_entry *e;
    while ((e = wasp__hashmap_next(m, &it))) free(e->value);
    wasp__hashmap_free(m);
}

int wasp__store_decide(struct wasp_store_op *op, bool exists, uint64_t old_version, size_t old_vlen,
                       struct wasp__usage *u) {
    int64_t old_size = exists ? (int64_t)(op->klen + old_vlen) : 0;
    op->version = 0;
    if (op->kind == WASP_KV_DELETE) {
        op->result = exists ? WASP_OK : WASP_ENOENT;
        if (!exists) return WASP__STORE_SKIP;
        u->pending -= old_size;
        u->touched = true;
        return WASP__STORE_DELETE;
    }
    if (op->kind == WASP_KV_CAS && old_version != op->expect) {
        op->result = WASP_ESTATE;
        return WASP__STORE_SKIP;
    }
    int64_t delta = (int64_t)(op->klen + op->vlen) - old_size;
    if (op->quota && delta > 0 && (int64_t)u->bytes + u->pending + delta > (int64_t)op->quota) {
        op->result = WASP_ELIMIT;
        return WASP__STORE_SKIP;
    }
    u->pending += delta;
    u->touched = true;
    op->result = WASP_OK;
    return WASP__STORE_WRITE;
}
