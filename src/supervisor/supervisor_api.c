/* supervisor_api.c - the public wasp_supervisor_* calls. */
#include "supervisor/supervisor_internal.h"

/* ---- public API ------------------------------------------------------------------- */

int wasp_supervisor_start(wasp_system *sys, const wasp_supervisor_spec *spec,
                          wasp_supervisor **out) {
    if (!sys || !spec || !out) return WASP_EINVAL;
    struct wasp_supervisor *s = wasp__sup_new(sys, spec, NULL);
    if (!s) return WASP_EINVAL;
    wasp_aid aid = 0;
    int rc = wasp__sup_spawn_actor(s, &aid);
    if (rc != WASP_OK) {
        wasp__sup_free(s);
        return rc;
    }
    *out = s;
    return WASP_OK;
}

static void tree_kill(void *s) { wasp__sup_tree_kill(s); }

/* The supervisor stops its children in reverse order, each bounded by its
 * stop timeout, then terminates; one that gave up (failed, awaiting its
 * parent) is ended here with its tree. */
int wasp_supervisor_stop(wasp_supervisor *s) {
    if (!s) return WASP_EINVAL;
    if (wasp_ctx_current()) return WASP_ESTATE;
    struct sup_event ev = {.kind = EV_SHUTDOWN, .reason = STOP_TERMINATE};
    return wasp__actor_end(s->sys, s->aid, WASP_EVT_CALL, &ev, sizeof(ev), tree_kill, s);
}

void wasp_supervisor_destroy(wasp_supervisor *s) { wasp__sup_free(s); }

wasp_aid wasp_supervisor_id(const wasp_supervisor *s) { return s ? s->aid : 0; }

bool wasp_supervisor_gave_up(const wasp_supervisor *s) { return s && atomic_load(&s->gave_up); }

static int ask_sup(wasp_supervisor *s, struct sup_event *ev) {
    int rc = wasp__event_ask(s->sys, s->aid, WASP_EVT_CALL, ev, sizeof(*ev));
    return rc == WASP_ENOREPLY ? WASP_ESTOPPED : rc;
}

int wasp_supervisor_add_child(wasp_supervisor *s, const wasp_child_spec *cs) {
    if (!s || !cs) return WASP_EINVAL;
    if (wasp_ctx_current()) return WASP_ESTATE;
    struct child c;
    int rc = wasp__sup_child_copy(s->sys, s, cs, &c);
    if (rc != WASP_OK) return rc;
    c.owns_sub = c.sub != NULL;
    c.status = ST_DOWN;
    struct sup_event ev = {.kind = EV_ADD, .ptr = &c};
    bool handled = false;
    ev.taken = &handled;
    rc = ask_sup(s, &ev);
    if (!handled) { /* never handled: still ours */
        free(c.name);
        if (c.sub) wasp__sup_free(c.sub);
    }
    return rc;
}

int wasp_supervisor_remove_child(wasp_supervisor *s, const char *name) {
    if (!s || !name) return WASP_EINVAL;
    if (wasp_ctx_current()) return WASP_ESTATE;
    struct sup_event ev = {.kind = EV_REMOVE, .ptr = (void *)name};
    return ask_sup(s, &ev);
}

void wasp_supervisor_stats_get(const wasp_supervisor *s, wasp_supervisor_stats *out) {
    memset(out, 0, sizeof(*out));
    if (!s) return;
    snprintf(out->name, sizeof(out->name), "%s", s->name);
    out->strategy = s->strategy;
    out->restarts = atomic_load(&s->restarts);
    out->gave_up = atomic_load(&s->gave_up);
    pthread_mutex_lock((pthread_mutex_t *)&s->mu);
    out->children = s->nkids;
    pthread_mutex_unlock((pthread_mutex_t *)&s->mu);
}

wasp_supervisor *wasp_supervisor_find(wasp_supervisor *s, const char *name) {
    if (!s || !name) return NULL;
    if (!strcmp(s->name, name)) return s;
    for (size_t i = 0; i < s->ninitial; i++) {
        wasp_supervisor *f = wasp_supervisor_find(s->initial[i].sub, name);
        if (f) return f;
    }
    pthread_mutex_lock(&s->mu);
    wasp_supervisor *f = NULL;
    for (size_t i = 0; i < s->nkids && !f; i++)
        if (s->kids[i].owns_sub) f = wasp_supervisor_find(s->kids[i].sub, name);
    pthread_mutex_unlock(&s->mu);
    return f;
}

int wasp_supervisor_child(const wasp_supervisor *s, const char *name, wasp_aid *id,
                          uint64_t *restarts) {
    if (!s || !name) return WASP_EINVAL;
    pthread_mutex_t *mu = (pthread_mutex_t *)&s->mu;
    pthread_mutex_lock(mu);
    const struct child *c = wasp__sup_find_name(s, name);
    int rc = WASP_ENOENT;
    if (c) {
        if (id) *id = c->status == ST_DOWN ? 0 : c->aid;
        if (restarts) *restarts = c->restarts;
        rc = WASP_OK;
    }
    pthread_mutex_unlock(mu);
    return rc;
}

size_t wasp_supervisor_history(const wasp_supervisor *s, wasp_restart_record *out, size_t cap) {
    if (!s) return 0;
    pthread_mutex_t *mu = (pthread_mutex_t *)&s->mu;
    pthread_mutex_lock(mu);
    size_t n = s->hist_len;
    for (size_t i = 0; i < n && i < cap && out; i++)
        out[i] = s->hist[(s->hist_head + i) % WASP_SUP_HISTORY];
    pthread_mutex_unlock(mu);
    return n;
}
