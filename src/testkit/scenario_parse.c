/* scenario_parse.c - a scenario file read into cases: what is under test,
 * stand-ins, steps. Every problem is reported at its position; a file with
 * problems runs nothing. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "testkit/scenario.h"

static bool present(const struct mf_node *n) { return n && n->kind != MF_NULL; }

static void *alloc_n(struct sc_file *f, size_t n, size_t size) {
    return wasp__mf_alloc(&f->m->arena, (n ? n : 1) * size);
}

/* ---- stand-ins -------------------------------------------------------------- */

static void read_answer(struct sc_file *f, const struct mf_node *n, struct sc_standin *s) {
    size_t i = s->nanswers++;
    if (n->kind == MF_SCALAR || n->kind == MF_NULL) {
        s->answer_kinds[i] = WASP_TEST_REPLY;
        s->answers[i] = (struct sc_bytes){n->kind == MF_SCALAR ? n->text : "", n->len};
        return;
    }
    static const char *const keys[] = {"text", "json", "silence", "noreply", "crash", NULL};
    const struct mf_node *v[5], *k[5];
    if (!wasp__mf_map_fields(&f->errs, n, "a reply", keys, v, k)) return;
    size_t given = 0;
    for (int j = 0; j < 5; j++) given += v[j] != NULL;
    if (given != 1) {
        wasp__mf_error(&f->errs, n, "a reply is a text, or one of text, json, silence, noreply, crash");
        return;
    }
    if (v[0] || v[1]) {
        s->answer_kinds[i] = WASP_TEST_REPLY;
        wasp__sc_read_payload(f, v[0], v[1], &s->answers[i]);
        return;
    }
    static const int kinds[] = {WASP_TEST_SILENCE, WASP_TEST_NOREPLY, WASP_TEST_CRASH};
    for (int j = 2; j < 5; j++) {
        if (!v[j]) continue;
        bool on = false;
        if (wasp__mf_get_bool(&f->errs, v[j], &on) && !on)
            wasp__mf_error(&f->errs, v[j], "%s: only `true` means something here", k[j]->text);
        s->answer_kinds[i] = kinds[j - 2];
    }
}

static void read_standin(struct sc_file *f, const struct mf_node *n, struct sc_standin *s) {
    static const char *const keys[] = {"name", "mailbox", "stalled", "crash_at", "replies", NULL};
    const struct mf_node *v[5];
    s->at = n;
    if (!wasp__mf_map_fields(&f->errs, n, "a stand-in", keys, v, NULL)) return;
    if (!v[0]) wasp__mf_missing(&f->errs, n, "name");
    else if (wasp__mf_get_string(&f->errs, v[0], &s->name)) {
        s->at = v[0];
        if (v[0]->len > 255) wasp__mf_error(&f->errs, v[0], "a name is at most 255 bytes");
    }
    int64_t x;
    if (present(v[1]) && wasp__mf_get_int(&f->errs, v[1], "mailbox", 1, UINT32_MAX, &x))
        s->opts.mailbox = (uint32_t)x;
    if (present(v[2])) wasp__mf_get_bool(&f->errs, v[2], &s->opts.stalled);
    if (present(v[3]) && wasp__mf_get_int(&f->errs, v[3], "crash_at", 1, UINT32_MAX, &x))
        s->opts.crash_at = (uint32_t)x;
    if (present(v[4])) {
        if (v[4]->kind != MF_SEQ) {
            wasp__mf_error(&f->errs, v[4], "replies must be a list");
            return;
        }
        s->answer_kinds = alloc_n(f, v[4]->n, sizeof(int));
        s->answers = alloc_n(f, v[4]->n, sizeof(struct sc_bytes));
        if (!s->answer_kinds || !s->answers) return;
        for (size_t i = 0; i < v[4]->n; i++) read_answer(f, v[4]->items[i], s);
    }
}

