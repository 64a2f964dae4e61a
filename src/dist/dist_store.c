/* dist_store.c - components' storage when the system runs on several nodes:
 * a storage backend (store/store.h) on the JetStream key-value bucket
 * wasp_SYSTEM_kv, so that a unit that fails over to another node finds its
 * data there (docs/DISTRIBUTION.md, "Storage").
 *
 * A bucket key is "NS.KEY" with both in lowercase hex: JetStream keys allow
 * few characters, and hex keeps the byte order and prefixes of the keys.
 * Versions are the bucket's revisions (one counter that only grows). Each
 * write is checked against the revision it read (compare-and-set on the
 * server), so two nodes writing one key cannot both win. Writes of a batch
 * are applied one by one, each with its own result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist/dist_internal.h"
#include "store/store.h"

#define KEY_HEX_MAX (2 * (WASP_STORE_NS_MAX + WASP_KV_KEY_MAX) + 2)
#define LIST_TIMEOUT_MS 5000

struct js_store {
    natsConnection *nc;
    jsCtx *js;
    kvStore *kv;
    int64_t max_payload;
    pthread_mutex_t lock; /* guards usage */
    struct wasp_hashmap usage; /* ns -> struct wasp__usage, counted on first use */
};

static const char hexdig[] = "0123456789abcdef";

static char *hex(char *out, const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        *out++ = hexdig[b[i] >> 4];
        *out++ = hexdig[b[i] & 15];
    }
    return out;
}

