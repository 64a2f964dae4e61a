/* backend_lmdb.c - the embedded storage backend: one LMDB file per system.
 *
 * Layout: one B-tree; a user key is stored as [ns length][ns][key] so each
 * namespace is one contiguous, ordered range; its value as [version, 8 bytes
 * little endian][bytes]. Keys whose first byte is 0 are the store's own:
 * "\0format" (what this file is) and "\0seq" (the last version handed out).
 *
 * LMDB limits a key to 511 bytes, so this backend takes keys up to 511
 * minus 1 minus the namespace's length (EINVAL beyond): it is the measured
 * alternative to the SQLite default (docs/STORAGE.md), chosen with
 * wasp_store_config.backend.
 *
 * The environment is opened with MDB_NOLOCK - no lock file next to it, so a
 * system is exactly one file - and this process takes an exclusive flock on
 * the file instead. Without LMDB's reader table a writer could reuse pages a
 * reader still sees, so readers and the (single) writer share a rwlock; a
 * write transaction only touches memory and the page cache, the flush to
 * disk (MDB_NOSYNC + mdb_env_sync) happens after the lock is released.
 * LMDB's copy-on-write B-tree and two meta pages make a commit atomic: a
 * process killed at any instant leaves the last committed state. */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

#define FORMAT "wasp-kv 1"
#define MAP_LIMIT (64ull << 30)
#define KEYBUF (1 + WASP_STORE_NS_MAX + WASP_KV_KEY_MAX)

struct lmdb_be {
    MDB_env *env;
    MDB_dbi dbi;
    int fd; /* holds the flock */
    uint64_t map_size;
    size_t max_key; /* LMDB's compile-time key limit (511 in Debian's build) */
    uint64_t seq;
    pthread_rwlock_t lock;
    struct wasp_hashmap usage; /* ns -> struct wasp__usage (guarded by lock) */
};

static size_t key_encode(uint8_t *buf, const char *ns, size_t nslen, const uint8_t *key, size_t klen) {
    buf[0] = (uint8_t)nslen;
    memcpy(buf + 1, ns, nslen);
    if (klen) memcpy(buf + 1 + nslen, key, klen);
    return 1 + nslen + klen;
}

static uint64_t load64(const void *p) {
    const uint8_t *b = p;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
    return v;
}

static void store64(void *p, uint64_t v) {
    uint8_t *b = p;
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
}

/* ---- reads -------------------------------------------------------------------- */

static int lmdb_get(void *be, const char *ns, size_t nslen, const uint8_t *key, size_t klen, void *out,
                    size_t cap, size_t *len, uint64_t *version) {
    struct lmdb_be *b = be;
    if (1 + nslen + klen > b->max_key) return WASP_EINVAL;
    uint8_t kb[KEYBUF];
    MDB_val k = {key_encode(kb, ns, nslen, key, klen), kb}, v;
    MDB_txn *txn;
    pthread_rwlock_rdlock(&b->lock);
    int rc = mdb_txn_begin(b->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = mdb_get(txn, b->dbi, &k, &v);
        if (rc == 0 && v.mv_size >= 8) {
            *version = load64(v.mv_data);
            *len = v.mv_size - 8;
            if (cap) memcpy(out, (uint8_t *)v.mv_data + 8, *len < cap ? *len : cap);
        }
        mdb_txn_abort(txn);
    }
    pthread_rwlock_unlock(&b->lock);
    return rc == 0 ? WASP_OK : rc == MDB_NOTFOUND ? WASP_ENOENT : WASP_EIO;
}

static bool has_prefix(const MDB_val *k, const void *p, size_t plen) {
    return k->mv_size >= plen && memcmp(k->mv_data, p, plen) == 0;
}

/* Runs fn on a cursor of a read transaction; its result is an LMDB code. */
static int with_cursor(struct lmdb_be *b, int (*fn)(MDB_cursor *cur, void *arg), void *arg) {
    MDB_txn *txn;
    MDB_cursor *cur;
    pthread_rwlock_rdlock(&b->lock);
    int rc = mdb_txn_begin(b->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = mdb_cursor_open(txn, b->dbi, &cur);
        if (rc == 0) {
            rc = fn(cur, arg);
            mdb_cursor_close(cur);
        }
        mdb_txn_abort(txn);
    }
    pthread_rwlock_unlock(&b->lock);
    return rc;
}

