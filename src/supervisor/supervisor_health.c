/* supervisor_health.c - health checks: polling via timers, asynchronous
 * probes with a timeout, unhealthy_after -> a crash (docs/SUPERVISION.md). */
#include "supervisor/supervisor_internal.h"

/* ---- health checks ------------------------------------------------------------- */

static void health_arm_poll(struct wasp_supervisor *s, struct child *c) {
    if (!c->has_health || c->hpoll_armed || s->giving_up || s->terminating) return;
    struct sup_event ev = {.kind = EV_HPOLL, .uid = c->uid};
    c->hpoll_timer = wasp__sup_notify_after(s, &ev, c->hc.interval_ns);
    c->hpoll_armed = c->hpoll_timer != 0;
}

void wasp__sup_health_cancel(struct wasp_supervisor *s, struct child *c) {
    if (c->hpoll_timer) wasp_timer_cancel(s->sys, c->hpoll_timer);
    if (c->hto_timer) wasp_timer_cancel(s->sys, c->hto_timer);
    c->hpoll_timer = c->hto_timer = 0;
    c->hpoll_armed = c->hprobing = false;
}

static void health_publish(struct wasp_supervisor *s, struct child *c, int health, uint32_t run) {
    pthread_mutex_lock(&s->mu);
    c->health = health;
    c->hrun = run;
    pthread_mutex_unlock(&s->mu);
}

/* A new incarnation: results of earlier probes no longer count. */
void wasp__sup_health_on_start(struct wasp_supervisor *s, struct child *c) {
    if (!c->has_health) return;
    c->hseq++;
    c->hprobing = false;
    if (c->hto_timer) wasp_timer_cancel(s->sys, c->hto_timer);
    c->hto_timer = 0;
    health_publish(s, c, WASP_HEALTH_UNKNOWN, 0);
    health_arm_poll(s, c);
}

static void health_probe(struct wasp_supervisor *s, struct child *c) {
    c->hseq++;
    c->hprobing = true;
    struct sup_event ev = {.kind = EV_HTIMEOUT, .uid = c->uid, .seq = c->hseq & 0xffffffffu};
    c->hto_timer = wasp__sup_notify_after(s, &ev, c->hc.timeout_ns);
    uint64_t token = (c->uid << 32) | (c->hseq & 0xffffffffu);
    if (c->hc.probe) {
        c->hc.probe(s->sys, c->aid, c->hc.arg, s->aid, token); /* a report now just queues */
        return;
    }
    /* the runtime's probe: an event the child's health hook answers */
    struct wasp_probe p = {s->aid, token, wasp_health_report};
    (void)wasp__event_send(s->sys, c->aid, WASP_EVT_PROBE, &p, sizeof(p));
}

static void health_result(struct wasp_supervisor *s, struct child *c, int result) {
    c->hprobing = false;
    uint32_t run = result == WASP_HEALTH_UNHEALTHY ? c->hrun + 1 : 0;
    bool trip = run >= c->hc.unhealthy_after;
    health_publish(s, c, result, trip ? 0 : run);
    if (!trip || c->status != ST_RUNNING || s->giving_up || s->terminating) return;
    if (!c->sub) {
        /* An actor child is crashed for real: its crash event then takes the
         * normal path (restart type, intensity, strategy, back-off) and
         * wasp_actor_restart keeps its id and mailbox. If it is already
         * failing (WASP_ESTATE) or stopping, that event is on its way. */
        if (wasp_actor_kill(s->sys, c->aid) == WASP_OK) c->health_killed = true;
        return;
    }
    /* A nested supervisor is stopped (its tree in order, identities kept)
     * and restarted instead: a killed supervisor would leave its own
     * children running. */
    wasp__sup_report(s, WASP_LOG_WARN, "child %s failed its health check", c->name);
    wasp__sup_child_exited(s, c, WASP_SUP_REASON_HEALTH);
}

void wasp__sup_health_event(struct wasp_supervisor *s, const struct sup_event *ev) {
    struct child *c = wasp__sup_find_uid(s, ev->uid);
    if (!c || !c->has_health) return;
    switch (ev->kind) {
    case EV_HPOLL:
        c->hpoll_armed = false;
        c->hpoll_timer = 0;
        if (s->giving_up || s->terminating) return;
        if (c->status == ST_RUNNING && !c->hprobing) health_probe(s, c);
        if (c->status != ST_DOWN || c->pending) health_arm_poll(s, c);
        return;
    case EV_HRESULT:
        if (!c->hprobing || ev->seq != (c->hseq & 0xffffffffu)) return; /* stale */
        if (c->hto_timer) wasp_timer_cancel(s->sys, c->hto_timer);
        c->hto_timer = 0;
        health_result(s, c, ev->reason);
        return;
    case EV_HTIMEOUT:
        if (!c->hprobing || ev->seq != (c->hseq & 0xffffffffu)) return;
        c->hto_timer = 0;
        health_result(s, c, WASP_HEALTH_UNHEALTHY);
        return;
    default:
        return;
    }
}

int wasp_health_report(wasp_system *sys, wasp_aid sup, uint64_t token, int result) {
    if (!sys || !sup || result < WASP_HEALTH_HEALTHY || result > WASP_HEALTH_UNHEALTHY)
        return WASP_EINVAL;
    struct sup_event ev = {.kind = EV_HRESULT, .reason = result, .uid = token >> 32,
                           .seq = token & 0xffffffffu};
    return wasp__event_send(sys, sup, WASP_EVT_CALL, &ev, sizeof(ev));
}

int wasp_supervisor_child_health(const wasp_supervisor *s, const char *name, int *health,
                                 uint32_t *unhealthy_run) {
    if (!s || !name) return WASP_EINVAL;
    pthread_mutex_t *mu = (pthread_mutex_t *)&s->mu;
    pthread_mutex_lock(mu);
    const struct child *c = wasp__sup_find_name(s, name);
    int rc = WASP_ENOENT;
    if (c) {
        if (health) *health = c->has_health ? c->health : WASP_HEALTH_UNKNOWN;
        if (unhealthy_run) *unhealthy_run = c->hrun;
        rc = WASP_OK;
    }
    pthread_mutex_unlock(mu);
    return rc;
}