static struct sc_standin *read_standins(struct sc_file *f, const struct mf_node *n, size_t *count) {
    *count = 0;
    if (n->kind != MF_SEQ) {
        wasp__mf_error(&f->errs, n, "standins must be a list");
        return NULL;
    }
    struct sc_standin *v = alloc_n(f, n->n, sizeof(*v));
    if (!v) return NULL;
    for (size_t i = 0; i < n->n; i++) {
        read_standin(f, n->items[i], &v[i]);
        for (size_t j = 0; j < i && v[i].name; j++)
            if (v[j].name && !strcmp(v[j].name, v[i].name))
                wasp__mf_error(&f->errs, v[i].at, "stand-in '%s' is defined twice", v[i].name);
    }
    *count = n->n;
    return v;
}

/* ---- steps ------------------------------------------------------------------------ */

static const char *const actions[] = {"send", "call", "publish", "advance", "kill", "expect", NULL};

static void read_step(struct sc_file *f, const struct mf_node *n, struct sc_step *st) {
    st->at = n;
    if (n->kind != MF_MAP) {
        wasp__mf_error(&f->errs, n, "a step must be a mapping (send, call, publish, advance, kill or expect)");
        return;
    }
    int action = -1;
    for (size_t i = 0; i < n->n; i++)
        for (int a = 0; actions[a]; a++)
            if (n->keys[i]->kind == MF_SCALAR && !strcmp(n->keys[i]->text, actions[a])) {
                if (action >= 0) {
                    wasp__mf_error(&f->errs, n->keys[i], "one action per step ('%s' and '%s')",
                             actions[action], actions[a]);
                    return;
                }
                action = a;
            }
    if (action < 0) {
        wasp__mf_error(&f->errs, n, "a step needs one of send, call, publish, advance, kill, expect");
        return;
    }
    st->kind = (enum sc_step_kind)action;
    static const char *const send_keys[] = {"send", "text", "json", "from", "error", NULL};
    static const char *const call_keys[] = {"call", "text", "json", "from", "timeout", "reply",
                                            "error", NULL};
    static const char *const publish_keys[] = {"publish", "text", "json", "error", NULL};
    static const char *const advance_keys[] = {"advance", NULL};
    static const char *const kill_keys[] = {"kill", NULL};
    static const char *const expect_keys[] = {"expect", NULL};
    static const char *const *const known[] = {send_keys, call_keys, publish_keys,
                                               advance_keys, kill_keys, expect_keys};
    const struct mf_node *v[8] = {0};
    char what[32];
    snprintf(what, sizeof(what), "a %s step", actions[action]);
    if (!wasp__mf_map_fields(&f->errs, n, what, known[action], v, NULL)) return;
    const struct mf_node *head = v[0];
    st->at = head;
    switch (st->kind) {
    case SC_SEND:
    case SC_CALL:
    case SC_PUBLISH: {
        if (!wasp__mf_get_string(&f->errs, head, &st->target)) return;
        if (st->kind == SC_PUBLISH && wasp_topic_validate(st->target, true) != WASP_OK)
            wasp__mf_error(&f->errs, head, "invalid topic '%s'", st->target);
        wasp__sc_read_payload(f, v[1], v[2], &st->payload);
        const struct mf_node *err = st->kind == SC_PUBLISH ? v[3] : st->kind == SC_SEND ? v[4] : v[6];
        if (st->kind != SC_PUBLISH && present(v[3])) wasp__mf_get_string(&f->errs, v[3], &st->from);
        if (present(err) && wasp__sc_read_error_name(f, err, &st->error)) st->error_at = err;
        if (st->kind == SC_CALL) {
            if (present(v[4])) wasp__mf_get_duration(&f->errs, v[4], "timeout", &st->ns);
            if (v[5]) wasp__sc_read_matcher(f, v[5], &st->reply);
            if (v[5] && st->error_at)
                wasp__mf_error(&f->errs, v[5], "a call expects a reply or an error, not both");
        }
        break;
    }
    case SC_ADVANCE:
        wasp__mf_get_duration(&f->errs, head, "advance", &st->ns);
        break;
    case SC_KILL:
        wasp__mf_get_string(&f->errs, head, &st->target);
        break;
    case SC_EXPECT:
        wasp__sc_read_expect(f, head, st);
        break;
    }
}

