/* scenario_check.c - judging an expectation against what the kit recorded,
 * and saying what happened when it does not hold: every failure starts
 * with the expectation's FILE:LINE:COL, then shows what was seen. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit/scenario.h"

#define SHOW_MAX 10 /* records shown after a failure */

void wasp__sc_out_printf(struct sc_out *o, const char *fmt, ...) {
    va_list ap;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t room = o->cap - o->len;
        va_start(ap, fmt);
        int n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (o->buf && (size_t)n < room) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = (o->cap ? o->cap * 2 : 512) + (size_t)n;
        char *b = realloc(o->buf, cap);
        if (!b) return;
        o->buf = b;
        o->cap = cap;
    }
}

void wasp__sc_out_bytes(struct sc_out *o, const void *data, size_t len) {
    const unsigned char *p = data;
    size_t shown = len > 200 ? 200 : len;
    wasp__sc_out_printf(o, "\"");
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') wasp__sc_out_printf(o, "\\%c", c);
        else if (c == '\n') wasp__sc_out_printf(o, "\\n");
        else if (c < 0x20 || c == 0x7f) wasp__sc_out_printf(o, "\\x%02x", c);
        else wasp__sc_out_printf(o, "%c", c);
    }
    wasp__sc_out_printf(o, "\"%s", shown < len ? "..." : "");
}

static void at(struct sc_out *o, const struct sc_file *f, const struct mf_node *n) {
    wasp__sc_out_printf(o, "%s:%d:%d: ", f->m->path, n ? n->line : 0, n ? n->col : 0);
}

void wasp__sc_describe_matcher(struct sc_out *o, const struct sc_matcher *m) {
    switch (m->kind) {
    case WASP_TEST_MATCH_PREFIX: wasp__sc_out_printf(o, "text starting with "); break;
    case WASP_TEST_MATCH_REGEX: wasp__sc_out_printf(o, "text matching /%s/", m->pattern); return;
    case WASP_TEST_MATCH_JSON: wasp__sc_out_printf(o, "JSON containing %s", m->pattern); return;
    default: break;
    }
    wasp__sc_out_bytes(o, m->pattern, strlen(m->pattern));
}

bool wasp__sc_match(const struct sc_matcher *m, const void *data, size_t len, char *why, size_t cap) {
    return wasp_test_match(m->kind, m->pattern, data, len, why, cap);
}

/* ---- messages: sent to a stand-in, or published ------------------------------ */

static bool wanted(const struct sc_expect *x, const wasp_test_message *m) {
    if (x->from && strcmp(m->from, x->from)) return false;
    if (x->kind == SC_SENT) return true;
    /* published by actors (not the test's own publishes) on a matching topic */
    return m->from[0] && m->topic && wasp_topic_matches(x->who, m->topic);
}

static size_t collect(wasp_test *t, const struct sc_expect *x, const wasp_test_message ***out) {
    wasp_test_standin *s = x->kind == SC_SENT ? wasp_test_standin_get(t, x->who) : NULL;
    size_t total = s ? wasp_test_standin_count(s) : wasp_test_published_count(t), n = 0;
    *out = calloc(total ? total : 1, sizeof(**out));
    if (!*out) return 0;
    for (size_t i = 0; i < total; i++) {
        const wasp_test_message *m = s ? wasp_test_standin_message(s, i) : wasp_test_published(t, i);
        if (m && wanted(x, m)) (*out)[n++] = m;
    }
    return n;
}

static void describe_messages(struct sc_out *o, const struct sc_expect *x) {
    if (x->kind == SC_SENT) wasp__sc_out_printf(o, "sent to %s", x->who);
    else wasp__sc_out_printf(o, "published on %s", x->who);
    if (x->from) wasp__sc_out_printf(o, " by %s", x->from);
}

static void show_messages(struct sc_out *o, const wasp_test_message **v, size_t n) {
    if (!n) wasp__sc_out_printf(o, "\n    (none)");
    for (size_t i = 0; i < n && i < SHOW_MAX; i++) {
        wasp__sc_out_printf(o, "\n    %zu. ", i + 1);
        wasp__sc_out_bytes(o, v[i]->data, v[i]->len);
        if (v[i]->topic) wasp__sc_out_printf(o, " on %s", v[i]->topic);
        wasp__sc_out_printf(o, " from %s%s", v[i]->from[0] ? v[i]->from : "outside",
                      v[i]->request ? " (call)" : "");
    }
    if (n > SHOW_MAX) wasp__sc_out_printf(o, "\n    ... and %zu more", n - SHOW_MAX);
}

