/* send.c - send, ask, reply and delayed sends (dead letters: dead_letters.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "runtime/actor_table.h"
#include "runtime/completion.h"
#include "runtime/dead_letters.h"
#include "runtime/delivery.h"
#include "runtime/ext.h"
#include "runtime/name_cache.h"
#include "runtime/registry.h"
#include "runtime/remote.h"
#include "runtime/system.h"
#include "runtime/timers.h"

/* ---- delivery --------------------------------------------------------------- */

/* wake-up protocol: the push stored qlen or evlen (seq_cst); the owner
 * releasing the actor stores sched = 0 and then reads them. One of us sees
 * the other, so nothing queued is ever stranded. */
void wasp__schedule_if_idle(struct wasp_actor *a, struct wasp_batch *b) {
    if (!atomic_load(&a->sched) && !atomic_exchange(&a->sched, 1)) {
        /* It runs next, here (the LIFO slot): start its miss now. Its owner
         * may be replacing the state meanwhile, hence the atomic read; a
         * stale address only costs a useless prefetch. */
        __builtin_prefetch(__atomic_load_n(&a->state, __ATOMIC_RELAXED), 1);
        if (b) wasp__batch_add(b, &a->rq);
        else wasp__actor_schedule(a, false);
    }
}

int wasp__deliver_batched(struct wasp_actor *a, struct wasp_env *e, struct wasp_batch *b) {
    struct wasp_env *dropped;
    int rc = wasp__mailbox_push(&a->mb, e, &dropped);
    if (rc) return rc;
    wasp__schedule_if_idle(a, b);
    if (dropped) wasp__dead_letter(a->sys, a, dropped, WASP_EFULL);
    return WASP_OK;
}

int wasp__deliver(struct wasp_actor *a, struct wasp_env *e) { return wasp__deliver_batched(a, e, NULL); }

/* ---- send ------------------------------------------------------------------- */

static int check_opts(wasp_system *sys, const wasp_send_opts *o) {
    if (!sys || !o) return WASP_EINVAL;
    if (!o->data && o->len) return WASP_EINVAL;
    if (o->priority != WASP_PRIO_NORMAL && o->priority != WASP_PRIO_HIGH) return WASP_EINVAL;
    if (!o->to) {
        size_t n;
        if (wasp__name_check(o->to_name, &n)) return WASP_EINVAL;
    }
    if (o->codec > WASP_CODEC_MAX) return WASP_EINVAL;
    if (o->len > sys->cfg.max_message) return WASP_E2BIG;
    return WASP_OK;
}

/* The actor o->to_name denotes, through the sender's cache when it has one
 * (name_cache.h): a hit skips the registry and its read lock. */
static struct wasp_actor *resolve_name(wasp_system *sys, const wasp_send_opts *o, struct wasp_name_cache *cache,
                                       int *rc) {
    size_t len = strlen(o->to_name); /* checked by check_opts */
    struct wasp_name_memo *m = cache ? wasp__name_cache_way(cache, o->to_name, len) : NULL;
    if (cache) cache->last = m;
    wasp_aid id;
    if (m && wasp__name_cache_get(m, atomic_load(&sys->reg.gen), o->to_name, len, &id)) {
        struct wasp_actor *a = wasp__actor_get(sys, id);
        if (a) return a;
    }
    /* a pool may hand out a member that just terminated: try a few */
    for (int i = 0; i < 8; i++) {
        uint64_t gen;
        if ((*rc = wasp__registry_lookup_gen(sys, o->to_name, len, &id, &gen))) return NULL;
        struct wasp_actor *a = wasp__actor_get(sys, id);
        if (a) {
            if (m && gen) wasp__name_cache_put(m, gen, o->to_name, len, id);
            return a;
        }
        *rc = WASP_ENOENT;
    }
    return NULL;
}

static struct wasp_actor *resolve(wasp_system *sys, const wasp_send_opts *o, struct wasp_name_cache *cache,
                                  int *rc) {
    *rc = WASP_ENOENT;
    if (o->to) return wasp__actor_get(sys, o->to);
    return resolve_name(sys, o, cache, rc);
}

