/* diskcache.h - serialized compiled modules on disk, authenticated.
 *
 * Wasmtime's deserializer runs native code it is given, so an entry must be
 * one this user's wasp wrote: every entry carries an HMAC-SHA256 under a
 * per-user key (DIR/cache.key, 32 random bytes, created 0600), and a
 * directory that other users could write to is refused outright.
 *
 * One file per (module content, engine configuration):
 *   DIR/<content sha256 hex>-<engine fingerprint hex, 16>.cwasm
 * holding a header (magic, format version, both hashes, payload length),
 * Wasmtime's serialized module, and the MAC of everything before it. A file
 * whose header or MAC does not match is reported stale and never handed to
 * Wasmtime.
 *
 * The directory is bounded: after each write, entries beyond the byte budget
 * are removed, least recently used first (a hit refreshes an entry's mtime),
 * so rebuilding wasp or its guests many times cannot fill the disk. The entry
 * just written is always kept. Temporary files that a crashed writer left
 * behind are removed once they are an hour old.
 */
#ifndef WASP_ENGINE_DISKCACHE_H
#define WASP_ENGINE_DISKCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/sha256.h"

struct wasp_diskcache;

enum wasp_diskcache_result {
    WASP_DISKCACHE_HIT,   /* *payload holds an authenticated serialized module */
    WASP_DISKCACHE_MISS,  /* no entry */
    WASP_DISKCACHE_STALE, /* an entry exists but is corrupt, forged or from another configuration */
};

/* Default byte budget of a cache directory. */
#define WASP_DISKCACHE_MAX_DEFAULT (1ull << 30)

/* Opens the cache in dir, creating it (0700) and its key if needed; it keeps
 * at most max_bytes of entries (0: WASP_DISKCACHE_MAX_DEFAULT). WASP_OK,
 * WASP_EPERM (dir or key is another user's, or others may write dir),
 * WASP_EIO (cannot be created or read), WASP_ENOMEM; why says what. */
int wasp__diskcache_open(const char *dir, uint64_t max_bytes, struct wasp_diskcache **out, char *why, size_t cap);
void wasp__diskcache_close(struct wasp_diskcache *c);

/* Reads and authenticates an entry. On HIT, *payload (malloc'd) and *len are set. */
enum wasp_diskcache_result wasp__diskcache_read(struct wasp_diskcache *c, const uint8_t content[WASP_SHA256_LEN],
                                               const uint8_t engine_fp[WASP_SHA256_LEN], uint8_t **payload,
                                               size_t *len);

/* Writes an entry atomically (temporary file + rename), then trims the
 * directory to its budget; *evicted (may be NULL) counts the entries removed.
 * WASP_OK or WASP_EIO. */
int wasp__diskcache_write(struct wasp_diskcache *c, const uint8_t content[WASP_SHA256_LEN],
                         const uint8_t engine_fp[WASP_SHA256_LEN], const uint8_t *payload, size_t len,
                         uint64_t *evicted);

/* The entry's path into out; returns out. */
char *wasp__diskcache_path(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                          const uint8_t engine_fp[WASP_SHA256_LEN], char *out, size_t cap);

#endif
