/* backend_sqlite.c - the default storage backend: one SQLite database file
 * per system (docs/STORAGE.md says why SQLite and not LMDB).
 *
 *   kv(ns, key, version, value)  WITHOUT ROWID, primary key (ns, key): each
 *                                namespace is one ordered range of keys
 *   meta(k, v)                   'seq': the last version handed out
 *   application_id               marks the file as a wasp store
 *
 * Write-ahead log: a commit is one append to the -wal file, atomic when the
 * process dies at any instant; readers on their own connections never wait
 * for the writer, not even during its flush. Durability is chosen per batch:
 * synchronous=FULL flushes the log before the commit returns (COMMIT),
 * NORMAL leaves it to the next checkpoint (NONE: survives kill -9, not a
 * power cut). The -wal and -shm files exist only while the store is open;
 * closing checkpoints the log into the one database file.
 *
 * Readers: a pool of read-only connections, one taken per read, so reads
 * from many workers run in parallel. The writer: one connection, used only
 * on the store's writer thread. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

#define APP_ID 0x77617370 /* "wasp" */

enum { Q_GET, Q_NEXT_GE, Q_NEXT_GT, Q_ALL, Q_PUT, Q_DEL, Q_SEQ, NQ };
static const char *const sql[NQ] = {
    [Q_GET] = "SELECT version, value FROM kv WHERE ns = ?1 AND key = ?2",
    [Q_NEXT_GE] = "SELECT key FROM kv WHERE ns = ?1 AND key >= ?2 ORDER BY key LIMIT 1",
    [Q_NEXT_GT] = "SELECT key FROM kv WHERE ns = ?1 AND key > ?2 ORDER BY key LIMIT 1",
    [Q_ALL] = "SELECT key, value, version FROM kv WHERE ns = ?1 ORDER BY key",
    [Q_PUT] = "INSERT OR REPLACE INTO kv (ns, key, version, value) VALUES (?1, ?2, ?3, ?4)",
    [Q_DEL] = "DELETE FROM kv WHERE ns = ?1 AND key = ?2",
    [Q_SEQ] = "INSERT OR REPLACE INTO meta (k, v) VALUES ('seq', ?1)",
};

struct conn {
    sqlite3 *db;
    sqlite3_stmt *q[NQ];
    struct conn *next; /* free list */
};

struct sqlite_be {
    char *path;
    int fd;                 /* holds the flock */
    struct conn *writer;
    pthread_mutex_t lock;   /* guards readers and usage */
    struct conn *readers;   /* idle read connections */
    struct wasp_hashmap usage;
    uint64_t seq;
    bool synchronous_full;  /* the writer's current setting */
};

static void conn_close(struct conn *c) {
    if (!c) return;
    for (int i = 0; i < NQ; i++) sqlite3_finalize(c->q[i]);
    sqlite3_close(c->db);
    free(c);
}

