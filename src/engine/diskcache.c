/* diskcache.c - authenticated on-disk cache of serialized modules. */
#include "engine/diskcache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/file.h"
#include "core/str.h"
#include "wasp.h"

#define MAGIC "WASPMOD\x02"
#define FORMAT_VERSION 2u
#define KEY_LEN 32
#define MAC_LEN 32
#define KEY_FILE "cache.key"
#define ENTRY_MAX ((size_t)1 << 30) /* a serialized module larger than this is not ours */

#define TMP_MAX_AGE_S 3600      /* a writer's temporary file older than this was abandoned */

struct wasp_diskcache {
    char *dir;
    uint64_t max_bytes;
    uint8_t key[KEY_LEN];
};

/* Fixed-layout header; integers little-endian (the cache never leaves the machine). */
struct header {
    char magic[8];
    uint32_t version;
    uint32_t reserved;
    uint8_t engine_fp[WASP_SHA256_LEN];
    uint8_t content[WASP_SHA256_LEN];
    uint64_t payload_len;
};

char *wasp__diskcache_path(const char *dir, const uint8_t content[WASP_SHA256_LEN],
                          const uint8_t engine_fp[WASP_SHA256_LEN], char *out, size_t cap) {
    char c[2 * WASP_SHA256_LEN + 1], f[2 * WASP_SHA256_LEN + 1];
    wasp__sha256_hex(content, c);
    wasp__sha256_hex(engine_fp, f);
    snprintf(out, cap, "%s/%s-%.16s.cwasm", dir, c, f);
    return out;
}

/* ---- the directory and its key ------------------------------------------- */

static int mkdir_p(const char *dir) {
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* Ours alone: owned by this user, and no one else may write (a key: nor read). */
static int check_owner(const struct stat *st, mode_t forbidden, const char *what, const char *path, char *why,
                       size_t cap) {
    if (st->st_uid != geteuid()) {
        snprintf(why, cap, "%s %s belongs to another user", what, path);
        return WASP_EPERM;
    }
    if (st->st_mode & forbidden) {
        snprintf(why, cap, "%s %s is %s by other users (mode %03o)", what, path,
                 forbidden == 077 ? "accessible" : "writable", (unsigned)(st->st_mode & 0777));
        return WASP_EPERM;
    }
    return WASP_OK;
}

static int read_key(const char *path, uint8_t key[KEY_LEN], char *why, size_t cap) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(why, cap, "cannot open %s: %s", path, strerror(errno));
        return errno == ENOENT ? WASP_ENOENT : WASP_EIO;
    }
    struct stat st;
    int rc = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ? WASP_EIO : check_owner(&st, 077, "key", path, why, cap);
    if (rc == WASP_OK && read(fd, key, KEY_LEN) != KEY_LEN) rc = WASP_EIO;
    if (rc == WASP_EIO) snprintf(why, cap, "%s is not a %d-byte key file", path, KEY_LEN);
    close(fd);
    return rc;
}

/* Creates the key: written to a private temporary file, then linked into
 * place, so a concurrent reader never sees half a key and the first of two
 * racing creators wins. */
static int create_key(const char *dir, const char *path, char *why, size_t cap) {
    uint8_t key[KEY_LEN];
    if (RAND_bytes(key, KEY_LEN) != 1) {
        snprintf(why, cap, "no randomness for the cache key");
        return WASP_EIO;
    }
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s/.key.%ld.tmp", dir, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, key, KEY_LEN) == KEY_LEN;
    if (fd >= 0) ok = (close(fd) == 0) && ok;
    OPENSSL_cleanse(key, sizeof(key));
    ok = ok && (link(tmp, path) == 0 || errno == EEXIST);
    unlink(tmp);
    if (!ok) snprintf(why, cap, "cannot create %s: %s", path, strerror(errno));
    return ok ? WASP_OK : WASP_EIO;
}

