/* manifest_start.c - the manifest's supervision tree started through the
 * public supervisor API: each component contributes one child per instance
 * (wasp_component_child_specs), each nested supervisor one child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/internal.h"

int wasp_manifest_start(wasp_manifest *m, wasp_system *sys,
                        void (*on_give_up)(wasp_supervisor *sup, void *arg), void *give_up_arg,
                        wasp_supervisor **root, char *err, size_t errcap) {
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

    size_t ns = m->nsupervisors;
    wasp_supervisor_spec *specs = calloc(ns, sizeof(*specs));
    wasp_child_spec **arrays = calloc(ns, sizeof(*arrays));
    int rc = specs && arrays ? WASP_OK : WASP_ENOMEM;
    for (size_t i = 0; rc == WASP_OK && i < ns; i++) {
        const struct mf_supervisor *s = &m->supervisors[i];
        size_t n = s->pub.nactors;
        arrays[i] = calloc(n ? n : 1, sizeof(wasp_child_spec));
        if (!arrays[i]) {
            rc = WASP_ENOMEM;
            break;
        }
        size_t k = 0;
        for (size_t c = 0; c < s->nchildren; c++) {
            const struct mf_child *ch = &s->children[c];
            if (ch->is_supervisor) {
                arrays[i][k++] = (wasp_child_spec){.supervisor = &specs[ch->supervisor],
                                                   .restart = WASP_RESTART_PERMANENT};
            } else {
                wasp_component *comp = m->components[ch->component].loaded;
                wasp_component_child_specs(comp, &arrays[i][k]);
                k += wasp_component_instances(comp);
            }
        }
        specs[i] = (wasp_supervisor_spec){
            .name = s->pub.name,
            .strategy = s->pub.strategy,
            .intensity = s->pub.intensity,
            .period_ns = s->pub.period_ns,
            .backoff = s->pub.backoff,
            .children = arrays[i],
            .nchildren = k,
        };
    }
    if (rc == WASP_OK) {
        specs[0].on_give_up = on_give_up;
        specs[0].give_up_arg = give_up_arg;
        rc = wasp_supervisor_start(sys, &specs[0], root);
        if (rc == WASP_OK) m->started = true;
    }
    for (size_t i = 0; arrays && i < ns; i++) free(arrays[i]);
    free(arrays);
    free(specs);

    if (rc != WASP_OK && err && errcap) {
        /* Name the component(s) that failed, if any said why. */
        size_t used = 0;
        for (size_t i = 0; i < m->ncomponents && used + 1 < errcap; i++) {
            char why[600];
            wasp_component_error(m->components[i].loaded, why, sizeof(why));
            if (!why[0]) continue;
            int w = snprintf(err + used, errcap - used, "%s%s", used ? "; " : "", why);
            if (w < 0) break;
            used += (size_t)w < errcap - used ? (size_t)w : errcap - used - 1;
        }
        if (!used)
            snprintf(err, errcap, "cannot start the supervision tree: %s", wasp_strerror(rc));
    }
    return rc;
}