static bool check_messages(const struct sc_file *f, wasp_test *t, const struct sc_expect *x,
                           struct sc_out *o) {
    if (x->kind == SC_SENT && !wasp_test_standin_get(t, x->who)) {
        at(o, f, x->at);
        wasp__sc_out_printf(o, "no stand-in named %s\n", x->who);
        return false;
    }
    const wasp_test_message **v;
    size_t n = collect(t, x, &v);
    bool ok = true;
    if (x->count >= 0 && (size_t)x->count != n) {
        at(o, f, x->at);
        wasp__sc_out_printf(o, "expected %lld message%s ", (long long)x->count, x->count == 1 ? "" : "s");
        describe_messages(o, x);
        wasp__sc_out_printf(o, "; got %zu:", n);
        ok = false;
    } else if (x->has_messages && x->nmessages != n) {
        at(o, f, x->at);
        wasp__sc_out_printf(o, "expected %zu message%s ", x->nmessages, x->nmessages == 1 ? "" : "s");
        describe_messages(o, x);
        wasp__sc_out_printf(o, "; got %zu:", n);
        ok = false;
    } else if (x->has_messages) {
        for (size_t i = 0; i < n && ok; i++) {
            char why[256];
            if (wasp__sc_match(&x->messages[i], v[i]->data, v[i]->len, why, sizeof(why))) continue;
            at(o, f, x->messages[i].at);
            wasp__sc_out_printf(o, "message %zu ", i + 1);
            describe_messages(o, x);
            wasp__sc_out_printf(o, ": expected ");
            wasp__sc_describe_matcher(o, &x->messages[i]);
            wasp__sc_out_printf(o, ", got ");
            wasp__sc_out_bytes(o, v[i]->data, v[i]->len);
            wasp__sc_out_printf(o, " (%s); all of them:", why);
            ok = false;
        }
    }
    if (!ok) {
        show_messages(o, v, n);
        wasp__sc_out_printf(o, "\n");
    }
    free(v);
    return ok;
}

/* ---- log lines --------------------------------------------------------------------- */

static bool line_wanted(const struct sc_expect *x, const wasp_test_log_line *l) {
    if (x->who && strcmp(l->actor, x->who)) return false;
    if (x->level >= 0 && l->level != x->level) return false;
    return !x->text.pattern || wasp__sc_match(&x->text, l->text, strlen(l->text), NULL, 0);
}

static bool check_log(const struct sc_file *f, wasp_test *t, const struct sc_expect *x,
                      struct sc_out *o) {
    size_t total = wasp_test_log_count(t), n = 0;
    for (size_t i = 0; i < total; i++) n += line_wanted(x, wasp_test_log(t, i));
    if (x->count >= 0 ? (size_t)x->count == n : n > 0) return true;
    at(o, f, x->at);
    if (x->count >= 0) wasp__sc_out_printf(o, "expected %lld log line%s", (long long)x->count, x->count == 1 ? "" : "s");
    else wasp__sc_out_printf(o, "expected a log line");
    if (x->who) wasp__sc_out_printf(o, " from %s", x->who);
    if (x->level >= 0) wasp__sc_out_printf(o, " at %s", wasp_log_level_name(x->level));
    if (x->text.pattern) {
        wasp__sc_out_printf(o, " with ");
        wasp__sc_describe_matcher(o, &x->text);
    }
    wasp__sc_out_printf(o, "; got %zu. The log%s%s:", n, x->who ? " of " : "", x->who ? x->who : "");
    size_t shown = 0, skipped = 0;
    for (size_t i = 0; i < total; i++) {
        const wasp_test_log_line *l = wasp_test_log(t, i);
        if (x->who && strcmp(l->actor, x->who)) continue;
        if (shown == SHOW_MAX) {
            skipped++;
            continue;
        }
        shown++;
        wasp__sc_out_printf(o, "\n    %s %s: %s", wasp_log_level_name(l->level), l->actor, l->text);
    }
    if (!shown) wasp__sc_out_printf(o, "\n    (empty)");
    if (skipped) wasp__sc_out_printf(o, "\n    ... and %zu more", skipped);
    wasp__sc_out_printf(o, "\n");
    return false;
}

/* ---- statistics ----------------------------------------------------------------------- */

static bool check_stats(const struct sc_file *f, wasp_test *t, const struct sc_expect *x,
                        struct sc_out *o) {
    wasp_actor_stats st;
    if (wasp_test_stats(t, x->who, &st) != WASP_OK) {
        at(o, f, x->at);
        wasp__sc_out_printf(o, "no actor named %s\n", x->who);
        return false;
    }
    const uint64_t got[SC_NSTATS] = {st.received, st.handled, st.handler_errors, st.crashes,
                                     st.restarts, st.dead_letters, st.mailbox_len};
    bool ok = true;
    for (int i = 0; i < SC_NSTATS; i++) {
        if (x->stats[i] < 0 || (uint64_t)x->stats[i] == got[i]) continue;
        at(o, f, x->stat_at[i]);
        wasp__sc_out_printf(o, "%s of %s: expected %lld, got %llu\n", wasp__sc_stat_name(i), x->who,
                      (long long)x->stats[i], (unsigned long long)got[i]);
        ok = false;
    }
    if (x->state >= 0 && x->state != st.state) {
        at(o, f, x->state_at);
        wasp__sc_out_printf(o, "state of %s: expected %s, got %s\n", x->who, wasp_state_name(x->state),
                      wasp_state_name(st.state));
        ok = false;
    }
    if (x->last_error.pattern) {
        char err[600] = "", why[256];
        int rc = wasp_test_last_error(t, x->who, err, sizeof(err));
        if (rc != WASP_OK || !wasp__sc_match(&x->last_error, err, strlen(err), why, sizeof(why))) {
            at(o, f, x->last_error.at);
            wasp__sc_out_printf(o, "last error of %s: expected ", x->who);
            wasp__sc_describe_matcher(o, &x->last_error);
            if (rc != WASP_OK) wasp__sc_out_printf(o, "; %s is not a component\n", x->who);
            else {
                wasp__sc_out_printf(o, ", got ");
                wasp__sc_out_bytes(o, err, strlen(err));
                wasp__sc_out_printf(o, "\n");
            }
            ok = false;
        }
    }
    return ok;
}

