/* manifest_yaml.c - libfyaml's event stream turned into a tree of nodes that
 * remember where they are (1-based line and column).
 *
 * The event API is used rather than libfyaml's document tree so that every
 * node, mappings and sequences included, has a position with any libfyaml
 * version. Anchors and aliases are supported; an alias shares the anchored
 * node. To keep a hostile document from exploding when aliases are
 * expanded, the tree may hold at most MF_MAX_WEIGHT nodes counted that way.
 */
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "core/hashmap.h"
#include "manifest/internal.h"
#include "core/utf8.h"

#define MF_MAX_WEIGHT 200000u
#define MF_MAX_DEPTH 64

struct open_node {
    struct mf_node *node;
    struct mf_node **v; /* seq: items; map: key, value, key, value, ... */
    size_t len, cap;
    const char *anchor;
};

struct builder {
    const char *text;
    size_t textlen;
    struct mf_arena *a;
    struct mf_errors *e;
    struct open_node stack[MF_MAX_DEPTH];
    size_t depth;
    struct wasp_hashmap anchors; /* name (arena string) -> node; the latest definition wins */
    struct mf_node *root;
    bool failed;
};

static void mark_pos(struct fy_event *ev, struct mf_node *n) {
    const struct fy_mark *m = fy_event_start_mark(ev);
    n->line = m && m->line >= 0 ? m->line + 1 : 1;
    n->col = m && m->column >= 0 ? m->column + 1 : 1;
}

static const char *anchor_name(struct builder *b, struct fy_token *t) {
    if (!t) return NULL;
    const char *s = fy_token_get_text0(t);
    return s ? wasp__mf_strdup(b->a, s) : NULL;
}

/* A hash map, not a list: a document of many anchors and aliases must not
 * cost anchors x aliases. */
static bool add_anchor(struct builder *b, const char *name, struct mf_node *n) {
    return wasp__hashmap_put(&b->anchors, name, strlen(name), n, NULL) == WASP_OK;
}

static struct mf_node *find_anchor(struct builder *b, const char *name) {
    return wasp__hashmap_get(&b->anchors, name, strlen(name));
}

/* A finished node goes into its parent (or becomes the root). */
static bool attach(struct builder *b, struct mf_node *n) {
    if (n->weight > MF_MAX_WEIGHT) {
        wasp__mf_error(b->e, n, "the document is too large once its aliases are expanded");
        return false;
    }
    if (b->depth == 0) {
        b->root = n;
        return true;
    }
    struct open_node *p = &b->stack[b->depth - 1];
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        struct mf_node **v = realloc(p->v, cap * sizeof(*v));
        if (!v) {
            b->a->failed = true;
            return false;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->len++] = n;
    p->node->weight += n->weight;
    return true;
}

static bool open_container(struct builder *b, struct fy_event *ev, enum mf_kind kind,
                           struct fy_token *anchor) {
    if (b->depth == MF_MAX_DEPTH) {
        struct mf_node at = {0};
        mark_pos(ev, &at);
        wasp__mf_error(b->e, &at, "nested too deeply");
        return false;
    }
    struct mf_node *n = wasp__mf_alloc(b->a, sizeof(*n));
    if (!n) return false;
    n->kind = kind;
    n->weight = 1;
    mark_pos(ev, n);
    b->stack[b->depth++] = (struct open_node){.node = n, .anchor = anchor_name(b, anchor)};
    return true;
}

static bool close_container(struct builder *b) {
    struct open_node *o = &b->stack[--b->depth];
    struct mf_node *n = o->node;
    bool ok = true;
    if (n->kind == MF_SEQ) {
        n->n = o->len;
        n->items = wasp__mf_alloc(b->a, (o->len ? o->len : 1) * sizeof(*n->items));
        if (n->items && o->len) memcpy(n->items, o->v, o->len * sizeof(*n->items));
        ok = n->items != NULL;
    } else {
        n->n = o->len / 2;
        n->keys = wasp__mf_alloc(b->a, (n->n ? n->n : 1) * sizeof(*n->keys));
        n->items = wasp__mf_alloc(b->a, (n->n ? n->n : 1) * sizeof(*n->items));
        ok = n->keys && n->items;
        for (size_t i = 0; ok && i < n->n; i++) {
            n->keys[i] = o->v[2 * i];
            n->items[i] = o->v[2 * i + 1];
        }
    }
    free(o->v);
    o->v = NULL;
    if (!ok) return false;
    if (o->anchor && !add_anchor(b, o->anchor, n)) return false;
    return attach(b, n);
}

