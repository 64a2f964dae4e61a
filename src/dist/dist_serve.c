/* dist_serve.c - what arrives from other nodes: sends and requests to the
 * names of the units running here, and publishes. Each is handed to the
 * local runtime as if sent here; a request's answer (or why there is none)
 * goes back to the asker's inbox. */
#include <stdlib.h>
#include <string.h>

#include "dist/dist_internal.h"

static _Thread_local bool serving;

bool wasp__dist_serving(void) { return serving; }

struct pending_reply {
    wasp__dist *d;
    uint64_t codec; /* the reply's tag, set by the runtime before on_local_reply */
    char subject[];
};

static void send_reply(wasp__dist *d, const char *subject, int status, const void *data, size_t len,
                       uint64_t codec) {
    size_t head = codec ? 9 : 1;
    uint8_t stack[4096], *buf = head + len <= sizeof(stack) ? stack : malloc(head + len);
    if (!buf) {
        status = WASP_ENOMEM;
        buf = stack;
        len = 0;
    }
    if ((size_t)d->max_payload < head + len) status = WASP_E2BIG, len = 0;
    if (status) len = 0, head = 1;
    buf[0] = head == 9 ? WASP__DIST_REPLY_TAGGED : (uint8_t)(-status);
    for (size_t i = 1; i < head; i++) buf[i] = (uint8_t)(codec >> (8 * (i - 1)));
    if (len) memcpy(buf + head, data, len);
    wasp__dist_out_lock(d); /* after what this thread sent before replying */
    natsConnection_Publish(d->nc, subject, buf, (int)(head + len));
    wasp__dist_out_unlock(d);
    if (buf != stack) free(buf);
}

static void on_local_reply(void *arg, int status, const void *data, size_t len) {
    struct pending_reply *p = arg;
    send_reply(p->d, p->subject, status, data, len, p->codec);
    free(p);
}

/* "wasp.SYSTEM.K.rest" -> rest */
static const char *subject_rest(wasp__dist *d, const char *subject) {
    size_t skip = 5 + strlen(d->system) + 1;
    size_t n = strlen(subject);
    if (n <= skip + 2) return NULL;
    return subject + skip + 2;
}

/* The runtime's options for frame f to name; the sender's name (if any)
 * NUL-terminated in from (256 bytes). */
static wasp_send_opts frame_opts(const char *name, const struct wasp__dist_frame *f, char *from) {
    if (f->sender_len) {
        memcpy(from, f->sender, f->sender_len); /* at most 255 bytes (one length byte) */
        from[f->sender_len] = 0;
    }
    return (wasp_send_opts){.to_name = name, .data = f->data, .len = f->len,
                            .priority = (f->flags & WASP__DIST_HIGH) ? WASP_PRIO_HIGH : WASP_PRIO_NORMAL,
                            .sender_name = f->sender_len && from[0] ? from : NULL, .codec = f->codec};
}

/* One frame of a send (not a request) to name: into the local runtime. */
static void deliver_send(wasp__dist *d, const char *name, const struct wasp__dist_frame *f) {
    char from[256];
    wasp_send_opts o = frame_opts(name, f, from);
    int rc = wasp_send_ex(d->sys, &o);
    if (rc) /* sends are at most once: this one is lost, like a dead letter */
        wasp__dist_log(d, WASP_LOG_DEBUG, "a message from another node for %s: %s", name,
                       wasp_strerror(rc));
}

/* Each send of a batch, in order; a request inside a batch is malformed. */
static void deliver_batch(wasp__dist *d, const char *name, const void *data, size_t len) {
    size_t off = 0, flen;
    const void *frame;
    int more;
    while ((more = wasp__dist_batch_next(data, len, &off, &frame, &flen)) == 1) {
        struct wasp__dist_frame f;
        if (wasp__dist_frame_parse(frame, flen, &f) == WASP_OK && !(f.flags & WASP__DIST_REQUEST))
            deliver_send(d, name, &f);
    }
    if (more) wasp__dist_log(d, WASP_LOG_DEBUG, "a malformed batch for %s", name);
}

static void handle_name(wasp__dist *d, natsMsg *msg) {
    const char *name = subject_rest(d, natsMsg_GetSubject(msg)); /* "NODE.NAME" */
    if (name && (name = strchr(name, '.'))) name++;
    const char *reply = natsMsg_GetReply(msg);
    if (dist_stale(d)) { /* at most once: lost, as if this node had died */
        if (reply) send_reply(d, reply, WASP_ESTOPPED, NULL, 0, 0);
        return;
    }
    const uint8_t *data = (const uint8_t *)natsMsg_GetData(msg);
    size_t dlen = (size_t)natsMsg_GetDataLength(msg);
    if (name && dlen && data[0] == WASP__DIST_BATCH) {
        serving = true;
        deliver_batch(d, name, data, dlen);
        serving = false;
        return;
    }
    struct wasp__dist_frame f;
    int rc = wasp__dist_frame_parse(data, dlen, &f);
    if (!name) rc = WASP_EINVAL;
    char from[256];
    wasp_send_opts o = frame_opts(name, &f, from);
    serving = true;
    if (!rc && (f.flags & WASP__DIST_REQUEST) && reply) {
        size_t rl = strlen(reply) + 1;
        struct pending_reply *p = malloc(sizeof(*p) + rl);
        if (!p) rc = WASP_ENOMEM;
        else {
            p->d = d;
            p->codec = 0;
            o.reply_codec = &p->codec;
            memcpy(p->subject, reply, rl);
            if ((rc = wasp_ask_cb(d->sys, &o, f.timeout_ns, on_local_reply, p))) free(p);
        }
        if (rc) send_reply(d, reply, rc, NULL, 0, 0);
    } else if (!rc) {
        deliver_send(d, name, &f);
    } else if (reply) {
        send_reply(d, reply, WASP_EINVAL, NULL, 0, 0);
    }
    serving = false;
}

DIST_CALLBACK(wasp__dist_on_name, handle_name)

/* One frame of a publish: plain, or with a codec tag. */
static void deliver_publish(wasp__dist *d, const char *topic, const void *frame, size_t len) {
    struct wasp__dist_frame f;
    if (wasp__dist_frame_parse(frame, len, &f) == WASP_OK && !(f.flags & ~WASP__DIST_CODEC))
        wasp_publish_local_tagged(d->sys, topic, f.data, f.len, f.codec);
}

static void handle_topic(wasp__dist *d, natsMsg *msg) {
    const char *topic = subject_rest(d, natsMsg_GetSubject(msg));
    const uint8_t *b = (const uint8_t *)natsMsg_GetData(msg);
    size_t len = (size_t)natsMsg_GetDataLength(msg), off = 0, flen;
    if (!topic || !len || dist_stale(d)) return;
    serving = true;
    if (b[0] == WASP__DIST_BATCH) {
        const void *frame;
        while (wasp__dist_batch_next(b, len, &off, &frame, &flen) == 1) deliver_publish(d, topic, frame, flen);
    } else {
        deliver_publish(d, topic, b, len);
    }
    serving = false;
}

DIST_CALLBACK(wasp__dist_on_topic, handle_topic)
