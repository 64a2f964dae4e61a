/* name_cache.h - a sender's memo of where its names led (name_cache.c).
 *
 * A component that sends by name sends to the same few names over and over
 * (the next member of a ring, a service). Each send used to take the
 * registry's read lock, hash the name with SipHash and walk to its entry -
 * on a long ring a chain of cold lines per hop. A memo maps a name to the
 * actor it resolved to, and holds only while the registry's generation is
 * the one seen at the lookup: every change of which actor a name denotes
 * (registration, unregistration, a pool made or dropped) bumps it, so a memo
 * can never lead a send anywhere the registry would not. Pools are never
 * memoised (each send takes their next member). The actor an entry names
 * may still be gone: the id carries its generation, so resolving it fails
 * and the send looks the name up again. Owned by one sender at a time (an
 * actor's incarnation): no lock. */
#ifndef WASP_RUNTIME_NAME_CACHE_H
#define WASP_RUNTIME_NAME_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasp.h"

#define WASP_NAME_CACHE_WAYS 4
#define WASP_NAME_CACHE_MAX 46 /* longer names are looked up every time */

/* One cache line: generation 0 is an empty way. */
struct wasp_name_memo {
    uint64_t gen;
    wasp_aid id;
    uint8_t len;
    char name[WASP_NAME_CACHE_MAX + 1];
};

struct wasp_name_cache {
    struct wasp_name_memo way[WASP_NAME_CACHE_WAYS];
    const struct wasp_name_memo *last; /* the way the last send used: what the next one likely reads */
};

/* The way name (len bytes) maps to: the line a send reads first. */
struct wasp_name_memo *wasp__name_cache_way(struct wasp_name_cache *c, const char *name, size_t len);
/* The actor id name resolved to while the registry is still at generation gen: true and *id set. */
bool wasp__name_cache_get(const struct wasp_name_memo *m, uint64_t gen, const char *name, size_t len,
                          wasp_aid *id);
/* Notes that name resolved to actor id at registry generation gen (nonzero). */
void wasp__name_cache_put(struct wasp_name_memo *m, uint64_t gen, const char *name, size_t len, wasp_aid id);

#endif