static struct wasp_env *env_from_opts(wasp_system *sys, const wasp_send_opts *o, uint64_t delay) {
    struct wasp_env *e = o->free_fn ? wasp__env_new_moved((void *)o->data, o->len, o->free_fn)
                                    : wasp__env_new_copy(o->data, o->len);
    if (!e) return NULL;
    e->sender = wasp_current_sender(sys);
    if (o->sender_name) {
        size_t n = strnlen(o->sender_name, 255);
        if (!(e->sender_name = malloc(n + 1))) {
            e->free_fn = NULL; /* a moved payload stays the caller's */
            wasp__env_free(e);
            return NULL;
        }
        memcpy(e->sender_name, o->sender_name, n);
        e->sender_name[n] = 0;
    }
    if (o->priority == WASP_PRIO_HIGH) e->flags |= WASP_MSG_HIGH;
    e->codec = o->codec;
    if (o->ttl_ns) e->deadline = wasp_clock_ns() + delay + o->ttl_ns;
    return e;
}

/* Frees an envelope that was never queued: a moved payload stays the caller's. */
static void env_discard(struct wasp_env *e) {
    e->free_fn = NULL;
    wasp__env_free(e);
}

/* A name with nothing here goes to the remote router, if there is one. */
static bool goes_remote(wasp_system *sys, const wasp_send_opts *o, int rc) {
    return rc == WASP_ENOENT && !o->to && wasp_remote_on(sys);
}

int wasp__send_cached(wasp_system *sys, const wasp_send_opts *o, struct wasp_name_cache *cache) {
    int rc = check_opts(sys, o);
    if (rc) return rc;
    struct wasp_actor *a = resolve(sys, o, cache, &rc);
    if (!a && goes_remote(sys, o, rc))
        return wasp__remote_route(sys, o, wasp_current_sender(sys), 0, NULL, NULL);
    if (!a) return rc;
    struct wasp_env *e = NULL;
    if (wasp__mailbox_refuses(&a->mb)) rc = WASP_EFULL; /* back-pressure: no envelope made in vain */
    else if (!(e = env_from_opts(sys, o, 0))) rc = WASP_ENOMEM;
    else if ((rc = wasp__deliver(a, e))) env_discard(e);
    wasp__actor_unref(a);
    return rc;
}

/* A thread sending through the public API (an outside feeder, a native
 * actor) memoises its names here: one sender per thread, no lock. */
static _Thread_local struct wasp_name_cache tls_names;

int wasp_send_ex(wasp_system *sys, const wasp_send_opts *o) { return wasp__send_cached(sys, o, &tls_names); }

int wasp_send(wasp_system *sys, wasp_aid to, const void *data, size_t len) {
    if (!to) return WASP_EINVAL;
    wasp_send_opts o = {.to = to, .data = data, .len = len};
    return wasp_send_ex(sys, &o);
}

int wasp_send_name(wasp_system *sys, const char *to, const void *data, size_t len) {
    if (!to) return WASP_EINVAL;
    wasp_send_opts o = {.to_name = to, .data = data, .len = len};
    return wasp_send_ex(sys, &o);
}

/* ---- ask -------------------------------------------------------------------- */

/* Sends the request o answered through c (the caller holds a reference to
 * c, never dropped here; the envelope, the router and the timeout take
 * their own). On failure c is abandoned: its fn never runs. */
