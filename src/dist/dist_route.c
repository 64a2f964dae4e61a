/* wasp__dist_route.c - what leaves this node: sends and requests to names served
 * elsewhere (wasp.S.a.NAME) and publishes (wasp.S.t.TOPIC), plus the table
 * of requests waiting for a reply on this node's inbox (wasp.S.r.NODE.INC.ID). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "dist/dist_internal.h"

#define DIST_STACK_FRAME 4096
#define DIST_REFRESH_NS 50000000ull /* a miss re-reads a claim at most this often */
#define DIST_CALL_GRACE_NS 1000000000ull

int wasp__dist_status_of(natsStatus s) {
    switch (s) {
    case NATS_OK: return WASP_OK;
    case NATS_MAX_PAYLOAD: return WASP_E2BIG;
    case NATS_INVALID_SUBJECT: return WASP_EINVAL;
    case NATS_NO_MEMORY: return WASP_ENOMEM;
    default: return WASP_ESTOPPED; /* the connection is closed or draining */
    }
}

/* The unit serving name, if some live node serves it. */
static struct dist_unit *served_unit(wasp__dist *d, const char *name, int *rc) {
    struct dist_unit *u = wasp__hashmap_get(&d->names, name, strlen(name));
    *rc = WASP_ENOENT;
    if (!u || u->running) return NULL; /* unknown, or ours and gone for a moment */
    if (!atomic_load_explicit(&u->served, memory_order_relaxed)) {
        uint64_t now = wasp_clock_ns();
        if (now - atomic_load(&u->refreshed) > DIST_REFRESH_NS) wasp__dist_unit_refresh(d, u);
        if (!atomic_load(&u->served)) return NULL;
    }
    return u;
}

static int call_register(wasp__dist *d, const char *owner, uint64_t timeout_ns, wasp_reply_fn fn,
                         void *arg, uint64_t *reply_codec, uint64_t *id) {
    struct dist_call *c = malloc(sizeof(*c));
    if (!c) return WASP_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    c->reply_codec = reply_codec;
    snprintf(c->owner, sizeof(c->owner), "%s", owner);
    c->expires = timeout_ns ? wasp_clock_ns() + timeout_ns + DIST_CALL_GRACE_NS : 0;
    pthread_mutex_lock(&d->mu);
    c->id = *id = ++d->next_call;
    int rc = wasp__hashmap_put_u64(&d->calls, c->id, c, NULL);
    pthread_mutex_unlock(&d->mu);
    if (rc) free(c);
    return rc;
}

static struct dist_call *call_take(wasp__dist *d, uint64_t id) {
    pthread_mutex_lock(&d->mu);
    struct dist_call *c = wasp__hashmap_del_u64(&d->calls, id);
    pthread_mutex_unlock(&d->mu);
    return c;
}

int wasp__dist_route(void *arg, const wasp_send_opts *o, wasp_aid sender, uint64_t timeout_ns,
               wasp_reply_fn fn, void *fn_arg) {
    wasp__dist *d = arg;
    if (wasp__dist_serving()) return WASP_ENOENT; /* a message from another node: never travels on */
    if (atomic_load_explicit(&d->leaving, memory_order_relaxed)) return WASP_ESTOPPED;
    char subj[DIST_SUBJECT_MAX];
    if (wasp__dist_name_subject(subj, sizeof(subj), d->system, d->node, o->to_name))
        return WASP_EINVAL; /* checked before anything else: NATS could not carry it */
    int rc;
    struct dist_unit *u = served_unit(d, o->to_name, &rc);
    if (!u) return rc;
    char owner[WASP__DIST_TOKEN_MAX + 1];
    pthread_mutex_lock(&u->mu);
    memcpy(owner, u->owner, sizeof(owner));
    pthread_mutex_unlock(&u->mu);
    if (wasp__dist_name_subject(subj, sizeof(subj), d->system, owner, o->to_name)) return WASP_ENOENT;
    size_t n = WASP__DIST_FRAME_MAX + o->len;
    if (n > (size_t)d->max_payload) return WASP_E2BIG;
    unsigned flags = (o->priority == WASP_PRIO_HIGH ? WASP__DIST_HIGH : 0) |
                     (fn ? WASP__DIST_REQUEST : 0);
    char from[256] = ""; /* the receiver's `sender` names the sending actor */
    if (sender && wasp_actor_name(d->sys, sender, from, sizeof(from)) < 0) from[0] = 0;
    if (!sender && o->sender_name) snprintf(from, sizeof(from), "%s", o->sender_name); /* relayed */
    uint8_t head[WASP__DIST_FRAME_MAX];
    size_t hlen = wasp__dist_frame_head(head, flags, timeout_ns, from, o->codec);
    if (!fn) return wasp__dist_out_push(d, subj, head, hlen, o->data, o->len);
    n = hlen + o->len;
    uint8_t stack[DIST_STACK_FRAME], *buf = n <= sizeof(stack) ? stack : malloc(n);
    if (!buf) return WASP_ENOMEM;
    memcpy(buf, head, hlen);
    if (o->len) memcpy(buf + hlen, o->data, o->len);
    uint64_t id;
    if (!(rc = call_register(d, owner, timeout_ns, fn, fn_arg, o->reply_codec, &id))) {
        char reply[DIST_SUBJECT_MAX];
        snprintf(reply, sizeof(reply), "%s%" PRIu64, d->inbox_prefix, id);
        wasp__dist_out_lock(d); /* after the sends queued before it */
        natsStatus s = natsConnection_PublishRequest(d->nc, subj, reply, buf, (int)n);
        wasp__dist_out_unlock(d);
        if (s != NATS_OK) {
            struct dist_call *c = call_take(d, id);
            if (c) rc = wasp__dist_status_of(s); /* fn must not run */
            free(c);                             /* else it ran already: accepted */
        }
    }
    if (buf != stack) free(buf);
    return rc;
}

