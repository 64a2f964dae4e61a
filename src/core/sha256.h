/* sha256.h - SHA-256, used to key compiled modules by their content. */
#ifndef WASP_CORE_SHA256_H
#define WASP_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define WASP_SHA256_LEN 32

struct wasp__sha256 {
    uint32_t state[8];
    uint64_t total;
    uint8_t block[64];
    size_t used;
};

void wasp__sha256_init(struct wasp__sha256 *h);
void wasp__sha256_update(struct wasp__sha256 *h, const void *data, size_t len);
void wasp__sha256_final(struct wasp__sha256 *h, uint8_t out[WASP_SHA256_LEN]);

/* One-shot digest. */
void wasp__sha256(const void *data, size_t len, uint8_t out[WASP_SHA256_LEN]);

/* Lower-case hex of a digest into out (2*WASP_SHA256_LEN+1 bytes). */
void wasp__sha256_hex(const uint8_t digest[WASP_SHA256_LEN], char out[2 * WASP_SHA256_LEN + 1]);

#endif