static int ask_internal(wasp_system *sys, const wasp_send_opts *o, uint64_t timeout_ns,
                        struct wasp_completion *c, uint64_t corr, struct wasp_name_cache *cache) {
    int rc = check_opts(sys, o);
    struct wasp_actor *a = NULL;
    if (rc == WASP_OK) {
        c->reply_codec = o->reply_codec;
        a = resolve(sys, o, cache, &rc);
    }
    if (!a && goes_remote(sys, o, rc)) {
        rc = wasp__remote_ask(sys, o, wasp_current_sender(sys), c, timeout_ns);
    } else if (a) {
        struct wasp_env *e = env_from_opts(sys, o, 0);
        if (!e) {
            rc = WASP_ENOMEM;
        } else {
            wasp__completion_ref(c); /* the envelope's */
            e->completion = c;
            e->flags |= WASP_MSG_REQUEST;
            e->corr = corr;
            if ((rc = wasp__deliver(a, e))) {
                wasp__completion_abandon(c);
                env_discard(e); /* drops the envelope's reference */
            }
        }
        wasp__actor_unref(a);
    }
    if (rc) {
        wasp__completion_abandon(c);
        return rc;
    }
    if (timeout_ns) wasp__completion_timeout(c, timeout_ns);
    return WASP_OK;
}

int wasp__ask(wasp_system *sys, const wasp_send_opts *o, uint64_t timeout_ns, struct wasp_completion *c,
              struct wasp_name_cache *cache) {
    if (!sys) {
        wasp__completion_abandon(c);
        return WASP_EINVAL;
    }
    return ask_internal(sys, o, timeout_ns, c, atomic_fetch_add(&sys->corr, 1) + 1, cache);
}

int wasp_ask_cb(wasp_system *sys, const wasp_send_opts *opts, uint64_t timeout_ns,
                wasp_reply_fn fn, void *arg) {
    if (!sys || !fn) return WASP_EINVAL;
    struct wasp_completion *c = wasp__completion_new(sys, fn, arg);
    if (!c) return WASP_ENOMEM;
    int rc = wasp__ask(sys, opts, timeout_ns, c, NULL);
    wasp__completion_unref(c); /* ours */
    return rc;
}

static int ask_blocking(wasp_system *sys, const wasp_send_opts *o, uint64_t timeout_ns,
                        void **reply, size_t *reply_len) {
    if (!sys || !reply || !reply_len) return WASP_EINVAL;
    if (wasp__tls_ctx || wasp__on_worker(sys)) return WASP_ESTATE;
    struct wasp_wait *w = wasp__wait_new(sys, true);
    if (!w) return WASP_ENOMEM;
    int rc = wasp__ask(sys, o, timeout_ns, &w->c, NULL);
    if (rc == WASP_OK && (rc = wasp__wait_for(w)) == WASP_OK) {
        *reply = w->data;
        *reply_len = w->len;
        w->data = NULL; /* the caller's now */
    }
    wasp__wait_free(w);
    return rc;
}

int wasp_ask_ex(wasp_system *sys, const wasp_send_opts *opts, uint64_t timeout_ns, void **reply,
                size_t *reply_len) {
    return ask_blocking(sys, opts, timeout_ns, reply, reply_len);
}

int wasp_ask(wasp_system *sys, wasp_aid to, const void *data, size_t len, uint64_t timeout_ns,
             void **reply, size_t *reply_len) {
    if (!to) return WASP_EINVAL;
    wasp_send_opts o = {.to = to, .data = data, .len = len};
    return ask_blocking(sys, &o, timeout_ns, reply, reply_len);
}

int wasp_ask_name(wasp_system *sys, const char *to, const void *data, size_t len,
                  uint64_t timeout_ns, void **reply, size_t *reply_len) {
    if (!to) return WASP_EINVAL;
    wasp_send_opts o = {.to_name = to, .data = data, .len = len};
    return ask_blocking(sys, &o, timeout_ns, reply, reply_len);
}

/* Sends a reply message (WASP_MSG_REPLY) to actor `to`; undeliverable
 * replies are dead letters. */
static void send_reply_msg(wasp_system *sys, wasp_aid to, uint64_t corr, int status,
                           const void *data, size_t len, uint64_t codec) {
    struct wasp_env *r = wasp__env_new_copy(data, len);
    if (!r) return;
    r->sender = wasp_current_sender(sys);
    r->codec = codec;
    r->flags = WASP_MSG_REPLY;
    r->corr = corr;
    r->status = status;
    struct wasp_actor *a = wasp__actor_get(sys, to);
    int rc = a ? wasp__deliver(a, r) : WASP_ENOENT;
    if (rc) wasp__dead_letter_unqueued(sys, a, r, rc);
    if (a) wasp__actor_unref(a);
}

