/* module.c - compile once per content hash: in-memory cache, disk cache of
 * serialized modules and components, ABI check, and the linked InstancePre. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "engine/diskcache.h"
#include "engine/engine_private.h"
#include "engine/scan.h"

static struct wasp_module *cache_find(struct wasp_engine *e, const uint8_t hash[WASP_SHA256_LEN]) {
    for (struct wasp_module *m = e->modules; m; m = m->next)
        if (memcmp(m->hash, hash, WASP_SHA256_LEN) == 0) return m;
    return NULL;
}

static void module_destroy(struct wasp_module *m) {
    for (int i = 0; i < 2; i++)
        if (m->pre[i]) wasmtime_instance_pre_delete(m->pre[i]);
    if (m->module) wasmtime_module_delete(m->module);
    if (m->cm_pre) wasp_cm_pre_delete(m->cm_pre);
    if (m->component) wasmtime_component_delete(m->component);
    pthread_mutex_destroy(&m->pre_lock);
    free(m);
}

void wasp__module_cache_clear(struct wasp_engine *e) {
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

bool wasp__wasm_is_component(const uint8_t *bytes, size_t len) {
    /* Preamble: magic, then version (2 bytes) and layer (2 bytes): layer 1. */
    return len >= 8 && memcmp(bytes, "\0asm", 4) == 0 && bytes[6] == 1 && bytes[7] == 0;
}

/* What was compiled: a core module or a component. */
struct compiled {
    bool component;
    wasmtime_module_t *module;
    wasmtime_component_t *comp;
};

static wasmtime_error_t *artifact_deserialize(struct wasp_engine *e, struct compiled *c, const uint8_t *p, size_t n) {
    return c->component ? wasmtime_component_deserialize(e->engine, p, n, &c->comp)
                        : wasmtime_module_deserialize(e->engine, p, n, &c->module);
}

static wasmtime_error_t *artifact_compile(struct wasp_engine *e, struct compiled *c, const uint8_t *p, size_t n) {
    return c->component ? wasmtime_component_new(e->engine, p, n, &c->comp)
                        : wasmtime_module_new(e->engine, p, n, &c->module);
}

static wasmtime_error_t *artifact_serialize(struct compiled *c, wasm_byte_vec_t *out) {
    return c->component ? wasmtime_component_serialize(c->comp, out) : wasmtime_module_serialize(c->module, out);
}

static void artifact_delete(struct compiled *c) {
    if (c->module) wasmtime_module_delete(c->module);
    if (c->comp) wasmtime_component_delete(c->comp);
    c->module = NULL;
    c->comp = NULL;
}