static bool is_null_text(const char *s) {
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

static bool scalar(struct builder *b, struct fy_event *ev) {
    struct mf_node *n = wasp__mf_alloc(b->a, sizeof(*n));
    if (!n) return false;
    mark_pos(ev, n);
    n->weight = 1;
    size_t len = 0;
    const char *text = fy_token_get_text(ev->scalar.value, &len);
    if (!text) text = "", len = 0;
    n->text = wasp__mf_strndup(b->a, text, len);
    if (!n->text) return false;
    n->len = len;
    n->kind = MF_SCALAR;
    /* A quoted scalar is where its opening quote is; libfyaml marks where
     * its content starts. */
    enum fy_scalar_style style = fy_token_scalar_style(ev->scalar.value);
    const struct fy_mark *m = fy_event_start_mark(ev);
    if ((style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) && m && n->col > 1 &&
        m->input_pos > 0 && m->input_pos <= b->textlen) {
        char q = style == FYSS_SINGLE_QUOTED ? '\'' : '"';
        if (b->text[m->input_pos - 1] == q &&
            (len == 0 || m->input_pos == b->textlen || b->text[m->input_pos] != q))
            n->col--;
    }
    n->plain = style == FYSS_PLAIN && !ev->scalar.tag;
    if (n->plain && is_null_text(n->text)) n->kind = MF_NULL;
    const char *an = anchor_name(b, ev->scalar.anchor);
    if (an && !add_anchor(b, an, n)) return false;
    return attach(b, n);
}

static bool alias(struct builder *b, struct fy_event *ev) {
    const char *name = ev->alias.anchor ? fy_token_get_text0(ev->alias.anchor) : NULL;
    struct mf_node *target = name ? find_anchor(b, name) : NULL;
    if (!target) {
        struct mf_node at = {0};
        mark_pos(ev, &at);
        wasp__mf_error(b->e, &at, "unknown alias '*%s'", name ? name : "");
        return false;
    }
    return attach(b, target);
}

/* libfyaml's diagnostics arrive as text: "<input>:LINE:COL: error: message"
 * (collecting them as records leaks in libfyaml 0.7). */
struct diag_sink {
    struct mf_errors *e;
    size_t reported;
};

static void on_diag(struct fy_diag *diag, void *user, const char *buf, size_t len) {
    (void)diag;
    struct diag_sink *d = user;
    char line[512];
    if (len >= sizeof(line)) len = sizeof(line) - 1;
    memcpy(line, buf, len);
    line[len] = 0;
    char *err = strstr(line, ": error: ");
    if (!err) return;
    char *msg = err + 9, *nl = strchr(msg, '\n');
    if (nl) *nl = 0;
    *err = 0;
    /* ":LINE:COL" at the end of what precedes */
    char *c2 = strrchr(line, ':');
    int ln = 1, col = 1;
    if (c2) {
        *c2 = 0;
        char *c1 = strrchr(line, ':');
        if (c1) {
            ln = atoi(c1 + 1);
            col = atoi(c2 + 1);
        }
    }
    if (d->reported++ < 8)
        wasp__mf_error_at(d->e, ln > 0 ? ln : 1, col > 0 ? col : 1, "YAML syntax error: %s", msg);
}

struct mf_node *wasp__mf_yaml_parse(struct mf_arena *a, const char *text, size_t len,
                              struct mf_errors *errs) {
    /* The manifest must be UTF-8; checking first also keeps malformed bytes
     * away from libfyaml, whose scanner can spin on some of them. */
    size_t bad = wasp__utf8_invalid_at((const uint8_t *)text, len);
    if (bad < len) {
        int line = 1, col = 1;
        for (size_t i = 0; i < bad; i++) {
            if (text[i] == '\n') line++, col = 1;
            else if (((unsigned char)text[i] & 0xC0) != 0x80) col++;
        }
        wasp__mf_error_at(errs, line, col, "the manifest is not valid UTF-8 text");
        return NULL;
    }
    struct builder b = {.text = text, .textlen = len, .a = a, .e = errs};
    struct diag_sink sink = {.e = errs};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = on_diag;
    dcfg.user = &sink;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    dcfg.show_source = false;
    dcfg.show_position = true;
    dcfg.show_type = true;
    dcfg.show_module = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) {
        a->failed = true;
        return NULL;
    }
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_JSON_NONE, .diag = diag};
    struct fy_parser *p = fy_parser_create(&cfg);
    if (!p || fy_parser_set_string(p, text, len) != 0) {
        if (p) fy_parser_destroy(p);
        fy_diag_unref(diag);
        a->failed = true;
        return NULL;
    }

    int documents = 0;
    bool ok = true;
    struct fy_event *ev;
    while (ok && (ev = fy_parser_parse(p)) != NULL) {
        switch (ev->type) {
        case FYET_DOCUMENT_START:
            if (++documents > 1) {
                struct mf_node at = {0};
                mark_pos(ev, &at);
                wasp__mf_error(errs, &at, "only one YAML document is allowed");
                ok = false;
            }
            break;
        case FYET_MAPPING_START:
            ok = open_container(&b, ev, MF_MAP, ev->mapping_start.anchor);
            break;
        case FYET_SEQUENCE_START:
            ok = open_container(&b, ev, MF_SEQ, ev->sequence_start.anchor);
            break;
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
            ok = b.depth > 0 && close_container(&b);
            break;
        case FYET_SCALAR:
            ok = scalar(&b, ev);
            break;
        case FYET_ALIAS:
            ok = alias(&b, ev);
            break;
        default:
            break;
        }
        fy_parser_event_free(p, ev);
    }
    if (ok && fy_parser_get_stream_error(p)) {
        if (!sink.reported) wasp__mf_error_at(errs, 1, 1, "YAML syntax error");
        ok = false;
    }
    while (b.depth > 0) free(b.stack[--b.depth].v);
    wasp__hashmap_free(&b.anchors);
    fy_parser_destroy(p);
    fy_diag_unref(diag);
    if (!ok || a->failed) return NULL;
    return b.root;
}
