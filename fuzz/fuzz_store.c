/* fuzz_store.c - libFuzzer target for the storage layer: arbitrary bytes
 * become a sequence of puts, compare-and-swaps, deletes, gets and ordered
 * iterations (keys of any length, including invalid ones) on a fresh
 * namespace with a small quota, on the SQLite and the LMDB backend; every
 * answer is checked against a model kept here. Nothing may crash or leak,
 * and the store must agree with the model at every step. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasp.h"

#define MAXE 64
#define QUOTA 4096

struct entry {
    uint8_t key[WASP_KV_KEY_MAX];
    size_t klen;
    uint8_t val[256];
    size_t vlen;
    uint64_t version;
};

static struct entry model[MAXE];
static size_t nmodel;
static wasp_store *stores[2];

static int cmp_key(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static struct entry *find(const uint8_t *k, size_t kl) {
    for (size_t i = 0; i < nmodel; i++)
        if (!cmp_key(model[i].key, model[i].klen, k, kl)) return &model[i];
    return NULL;
}

static uint64_t usage(void) {
    uint64_t u = 0;
    for (size_t i = 0; i < nmodel; i++) u += model[i].klen + model[i].vlen;
    return u;
}

static void open_stores(void) {
    static char dir[] = "/tmp/wasp-fuzz-store-XXXXXX";
    if (!mkdtemp(dir)) abort();
    static const char *const backends[] = {"sqlite", "lmdb"};
    for (int i = 0; i < 2; i++) {
        char path[128], err[512];
        snprintf(path, sizeof(path), "%s/%s.kv", dir, backends[i]);
        wasp_store_config cfg = {.backend = backends[i]};
        if (wasp_store_open(path, &cfg, &stores[i], err, sizeof(err))) abort();
    }
}

/* Takes n bytes of input (fewer at its end). */
static const uint8_t *take(const uint8_t **p, const uint8_t *end, size_t *n) {
    if ((size_t)(end - *p) < *n) *n = (size_t)(end - *p);
    const uint8_t *r = *p;
    *p += *n;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static unsigned long run;
    if (!stores[0]) open_stores();
    if (size < 1) return 0;
    int backend = data[0] & 1;
    size_t maxkey = backend ? 200 : WASP_KV_KEY_MAX; /* LMDB keys are shorter */
    char ns[32];
    snprintf(ns, sizeof(ns), "n%lu", run++);
    wasp_kv *kv;
    wasp_kv_options o = {.quota = QUOTA, .durability = WASP_DURABILITY_NONE};
    if (wasp_kv_open(stores[backend], ns, &o, &kv)) abort();
    nmodel = 0;
    const uint8_t *p = data + 1, *end = data + size;
    uint8_t keybuf[WASP_KV_KEY_MAX + 8], out[WASP_KV_KEY_MAX];
    while (p + 2 <= end) {
        int op = *p++ % 5;
        size_t kl = *p++;
        if (kl == 255) kl = WASP_KV_KEY_MAX + 1; /* an invalid length now and then */
        else if (kl > 200) kl = 0;
        size_t got = kl;
        const uint8_t *k = take(&p, end, &got);
        memset(keybuf, 'x', sizeof(keybuf));
        memcpy(keybuf, k, got);
        bool valid = kl >= 1 && kl <= maxkey;
        struct entry *e = valid ? find(keybuf, kl) : NULL;
        size_t vl = p < end ? *p++ : 0, vgot = vl;
        const uint8_t *v = take(&p, end, &vgot);
        uint64_t version = 0;
        size_t len = 0;
        int rc;
        switch (op) {
        case 0: /* put */
        case 1: { /* cas: expect the model's version, or a wrong one on odd lengths */
            uint64_t expect = e ? e->version : 0;
            if (op == 1 && (vl & 1)) expect += 1000;
            rc = op == 0 ? wasp_kv_put(kv, keybuf, kl, v, vgot, &version)
                         : wasp_kv_cas(kv, keybuf, kl, v, vgot, expect, &version);
            if (!valid) {
                if (rc != WASP_EINVAL) abort();
                break;
            }
            int64_t delta = (int64_t)(kl + vgot) - (e ? (int64_t)(e->klen + e->vlen) : 0);
            bool fits = delta <= 0 || usage() + (uint64_t)delta <= QUOTA;
            bool matches = op == 0 || expect == (e ? e->version : 0);
            int want = !matches ? WASP_ESTATE : !fits ? WASP_ELIMIT : (!e && nmodel == MAXE) ? -100 : WASP_OK;
            if (want == -100) { /* the model is full: forget the key again */
                if (rc == WASP_OK && wasp_kv_delete(kv, keybuf, kl)) abort();
                break;
            }
            if (rc != want) abort();
            if (rc == WASP_OK) {
                if (!e) e = &model[nmodel++], memcpy(e->key, keybuf, kl), e->klen = kl, e->version = 0;
                memcpy(e->val, v, vgot);
                e->vlen = vgot;
                if (version <= e->version) abort(); /* versions only grow */
                e->version = version;
            }
            break;
        }
        case 2: /* delete */
            rc = wasp_kv_delete(kv, keybuf, kl);
            if (rc != (!valid ? WASP_EINVAL : e ? WASP_OK : WASP_ENOENT)) abort();
            if (e) *e = model[--nmodel];
            break;
        case 3: /* get */
            rc = wasp_kv_get(kv, keybuf, kl, out, sizeof(out), &len, &version);
            if (rc != (!valid ? WASP_EINVAL : e ? WASP_OK : WASP_ENOENT)) abort();
            if (e && (len != e->vlen || memcmp(out, e->val, len) || version != e->version)) abort();
            break;
        default: { /* next after the key, with the first byte as prefix */
            size_t klen = 0, pl = kl ? 1 : 0;
            if (kl > WASP_KV_KEY_MAX || kl > maxkey) break;
            rc = wasp_kv_next(kv, keybuf, pl, keybuf, kl, out, sizeof(out), &klen);
            const struct entry *best = NULL;
            for (size_t i = 0; i < nmodel; i++) {
                const struct entry *c = &model[i];
                if (c->klen < pl || memcmp(c->key, keybuf, pl)) continue;
                if (kl && cmp_key(c->key, c->klen, keybuf, kl) <= 0) continue;
                if (!best || cmp_key(c->key, c->klen, best->key, best->klen) < 0) best = c;
            }
            if (rc != (best ? WASP_OK : WASP_ENOENT)) abort();
            if (best && (klen != best->klen || memcmp(out, best->key, klen))) abort();
        }
        }
    }
    if (wasp_kv_usage(kv) != usage()) abort();
    /* Leave the namespace empty: the store stays small over a long run. */
    for (size_t i = 0; i < nmodel; i++)
        if (wasp_kv_delete(kv, model[i].key, model[i].klen)) abort();
    wasp_kv_close(kv);
    return 0;
}
