/* manifest_placement.c - where the units of a multi-node system run: the
 * `nodes` list, `placement` on the root supervisor's children, and the
 * accessors src/dist reads them through (docs/DISTRIBUTION.md). */
#include <string.h>

#include "manifest/internal.h"

#define MF_NODE_NAME_MAX 64

static bool present(const struct mf_node *n) { return n && n->kind != MF_NULL; }

/* A node name or label becomes one token of a NATS subject. */
static bool valid_token(struct mf_errors *e, const struct mf_node *n, const char *what,
                        const char **out) {
    if (!wasp__mf_get_string(e, n, out)) return false;
    if (!wasp__mf_valid_name(*out) || n->len > MF_NODE_NAME_MAX) {
        wasp__mf_error(e, n, "invalid %s '%s' (1 to %d letters, digits, '_' and '-')", what, *out,
                 MF_NODE_NAME_MAX);
        return false;
    }
    return true;
}

static const char *const *labels_of(struct wasp_manifest *m, struct mf_errors *e,
                                    const struct mf_node *n, size_t *count) {
    *count = 0;
    if (n->kind != MF_SEQ) {
        wasp__mf_error(e, n, "labels must be a list");
        return NULL;
    }
    const char **v = wasp__mf_alloc(&m->arena, (n->n ? n->n : 1) * sizeof(*v));
    for (size_t i = 0; v && i < n->n; i++)
        if (valid_token(e, n->items[i], "label", &v[*count])) (*count)++;
    return v;
}

void wasp__mf_read_placement(struct wasp_manifest *m, struct mf_errors *e, const struct mf_node *n,
                       struct mf_placement *out) {
    static const char *const keys[] = {"node", "labels", "failover", NULL};
    const struct mf_node *v[3];
    out->at = n;
    if (!wasp__mf_map_fields(e, n, "placement", keys, v, NULL)) return;
    if (present(v[0])) valid_token(e, v[0], "node name", &out->node);
    if (present(v[1])) out->labels = labels_of(m, e, v[1], &out->nlabels);
    if (present(v[2])) wasp__mf_get_bool(e, v[2], &out->failover);
}

void wasp__mf_read_nodes(struct wasp_manifest *m, struct mf_errors *e, const struct mf_node *n) {
    static const char *const keys[] = {"name", "labels", NULL};
    if (n->kind != MF_SEQ) {
        wasp__mf_error(e, n, "nodes must be a list");
        return;
    }
    m->nodes = wasp__mf_alloc(&m->arena, (n->n ? n->n : 1) * sizeof(*m->nodes));
    for (size_t i = 0; m->nodes && i < n->n; i++) {
        const struct mf_node *it = n->items[i], *v[2] = {NULL, NULL};
        wasp_manifest_node *nd = &m->nodes[m->nnodes];
        if (it->kind == MF_SCALAR) v[0] = it; /* "n1" is {name: n1} */
        else if (!wasp__mf_map_fields(e, it, "node", keys, v, NULL)) continue;
        if (!v[0]) {
            wasp__mf_missing(e, it, "name");
            continue;
        }
        if (!valid_token(e, v[0], "node name", &nd->name)) continue;
        if (present(v[1])) nd->labels = labels_of(m, e, v[1], &nd->nlabels);
        bool dup = false;
        for (size_t j = 0; j < m->nnodes && !dup; j++) dup = !strcmp(m->nodes[j].name, nd->name);
        if (dup) wasp__mf_error(e, v[0], "node '%s' is listed twice", nd->name);
        else m->nnodes++;
    }
}

static bool node_has_labels(const wasp_manifest_node *nd, const struct mf_placement *p) {
    for (size_t i = 0; i < p->nlabels; i++) {
        bool found = false;
        for (size_t j = 0; j < nd->nlabels && !found; j++) found = !strcmp(nd->labels[j], p->labels[i]);
        if (!found) return false;
    }
    return true;
}