/* ---- cases ------------------------------------------------------------------------ */

struct sc_defaults {
    const struct mf_node *component; /* the file's `component`, or NULL */
    const char *manifest;            /* the file's `manifest`, or NULL */
    struct sc_seed *seeds;           /* the file's `storage` */
    size_t nseeds;
    bool skip_files;
};

/* The file's component entry with the case's keys put over it. */
static const struct mf_node *merge_component(struct sc_file *f, const struct mf_node *base,
                                             const struct mf_node *over) {
    if (!over) return base;
    if (over->kind != MF_MAP) {
        wasp__mf_error(&f->errs, over, "a case's component must be a mapping of keys to change");
        return base;
    }
    if (base->kind != MF_MAP) return base;
    struct mf_node *m = wasp__mf_alloc(&f->m->arena, sizeof(*m));
    if (!m) return base;
    *m = *base;
    m->keys = alloc_n(f, base->n + over->n, sizeof(*m->keys));
    m->items = alloc_n(f, base->n + over->n, sizeof(*m->items));
    if (!m->keys || !m->items) return base;
    m->n = 0;
    for (size_t i = 0; i < base->n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < over->n && !replaced; j++)
            replaced = base->keys[i]->kind == MF_SCALAR && over->keys[j]->kind == MF_SCALAR &&
                       !strcmp(base->keys[i]->text, over->keys[j]->text);
        if (replaced) continue;
        m->keys[m->n] = base->keys[i];
        m->items[m->n++] = base->items[i];
    }
    for (size_t j = 0; j < over->n; j++) {
        m->keys[m->n] = over->keys[j];
        m->items[m->n++] = over->items[j];
    }
    return m;
}

static const char *read_manifest_path(struct sc_file *f, const struct mf_node *n, bool skip_files) {
    const char *path;
    if (!wasp__mf_get_string(&f->errs, n, &path) || !(path = wasp__mf_resolve_path(f->m, path))) return NULL;
    struct stat st;
    if (!skip_files && stat(path, &st) != 0)
        wasp__mf_error(&f->errs, n, "cannot open manifest '%s'", path);
    return path;
}

/* What the case tests: its own `manifest` or `component` (put over the
 * file's component), else the file's. */
static void read_subject(struct sc_file *f, struct sc_case *c, const struct mf_node *comp,
                         const struct mf_node *manifest, const struct sc_defaults *d) {
    if (comp && manifest) {
        wasp__mf_error(&f->errs, manifest, "a case tests a `component` or a `manifest`, not both");
    } else if (manifest) {
        c->manifest = read_manifest_path(f, manifest, d->skip_files);
    } else if (comp || d->component) {
        wasp__mf_read_component(f->m, &c->component, &f->errs,
                          d->component ? merge_component(f, d->component, comp) : comp);
        c->has_component = true;
    } else if (d->manifest) {
        c->manifest = d->manifest;
    } else {
        wasp__mf_error(&f->errs, c->at, "case '%s' tests nothing: give it (or the file) a `component` "
                 "or a `manifest`", c->name ? c->name : "");
    }
}

