/* supervisor_spec.c - copying supervisor and child specs; freeing trees. */
#include "core/limits.h"
#include "supervisor/supervisor_internal.h"

/* ---- spec copies -------------------------------------------------------------- */

static void child_free(struct child *c) {
    free(c->name);
    if (c->sub) wasp__sup_free(c->sub);
    c->name = NULL;
    c->sub = NULL;
}

int wasp__sup_child_copy(wasp_system *sys, struct wasp_supervisor *parent, const wasp_child_spec *cs,
                   struct child *c) {
    memset(c, 0, sizeof(*c));
    if (!cs || (!cs->actor == !cs->supervisor)) return WASP_EINVAL;
    if (cs->restart < WASP_RESTART_PERMANENT || cs->restart > WASP_RESTART_TEMPORARY)
        return WASP_EINVAL;
    c->restart = cs->restart;
    c->health = WASP_HEALTH_UNKNOWN;
    if (cs->health) {
        if (!cs->health->interval_ns) return WASP_EINVAL;
        c->has_health = true;
        c->hc = *cs->health;
        /* A bare actor's probe may take its interval; components come with
         * the timeout of their spec (core/limits.c). */
        if (!c->hc.timeout_ns) c->hc.timeout_ns = c->hc.interval_ns;
        if (!c->hc.unhealthy_after) c->hc.unhealthy_after = (uint32_t)wasp__limit_info(WASP__LIM_UNHEALTHY_AFTER)->def;
    }
    if (cs->actor) c->stop_timeout_ns = cs->stop_timeout_ns ? cs->stop_timeout_ns : 5000000000ull;
    if (cs->actor) {
        if (!cs->actor->name || !cs->actor->name[0] || !cs->actor->handle) return WASP_EINVAL;
        c->actor = *cs->actor;
        c->name = strdup(cs->actor->name);
        if (!c->name) return WASP_ENOMEM;
        c->actor.name = c->name;
    } else {
        if (!cs->supervisor->name || !cs->supervisor->name[0]) return WASP_EINVAL;
        c->name = strdup(cs->supervisor->name);
        if (!c->name) return WASP_ENOMEM;
        c->sub = wasp__sup_new(sys, cs->supervisor, parent);
        if (!c->sub) {
            free(c->name);
            c->name = NULL;
            return WASP_EINVAL;
        }
    }
    return WASP_OK;
}

struct wasp_supervisor *wasp__sup_new(wasp_system *sys, const wasp_supervisor_spec *spec,
                                struct wasp_supervisor *parent) {
    if (!spec || !spec->name || !spec->name[0] || strlen(spec->name) > 255) return NULL;
    if (spec->strategy < WASP_SUP_ONE_FOR_ONE || spec->strategy > WASP_SUP_REST_FOR_ONE) return NULL;
    if (spec->nchildren && !spec->children) return NULL;
    if (spec->backoff.jitter < 0 || spec->backoff.jitter > 1) return NULL;
    struct wasp_supervisor *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->sys = sys;
    s->parent = parent;
    s->name = strdup(spec->name);
    s->strategy = spec->strategy;
    s->intensity = spec->intensity;
    s->period_ns = spec->period_ns ? spec->period_ns : 5000000000ull;
    s->backoff = spec->backoff;
    s->on_give_up = spec->on_give_up;
    s->give_up_arg = spec->give_up_arg;
    s->rng = wasp_clock_ns() ^ (uint64_t)(uintptr_t)s ^ 0x9E3779B97F4A7C15ull;
    if (!s->rng) s->rng = 1;
    s->initial = calloc(spec->nchildren ? spec->nchildren : 1, sizeof(struct child));
    if (!s->name || !s->initial) goto fail;
    for (size_t i = 0; i < spec->nchildren; i++) {
        if (wasp__sup_child_copy(sys, s, &spec->children[i], &s->initial[i]) != WASP_OK) goto fail;
        s->ninitial++;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s->initial[j].name, s->initial[i].name)) goto fail;
    }
    return s;
fail:
    wasp__sup_free(s);
    return NULL;
}

void wasp__sup_free(struct wasp_supervisor *s) {
    if (!s) return;
    for (size_t i = 0; i < s->ninitial; i++) child_free(&s->initial[i]);
    for (size_t i = 0; i < s->nkids; i++) {
        free(s->kids[i].name);
        if (s->kids[i].owns_sub) wasp__sup_free(s->kids[i].sub);
    }
    for (size_t i = 0; i < s->ngrave; i++) wasp__sup_free(s->graveyard[i]);
    free(s->graveyard);
    free(s->initial);
    free(s->kids);
    free(s->stopq);
    free(s->win);
    free(s->name);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
