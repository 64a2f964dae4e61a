/* manifest_warnings.c - what `wasp check` warns about: a manifest that is
 * valid but says something that cannot happen. A `permissions.send` entry
 * that matches no actor of the manifest grants nothing (usually a typo: the
 * component's sends fail with EPERM), and a subscription that no component
 * may publish to never delivers anything. Warnings never fail a check. */
#include <stdio.h>
#include <string.h>

#include "manifest/internal.h"

/* Instance names tried per component; a glob aimed at a later instance of a
 * huge pool is not worth the walk. */
#define MAX_INSTANCE_NAMES 1024

static bool component_matches(const wasp_component_spec *s, const char *glob) {
    if (wasp_glob_matches(glob, s->name)) return true; /* the actor, or the pool's name */
    char name[272];
    for (uint32_t i = 0; s->instances > 1 && i < s->instances && i < MAX_INSTANCE_NAMES; i++) {
        snprintf(name, sizeof(name), "%s.%u", s->name, i);
        if (wasp_glob_matches(glob, name)) return true;
    }
    return false;
}

static bool glob_matches_an_actor(const struct wasp_manifest *m, const char *glob) {
    if (!strcmp(glob, "self")) return true; /* the component's own actors */
    for (size_t i = 0; i < m->ncomponents; i++)
        if (m->components[i].spec.name && component_matches(&m->components[i].spec, glob))
            return true;
    for (size_t i = 0; i < m->nsupervisors; i++)
        if (m->supervisors[i].pub.name && wasp_glob_matches(glob, m->supervisors[i].pub.name))
            return true;
    return false;
}

/* The next segment of a topic pattern: its length, *rest past its dot. */
static size_t segment(const char *p, const char **rest) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    *rest = dot ? dot + 1 : p + n;
    return n;
}

/* Some concrete topic matches both patterns (`*` one segment, a last `>`
 * one or more). */
static bool patterns_overlap(const char *a, const char *b) {
    while (*a && *b) {
        const char *ra, *rb;
        size_t na = segment(a, &ra), nb = segment(b, &rb);
        if ((na == 1 && *a == '>') || (nb == 1 && *b == '>')) return true; /* the other has one here */
        bool wild = (na == 1 && *a == '*') || (nb == 1 && *b == '*');
        if (!wild && (na != nb || memcmp(a, b, na))) return false;
        a = ra;
        b = rb;
    }
    return !*a && !*b;
}

static bool someone_publishes(const struct wasp_manifest *m, const char *pattern) {
    if (patterns_overlap(pattern, WASP_DEAD_LETTERS_TOPIC)) return true; /* the runtime does */
    for (size_t i = 0; i < m->ncomponents; i++) {
        const wasp_component_spec *s = &m->components[i].spec;
        for (size_t p = 0; p < s->permissions.npublish; p++)
            if (patterns_overlap(pattern, s->permissions.publish[p])) return true;
    }
    return false;
}

/* Scalars of a list node (NULL: none). */
#define EACH_ITEM(list, i, item)                                                        \
    for (size_t i = 0; (list) && (list)->kind == MF_SEQ && i < (list)->n; i++)           \
        for (const struct mf_node *item = (list)->items[i]; item && item->kind == MF_SCALAR; \
             item = NULL)

static void check_topics(const struct wasp_manifest *m, struct mf_errors *w, const char *who,
                         const struct mf_node *list, const char *what) {
    EACH_ITEM(list, i, t) {
        if (wasp_topic_validate(t->text, false) == WASP_OK && !someone_publishes(m, t->text))
            wasp__mf_error(w, t,
                           "warning: %s: %s '%s' matches no topic any component may publish "
                           "(permissions.publish)",
                           who, what, t->text);
    }
}

void wasp__mf_warnings(const struct wasp_manifest *m, struct mf_errors *w) {
    for (size_t c = 0; c < m->ncomponents; c++) {
        const struct mf_component *mc = &m->components[c];
        const char *who = mc->spec.name;
        if (!who) continue;
        EACH_ITEM(mc->send_node, i, g) {
            if (!glob_matches_an_actor(m, g->text))
                wasp__mf_error(w, g, "warning: %s: permissions.send '%s' matches no actor of the manifest",
                               who, g->text);
        }
        check_topics(m, w, who, mc->subscribe_node, "subscription");
        check_topics(m, w, who, mc->grant_subscribe_node, "permissions.subscribe");
    }
}