int wasp__diskcache_open(const char *dir, uint64_t max_bytes, struct wasp_diskcache **out, char *why, size_t cap) {
    *out = NULL;
    if (strlen(dir) > 3000) {
        snprintf(why, cap, "the cache directory's path is too long");
        return WASP_EIO;
    }
    struct stat st;
    if (mkdir_p(dir) != 0 || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "cannot create the cache directory %s: %s", dir, strerror(errno));
        return WASP_EIO;
    }
    int rc = check_owner(&st, 022, "the cache directory", dir, why, cap);
    if (rc) return rc;
    struct wasp_diskcache *c = calloc(1, sizeof(*c));
    if (!c || !(c->dir = strdup(dir))) {
        free(c);
        snprintf(why, cap, "out of memory");
        return WASP_ENOMEM;
    }
    c->max_bytes = max_bytes ? max_bytes : WASP_DISKCACHE_MAX_DEFAULT;
    char path[4200];
    snprintf(path, sizeof(path), "%s/" KEY_FILE, dir);
    rc = read_key(path, c->key, why, cap);
    if (rc == WASP_ENOENT && (rc = create_key(dir, path, why, cap)) == WASP_OK)
        rc = read_key(path, c->key, why, cap);
    if (rc) {
        wasp__diskcache_close(c);
        return rc;
    }
    *out = c;
    return WASP_OK;
}

void wasp__diskcache_close(struct wasp_diskcache *c) {
    if (!c) return;
    OPENSSL_cleanse(c->key, sizeof(c->key));
    free(c->dir);
    free(c);
}

/* ---- entries -------------------------------------------------------------- */

static void mac(const struct wasp_diskcache *c, const uint8_t *data, size_t len, uint8_t out[MAC_LEN]) {
    unsigned int n = MAC_LEN;
    if (!HMAC(EVP_sha256(), c->key, KEY_LEN, data, len, out, &n)) memset(out, 0, MAC_LEN);
}

enum wasp_diskcache_result wasp__diskcache_read(struct wasp_diskcache *c, const uint8_t content[WASP_SHA256_LEN],
                                               const uint8_t engine_fp[WASP_SHA256_LEN], uint8_t **payload,
                                               size_t *len) {
    char path[4096], why[160];
    wasp__diskcache_path(c->dir, content, engine_fp, path, sizeof(path));
    if (access(path, F_OK) != 0) return WASP_DISKCACHE_MISS;
    uint8_t *buf = NULL;
    size_t size = 0;
    if (wasp__file_read(path, ENTRY_MAX, &buf, &size, why, sizeof(why)) != WASP_OK) return WASP_DISKCACHE_STALE;
    struct header h;
    bool good = false;
    if (size >= sizeof(h) + MAC_LEN) {
        memcpy(&h, buf, sizeof(h));
        uint8_t want[MAC_LEN];
        mac(c, buf, size - MAC_LEN, want);
        good = CRYPTO_memcmp(want, buf + size - MAC_LEN, MAC_LEN) == 0 && memcmp(h.magic, MAGIC, 8) == 0 &&
               h.version == FORMAT_VERSION && memcmp(h.engine_fp, engine_fp, WASP_SHA256_LEN) == 0 &&
               memcmp(h.content, content, WASP_SHA256_LEN) == 0 && h.payload_len == size - sizeof(h) - MAC_LEN;
    }
    if (!good) {
        free(buf);
        return WASP_DISKCACHE_STALE;
    }
    memmove(buf, buf + sizeof(h), (size_t)h.payload_len);
    (void)utimensat(AT_FDCWD, path, NULL, 0); /* recently used: trimmed last */
    *payload = buf;
    *len = (size_t)h.payload_len;
    return WASP_DISKCACHE_HIT;
}

/* ---- the budget ------------------------------------------------------------ */

struct entry {
    struct timespec used;
    uint64_t size;
    char name[128];
};

