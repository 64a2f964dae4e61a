/* scenario_values.c - the values inside steps: payloads, matchers, error
 * names, and `expect` blocks. */
#include <jansson.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "testkit/scenario.h"

static bool present(const struct mf_node *n) { return n && n->kind != MF_NULL; }

/* ---- JSON from YAML ------------------------------------------------------------ */

static json_t *to_json(const struct mf_node *n, int depth) {
    if (depth > 64) return NULL;
    switch (n->kind) {
    case MF_NULL:
        return json_null();
    case MF_SCALAR:
        if (n->plain) { /* unquoted: a number, true, false or null if it reads as one */
            json_t *v = json_loadb(n->text, n->len, JSON_DECODE_ANY, NULL);
            if (v && (json_is_number(v) || json_is_boolean(v) || json_is_null(v))) return v;
            json_decref(v);
        }
        return json_stringn(n->text, n->len);
    case MF_SEQ: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < n->n; i++) {
            json_t *item = to_json(n->items[i], depth + 1);
            if (!item || json_array_append_new(a, item)) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case MF_MAP: {
        json_t *o = json_object();
        for (size_t i = 0; o && i < n->n; i++) {
            json_t *item = n->keys[i]->kind == MF_SCALAR ? to_json(n->items[i], depth + 1) : NULL;
            if (!item || json_object_setn_new(o, n->keys[i]->text, n->keys[i]->len, item)) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    }
    return NULL;
}

const char *wasp__sc_node_json(struct sc_file *f, const struct mf_node *n) {
    json_t *v = to_json(n, 0);
    char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!text) {
        wasp__mf_error(&f->errs, n, "cannot be written as JSON (keys must be text, at most 64 levels)");
        return NULL;
    }
    const char *copy = wasp__mf_strdup(&f->m->arena, text);
    free(text);
    return copy;
}

bool wasp__sc_read_payload(struct sc_file *f, const struct mf_node *text, const struct mf_node *json,
                     struct sc_bytes *out) {
    *out = (struct sc_bytes){"", 0};
    if (text && json) {
        wasp__mf_error(&f->errs, json, "give `text` or `json`, not both");
        return false;
    }
    if (json) {
        const char *s = wasp__sc_node_json(f, json);
        if (!s) return false;
        *out = (struct sc_bytes){s, strlen(s)};
        return true;
    }
    if (present(text)) {
        if (text->kind != MF_SCALAR) {
            wasp__mf_error(&f->errs, text, "text must be a string");
            return false;
        }
        *out = (struct sc_bytes){text->text, text->len};
    }
    return true;
}

/* A value written as a text, or as {text: ...} / {json: ...}. */
static bool read_value(struct sc_file *f, const struct mf_node *n, struct sc_bytes *out) {
    if (n->kind != MF_MAP) return wasp__sc_read_payload(f, n, NULL, out);
    static const char *const keys[] = {"text", "json", NULL};
    const struct mf_node *v[2];
    if (!wasp__mf_map_fields(&f->errs, n, "a value", keys, v, NULL)) return false;
    if (!v[0] && !v[1]) {
        wasp__mf_error(&f->errs, n, "a value is a text, or one of text, json");
        return false;
    }
    return wasp__sc_read_payload(f, v[0], v[1], out);
}

/* A storage key: a non-empty text of at most 1,024 bytes. */
static bool read_key(struct sc_file *f, const struct mf_node *n, struct sc_bytes *out) {
    if (n->kind != MF_SCALAR || n->len == 0 || n->len > 1024) {
        wasp__mf_error(&f->errs, n, "a storage key is a text of 1 to 1024 bytes");
        return false;
    }
    *out = (struct sc_bytes){n->text, n->len};
    return true;
}

void wasp__sc_read_seeds(struct sc_file *f, const struct mf_node *n, struct sc_seed **seeds,
                   size_t *nseeds) {
    if (n->kind != MF_MAP) {
        wasp__mf_error(&f->errs, n, "storage maps a component's name to its entries (key: value)");
        return;
    }
    size_t total = *nseeds;
    for (size_t i = 0; i < n->n; i++) total += n->items[i]->kind == MF_MAP ? n->items[i]->n : 0;
    struct sc_seed *v = wasp__mf_alloc(&f->m->arena, (total ? total : 1) * sizeof(*v));
    if (!v) return;
    if (*nseeds) memcpy(v, *seeds, *nseeds * sizeof(*v));
    size_t k = *nseeds;
    for (size_t i = 0; i < n->n; i++) {
        const char *ns;
        const struct mf_node *entries = n->items[i];
        if (!wasp__mf_get_string(&f->errs, n->keys[i], &ns)) continue;
        if (entries->kind != MF_MAP) {
            wasp__mf_error(&f->errs, entries, "the entries of '%s' must be a mapping (key: value)", ns);
            continue;
        }
        for (size_t j = 0; j < entries->n; j++) {
            v[k].ns = ns;
            if (read_key(f, entries->keys[j], &v[k].key) && read_value(f, entries->items[j], &v[k].value))
                k++;
        }
    }
    *seeds = v;
    *nseeds = k;
}

/* ---- matchers ------------------------------------------------------------------------ */

bool wasp__sc_read_matcher(struct sc_file *f, const struct mf_node *n, struct sc_matcher *out) {
    *out = (struct sc_matcher){.kind = WASP_TEST_MATCH_EXACT, .at = n};
    if (n->kind == MF_NULL || n->kind == MF_SCALAR) {
        out->pattern = n->kind == MF_SCALAR ? n->text : "";
        return true;
    }
    static const char *const keys[] = {"text", "prefix", "regex", "json", NULL};
    static const int kinds[] = {WASP_TEST_MATCH_EXACT, WASP_TEST_MATCH_PREFIX,
                                WASP_TEST_MATCH_REGEX, WASP_TEST_MATCH_JSON};
    const struct mf_node *v[4];
    if (n->kind != MF_MAP || !wasp__mf_map_fields(&f->errs, n, "a match", keys, v, NULL) || n->n != 1) {
        wasp__mf_error(&f->errs, n, "a match is a text, or one of text, prefix, regex, json");
        return false;
    }
    for (int i = 0; i < 4; i++) {
        if (!v[i]) continue;
        out->kind = kinds[i];
        out->at = v[i];
        if (i == 3) return (out->pattern = wasp__sc_node_json(f, v[i])) != NULL;
        if (v[i]->kind == MF_NULL) out->pattern = "";
        else if (!wasp__mf_get_string(&f->errs, v[i], &out->pattern)) return false;
        if (i == 2) {
            regex_t re;
            if (regcomp(&re, out->pattern, REG_EXTENDED | REG_NOSUB) != 0) {
                wasp__mf_error(&f->errs, v[i], "invalid regular expression '%s'", out->pattern);
                out->pattern = NULL;
                return false;
            }
            regfree(&re);
        }
    }
    return true;
}

/* ---- error names ------------------------------------------------------------------------ */

const char *wasp__sc_error_name(int code) {
    const char *s = wasp_errname(code);
    return strncmp(s, "WASP_", 5) ? s : s + 5;
}

bool wasp__sc_read_error_name(struct sc_file *f, const struct mf_node *n, int *code) {
    const char *s;
    if (!wasp__mf_get_string(&f->errs, n, &s)) return false;
    if (!strncmp(s, "WASP_", 5)) s += 5;
    for (int c = -1; c >= -40; c--) {
        const char *name = wasp_errname(c);
        if (!strncmp(name, "WASP_", 5) && !strcmp(name + 5, s)) {
            *code = c;
            return true;
        }
    }
    wasp__mf_error(&f->errs, n, "unknown error '%s' (ENOENT, EFULL, EPERM, E2BIG, ETIMEDOUT, EINVAL, "
                          "ENOREPLY, ESTOPPED, ECRASH, ...)", n->text);
    return false;
}

/* ---- expectations --------------------------------------------------------------------- */

/* A mapping or a list of them: calls fn for each mapping. */
static void each_item(struct sc_file *f, const struct mf_node *n, const char *what,
                      void (*fn)(struct sc_file *, const struct mf_node *, void *), void *arg) {
    if (n->kind == MF_SEQ) {
        for (size_t i = 0; i < n->n; i++) fn(f, n->items[i], arg);
    } else if (n->kind == MF_MAP) {
        fn(f, n, arg);
    } else {
        wasp__mf_error(&f->errs, n, "%s must be a mapping or a list of them", what);
    }
}


struct expect_ctx {
    struct sc_step *st;
    enum sc_expect_kind kind;
    size_t cap;
};

static void read_messages(struct sc_file *f, const struct mf_node *n, struct sc_expect *x) {
    if (n->kind != MF_SEQ) {
        wasp__mf_error(&f->errs, n, "messages must be a list (of texts or matches)");
        return;
    }
    x->messages = wasp__mf_alloc(&f->m->arena, (n->n ? n->n : 1) * sizeof(*x->messages));
    if (!x->messages) return;
    x->has_messages = true;
    for (size_t i = 0; i < n->n; i++)
        if (wasp__sc_read_matcher(f, n->items[i], &x->messages[x->nmessages])) x->nmessages++;
}

static const char *const stat_names[SC_NSTATS] = {"received", "handled", "handler_errors", "crashes",
                                                  "restarts", "dead_letters", "mailbox"};

static void read_one(struct sc_file *f, const struct mf_node *n, void *arg) {
    struct expect_ctx *c = arg;
    if (c->st->nexpects == c->cap) return;
    struct sc_expect *x = &c->st->expects[c->st->nexpects++];
    memset(x, 0, sizeof(*x));
    x->kind = c->kind;
    x->at = n;
    x->count = -1;
    x->level = -1;
    x->state = -1;
    for (int i = 0; i < SC_NSTATS; i++) x->stats[i] = -1;
    struct mf_errors *e = &f->errs;
    const struct mf_node *v[11] = {0};
    switch (c->kind) {
    case SC_SENT:
    case SC_PUBLISHED: {
        static const char *const sent_keys[] = {"to", "from", "messages", "count", NULL};
        static const char *const pub_keys[] = {"topic", "from", "messages", "count", NULL};
        bool sent = c->kind == SC_SENT;
        if (!wasp__mf_map_fields(e, n, sent ? "sent" : "published", sent ? sent_keys : pub_keys, v, NULL))
            return;
        if (!v[0]) wasp__mf_missing(e, n, sent ? "to" : "topic");
        else if (wasp__mf_get_string(e, v[0], &x->who) && !sent &&
                 wasp_topic_validate(x->who, false) != WASP_OK)
            wasp__mf_error(e, v[0], "invalid topic pattern '%s'", x->who);
        if (present(v[1])) wasp__mf_get_string(e, v[1], &x->from);
        if (v[2]) read_messages(f, v[2], x);
        int64_t k;
        if (present(v[3]) && wasp__mf_get_int(e, v[3], "count", 0, INT32_MAX, &k)) x->count = k;
        if (!v[2] && !present(v[3])) wasp__mf_error(e, n, "say which `messages` or what `count`");
        break;
    }
    case SC_LOG: {
        static const char *const keys[] = {"actor", "level", "text", "count", NULL};
        if (!wasp__mf_map_fields(e, n, "log", keys, v, NULL)) return;
        if (present(v[0])) wasp__mf_get_string(e, v[0], &x->who);
        if (present(v[1]) && (v[1]->kind != MF_SCALAR || wasp_log_level_parse(v[1]->text, &x->level)))
            wasp__mf_error(e, v[1], "level is trace, debug, info, warn or error");
        if (v[2]) wasp__sc_read_matcher(f, v[2], &x->text);
        int64_t k;
        if (present(v[3]) && wasp__mf_get_int(e, v[3], "count", 0, INT32_MAX, &k)) x->count = k;
        break;
    }
    case SC_STORED: {
        static const char *const keys[] = {"component", "entries", "absent", "count", NULL};
        if (!wasp__mf_map_fields(e, n, "stored", keys, v, NULL)) return;
        if (!v[0]) wasp__mf_missing(e, n, "component");
        else wasp__mf_get_string(e, v[0], &x->who);
        if (v[1] && v[1]->kind != MF_MAP) wasp__mf_error(e, v[1], "entries must be a mapping (key: match)");
        else if (v[1]) {
            x->keys = wasp__mf_alloc(&f->m->arena, (v[1]->n ? v[1]->n : 1) * sizeof(*x->keys));
            x->messages = wasp__mf_alloc(&f->m->arena, (v[1]->n ? v[1]->n : 1) * sizeof(*x->messages));
            if (!x->keys || !x->messages) return;
            for (size_t i = 0; i < v[1]->n; i++)
                if (read_key(f, v[1]->keys[i], &x->keys[x->nmessages]) &&
                    wasp__sc_read_matcher(f, v[1]->items[i], &x->messages[x->nmessages]))
                    x->nmessages++;
        }
        if (v[2] && v[2]->kind != MF_SEQ) wasp__mf_error(e, v[2], "absent must be a list of keys");
        else if (v[2]) {
            x->absent = wasp__mf_alloc(&f->m->arena, (v[2]->n ? v[2]->n : 1) * sizeof(*x->absent));
            x->absent_at = wasp__mf_alloc(&f->m->arena, (v[2]->n ? v[2]->n : 1) * sizeof(*x->absent_at));
            if (!x->absent || !x->absent_at) return;
            for (size_t i = 0; i < v[2]->n; i++)
                if (read_key(f, v[2]->items[i], &x->absent[x->nabsent]))
                    x->absent_at[x->nabsent++] = v[2]->items[i];
        }
        int64_t k;
        if (present(v[3]) && wasp__mf_get_int(e, v[3], "count", 0, INT32_MAX, &k)) x->count = k;
        if (!v[1] && !v[2] && !present(v[3])) wasp__mf_error(e, n, "say which `entries`, what is `absent` or what `count`");
        break;
    }
    case SC_STATS: {
        static const char *const keys[] = {"actor", "received", "handled", "handler_errors",
                                           "crashes", "restarts", "dead_letters", "mailbox",
                                           "state", "last_error", NULL};
        if (!wasp__mf_map_fields(e, n, "stats", keys, v, NULL)) return;
        if (!v[0]) wasp__mf_missing(e, n, "actor");
        else wasp__mf_get_string(e, v[0], &x->who);
        for (int i = 0; i < SC_NSTATS; i++) {
            int64_t k;
            if (present(v[i + 1]) && wasp__mf_get_int(e, v[i + 1], stat_names[i], 0, INT64_MAX, &k)) {
                x->stats[i] = k;
                x->stat_at[i] = v[i + 1];
            }
        }
        if (present(v[8])) {
            for (int s = WASP_STATE_CREATING; s <= WASP_STATE_FAILED; s++)
                if (v[8]->kind == MF_SCALAR && !strcmp(v[8]->text, wasp_state_name(s))) x->state = s;
            if (x->state < 0)
                wasp__mf_error(e, v[8], "state is creating, starting, ready, stopping, terminated or failed");
            x->state_at = v[8];
        }
        if (v[9]) wasp__sc_read_matcher(f, v[9], &x->last_error);
        break;
    }
    }
}

const char *wasp__sc_stat_name(int i) { return stat_names[i]; }

bool wasp__sc_read_expect(struct sc_file *f, const struct mf_node *n, struct sc_step *st) {
    static const char *const keys[] = {"sent", "published", "log", "stats", "stored", NULL};
    const struct mf_node *v[5];
    if (!wasp__mf_map_fields(&f->errs, n, "expect", keys, v, NULL)) return false;
    size_t cap = 0;
    for (int i = 0; i < 5; i++)
        if (v[i]) cap += v[i]->kind == MF_SEQ ? v[i]->n : 1;
    if (!cap) {
        wasp__mf_error(&f->errs, n, "expect needs sent, published, log, stats or stored");
        return false;
    }
    st->expects = wasp__mf_alloc(&f->m->arena, cap * sizeof(*st->expects));
    if (!st->expects) return false;
    static const char *const what[] = {"sent", "published", "log", "stats", "stored"};
    for (int i = 0; i < 5; i++) {
        if (!v[i]) continue;
        struct expect_ctx c = {st, (enum sc_expect_kind)i, cap};
        each_item(f, v[i], what[i], read_one, &c);
    }
    return true;
}
