/* store.h - the storage layer below the component layer (docs/STORAGE.md).
 *
 *   store.c          the public wasp_store / wasp_kv API: argument checks,
 *                    namespaces, the writer thread (group commit)
 *   backend_sqlite.c the embedded default: one SQLite file per system
 *   backend_lmdb.c   the measured alternative (LMDB; keys up to ~500 bytes)
 *   store_file.c     the exclusive lock a process holds on its store file
 *   datadir.c        where a system's file lives
 *
 * A backend is a small vtable so that another one (a replicated KV of a
 * cluster) can stand behind the same API. Reads may run on any thread at
 * once; `apply` runs on the writer thread only, one batch at a time.
 */
#ifndef WASP_STORE_STORE_H
#define WASP_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hashmap.h"
#include "wasp.h"

#define WASP_STORE_NS_MAX 255

/* One write of a batch. The backend sets result and version. */
struct wasp_store_op {
    int kind;            /* WASP_KV_PUT, WASP_KV_CAS, WASP_KV_DELETE */
    const char *ns;
    size_t nslen;
    const uint8_t *key;
    size_t klen;
    const uint8_t *val;
    size_t vlen;
    uint64_t expect;     /* CAS */
    uint64_t quota;      /* 0 = unlimited */
    bool sync;           /* durability commit */
    int result;          /* WASP_OK, WASP_ENOENT, WASP_ESTATE, WASP_ELIMIT, WASP_EIO */
    uint64_t version;

    wasp_kv_done_fn done;
    void *done_arg;
    struct wasp_store_op *next; /* writer queue */
};

struct wasp_store_backend_ops {
    const char *name;
    /* Value of (ns, key): copies at most cap bytes. WASP_OK, WASP_ENOENT, WASP_EIO. */
    int (*get)(void *be, const char *ns, size_t nslen, const uint8_t *key, size_t klen, void *out,
               size_t cap, size_t *len, uint64_t *version);
    /* First key of ns that starts with prefix and is >= start (> start if
     * after). WASP_OK, WASP_ENOENT, WASP_EIO. */
    int (*next)(void *be, const char *ns, size_t nslen, const uint8_t *prefix, size_t plen,
                const uint8_t *start, size_t slen, bool after, void *out, size_t cap, size_t *klen);
    /* Applies ops in order, all or nothing, each checked against its quota;
     * durable on return if any op asks for sync. Sets every op's result. */
    void (*apply)(void *be, struct wasp_store_op *const *ops, size_t n);
    uint64_t (*usage)(void *be, const char *ns, size_t nslen);
    int (*foreach)(void *be, const char *ns, size_t nslen, wasp_kv_visit_fn fn, void *arg);
    void (*close)(void *be);
};

/* A store over a backend opened elsewhere (src/dist's JetStream bucket):
 * the store owns be from now on (closed with it, or at once on failure).
 * label is what wasp_store_path answers. */
int wasp__store_open_backend(const char *label, const struct wasp_store_backend_ops *ops, void *be,
                             wasp_store **out);

/* ---- store_batch.c: rules shared by backends ---- */

/* Bytes (keys plus values) a namespace holds; `pending` is the change made
 * by the batch being applied, settled once it commits or fails. */
struct wasp__usage {
    uint64_t bytes;
    int64_t pending;
    bool touched;
    size_t nslen;
    char ns[];
};
/* ns -> struct wasp__usage in map m (created if asked; NULL when out of memory). */
struct wasp__usage *wasp__usage_get(struct wasp_hashmap *m, const char *ns, size_t nslen, bool create);
void wasp__usage_settle(struct wasp_hashmap *m, bool committed);
void wasp__usage_free(struct wasp_hashmap *m);

/* What op does given the key's current state; sets op->result (and, for a
 * write, counts the change in u). The backend then writes the value with a
 * new version, deletes the key, or does nothing. */
#define WASP__STORE_SKIP 0
#define WASP__STORE_WRITE 1
#define WASP__STORE_DELETE 2
int wasp__store_decide(struct wasp_store_op *op, bool exists, uint64_t old_version, size_t old_vlen,
                       struct wasp__usage *u);

/* store_file.c: "PATH: message" into err (may be NULL); returns rc. */
int wasp__store_fail(char *err, size_t cap, int rc, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Opens (creating) path and takes an exclusive flock on it: *fd holds it.
 * WASP_OK, WASP_EEXIST (another process holds it), WASP_EIO. */
int wasp__store_lock(const char *path, int *fd, char *err, size_t cap);

/* The SQLite backend (the default) on the file at path. */
int wasp__sqlite_open(const char *path, const struct wasp_store_backend_ops **ops, void **be, char *err,
                      size_t errcap);
/* The LMDB backend on the file at path (see wasp_store_open for errors). */
int wasp__lmdb_open(const char *path, uint64_t map_size, const struct wasp_store_backend_ops **ops,
                    void **be, char *err, size_t errcap);

#endif
