/* dist_out.c - sends and publishes leave in batches. dist_route and
 * dist_publish queue each message; a flusher thread publishes what has
 * queued, consecutive messages to one subject as one NATS message (a batch
 * frame, dist_wire.c), so a burst costs one NATS message per ~64 KiB instead
 * of one per message, on this node, on the server and on the receiver.
 * A lone message waits only for the flusher to wake. Requests and replies
 * go out at once, but after everything queued before them (wasp__dist_out_lock):
 * what one thread sends travels in the order it was sent. */
#include <stdlib.h>
#include <string.h>

#include "dist/dist_internal.h"

#define OUT_BATCH_MAX (64u * 1024u)  /* frames per NATS message, in bytes (or less) */
#define OUT_QUEUE_MAX (8u << 20)     /* a sender above this publishes itself */
#define OUT_NO_RUN SIZE_MAX

/* A run: consecutive messages to one subject. In the queue, a header, the
 * subject (NUL-terminated), the batch byte, then each frame after its
 * length (4 bytes, little endian): ready to publish as it lies. */
struct out_run {
    uint32_t subject_len; /* with its NUL */
    uint32_t body_len;    /* the frames with their lengths */
    uint32_t count;
};

static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static bool reserve(uint8_t **buf, size_t *cap, size_t need) {
    if (need <= *cap) return true;
    size_t n = *cap ? *cap : 64 * 1024;
    while (n < need) n *= 2;
    uint8_t *b = realloc(*buf, n);
    if (!b) return false;
    *buf = b;
    *cap = n;
    return true;
}

/* Publishes every run of (buf, len); pub_mu held. At most once: a run the
 * connection refuses is lost, like a message to a node that died. */
static void publish_runs(wasp__dist *d, const uint8_t *buf, size_t len) {
    for (size_t at = 0; at < len;) {
        struct out_run r;
        memcpy(&r, buf + at, sizeof(r));
        const char *subject = (const char *)buf + at + sizeof(r);
        const uint8_t *body = buf + at + sizeof(r) + r.subject_len; /* the batch byte */
        if (r.count == 1) /* one frame: as it is, without the batch around it */
            natsConnection_Publish(d->nc, subject, body + 1 + 4, (int)(r.body_len - 4));
        else
            natsConnection_Publish(d->nc, subject, body, (int)(1 + r.body_len));
        at += sizeof(r) + r.subject_len + 1 + r.body_len;
    }
}

/* Takes the queue and publishes it; pub_mu held. */
static void drain(wasp__dist *d) {
    struct dist_out *o = &d->out;
    pthread_mutex_lock(&o->mu);
    uint8_t *buf = o->buf;
    size_t len = o->len, cap = o->cap;
    o->buf = o->spare, o->cap = o->spare_cap, o->len = 0;
    o->run = OUT_NO_RUN;
    atomic_store_explicit(&o->queued, false, memory_order_relaxed);
    pthread_mutex_unlock(&o->mu);
    if (len) publish_runs(d, buf, len);
    o->spare = buf, o->spare_cap = cap;
}

void wasp__dist_out_lock(wasp__dist *d) {
    pthread_mutex_lock(&d->out.pub_mu);
    /* what this thread queued before is seen here: its push set the flag */
    if (atomic_load_explicit(&d->out.queued, memory_order_acquire)) drain(d);
}

void wasp__dist_out_unlock(wasp__dist *d) { pthread_mutex_unlock(&d->out.pub_mu); }

