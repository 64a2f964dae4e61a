/* supervisor.c - OTP-style supervisors built on the public runtime API.
 *
 * A supervisor is an actor whose state is a struct wasp_supervisor. Its
 * children are monitored; the monitor callback only sends an exit event to
 * the supervisor's mailbox, so every decision is taken on the supervisor's
 * own handler, one message at a time (no locking for the control state).
 * Delayed restarts are wasp_send_after messages to itself, so back-off never
 * blocks a worker. The mutex only guards what outside readers see (child
 * table, history, counters).
 *
 * Child life: RUNNING -> (crash) FAILED -> restart (wasp_actor_restart keeps
 * the mailbox) or stop; RUNNING -> (stop requested) STOPPING -> (termination
 * event) DOWN -> spawn. A child with `pending` set is to be (re)started once
 * it is not STOPPING, its ready time has come and (for one_for_all and
 * rest_for_one) every earlier pending child has started.
 *
 * This file is the supervisor actor (child table, starts, stops, restart
 * decisions, strategies). Back-off and the intensity window are in
 * supervisor_backoff.c, spec copies in supervisor_spec.c, health checks in
 * supervisor_health.c, the public calls in supervisor_api.c; shared types in
 * supervisor_internal.h.
 */
#include "supervisor_internal.h"

/* ---- published state ------------------------------------------------------------ */

static void set_status(struct wasp_supervisor *s, struct child *c, int st, wasp_aid aid) {
    pthread_mutex_lock(&s->mu);
    c->status = st;
    c->aid = aid;
    pthread_mutex_unlock(&s->mu);
}

static void history_add(struct wasp_supervisor *s, const char *child, int reason, uint64_t now,
                        uint64_t delay) {
    pthread_mutex_lock(&s->mu);
    size_t i = (s->hist_head + s->hist_len) % WASP_SUP_HISTORY;
    if (s->hist_len == WASP_SUP_HISTORY) s->hist_head = (s->hist_head + 1) % WASP_SUP_HISTORY;
    else s->hist_len++;
    wasp_restart_record *r = &s->hist[i];
    snprintf(r->child, sizeof(r->child), "%s", child);
    r->reason = reason;
    r->time_ns = now;
    r->delay_ns = delay;
    pthread_mutex_unlock(&s->mu);
}

static struct child *find_aid(struct wasp_supervisor *s, wasp_aid aid) {
    if (!aid) return NULL;
    for (size_t i = 0; i < s->nkids; i++)
        if (s->kids[i].aid == aid) return &s->kids[i];
    return NULL;
}

struct child *sup_find_uid(struct wasp_supervisor *s, uint64_t uid) {
    for (size_t i = 0; i < s->nkids; i++)
        if (s->kids[i].uid == uid) return &s->kids[i];
    return NULL;
}

struct child *sup_find_name(const struct wasp_supervisor *s, const char *name) {
    for (size_t i = 0; i < s->nkids; i++)
        if (!strcmp(s->kids[i].name, name)) return &s->kids[i];
    return NULL;
}

