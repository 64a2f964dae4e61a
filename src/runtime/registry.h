/* registry.h - unique names of actors and pools (registry.c). */
#ifndef WASP_RUNTIME_REGISTRY_H
#define WASP_RUNTIME_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/hashmap.h"
#include "wasp.h"

struct wasp_actor;
struct wasp_reg_entry;

struct wasp_registry {
    pthread_rwlock_t lk;
    struct wasp_hashmap map; /* name -> struct wasp_reg_entry */
    struct wasp_reg_entry *pools; /* every pool entry, linked (pools are few) */
    /* Bumped (under lk) whenever a name comes to denote something else:
     * an actor's name added or removed, a pool made or dropped. Senders'
     * name caches (name_cache.h) hold only while it is unchanged. Starts at 1. */
    _Atomic uint64_t gen;
};
/* An actor or pool name is 1..255 bytes (the guest ABI's rule). WASP_OK with
 * *len set, or WASP_EINVAL (also for NULL). */
int wasp__name_check(const char *name, size_t *len);
int wasp__registry_add_actor(wasp_system *sys, const char *name, wasp_aid id);
void wasp__registry_remove_actor(wasp_system *sys, struct wasp_actor *a);
/* name -> actor id (pool: next member). WASP_OK / WASP_ENOENT. */
int wasp__registry_lookup(wasp_system *sys, const char *name, wasp_aid *out);
/* The same, for a name len bytes long (checked by the caller); *single_gen
 * is the generation the answer holds at if name is an actor's, 0 for a pool. */
int wasp__registry_lookup_gen(wasp_system *sys, const char *name, size_t len, wasp_aid *out,
                              uint64_t *single_gen);
/* For a pool: how many members to try. */
void wasp__registry_free(wasp_system *sys);

#endif