/* Loads from the disk cache, or compiles and stores there. */
static int compile_or_load(struct wasp_engine *e, const uint8_t *bytes, size_t len, const uint8_t hash[32],
                           struct compiled *out, struct wasp_error *err) {
    bool stale = false;
    if (e->cache) {
        uint8_t *payload = NULL;
        size_t plen = 0;
        enum wasp_diskcache_result r = wasp__diskcache_read(e->cache, hash, e->fingerprint, &payload, &plen);
        if (r == WASP_DISKCACHE_HIT) {
            wasmtime_error_t *we = artifact_deserialize(e, out, payload, plen);
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
    wasmtime_error_t *we = artifact_compile(e, out, bytes, len);
    if (we)
        return wasp__error_from_wasmtime(err, WASP_ECOMPILE, we, "not a valid WebAssembly %s",
                                        out->component ? "component" : "module");
    pthread_mutex_lock(&e->lock);
    e->stats.compiled++;
    if (stale) e->stats.disk_stale++;
    pthread_mutex_unlock(&e->lock);
    if (e->cache) {
        wasm_byte_vec_t ser;
        we = artifact_serialize(out, &ser);
        if (!we) {
            /* A failed write only costs a recompile next time. */
            uint64_t evicted = 0;
            (void)wasp__diskcache_write(e->cache, hash, e->fingerprint, (const uint8_t *)ser.data, ser.size,
                                        &evicted);
            pthread_mutex_lock(&e->lock);
            e->stats.disk_evicted += evicted;
            pthread_mutex_unlock(&e->lock);
            wasm_byte_vec_delete(&ser);
        } else {
            wasmtime_error_delete(we);
        }
    }
    return WASP_OK;
}

static void first_wasi_import(void *arg, bool is_export, const uint8_t *name, size_t len) {
    struct wasp_abi_info *abi = arg;
    if (is_export || abi->first_wasi_import[0] || len < 5 || memcmp(name, "wasi:", 5) != 0) return;
    size_t n = len < sizeof(abi->first_wasi_import) - 1 ? len : sizeof(abi->first_wasi_import) - 1;
    memcpy(abi->first_wasi_import, name, n);
    abi->first_wasi_import[n] = 0;
}

/* A component's check against the world: its exports' types, and its
 * imports against the linker it needs (with WASI only if it imports WASI). */
static int component_check(struct wasp_engine *e, const wasmtime_component_t *c, wasp_cm_pre **pre,
                           struct wasp_abi_info *abi, struct wasp_error *err) {
    memset(abi, 0, sizeof(*abi));
    wasp_cm_component_items(e->engine, c, first_wasi_import, abi);
    abi->imports_wasi = abi->first_wasi_import[0] != 0;
    struct wasp_cm_info info = {0};
    wasmtime_error_t *we = NULL;
    *pre = wasp_cm_pre_new(e->cm_linker[abi->imports_wasi], e->engine, c, &info, &we);
    if (!*pre) return wasp__error_from_wasmtime(err, WASP_EABI, we, "component does not fit world wasp:actor");
    abi->receives = true;
    abi->has_start = info.has_start;
    abi->has_cleanup = info.has_cleanup;
    abi->has_health = info.has_health;
    return WASP_OK;
}

int wasp__module_load(struct wasp_engine *e, const uint8_t *bytes, size_t len, struct wasp_module **out,
                     struct wasp_error *err) {
    if (!e || !out || (!bytes && len)) return wasp__error_set(err, WASP_EINVAL, "invalid argument");
    if (len < 8 || memcmp(bytes, "\0asm", 4) != 0)
        return wasp__error_set(err, WASP_ECOMPILE, "not a WebAssembly binary (bad magic number)");
    /* Compile time and memory grow with the number of functions, however
     * small they are: refuse before compiling what would cost too much. */
    struct wasp_module_shape shape;
    int rc = wasp__module_scan(bytes, len, &shape, err);
    if (rc != WASP_OK) return rc;
    uint32_t nfuncs = shape.functions > shape.bodies ? shape.functions : shape.bodies;
    if (nfuncs > WASP_MODULE_MAX_FUNCTIONS)
        return wasp__error_set(err, WASP_ECOMPILE, "the module defines %u functions, more than the %u wasp compiles",
                              nfuncs, WASP_MODULE_MAX_FUNCTIONS);
    uint8_t hash[WASP_SHA256_LEN];
    wasp__sha256(bytes, len, hash);

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
    struct compiled wm = {.component = wasp__wasm_is_component(bytes, len)};
    rc = compile_or_load(e, bytes, len, hash, &wm, err);
    if (rc != WASP_OK) return rc;
    struct wasp_abi_info abi;
    wasp_cm_pre *pre = NULL;
    rc = wm.component ? component_check(e, wm.comp, &pre, &abi, err) : wasp__abi_check(wm.module, &abi, err);
    if (rc != WASP_OK) {
        artifact_delete(&wm);
        return rc;
    }

    m = calloc(1, sizeof(*m));
    if (!m) {
        wasp_cm_pre_delete(pre);
        artifact_delete(&wm);
        return wasp__error_set(err, WASP_ENOMEM, "out of memory");
    }
    m->engine = e;
    m->module = wm.module;
    m->component = wm.comp;
    m->cm_pre = pre;
    m->abi = abi;
    m->start_section = shape.start;
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

int wasp__module_read_file(const char *path, uint8_t **out, size_t *out_len, struct wasp_error *err) {
    if (!path) return wasp__error_set(err, WASP_EINVAL, "no path");
    char why[160];
    int rc = wasp__file_read(path, WASP_MODULE_MAX_BYTES, out, out_len, why, sizeof(why));
    if (rc == WASP_E2BIG) rc = WASP_ECOMPILE; /* too large to be a module we run */
    return rc ? wasp__error_set(err, rc, "%s: cannot read: %s", path, why) : WASP_OK;
}

int wasp__module_load_file(struct wasp_engine *e, const char *path, struct wasp_module **out,
                          struct wasp_error *err) {
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = wasp__module_read_file(path, &buf, &len, err);
    if (rc != WASP_OK) return rc;
    rc = wasp__module_load(e, buf, len, out, err);
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

struct wasp_module *wasp__module_retain(struct wasp_module *m) {
    atomic_fetch_add(&m->refs, 1);
    return m;
}

void wasp__module_release(struct wasp_module *m) {
    if (!m) return;
    /* The cache keeps the last reference until the engine is freed, so a
     * module reloaded later is not compiled again. */
    unsigned prev = atomic_fetch_sub(&m->refs, 1);
    (void)prev;
}

const struct wasp_abi_info *wasp__module_abi(const struct wasp_module *m) { return &m->abi; }

const uint8_t *wasp__module_hash(const struct wasp_module *m) { return m->hash; }

const wasmtime_module_t *wasp__module_wasmtime(const struct wasp_module *m) { return m->module; }

const wasmtime_component_t *wasp__module_component(const struct wasp_module *m) { return m->component; }

const char *wasp__module_world(const struct wasp_module *m) {
    if (!m->component) return NULL;
    return m->abi.has_start || m->abi.has_cleanup || m->abi.has_health ? "supervised-actor" : "actor";
}

struct wasp_engine *wasp__module_engine(const struct wasp_module *m) { return m->engine; }

bool wasp__module_inert_instantiation(const struct wasp_module *m) {
    return !m->component && !m->start_section;
}

int wasp__module_prepare(struct wasp_module *m, bool with_wasi, struct wasp_error *err) {
    if (m->abi.imports_wasi && !with_wasi)
        return wasp__error_set(err, WASP_ELINK, "import %s is not permitted: WASI is not granted",
                              m->abi.first_wasi_import);
    if (m->component) return WASP_OK; /* linked once at load, with WASI only if it imports it */
    int idx = with_wasi ? 1 : 0, rc = WASP_OK;
    pthread_mutex_lock(&m->pre_lock);
    if (!m->pre[idx]) {
        wasmtime_error_t *we = wasmtime_linker_instantiate_pre(m->engine->linker[idx], m->module, &m->pre[idx]);
        if (we) rc = wasp__error_from_wasmtime(err, WASP_ELINK, we, "linking");
    }
    pthread_mutex_unlock(&m->pre_lock);
    return rc;
}

wasmtime_instance_pre_t *wasp__module_pre(struct wasp_module *m, bool with_wasi) {
    return m->pre[with_wasi ? 1 : 0];
}
