/* store.c - the public storage API over a backend: argument checks,
 * namespace handles, and the writer thread.
 *
 * Every write goes through one queue to one writer thread, which takes all
 * the writes waiting at that moment and hands them to the backend as one
 * batch: one transaction and at most one flush for many writers (group
 * commit). Blocking calls wait on their own condition; async callers get a
 * callback on the writer thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define BATCH_MAX 256

struct wasp_store {
    char *path;
    const struct wasp_store_backend_ops *ops;
    void *be;
    pthread_t writer;
    pthread_mutex_t lock; /* guards the queue and stopping */
    pthread_cond_t wake;
    struct wasp_store_op *head, *tail;
    bool stopping;
    size_t inflight;        /* queued or being applied, callbacks not yet run */
    pthread_cond_t drained; /* inflight fell to 0 */
};

struct wasp_kv {
    wasp_store *st;
    char ns[WASP_STORE_NS_MAX + 1];
    size_t nslen;
    wasp_kv_options opts;
};

static void *writer_main(void *arg) {
    wasp_store *st = arg;
    struct wasp_store_op *batch[BATCH_MAX];
    for (;;) {
        pthread_mutex_lock(&st->lock);
        while (!st->head && !st->stopping) pthread_cond_wait(&st->wake, &st->lock);
        if (!st->head) {
            pthread_mutex_unlock(&st->lock);
            return NULL;
        }
        size_t n = 0;
        while (st->head && n < BATCH_MAX) {
            batch[n++] = st->head;
            st->head = st->head->next;
        }
        if (!st->head) st->tail = NULL;
        pthread_mutex_unlock(&st->lock);
        st->ops->apply(st->be, batch, n);
        for (size_t i = 0; i < n; i++) batch[i]->done(batch[i]->done_arg, batch[i]->result, batch[i]->version);
        pthread_mutex_lock(&st->lock);
        st->inflight -= n;
        if (!st->inflight) pthread_cond_broadcast(&st->drained);
        pthread_mutex_unlock(&st->lock);
    }
}

/* Takes the backend (ops, be) into a new store and starts its writer;
 * closes the backend on failure. */
static int store_start(const char *path, const struct wasp_store_backend_ops *ops, void *be,
                       wasp_store **out) {
    wasp_store *st = calloc(1, sizeof(*st));
    if (!st || !(st->path = strdup(path))) {
        free(st);
        ops->close(be);
        return WASP_ENOMEM;
    }
    st->ops = ops;
    st->be = be;
    pthread_mutex_init(&st->lock, NULL);
    pthread_cond_init(&st->wake, NULL);
    pthread_cond_init(&st->drained, NULL);
    if (pthread_create(&st->writer, NULL, writer_main, st)) {
        st->ops->close(st->be);
        pthread_mutex_destroy(&st->lock);
        pthread_cond_destroy(&st->wake);
        pthread_cond_destroy(&st->drained);
        free(st->path);
        free(st);
        return WASP_ENOMEM;
    }
    *out = st;
    return WASP_OK;
}

int wasp__store_open_backend(const char *label, const struct wasp_store_backend_ops *ops, void *be,
                             wasp_store **out) {
    if (!label || !ops || !out) return WASP_EINVAL;
    return store_start(label, ops, be, out);
}

int wasp_store_open(const char *path, const wasp_store_config *cfg, wasp_store **out, char *err,
                    size_t errcap) {
    if (err && errcap) err[0] = 0;
    if (!path || !*path || !out) return WASP_EINVAL;
    const struct wasp_store_backend_ops *ops = NULL;
    void *be = NULL;
    const char *backend = cfg && cfg->backend ? cfg->backend : "sqlite";
    int rc;
    if (!strcmp(backend, "sqlite")) {
        rc = wasp__sqlite_open(path, &ops, &be, err, errcap);
    } else if (!strcmp(backend, "lmdb")) {
        uint64_t map = cfg->map_size ? cfg->map_size : 256ull << 20;
        rc = wasp__lmdb_open(path, map, &ops, &be, err, errcap);
    } else {
        rc = wasp__store_fail(err, errcap, WASP_EINVAL, path, "unknown storage backend \"%s\"", backend);
    }
    if (rc != WASP_OK) return rc;
    return store_start(path, ops, be, out);
}

