/* module.c - compile once per content hash: in-memory cache, disk cache of
 * serialized modules, ABI check, and the linked InstancePre. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/diskcache.h"
#include "wasm/engine_private.h"

static struct wasp_module *cache_find(struct wasp_engine *e, const uint8_t hash[WASP_SHA256_LEN]) {
    for (struct wasp_module *m = e->modules; m; m = m->next)
        if (memcmp(m->hash, hash, WASP_SHA256_LEN) == 0) return m;
    return NULL;
}

static void module_destroy(struct wasp_module *m) {
    for (int i = 0; i < 2; i++)
        if (m->pre[i]) wasmtime_instance_pre_delete(m->pre[i]);
    if (m->module) wasmtime_module_delete(m->module);
    pthread_mutex_destroy(&m->pre_lock);
    free(m);
}

void wasp_module_cache_clear(struct wasp_engine *e) {
    /* The cache holds one reference per module; instances hold the others
     * and must be gone by now. */
    struct wasp_module *m = e->modules;
    while (m) {
        struct wasp_module *next = m->next;
        module_destroy(m);
        m = next;
    }
    e->modules = NULL;
    e->nmodules = 0;
}

/* Loads from the disk cache, or compiles and stores there. */
static int compile_or_load(struct wasp_engine *e, const uint8_t *bytes, size_t len, const uint8_t hash[32],
                           wasmtime_module_t **out, struct wasp_error *err) {
    bool stale = false;
    if (e->cache_dir) {
        uint8_t *payload = NULL;
        size_t plen = 0;
        enum wasp_diskcache_result r = wasp_diskcache_read(e->cache_dir, hash, e->fingerprint, &payload, &plen);
        if (r == WASP_DISKCACHE_HIT) {
            wasmtime_error_t *we = wasmtime_module_deserialize(e->engine, payload, plen, out);
            free(payload);
            if (!we) {
                pthread_mutex_lock(&e->lock);
                e->stats.disk_hits++;
                pthread_mutex_unlock(&e->lock);
                return WASP_OK;
            }
            wasmtime_error_delete(we); /* e.g. another Wasmtime build: recompile */
            stale = true;
        } else if (r == WASP_DISKCACHE_STALE) {
            stale = true;
        }
    }
    wasmtime_error_t *we = wasmtime_module_new(e->engine, bytes, len, out);
    if (we) return wasp_error_from_wasmtime(err, WASP_ECOMPILE, we, "not a valid WebAssembly module");
    pthread_mutex_lock(&e->lock);
    e->stats.compiled++;
    if (stale) e->stats.disk_stale++;
    pthread_mutex_unlock(&e->lock);
    if (e->cache_dir) {
        wasm_byte_vec_t ser;
        we = wasmtime_module_serialize(*out, &ser);
        if (!we) {
            /* A failed write only costs a recompile next time. */
            (void)wasp_diskcache_write(e->cache_dir, hash, e->fingerprint, (const uint8_t *)ser.data, ser.size);
            wasm_byte_vec_delete(&ser);
        } else {
            wasmtime_error_delete(we);
        }
    }
    return WASP_OK;
}

int wasp_module_load(struct wasp_engine *e, const uint8_t *bytes, size_t len, struct wasp_module **out,
                     struct wasp_error *err) {
    if (!e || !out || (!bytes && len)) return wasp_error_set(err, WASP_EINVAL, "invalid argument");
    if (len < 8 || memcmp(bytes, "\0asm", 4) != 0)
        return wasp_error_set(err, WASP_ECOMPILE, "not a WebAssembly binary (bad magic number)");
    uint8_t hash[WASP_SHA256_LEN];
    wasp_sha256(bytes, len, hash);

    pthread_mutex_lock(&e->lock);
    struct wasp_module *m = cache_find(e, hash);
    if (m) {
        atomic_fetch_add(&m->refs, 1);
        e->stats.memory_hits++;
        pthread_mutex_unlock(&e->lock);
        *out = m;
        return WASP_OK;
    }
    pthread_mutex_unlock(&e->lock);

    /* Compile outside the lock: it can take long, and two threads racing on
     * the same bytes only waste one compile (the loser's is dropped below). */
    wasmtime_module_t *wm = NULL;
    int rc = compile_or_load(e, bytes, len, hash, &wm, err);
    if (rc != WASP_OK) return rc;
    struct wasp_abi_info abi;
    rc = wasp_abi_check(wm, &abi, err);
    if (rc != WASP_OK) {
        wasmtime_module_delete(wm);
        return rc;
    }

    m = calloc(1, sizeof(*m));
    if (!m) {
        wasmtime_module_delete(wm);
        return wasp_error_set(err, WASP_ENOMEM, "out of memory");
    }
    m->engine = e;
    m->module = wm;
    m->abi = abi;
    memcpy(m->hash, hash, WASP_SHA256_LEN);
    pthread_mutex_init(&m->pre_lock, NULL);
    atomic_init(&m->refs, 2); /* the caller's and the cache's */

    pthread_mutex_lock(&e->lock);
    struct wasp_module *winner = cache_find(e, hash);
    if (winner) {
        atomic_fetch_add(&winner->refs, 1);
        pthread_mutex_unlock(&e->lock);
        module_destroy(m);
        *out = winner;
        return WASP_OK;
    }
    m->next = e->modules;
    e->modules = m;
    e->nmodules++;
    pthread_mutex_unlock(&e->lock);
    *out = m;
    return WASP_OK;
}

