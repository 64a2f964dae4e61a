/* envelope.c - message envelopes and shared publish payloads.
 *
 * A copied payload lives inline after the envelope header: one block per
 * message, recycled through the sending thread's pool (env_pool.h) when small. A publish allocates its payload once (a refcounted blob) and each
 * subscriber's envelope points at it; it is never written after creation. */
#include <stdlib.h>
#include <string.h>

#include "runtime/env_pool.h"
#include "runtime/envelope.h"

static const uint8_t empty_payload[1];

static struct wasp_env *env_alloc(size_t extra) {
    struct wasp_env *e = wasp__env_pool_take(extra);
    if (!e) return NULL;
    memset((char *)e + sizeof(e->pool), 0, sizeof(*e) - sizeof(e->pool));
    return e;
}

struct wasp_env *wasp__env_new_copy(const void *data, size_t len) {
    struct wasp_env *e = env_alloc(len);
    if (!e) return NULL;
    if (len) memcpy(e->inl, data, len);
    e->data = len ? (const void *)e->inl : (const void *)empty_payload;
    e->len = len;
    return e;
}

struct wasp_env *wasp__env_new_moved(void *data, size_t len, void (*free_fn)(void *)) {
    struct wasp_env *e = env_alloc(0);
    if (!e) return NULL;
    e->data = data ? data : (void *)empty_payload;
    e->len = len;
    e->free_fn = data ? free_fn : NULL;
    return e;
}

struct wasp_env *wasp__env_new_blob(struct wasp_blob *b) {
    struct wasp_env *e = env_alloc(0);
    if (!e) return NULL;
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    e->blob = b;
    e->data = b->bytes;
    e->len = b->len;
    e->codec = b->codec;
    return e;
}

void wasp__env_free_status(struct wasp_env *e, int status) {
    if (e && e->completion) wasp__completion_finish(e->completion, status, NULL, 0, 0);
    wasp__env_free(e);
}

void wasp__env_free(struct wasp_env *e) {
    if (!e) return;
    if (e->completion) {
        wasp__completion_finish(e->completion, WASP_ENOREPLY, NULL, 0, 0);
        wasp__completion_unref(e->completion);
    }
    if (e->blob) wasp__blob_unref(e->blob);
    if (e->free_fn) e->free_fn((void *)e->data);
    free(e->sender_name);
    wasp__env_pool_give(e);
}

struct wasp_blob *wasp__blob_new(const char *topic, size_t tlen, const void *data, size_t len) {
    struct wasp_blob *b = malloc(sizeof(*b) + len + tlen + 1);
    if (!b) return NULL;
    atomic_init(&b->refs, 1);
    b->len = len;
    b->codec = 0;
    if (len) memcpy(b->bytes, data, len);
    b->topic = (char *)b->bytes + len;
    memcpy(b->topic, topic, tlen);
    b->topic[tlen] = 0;
    return b;
}

void wasp__blob_unref(struct wasp_blob *b) {
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1) free(b);
}