int wasp__dist_publish(void *arg, const char *topic, const void *data, size_t len, wasp_aid sender,
                       uint64_t codec) {
    (void)sender;
    wasp__dist *d = arg;
    if (!strcmp(topic, WASP_DEAD_LETTERS_TOPIC)) return WASP_OK; /* stays on its node */
    char subj[DIST_SUBJECT_MAX];
    int rc = wasp__dist_subject(subj, sizeof(subj), d->system, "t", topic);
    if (rc) return WASP_EINVAL; /* e.g. whitespace: NATS would misread the subject */
    if (atomic_load_explicit(&d->leaving, memory_order_relaxed)) return WASP_OK;
    uint8_t head[WASP__DIST_FRAME_MAX];
    size_t hl = wasp__dist_frame_head(head, 0, 0, NULL, codec);
    if (hl + len > (size_t)d->max_payload) return WASP_E2BIG;
    wasp__dist_out_push(d, subj, head, hl, data, len); /* at most once, like a local publish */
    return WASP_OK;
}

static void handle_reply(wasp__dist *d, natsMsg *msg) {
    const char *last = strrchr(natsMsg_GetSubject(msg), '.');
    uint64_t id = last ? strtoull(last + 1, NULL, 10) : 0;
    struct dist_call *c = id ? call_take(d, id) : NULL;
    if (c) {
        const uint8_t *b = (const uint8_t *)natsMsg_GetData(msg);
        int len = natsMsg_GetDataLength(msg);
        uint64_t codec = 0;
        size_t head = 1;
        if (len >= 9 && b[0] == WASP__DIST_REPLY_TAGGED) {
            for (int i = 0; i < 8; i++) codec |= (uint64_t)b[1 + i] << (8 * i);
            head = 9;
        }
        if (natsMsg_IsNoResponders(msg)) c->fn(c->arg, WASP_ENOENT, NULL, 0); /* nobody serves it */
        else if (len < 1 || (b[0] > 19 && head == 1) || codec > WASP_CODEC_MAX)
            c->fn(c->arg, WASP_ESTOPPED, NULL, 0); /* malformed */
        else if (head == 1 && b[0]) c->fn(c->arg, -(int)b[0], NULL, 0);
        else {
            if (c->reply_codec) *c->reply_codec = codec;
            c->fn(c->arg, WASP_OK, b + head, (size_t)len - head);
        }
        free(c);
    }
}

DIST_CALLBACK(wasp__dist_on_reply, handle_reply)

void wasp__dist_fail_calls(wasp__dist *d, const char *owner, int status, bool expired_only) {
    uint64_t now = wasp_clock_ns();
    for (;;) {
        struct dist_call *batch[64];
        size_t n = 0, it = 0;
        const struct wasp_hashmap_entry *e;
        pthread_mutex_lock(&d->mu);
        while (n < 64 && (e = wasp__hashmap_next(&d->calls, &it))) {
            struct dist_call *c = e->value;
            if (owner && strcmp(c->owner, owner)) continue;
            if (expired_only && (!c->expires || c->expires > now)) continue;
            batch[n++] = c;
        }
        for (size_t i = 0; i < n; i++) wasp__hashmap_del_u64(&d->calls, batch[i]->id);
        pthread_mutex_unlock(&d->mu);
        for (size_t i = 0; i < n; i++) {
            batch[i]->fn(batch[i]->arg, status, NULL, 0);
            free(batch[i]);
        }
        if (n < 64) return;
    }
}
