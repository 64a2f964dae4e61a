/* topic_pattern.c - matching rules for topics, patterns and name globs, for
 * permission checks and tools (the broker's trie has its own matcher). */
#include <string.h>

#include "runtime/topics.h"
#include "wasp.h"

/* Length of the segment at s (up to '.' or the end). */
static size_t seg_len(const char *s) {
    const char *dot = strchr(s, '.');
    return dot ? (size_t)(dot - s) : strlen(s);
}

static bool seg_is(const char *s, size_t n, char c) { return n == 1 && s[0] == c; }

/* Advances past a segment and its dot; NULL at the end. */
static const char *seg_next(const char *s, size_t n) { return s[n] == '.' ? s + n + 1 : NULL; }

int wasp_topic_validate(const char *topic, bool concrete) {
    if (!topic) return WASP_EINVAL;
    size_t n = strlen(topic);
    return concrete ? wasp__topic_check(topic, n) : wasp__topic_pattern_check(topic, n);
}

bool wasp_topic_matches(const char *pattern, const char *topic) {
    if (wasp_topic_validate(pattern, false) || wasp_topic_validate(topic, true)) return false;
    const char *p = pattern, *t = topic;
    while (p && t) {
        size_t pn = seg_len(p), tn = seg_len(t);
        if (seg_is(p, pn, '>')) return true; /* one or more: t has at least one left */
        if (!seg_is(p, pn, '*') && (pn != tn || memcmp(p, t, pn))) return false;
        p = seg_next(p, pn);
        t = seg_next(t, tn);
    }
    return !p && !t;
}

bool wasp_topic_covers(const char *outer, const char *inner) {
    if (wasp_topic_validate(outer, false) || wasp_topic_validate(inner, false)) return false;
    const char *o = outer, *i = inner;
    while (o && i) {
        size_t on = seg_len(o), in = seg_len(i);
        if (seg_is(o, on, '>')) return true; /* covers any non-empty rest, wildcards included */
        if (seg_is(i, in, '>')) return false; /* inner's open tail needs an open outer */
        if (seg_is(o, on, '*')) {
            /* '*' covers any single segment, literal or '*' */
        } else if (seg_is(i, in, '*') || on != in || memcmp(o, i, on)) {
            return false;
        }
        o = seg_next(o, on);
        i = seg_next(i, in);
    }
    return !o && !i;
}

bool wasp_glob_matches(const char *glob, const char *name) {
    if (!glob || !name) return false;
    /* Classic iterative '*' matching with one backtrack point: linear-ish,
     * no recursion, so a hostile glob cannot blow the stack. */
    const char *g = glob, *n = name, *star = NULL, *resume = NULL;
    while (*n) {
        if (*g == '*') {
            star = g++;
            resume = n;
        } else if (*g == *n) {
            g++;
            n++;
        } else if (star) {
            g = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (*g == '*') g++;
    return *g == '\0';
}
