/* broker.c - publish/subscribe on the subscription trie (topics.c).
 *
 * A rwlock guards the trie: publishes share it, (un)subscribes take it
 * exclusively. A publish collects the matching subscriber ids under the
 * read lock, releases it, then delivers: one payload allocation (a blob
 * with the topic) shared read-only by all the subscribers' envelopes. */
#include <stdlib.h>
#include <string.h>

#include "runtime/actor_table.h"
#include "runtime/broker.h"
#include "runtime/dead_letters.h"
#include "runtime/delivery.h"
#include "runtime/system.h"
#include "runtime/topics.h"

struct idvec {
    wasp_aid *v;
    size_t n, cap;
    wasp_aid local[64];
    bool oom;
};

static void collect(uint64_t sub, void *arg) {
    struct idvec *iv = arg;
    if (iv->n == iv->cap) {
        size_t cap = iv->cap * 2;
        wasp_aid *v = iv->v == iv->local ? malloc(cap * sizeof(*v)) : realloc(iv->v, cap * sizeof(*v));
        if (!v) {
            iv->oom = true;
            return;
        }
        if (iv->v == iv->local) memcpy(v, iv->local, sizeof(iv->local));
        iv->v = v;
        iv->cap = cap;
    }
    iv->v[iv->n++] = sub;
}

int wasp__broker_publish(wasp_system *sys, wasp_aid sender, unsigned flags, const char *topic,
                        const void *data, size_t len, uint64_t codec) {
    size_t tlen = strnlen(topic, WASP_TOPIC_MAX + 1);
    if (wasp__topic_check(topic, tlen)) return WASP_EINVAL;
    if (!data && len) return WASP_EINVAL;
    if (len > sys->cfg.max_message) return WASP_E2BIG;
    if (codec > WASP_CODEC_MAX) return WASP_EINVAL;
    if (!atomic_load_explicit(&sys->broker.nsubs, memory_order_relaxed)) return 0;
    struct idvec iv = {.n = 0, .cap = 64, .oom = false};
    iv.v = iv.local;
    pthread_rwlock_rdlock(&sys->broker.lk);
    wasp__topic_tree_match(sys->broker.tree, topic, tlen, collect, &iv);
    pthread_rwlock_unlock(&sys->broker.lk);
    int queued = 0;
    struct wasp_blob *b = iv.n ? wasp__blob_new(topic, tlen, data, len) : NULL;
    if (iv.n && !b) queued = WASP_ENOMEM;
    if (b) b->codec = codec;
    struct wasp_batch batch = {NULL, NULL, 0};
    for (size_t i = 0; b && i < iv.n; i++) {
        struct wasp_actor *a = wasp__actor_get(sys, iv.v[i]);
        if (!a) continue;
        struct wasp_env *e = wasp__env_new_blob(b);
        if (e) {
            e->sender = sender;
            e->flags = flags;
            if (wasp__deliver_batched(a, e, &batch) == WASP_OK) {
                queued++;
            } else { /* never entered the mailbox: counted system-wide only */
                atomic_fetch_add_explicit(&sys->dead, 1, memory_order_relaxed);
                if (!(flags & WASP_MSG_DEAD))
                    wasp__dead_letter_log(sys, a->name, iv.v[i], len, "subscriber full or stopping");
                wasp__env_free(e);
            }
        }
        wasp__actor_unref(a);
        if (batch.n == 64) wasp__sched_push_batch(sys, &batch); /* let workers start early */
    }
    wasp__sched_push_batch(sys, &batch);
    if (b) wasp__blob_unref(b);
    if (iv.v != iv.local) free(iv.v);
    return queued;
}

int wasp_publish_tagged(wasp_system *sys, const char *topic, const void *data, size_t len,
                        uint64_t codec) {
    if (!sys || !topic) return WASP_EINVAL;
    wasp_aid sender = wasp_current_sender(sys);
    if (sys->remote.publish) {
        size_t tlen = strnlen(topic, WASP_TOPIC_MAX + 1);
        if (wasp__topic_check(topic, tlen) || (!data && len) || codec > WASP_CODEC_MAX)
            return WASP_EINVAL;
        if (len > sys->cfg.max_message) return WASP_E2BIG;
        int rc = sys->remote.publish(sys->remote_arg, topic, data, len, sender, codec);
        if (rc) return rc;
    }
    return wasp__broker_publish(sys, sender, 0, topic, data, len, codec);
}

int wasp_publish(wasp_system *sys, const char *topic, const void *data, size_t len) {
    return wasp_publish_tagged(sys, topic, data, len, WASP_CODEC_NONE);
}

int wasp_publish_local_tagged(wasp_system *sys, const char *topic, const void *data, size_t len,
                              uint64_t codec) {
    if (!sys || !topic) return WASP_EINVAL;
    return wasp__broker_publish(sys, wasp_current_sender(sys), 0, topic, data, len, codec);
}

int wasp_publish_local(wasp_system *sys, const char *topic, const void *data, size_t len) {
    return wasp_publish_local_tagged(sys, topic, data, len, WASP_CODEC_NONE);
}

int wasp_subscribe(wasp_system *sys, wasp_aid id, const char *pattern) {
    if (!sys || !pattern) return WASP_EINVAL;
    size_t plen = strnlen(pattern, WASP_TOPIC_MAX + 1);
    if (wasp__topic_pattern_check(pattern, plen)) return WASP_EINVAL;
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (!a) return WASP_ENOENT;
    int rc;
    pthread_rwlock_wrlock(&sys->broker.lk);
    /* a terminating actor drops its subscriptions under this lock after
     * setting STOPPING: checking here keeps stale ids out of the trie */
    int st = atomic_load(&a->lstate);
    if (st == WASP_STATE_STOPPING || st == WASP_STATE_TERMINATED) rc = WASP_ENOENT;
    else rc = wasp__topic_tree_add(sys->broker.tree, pattern, plen, id);
    if (!rc) atomic_fetch_add(&sys->broker.nsubs, 1);
    pthread_rwlock_unlock(&sys->broker.lk);
    wasp__actor_unref(a);
    return rc;
}

int wasp_unsubscribe(wasp_system *sys, wasp_aid id, const char *pattern) {
    if (!sys || !pattern) return WASP_EINVAL;
    size_t plen = strnlen(pattern, WASP_TOPIC_MAX + 1);
    if (wasp__topic_pattern_check(pattern, plen)) return WASP_EINVAL;
    pthread_rwlock_wrlock(&sys->broker.lk);
    int rc = wasp__topic_tree_remove(sys->broker.tree, pattern, plen, id);
    if (!rc) atomic_fetch_sub(&sys->broker.nsubs, 1);
    pthread_rwlock_unlock(&sys->broker.lk);
    return rc;
}

void wasp__broker_remove_actor(wasp_system *sys, wasp_aid id) {
    if (!atomic_load(&sys->broker.nsubs)) return;
    pthread_rwlock_wrlock(&sys->broker.lk);
    size_t n = wasp__topic_tree_remove_subscriber(sys->broker.tree, id);
    atomic_fetch_sub(&sys->broker.nsubs, n);
    pthread_rwlock_unlock(&sys->broker.lk);
}
