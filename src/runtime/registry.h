/* registry.h - unique names of actors and pools (registry.c). */
#ifndef WASP_RUNTIME_REGISTRY_H
#define WASP_RUNTIME_REGISTRY_H

#include <pthread.h>
#include <stddef.h>

#include "core/hashmap.h"
#include "wasp.h"

struct wasp_actor;
struct wasp_reg_entry;

struct wasp_registry {
    pthread_rwlock_t lk;
    struct wasp_hashmap map; /* name -> struct wasp_reg_entry */
    struct wasp_reg_entry *pools; /* every pool entry, linked (pools are few) */
};
/* An actor or pool name is 1..255 bytes (the guest ABI's rule). WASP_OK with
 * *len set, or WASP_EINVAL (also for NULL). */
int wasp__name_check(const char *name, size_t *len);
int wasp__registry_add_actor(wasp_system *sys, const char *name, wasp_aid id);
void wasp__registry_remove_actor(wasp_system *sys, struct wasp_actor *a);
/* name -> actor id (pool: next member). WASP_OK / WASP_ENOENT. */
int wasp__registry_lookup(wasp_system *sys, const char *name, wasp_aid *out);
/* For a pool: how many members to try. */
void wasp__registry_free(wasp_system *sys);

#endif