struct next_args {
    MDB_val start, prefix;
    bool after;
    size_t skip; /* namespace bytes in front of the user key */
    void *out;
    size_t cap, *klen;
};

static int next_at(MDB_cursor *cur, void *arg) {
    struct next_args *a = arg;
    MDB_val k = a->start, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && a->after && k.mv_size == a->start.mv_size && !memcmp(k.mv_data, a->start.mv_data, k.mv_size))
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    if (rc == 0 && !has_prefix(&k, a->prefix.mv_data, a->prefix.mv_size)) rc = MDB_NOTFOUND;
    if (rc == 0) {
        *a->klen = k.mv_size - a->skip;
        if (a->cap) memcpy(a->out, (uint8_t *)k.mv_data + a->skip, *a->klen < a->cap ? *a->klen : a->cap);
    }
    return rc;
}

static int lmdb_next(void *be, const char *ns, size_t nslen, const uint8_t *prefix, size_t plen,
                     const uint8_t *start_key, size_t slen, bool from_after, void *out, size_t cap, size_t *klen) {
    struct lmdb_be *b = be;
    if (1 + nslen + slen > b->max_key) return WASP_EINVAL;
    uint8_t pb[KEYBUF], sb[KEYBUF];
    struct next_args a = {.start = {key_encode(sb, ns, nslen, start_key, slen), sb},
                          .prefix = {key_encode(pb, ns, nslen, prefix, plen), pb},
                          .after = from_after, .skip = 1 + nslen, .out = out, .cap = cap, .klen = klen};
    int rc = with_cursor(b, next_at, &a);
    return rc == 0 ? WASP_OK : rc == MDB_NOTFOUND ? WASP_ENOENT : WASP_EIO;
}

struct visit_args {
    MDB_val prefix;
    wasp_kv_visit_fn fn;
    void *arg;
};

static int visit_all(MDB_cursor *cur, void *arg) {
    struct visit_args *a = arg;
    MDB_val k = a->prefix, v;
    size_t p = a->prefix.mv_size;
    int rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && has_prefix(&k, a->prefix.mv_data, p);
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size < 8) continue;
        if (a->fn(a->arg, (uint8_t *)k.mv_data + p, k.mv_size - p, (uint8_t *)v.mv_data + 8, v.mv_size - 8,
                  load64(v.mv_data)))
            break;
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int lmdb_foreach(void *be, const char *ns, size_t nslen, wasp_kv_visit_fn fn, void *arg) {
    uint8_t pb[KEYBUF];
    struct visit_args a = {.prefix = {key_encode(pb, ns, nslen, NULL, 0), pb}, .fn = fn, .arg = arg};
    return with_cursor(be, visit_all, &a) == 0 ? WASP_OK : WASP_EIO;
}

static uint64_t lmdb_usage(void *be, const char *ns, size_t nslen) {
    struct lmdb_be *b = be;
    pthread_rwlock_rdlock(&b->lock);
    struct wasp__usage *u = wasp__usage_get(&b->usage, ns, nslen, false);
    uint64_t n = u ? u->bytes : 0;
    pthread_rwlock_unlock(&b->lock);
    return n;
}

/* ---- writes ------------------------------------------------------------------- */

/* One op inside the write transaction. 0, or an LMDB error that fails the batch. */
static int apply_one(struct lmdb_be *b, MDB_txn *txn, struct wasp_store_op *op, uint64_t *seq) {
    if (1 + op->nslen + op->klen > b->max_key) {
        op->result = WASP_EINVAL;
        return 0;
    }
    uint8_t kb[KEYBUF];
    MDB_val k = {key_encode(kb, op->ns, op->nslen, op->key, op->klen), kb}, v;
    int rc = mdb_get(txn, b->dbi, &k, &v);
    if (rc && rc != MDB_NOTFOUND) return rc;
    bool exists = rc == 0 && v.mv_size >= 8;
    struct wasp__usage *u = wasp__usage_get(&b->usage, op->ns, op->nslen, true);
    if (!u) return ENOMEM;
    int what = wasp__store_decide(op, exists, exists ? load64(v.mv_data) : 0, exists ? v.mv_size - 8 : 0, u);
    if (what == WASP__STORE_DELETE) return mdb_del(txn, b->dbi, &k, NULL);
    if (what == WASP__STORE_SKIP) return 0;
    v.mv_size = 8 + op->vlen;
    if ((rc = mdb_put(txn, b->dbi, &k, &v, MDB_RESERVE))) return rc;
    store64(v.mv_data, ++*seq);
    if (op->vlen) memcpy((uint8_t *)v.mv_data + 8, op->val, op->vlen);
    op->version = *seq;
    return 0;
}

