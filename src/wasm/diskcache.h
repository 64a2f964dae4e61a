/* diskcache.h - serialized compiled modules on disk.
 *
 * One file per (module content, engine configuration):
 *   DIR/<content sha256 hex>-<engine fingerprint hex, 16>.cwasm
 * holding a header (magic, format version, both hashes, payload length and
 * payload SHA-256) and Wasmtime's serialized module. A file whose header or
 * checksum does not match is reported stale and never handed to Wasmtime,
 * whose deserializer must only see bytes it produced itself.
 */
#ifndef WASP_WASM_DISKCACHE_H
#define WASP_WASM_DISKCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/sha256.h"

enum wasp_diskcache_result {
    WASP_DISKCACHE_HIT,   /* *payload holds a verified serialized module */
    WASP_DISKCACHE_MISS,  /* no entry */
    WASP_DISKCACHE_STALE, /* an entry exists but is corrupt or from another configuration */
};

/* Reads and verifies an entry. On HIT, *payload (malloc'd) and *len are set. */
enum wasp_diskcache_result wasp_diskcache_read(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                                               const uint8_t engine_fp[WASP_SHA256_LEN], uint8_t **payload,
                                               size_t *len);

/* Writes an entry atomically (temporary file + rename). Returns WASP_OK or WASP_EIO. */
int wasp_diskcache_write(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                         const uint8_t engine_fp[WASP_SHA256_LEN], const uint8_t *payload, size_t len);

/* The entry's path into out; returns out. */
char *wasp_diskcache_path(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                          const uint8_t engine_fp[WASP_SHA256_LEN], char *out, size_t cap);

#endif
