/* scenario_store.c - what `storage:` seeds and `stored` reads: the test's
 * own store (wasp_test_store), through a handle on one namespace. */
#include <stdlib.h>

#include "testkit/scenario.h"

static int open_ns(wasp_test *t, const char *ns, wasp_kv **kv) {
    wasp_store *st = wasp_test_store(t);
    return st ? wasp_kv_open(st, ns, NULL, kv) : WASP_ESTATE;
}

int wasp__sc_kv_put(wasp_test *t, const char *ns, const struct sc_bytes *key, const struct sc_bytes *val) {
    wasp_kv *kv;
    int rc = open_ns(t, ns, &kv);
    if (rc != WASP_OK) return rc;
    rc = wasp_kv_put(kv, key->data, key->len, val->data, val->len, NULL);
    wasp_kv_close(kv);
    return rc;
}

int wasp__sc_kv_get(wasp_test *t, const char *ns, const struct sc_bytes *key, void **val, size_t *len) {
    *val = NULL;
    *len = 0;
    wasp_kv *kv;
    int rc = open_ns(t, ns, &kv);
    if (rc != WASP_OK) return rc;
    size_t full = 0, got = 0;
    rc = wasp_kv_get(kv, key->data, key->len, NULL, 0, &full, NULL);
    char *buf = rc == WASP_OK ? malloc(full + 1) : NULL;
    if (rc == WASP_OK && !buf) rc = WASP_ENOMEM;
    if (rc == WASP_OK) rc = wasp_kv_get(kv, key->data, key->len, buf, full, &got, NULL);
    wasp_kv_close(kv);
    if (rc != WASP_OK) {
        free(buf);
        return rc;
    }
    if (got < full) full = got; /* never past the buffer, should it have changed */
    buf[full] = 0;
    *val = buf;
    *len = full;
    return WASP_OK;
}

static int count_entry(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                       uint64_t version) {
    (void)key, (void)klen, (void)val, (void)vlen, (void)version;
    ++*(size_t *)arg;
    return 0;
}

int wasp__sc_kv_count(wasp_test *t, const char *ns, size_t *count) {
    *count = 0;
    wasp_store *st = wasp_test_store(t);
    return st ? wasp_store_foreach(st, ns, count_entry, count) : WASP_ESTATE;
}
