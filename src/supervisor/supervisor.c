/* supervisor.c - OTP-style supervisors built on the runtime.
 *
 * A supervisor is a runtime actor whose state is a struct wasp_supervisor.
 * Its children are monitored; the monitor callback only queues an exit
 * event for the supervisor on the runtime's own channel (events.h), so every
 * decision is taken by the supervisor's event hook, one event at a time (no
 * locking for the control state), and no message can pose as an event.
 * Delayed restarts and stop timeouts are timed events to itself, so nothing
 * ever blocks a worker. The mutex only guards what outside readers see.
 *
 * Identity: children are spawned SUPERVISED, so whatever ends an incarnation
 * (crash, normal exit, a stop for a restart) leaves the actor FAILED with
 * its id, name, mailbox and counters; a restart is wasp_actor_restart on the
 * same identity. Only a final stop (the tree stops, a temporary or transient
 * child is done, remove_child) terminates it.
 *
 * Stopping (OTP): children stop one at a time, in the order of the stop
 * queue (reverse child order), each asked to finish the message in hand and
 * waited for up to its stop timeout, then killed. A group (one_for_all,
 * rest_for_one) restarts only once the queue is empty. A nested supervisor
 * is stopped by an EV_SHUTDOWN event: it stops its own children in order
 * first, then exits.
 *
 * Files: back-off and the intensity window in supervisor_backoff.c, spec
 * copies in supervisor_spec.c, health checks in supervisor_health.c, the
 * public calls in supervisor_api.c; shared types in supervisor_internal.h.
 */
#include <stdarg.h>

#include "core/str.h"
#include "supervisor/supervisor_internal.h"

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
    wasp__str_copy(r->child, sizeof(r->child), child);
    r->reason = reason;
    r->time_ns = now;
    r->delay_ns = delay;
    pthread_mutex_unlock(&s->mu);
}

void wasp__sup_report(struct wasp_supervisor *s, int level, const char *fmt, ...) {
    if (!wasp_log_enabled(s->sys, level)) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    wasp_log(s->sys, level, s->name, "%s", line);
}

static const char *exit_text(int reason) {
    switch (reason) {
    case WASP_EXIT_NORMAL: return "exited normally";
    case WASP_EXIT_SHUTDOWN: return "shut down";
    case WASP_EXIT_CRASH: return "crashed";
    case WASP_EXIT_START_FAILED: return "failed to start";
    case WASP_SUP_REASON_HEALTH: return "failed its health check";
    default: return "exited";
    }
}

static struct child *find_aid(struct wasp_supervisor *s, wasp_aid aid) {
    if (!aid) return NULL;
    for (size_t i = 0; i < s->nkids; i++)
        if (s->kids[i].aid == aid) return &s->kids[i];
    return NULL;
}

struct child *wasp__sup_find_uid(struct wasp_supervisor *s, uint64_t uid) {
    for (size_t i = 0; i < s->nkids; i++)
        if (s->kids[i].uid == uid) return &s->kids[i];
    return NULL;
}

