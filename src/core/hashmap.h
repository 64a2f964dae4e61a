/* hashmap.h - a small open-addressing hash map, keyed by bytes or by u64.
 *
 * Linear probing with backward-shift deletion (no tombstones), so lookups
 * stay short however many inserts and deletes a long-lived map has seen.
 * The table doubles above 3/4 load and halves below 1/8.
 *
 * Keys:
 *   - byte keys are BORROWED: the map stores the pointer, not a copy. The
 *     bytes must stay valid and unchanged while the entry exists; the usual
 *     pattern is that the value owns its key (e.g. a node holding its name).
 *   - u64 keys are stored inline.
 *   A map may hold both kinds; a byte key never equals a u64 key.
 * Values are non-NULL pointers (NULL marks an empty slot and means "absent").
 *
 * Byte keys are hashed with SipHash-1-3 under a per-process random seed, so
 * untrusted keys (topics and names chosen by guests) cannot force collisions.
 *
 * Not thread-safe; concurrent readers are fine while nobody writes.
 */
#ifndef WASP_CORE_HASHMAP_H
#define WASP_CORE_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* len value that marks a u64-keyed entry. */
#define WASP_HASHMAP_U64 SIZE_MAX

struct wasp_hashmap_entry {
    uint64_t hash;
    union {
        const void *bytes; /* byte key (borrowed) */
        uint64_t u64;      /* u64 key, when len == WASP_HASHMAP_U64 */
    } key;
    size_t len; /* byte-key length, or WASP_HASHMAP_U64 */
    void *value; /* NULL = empty slot */
};

struct wasp_hashmap {
    struct wasp_hashmap_entry *slots;
    size_t cap;   /* 0 or a power of two */
    size_t len;   /* live entries */
};

/* Zero-initialising a struct wasp_hashmap is equivalent to init; neither
 * allocates until the first put. */
void wasp__hashmap_init(struct wasp_hashmap *m);
/* Frees the table (not the values or keys) and leaves an empty map. */
void wasp__hashmap_free(struct wasp_hashmap *m);

static inline size_t wasp_hashmap_len(const struct wasp_hashmap *m) { return m->len; }

/* Hashes, exposed so a caller looking the same key up in many maps (e.g. a
 * topic segment at every trie level) hashes it once. */
uint64_t wasp__hashmap_hash(const void *key, size_t len);
uint64_t wasp__hashmap_hash_u64(uint64_t key);

/* Byte keys. put inserts or replaces (key pointer and value both replaced);
 * *old (if old is not NULL) receives the replaced value or NULL.
 * Returns WASP_OK, WASP_EINVAL (NULL value) or WASP_ENOMEM (map unchanged). */
void *wasp__hashmap_get(const struct wasp_hashmap *m, const void *key, size_t len);
void *wasp__hashmap_get_hashed(const struct wasp_hashmap *m, uint64_t hash, const void *key,
                              size_t len);
int wasp__hashmap_put(struct wasp_hashmap *m, const void *key, size_t len, void *value, void **old);
/* Removes the entry; returns its value, or NULL if absent. */
void *wasp__hashmap_del(struct wasp_hashmap *m, const void *key, size_t len);

/* u64 keys, same contracts. */
void *wasp__hashmap_get_u64(const struct wasp_hashmap *m, uint64_t key);
int wasp__hashmap_put_u64(struct wasp_hashmap *m, uint64_t key, void *value, void **old);
void *wasp__hashmap_del_u64(struct wasp_hashmap *m, uint64_t key);

/* Iteration in unspecified order:
 *     size_t it = 0; const struct wasp_hashmap_entry *e;
 *     while ((e = wasp__hashmap_next(m, &it))) ...
 * The map must not be modified (put/del) during the loop. */
const struct wasp_hashmap_entry *wasp__hashmap_next(const struct wasp_hashmap *m, size_t *it);

#endif
