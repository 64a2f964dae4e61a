/* component_upgrade.c - hot upgrade: a component's module replaced in a
 * running system (docs/COMPONENTS.md, "Upgrades").
 *
 * The component's module pointer is swapped first, so any instance that
 * (re)starts from now on runs the new code. Then each running instance gets
 * a request on the runtime's event channel (wasp__actor_exec), taken before
 * queued messages but never while one is in hand, so the swap happens
 * between two messages: the
 * message in hand completes on the old instance, everything queued stays in
 * the mailbox (the actor, its id, subscriptions and pool membership do not
 * change) and storage lives outside the instance anyway. On the actor the
 * swap is: instantiate the new module; `_cleanup` on the old instance;
 * `_start` on the new one. If that fails the actor gets a fresh instance of
 * the old module (and `_start`), the instances already upgraded are turned
 * back the same way, and the component's module is the old one again.
 *
 * Nothing a guest sends can pass for a request: it is no message. It is
 * shared by the upgrader, who waits for its outcome, and the event, which
 * lets go of it when it has run or is dropped; the last one frees it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "runtime/ext.h"

/* An upgrade request: a completion (runtime/completion.h) the caller
 * blocks on, held by the caller and by the event until it runs or drops. */
struct upgrade_req {
    struct wasp_wait wait;    /* first: freed with it */
    struct wasp_cslot *slot;
    struct wasp_module *to;   /* the module to run (a reference) */
    bool applied;             /* the actor now runs `to` */
    char why[512];
};

static void req_free(struct wasp_completion *c) {
    struct upgrade_req *r = (struct upgrade_req *)c;
    wasp__module_release(r->to);
    wasp__wait_fini(&r->wait);
    free(r);
}

static void req_release(struct upgrade_req *r) { wasp__completion_unref(&r->wait.c); }

/* The outcome, once: answered by the actor's thread (or the one dropping
 * the event, never both), so the first answer's details are never
 * overwritten while the caller reads them. */
static void req_finish(struct upgrade_req *r, int rc, bool applied, const char *why) {
    if (atomic_load(&r->wait.c.done)) return;
    r->applied = applied;
    snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
    wasp__completion_finish(&r->wait.c, rc, NULL, 0, 0);
}

/* The event was dropped: the actor stopped first (its next incarnation,
 * if any, starts from the component's module, already the new one). */
static void req_dropped(void *arg) {
    struct upgrade_req *r = arg;
    req_finish(r, WASP_OK, false, NULL);
    req_release(r);
}

