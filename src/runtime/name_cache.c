/* name_cache.c - a sender's memo of where its names led (name_cache.h). */
#include <stdbool.h>
#include <string.h>

#include "runtime/name_cache.h"

_Static_assert(sizeof(struct wasp_name_memo) == 64, "a memo is one cache line");

struct wasp_name_memo *wasp__name_cache_way(struct wasp_name_cache *c, const char *name, size_t len) {
    /* FNV-1a: names are short; a guest choosing colliding names only slows its own sends. */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)name[i]) * 16777619u;
    return &c->way[(h ^ (h >> 16)) % WASP_NAME_CACHE_WAYS];
}

bool wasp__name_cache_get(const struct wasp_name_memo *m, uint64_t gen, const char *name, size_t len,
                          wasp_aid *id) {
    if (!m->gen || m->gen != gen || m->len != len || memcmp(m->name, name, len)) return false;
    *id = m->id;
    return true;
}

void wasp__name_cache_put(struct wasp_name_memo *m, uint64_t gen, const char *name, size_t len, wasp_aid id) {
    if (len > WASP_NAME_CACHE_MAX) return;
    m->gen = gen;
    m->id = id;
    m->len = (uint8_t)len;
    memcpy(m->name, name, len);
    m->name[len] = 0;
}