/* Appends (taking ownership of c's fields). */
static struct child *kids_push(struct wasp_supervisor *s, const struct child *c) {
    pthread_mutex_lock(&s->mu);
    if (s->nkids == s->capkids) {
        size_t cap = s->capkids ? s->capkids * 2 : 8;
        struct child *k = realloc(s->kids, cap * sizeof(*k));
        if (!k) {
            pthread_mutex_unlock(&s->mu);
            return NULL;
        }
        s->kids = k;
        s->capkids = cap;
    }
    struct child *n = &s->kids[s->nkids++];
    *n = *c;
    n->uid = ++s->next_uid;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void kids_remove(struct wasp_supervisor *s, struct child *c) {
    if (c->timer) wasp_timer_cancel(s->sys, c->timer);
    if (c->drain_timer) wasp_timer_cancel(s->sys, c->drain_timer);
    sup_health_cancel(s, c);
    pthread_mutex_lock(&s->mu);
    size_t i = (size_t)(c - s->kids);
    struct wasp_supervisor *sub = s->kids[i].sub;
    bool owned = s->kids[i].owns_sub; /* dynamically added nested supervisor */
    free(s->kids[i].name);
    memmove(&s->kids[i], &s->kids[i + 1], (s->nkids - i - 1) * sizeof(*c));
    s->nkids--;
    if (owned) {
        struct wasp_supervisor **g = realloc(s->graveyard, (s->ngrave + 1) * sizeof(*g));
        if (g) {
            s->graveyard = g;
            s->graveyard[s->ngrave++] = sub;
        } /* else leaked rather than freed while possibly in use */
    }
    pthread_mutex_unlock(&s->mu);
}

/* ---- the actor ------------------------------------------------------------------- */

static int sup_handle(wasp_ctx *ctx, const wasp_msg *msg);
static int sup_started(wasp_ctx *ctx);
static void sup_stopped(wasp_ctx *ctx, int reason);

/* How the runtime recognises a supervisor's actor (internal.h). */
const wasp_handle_fn wasp_supervisor_handler = sup_handle;

static void on_child_exit(wasp_system *sys, wasp_aid id, int reason, void *arg) {
    wasp_aid sup = (wasp_aid)(uintptr_t)arg;
    struct sup_event ev = {.kind = EV_EXIT, .reason = reason, .aid = id};
    wasp_actor_stats st;
    if (reason == WASP_EXIT_CRASH && wasp_actor_stats_get(sys, id, &st) == WASP_OK)
        ev.crashes = st.crashes;
    wasp_send_opts o = {.to = sup, .data = &ev, .len = sizeof(ev), .priority = WASP_PRIO_HIGH};
    (void)wasp_send_ex(sys, &o);
}

int sup_spawn_actor(struct wasp_supervisor *s, wasp_aid *out) {
    wasp_actor_spec a = {.name = s->name, .handle = sup_handle, .started = sup_started,
                         .stopped = sup_stopped, .state = s, .mailbox_capacity = 1u << 24};
    return wasp_spawn(s->sys, &a, out);
}

/* Starts (or restarts) one child. WASP_OK or an error (start failure). */
static int child_start(struct wasp_supervisor *s, struct child *c) {
    wasp_aid aid = 0;
    int rc;
    c->health_killed = false;
    if (c->status == ST_FAILED && c->aid) {
        rc = wasp_actor_restart(s->sys, c->aid, c->sub ? NULL : &c->actor);
        if (rc == WASP_OK) {
            c->started_at = wasp_system_now(s->sys);
            set_status(s, c, ST_RUNNING, c->aid);
            sup_health_on_start(s, c);
            return WASP_OK;
        }
        if (rc != WASP_ENOENT) return rc; /* still failed (or not failed any more) */
        set_status(s, c, ST_DOWN, 0);
    }
    if (c->sub) rc = sup_spawn_actor(c->sub, &aid);
    else rc = wasp_spawn(s->sys, &c->actor, &aid);
    if (rc != WASP_OK) return rc;
    c->seen_crashes = 0;
    c->started_at = wasp_system_now(s->sys);
    set_status(s, c, ST_RUNNING, aid);
    if (c->sub) c->sub->aid = aid;
    sup_health_on_start(s, c);
    rc = wasp_actor_monitor(s->sys, aid, on_child_exit, (void *)(uintptr_t)s->aid, NULL);
    if (rc != WASP_OK) { /* already terminating: its exit will never be reported */
        set_status(s, c, ST_DOWN, 0);
        return WASP_OK; /* treated as a normal exit by the caller's next pump */
    }
    wasp_actor_stats st;
    if (wasp_actor_stats_get(s->sys, aid, &st) == WASP_OK && st.state == WASP_STATE_FAILED &&
        st.crashes > c->seen_crashes) {
        /* crashed before the monitor was in place */
        struct sup_event ev = {.kind = EV_EXIT, .reason = WASP_EXIT_CRASH, .aid = aid,
                               .crashes = st.crashes};
        wasp_send_opts o = {.to = s->aid, .data = &ev, .len = sizeof(ev), .priority = WASP_PRIO_HIGH};
        (void)wasp_send_ex(s->sys, &o);
    }
    return WASP_OK;
}

/* Requests the stop of child c (STOPPING until its termination event). */
void sup_child_stop(struct wasp_supervisor *s, struct child *c) {
    if (c->status != ST_RUNNING && c->status != ST_FAILED) return;
    set_status(s, c, ST_STOPPING, c->aid);
    int rc = wasp_actor_stop(s->sys, c->aid);
    if (rc == WASP_ENOENT) set_status(s, c, ST_DOWN, 0);
}

static bool any_stopping(struct wasp_supervisor *s) {
    for (size_t i = 0; i < s->nkids; i++)
        if (s->kids[i].status == ST_STOPPING) return true;
    return false;
}

static void arm_timer(struct wasp_supervisor *s, struct child *c, uint64_t now) {
    if (c->armed) return;
    struct sup_event ev = {.kind = EV_TIMER, .uid = c->uid};
    wasp_send_opts o = {.to = s->aid, .data = &ev, .len = sizeof(ev)};
    uint64_t id = 0;
    if (wasp_send_after(s->sys, &o, c->ready_at - now, &id) == WASP_OK) {
        c->armed = true;
        c->timer = id;
    }
}

/* ---- draining: a nested supervisor's tree must be gone before it restarts ---- */

/* Stopping a nested supervisor only requests its children's stops (from its
 * `stopped` hook); a child busy in a long handler outlives it. Starting the
 * nested supervisor again before that child is gone would find its name
 * taken. So a terminated nested supervisor is "draining" until every actor
 * of its old tree has terminated: we monitor them (their exit events wake us)
 * and, for any we cannot monitor (already terminating), poll with a timer.
 * The old tree's tables are stable: its supervisors' actors are gone. */
static bool tree_live(struct wasp_supervisor *s, struct wasp_supervisor *sub, bool watch,
                      bool *unwatched) {
    bool live = false;
    pthread_mutex_lock(&sub->mu);
    for (size_t i = 0; i < sub->nkids; i++) {
        struct child *k = &sub->kids[i];
        wasp_actor_stats st;
        if (k->aid && wasp_actor_stats_get(s->sys, k->aid, &st) == WASP_OK &&
            st.state != WASP_STATE_TERMINATED) {
            live = true;
            if (watch && wasp_actor_monitor(s->sys, k->aid, on_child_exit,
                                            (void *)(uintptr_t)s->aid, NULL) != WASP_OK)
                *unwatched = true;
        }
        if (k->sub && tree_live(s, k->sub, watch, unwatched)) live = true;
    }
    pthread_mutex_unlock(&sub->mu);
    return live;
}

static void drain_poll(struct wasp_supervisor *s, struct child *c) {
    struct sup_event ev = {.kind = EV_DRAIN, .uid = c->uid};
    wasp_send_opts o = {.to = s->aid, .data = &ev, .len = sizeof(ev), .priority = WASP_PRIO_HIGH};
    uint64_t id = 0;
    c->drain_timer = wasp_send_after(s->sys, &o, 1000000, &id) == WASP_OK ? id : 0;
}

/* Nested supervisor c is gone; if its old tree is not, wait for it (true).
 * was/reason: what to conclude once it is (see child_terminated). */
static bool drain_begin(struct wasp_supervisor *s, struct child *c, int was, int reason) {
    bool unwatched = false;
    if (!c->sub || c->draining || !tree_live(s, c->sub, true, &unwatched)) return false;
    c->draining = true;
    c->drain_was = was;
    c->drain_reason = reason;
    set_status(s, c, ST_STOPPING, c->aid);
    if (unwatched) drain_poll(s, c);
    return true;
}

/* Child c's actor terminated: it is down now, or draining. */
static void child_terminated(struct wasp_supervisor *s, struct child *c, int was, int reason) {
    if (drain_begin(s, c, was, reason)) return;
    c->draining = false;
    set_status(s, c, ST_DOWN, 0);
    if (c->remove_when_down) {
        kids_remove(s, c);
        return;
    }
    if (was != ST_STOPPING && !c->pending) sup_child_crashed(s, c, reason);
}

/* After any event: finish the drains whose trees are gone. */
static void drain_check(struct wasp_supervisor *s) {
    for (size_t i = 0; i < s->nkids; i++) {
        struct child *c = &s->kids[i];
        if (!c->draining) continue;
        bool unwatched = false;
        if (tree_live(s, c->sub, false, &unwatched)) continue;
        if (c->drain_timer) wasp_timer_cancel(s->sys, c->drain_timer);
        c->drain_timer = 0;
        c->draining = false;
        child_terminated(s, c, c->drain_was, c->drain_reason);
        i = (size_t)-1; /* the table may have changed */
    }
}

/* Starts every pending child that may start now. */
static void pump(struct wasp_supervisor *s) {
    if (s->giving_up || s->terminating) return;
    for (size_t i = 0; i < s->nkids; i++) {
        struct child *c = &s->kids[i];
        if (!c->pending) continue;
        uint64_t now = wasp_system_now(s->sys);
        bool ordered = s->strategy != WASP_SUP_ONE_FOR_ONE;
        if (c->status == ST_STOPPING) {
            if (ordered) return;
            continue;
        }
        if (now < c->ready_at) {
            arm_timer(s, c, now);
            if (ordered) return;
            continue;
        }
        /* e.g. a retry after a failed start, whose children may still be terminating */
        if (c->status == ST_DOWN && drain_begin(s, c, ST_STOPPING, WASP_EXIT_NORMAL)) {
            if (ordered) return;
            continue;
        }
        int rc = child_start(s, c);
        if (rc == WASP_OK) {
            c->pending = false;
            continue;
        }
        /* start failure: another restart of this child, subject to intensity */
        if (c->status != ST_FAILED) set_status(s, c, ST_DOWN, 0);
        sup_child_crashed(s, c, WASP_EXIT_START_FAILED);
        if (s->giving_up) return;
        i = (size_t)-1; /* the table may have changed: look again from the start */
    }
}

static void give_up_begin(struct wasp_supervisor *s) {
    s->giving_up = true;
    for (size_t i = s->nkids; i-- > 0;) {
        struct child *c = &s->kids[i];
        c->pending = false;
        if (c->armed && c->timer) wasp_timer_cancel(s->sys, c->timer);
        c->armed = false;
        sup_health_cancel(s, c);
        sup_child_stop(s, c);
    }
}

/* Decides what child c's exit means. reason: WASP_EXIT_* */
void sup_child_crashed(struct wasp_supervisor *s, struct child *c, int reason) {
    bool crash = reason == WASP_EXIT_CRASH || reason == WASP_EXIT_START_FAILED ||
                 reason == WASP_SUP_REASON_HEALTH;
    if (s->giving_up || s->terminating) return;
    bool restart = reason != WASP_EXIT_SHUTDOWN &&
                   (c->restart == WASP_RESTART_PERMANENT ||
                    (c->restart == WASP_RESTART_TRANSIENT && crash));
    if (!restart) {
        if (c->restart == WASP_RESTART_TEMPORARY) {
            if (c->status == ST_DOWN) kids_remove(s, c);
            else {
                c->remove_when_down = true;
                sup_child_stop(s, c);
            }
        }
        return;
    }
    uint64_t now = wasp_system_now(s->sys);
    if (sup_window_add(s, now)) {
        give_up_begin(s);
        return;
    }
    if (now - c->started_at >= s->period_ns && reason != WASP_EXIT_START_FAILED) c->consecutive = 0;
    c->consecutive++;
    uint64_t delay = sup_backoff_jittered(s, c->consecutive);
    atomic_fetch_add(&s->restarts, 1);
    pthread_mutex_lock(&s->mu);
    c->restarts++;
    pthread_mutex_unlock(&s->mu);
    history_add(s, c->name, reason, now, delay);
    size_t idx = (size_t)(c - s->kids);
    size_t from = s->strategy == WASP_SUP_ONE_FOR_ALL ? 0 : idx;
    size_t to = s->strategy == WASP_SUP_ONE_FOR_ONE ? idx + 1 : s->nkids;
    for (size_t j = to; j-- > from;) { /* stop the others in reverse order */
        struct child *o = &s->kids[j];
        if (o == c) continue;
        if (o->restart == WASP_RESTART_TEMPORARY) {
            o->remove_when_down = true;
            o->pending = false;
        }
        sup_child_stop(s, o);
    }
    for (size_t j = from; j < to && j < s->nkids; j++) {
        struct child *o = &s->kids[j];
        if (o->remove_when_down) continue;
        if (o->pending && o->ready_at > now + delay) continue;
        o->pending = true;
        o->ready_at = now + delay;
        if (o->armed && o->timer) wasp_timer_cancel(s->sys, o->timer);
        o->armed = false;
    }
    /* temporary children already down can go now */
    for (size_t j = s->nkids; j-- > 0;)
        if (s->kids[j].remove_when_down && s->kids[j].status == ST_DOWN) kids_remove(s, &s->kids[j]);
}

static int handle_exit(struct wasp_supervisor *s, const struct sup_event *ev) {
    struct child *c = find_aid(s, ev->aid);
    if (!c) return 0; /* e.g. a draining tree's actor: drain_check follows */
    if (ev->reason == WASP_EXIT_START_FAILED) return 0; /* seen synchronously */
    if (ev->reason == WASP_EXIT_CRASH) {
        if (c->status != ST_RUNNING || ev->crashes <= c->seen_crashes) return 0;
        c->seen_crashes = ev->crashes;
        int why = c->health_killed ? WASP_SUP_REASON_HEALTH : WASP_EXIT_CRASH;
        c->health_killed = false;
        set_status(s, c, ST_FAILED, c->aid);
        if (s->giving_up) {
            sup_child_stop(s, c);
            return 0;
        }
        sup_child_crashed(s, c, why);
        return 0;
    }
    /* terminated */
    if (c->draining) return 0; /* a second report of the same termination */
    child_terminated(s, c, c->status, ev->reason);
    return 0;
}

static int handle_add(struct wasp_supervisor *s, struct child *nc) {
    int rc = WASP_OK;
    if (s->giving_up || s->terminating) rc = WASP_ESTOPPED;
    else if (sup_find_name(s, nc->name)) rc = WASP_EEXIST;
    struct child *c = rc == WASP_OK ? kids_push(s, nc) : NULL;
    if (!c) {
        free(nc->name);
        if (nc->sub) sup_free(nc->sub);
        return rc == WASP_OK ? WASP_ENOMEM : rc;
    }
    rc = child_start(s, c);
    if (rc != WASP_OK) {
        kids_remove(s, c);
        return rc == WASP_ECRASH || rc == WASP_EEXIST || rc == WASP_ENOMEM ? rc : WASP_ECRASH;
    }
    return WASP_OK;
}

static int handle_remove(struct wasp_supervisor *s, const char *name) {
    struct child *c = sup_find_name(s, name);
    if (!c) return WASP_ENOENT;
    c->pending = false;
    if (c->status == ST_DOWN) kids_remove(s, c);
    else {
        c->remove_when_down = true;
        sup_child_stop(s, c);
        c = sup_find_name(s, name); /* the stop may have terminated it inline */
        if (c && c->status == ST_DOWN) kids_remove(s, c);
    }
    return WASP_OK;
}

static int sup_handle(wasp_ctx *ctx, const wasp_msg *msg) {
    struct wasp_supervisor *s = wasp_ctx_state(ctx);
    if (msg->len != sizeof(struct sup_event)) return 0;
    struct sup_event ev;
    memcpy(&ev, msg->data, sizeof(ev));
    switch (ev.kind) {
    case EV_EXIT:
        handle_exit(s, &ev);
        break;
    case EV_TIMER: {
        struct child *c = sup_find_uid(s, ev.uid);
        if (c) {
            c->armed = false;
            c->timer = 0;
        }
        break;
    }
    case EV_DRAIN: {
        struct child *c = sup_find_uid(s, ev.uid);
        if (c) {
            c->drain_timer = 0;
            if (c->draining) drain_poll(s, c); /* drain_check below may cancel it */
        }
        break;
    }
    case EV_HPOLL:
    case EV_HRESULT:
    case EV_HTIMEOUT:
        sup_health_event(s, &ev);
        break;
    case EV_ADD: {
        int rc = handle_add(s, ev.ptr);
        char b = (char)rc;
        wasp_reply(ctx, &b, 1);
        break;
    }
    case EV_REMOVE: {
        int rc = handle_remove(s, ev.ptr);
        char b = (char)rc;
        wasp_reply(ctx, &b, 1);
        break;
    }
    default:
        return 0;
    }
    drain_check(s);
    pump(s);
    if (s->giving_up && !any_stopping(s)) {
        if (!atomic_exchange(&s->gave_up, true)) {
            if (!s->parent && s->on_give_up) s->on_give_up(s, s->give_up_arg);
        }
        return WASP_ECRASH; /* fail to the parent */
    }
    return 0;
}

/* A new incarnation: a fresh child table from the spec, started in order. */
static int sup_started(wasp_ctx *ctx) {
    struct wasp_supervisor *s = wasp_ctx_state(ctx);
    s->aid = wasp_ctx_self(ctx);
    while (s->nkids) kids_remove(s, &s->kids[s->nkids - 1]); /* dynamic ones are lost */
    s->win_len = 0;
    s->win_head = 0;
    s->giving_up = false;
    s->terminating = false;
    atomic_store(&s->gave_up, false);
    for (size_t i = 0; i < s->ninitial; i++) {
        struct child c = s->initial[i];
        c.name = strdup(c.name);
        if (!c.name) goto fail;
        c.actor.name = c.name;
        c.status = ST_DOWN;
        c.aid = 0;
        struct child *k = kids_push(s, &c);
        if (!k) {
            free(c.name);
            goto fail;
        }
        if (child_start(s, k) != WASP_OK) goto fail;
    }
    return 0;
fail:
    s->terminating = true;
    for (size_t i = s->nkids; i-- > 0;) sup_child_stop(s, &s->kids[i]);
    return WASP_ECRASH;
}

static void sup_stopped(wasp_ctx *ctx, int reason) {
    struct wasp_supervisor *s = wasp_ctx_state(ctx);
    if (reason == WASP_EXIT_CRASH) return; /* children were stopped while giving up */
    s->terminating = true;
    for (size_t i = s->nkids; i-- > 0;) {
        struct child *c = &s->kids[i];
        if (c->armed && c->timer) wasp_timer_cancel(s->sys, c->timer);
        if (c->drain_timer) wasp_timer_cancel(s->sys, c->drain_timer);
        c->armed = false;
        c->pending = false;
        c->drain_timer = 0;
        sup_health_cancel(s, c);
        sup_child_stop(s, c);
    }
}