void wasp_store_close(wasp_store *st) {
    if (!st) return;
    pthread_mutex_lock(&st->lock);
    st->stopping = true;
    pthread_cond_signal(&st->wake);
    pthread_mutex_unlock(&st->lock);
    pthread_join(st->writer, NULL);
    st->ops->close(st->be);
    pthread_mutex_destroy(&st->lock);
    pthread_cond_destroy(&st->wake);
    pthread_cond_destroy(&st->drained);
    free(st->path);
    free(st);
}

void wasp_store_drain(wasp_store *st) {
    if (!st) return;
    pthread_mutex_lock(&st->lock);
    while (st->inflight) pthread_cond_wait(&st->drained, &st->lock);
    pthread_mutex_unlock(&st->lock);
}

const char *wasp_store_path(const wasp_store *st) { return st ? st->path : NULL; }

int wasp_kv_open(wasp_store *st, const char *ns, const wasp_kv_options *opts, wasp_kv **out) {
    if (!st || !ns || !out) return WASP_EINVAL;
    size_t n = strlen(ns);
    if (!n || n > WASP_STORE_NS_MAX) return WASP_EINVAL;
    if (opts && opts->durability != WASP_DURABILITY_NONE && opts->durability != WASP_DURABILITY_COMMIT)
        return WASP_EINVAL;
    wasp_kv *kv = calloc(1, sizeof(*kv));
    if (!kv) return WASP_ENOMEM;
    kv->st = st;
    memcpy(kv->ns, ns, n + 1);
    kv->nslen = n;
    kv->opts = opts ? *opts : (wasp_kv_options){.durability = WASP_DURABILITY_COMMIT};
    *out = kv;
    return WASP_OK;
}

void wasp_kv_close(wasp_kv *kv) { free(kv); }

static bool key_ok(const void *key, size_t klen) { return key && klen >= 1 && klen <= WASP_KV_KEY_MAX; }

int wasp_kv_get(wasp_kv *kv, const void *key, size_t klen, void *out, size_t cap, size_t *len,
                uint64_t *version) {
    if (!kv || !key_ok(key, klen) || (!out && cap)) return WASP_EINVAL;
    size_t l = 0;
    uint64_t v = 0;
    int rc = kv->st->ops->get(kv->st->be, kv->ns, kv->nslen, key, klen, out, cap, &l, &v);
    if (len) *len = l;
    if (version) *version = v;
    return rc;
}

int wasp_kv_next(wasp_kv *kv, const void *prefix, size_t plen, const void *after, size_t alen,
                 void *out, size_t cap, size_t *klen) {
    if (!kv || (plen && !prefix) || (alen && !after) || plen > WASP_KV_KEY_MAX || alen > WASP_KV_KEY_MAX ||
        (!out && cap) || !klen)
        return WASP_EINVAL;
    /* Start at whichever is later: the prefix itself, or just after `after`. */
    bool from_after = false;
    if (alen) {
        size_t m = alen < plen ? alen : plen;
        int c = m ? memcmp(after, prefix, m) : 0;
        from_after = c > 0 || (c == 0 && alen >= plen);
    }
    return kv->st->ops->next(kv->st->be, kv->ns, kv->nslen, prefix, plen, from_after ? after : prefix,
                             from_after ? alen : plen, from_after, out, cap, klen);
}

uint64_t wasp_kv_usage(wasp_kv *kv) { return kv ? kv->st->ops->usage(kv->st->be, kv->ns, kv->nslen) : 0; }

int wasp_store_foreach(wasp_store *st, const char *ns, wasp_kv_visit_fn fn, void *arg) {
    if (!st || !ns || !fn) return WASP_EINVAL;
    size_t n = strlen(ns);
    if (!n || n > WASP_STORE_NS_MAX) return WASP_EINVAL;
    return st->ops->foreach(st->be, ns, n, fn, arg);
}

/* ---- writes ------------------------------------------------------------------ */

static int write_check(const wasp_kv *kv, const wasp_kv_write *w) {
    if (!kv || !w || !key_ok(w->key, w->klen)) return WASP_EINVAL;
    if (w->op != WASP_KV_PUT && w->op != WASP_KV_CAS && w->op != WASP_KV_DELETE) return WASP_EINVAL;
    if (w->op != WASP_KV_DELETE && ((w->vlen && !w->val) || w->vlen > WASP_KV_VALUE_MAX)) return WASP_EINVAL;
    return WASP_OK;
}