/* A ctx ask's answer forwarded to the asking actor as a reply message. */
struct fwd {
    struct wasp_completion c; /* first: freed with it */
    wasp_aid self;
    uint64_t corr;
    uint64_t codec; /* the reply's tag */
};

static void fwd_fn(void *arg, int status, const void *data, size_t len) {
    struct fwd *f = arg;
    send_reply_msg(f->c.sys, f->self, f->corr, status, data, len, f->codec);
}

/* A ctx ask whose reply is forwarded to the asking actor as a message. */
static int ctx_ask_forwarded(wasp_ctx *ctx, const wasp_send_opts *o, uint64_t timeout_ns,
                             uint64_t c) {
    struct fwd *f = malloc(sizeof(*f));
    if (!f) return WASP_ENOMEM;
    wasp__completion_init(&f->c, ctx->sys, fwd_fn, f, NULL);
    f->self = wasp_actor_id(ctx->a);
    f->corr = c;
    f->codec = 0;
    wasp_send_opts fo = *o;
    fo.reply_codec = &f->codec;
    int rc = ask_internal(ctx->sys, &fo, timeout_ns, &f->c, c, NULL);
    wasp__completion_unref(&f->c); /* ours */
    return rc;
}

static int ctx_ask_remote(wasp_ctx *ctx, const wasp_send_opts *o, uint64_t c,
                               uint64_t *corr) {
    int rc = ctx_ask_forwarded(ctx, o, 0, c);
    if (!rc && corr) *corr = c;
    return rc;
}

int wasp_ctx_ask(wasp_ctx *ctx, const wasp_send_opts *o, uint64_t timeout_ns, uint64_t *corr) {
    if (!ctx) return WASP_ESTATE;
    wasp_system *sys = ctx->sys;
    uint64_t c = atomic_fetch_add(&sys->corr, 1) + 1;
    int rc;
    if (timeout_ns) {
        rc = ctx_ask_forwarded(ctx, o, timeout_ns, c);
    } else { /* direct: no completion object, the replier sends to us */
        if ((rc = check_opts(sys, o))) return rc;
        struct wasp_actor *a = resolve(sys, o, NULL, &rc);
        if (!a && goes_remote(sys, o, rc)) /* a remote reply needs a completion */
            return ctx_ask_remote(ctx, o, c, corr);
        if (!a) return rc;
        struct wasp_env *e = env_from_opts(sys, o, 0);
        if (!e) rc = WASP_ENOMEM;
        else {
            e->flags |= WASP_MSG_REQUEST;
            e->reply_to = wasp_actor_id(ctx->a);
            e->corr = c;
            if ((rc = wasp__deliver(a, e))) env_discard(e);
        }
        wasp__actor_unref(a);
    }
    if (!rc && corr) *corr = c;
    return rc;
}

int wasp_reply(wasp_ctx *ctx, const void *data, size_t len) {
    return wasp_reply_tagged(ctx, data, len, WASP_CODEC_NONE);
}

int wasp_reply_tagged(wasp_ctx *ctx, const void *data, size_t len, uint64_t codec) {
    if (!ctx || (!data && len) || codec > WASP_CODEC_MAX) return WASP_EINVAL;
    struct wasp_actor *a = ctx->a;
    struct wasp_env *e = a->cur;
    if (!e || !ctx->msg || !(e->flags & WASP_MSG_REQUEST) || a->replied) return WASP_ENOREPLY;
    if (len > ctx->sys->cfg.max_message) return WASP_E2BIG;
    a->replied = true;
    if (e->completion) {
        if (!wasp__completion_finish(e->completion, WASP_OK, data ? data : "", len, codec)) { /* asker gave up */
            atomic_fetch_add_explicit(&ctx->sys->dead, 1, memory_order_relaxed);
            wasp__dead_letter_log(ctx->sys, NULL, WASP_AID_NONE, len,
                                 "reply after the asker gave up");
        }
    } else if (e->reply_to) {
        send_reply_msg(ctx->sys, e->reply_to, e->corr, WASP_OK, data, len, codec);
    }
    return WASP_OK;
}