/* Checks one placement against the declared nodes. */
static void check_one(struct wasp_manifest *m, struct mf_errors *e, const struct mf_placement *p,
                      const char *unit) {
    if (!p->at || !m->nnodes) {
        if (p->at && p->nlabels)
            wasp__mf_error(e, p->at, "'%s': placement.labels needs a `nodes` list that declares labels",
                     unit);
        return;
    }
    bool known = !p->node, fits = false;
    for (size_t i = 0; i < m->nnodes; i++) {
        if (p->node && !strcmp(m->nodes[i].name, p->node)) known = true;
        if (node_has_labels(&m->nodes[i], p)) fits = true;
    }
    if (!known) wasp__mf_error(e, p->at, "'%s': node '%s' is not in `nodes`", unit, p->node);
    if (!fits) wasp__mf_error(e, p->at, "'%s': no node in `nodes` has all of placement.labels", unit);
}

void wasp__mf_check_placement(struct wasp_manifest *m, struct mf_errors *e) {
    if (!m->nsupervisors) return;
    const struct mf_supervisor *root = &m->supervisors[0];
    if (root->placement.at)
        wasp__mf_error(e, root->placement.at,
                 "the root supervisor has no placement (place its children instead)");
    for (size_t i = 0; i < m->ncomponents; i++) {
        const struct mf_component *c = &m->components[i];
        if (c->placement.at) check_one(m, e, &c->placement, c->spec.name ? c->spec.name : "?");
    }
    for (size_t i = 1; i < m->nsupervisors; i++) {
        const struct mf_supervisor *s = &m->supervisors[i];
        if (s->placement.at) check_one(m, e, &s->placement, s->pub.name ? s->pub.name : "?");
    }
    /* Placement belongs to the root's children only: anything deeper runs with its unit. */
    for (size_t i = 1; i < m->nsupervisors; i++)
        for (size_t k = 0; k < m->supervisors[i].nchildren; k++) {
            const struct mf_child *ch = &m->supervisors[i].children[k];
            const struct mf_placement *p = ch->is_supervisor
                                               ? &m->supervisors[ch->supervisor].placement
                                               : &m->components[ch->component].placement;
            if (p->at)
                wasp__mf_error(e, p->at,
                         "placement applies to the root supervisor's children only "
                         "(this one runs wherever '%s' runs)",
                         m->supervisors[i].pub.name ? m->supervisors[i].pub.name : "?");
        }
}

/* ---- accessors --------------------------------------------------------------- */

size_t wasp_manifest_node_count(const wasp_manifest *m) { return m ? m->nnodes : 0; }

const wasp_manifest_node *wasp_manifest_node_get(const wasp_manifest *m, size_t i) {
    return m && i < m->nnodes ? &m->nodes[i] : NULL;
}

size_t wasp_manifest_unit_count(const wasp_manifest *m) {
    return m && m->nsupervisors ? m->supervisors[0].nchildren : 0;
}

int wasp_manifest_unit_get(const wasp_manifest *m, size_t i, wasp_manifest_unit *out) {
    if (!out || i >= wasp_manifest_unit_count(m)) return WASP_ENOENT;
    const struct mf_child *ch = &m->supervisors[0].children[i];
    const struct mf_placement *p;
    memset(out, 0, sizeof(*out));
    if (ch->is_supervisor) {
        out->name = m->supervisors[ch->supervisor].pub.name;
        out->component = -1;
        out->supervisor = (int)ch->supervisor;
        p = &m->supervisors[ch->supervisor].placement;
    } else {
        out->name = m->components[ch->component].spec.name;
        out->component = (int)ch->component;
        out->supervisor = -1;
        p = &m->components[ch->component].placement;
    }
    out->placed = p->at != NULL;
    out->node = p->node;
    out->labels = p->labels;
    out->nlabels = p->nlabels;
    out->failover = p->failover;
    return WASP_OK;
}

static size_t subtree_components(const wasp_manifest *m, size_t sup, size_t *out, size_t cap,
                                 size_t n) {
    const struct mf_supervisor *s = &m->supervisors[sup];
    for (size_t k = 0; k < s->nchildren; k++) {
        if (s->children[k].is_supervisor) {
            n = subtree_components(m, s->children[k].supervisor, out, cap, n);
        } else {
            if (n < cap) out[n] = s->children[k].component;
            n++;
        }
    }
    return n;
}

size_t wasp_manifest_unit_components(const wasp_manifest *m, size_t i, size_t *out, size_t cap) {
    if (i >= wasp_manifest_unit_count(m)) return 0;
    const struct mf_child *ch = &m->supervisors[0].children[i];
    if (ch->is_supervisor) return subtree_components(m, ch->supervisor, out, cap, 0);
    if (cap) out[0] = ch->component;
    return 1;
}