int wasp_module_read_file(const char *path, uint8_t **out, size_t *out_len, struct wasp_error *err) {
    if (!path) return wasp_error_set(err, WASP_EINVAL, "no path");
    FILE *fp = fopen(path, "rb");
    if (!fp) return wasp_error_set(err, WASP_EIO, "%s: cannot open", path);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(fp);
                return wasp_error_set(err, WASP_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    bool failed = ferror(fp);
    fclose(fp);
    if (failed) {
        free(buf);
        return wasp_error_set(err, WASP_EIO, "%s: read error", path);
    }
    *out = buf;
    *out_len = len;
    return WASP_OK;
}

int wasp_module_load_file(struct wasp_engine *e, const char *path, struct wasp_module **out,
                          struct wasp_error *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wasp_module_read_file(path, &buf, &len, err);
    if (rc != WASP_OK) return rc;
    rc = wasp_module_load(e, buf, len, out, err);
    free(buf);
    if (rc != WASP_OK && err) {
        /* Prefix the path: "PATH: reason", truncated to fit. */
        char msg[sizeof(err->msg)];
        size_t used = (size_t)snprintf(msg, sizeof(msg), "%s: ", path);
        if (used < sizeof(msg)) {
            size_t room = sizeof(msg) - used - 1, len = strlen(err->msg);
            memcpy(msg + used, err->msg, len < room ? len : room);
            msg[used + (len < room ? len : room)] = 0;
        }
        memcpy(err->msg, msg, sizeof(msg));
    }
    return rc;
}

struct wasp_module *wasp_module_retain(struct wasp_module *m) {
    atomic_fetch_add(&m->refs, 1);
    return m;
}

void wasp_module_release(struct wasp_module *m) {
    if (!m) return;
    /* The cache keeps the last reference until the engine is freed, so a
     * module reloaded later is not compiled again. */
    unsigned prev = atomic_fetch_sub(&m->refs, 1);
    (void)prev;
}

const struct wasp_abi_info *wasp_module_abi(const struct wasp_module *m) { return &m->abi; }

const uint8_t *wasp_module_hash(const struct wasp_module *m) { return m->hash; }

const wasmtime_module_t *wasp_module_wasmtime(const struct wasp_module *m) { return m->module; }

int wasp_module_prepare(struct wasp_module *m, bool with_wasi, struct wasp_error *err) {
    if (m->abi.imports_wasi && !with_wasi)
        return wasp_error_set(err, WASP_ELINK, "import %s is not permitted: WASI is not granted",
                              m->abi.first_wasi_import);
    int idx = with_wasi ? 1 : 0, rc = WASP_OK;
    pthread_mutex_lock(&m->pre_lock);
    if (!m->pre[idx]) {
        wasmtime_error_t *we = wasmtime_linker_instantiate_pre(m->engine->linker[idx], m->module, &m->pre[idx]);
        if (we) rc = wasp_error_from_wasmtime(err, WASP_ELINK, we, "linking");
    }
    pthread_mutex_unlock(&m->pre_lock);
    return rc;
}

wasmtime_instance_pre_t *wasp_module_pre(struct wasp_module *m, bool with_wasi) {
    return m->pre[with_wasi ? 1 : 0];
}