/* A deferred request: whatever the envelope held to answer it. */
struct wasp_deferred {
    wasp_system *sys;
    struct wasp_completion *completion;
    wasp_aid reply_to;
    uint64_t corr;
};

int wasp_reply_defer(wasp_ctx *ctx, wasp_deferred **out) {
    if (!ctx || !out) return WASP_EINVAL;
    struct wasp_actor *a = ctx->a;
    struct wasp_env *e = a->cur;
    if (!e || !ctx->msg || !(e->flags & WASP_MSG_REQUEST) || a->replied) return WASP_ENOREPLY;
    wasp_deferred *d = malloc(sizeof(*d));
    if (!d) return WASP_ENOMEM;
    *d = (wasp_deferred){ctx->sys, e->completion, e->reply_to, e->corr};
    e->completion = NULL; /* freeing the envelope no longer answers it */
    e->reply_to = 0;
    a->replied = true;
    *out = d;
    return WASP_OK;
}

static void deferred_complete(wasp_deferred *d, int status, const void *data, size_t len,
                              uint64_t codec) {
    if (d->completion) {
        wasp__completion_finish(d->completion, status, data, len, codec);
        wasp__completion_unref(d->completion);
    } else if (d->reply_to && status == WASP_OK) {
        send_reply_msg(d->sys, d->reply_to, d->corr, status, data, len, codec);
    }
    free(d);
}

int wasp_reply_deferred_tagged(wasp_deferred *d, const void *data, size_t len, uint64_t codec) {
    if (!d || (!data && len) || codec > WASP_CODEC_MAX) return WASP_EINVAL;
    if (len > d->sys->cfg.max_message) return WASP_E2BIG;
    deferred_complete(d, WASP_OK, data ? data : "", len, codec);
    return WASP_OK;
}

int wasp_reply_deferred(wasp_deferred *d, const void *data, size_t len) {
    return wasp_reply_deferred_tagged(d, data, len, WASP_CODEC_NONE);
}

void wasp_reply_deferred_drop(wasp_deferred *d) {
    if (d) deferred_complete(d, WASP_ENOREPLY, NULL, 0, 0);
}

/* ---- send_after -------------------------------------------------------------- */

struct delayed {
    wasp_system *sys;
    wasp_send_opts o; /* to / to_name only */
    struct wasp_env *e;
    /* The target known when it was armed (a ref): the letter is counted in
     * its mailbox's timers until it is received there - the ledger of
     * docs/RUNTIME.md. NULL for a pool, a remote or a not yet existing name,
     * resolved when it fires. */
    struct wasp_actor *pin;
    char name[];
};

/* The actor a delayed send is for, if it is one actor here now: by id, or
 * a name that is that actor's own (not a pool's). Referenced, or NULL. */
static struct wasp_actor *delayed_target(wasp_system *sys, const wasp_send_opts *o) {
    if (o->to) return wasp__actor_get(sys, o->to);
    wasp_aid id;
    if (wasp__registry_lookup(sys, o->to_name, &id)) return NULL;
    struct wasp_actor *a = wasp__actor_get(sys, id);
    if (a && (!a->name || strcmp(a->name, o->to_name))) {
        wasp__actor_unref(a);
        a = NULL;
    }
    return a;
}

/* The pinned target lets go of the letter without receiving it (cancelled,
 * or the name now belongs to another actor). */
static void delayed_unpin(struct delayed *d) {
    if (!d->pin) return;
    wasp__mailbox_untime(&d->pin->mb, d->e);
    wasp__actor_unref(d->pin);
    d->pin = NULL;
}

/* A delayed message that will never be delivered, logged under its target's
 * name or id; counted on a (its target) when there is one. */
static void delayed_dead(struct delayed *d, struct wasp_actor *a, int status) {
    char id[32];
    if (!d->o.to_name) snprintf(id, sizeof(id), "%#llx", (unsigned long long)d->o.to);
    if (a) wasp__dead_letter_unqueued(d->sys, a, d->e, status);
    else wasp__dead_letter_to(d->sys, NULL, d->o.to_name ? d->o.to_name : id, d->e, status);
    d->e = NULL;
}