static int write_batch(struct lmdb_be *b, struct wasp_store_op *const *ops, size_t n) {
    MDB_txn *txn;
    int rc = mdb_txn_begin(b->env, NULL, 0, &txn);
    if (rc) return rc;
    uint64_t seq = b->seq;
    for (size_t i = 0; i < n && !rc; i++) rc = apply_one(b, txn, ops[i], &seq);
    if (!rc && seq != b->seq) {
        uint8_t sb[8];
        store64(sb, seq);
        MDB_val k = {4, "\0seq"}, v = {8, sb};
        rc = mdb_put(txn, b->dbi, &k, &v, 0);
    }
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc == 0) b->seq = seq;
    return rc;
}

static void lmdb_apply(void *be, struct wasp_store_op *const *ops, size_t n) {
    struct lmdb_be *b = be;
    pthread_rwlock_wrlock(&b->lock);
    int rc;
    while ((rc = write_batch(b, ops, n)) == MDB_MAP_FULL && b->map_size < MAP_LIMIT) {
        /* The file's address space is full: grow it (no transaction is
         * open: the write lock keeps readers out) and try again. */
        wasp__usage_settle(&b->usage, false);
        if (mdb_env_set_mapsize(b->env, b->map_size * 2)) break;
        b->map_size *= 2;
    }
    wasp__usage_settle(&b->usage, rc == 0);
    pthread_rwlock_unlock(&b->lock);
    bool sync = false;
    for (size_t i = 0; i < n; i++) {
        if (rc) ops[i]->result = rc == MDB_MAP_FULL ? WASP_ELIMIT : WASP_EIO;
        sync |= ops[i]->sync && ops[i]->result == WASP_OK;
    }
    if (sync && mdb_env_sync(b->env, 1))
        for (size_t i = 0; i < n; i++)
            if (ops[i]->sync && ops[i]->result == WASP_OK) ops[i]->result = WASP_EIO;
}

/* ---- open / close ------------------------------------------------------------- */

static void lmdb_close(void *be) {
    struct lmdb_be *b = be;
    if (!b) return;
    if (b->env) {
        mdb_env_sync(b->env, 1);
        mdb_env_close(b->env);
    }
    wasp__usage_free(&b->usage);
    if (b->fd >= 0) close(b->fd);
    pthread_rwlock_destroy(&b->lock);
    free(b);
}

/* Reads every entry once: checks the file's structure (LMDB reports broken
 * pages it walks through) and counts each namespace's usage. */
