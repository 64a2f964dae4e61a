/* manifest_supervisor.c - the `supervisor` section: a tree of supervisors
 * whose leaves are components, each component supervised exactly once.
 * Without the section (or without root `children`) the root supervises
 * every component in manifest order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/internal.h"

static bool present(const struct mf_node *n) { return n && n->kind != MF_NULL; }

static int new_supervisor(struct wasp_manifest *m, int parent) {
    if (m->nsupervisors == m->capsupervisors) {
        size_t cap = m->capsupervisors ? m->capsupervisors * 2 : 4;
        struct mf_supervisor *v = realloc(m->supervisors, cap * sizeof(*v));
        if (!v) {
            m->arena.failed = true;
            return -1;
        }
        m->supervisors = v;
        m->capsupervisors = cap;
    }
    struct mf_supervisor *s = &m->supervisors[m->nsupervisors];
    memset(s, 0, sizeof(*s));
    s->pub.name = MF_ROOT_NAME;
    s->pub.strategy = WASP_SUP_ONE_FOR_ONE;
    s->pub.intensity = MF_DEFAULT_INTENSITY;
    s->pub.period_ns = MF_DEFAULT_PERIOD_NS;
    s->pub.backoff = (wasp_backoff){MF_DEFAULT_BACKOFF_INITIAL_NS, MF_DEFAULT_BACKOFF_MAX_NS,
                                    MF_DEFAULT_BACKOFF_MULTIPLIER, MF_DEFAULT_BACKOFF_JITTER};
    s->pub.parent = parent;
    s->pub.restart = WASP_RESTART_PERMANENT;
    return (int)m->nsupervisors++;
}

static void read_backoff(wasp_backoff *b, struct mf_errors *e, const struct mf_node *n) {
    static const char *const keys[] = {"initial", "max", "multiplier", "jitter", NULL};
    const struct mf_node *v[4];
    if (!wasp__mf_map_fields(e, n, "backoff", keys, v, NULL)) return;
    bool ok_initial = true, ok_max = true;
    if (present(v[0])) ok_initial = wasp__mf_get_duration(e, v[0], "backoff.initial", &b->initial_ns);
    if (present(v[1])) ok_max = wasp__mf_get_duration(e, v[1], "backoff.max", &b->max_ns);
    if (present(v[2])) wasp__mf_get_double(e, v[2], "backoff.multiplier", 1.0, INFINITY, &b->multiplier);
    if (present(v[3])) wasp__mf_get_double(e, v[3], "backoff.jitter", 0.0, 1.0, &b->jitter);
    if (ok_initial && ok_max && b->max_ns < b->initial_ns)
        wasp__mf_error(e, present(v[1]) ? v[1] : v[0] ? v[0] : n,
                 "backoff.max must not be smaller than backoff.initial");
}

static void read_child(struct wasp_manifest *m, int sup, struct mf_errors *e,
                       const struct mf_node *item, int depth);

/* Reads supervisor mapping n into supervisor index `sup`. */
static void read_one(struct wasp_manifest *m, int sup, struct mf_errors *e, const struct mf_node *n,
                     int depth) {
    static const char *const keys[] = {"name",    "strategy", "intensity", "period",
                                       "backoff", "children", "placement", "restart", NULL};
    const struct mf_node *v[8];
    bool root = sup == 0;
    if (!wasp__mf_map_fields(e, n, "supervisor", keys, v, NULL)) return;
    struct mf_supervisor *s = &m->supervisors[sup];
    s->name_node = n;
    if (v[0]) {
        const char *name;
        if (wasp__mf_get_string(e, v[0], &name)) {
            if (!wasp__mf_valid_name(name))
                wasp__mf_error(e, v[0], "invalid supervisor name '%s' (use letters, digits, '_' and '-')",
                         name);
            else if (!strcmp(name, "wasp"))
                wasp__mf_error(e, v[0], "the name 'wasp' is reserved for the runtime");
            else if (strlen(name) > 200)
                wasp__mf_error(e, v[0], "supervisor name is longer than 200 bytes");
            else {
                m->supervisors[sup].pub.name = name;
                m->supervisors[sup].name_node = v[0];
            }
        }
    } else if (!root) {
        wasp__mf_missing(e, n, "name");
    }
    if (present(v[1])) {
        const char *t = v[1]->kind == MF_SCALAR ? v[1]->text : "";
        int st = -1;
        if (!strcmp(t, "one_for_one")) st = WASP_SUP_ONE_FOR_ONE;
        else if (!strcmp(t, "one_for_all")) st = WASP_SUP_ONE_FOR_ALL;
        else if (!strcmp(t, "rest_for_one")) st = WASP_SUP_REST_FOR_ONE;
        else wasp__mf_error(e, v[1], "invalid strategy '%s' (one_for_one, one_for_all or rest_for_one)", t);
        if (st >= 0) m->supervisors[sup].pub.strategy = st;
    }
    int64_t x;
    if (present(v[2]) && wasp__mf_get_int(e, v[2], "intensity", 0, UINT32_MAX, &x))
        m->supervisors[sup].pub.intensity = (uint32_t)x;
    if (present(v[3])) wasp__mf_get_duration(e, v[3], "period", &m->supervisors[sup].pub.period_ns);
    if (present(v[4])) read_backoff(&m->supervisors[sup].pub.backoff, e, v[4]);
    if (present(v[6])) wasp__mf_read_placement(m, e, v[6], &m->supervisors[sup].placement);
    if (present(v[7])) { /* how its parent treats its exit */
        if (root) wasp__mf_error(e, v[7], "restart is only for nested supervisors (the root has no parent)");
        else wasp__mf_get_restart(e, v[7], &m->supervisors[sup].pub.restart);
    }

    const struct mf_node *ch = v[5];
    if (!ch && root) { /* the root supervises every component, in order */
        size_t nc = m->ncomponents;
        struct mf_child *c = wasp__mf_alloc(&m->arena, (nc ? nc : 1) * sizeof(*c));
        if (!c) return;
        for (size_t i = 0; i < nc; i++) {
            c[i].component = i;
            m->components[i].supervised = true;
            m->components[i].supervised_at = NULL;
        }
        m->supervisors[sup].children = c;
        m->supervisors[sup].nchildren = nc;
        return;
    }
    if (!ch) {
        wasp__mf_missing(e, n, "children");
        return;
    }
    if (ch->kind != MF_SEQ) {
        wasp__mf_error(e, ch, "children must be a list");
        return;
    }
    struct mf_child *c = wasp__mf_alloc(&m->arena, (ch->n ? ch->n : 1) * sizeof(*c));
    if (!c) return;
    m->supervisors[sup].children = c;
    for (size_t i = 0; i < ch->n; i++) read_child(m, sup, e, ch->items[i], depth);
}