struct child *wasp__sup_find_name(const struct wasp_supervisor *s, const char *name) {
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

/* Answers a waiting wasp_supervisor_remove_child. */
static void removed_reply(struct child *c) {
    if (!c->removed) return;
    wasp__completion_finish(c->removed, WASP_OK, NULL, 0, 0);
    wasp__completion_unref(c->removed);
    c->removed = NULL;
}

static void kids_remove(struct wasp_supervisor *s, struct child *c) {
    removed_reply(c);
    if (c->timer) wasp_timer_cancel(s->sys, c->timer);
    if (c->stop_timer) wasp_timer_cancel(s->sys, c->stop_timer);
    wasp__sup_health_cancel(s, c);
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
static int sup_event(wasp_ctx *ctx, const struct wasp_event *ev);

int wasp__sup_notify(wasp_system *sys, wasp_aid sup, const struct sup_event *ev) {
    return wasp__event_send(sys, sup, WASP_EVT_CALL, ev, sizeof(*ev));
}

/* A timer id, or 0 if it could not be armed (system stopping). */
uint64_t wasp__sup_notify_after(struct wasp_supervisor *s, const struct sup_event *ev, uint64_t delay_ns) {
    uint64_t id = 0;
    return wasp__event_after(s->sys, s->aid, WASP_EVT_CALL, ev, sizeof(*ev), delay_ns, &id) == WASP_OK
               ? id
               : 0;
}

static void on_child_exit(wasp_system *sys, wasp_aid id, int reason, void *arg) {
    struct sup_event ev = {.kind = EV_EXIT, .reason = reason, .aid = id};
    wasp_actor_stats st;
    if (wasp_actor_stats_get(sys, id, &st) == WASP_OK) {
        ev.failed = st.state == WASP_STATE_FAILED;
        ev.inc = st.restarts;
    }
    wasp__sup_notify(sys, (wasp_aid)(uintptr_t)arg, &ev);
}

int wasp__sup_spawn_actor(struct wasp_supervisor *s, wasp_aid *out) {
    wasp_actor_spec a = {.name = s->name, .handle = sup_handle, .started = sup_started,
                         .stopped = sup_stopped, .state = s, .mailbox_capacity = 1024};
    unsigned flags = s->parent ? WASP__SPAWN_SUPERVISED : WASP__SPAWN_STOP_FIRST;
    return wasp__spawn_runtime(s->sys, &a, sup_event, flags, out);
}

static uint64_t actor_inc(wasp_system *sys, wasp_aid aid) {
    wasp_actor_stats st;
    return wasp_actor_stats_get(sys, aid, &st) == WASP_OK ? st.restarts : 0;
}

/* Starts (or restarts, on the same identity) one child. WASP_OK or an
 * error (start failure). */
static int child_start(struct wasp_supervisor *s, struct child *c) {
    wasp_aid aid = 0;
    int rc;
    c->health_killed = false;
    if (c->status == ST_FAILED && c->aid) {
        rc = wasp_actor_restart(s->sys, c->aid, c->sub ? NULL : &c->actor);
        if (rc == WASP_OK) {
            c->inc = actor_inc(s->sys, c->aid);
            c->started_at = wasp_system_now(s->sys);
            set_status(s, c, ST_RUNNING, c->aid);
            wasp__sup_health_on_start(s, c);
            return WASP_OK;
        }
        if (rc != WASP_ENOENT) return rc; /* still failed (or not failed any more) */
        set_status(s, c, ST_DOWN, 0);
    }
    if (c->sub) rc = wasp__sup_spawn_actor(c->sub, &aid);
    else rc = wasp__spawn_runtime(s->sys, &c->actor, NULL, WASP__SPAWN_SUPERVISED, &aid);
    if (rc != WASP_OK) return rc;
    c->inc = 0;
    c->started_at = wasp_system_now(s->sys);
    set_status(s, c, ST_RUNNING, aid);
    if (c->sub) c->sub->aid = aid;
    wasp__sup_health_on_start(s, c);
    rc = wasp_actor_monitor(s->sys, aid, on_child_exit, (void *)(uintptr_t)s->aid, NULL);
    if (rc != WASP_OK) { /* already terminating: its exit will never be reported */
        set_status(s, c, ST_DOWN, 0);
        return WASP_OK; /* treated as a normal exit by the caller's next pump */
    }
    wasp_actor_stats st;
    if (wasp_actor_stats_get(s->sys, aid, &st) == WASP_OK && st.state == WASP_STATE_FAILED) {
        /* failed before the monitor was in place */
        struct sup_event ev = {.kind = EV_EXIT, .reason = WASP_EXIT_CRASH, .aid = aid,
                               .failed = true, .inc = st.restarts};
        wasp__sup_notify(s->sys, s->aid, &ev);
    }
    return WASP_OK;
}

/* ---- stopping: one at a time, in queue order ------------------------------------- */

void wasp__sup_tree_kill(struct wasp_supervisor *sub) {
    pthread_mutex_lock(&sub->mu);
    for (size_t i = sub->nkids; i-- > 0;) {
        struct child *k = &sub->kids[i];
        if (k->sub) wasp__sup_tree_kill(k->sub);
        if (k->aid) (void)wasp_actor_stop(sub->sys, k->aid);
        k->status = ST_DOWN;
        k->aid = 0;
        k->pending = false;
    }
    pthread_mutex_unlock(&sub->mu);
}

/* Ends the identity of child c, which is not running (FAILED), here. */
static void terminate_failed(struct wasp_supervisor *s, struct child *c) {
    if (c->sub) wasp__sup_tree_kill(c->sub);
    if (c->aid) (void)wasp_actor_stop(s->sys, c->aid);
    set_status(s, c, ST_DOWN, 0);
}

/* Child c is down (DOWN, or FAILED after a retire): forget it if asked to. */
static void child_settled(struct wasp_supervisor *s, struct child *c) {
    c->stop_mode = STOP_NONE;
    if (c->remove_when_down && c->status == ST_DOWN) kids_remove(s, c);
}

static bool queued(struct wasp_supervisor *s, uint64_t uid) {
    for (size_t i = 0; i < s->nstopq; i++)
        if (s->stopq[i] == uid) return true;
    return false;
}

void wasp__sup_stop_enqueue(struct wasp_supervisor *s, struct child *c, int mode) {
    if (mode > c->stop_mode) c->stop_mode = mode;
    if (c->uid == s->stopping_uid || queued(s, c->uid)) return;
    if (c->status == ST_DOWN) {
        child_settled(s, c);
        return;
    }
    if (c->status == ST_FAILED) { /* not running: nothing to wait for */
        if (c->stop_mode == STOP_TERMINATE) terminate_failed(s, c);
        child_settled(s, c);
        return;
    }
    if (s->nstopq == s->capstopq) {
        size_t cap = s->capstopq ? s->capstopq * 2 : 8;
        uint64_t *q = realloc(s->stopq, cap * sizeof(*q));
        if (!q) return; /* out of memory: the fallback in sup_stopped catches it */
        s->stopq = q;
        s->capstopq = cap;
    }
    s->stopq[s->nstopq++] = c->uid;
}

/* Starts the next queued stop if none is in progress. */
static void stop_next(struct wasp_supervisor *s) {
    while (!s->stopping_uid && s->nstopq) {
        uint64_t uid = s->stopq[0];
        memmove(s->stopq, s->stopq + 1, (--s->nstopq) * sizeof(*s->stopq));
        struct child *c = wasp__sup_find_uid(s, uid);
        if (!c) continue;
        if (c->status != ST_RUNNING) {
            int mode = c->stop_mode;
            c->stop_mode = STOP_NONE;
            wasp__sup_stop_enqueue(s, c, mode); /* settles it at once */
            continue;
        }
        wasp__sup_health_cancel(s, c);
        set_status(s, c, ST_STOPPING, c->aid);
        s->stopping_uid = uid;
        if (c->sub) {
            struct sup_event ev = {.kind = EV_SHUTDOWN, .reason = c->stop_mode};
            /* no memory to ask: end it at once (its `stopped` hook asks its children) */
            if (wasp__sup_notify(s->sys, c->aid, &ev) != WASP_OK) (void)wasp_actor_stop(s->sys, c->aid);
            continue;
        }
        int rc = wasp__actor_retire(s->sys, c->aid); /* the message in hand is finished first */
        if (rc == WASP_OK) {
            struct sup_event ev = {.kind = EV_STOP_TIMEOUT, .uid = uid, .seq = ++c->stop_seq};
            c->stop_timer = wasp__sup_notify_after(s, &ev, c->stop_timeout_ns);
        } else if (rc == WASP_ENOENT) { /* gone */
            s->stopping_uid = 0;
            set_status(s, c, ST_DOWN, 0);
            child_settled(s, c);
        } /* else failed or terminating already: its exit event is on its way */
    }
}

static bool stops_busy(const struct wasp_supervisor *s) { return s->stopping_uid || s->nstopq; }

/* The child being stopped is down: settle it, the queue moves on. */
static void stop_done(struct wasp_supervisor *s, struct child *c, bool failed) {
    s->stopping_uid = 0;
    if (c->stop_timer) wasp_timer_cancel(s->sys, c->stop_timer);
    c->stop_timer = 0;
    if (!failed) set_status(s, c, ST_DOWN, 0);
    else if (c->stop_mode == STOP_TERMINATE) terminate_failed(s, c);
    else set_status(s, c, ST_FAILED, c->aid);
    child_settled(s, c);
}

static void stop_timeout(struct wasp_supervisor *s, const struct sup_event *ev) {
    struct child *c = wasp__sup_find_uid(s, ev->uid);
    if (!c || c->uid != s->stopping_uid || ev->seq != c->stop_seq) return;
    c->stop_timer = 0;
    wasp__sup_report(s, WASP_LOG_WARN, "child %s did not stop within %llu ms: killed", c->name,
               (unsigned long long)(c->stop_timeout_ns / 1000000));
    (void)wasp_actor_kill(s->sys, c->aid); /* lands when its handler call returns */
}

/* ---- restarts --------------------------------------------------------------------- */

static void arm_timer(struct wasp_supervisor *s, struct child *c, uint64_t now) {
    if (c->armed) return;
    struct sup_event ev = {.kind = EV_TIMER, .uid = c->uid};
    c->timer = wasp__sup_notify_after(s, &ev, c->ready_at - now);
    c->armed = c->timer != 0;
}

static bool system_stopping(const struct wasp_supervisor *s) {
    return wasp__system_stopping(s->sys);
}

/* Starts every pending child that may start now. */
static void pump(struct wasp_supervisor *s) {
    if (s->giving_up || s->terminating || system_stopping(s)) return;
    bool ordered = s->strategy != WASP_SUP_ONE_FOR_ONE;
    if (ordered && stops_busy(s)) return; /* a group restarts once every member is down */
    for (size_t i = 0; i < s->nkids; i++) {
        struct child *c = &s->kids[i];
        if (!c->pending) continue;
        uint64_t now = wasp_system_now(s->sys);
        if (c->status == ST_STOPPING || c->status == ST_RUNNING || queued(s, c->uid)) {
            if (ordered) return;
            continue;
        }
        if (now < c->ready_at) {
            arm_timer(s, c, now);
            if (ordered) return;
            continue;
        }
        int rc = child_start(s, c);
        if (rc == WASP_OK) {
            c->pending = false;
            if (c->failed_at)
                wasp__sup_report(s, WASP_LOG_INFO, "child %s restarted in %llu ms", c->name,
                           (unsigned long long)((wasp_system_now(s->sys) - c->failed_at) / 1000000));
            c->failed_at = 0;
            continue;
        }
        /* start failure: another restart of this child, subject to intensity */
        if (c->status != ST_FAILED) set_status(s, c, ST_DOWN, 0);
        wasp__sup_report(s, WASP_LOG_WARN, "child %s failed to start: %s", c->name, wasp_strerror(rc));
        wasp__sup_child_exited(s, c, WASP_EXIT_START_FAILED);
        return; /* the caller pumps again once the stops it queued are done */
    }
}

static void give_up_begin(struct wasp_supervisor *s) {
    s->giving_up = true;
    wasp__sup_report(s, WASP_LOG_ERROR, "intensity exceeded (more than %u restarts in %llu ms): giving up",
               s->intensity, (unsigned long long)(s->period_ns / 1000000));
    /* a root's tree ends here; a nested one keeps its identities for the
     * parent that may restart it */
    int mode = s->parent ? STOP_RETIRE : STOP_TERMINATE;
    for (size_t i = s->nkids; i-- > 0;) {
        struct child *c = &s->kids[i];
        c->pending = false;
        if (c->armed && c->timer) wasp_timer_cancel(s->sys, c->timer);
        c->armed = false;
        wasp__sup_health_cancel(s, c);
        wasp__sup_stop_enqueue(s, c, mode);
    }
}

/* Decides what child c's exit (reason: WASP_EXIT_*, WASP_SUP_REASON_HEALTH)
 * means. c is FAILED or DOWN, or RUNNING for a nested supervisor whose
 * health check failed (it is stopped first). */
void wasp__sup_child_exited(struct wasp_supervisor *s, struct child *c, int reason) {
    if (s->giving_up || s->terminating || system_stopping(s)) {
        wasp__sup_stop_enqueue(s, c, s->giving_up && s->parent ? STOP_RETIRE : STOP_TERMINATE);
        return;
    }
    bool abnormal = reason == WASP_EXIT_CRASH || reason == WASP_EXIT_START_FAILED ||
                    reason == WASP_SUP_REASON_HEALTH;
    bool restart = c->restart == WASP_RESTART_PERMANENT ||
                   (c->restart == WASP_RESTART_TRANSIENT && abnormal);
    c->failed_at = wasp_system_now(s->sys);
    if (!restart) { /* OTP: shutdown and normal are normal exits for a transient child */
        if (c->restart == WASP_RESTART_TEMPORARY) c->remove_when_down = true;
        c->pending = false;
        wasp__sup_stop_enqueue(s, c, STOP_TERMINATE);
        return;
    }
    uint64_t now = c->failed_at;
    if (wasp__sup_window_add(s, now)) {
        give_up_begin(s);
        return;
    }
    if (now - c->started_at >= s->period_ns && reason != WASP_EXIT_START_FAILED) c->consecutive = 0;
    c->consecutive++;
    uint64_t delay = wasp__sup_backoff_jittered(s, c->consecutive);
    atomic_fetch_add(&s->restarts, 1);
    pthread_mutex_lock(&s->mu);
    c->restarts++;
    pthread_mutex_unlock(&s->mu);
    history_add(s, c->name, reason, now, delay);
    uint64_t cuid = c->uid;
    size_t idx = (size_t)(c - s->kids);
    size_t from = s->strategy == WASP_SUP_ONE_FOR_ALL ? 0 : idx;
    size_t to = s->strategy == WASP_SUP_ONE_FOR_ONE ? idx + 1 : s->nkids;
    /* the group by uid: stopping may remove temporary members from the table */
    uint64_t one = cuid, *group = to - from > 1 ? malloc((to - from) * sizeof(*group)) : NULL;
    size_t n = group ? to - from : 1;
    if (!group) group = &one;
    else
        for (size_t j = 0; j < n; j++) group[j] = s->kids[from + j].uid;
    if (c->status == ST_RUNNING) wasp__sup_stop_enqueue(s, c, STOP_RETIRE); /* health: stop it first */
    for (size_t j = n; j-- > 0;) { /* the others, in reverse child order */
        struct child *o = wasp__sup_find_uid(s, group[j]);
        if (!o || o->uid == cuid) continue;
        if (o->restart == WASP_RESTART_TEMPORARY) {
            o->remove_when_down = true;
            o->pending = false;
            wasp__sup_stop_enqueue(s, o, STOP_TERMINATE);
        } else {
            if (o->status == ST_RUNNING) o->failed_at = now;
            wasp__sup_stop_enqueue(s, o, STOP_RETIRE);
        }
    }
    for (size_t j = 0; j < n; j++) {
        struct child *o = wasp__sup_find_uid(s, group[j]);
        if (!o || o->remove_when_down) continue;
        if (o->pending && o->ready_at > now + delay) continue;
        o->pending = true;
        o->ready_at = now + delay;
        if (o->armed && o->timer) wasp_timer_cancel(s->sys, o->timer);
        o->armed = false;
    }
    if (group != &one) free(group);
}

/* What a failure's reason was, for the report and the decision. */
static int failure_reason(struct child *c, const struct sup_event *ev) {
    if (ev->reason == WASP_EXIT_CRASH && c->health_killed) return WASP_SUP_REASON_HEALTH;
    return ev->reason;
}

static void handle_exit(struct wasp_supervisor *s, const struct sup_event *ev) {
    struct child *c = find_aid(s, ev->aid);
    if (!c) return;
    if (c->status == ST_STOPPING && c->uid == s->stopping_uid) {
        if (ev->failed && ev->inc != c->inc) return; /* an older incarnation's report */
        stop_done(s, c, ev->failed);
        return;
    }
    if (ev->failed) {
        if (c->status != ST_RUNNING || ev->inc != c->inc) return; /* stale or seen */
        if (queued(s, c->uid)) { /* down before its turn to stop: that stop is done */
            set_status(s, c, ST_FAILED, c->aid);
            return;
        }
        if (ev->reason == WASP_EXIT_START_FAILED) return;         /* seen synchronously */
        int why = failure_reason(c, ev);
        c->health_killed = false;
        set_status(s, c, ST_FAILED, c->aid);
        if (c->sub && why == WASP_EXIT_SHUTDOWN)
            wasp__sup_report(s, WASP_LOG_ERROR, "child %s gave up (exit shutdown)", c->name);
        else
            wasp__sup_report(s, why == WASP_EXIT_NORMAL ? WASP_LOG_INFO : WASP_LOG_WARN, "child %s %s",
                       c->name, exit_text(why));
        wasp__sup_child_exited(s, c, why);
        return;
    }
    /* terminated without our asking (wasp_actor_stop from outside): the
     * identity is gone; a permanent child comes back as a new one */
    if (c->status == ST_DOWN) return;
    set_status(s, c, ST_DOWN, 0);
    if (c->remove_when_down) {
        kids_remove(s, c);
        return;
    }
    wasp__sup_report(s, WASP_LOG_WARN, "child %s was stopped from outside (%s)", c->name,
               exit_text(ev->reason));
    wasp__sup_child_exited(s, c, ev->reason);
}

static int handle_add(struct wasp_supervisor *s, struct child *nc) {
    int rc = WASP_OK;
    if (s->giving_up || s->terminating) rc = WASP_ESTOPPED;
    else if (wasp__sup_find_name(s, nc->name)) rc = WASP_EEXIST;
    nc->dynamic = true;
    struct child *c = rc == WASP_OK ? kids_push(s, nc) : NULL;
    if (!c) {
        free(nc->name);
        if (nc->sub) wasp__sup_free(nc->sub);
        return rc == WASP_OK ? WASP_ENOMEM : rc;
    }
    rc = child_start(s, c);
    if (rc != WASP_OK) {
        kids_remove(s, c);
        return rc == WASP_ECRASH || rc == WASP_EEXIST || rc == WASP_ENOMEM ? rc : WASP_ECRASH;
    }
    return WASP_OK;
}

/* Like OTP's terminate_child + delete_child: the answer comes once the
 * child is gone. */
static void handle_remove(struct wasp_supervisor *s, const struct wasp_event *e, const char *name) {
    struct child *c = wasp__sup_find_name(s, name);
    if (!c || c->remove_when_down) {
        wasp__event_reply(e, c ? WASP_ESTOPPED : WASP_ENOENT);
        return;
    }
    c->pending = false;
    c->remove_when_down = true;
    c->removed = wasp__event_defer(e);
    wasp__sup_stop_enqueue(s, c, STOP_TERMINATE);
}

/* This supervisor is asked to stop (mode STOP_*): its children stop in
 * reverse order, then it exits. */
static void shutdown_begin(struct wasp_supervisor *s, int mode) {
    if (mode <= s->shutdown) return;
    s->shutdown = mode;
    s->terminating = true;
    for (size_t i = s->nkids; i-- > 0;) {
        struct child *c = &s->kids[i];
        if (c->armed && c->timer) wasp_timer_cancel(s->sys, c->timer);
        c->armed = false;
        c->pending = false;
        wasp__sup_health_cancel(s, c);
        /* dynamic children are not part of a restarted supervisor */
        wasp__sup_stop_enqueue(s, c, mode == STOP_RETIRE && !c->dynamic ? STOP_RETIRE : STOP_TERMINATE);
    }
}

/* Some event for us was lost (out of memory): compare what we believe of
 * each child with its actor's actual state and act on the difference as
 * the lost exit event would have made us. */
static void reconcile(struct wasp_supervisor *s) {
    for (size_t i = 0; i < s->nkids; i++) {
        struct child *c = &s->kids[i];
        if (!c->aid || (c->status != ST_RUNNING && c->status != ST_STOPPING)) continue;
        wasp_actor_stats st;
        bool gone = wasp_actor_stats_get(s->sys, c->aid, &st) != WASP_OK ||
                    st.state == WASP_STATE_TERMINATED;
        if (!gone && st.state != WASP_STATE_FAILED) continue;
        struct sup_event ev = {.kind = EV_EXIT, .aid = c->aid, .failed = !gone,
                               .reason = gone ? WASP_EXIT_NORMAL : WASP_EXIT_CRASH,
                               .inc = gone ? c->inc : st.restarts};
        handle_exit(s, &ev);
        i = (size_t)-1; /* the table may have changed */
    }
}

static void dispatch(struct wasp_supervisor *s, const struct wasp_event *e) {
    if (e->type == WASP_EVT_STOP) { /* wasp_system_stop */
        shutdown_begin(s, STOP_TERMINATE);
        return;
    }
    if (e->type == WASP_EVT_LOST) {
        reconcile(s);
        return;
    }
    if (e->len != sizeof(struct sup_event)) return;
    struct sup_event ev;
    memcpy(&ev, e->data, sizeof(ev));
    switch (ev.kind) {
    case EV_EXIT:
        handle_exit(s, &ev);
        break;
    case EV_TIMER: {
        struct child *c = wasp__sup_find_uid(s, ev.uid);
        if (c) {
            c->armed = false;
            c->timer = 0;
        }
        break;
    }
    case EV_STOP_TIMEOUT:
        stop_timeout(s, &ev);
        break;
    case EV_SHUTDOWN:
        shutdown_begin(s, ev.reason == STOP_RETIRE ? STOP_RETIRE : STOP_TERMINATE);
        break;
    case EV_HPOLL:
    case EV_HRESULT:
    case EV_HTIMEOUT:
        wasp__sup_health_event(s, &ev);
        break;
    case EV_ADD:
        *ev.taken = true;
        wasp__event_reply(e, handle_add(s, ev.ptr));
        break;
    case EV_REMOVE:
        handle_remove(s, e, ev.ptr);
        break;
    default:
        break;
    }
}

static int sup_event(wasp_ctx *ctx, const struct wasp_event *e) {
    struct wasp_supervisor *s = wasp_ctx_state(ctx);
    dispatch(s, e);
    for (;;) {
        stop_next(s);
        if (stops_busy(s)) return 0;
        if (s->shutdown == STOP_TERMINATE) return WASP__STOP_SHUTDOWN;
        if (s->giving_up) {
            if (!atomic_exchange(&s->gave_up, true)) {
                if (s->parent) wasp__sup_report(s, WASP_LOG_ERROR, "escalated to %s", s->parent->name);
                else if (s->on_give_up) s->on_give_up(s, s->give_up_arg);
            }
            /* OTP: a supervisor that gives up exits with reason shutdown */
            return s->parent ? WASP__FAIL_SHUTDOWN : WASP__STOP_SHUTDOWN;
        }
        if (s->shutdown == STOP_RETIRE) return WASP__FAIL_SHUTDOWN;
        pump(s);
        if (!stops_busy(s) && !s->giving_up) return 0;
    }
}

/* Messages are not a supervisor's business: each one is a dead letter. */
static int sup_handle(wasp_ctx *ctx, const wasp_msg *msg) {
    (void)ctx;
    (void)msg;
    return WASP_DROP;
}

/* A new incarnation: the spec's children, started in order - on their
 * existing identities when this is a restart (dynamic children are not
 * part of the spec and are forgotten, as in OTP). */
static int sup_started(wasp_ctx *ctx) {
    struct wasp_supervisor *s = wasp_ctx_state(ctx);
    s->aid = wasp_ctx_self(ctx);
    for (size_t i = s->nkids; i-- > 0;) {
        struct child *c = &s->kids[i];
        if (!c->dynamic) continue;
        if (c->status != ST_DOWN) terminate_failed(s, c);
        kids_remove(s, c);
    }
    s->win_len = 0;
    s->win_head = 0;
    s->giving_up = false;
    s->terminating = false;
    s->shutdown = STOP_NONE;
    s->nstopq = 0;
    s->stopping_uid = 0;
    atomic_store(&s->gave_up, false);
    if (!s->nkids) {
        for (size_t i = 0; i < s->ninitial; i++) {
            struct child c = s->initial[i];
            c.name = strdup(c.name);
            if (!c.name) goto fail;
            c.actor.name = c.name;
            c.status = ST_DOWN;
            c.aid = 0;
            if (!kids_push(s, &c)) {
                free(c.name);
                goto fail;
            }
        }
    }
    for (size_t i = 0; i < s->nkids; i++) {
        struct child *c = &s->kids[i];
        c->pending = false;
        c->armed = false;
        c->stop_mode = STOP_NONE;
        if (c->status == ST_RUNNING) continue; /* survived (e.g. a killed supervisor) */
        if (c->status == ST_STOPPING) set_status(s, c, ST_FAILED, c->aid);
        if (child_start(s, c) != WASP_OK) goto fail;
    }
    return 0;
fail:
    s->terminating = true;
    for (size_t i = s->nkids; i-- > 0;) {
        struct child *c = &s->kids[i];
        struct sup_event ev = {.kind = EV_SHUTDOWN, .reason = STOP_TERMINATE};
        bool asked = c->status == ST_RUNNING && c->sub && wasp__sup_notify(s->sys, c->aid, &ev) == WASP_OK;
        if (!asked && c->aid) (void)wasp_actor_stop(s->sys, c->aid);
        set_status(s, c, ST_DOWN, 0);
    }
    return WASP_ECRASH;
}

/* The incarnation ends. Normally every child is down already (the stop
 * queue ran first); when the actor was stopped directly (wasp_actor_stop)
 * its children are stopped here, without waiting. */
static void sup_stopped(wasp_ctx *ctx, int reason) {
    struct wasp_supervisor *s = wasp_ctx_state(ctx);
    (void)reason;
    if (s->giving_up || s->shutdown == STOP_RETIRE) return; /* identities kept for a restart */
    s->terminating = true;
    for (size_t i = s->nkids; i-- > 0;) {
        struct child *c = &s->kids[i];
        if (c->armed && c->timer) wasp_timer_cancel(s->sys, c->timer);
        if (c->stop_timer) wasp_timer_cancel(s->sys, c->stop_timer);
        c->armed = false;
        c->pending = false;
        c->stop_timer = 0;
        wasp__sup_health_cancel(s, c);
        removed_reply(c); /* everything goes now */
        if (c->status == ST_DOWN) continue;
        struct sup_event ev = {.kind = EV_SHUTDOWN, .reason = STOP_TERMINATE};
        if (c->sub && c->status != ST_FAILED && wasp__sup_notify(s->sys, c->aid, &ev) == WASP_OK) continue;
        if (c->sub && c->status == ST_FAILED) wasp__sup_tree_kill(c->sub); /* not running: safe to walk */
        (void)wasp_actor_stop(s->sys, c->aid);
    }
    s->nstopq = 0;
    s->stopping_uid = 0;
}