/* A delayed message for a name served elsewhere: handed to the router. */
static int delayed_remote(struct delayed *d) {
    wasp_send_opts o = d->o;
    o.data = d->e->data;
    o.len = d->e->len;
    o.priority = (d->e->flags & WASP_MSG_HIGH) ? WASP_PRIO_HIGH : WASP_PRIO_NORMAL;
    o.codec = d->e->codec;
    int rc = wasp__remote_route(d->sys, &o, d->e->sender, 0, NULL, NULL);
    if (rc == WASP_OK) {
        wasp__env_free(d->e);
        d->e = NULL;
    }
    return rc;
}

static void delayed_free(struct delayed *d) {
    if (d->pin) wasp__actor_unref(d->pin);
    free(d);
}

static void delayed_fire(void *arg) {
    struct delayed *d = arg;
    int rc = WASP_OK;
    struct wasp_actor *a = d->pin;
    if (a && d->o.to_name && atomic_load(&a->lstate) == WASP_STATE_TERMINATED) {
        /* its name may have a new owner: the letter follows the name */
        struct wasp_actor *now = delayed_target(d->sys, &d->o);
        if (now && now != a) delayed_unpin(d);
        if (now) wasp__actor_unref(now);
        a = d->pin;
    }
    if (a) wasp__actor_ref(a);
    else a = resolve(d->sys, &d->o, NULL, &rc);
    if (a && (rc = wasp__deliver(a, d->e)) == WASP_OK) d->e = NULL;
    else if (!a && goes_remote(d->sys, &d->o, rc)) rc = delayed_remote(d);
    if (d->e) delayed_dead(d, a, rc);
    if (a) wasp__actor_unref(a);
    delayed_free(d);
}

/* Cancelled (never sent: not a dead letter), or still pending when the system
 * stops (accepted for delivery and never delivered: a dead letter, counted
 * on its target). */
static void delayed_drop(void *arg) {
    struct delayed *d = arg;
    if (atomic_load(&d->sys->timers_draining)) {
        delayed_dead(d, d->pin, WASP_ESTOPPED);
    } else {
        delayed_unpin(d);
        wasp__env_free(d->e);
    }
    delayed_free(d);
}

int wasp_send_after(wasp_system *sys, const wasp_send_opts *o, uint64_t delay_ns, uint64_t *timer) {
    int rc = check_opts(sys, o);
    if (rc) return rc;
    if (atomic_load(&sys->state) >= WASP_SYS_STOPPING) return WASP_ESTOPPED;
    size_t nlen = o->to ? 0 : strlen(o->to_name) + 1;
    struct delayed *d = malloc(sizeof(*d) + nlen);
    if (!d) return WASP_ENOMEM;
    d->sys = sys;
    memset(&d->o, 0, sizeof(d->o));
    d->o.to = o->to;
    if (nlen) {
        memcpy(d->name, o->to_name, nlen);
        d->o.to_name = d->name;
    }
    if (!(d->e = env_from_opts(sys, o, delay_ns))) {
        free(d);
        return WASP_ENOMEM;
    }
    if ((d->pin = delayed_target(sys, o))) {
        d->e->timed = true;
        atomic_fetch_add_explicit(&d->pin->mb.timers, 1, memory_order_relaxed);
    }
    uint64_t t = wasp__timers_schedule(sys->timers, delay_ns, delayed_fire, delayed_drop, d);
    if (!t) {
        delayed_unpin(d);
        env_discard(d->e);
        free(d);
        return WASP_ESTOPPED;
    }
    if (timer) *timer = t;
    return WASP_OK;
}

int wasp_timer_cancel(wasp_system *sys, uint64_t timer) {
    if (!sys || !timer) return WASP_ENOENT;
    return wasp__timers_cancel(sys->timers, timer) ? WASP_OK : WASP_ENOENT;
}
