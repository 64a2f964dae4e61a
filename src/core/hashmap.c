/* hashmap.c - open-addressing hash map (see hashmap.h for the contract). */
#include "core/hashmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "wasp.h"

#define MIN_CAP 8

/* ---- Seed ----------------------------------------------------------------
 * One random 128-bit SipHash key per process, so collisions cannot be
 * precomputed. If getrandom fails we still want a working map: fall back to
 * clock and address entropy, weaker but never fatal. */
static uint64_t seed[2];
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void) {
    if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&ts;
        seed[1] = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4full ^ (uint64_t)(uintptr_t)&seed;
    }
}

/* ---- SipHash-1-3 (the variant Redis and Rust use for hash tables) ------- */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                   \
    do {                                                                           \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                  \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                     \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                     \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                  \
    } while (0)

static uint64_t load64le(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t siphash13(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1) {
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    const uint8_t *end = in + (len & ~(size_t)7);
    for (; in != end; in += 8) {
        uint64_t m = load64le(in);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    switch (len & 7) {
    case 7: b |= (uint64_t)in[6] << 48; /* fall through */
    case 6: b |= (uint64_t)in[5] << 40; /* fall through */
    case 5: b |= (uint64_t)in[4] << 32; /* fall through */
    case 4: b |= (uint64_t)in[3] << 24; /* fall through */
    case 3: b |= (uint64_t)in[2] << 16; /* fall through */
    case 2: b |= (uint64_t)in[1] << 8;  /* fall through */
    case 1: b |= (uint64_t)in[0]; break;
    case 0: break;
    }
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t wasp__hashmap_hash(const void *key, size_t len) {
    pthread_once(&seed_once, seed_init);
    return siphash13(key, len, seed[0], seed[1]);
}

/* u64 keys are ids we allocate, not attacker-chosen bytes: a seeded
 * splitmix64 finaliser spreads them well and is far cheaper than SipHash. */
uint64_t wasp__hashmap_hash_u64(uint64_t key) {
    pthread_once(&seed_once, seed_init);
    uint64_t z = key ^ seed[0];
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- Table ---------------------------------------------------------------- */
void wasp__hashmap_init(struct wasp_hashmap *m) {
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
}

void wasp__hashmap_free(struct wasp_hashmap *m) {
    free(m->slots);
    wasp__hashmap_init(m);
}

static bool entry_eq(const struct wasp_hashmap_entry *e, uint64_t hash, const void *key,
                     size_t len, uint64_t u64) {
    if (e->hash != hash || e->len != len) return false;
    if (len == WASP_HASHMAP_U64) return e->key.u64 == u64;
    return len == 0 || memcmp(e->key.bytes, key, len) == 0;
}

/* Index of the matching slot, or SIZE_MAX. */
static size_t find(const struct wasp_hashmap *m, uint64_t hash, const void *key, size_t len,
                   uint64_t u64) {
    if (m->len == 0) return SIZE_MAX;
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const struct wasp_hashmap_entry *e = &m->slots[i];
        if (!e->value) return SIZE_MAX;
        if (entry_eq(e, hash, key, len, u64)) return i;
    }
}

static int resize(struct wasp_hashmap *m, size_t cap) {
    struct wasp_hashmap_entry *slots = calloc(cap, sizeof(*slots));
    if (!slots) return WASP_ENOMEM;
    size_t mask = cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].value) continue;
        size_t j = m->slots[i].hash & mask;
        while (slots[j].value) j = (j + 1) & mask;
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return WASP_OK;
}

static int put(struct wasp_hashmap *m, uint64_t hash, const void *key, size_t len, uint64_t u64,
               void *value, void **old) {
    if (old) *old = NULL;
    if (!value) return WASP_EINVAL;
    size_t i = find(m, hash, key, len, u64);
    if (i != SIZE_MAX) {
        struct wasp_hashmap_entry *e = &m->slots[i];
        if (old) *old = e->value;
        if (len != WASP_HASHMAP_U64) e->key.bytes = key; /* the new value may own the key */
        e->value = value;
        return WASP_OK;
    }
    if ((m->len + 1) * 4 > m->cap * 3) {
        if (m->cap > SIZE_MAX / 2 / sizeof(*m->slots)) return WASP_ENOMEM;
        int rc = resize(m, m->cap ? m->cap * 2 : MIN_CAP);
        if (rc != WASP_OK) return rc;
    }
    size_t mask = m->cap - 1;
    for (i = hash & mask; m->slots[i].value; i = (i + 1) & mask) {}
    struct wasp_hashmap_entry *e = &m->slots[i];
    e->hash = hash;
    e->len = len;
    if (len == WASP_HASHMAP_U64) e->key.u64 = u64;
    else e->key.bytes = key;
    e->value = value;
    m->len++;
    return WASP_OK;
}

/* Backward-shift deletion: pull later members of the probe run into the
 * hole so no tombstone is needed and lookups never lengthen. */
static void *del_at(struct wasp_hashmap *m, size_t i) {
    void *value = m->slots[i].value;
    size_t mask = m->cap - 1;
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        struct wasp_hashmap_entry *e = &m->slots[j];
        if (!e->value) break;
        size_t home = e->hash & mask;
        /* e may move into the hole at i only if its home is not in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays) continue;
        m->slots[i] = *e;
        i = j;
    }
    m->slots[i].value = NULL;
    m->len--;
    if (m->len == 0) wasp__hashmap_free(m); /* an emptied map holds no memory */
    else if (m->cap > MIN_CAP && m->len * 8 < m->cap)
        (void)resize(m, m->cap / 2); /* best effort: a failed shrink leaves a valid map */
    return value;
}

void *wasp__hashmap_get_hashed(const struct wasp_hashmap *m, uint64_t hash, const void *key,
                              size_t len) {
    if (len == WASP_HASHMAP_U64) return NULL;
    size_t i = find(m, hash, key, len, 0);
    return i == SIZE_MAX ? NULL : m->slots[i].value;
}

void *wasp__hashmap_get(const struct wasp_hashmap *m, const void *key, size_t len) {
    if (m->len == 0) return NULL;
    return wasp__hashmap_get_hashed(m, wasp__hashmap_hash(key, len), key, len);
}

int wasp__hashmap_put(struct wasp_hashmap *m, const void *key, size_t len, void *value, void **old) {
    if (len == WASP_HASHMAP_U64 || (!key && len)) {
        if (old) *old = NULL;
        return WASP_EINVAL;
    }
    return put(m, wasp__hashmap_hash(key, len), key, len, 0, value, old);
}

void *wasp__hashmap_del(struct wasp_hashmap *m, const void *key, size_t len) {
    if (m->len == 0 || len == WASP_HASHMAP_U64) return NULL;
    size_t i = find(m, wasp__hashmap_hash(key, len), key, len, 0);
    return i == SIZE_MAX ? NULL : del_at(m, i);
}

void *wasp__hashmap_get_u64(const struct wasp_hashmap *m, uint64_t key) {
    if (m->len == 0) return NULL;
    size_t i = find(m, wasp__hashmap_hash_u64(key), NULL, WASP_HASHMAP_U64, key);
    return i == SIZE_MAX ? NULL : m->slots[i].value;
}

int wasp__hashmap_put_u64(struct wasp_hashmap *m, uint64_t key, void *value, void **old) {
    return put(m, wasp__hashmap_hash_u64(key), NULL, WASP_HASHMAP_U64, key, value, old);
}

void *wasp__hashmap_del_u64(struct wasp_hashmap *m, uint64_t key) {
    if (m->len == 0) return NULL;
    size_t i = find(m, wasp__hashmap_hash_u64(key), NULL, WASP_HASHMAP_U64, key);
    return i == SIZE_MAX ? NULL : del_at(m, i);
}

const struct wasp_hashmap_entry *wasp__hashmap_next(const struct wasp_hashmap *m, size_t *it) {
    while (*it < m->cap) {
        const struct wasp_hashmap_entry *e = &m->slots[(*it)++];
        if (e->value) return e;
    }
    return NULL;
}