static int older_first(const void *a, const void *b) {
    const struct timespec *x = &((const struct entry *)a)->used, *y = &((const struct entry *)b)->used;
    if (x->tv_sec != y->tv_sec) return x->tv_sec < y->tv_sec ? -1 : 1;
    return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Lists the entries (and removes abandoned temporary files); NULL when the
 * directory cannot be read or memory runs out: then nothing is trimmed. */
static struct entry *list_entries(const struct wasp_diskcache *c, size_t *count, uint64_t *total) {
    DIR *d = opendir(c->dir);
    if (!d) return NULL;
    struct entry *v = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    time_t now = time(NULL);
    char path[4400];
    for (struct dirent *de; ok && (de = readdir(d));) {
        bool tmp = wasp__ends_with(de->d_name, ".tmp");
        size_t len = strlen(de->d_name);
        if ((!tmp && !wasp__ends_with(de->d_name, ".cwasm")) || len >= sizeof(v->name)) continue;
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", c->dir, de->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (tmp) {
            if (now - st.st_mtime > TMP_MAX_AGE_S) (void)unlink(path);
            continue;
        }
        if (n == cap) {
            struct entry *g = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
            if (!g) ok = false;
            else v = g;
        }
        if (ok) {
            v[n].used = st.st_mtim;
            v[n].size = (uint64_t)st.st_size;
            memcpy(v[n].name, de->d_name, len + 1);
            *total += v[n++].size;
        }
    }
    closedir(d);
    if (!ok) {
        free(v);
        return NULL;
    }
    *count = n;
    return v;
}

/* Removes the least recently used entries until the rest fit the budget,
 * sparing `keep` (the entry just written). Races with other processes doing
 * the same are harmless: an entry removed twice is removed once. */
static uint64_t trim(const struct wasp_diskcache *c, const char *keep) {
    size_t n = 0;
    uint64_t total = 0, removed = 0;
    struct entry *v = list_entries(c, &n, &total);
    if (!v) return 0;
    qsort(v, n, sizeof(*v), older_first);
    char path[4400];
    for (size_t i = 0; i < n && total > c->max_bytes; i++) {
        if (strcmp(v[i].name, keep) == 0) continue;
        snprintf(path, sizeof(path), "%s/%s", c->dir, v[i].name);
        if (unlink(path) == 0 || errno == ENOENT) {
            total -= v[i].size;
            removed++;
        }
    }
    free(v);
    return removed;
}

int wasp__diskcache_write(struct wasp_diskcache *c, const uint8_t content[WASP_SHA256_LEN],
                         const uint8_t engine_fp[WASP_SHA256_LEN], const uint8_t *payload, size_t len,
                         uint64_t *evicted) {
    if (evicted) *evicted = 0;
    struct header h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, MAGIC, 8);
    h.version = FORMAT_VERSION;
    memcpy(h.engine_fp, engine_fp, WASP_SHA256_LEN);
    memcpy(h.content, content, WASP_SHA256_LEN);
    h.payload_len = len;
    uint8_t *buf = malloc(sizeof(h) + len + MAC_LEN);
    if (!buf) return WASP_EIO;
    memcpy(buf, &h, sizeof(h));
    if (len) memcpy(buf + sizeof(h), payload, len);
    mac(c, buf, sizeof(h) + len, buf + sizeof(h) + len);

    char path[4096], tmp[4200];
    wasp__diskcache_path(c->dir, content, engine_fp, path, sizeof(path));
    /* A unique temporary name: concurrent writers of one entry each rename a
     * complete file, so readers never see a torn one. */
    snprintf(tmp, sizeof(tmp), "%s.%ld.%p.tmp", path, (long)getpid(), (void *)&h);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    size_t total = sizeof(h) + len + MAC_LEN, done = 0;
    while (fd >= 0 && done < total) {
        ssize_t n = write(fd, buf + done, total - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (size_t)n;
    }
    free(buf);
    bool ok = fd >= 0 && done == total;
    if (fd >= 0) ok = (close(fd) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return WASP_EIO;
    }
    uint64_t removed = trim(c, strrchr(path, '/') + 1);
    if (evicted) *evicted = removed;
    return WASP_OK;
}