static void enqueue(wasp_store *st, struct wasp_store_op *op) {
    op->next = NULL;
    pthread_mutex_lock(&st->lock);
    if (st->tail) st->tail->next = op;
    else st->head = op;
    st->tail = op;
    st->inflight++;
    pthread_cond_signal(&st->wake);
    pthread_mutex_unlock(&st->lock);
}

static void op_fill(struct wasp_store_op *op, const wasp_kv *kv, const wasp_kv_write *w) {
    op->kind = w->op;
    op->ns = kv->ns;
    op->nslen = kv->nslen;
    op->klen = w->klen;
    op->vlen = w->op == WASP_KV_DELETE ? 0 : w->vlen;
    op->expect = w->expect;
    op->quota = kv->opts.quota;
    op->sync = kv->opts.durability == WASP_DURABILITY_COMMIT;
}

/* An async write owns copies of everything it refers to, in one block. */
struct async_op {
    struct wasp_store_op op;
    wasp_kv_done_fn fn;
    void *arg;
    char ns[WASP_STORE_NS_MAX + 1];
    uint8_t bytes[]; /* key, then value */
};

static void async_done(void *arg, int rc, uint64_t version) {
    struct async_op *a = arg;
    a->fn(a->arg, rc, version);
    free(a);
}

int wasp_kv_write_async(wasp_kv *kv, const wasp_kv_write *w, wasp_kv_done_fn fn, void *arg) {
    int rc = write_check(kv, w);
    if (rc || !fn) return rc ? rc : WASP_EINVAL;
    size_t vlen = w->op == WASP_KV_DELETE ? 0 : w->vlen;
    struct async_op *a = malloc(sizeof(*a) + w->klen + vlen);
    if (!a) return WASP_ENOMEM;
    memset(&a->op, 0, sizeof(a->op));
    op_fill(&a->op, kv, w);
    memcpy(a->ns, kv->ns, kv->nslen + 1);
    a->op.ns = a->ns;
    memcpy(a->bytes, w->key, w->klen);
    if (vlen) memcpy(a->bytes + w->klen, w->val, vlen);
    a->op.key = a->bytes;
    a->op.val = a->bytes + w->klen;
    a->fn = fn;
    a->arg = arg;
    a->op.done = async_done;
    a->op.done_arg = a;
    enqueue(kv->st, &a->op);
    return WASP_OK;
}

/* A blocking write waits on the stack. */
struct sync_wait {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
};

static void sync_done(void *arg, int rc, uint64_t version) {
    (void)rc, (void)version; /* read from the op itself */
    struct sync_wait *s = arg;
    pthread_mutex_lock(&s->lock);
    s->done = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

static int write_sync(wasp_kv *kv, const wasp_kv_write *w, uint64_t *version) {
    int rc = write_check(kv, w);
    if (rc) return rc;
    struct sync_wait s = {.done = false};
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    struct wasp_store_op op = {0};
    op_fill(&op, kv, w);
    op.key = w->key;
    op.val = w->val;
    op.done = sync_done;
    op.done_arg = &s;
    enqueue(kv->st, &op);
    pthread_mutex_lock(&s.lock);
    while (!s.done) pthread_cond_wait(&s.cond, &s.lock);
    pthread_mutex_unlock(&s.lock);
    pthread_mutex_destroy(&s.lock);
    pthread_cond_destroy(&s.cond);
    if (version) *version = op.result == WASP_OK ? op.version : 0;
    return op.result;
}

int wasp_kv_put(wasp_kv *kv, const void *key, size_t klen, const void *val, size_t vlen, uint64_t *version) {
    wasp_kv_write w = {.op = WASP_KV_PUT, .key = key, .klen = klen, .val = val, .vlen = vlen};
    return write_sync(kv, &w, version);
}

int wasp_kv_cas(wasp_kv *kv, const void *key, size_t klen, const void *val, size_t vlen, uint64_t expect,
                uint64_t *version) {
    wasp_kv_write w = {.op = WASP_KV_CAS, .key = key, .klen = klen, .val = val, .vlen = vlen, .expect = expect};
    return write_sync(kv, &w, version);
}

int wasp_kv_delete(wasp_kv *kv, const void *key, size_t klen) {
    wasp_kv_write w = {.op = WASP_KV_DELETE, .key = key, .klen = klen};
    return write_sync(kv, &w, NULL);
}
