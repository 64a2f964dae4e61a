/* diskcache.c - verified on-disk cache of serialized modules. */
#include "wasm/diskcache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasp.h"

#define MAGIC "WASPMOD\x01"
#define FORMAT_VERSION 1u

/* Fixed-layout header; integers little-endian (the cache never leaves the machine). */
struct header {
    char magic[8];
    uint32_t version;
    uint32_t reserved;
    uint8_t engine_fp[WASP_SHA256_LEN];
    uint8_t content[WASP_SHA256_LEN];
    uint64_t payload_len;
    uint8_t payload_sha[WASP_SHA256_LEN];
};

char *wasp_diskcache_path(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                          const uint8_t engine_fp[WASP_SHA256_LEN], char *out, size_t cap) {
    char c[2 * WASP_SHA256_LEN + 1], f[2 * WASP_SHA256_LEN + 1];
    wasp_sha256_hex(content, c);
    wasp_sha256_hex(engine_fp, f);
    snprintf(out, cap, "%s/%s-%.16s.cwasm", dir, c, f);
    return out;
}

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    uint8_t *buf = NULL;
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && st.st_size > 0) {
        buf = malloc((size_t)st.st_size);
        if (buf && fread(buf, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)st.st_size;
    }
    fclose(fp);
    return buf;
}

enum wasp_diskcache_result wasp_diskcache_read(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                                               const uint8_t engine_fp[WASP_SHA256_LEN], uint8_t **payload,
                                               size_t *len) {
    char path[4096];
    wasp_diskcache_path(dir, content, engine_fp, path, sizeof(path));
    if (access(path, F_OK) != 0) return WASP_DISKCACHE_MISS;

    size_t size = 0;
    uint8_t *buf = read_all(path, &size);
    if (!buf) return WASP_DISKCACHE_STALE;
    struct header h;
    enum wasp_diskcache_result res = WASP_DISKCACHE_STALE;
    if (size >= sizeof(h)) {
        memcpy(&h, buf, sizeof(h));
        uint8_t sha[WASP_SHA256_LEN];
        if (memcmp(h.magic, MAGIC, 8) == 0 && h.version == FORMAT_VERSION &&
            memcmp(h.engine_fp, engine_fp, WASP_SHA256_LEN) == 0 &&
            memcmp(h.content, content, WASP_SHA256_LEN) == 0 && h.payload_len == size - sizeof(h)) {
            wasp_sha256(buf + sizeof(h), (size_t)h.payload_len, sha);
            if (memcmp(sha, h.payload_sha, WASP_SHA256_LEN) == 0) res = WASP_DISKCACHE_HIT;
        }
    }
    if (res == WASP_DISKCACHE_HIT) {
        memmove(buf, buf + sizeof(h), (size_t)h.payload_len);
        *payload = buf;
        *len = (size_t)h.payload_len;
    } else {
        free(buf);
    }
    return res;
}

static int mkdir_p(const char *dir) {
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int wasp_diskcache_write(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                         const uint8_t engine_fp[WASP_SHA256_LEN], const uint8_t *payload, size_t len) {
    if (mkdir_p(dir) != 0) return WASP_EIO;
    struct header h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, MAGIC, 8);
    h.version = FORMAT_VERSION;
    memcpy(h.engine_fp, engine_fp, WASP_SHA256_LEN);
    memcpy(h.content, content, WASP_SHA256_LEN);
    h.payload_len = len;
    wasp_sha256(payload, len, h.payload_sha);

    char path[4096], tmp[4200];
    wasp_diskcache_path(dir, content, engine_fp, path, sizeof(path));
    /* A unique temporary name: concurrent writers of one entry each rename a
     * complete file, so readers never see a torn one. */
    snprintf(tmp, sizeof(tmp), "%s.%ld.%p.tmp", path, (long)getpid(), (void *)&h);
    FILE *fp = fopen(tmp, "wb");
    if (!fp) return WASP_EIO;
    bool ok = fwrite(&h, sizeof(h), 1, fp) == 1 && fwrite(payload, 1, len, fp) == len;
    ok = (fclose(fp) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return WASP_EIO;
    }
    return WASP_OK;
}