static int scan_all(struct lmdb_be *b, const char *path, char *err, size_t cap) {
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_txn_begin(b->env, NULL, MDB_RDONLY, &txn);
    if (rc) return wasp__store_fail(err, cap, WASP_EIO, path, "cannot read: %s", mdb_strerror(rc));
    rc = mdb_dbi_open(txn, NULL, 0, &b->dbi);
    if (!rc) rc = mdb_cursor_open(txn, b->dbi, &cur);
    if (rc) {
        mdb_txn_abort(txn);
        return wasp__store_fail(err, cap, WASP_EIO, path, "cannot read: %s", mdb_strerror(rc));
    }
    bool empty = true, ours = false;
    int out = WASP_OK;
    while (out == WASP_OK && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
        const uint8_t *kp = k.mv_data;
        empty = false;
        if (k.mv_size == 7 && !memcmp(kp, "\0format", 7)) {
            ours = v.mv_size == strlen(FORMAT) && !memcmp(v.mv_data, FORMAT, v.mv_size);
            if (!ours) out = wasp__store_fail(err, cap, WASP_EIO, path, "not a wasp store of a known format");
        } else if (k.mv_size == 4 && !memcmp(kp, "\0seq", 4) && v.mv_size == 8) {
            if (load64(v.mv_data) > b->seq) b->seq = load64(v.mv_data);
        } else if (k.mv_size < 2u + kp[0] || kp[0] == 0 || v.mv_size < 8) {
            out = wasp__store_fail(err, cap, WASP_EIO, path, "corrupt: malformed entry");
        } else {
            struct wasp__usage *u = wasp__usage_get(&b->usage, (const char *)kp + 1, kp[0], true);
            if (!u) out = wasp__store_fail(err, cap, WASP_ENOMEM, path, "out of memory");
            else u->bytes += k.mv_size - 1 - kp[0] + v.mv_size - 8;
            if (load64(v.mv_data) > b->seq) b->seq = load64(v.mv_data);
        }
    }
    if (out == WASP_OK && rc != MDB_NOTFOUND) out = wasp__store_fail(err, cap, WASP_EIO, path, "corrupt: %s", mdb_strerror(rc));
    if (out == WASP_OK && !empty && !ours) out = wasp__store_fail(err, cap, WASP_EIO, path, "not a wasp store");
    mdb_cursor_close(cur);
    mdb_txn_commit(txn); /* keeps the dbi handle */
    if (out != WASP_OK || !empty) return out;
    /* A new file: mark it as ours. */
    if ((rc = mdb_txn_begin(b->env, NULL, 0, &txn)) == 0) {
        MDB_val fk = {7, "\0format"}, fv = {strlen(FORMAT), FORMAT};
        rc = mdb_put(txn, b->dbi, &fk, &fv, 0);
        if (rc) mdb_txn_abort(txn);
        else rc = mdb_txn_commit(txn);
    }
    if (!rc) rc = mdb_env_sync(b->env, 1);
    return rc ? wasp__store_fail(err, cap, WASP_EIO, path, "cannot write: %s", mdb_strerror(rc)) : WASP_OK;
}

static const struct wasp_store_backend_ops lmdb_ops = {
    .name = "lmdb",
    .get = lmdb_get,
    .next = lmdb_next,
    .apply = lmdb_apply,
    .usage = lmdb_usage,
    .foreach = lmdb_foreach,
    .close = lmdb_close,
};

int wasp__lmdb_open(const char *path, uint64_t map_size, const struct wasp_store_backend_ops **ops, void **be,
                    char *err, size_t errcap) {
    struct lmdb_be *b = calloc(1, sizeof(*b));
    if (!b) return wasp__store_fail(err, errcap, WASP_ENOMEM, path, "out of memory");
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* A steady stream of readers must not starve the writer. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&b->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    b->fd = -1;
    int rc = wasp__store_lock(path, &b->fd, err, errcap);
    if (rc != WASP_OK) {
        lmdb_close(b);
        return rc;
    }
    struct stat sb;
    if (fstat(b->fd, &sb) == 0 && (uint64_t)sb.st_size > map_size / 2) map_size = (uint64_t)sb.st_size * 2;
    b->map_size = map_size;
    rc = mdb_env_create(&b->env);
    if (!rc) rc = mdb_env_set_mapsize(b->env, map_size);
    if (rc) {
        lmdb_close(b);
        return wasp__store_fail(err, errcap, WASP_EIO, path, "cannot open: %s", mdb_strerror(rc));
    }
    rc = mdb_env_open(b->env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOSYNC | MDB_NOTLS, 0600);
    if (rc) {
        const char *why = rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_CORRUPTED
                              ? "not a wasp store, or corrupt"
                              : "cannot open";
        wasp__store_fail(err, errcap, WASP_EIO, path, "%s (%s)", why, mdb_strerror(rc));
        mdb_env_close(b->env);
        b->env = NULL;
        lmdb_close(b);
        return WASP_EIO;
    }
    b->max_key = (size_t)mdb_env_get_maxkeysize(b->env);
    rc = scan_all(b, path, err, errcap);
    if (rc != WASP_OK) {
        mdb_env_close(b->env);
        b->env = NULL;
        lmdb_close(b);
        return rc;
    }
    *ops = &lmdb_ops;
    *be = b;
    return WASP_OK;
}