static struct conn *conn_open(const char *path, bool writer, int *rc) {
    struct conn *c = calloc(1, sizeof(*c));
    if (!c) {
        *rc = SQLITE_NOMEM;
        return NULL;
    }
    int flags = (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    *rc = sqlite3_open_v2(path, &c->db, flags, NULL);
    if (*rc == SQLITE_OK) sqlite3_busy_timeout(c->db, 5000);
    return c;
}

static int conn_prepare(struct conn *c) {
    for (int i = 0; i < NQ; i++) {
        int rc = sqlite3_prepare_v3(c->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->q[i], NULL);
        if (rc) return rc;
    }
    return SQLITE_OK;
}

static struct conn *reader_take(struct sqlite_be *b) {
    pthread_mutex_lock(&b->lock);
    struct conn *c = b->readers;
    if (c) b->readers = c->next;
    pthread_mutex_unlock(&b->lock);
    if (c) return c;
    int rc;
    c = conn_open(b->path, false, &rc);
    if (c && (rc || conn_prepare(c))) {
        conn_close(c);
        c = NULL;
    }
    return c;
}

static void reader_give(struct sqlite_be *b, struct conn *c) {
    pthread_mutex_lock(&b->lock);
    c->next = b->readers;
    b->readers = c;
    pthread_mutex_unlock(&b->lock);
}

static void bind_key(sqlite3_stmt *q, const char *ns, size_t nslen, const uint8_t *key, size_t klen) {
    sqlite3_bind_blob(q, 1, ns, (int)nslen, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, klen ? (const void *)key : "", (int)klen, SQLITE_STATIC);
}

static int done(sqlite3_stmt *q, int rc) {
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

/* ---- reads -------------------------------------------------------------------- */

/* Runs query qi for (ns, key) on a reader; take(q, arg) reads its row.
 * WASP_OK (take's result), WASP_ENOENT (no row), WASP_EIO. */
static int read_row(struct sqlite_be *b, int qi, const char *ns, size_t nslen, const uint8_t *key, size_t klen,
                    int (*take)(sqlite3_stmt *q, void *arg), void *arg) {
    struct conn *c = reader_take(b);
    if (!c) return WASP_EIO;
    sqlite3_stmt *q = c->q[qi];
    bind_key(q, ns, nslen, key, klen);
    int rc = sqlite3_step(q);
    rc = rc == SQLITE_ROW ? take(q, arg) : rc == SQLITE_DONE ? WASP_ENOENT : WASP_EIO;
    done(q, 0);
    reader_give(b, c);
    return rc;
}

/* Copies at most cap of n bytes. */
static void copy_out(void *out, size_t cap, const void *src, size_t n) {
    if (cap && n) memcpy(out, src, n < cap ? n : cap);
}

struct get_args {
    void *out;
    size_t cap, *len;
    uint64_t *version;
};

static int take_value(sqlite3_stmt *q, void *arg) {
    struct get_args *a = arg;
    *a->version = (uint64_t)sqlite3_column_int64(q, 0);
    *a->len = (size_t)sqlite3_column_bytes(q, 1);
    copy_out(a->out, a->cap, sqlite3_column_blob(q, 1), *a->len);
    return WASP_OK;
}

static int sq_get(void *be, const char *ns, size_t nslen, const uint8_t *key, size_t klen, void *out, size_t cap,
                  size_t *len, uint64_t *version) {
    struct get_args a = {out, cap, len, version};
    return read_row(be, Q_GET, ns, nslen, key, klen, take_value, &a);
}

struct next_args {
    const uint8_t *prefix;
    size_t plen;
    void *out;
    size_t cap, *klen;
};

static int take_key(sqlite3_stmt *q, void *arg) {
    struct next_args *a = arg;
    const uint8_t *k = sqlite3_column_blob(q, 0);
    size_t n = (size_t)sqlite3_column_bytes(q, 0);
    if (n < a->plen || (a->plen && memcmp(k, a->prefix, a->plen))) return WASP_ENOENT; /* past the prefix */
    *a->klen = n;
    copy_out(a->out, a->cap, k, n);
    return WASP_OK;
}

static int sq_next(void *be, const char *ns, size_t nslen, const uint8_t *prefix, size_t plen,
                   const uint8_t *start, size_t slen, bool after, void *out, size_t cap, size_t *klen) {
    struct next_args a = {prefix, plen, out, cap, klen};
    return read_row(be, after ? Q_NEXT_GT : Q_NEXT_GE, ns, nslen, start, slen, take_key, &a);
}

static int sq_foreach(void *be, const char *ns, size_t nslen, wasp_kv_visit_fn fn, void *arg) {
    struct sqlite_be *b = be;
    struct conn *c = reader_take(b);
    if (!c) return WASP_EIO;
    sqlite3_stmt *q = c->q[Q_ALL];
    sqlite3_bind_blob(q, 1, ns, (int)nslen, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (fn(arg, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), sqlite3_column_blob(q, 1),
               (size_t)sqlite3_column_bytes(q, 1), (uint64_t)sqlite3_column_int64(q, 2))) {
            rc = SQLITE_DONE;
            break;
        }
    }
    done(q, 0);
    reader_give(b, c);
    return rc == SQLITE_DONE ? WASP_OK : WASP_EIO;
}

static uint64_t sq_usage(void *be, const char *ns, size_t nslen) {
    struct sqlite_be *b = be;
    pthread_mutex_lock(&b->lock);
    struct wasp__usage *u = wasp__usage_get(&b->usage, ns, nslen, false);
    uint64_t n = u ? u->bytes : 0;
    pthread_mutex_unlock(&b->lock);
    return n;
}

/* ---- writes (writer thread only) ---------------------------------------------- */

static int exec(struct conn *c, const char *s) { return sqlite3_exec(c->db, s, NULL, NULL, NULL); }

static int apply_one(struct sqlite_be *b, struct wasp_store_op *op, uint64_t *seq) {
    struct conn *w = b->writer;
    sqlite3_stmt *q = w->q[Q_GET];
    bind_key(q, op->ns, op->nslen, op->key, op->klen);
    int rc = sqlite3_step(q);
    bool exists = rc == SQLITE_ROW;
    uint64_t old_version = exists ? (uint64_t)sqlite3_column_int64(q, 0) : 0;
    size_t old_vlen = exists ? (size_t)sqlite3_column_bytes(q, 1) : 0;
    done(q, 0);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
    /* The usage map is shared with sq_usage readers: change it under the lock. */
    pthread_mutex_lock(&b->lock);
    struct wasp__usage *u = wasp__usage_get(&b->usage, op->ns, op->nslen, true);
    int what = u ? wasp__store_decide(op, exists, old_version, old_vlen, u) : -1;
    pthread_mutex_unlock(&b->lock);
    if (what < 0) return SQLITE_NOMEM;
    if (what == WASP__STORE_SKIP) return SQLITE_OK;
    q = w->q[what == WASP__STORE_DELETE ? Q_DEL : Q_PUT];
    bind_key(q, op->ns, op->nslen, op->key, op->klen);
    if (what == WASP__STORE_WRITE) {
        op->version = ++*seq;
        sqlite3_bind_int64(q, 3, (sqlite3_int64)op->version);
        sqlite3_bind_blob(q, 4, op->vlen ? (const void *)op->val : "", (int)op->vlen, SQLITE_STATIC);
    }
    rc = sqlite3_step(q);
    return done(q, rc == SQLITE_DONE ? SQLITE_OK : rc);
}

static int write_batch(struct sqlite_be *b, struct wasp_store_op *const *ops, size_t n, bool sync) {
    struct conn *w = b->writer;
    if (sync != b->synchronous_full) {
        if (exec(w, sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")) return SQLITE_IOERR;
        b->synchronous_full = sync;
    }
    int rc = exec(w, "BEGIN IMMEDIATE");
    if (rc) return rc;
    uint64_t seq = b->seq;
    for (size_t i = 0; i < n && !rc; i++) rc = apply_one(b, ops[i], &seq);
    if (!rc && seq != b->seq) {
        sqlite3_stmt *q = w->q[Q_SEQ];
        sqlite3_bind_int64(q, 1, (sqlite3_int64)seq);
        rc = sqlite3_step(q);
        rc = done(q, rc == SQLITE_DONE ? SQLITE_OK : rc);
    }
    if (!rc) rc = exec(w, "COMMIT");
    if (rc) exec(w, "ROLLBACK");
    else b->seq = seq;
    return rc;
}

static void sq_apply(void *be, struct wasp_store_op *const *ops, size_t n) {
    struct sqlite_be *b = be;
    bool sync = false;
    for (size_t i = 0; i < n; i++) sync |= ops[i]->sync;
    int rc = write_batch(b, ops, n, sync);
    pthread_mutex_lock(&b->lock);
    wasp__usage_settle(&b->usage, rc == SQLITE_OK);
    pthread_mutex_unlock(&b->lock);
    if (rc == SQLITE_OK) return;
    int code = (rc & 0xff) == SQLITE_FULL ? WASP_ELIMIT : WASP_EIO;
    for (size_t i = 0; i < n; i++) {
        ops[i]->result = code;
        ops[i]->version = 0;
    }
}

/* ---- open / close ------------------------------------------------------------- */

static void sq_close(void *be) {
    struct sqlite_be *b = be;
    if (!b) return;
    while (b->readers) {
        struct conn *c = b->readers;
        b->readers = c->next;
        conn_close(c);
    }
    conn_close(b->writer); /* the last connection: checkpoints and removes -wal, -shm */
    wasp__usage_free(&b->usage);
    if (b->fd >= 0) close(b->fd);
    pthread_mutex_destroy(&b->lock);
    free(b->path);
    free(b);
}

static int db_error(struct sqlite_be *b, char *err, size_t cap, const char *what) {
    int rc = sqlite3_extended_errcode(b->writer->db);
    const char *why = (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT ? "not a wasp store, or corrupt"
                                                                                   : what;
    return wasp__store_fail(err, cap, WASP_EIO, b->path, "%s (%s)", why, sqlite3_errmsg(b->writer->db));
}

static int one_int(struct conn *c, const char *s, sqlite3_int64 *out) {
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(c->db, s, -1, &q, NULL);
    if (rc) return rc;
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Checks the file (structure and identity), creates the schema in a new one,
 * and counts each namespace's usage. */
static int prepare_db(struct sqlite_be *b, char *err, size_t cap) {
    struct conn *w = b->writer;
    sqlite3_int64 app = 0, tables = 0;
    if (one_int(w, "PRAGMA application_id", &app) ||
        one_int(w, "SELECT count(*) FROM sqlite_schema", &tables))
        return db_error(b, err, cap, "cannot read");
    if (tables && app != APP_ID)
        return wasp__store_fail(err, cap, WASP_EIO, b->path, "not a wasp store (another SQLite database)");
    if (exec(w, "PRAGMA journal_mode=WAL") || exec(w, "PRAGMA synchronous=FULL"))
        return db_error(b, err, cap, "cannot set up the write-ahead log");
    b->synchronous_full = true;
    if (!tables && exec(w, "PRAGMA application_id=2002875248;"
                           "CREATE TABLE kv (ns BLOB NOT NULL, key BLOB NOT NULL, version INTEGER NOT NULL,"
                           " value BLOB NOT NULL, PRIMARY KEY (ns, key)) WITHOUT ROWID;"
                           "CREATE TABLE meta (k TEXT PRIMARY KEY, v INTEGER)"))
        return db_error(b, err, cap, "cannot create");
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(w->db, "PRAGMA quick_check", -1, &q, NULL)) return db_error(b, err, cap, "cannot check");
    int rc = sqlite3_step(q);
    bool ok = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    if (!ok) return wasp__store_fail(err, cap, WASP_EIO, b->path, "corrupt (integrity check failed)");
    sqlite3_int64 seq = 0;
    if (one_int(w, "SELECT coalesce(max(v), 0) FROM meta WHERE k = 'seq'", &seq))
        return db_error(b, err, cap, "cannot read");
    b->seq = (uint64_t)seq;
    if (sqlite3_prepare_v2(w->db, "SELECT ns, sum(length(key) + length(value)) FROM kv GROUP BY ns", -1, &q, NULL))
        return db_error(b, err, cap, "cannot read");
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        size_t nslen = (size_t)sqlite3_column_bytes(q, 0);
        const char *ns = sqlite3_column_blob(q, 0);
        struct wasp__usage *u = nslen <= WASP_STORE_NS_MAX ? wasp__usage_get(&b->usage, ns, nslen, true) : NULL;
        if (u) u->bytes = (uint64_t)sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return db_error(b, err, cap, "cannot read");
    return conn_prepare(w) ? db_error(b, err, cap, "cannot prepare") : WASP_OK;
}

static const struct wasp_store_backend_ops sqlite_ops = {
    .name = "sqlite",
    .get = sq_get,
    .next = sq_next,
    .apply = sq_apply,
    .usage = sq_usage,
    .foreach = sq_foreach,
    .close = sq_close,
};

int wasp__sqlite_open(const char *path, const struct wasp_store_backend_ops **ops, void **be, char *err,
                      size_t errcap) {
    struct sqlite_be *b = calloc(1, sizeof(*b));
    if (!b || !(b->path = strdup(path))) {
        free(b);
        return wasp__store_fail(err, errcap, WASP_ENOMEM, path, "out of memory");
    }
    b->fd = -1;
    pthread_mutex_init(&b->lock, NULL);
    int rc = wasp__store_lock(path, &b->fd, err, errcap);
    if (rc != WASP_OK) {
        sq_close(b);
        return rc;
    }
    int src;
    b->writer = conn_open(path, true, &src);
    if (!b->writer) {
        sq_close(b);
        return wasp__store_fail(err, errcap, WASP_ENOMEM, path, "out of memory");
    }
    rc = src ? db_error(b, err, errcap, "cannot open") : prepare_db(b, err, errcap);
    if (rc != WASP_OK) {
        sq_close(b);
        return rc;
    }
    *ops = &sqlite_ops;
    *be = b;
    return WASP_OK;
}