int wasp__dist_out_push(wasp__dist *d, const char *subject, const uint8_t *head, size_t hlen,
                  const void *data, size_t len) {
    struct dist_out *o = &d->out;
    size_t frame = hlen + len, slen = strlen(subject) + 1;
    if (frame + 5 > o->batch_max) { /* big: alone, in order */
        wasp__dist_out_lock(d);
        uint8_t *buf = malloc(frame ? frame : 1);
        natsStatus s = buf ? NATS_OK : NATS_NO_MEMORY;
        if (buf) {
            memcpy(buf, head, hlen);
            if (len) memcpy(buf + hlen, data, len);
            s = natsConnection_Publish(d->nc, subject, buf, (int)frame);
        }
        wasp__dist_out_unlock(d);
        free(buf);
        return wasp__dist_status_of(s);
    }
    pthread_mutex_lock(&o->mu);
    struct out_run r;
    bool join = false;
    if (o->run != OUT_NO_RUN) {
        memcpy(&r, o->buf + o->run, sizeof(r));
        join = r.body_len + 4 + frame <= o->batch_max && r.subject_len == slen &&
               !memcmp(o->buf + o->run + sizeof(r), subject, slen);
    }
    size_t need = o->len + (join ? 0 : sizeof(r) + slen + 1) + 4 + frame;
    if (!reserve(&o->buf, &o->cap, need)) {
        pthread_mutex_unlock(&o->mu);
        return WASP_ENOMEM;
    }
    if (!join) {
        o->run = o->len;
        r = (struct out_run){.subject_len = (uint32_t)slen};
        memcpy(o->buf + o->len + sizeof(r), subject, slen);
        o->buf[o->len + sizeof(r) + slen] = WASP__DIST_BATCH;
        o->len += sizeof(r) + slen + 1;
    }
    uint8_t *p = o->buf + o->len;
    put_u32(p, (uint32_t)frame);
    memcpy(p + 4, head, hlen);
    if (len) memcpy(p + 4 + hlen, data, len);
    o->len += 4 + frame;
    r.body_len += (uint32_t)(4 + frame);
    r.count++;
    memcpy(o->buf + o->run, &r, sizeof(r));
    atomic_store_explicit(&o->queued, true, memory_order_release);
    bool full = o->len > OUT_QUEUE_MAX;
    if (o->idle) pthread_cond_signal(&o->cv);
    pthread_mutex_unlock(&o->mu);
    if (full) { /* the flusher is behind: this sender publishes, and so slows down */
        wasp__dist_out_lock(d);
        wasp__dist_out_unlock(d);
    }
    return WASP_OK;
}

static void *flusher_main(void *arg) {
    wasp__dist *d = arg;
    struct dist_out *o = &d->out;
    pthread_mutex_lock(&o->mu);
    while (!o->stop) {
        if (!o->len) {
            o->idle = true;
            pthread_cond_wait(&o->cv, &o->mu);
            o->idle = false;
            continue;
        }
        pthread_mutex_unlock(&o->mu);
        pthread_mutex_lock(&o->pub_mu);
        drain(d);
        pthread_mutex_unlock(&o->pub_mu);
        pthread_mutex_lock(&o->mu);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

int wasp__dist_out_start(wasp__dist *d) {
    struct dist_out *o = &d->out;
    o->run = OUT_NO_RUN;
    /* a batch and its subject within the server's max_payload */
    o->batch_max = d->max_payload > 2 * (int64_t)OUT_BATCH_MAX ? OUT_BATCH_MAX : (size_t)d->max_payload / 2;
    pthread_mutex_init(&o->mu, NULL);
    pthread_mutex_init(&o->pub_mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    o->initialized = true;
    if (pthread_create(&o->thread, NULL, flusher_main, d)) return WASP_ENOMEM;
    o->started = true;
    return WASP_OK;
}

void wasp__dist_out_stop(wasp__dist *d) {
    struct dist_out *o = &d->out;
    if (!o->initialized) return;
    if (o->started) {
        pthread_mutex_lock(&o->mu);
        o->stop = true;
        pthread_cond_signal(&o->cv);
        pthread_mutex_unlock(&o->mu);
        pthread_join(o->thread, NULL);
        o->started = false;
        wasp__dist_out_lock(d); /* what is still queued leaves now */
        wasp__dist_out_unlock(d);
    }
}

void wasp__dist_out_free(wasp__dist *d) {
    struct dist_out *o = &d->out;
    if (!o->initialized) return;
    free(o->buf);
    free(o->spare);
    pthread_mutex_destroy(&o->mu);
    pthread_mutex_destroy(&o->pub_mu);
    pthread_cond_destroy(&o->cv);
    o->initialized = false;
}