/* A new incarnation of module m on this actor, `_start` run. */
static int incarnate(wasp_ctx *ctx, struct wasp_cslot *sl, struct wasp_module *m, struct wasp_cinst **out, char *why,
                     size_t cap) {
    int rc = wasp__cinst_new(sl, m, wasp_ctx_system(ctx), wasp_ctx_self(ctx), out, why, cap);
    if (rc == WASP_OK) {
        wasp_ctx_set_state(ctx, *out); /* imports called by `_start` see the new incarnation */
        rc = wasp__cinst_init(*out, why, cap);
    }
    if (rc != WASP_OK) {
        wasp__cinst_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Swaps a lazy incarnation (no instance yet, hence no `_cleanup` to run):
 * for a module known to instantiate, another lazy one; otherwise a new
 * instance with `_start` run, and on failure the lazy one stays as it was. */
static int apply_lazy(wasp_ctx *ctx, struct wasp_cinst *ci, struct upgrade_req *r) {
    struct wasp_cslot *sl = ci->slot;
    char why[512];
    struct wasp_cinst *next = NULL;
    bool lazy = wasp__component_lazy(sl->comp, r->to);
    int rc = lazy ? wasp__cinst_new_lazy(sl, r->to, ci->sys, ci->self, &next, why, sizeof(why))
                  : wasp__cinst_new(sl, r->to, ci->sys, ci->self, &next, why, sizeof(why));
    if (rc == WASP_OK) {
        wasp_ctx_set_state(ctx, next); /* imports called by `_start` see the new incarnation */
        rc = wasp__cinst_init(next, why, sizeof(why));
    }
    if (rc != WASP_OK) {
        wasp_ctx_set_state(ctx, ci);
        wasp__cinst_free(next);
        req_finish(r, rc, false, why);
        return 0;
    }
    wasp__cinst_free(ci);
    wasp_log(next->sys, WASP_LOG_INFO, sl->name, "upgraded");
    req_finish(r, WASP_OK, true, NULL);
    return 0;
}

/* Swaps the incarnation of the actor the event runs on. */
static int apply(wasp_ctx *ctx, struct wasp_cinst *ci, struct upgrade_req *r) {
    struct wasp_cslot *sl = ci->slot;
    if (ci->module == r->to) {
        req_finish(r, WASP_OK, true, NULL);
        return 0;
    }
    char why[512];
    struct wasp_cinst *next = NULL;
    if (!ci->inst) return apply_lazy(ctx, ci, r);
    int rc = wasp__cinst_new(sl, r->to, ci->sys, ci->self, &next, why, sizeof(why));
    if (rc != WASP_OK) {
        /* Not even instantiated: the old incarnation is untouched. */
        wasp__cinst_free(next);
        req_finish(r, rc, false, why);
        return 0;
    }
    wasp__cinst_cleanup(ci, "upgrading anyway");
    wasp_ctx_set_state(ctx, next);
    rc = wasp__cinst_init(next, why, sizeof(why));
    if (rc == WASP_OK) {
        wasp__cinst_free(ci);
        wasp_log(next->sys, WASP_LOG_INFO, sl->name, "upgraded");
        req_finish(r, WASP_OK, true, NULL);
        return 0;
    }
    /* The new module failed to start: back to the old one, freshly started. */
    wasp__cinst_free(next);
    struct wasp_module *old = wasp__module_retain(ci->module);
    wasp__cinst_free(ci);
    char why_old[512];
    struct wasp_cinst *back = NULL;
    int brc = incarnate(ctx, sl, old, &back, why_old, sizeof(why_old));
    wasp__module_release(old);
    req_finish(r, rc, false, why);
    if (brc == WASP_OK) return 0;
    /* Neither starts: this incarnation is over; the supervisor takes it. */
    wasp_ctx_set_state(ctx, sl);
    wasp__cslot_fail(sl, WASP_LOG_ERROR, "crashed: restoring the old module after a failed upgrade: %s", why_old);
    return WASP_ECRASH;
}

static int upgrade_event(wasp_ctx *ctx, void *arg) {
    struct upgrade_req *r = arg;
    struct wasp_cinst *ci = wasp_ctx_state(ctx);
    /* Between incarnations the state is the slot: the next one starts
     * from the component's module, which is already the new one. */
    int rc = ci && ci != (void *)r->slot && ci->phase == CPHASE_IDLE ? apply(ctx, ci, r) : 0;
    req_finish(r, WASP_OK, false, NULL); /* if apply did not */
    req_release(r);
    return rc;
}

/* Asks the slot's running actor to switch to module `to` and waits for the
 * outcome. WASP_OK with *applied false when no actor ran or it went away. */
static int upgrade_slot(struct wasp_cslot *sl, struct wasp_module *to, bool *applied, char *why, size_t cap) {
    *applied = false;
    struct upgrade_req *r = calloc(1, sizeof(*r));
    if (!r) return snprintf(why, cap, "out of memory"), WASP_ENOMEM;
    wasp_system *sys = sl->comp->wasm->sys;
    wasp__wait_init(&r->wait, sys, false, req_free);
    r->slot = sl;
    r->to = wasp__module_retain(to);
    wasp__completion_ref(&r->wait.c); /* the event's */
    wasp_aid aid = atomic_load(&sl->aid);
    int src = aid ? wasp__actor_exec(sys, aid, upgrade_event, req_dropped, r) : WASP_ENOENT;
    if (src != WASP_OK) req_dropped(r);
    int rc = wasp__wait_for(&r->wait);
    *applied = r->applied;
    snprintf(why, cap, "%s", r->why);
    req_release(r);
    return rc;
}

wasp_component *wasp_component_find(wasp_wasm *w, const char *name) {
    if (!w || !name) return NULL;
    wasp_component *found = NULL;
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->ncomps && !found; i++)
        if (!strcmp(w->comps[i]->name, name)) found = w->comps[i];
    pthread_mutex_unlock(&w->lock);
    return found;
}

int wasp_component_upgrade(wasp_component *c, const char *wasm_path, const void *wasm, size_t wasm_len, char *err,
                           size_t errcap) {
    if (err && errcap) err[0] = 0;
    if (!c || (!wasm_path && (!wasm || !wasm_len))) return WASP_EINVAL;
    if (wasp_ctx_current()) return WASP_ESTATE; /* it waits for actors: never from one */
    struct wasp_module *to = NULL;
    int rc = wasp__component_check_module(c, wasm_path, wasm, wasm_len, &to, err, errcap);
    if (rc != WASP_OK) return rc;
    pthread_mutex_lock(&c->upgrade_lock);
    struct wasp_module *from = wasp__component_set_module(c, to);
    char why[512] = "";
    uint32_t n = c->spec.instances, done = 0;
    bool applied = false;
    for (; done < n; done++) {
        rc = upgrade_slot(&c->slots[done], to, &applied, why, sizeof(why));
        if (rc != WASP_OK) break;
    }
    if (rc != WASP_OK) {
        if (err && errcap)
            snprintf(err, errcap, "%s: the new module failed to start on %s (the old one runs again): %s", c->name,
                     c->slots[done].name, why);
        wasp__module_release(wasp__component_set_module(c, from));
        for (uint32_t i = 0; i < done; i++) {
            char ignored[512];
            upgrade_slot(&c->slots[i], from, &applied, ignored, sizeof(ignored));
        }
        rc = WASP_ECRASH;
    } else {
        wasp_log(c->wasm->sys, WASP_LOG_INFO, c->name, "upgraded (%u instance%s)", n, n == 1 ? "" : "s");
    }
    pthread_mutex_unlock(&c->upgrade_lock);
    wasp__module_release(from);
    wasp__module_release(to);
    return rc;
}