/* ---- stored entries ----------------------------------------------------------------- */

struct show_entries {
    struct sc_out *o;
    size_t shown, total;
};

static int show_entry(void *arg, const void *key, size_t klen, const void *val, size_t vlen,
                      uint64_t version) {
    (void)version;
    struct show_entries *s = arg;
    if (s->total++ >= SHOW_MAX) return 0;
    wasp__sc_out_printf(s->o, "\n    ");
    wasp__sc_out_bytes(s->o, key, klen);
    wasp__sc_out_printf(s->o, " = ");
    wasp__sc_out_bytes(s->o, val, vlen);
    s->shown++;
    return 0;
}

/* What the namespace holds, after a failure. */
static void show_stored(struct sc_out *o, wasp_test *t, const char *ns) {
    struct show_entries s = {o, 0, 0};
    wasp__sc_out_printf(o, "    %s holds:", ns);
    if (wasp_store_foreach(wasp_test_store(t), ns, show_entry, &s) != WASP_OK) wasp__sc_out_printf(o, " (unreadable)");
    else if (!s.total) wasp__sc_out_printf(o, "\n    (nothing)");
    else if (s.total > s.shown) wasp__sc_out_printf(o, "\n    ... and %zu more", s.total - s.shown);
    wasp__sc_out_printf(o, "\n");
}

static bool check_stored(const struct sc_file *f, wasp_test *t, const struct sc_expect *x,
                         struct sc_out *o) {
    bool ok = true;
    for (size_t i = 0; i < x->nmessages; i++) {
        void *val = NULL;
        size_t len = 0;
        char why[256] = "";
        int rc = wasp__sc_kv_get(t, x->who, &x->keys[i], &val, &len);
        if (rc == WASP_OK && wasp__sc_match(&x->messages[i], val, len, why, sizeof(why))) {
            free(val);
            continue;
        }
        at(o, f, x->messages[i].at);
        wasp__sc_out_printf(o, "stored ");
        wasp__sc_out_bytes(o, x->keys[i].data, x->keys[i].len);
        wasp__sc_out_printf(o, " of %s: expected ", x->who);
        wasp__sc_describe_matcher(o, &x->messages[i]);
        if (rc == WASP_ENOENT) wasp__sc_out_printf(o, ", but it is absent\n");
        else if (rc != WASP_OK) wasp__sc_out_printf(o, ", but it cannot be read: %s\n", wasp_strerror(rc));
        else {
            wasp__sc_out_printf(o, ", got ");
            wasp__sc_out_bytes(o, val, len);
            wasp__sc_out_printf(o, " (%s)\n", why);
        }
        free(val);
        ok = false;
    }
    for (size_t i = 0; i < x->nabsent; i++) {
        void *val = NULL;
        size_t len = 0;
        if (wasp__sc_kv_get(t, x->who, &x->absent[i], &val, &len) != WASP_OK)
            continue;
        at(o, f, x->absent_at[i]);
        wasp__sc_out_bytes(o, x->absent[i].data, x->absent[i].len);
        wasp__sc_out_printf(o, " of %s: expected absent, it holds ", x->who);
        wasp__sc_out_bytes(o, val, len);
        wasp__sc_out_printf(o, "\n");
        free(val);
        ok = false;
    }
    size_t n = 0;
    if (x->count >= 0 && (wasp__sc_kv_count(t, x->who, &n) != WASP_OK || (size_t)x->count != n)) {
        at(o, f, x->at);
        wasp__sc_out_printf(o, "expected %lld entr%s stored by %s, got %zu\n", (long long)x->count,
                      x->count == 1 ? "y" : "ies", x->who, n);
        ok = false;
    }
    if (!ok) show_stored(o, t, x->who);
    return ok;
}

bool wasp__sc_check(const struct sc_file *f, wasp_test *t, const struct sc_expect *x, struct sc_out *o) {
    switch (x->kind) {
    case SC_SENT:
    case SC_PUBLISHED: return check_messages(f, t, x, o);
    case SC_LOG: return check_log(f, t, x, o);
    case SC_STATS: return check_stats(f, t, x, o);
    case SC_STORED: return check_stored(f, t, x, o);
    }
    return false;
}