static void read_case(struct sc_file *f, const struct mf_node *n, struct sc_case *c,
                      const struct sc_defaults *d) {
    static const char *const keys[] = {"name", "component", "manifest", "standins", "steps",
                                       "storage", NULL};
    const struct mf_node *v[6];
    c->at = n;
    if (!wasp__mf_map_fields(&f->errs, n, "a case", keys, v, NULL)) return;
    if (!v[0]) wasp__mf_missing(&f->errs, n, "name");
    else if (wasp__mf_get_string(&f->errs, v[0], &c->name)) c->at = v[0];
    read_subject(f, c, v[1], v[2], d);
    if (present(v[3])) c->standins = read_standins(f, v[3], &c->nstandins);
    if (!v[4]) {
        wasp__mf_missing(&f->errs, n, "steps");
    } else if (v[4]->kind != MF_SEQ || v[4]->n == 0) {
        wasp__mf_error(&f->errs, v[4], "steps must be a list of at least one step");
    } else {
        c->steps = alloc_n(f, v[4]->n, sizeof(*c->steps));
        if (!c->steps) return;
        c->nsteps = v[4]->n;
        for (size_t i = 0; i < c->nsteps; i++) read_step(f, v[4]->items[i], &c->steps[i]);
    }
    c->seeds = d->seeds;
    c->nseeds = d->nseeds;
    if (present(v[5])) wasp__sc_read_seeds(f, v[5], &c->seeds, &c->nseeds);
}

void wasp__sc_parse(struct sc_file *f, const char *text, size_t len, bool skip_files) {
    f->errs.file = f->m->path;
    const struct mf_node *root = wasp__mf_yaml_parse(&f->m->arena, text, len, &f->errs);
    if (f->errs.len || f->m->arena.failed) return;
    if (!root) {
        wasp__mf_error_at(&f->errs, 1, 1, "the scenario is empty (it needs `cases`)");
        return;
    }
    static const char *const keys[] = {"component", "manifest", "workers", "standins", "cases",
                                       "storage", NULL};
    const struct mf_node *v[6];
    if (!wasp__mf_map_fields(&f->errs, root, "the scenario", keys, v, NULL)) return;
    struct sc_defaults d = {.component = v[0], .skip_files = skip_files};
    if (v[0] && v[1]) wasp__mf_error(&f->errs, v[1], "a scenario tests a `component` or a `manifest`, not both");
    else if (v[1]) d.manifest = read_manifest_path(f, v[1], skip_files);
    int64_t x;
    if (present(v[2]) && wasp__mf_get_int(&f->errs, v[2], "workers", 1, 64, &x)) f->workers = (int)x;
    if (present(v[3])) f->standins = read_standins(f, v[3], &f->nstandins);
    if (present(v[5])) wasp__sc_read_seeds(f, v[5], &d.seeds, &d.nseeds);
    const struct mf_node *cases = v[4];
    if (!cases) {
        wasp__mf_missing(&f->errs, root, "cases");
        return;
    }
    if (cases->kind != MF_SEQ || cases->n == 0) {
        wasp__mf_error(&f->errs, cases, "cases must be a list of at least one case");
        return;
    }
    f->cases = alloc_n(f, cases->n, sizeof(*f->cases));
    if (!f->cases) return;
    f->ncases = cases->n;
    for (size_t i = 0; i < f->ncases; i++) {
        struct sc_case *c = &f->cases[i];
        read_case(f, cases->items[i], c, &d);
        for (size_t j = 0; j < i && c->name; j++)
            if (f->cases[j].name && !strcmp(f->cases[j].name, c->name))
                wasp__mf_error(&f->errs, c->at, "case '%s' is defined twice (first at %d:%d)", c->name,
                         f->cases[j].at->line, f->cases[j].at->col);
    }
    if (skip_files) return;
    /* The loader's own file checks, for each case's component. */
    f->m->components = wasp__mf_alloc(&f->m->arena, f->ncases * sizeof(*f->m->components));
    if (!f->m->components) return;
    for (size_t i = 0; i < f->ncases; i++)
        if (f->cases[i].has_component) f->m->components[f->m->ncomponents++] = f->cases[i].component;
    wasp__mf_check_files(f->m, NULL, &f->errs);
    f->m->components = NULL;
    f->m->ncomponents = 0;
}