static void read_child(struct wasp_manifest *m, int sup, struct mf_errors *e,
                       const struct mf_node *item, int depth) {
    if (item->kind == MF_SCALAR) {
        size_t i = 0;
        while (i < m->ncomponents &&
               !(m->components[i].spec.name && !strcmp(m->components[i].spec.name, item->text)))
            i++;
        if (i == m->ncomponents) {
            wasp__mf_error(e, item, "unknown component '%s'", item->text);
            return;
        }
        struct mf_component *c = &m->components[i];
        if (c->supervised) {
            if (c->supervised_at)
                wasp__mf_error(e, item, "component '%s' is supervised twice (first at %d:%d)", item->text,
                         c->supervised_at->line, c->supervised_at->col);
            else
                wasp__mf_error(e, item, "component '%s' is supervised twice", item->text);
            return;
        }
        c->supervised = true;
        c->supervised_at = item;
        struct mf_supervisor *s = &m->supervisors[sup];
        s->children[s->nchildren++] = (struct mf_child){.component = i};
        return;
    }
    if (item->kind == MF_MAP && item->n == 1 && item->keys[0]->kind == MF_SCALAR &&
        !strcmp(item->keys[0]->text, "supervisor")) {
        if (depth >= 32) {
            wasp__mf_error(e, item, "supervisors are nested too deeply");
            return;
        }
        int nested = new_supervisor(m, sup);
        if (nested < 0) return;
        m->supervisors[nested].pub.name = NULL;
        struct mf_supervisor *s = &m->supervisors[sup];
        s->children[s->nchildren++] = (struct mf_child){.supervisor = (size_t)nested,
                                                        .is_supervisor = true};
        read_one(m, nested, e, item->items[0], depth + 1);
        return;
    }
    wasp__mf_error(e, item, "a child must be a component name or a mapping {supervisor: ...}");
}

void wasp__mf_read_supervisors(struct wasp_manifest *m, const struct mf_node *key,
                         const struct mf_node *node, struct mf_errors *e) {
    (void)key;
    int root = new_supervisor(m, -1);
    if (root < 0) return;
    if (node) {
        read_one(m, root, e, node, 0);
    } else {
        struct mf_child *c = wasp__mf_alloc(&m->arena, (m->ncomponents ? m->ncomponents : 1) * sizeof(*c));
        if (!c) return;
        for (size_t i = 0; i < m->ncomponents; i++) {
            c[i].component = i;
            m->components[i].supervised = true;
        }
        m->supervisors[root].children = c;
        m->supervisors[root].nchildren = m->ncomponents;
    }

    /* Every named component is supervised exactly once. */
    for (size_t i = 0; i < m->ncomponents; i++) {
        struct mf_component *c = &m->components[i];
        if (c->spec.name && !c->supervised) {
            wasp__mf_error(e, c->name_node,
                     "component '%s' is not supervised (list it in supervisor.children)",
                     c->spec.name);
        }
    }

    /* Supervisor names are actor names: unique among supervisors and components. */
    for (size_t i = 0; i < m->nsupervisors; i++) {
        struct mf_supervisor *s = &m->supervisors[i];
        if (!s->pub.name) continue;
        for (size_t j = 0; j < i; j++)
            if (m->supervisors[j].pub.name && !strcmp(m->supervisors[j].pub.name, s->pub.name)) {
                wasp__mf_error(e, s->name_node, "supervisor name '%s' is used twice", s->pub.name);
                break;
            }
        for (size_t j = 0; j < m->ncomponents; j++) {
            const char *cn = m->components[j].spec.name;
            if (cn && !strcmp(cn, s->pub.name)) {
                if (s->name_node)
                    wasp__mf_error(e, s->name_node, "supervisor name '%s' is also a component's name",
                             s->pub.name);
                else
                    wasp__mf_error(e, m->components[j].name_node,
                             "component name '%s' is taken by the root supervisor (name it with supervisor.name)",
                             cn);
            }
        }
    }
    /* Actor counts per supervisor, for tools. */
    for (size_t i = 0; i < m->nsupervisors; i++) {
        struct mf_supervisor *s = &m->supervisors[i];
        s->pub.nchildren = s->nchildren;
        s->pub.nactors = 0;
        for (size_t k = 0; k < s->nchildren; k++)
            s->pub.nactors += s->children[k].is_supervisor
                                  ? 1
                                  : m->components[s->children[k].component].spec.instances;
    }
}
