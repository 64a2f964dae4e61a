/* manifest_start.c - the manifest's supervision tree started through the
 * public supervisor API: each component contributes one child per instance
 * (wasp_component_child_specs), each nested supervisor one child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/internal.h"

/* The child specs of every supervisor of the tree (the root's children
 * filtered by `start`); specs[i] points into arrays[i]. */
struct mf_specs {
    size_t n;
    wasp_supervisor_spec *specs;
    wasp_child_spec **arrays;
};

static void specs_free(struct mf_specs *t) {
    for (size_t i = 0; t->arrays && i < t->n; i++) free(t->arrays[i]);
    free(t->arrays);
    free(t->specs);
}

static size_t unit_children(const wasp_manifest *m, struct mf_specs *t, const struct mf_child *ch,
                            wasp_child_spec *out) {
    if (ch->is_supervisor) {
        *out = (wasp_child_spec){.supervisor = &t->specs[ch->supervisor],
                                 .restart = m->supervisors[ch->supervisor].pub.restart};
        return 1;
    }
    wasp_component *comp = m->components[ch->component].loaded;
    wasp_component_child_specs(comp, out);
    return wasp_component_instances(comp);
}

static int specs_build(const wasp_manifest *m, const bool *start, struct mf_specs *t) {
    size_t ns = m->nsupervisors;
    t->n = ns;
    t->specs = calloc(ns, sizeof(*t->specs));
    t->arrays = calloc(ns, sizeof(*t->arrays));
    if (!t->specs || !t->arrays) return WASP_ENOMEM;
    for (size_t i = 0; i < ns; i++) {
        const struct mf_supervisor *s = &m->supervisors[i];
        size_t n = s->pub.nactors;
        if (!(t->arrays[i] = calloc(n ? n : 1, sizeof(wasp_child_spec)))) return WASP_ENOMEM;
        size_t k = 0;
        for (size_t c = 0; c < s->nchildren; c++)
            if (i != 0 || !start || start[c])
                k += unit_children(m, t, &s->children[c], &t->arrays[i][k]);
        t->specs[i] = (wasp_supervisor_spec){
            .name = s->pub.name,
            .strategy = s->pub.strategy,
            .intensity = s->pub.intensity,
            .period_ns = s->pub.period_ns,
            .backoff = s->pub.backoff,
            .children = t->arrays[i],
            .nchildren = k,
        };
    }
    return WASP_OK;
}

int wasp_manifest_start(wasp_manifest *m, wasp_system *sys,
                        void (*on_give_up)(wasp_supervisor *sup, void *arg), void *give_up_arg,
                        wasp_supervisor **root, char *err, size_t errcap) {
    return wasp_manifest_start_units(m, sys, NULL, on_give_up, give_up_arg, root, err, errcap);
}

/* Names the component(s) whose start failed, if any said why. */
static void start_error(const wasp_manifest *m, int rc, char *err, size_t errcap) {
    if (!err || !errcap) return;
    size_t used = 0;
    for (size_t i = 0; i < m->ncomponents && used + 1 < errcap; i++) {
        char why[600];
        wasp_component_error(m->components[i].loaded, why, sizeof(why));
        if (!why[0]) continue;
        int w = snprintf(err + used, errcap - used, "%s%s", used ? "; " : "", why);
        if (w < 0) break;
        used += (size_t)w < errcap - used ? (size_t)w : errcap - used - 1;
    }
    if (!used) snprintf(err, errcap, "cannot start the supervision tree: %s", wasp_strerror(rc));
}

int wasp_manifest_unit_start(wasp_manifest *m, wasp_supervisor *root, size_t i, char *err,
                             size_t errcap) {
    if (err && errcap) err[0] = 0;
    if (!m || !root || !m->started || i >= wasp_manifest_unit_count(m)) return WASP_EINVAL;
    struct mf_specs t = {0};
    int rc = specs_build(m, NULL, &t);
    const struct mf_child *ch = &m->supervisors[0].children[i];
    size_t n = ch->is_supervisor ? 1 : wasp_component_instances(m->components[ch->component].loaded);
    wasp_child_spec *children = rc ? NULL : calloc(n, sizeof(*children));
    if (!rc && !children) rc = WASP_ENOMEM;
    if (!rc) unit_children(m, &t, ch, children);
    for (size_t k = 0; !rc && k < n; k++) rc = wasp_supervisor_add_child(root, &children[k]);
    free(children);
    specs_free(&t);
    if (rc) start_error(m, rc, err, errcap);
    return rc;
}

int wasp_manifest_unit_stop(wasp_manifest *m, wasp_supervisor *root, size_t i) {
    if (!m || !root || i >= wasp_manifest_unit_count(m)) return WASP_EINVAL;
    const struct mf_child *ch = &m->supervisors[0].children[i];
    if (ch->is_supervisor)
        return wasp_supervisor_remove_child(root, m->supervisors[ch->supervisor].pub.name);
    wasp_component *comp = m->components[ch->component].loaded;
    size_t n = wasp_component_instances(comp);
    wasp_child_spec *children = calloc(n, sizeof(*children));
    if (!children) return WASP_ENOMEM;
    wasp_component_child_specs(comp, children);
    int rc = WASP_OK;
    for (size_t k = n; k-- > 0;) { /* reverse order of start */
        int r = wasp_supervisor_remove_child(root, children[k].actor->name);
        if (r && !rc) rc = r;
    }
    free(children);
    return rc;
}

int wasp_manifest_start_units(wasp_manifest *m, wasp_system *sys, const bool *start,
                              void (*on_give_up)(wasp_supervisor *sup, void *arg),
                              void *give_up_arg, wasp_supervisor **root, char *err,
                              size_t errcap) {
    if (err && errcap) err[0] = 0;
    if (root) *root = NULL;
    if (!m || !sys || !root) return WASP_EINVAL;
    if (!m->wasm || m->started) {
        if (err) snprintf(err, errcap, "%s", m->started ? "the manifest was started already"
                                                        : "the manifest was loaded without a wasm layer");
        return WASP_ESTATE;
    }
    if (wasp_wasm_get(sys) != m->wasm) {
        if (err) snprintf(err, errcap, "the system is not the one the manifest was loaded for");
        return WASP_EINVAL;
    }
    for (size_t i = 0; i < m->ncomponents; i++)
        if (!m->components[i].loaded) {
            if (err) snprintf(err, errcap, "%s: not loaded", m->components[i].spec.name);
            return WASP_ESTATE;
        }

    struct mf_specs t = {0};
    int rc = specs_build(m, start, &t);
    if (rc == WASP_OK) {
        t.specs[0].on_give_up = on_give_up;
        t.specs[0].give_up_arg = give_up_arg;
        rc = wasp_supervisor_start(sys, &t.specs[0], root);
        if (rc == WASP_OK) m->started = true;
    }
    specs_free(&t);
    if (rc != WASP_OK) start_error(m, rc, err, errcap);
    return rc;
}