static int unhex_digit(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes n hex digits into out (n / 2 bytes); false if malformed. */
static bool unhex(uint8_t *out, const char *s, size_t n) {
    if (n % 2) return false;
    for (size_t i = 0; i < n; i += 2) {
        int hi = unhex_digit(s[i]), lo = unhex_digit(s[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* "NSHEX.KEYHEX" (key may be empty: "NSHEX." then, for filters). */
static void bucket_key(char *out, const char *ns, size_t nslen, const uint8_t *key, size_t klen) {
    char *p = hex(out, (const uint8_t *)ns, nslen);
    *p++ = '.';
    p = hex(p, key, klen);
    *p = 0;
}

/* ---- listing a namespace ---------------------------------------------------------- */

struct listed {
    uint8_t key[WASP_KV_KEY_MAX];
    size_t klen;
    kvEntry *entry; /* with its value (NULL when listed for keys only) */
};

struct listing {
    struct listed *v;
    size_t n, cap;
};

static void listing_free(struct listing *l) {
    for (size_t i = 0; i < l->n; i++) kvEntry_Destroy(l->v[i].entry);
    free(l->v);
}

static int by_key(const void *a, const void *b) {
    const struct listed *x = a, *y = b;
    size_t m = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, m);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

/* Every live key of ns, sorted by key bytes; with values if asked. */
static int list_ns(struct js_store *b, const char *ns, size_t nslen, bool values, struct listing *out) {
    memset(out, 0, sizeof(*out));
    char filter[2 * WASP_STORE_NS_MAX + 4];
    char *p = hex(filter, (const uint8_t *)ns, nslen);
    memcpy(p, ".*", 3);
    kvWatchOptions o;
    kvWatchOptions_Init(&o);
    o.IgnoreDeletes = true;
    o.MetaOnly = !values;
    o.Timeout = LIST_TIMEOUT_MS;
    kvWatcher *w = NULL;
    if (kvStore_Watch(&w, b->kv, filter, &o) != NATS_OK) return WASP_EIO;
    int rc = WASP_OK;
    for (;;) {
        kvEntry *e = NULL;
        if (kvWatcher_Next(&e, w, LIST_TIMEOUT_MS) != NATS_OK) {
            rc = WASP_EIO;
            break;
        }
        if (!e) break; /* the end of what the bucket held */
        const char *k = kvEntry_Key(e);
        const char *dot = k ? strchr(k, '.') : NULL;
        size_t hl = dot ? strlen(dot + 1) : 0;
        if (kvEntry_Operation(e) != kvOp_Put || !dot || hl / 2 > WASP_KV_KEY_MAX) {
            kvEntry_Destroy(e);
            continue;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            struct listed *v = realloc(out->v, cap * sizeof(*v));
            if (!v) {
                kvEntry_Destroy(e);
                rc = WASP_ENOMEM;
                break;
            }
            out->v = v, out->cap = cap;
        }
        struct listed *l = &out->v[out->n];
        if (!unhex(l->key, dot + 1, hl)) {
            kvEntry_Destroy(e);
            continue;
        }
        l->klen = hl / 2;
        l->entry = values ? e : NULL;
        if (!values) kvEntry_Destroy(e);
        out->n++;
    }
    kvWatcher_Destroy(w);
    if (rc) listing_free(out);
    else if (out->n > 1) qsort(out->v, out->n, sizeof(*out->v), by_key);
    return rc;
}

/* ---- reads ---------------------------------------------------------------------- */

static int js_get(void *be, const char *ns, size_t nslen, const uint8_t *key, size_t klen, void *out,
                  size_t cap, size_t *len, uint64_t *version) {
    struct js_store *b = be;
    char k[KEY_HEX_MAX];
    bucket_key(k, ns, nslen, key, klen);
    kvEntry *e = NULL;
    natsStatus s = kvStore_Get(&e, b->kv, k);
    if (s == NATS_NOT_FOUND) return WASP_ENOENT;
    if (s != NATS_OK) return WASP_EIO;
    size_t n = (size_t)kvEntry_ValueLen(e);
    if (n && cap) memcpy(out, kvEntry_Value(e), n < cap ? n : cap);
    *len = n;
    *version = kvEntry_Revision(e);
    kvEntry_Destroy(e);
    return WASP_OK;
}

static int js_next(void *be, const char *ns, size_t nslen, const uint8_t *prefix, size_t plen,
                   const uint8_t *start, size_t slen, bool after, void *out, size_t cap, size_t *klen) {
    struct listing l;
    int rc = list_ns(be, ns, nslen, false, &l);
    if (rc) return rc;
    rc = WASP_ENOENT;
    struct listed from = {.klen = slen};
    if (slen) memcpy(from.key, start, slen);
    for (size_t i = 0; i < l.n; i++) { /* sorted: the first that qualifies */
        int c = by_key(&l.v[i], &from);
        if (c < 0 || (c == 0 && after)) continue;
        if (l.v[i].klen < plen || (plen && memcmp(l.v[i].key, prefix, plen))) break;
        if (cap) memcpy(out, l.v[i].key, l.v[i].klen < cap ? l.v[i].klen : cap);
        *klen = l.v[i].klen;
        rc = WASP_OK;
        break;
    }
    listing_free(&l);
    return rc;
}

static int js_foreach(void *be, const char *ns, size_t nslen, wasp_kv_visit_fn fn, void *arg) {
    struct listing l;
    int rc = list_ns(be, ns, nslen, true, &l);
    for (size_t i = 0; !rc && i < l.n; i++) {
        kvEntry *e = l.v[i].entry;
        if (fn(arg, l.v[i].key, l.v[i].klen, kvEntry_Value(e), (size_t)kvEntry_ValueLen(e),
               kvEntry_Revision(e)))
            break;
    }
    if (!rc) listing_free(&l);
    return rc;
}

/* The namespace's usage, counted from the bucket the first time (lock held). */
static struct wasp__usage *usage_of(struct js_store *b, const char *ns, size_t nslen) {
    struct wasp__usage *u = wasp__usage_get(&b->usage, ns, nslen, false);
    if (u) return u;
    struct listing l;
    if (list_ns(b, ns, nslen, true, &l)) return NULL;
    uint64_t bytes = 0;
    for (size_t i = 0; i < l.n; i++) bytes += l.v[i].klen + (uint64_t)kvEntry_ValueLen(l.v[i].entry);
    listing_free(&l);
    if ((u = wasp__usage_get(&b->usage, ns, nslen, true))) u->bytes = bytes;
    return u;
}

static uint64_t js_usage(void *be, const char *ns, size_t nslen) {
    struct js_store *b = be;
    pthread_mutex_lock(&b->lock);
    struct wasp__usage *u = usage_of(b, ns, nslen);
    uint64_t n = u ? u->bytes : 0;
    pthread_mutex_unlock(&b->lock);
    return n;
}

/* ---- writes (the store's writer thread) -------------------------------------------- */

/* One try of op against the key's state as read now: false, or true when
 * another writer changed the key between the read and the write. */
static bool try_apply(struct js_store *b, struct wasp_store_op *op, const char *k) {
    kvEntry *e = NULL;
    natsStatus s = kvStore_Get(&e, b->kv, k);
    if (s != NATS_OK && s != NATS_NOT_FOUND) {
        op->result = WASP_EIO;
        return false;
    }
    bool exists = s == NATS_OK;
    uint64_t old_rev = exists ? kvEntry_Revision(e) : 0;
    size_t old_len = exists ? (size_t)kvEntry_ValueLen(e) : 0;
    kvEntry_Destroy(e);
    pthread_mutex_lock(&b->lock);
    struct wasp__usage *u = usage_of(b, op->ns, op->nslen);
    int what = u ? wasp__store_decide(op, exists, old_rev, old_len, u) : WASP__STORE_SKIP;
    if (!u) op->result = WASP_EIO;
    pthread_mutex_unlock(&b->lock);
    if (what == WASP__STORE_WRITE && (int64_t)op->vlen > b->max_payload - 4096) {
        op->result = WASP_ELIMIT; /* more than the server carries in one message */
        what = WASP__STORE_SKIP;
    }
    uint64_t rev = 0;
    s = NATS_OK;
    if (what == WASP__STORE_WRITE) /* against the revision read */
        s = exists ? kvStore_Update(&rev, b->kv, k, op->val, (int)op->vlen, old_rev)
                   : kvStore_Create(&rev, b->kv, k, op->val, (int)op->vlen);
    else if (what == WASP__STORE_DELETE)
        s = kvStore_Delete(b->kv, k);
    bool raced = s == NATS_ERR && what == WASP__STORE_WRITE;
    if (s != NATS_OK) op->result = WASP_EIO;
    op->version = op->result == WASP_OK ? rev : 0;
    pthread_mutex_lock(&b->lock);
    wasp__usage_settle(&b->usage, op->result == WASP_OK);
    pthread_mutex_unlock(&b->lock);
    return raced;
}

/* A put or delete raced by another node's write tries again on the new
 * state; a compare-and-swap that raced has lost. */
static void apply_one(struct js_store *b, struct wasp_store_op *op) {
    char k[KEY_HEX_MAX];
    bucket_key(k, op->ns, op->nslen, op->key, op->klen);
    for (int tries = 0; try_apply(b, op, k); tries++) {
        if (op->kind == WASP_KV_CAS || tries == 3) {
            op->result = op->kind == WASP_KV_CAS ? WASP_ESTATE : WASP_EIO;
            return;
        }
    }
}

static void js_apply(void *be, struct wasp_store_op *const *ops, size_t n) {
    for (size_t i = 0; i < n; i++) apply_one(be, ops[i]);
}

static void js_close(void *be) {
    struct js_store *b = be;
    if (!b) return;
    kvStore_Destroy(b->kv);
    jsCtx_Destroy(b->js);
    if (b->nc) natsConnection_Close(b->nc);
    natsConnection_Destroy(b->nc);
    wasp__usage_free(&b->usage);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

static const struct wasp_store_backend_ops js_ops = {
    .name = "jetstream",
    .get = js_get,
    .next = js_next,
    .apply = js_apply,
    .usage = js_usage,
    .foreach = js_foreach,
    .close = js_close,
};

int wasp__dist_store_open(const wasp__dist_config *cfg, const char *system, wasp_store **out,
                          char *err, size_t errcap) {
    *out = NULL;
    if (!cfg || !cfg->url || !wasp__dist_token_ok(system) || !wasp__dist_token_ok(cfg->node))
        return WASP_EINVAL;
    struct js_store *b = calloc(1, sizeof(*b));
    if (!b) return WASP_ENOMEM;
    pthread_mutex_init(&b->lock, NULL);
    char name[160], bucket[96];
    snprintf(name, sizeof(name), "wasp %s/%s storage", system, cfg->node);
    snprintf(bucket, sizeof(bucket), "wasp_%s_kv", system);
    natsOptions *o = NULL;
    natsStatus s = wasp__dist_nats_options(cfg, name, &o);
    if (s == NATS_OK) s = natsConnection_Connect(&b->nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK) s = natsConnection_JetStream(&b->js, b->nc, NULL);
    if (s == NATS_OK) s = wasp__dist_bucket(b->js, bucket, &b->kv);
    if (s != NATS_OK) {
        snprintf(err, errcap, "storage in the JetStream key-value bucket %s: %s", bucket,
                 nats_GetLastError(NULL));
        js_close(b);
        return WASP_EIO;
    }
    b->max_payload = natsConnection_GetMaxPayload(b->nc);
    char label[160];
    snprintf(label, sizeof(label), "nats:%s", bucket);
    int rc = wasp__store_open_backend(label, &js_ops, b, out);
    if (rc) js_close(b);
    return rc;
}
