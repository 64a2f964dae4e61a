/* test_topics.c - topic validation and the subscription trie.
 *
 * The trie's source is compiled into this test (rather than linked from
 * libwasp) with calloc routed through a switch, so the allocation-free
 * deduplication path that match falls back to under memory pressure is
 * exercised too. With the switch off it is the same code as in libwasp.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static bool fail_calloc;
static void *fallible_calloc(size_t n, size_t size) { return fail_calloc ? NULL : calloc(n, size); }
#define calloc(n, size) fallible_calloc(n, size)
#include "runtime/topics.c"
#undef calloc

#define S(str) (str), strlen(str)

/* ---- Validation ---------------------------------------------------------- */

struct check_case {
    const char *s;
    int pattern; /* expected wasp__topic_pattern_check */
    int topic;   /* expected wasp__topic_check */
};

static void test_validation_table(void **state) {
    (void)state;
    static const struct check_case cases[] = {
        {"a", WASP_OK, WASP_OK},
        {"a.b.c", WASP_OK, WASP_OK},
        {"wasp.dead_letters", WASP_OK, WASP_OK},
        {"with space.and-dash_", WASP_OK, WASP_OK},
        {"caf\xc3\xa9.\xe2\x82\xac.\xf0\x9f\x98\x80", WASP_OK, WASP_OK}, /* é, €, emoji */
        {"*", WASP_OK, WASP_EINVAL},
        {">", WASP_OK, WASP_EINVAL},
        {"a.*", WASP_OK, WASP_EINVAL},
        {"*.b", WASP_OK, WASP_EINVAL},
        {"a.*.c", WASP_OK, WASP_EINVAL},
        {"*.*.*", WASP_OK, WASP_EINVAL},
        {"a.>", WASP_OK, WASP_EINVAL},
        {"*.>", WASP_OK, WASP_EINVAL},
        {"", WASP_EINVAL, WASP_EINVAL},
        {".", WASP_EINVAL, WASP_EINVAL},
        {"a..b", WASP_EINVAL, WASP_EINVAL},
        {".a", WASP_EINVAL, WASP_EINVAL},
        {"a.", WASP_EINVAL, WASP_EINVAL},
        {"a.>.b", WASP_EINVAL, WASP_EINVAL},
        {">.a", WASP_EINVAL, WASP_EINVAL},
        {">.>", WASP_EINVAL, WASP_EINVAL},
        {"a*", WASP_EINVAL, WASP_EINVAL},
        {"*a", WASP_EINVAL, WASP_EINVAL},
        {"a.b*.c", WASP_EINVAL, WASP_EINVAL},
        {"a>", WASP_EINVAL, WASP_EINVAL},
        {"a.>>", WASP_EINVAL, WASP_EINVAL},
        {"**", WASP_EINVAL, WASP_EINVAL},
        {"\x80", WASP_EINVAL, WASP_EINVAL},                 /* lone continuation */
        {"a.\xc3", WASP_EINVAL, WASP_EINVAL},               /* truncated 2-byte */
        {"\xe2\x82", WASP_EINVAL, WASP_EINVAL},             /* truncated 3-byte */
        {"\xc0\xae", WASP_EINVAL, WASP_EINVAL},             /* overlong '.' */
        {"\xe0\x80\xae", WASP_EINVAL, WASP_EINVAL},         /* overlong 3-byte */
        {"\xed\xa0\x80", WASP_EINVAL, WASP_EINVAL},         /* UTF-16 surrogate */
        {"\xf4\x90\x80\x80", WASP_EINVAL, WASP_EINVAL},     /* > U+10FFFF */
        {"\xf5\x80\x80\x80", WASP_EINVAL, WASP_EINVAL},
        {"\xff", WASP_EINVAL, WASP_EINVAL},
        {"\xc3\x28", WASP_EINVAL, WASP_EINVAL},             /* bad continuation */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct check_case *c = &cases[i];
        if (wasp__topic_pattern_check(S(c->s)) != c->pattern ||
            wasp__topic_check(S(c->s)) != c->topic)
            fail_msg("case %zu \"%s\": pattern %d (want %d), topic %d (want %d)", i, c->s,
                     wasp__topic_pattern_check(S(c->s)), c->pattern, wasp__topic_check(S(c->s)),
                     c->topic);
    }
    assert_int_equal(wasp__topic_check(NULL, 3), WASP_EINVAL);
    assert_int_equal(wasp__topic_pattern_check(NULL, 0), WASP_EINVAL);
    /* The length is explicit: bytes after it are not part of the topic. */
    assert_int_equal(wasp__topic_check("a.b.", 3), WASP_OK);
    assert_int_equal(wasp__topic_check("ab", 1), WASP_OK);
}

static void test_length_limits(void **state) {
    (void)state;
    char buf[300];
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(wasp__topic_check(buf, 255), WASP_OK);
    assert_int_equal(wasp__topic_check(buf, 256), WASP_EINVAL);
    assert_int_equal(wasp__topic_pattern_check(buf, 255), WASP_OK);
    assert_int_equal(wasp__topic_pattern_check(buf, 256), WASP_EINVAL);

    /* The deepest possible topic: 128 one-byte segments in 255 bytes. */
    for (int i = 0; i < 255; i++) buf[i] = i % 2 ? '.' : 'a';
    assert_int_equal(wasp__topic_check(buf, 255), WASP_OK);
    buf[254] = '>';
    assert_int_equal(wasp__topic_pattern_check(buf, 255), WASP_OK);
    assert_int_equal(wasp__topic_check(buf, 255), WASP_EINVAL);
    for (int i = 0; i < 255; i += 2) buf[i] = '*';
    assert_int_equal(wasp__topic_pattern_check(buf, 255), WASP_OK);

    /* A multibyte character may not straddle the length limit. */
    memset(buf, 'x', sizeof(buf));
    buf[253] = (char)0xe2, buf[254] = (char)0x82, buf[255] = (char)0xac;
    assert_int_equal(wasp__topic_check(buf, 256), WASP_EINVAL);
    assert_int_equal(wasp__topic_check(buf, 255), WASP_EINVAL);
    buf[252] = (char)0xe2, buf[253] = (char)0x82, buf[254] = (char)0xac;
    assert_int_equal(wasp__topic_check(buf, 255), WASP_OK);
}

/* ---- Matching helpers -------------------------------------------------------- */

#define MAX_HITS 4096
struct hits {
    uint64_t ids[MAX_HITS];
    size_t n;
};

static void collect(uint64_t id, void *arg) {
    struct hits *h = arg;
    if (h->n < MAX_HITS) h->ids[h->n] = id;
    h->n++;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Runs match and returns the sorted subscriber list. */
static int match_sorted(const struct wasp_topic_tree *t, const char *topic, struct hits *h) {
    h->n = 0;
    int rc = wasp__topic_tree_match(t, S(topic), collect, h);
    if (rc >= 0) {
        assert_int_equal((size_t)rc, h->n);
        assert_true(h->n <= MAX_HITS);
        qsort(h->ids, h->n, sizeof(uint64_t), cmp_u64);
    }
    return rc;
}

/* match_sorted, also run without scratch memory: both must agree. */
static int match_both_ways(const struct wasp_topic_tree *t, const char *topic, struct hits *h) {
    static struct hits h2;
    fail_calloc = true;
    int rc2 = match_sorted(t, topic, &h2);
    fail_calloc = false;
    int rc = match_sorted(t, topic, h);
    assert_int_equal(rc, rc2);
    if (rc > 0) assert_memory_equal(h->ids, h2.ids, h->n * sizeof(uint64_t));
    return rc;
}

static bool matches(const struct wasp_topic_tree *t, const char *topic) {
    struct hits h;
    return match_sorted(t, topic, &h) == 1;
}

/* ---- Matching ------------------------------------------------------------------ */

struct match_case {
    const char *pattern, *topic;
    bool match;
};

static void test_matching_table(void **state) {
    (void)state;
    static const struct match_case cases[] = {
        {"a", "a", true},
        {"a", "b", false},
        {"a", "a.b", false},
        {"a.b", "a", false},
        {"a.b.c", "a.b.c", true},
        {"a.b.c", "a.b.d", false},
        {"a.*.c", "a.b.c", true},
        {"a.*.c", "a.x.c", true},
        {"a.*.c", "a.b.b.c", false},
        {"a.*.c", "a.c", false},
        {"a.*", "a.b", true},
        {"a.*", "a", false},
        {"a.*", "a.b.c", false},
        {"*", "a", true},
        {"*", "anything_at_all", true},
        {"*", "a.b", false},
        {"*.*", "a.b", true},
        {"*.*", "a", false},
        {"*.b", "a.b", true},
        {"*.b", "a.c", false},
        {"a.>", "a.b", true},
        {"a.>", "a.b.c", true},
        {"a.>", "a.b.c.d.e", true},
        {"a.>", "a", false},
        {"a.>", "b.c", false},
        {">", "a", true},
        {">", "a.b.c", true},
        {"*.>", "a", false},
        {"*.>", "a.b", true},
        {"*.>", "a.b.c", true},
        {"a.*.>", "a.b", false},
        {"a.*.>", "a.b.c", true},
        {"a.b.>", "a.b", false},
        {"caf\xc3\xa9.*", "caf\xc3\xa9.x", true},
        {"caf\xc3\xa9.*", "cafe.x", false},
        {"ab", "a", false},
        {"a", "ab", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wasp_topic_tree *t = wasp__topic_tree_new();
        assert_non_null(t);
        assert_int_equal(wasp__topic_tree_add(t, S(cases[i].pattern), 7), WASP_OK);
        if (matches(t, cases[i].topic) != cases[i].match)
            fail_msg("pattern \"%s\" vs topic \"%s\": want %s", cases[i].pattern, cases[i].topic,
                     cases[i].match ? "match" : "no match");
        wasp__topic_tree_free(t);
    }
}

static void test_match_rejects_bad_topics(void **state) {
    (void)state;
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    assert_int_equal(wasp__topic_tree_add(t, S(">"), 1), WASP_OK);
    struct hits h;
    assert_int_equal(match_sorted(t, "a.*", &h), WASP_EINVAL);
    assert_int_equal(match_sorted(t, "a.>", &h), WASP_EINVAL);
    assert_int_equal(match_sorted(t, "a..b", &h), WASP_EINVAL);
    assert_int_equal(match_sorted(t, "", &h), WASP_EINVAL);
    assert_int_equal(h.n, 0);
    assert_int_equal(wasp__topic_tree_match(t, S("a"), NULL, NULL), WASP_EINVAL);
    assert_int_equal(wasp__topic_tree_match(NULL, S("a"), collect, &h), WASP_EINVAL);
    assert_int_equal(match_sorted(t, "a", &h), 1);
    wasp__topic_tree_free(t);
}

static void test_subscriber_delivered_once(void **state) {
    (void)state;
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    const char *patterns[] = {"a.b.c", "a.*.c", "a.>", ">", "*.b.*", "*.*.*", "a.b.>"};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(wasp__topic_tree_add(t, S(patterns[i]), 1), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S(patterns[i]), 100 + i), WASP_OK);
    }
    assert_int_equal(wasp__topic_tree_add(t, S("a.b.c"), 0), WASP_OK); /* id 0 is valid */
    assert_int_equal(wasp__topic_tree_add(t, S("*.b.c"), 0), WASP_OK);
    assert_int_equal(wasp__topic_tree_count(t), 16);

    struct hits h;
    assert_int_equal(match_sorted(t, "a.b.c", &h), 9);
    uint64_t want[] = {0, 1, 100, 101, 102, 103, 104, 105, 106};
    assert_memory_equal(h.ids, want, sizeof(want));

    assert_int_equal(match_sorted(t, "a.x", &h), 3); /* 1 via a.> and >, 102, 103 */
    uint64_t want2[] = {1, 102, 103};
    assert_memory_equal(h.ids, want2, sizeof(want2));

    assert_int_equal(match_sorted(t, "z", &h), 2); /* only > */
    assert_int_equal(match_sorted(t, "z.z.z.z", &h), 2);
    wasp__topic_tree_free(t);
}

/* A topic matched by more nodes than the first walk remembers (64 here:
 * every mix of literal and '*' over six segments) is delivered by a second
 * walk; each subscriber still once. */
static void test_more_matching_nodes_than_remembered(void **state) {
    (void)state;
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    const char *lit[] = {"a", "b", "c", "d", "e", "f"};
    for (unsigned mask = 0; mask < 64; mask++) {
        char p[32] = "";
        for (int i = 0; i < 6; i++) {
            if (i) strcat(p, ".");
            strcat(p, (mask >> i) & 1 ? "*" : lit[i]);
        }
        /* Subscriber mask/2 holds two patterns; 1000 + mask holds one. */
        assert_int_equal(wasp__topic_tree_add(t, S(p), mask / 2), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S(p), 1000 + mask), WASP_OK);
    }
    struct hits h;
    assert_int_equal(match_sorted(t, "a.b.c.d.e.f", &h), 32 + 64);
    for (size_t i = 1; i < h.n; i++) assert_true(h.ids[i - 1] < h.ids[i]);
    /* Masks 32..63 end in '*': 32 singles and 16 pairs. */
    assert_int_equal(match_sorted(t, "a.b.c.d.e.x", &h), 48);
    /* The odd masks start with '*': 32 singles and one of each pair. */
    assert_int_equal(match_sorted(t, "x.b.c.d.e.f", &h), 64);
    assert_int_equal(match_sorted(t, "a.b.c.d.e", &h), 0);
    wasp__topic_tree_free(t);
}

static void test_many_subscribers_on_many_patterns(void **state) {
    (void)state;
    /* 1500 subscribers, each on the same three matching patterns: the
     * dedupe set outgrows its stack buffer. */
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    for (uint64_t id = 1; id <= 1500; id++) {
        assert_int_equal(wasp__topic_tree_add(t, S("orders.*"), id), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S("orders.>"), id), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S("orders.new"), id), WASP_OK);
    }
    for (uint64_t id = 5000; id < 5500; id++)
        assert_int_equal(wasp__topic_tree_add(t, S("orders.new"), id), WASP_OK);
    /* Patterns that do not match but share segments with ones that do, so
     * the allocation-free rule must check depth as well as segments. */
    for (uint64_t id = 1; id <= 1500; id += 3) {
        assert_int_equal(wasp__topic_tree_add(t, S("orders"), id), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S("orders.new.x"), id), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S("*"), id), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S("new"), id), WASP_OK);
    }
    struct hits h;
    assert_int_equal(match_sorted(t, "orders.new", &h), 2000);
    for (size_t i = 1; i < h.n; i++) assert_true(h.ids[i - 1] < h.ids[i]);
    assert_int_equal(match_sorted(t, "orders.old", &h), 1500);
    assert_int_equal(match_sorted(t, "orders.new.x", &h), 1500);

    /* Without memory for the scratch set, the allocation-free rule dedupes. */
    fail_calloc = true;
    assert_int_equal(match_sorted(t, "orders.new", &h), 2000);
    for (size_t i = 1; i < h.n; i++) assert_true(h.ids[i - 1] < h.ids[i]);
    assert_int_equal(match_sorted(t, "orders.old", &h), 1500);
    fail_calloc = false;
    wasp__topic_tree_free(t);
}

/* ---- Add / remove ---------------------------------------------------------------- */

static void test_add_remove_errors(void **state) {
    (void)state;
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    assert_int_equal(wasp__topic_tree_add(t, S("a.b"), 1), WASP_OK);
    assert_int_equal(wasp__topic_tree_add(t, S("a.b"), 1), WASP_EEXIST);
    assert_int_equal(wasp__topic_tree_add(t, S("a.b"), 2), WASP_OK);
    assert_int_equal(wasp__topic_tree_add(t, S("a.*"), 1), WASP_OK);
    assert_int_equal(wasp__topic_tree_add(t, S("a.>"), 1), WASP_OK);
    assert_int_equal(wasp__topic_tree_add(t, S("a.>"), 1), WASP_EEXIST);
    assert_int_equal(wasp__topic_tree_add(t, S("a..b"), 1), WASP_EINVAL);
    assert_int_equal(wasp__topic_tree_add(t, S("a.>.b"), 1), WASP_EINVAL);
    assert_int_equal(wasp__topic_tree_add(NULL, S("a"), 1), WASP_EINVAL);
    assert_int_equal(wasp__topic_tree_count(t), 4);

    assert_int_equal(wasp__topic_tree_remove(t, S("a.c"), 1), WASP_ENOENT);   /* no such node */
    assert_int_equal(wasp__topic_tree_remove(t, S("a"), 1), WASP_ENOENT);     /* inner node */
    assert_int_equal(wasp__topic_tree_remove(t, S("a.*"), 2), WASP_ENOENT);   /* other subscriber's */
    assert_int_equal(wasp__topic_tree_remove(t, S("a.b"), 99), WASP_ENOENT);  /* unknown subscriber */
    assert_int_equal(wasp__topic_tree_remove(t, S("a..b"), 1), WASP_EINVAL);
    assert_int_equal(wasp__topic_tree_remove(t, S("a.b"), 1), WASP_OK);
    assert_int_equal(wasp__topic_tree_remove(t, S("a.b"), 1), WASP_ENOENT);
    assert_int_equal(wasp__topic_tree_count(t), 3);

    struct hits h;
    assert_int_equal(match_sorted(t, "a.b", &h), 2); /* 1 via a.* and a.>, 2 via a.b */
    assert_int_equal(wasp__topic_tree_remove(t, S("a.*"), 1), WASP_OK);
    assert_int_equal(wasp__topic_tree_remove(t, S("a.>"), 1), WASP_OK);
    assert_int_equal(match_sorted(t, "a.b", &h), 1);
    assert_int_equal(h.ids[0], 2);
    /* Re-adding after removal works. */
    assert_int_equal(wasp__topic_tree_add(t, S("a.b"), 1), WASP_OK);
    assert_int_equal(match_sorted(t, "a.b", &h), 2);
    wasp__topic_tree_free(t);
}

static void test_remove_subscriber(void **state) {
    (void)state;
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    const char *patterns[] = {"x", "x.y", "x.*", "x.>", ">", "*.y.z", "q.r.s.t"};
    for (uint64_t id = 1; id <= 3; id++)
        for (size_t i = 0; i < 7; i++) assert_int_equal(wasp__topic_tree_add(t, S(patterns[i]), id), WASP_OK);
    assert_int_equal(wasp__topic_tree_count(t), 21);

    assert_int_equal(wasp__topic_tree_remove_subscriber(t, 2), 7);
    assert_int_equal(wasp__topic_tree_remove_subscriber(t, 2), 0);
    assert_int_equal(wasp__topic_tree_remove_subscriber(t, 42), 0);
    assert_int_equal(wasp__topic_tree_remove_subscriber(NULL, 1), 0);
    assert_int_equal(wasp__topic_tree_count(t), 14);

    struct hits h;
    assert_int_equal(match_sorted(t, "x.y", &h), 2);
    assert_int_equal(h.ids[0], 1);
    assert_int_equal(h.ids[1], 3);
    /* The other subscribers' back-indexes survived the swaps. */
    assert_int_equal(wasp__topic_tree_remove(t, S("x.*"), 3), WASP_OK);
    assert_int_equal(wasp__topic_tree_remove(t, S("q.r.s.t"), 1), WASP_OK);
    assert_int_equal(wasp__topic_tree_remove_subscriber(t, 1), 6);
    assert_int_equal(wasp__topic_tree_remove_subscriber(t, 3), 6);
    assert_int_equal(wasp__topic_tree_count(t), 0);
    assert_int_equal(match_sorted(t, "x.y", &h), 0);
    wasp__topic_tree_free(t);
}

/* Number of nodes below and including n. */
static size_t node_count(const struct node *n) {
    size_t c = 1, it = 0;
    const struct wasp_hashmap_entry *e;
    while ((e = wasp__hashmap_next(&n->children, &it))) c += node_count(e->value);
    if (n->star) c += node_count(n->star);
    if (n->rest) c += node_count(n->rest);
    return c;
}

static void test_pruning(void **state) {
    (void)state;
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    char p[64];
    for (int i = 0; i < 200; i++) {
        snprintf(p, sizeof(p), "deep.%d.*.x.>", i);
        assert_int_equal(wasp__topic_tree_add(t, S(p), (uint64_t)i), WASP_OK);
        snprintf(p, sizeof(p), "deep.%d.y", i);
        assert_int_equal(wasp__topic_tree_add(t, S(p), (uint64_t)i), WASP_OK);
        assert_int_equal(wasp__topic_tree_add(t, S("deep"), (uint64_t)i), WASP_OK);
    }
    assert_int_equal(wasp__topic_tree_count(t), 600);
    assert_true(node_count(t->root) > 200 * 4);
    for (int i = 0; i < 200; i += 2) {
        snprintf(p, sizeof(p), "deep.%d.*.x.>", i);
        assert_int_equal(wasp__topic_tree_remove(t, S(p), (uint64_t)i), WASP_OK);
        snprintf(p, sizeof(p), "deep.%d.y", i);
        assert_int_equal(wasp__topic_tree_remove(t, S(p), (uint64_t)i), WASP_OK);
        assert_int_equal(wasp__topic_tree_remove(t, S("deep"), (uint64_t)i), WASP_OK);
    }
    for (int i = 1; i < 200; i += 2) assert_int_equal(wasp__topic_tree_remove_subscriber(t, (uint64_t)i), 3);
    assert_int_equal(wasp__topic_tree_count(t), 0);
    /* Only the root is left, with no child table and no subscriber records. */
    assert_int_equal(node_count(t->root), 1);
    assert_null(t->root->children.slots);
    assert_int_equal(wasp_hashmap_len(&t->subscribers), 0);
    wasp__topic_tree_free(t);
}

static void test_free_with_contents(void **state) {
    (void)state;
    /* Freeing a populated tree releases everything (ASan checks). */
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    char p[64];
    for (int i = 0; i < 500; i++) {
        snprintf(p, sizeof(p), "s.%d.*.>", i % 37);
        wasp__topic_tree_add(t, S(p), (uint64_t)i);
        wasp__topic_tree_add(t, S(">"), (uint64_t)i);
    }
    wasp__topic_tree_free(t);
    wasp__topic_tree_free(NULL);
}

/* ---- Randomised comparison with a naive matcher ---------------------------------- */

/* Segment by segment; both pointers are at a segment on every iteration. */
static bool naive_match(const char *p, const char *s) {
    for (;;) {
        size_t pl = strcspn(p, "."), sl = strcspn(s, ".");
        if (pl == 1 && *p == '>') return true;
        if (!(pl == 1 && *p == '*') && (pl != sl || memcmp(p, s, pl) != 0)) return false;
        bool pend = p[pl] == 0, send = s[sl] == 0;
        if (pend || send) return pend && send;
        p += pl + 1;
        s += sl + 1;
    }
}

static void random_name(char *out, bool pattern) {
    static const char *words[] = {"a", "b", "c", "dd"};
    int depth = 1 + rand() % 4;
    out[0] = 0;
    for (int i = 0; i < depth; i++) {
        const char *w = words[rand() % 4];
        if (pattern) {
            int r = rand() % 10;
            if (r < 2) w = "*";
            else if (r < 3 && i == depth - 1) w = ">";
        }
        if (i) strcat(out, ".");
        strcat(out, w);
    }
}

#define RSUBS 60
#define RPATS 3000
struct rsub {
    char pattern[32];
    uint64_t id;
    bool live;
};

static void test_random_against_naive(void **state) {
    (void)state;
    static struct rsub subs[RPATS];
    srand(42);
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    size_t live = 0;
    for (int round = 0; round < 4; round++) {
        /* Add a batch (EEXIST must agree with the reference). */
        for (int i = 0; i < RPATS; i++) {
            if (subs[i].live) continue;
            random_name(subs[i].pattern, true);
            subs[i].id = (uint64_t)(rand() % RSUBS);
            bool dup = false;
            for (int j = 0; j < RPATS; j++)
                dup |= j != i && subs[j].live && subs[j].id == subs[i].id &&
                       !strcmp(subs[j].pattern, subs[i].pattern);
            int rc = wasp__topic_tree_add(t, S(subs[i].pattern), subs[i].id);
            assert_int_equal(rc, dup ? WASP_EEXIST : WASP_OK);
            subs[i].live = !dup;
            live += !dup;
        }
        assert_int_equal(wasp__topic_tree_count(t), live);

        for (int q = 0; q < 1000; q++) {
            char topic[32];
            random_name(topic, false);
            bool want[RSUBS] = {false};
            size_t nwant = 0;
            for (int i = 0; i < RPATS; i++)
                if (subs[i].live && !want[subs[i].id] && naive_match(subs[i].pattern, topic)) {
                    want[subs[i].id] = true;
                    nwant++;
                }
            static struct hits h;
            assert_int_equal(match_both_ways(t, topic, &h), (int)nwant);
            for (size_t k = 0; k < h.n; k++) {
                assert_true(want[h.ids[k]]);
                if (k) assert_true(h.ids[k - 1] != h.ids[k]);
            }
        }

        /* Remove a third by pattern and one subscriber wholesale. */
        for (int i = 0; i < RPATS; i++) {
            if (!subs[i].live || rand() % 3) continue;
            assert_int_equal(wasp__topic_tree_remove(t, S(subs[i].pattern), subs[i].id), WASP_OK);
            subs[i].live = false;
            live--;
        }
        uint64_t victim = (uint64_t)(rand() % RSUBS);
        size_t owned = 0;
        for (int i = 0; i < RPATS; i++)
            if (subs[i].live && subs[i].id == victim) {
                subs[i].live = false;
                owned++;
            }
        assert_int_equal(wasp__topic_tree_remove_subscriber(t, victim), owned);
        live -= owned;
        assert_int_equal(wasp__topic_tree_count(t), live);
    }
    for (uint64_t id = 0; id < RSUBS; id++) wasp__topic_tree_remove_subscriber(t, id);
    assert_int_equal(wasp__topic_tree_count(t), 0);
    assert_int_equal(node_count(t->root), 1);
    wasp__topic_tree_free(t);
}

/* ---- Concurrent readers ------------------------------------------------------------ */

struct reader {
    const struct wasp_topic_tree *t;
    int seed;
    int errors;
};

static void count_only(uint64_t id, void *arg) {
    (void)id;
    (*(size_t *)arg)++;
}

static void *reader_main(void *arg) {
    struct reader *r = arg;
    char topic[64];
    for (int i = 0; i < 20000; i++) {
        int k = (r->seed * 7919 + i) % 100;
        snprintf(topic, sizeof(topic), "room.%d.msg", k);
        size_t n = 0;
        int rc = wasp__topic_tree_match(r->t, S(topic), count_only, &n);
        /* room.K.msg: K's own subscriber, 50 on room.*.msg, 50 on room.> with
         * 25 of them on both. */
        if (rc != 1 + 75 || n != 76) r->errors++;
    }
    return NULL;
}

static void test_concurrent_matchers(void **state) {
    (void)state;
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    char p[64];
    for (int k = 0; k < 100; k++) {
        snprintf(p, sizeof(p), "room.%d.msg", k);
        assert_int_equal(wasp__topic_tree_add(t, S(p), (uint64_t)k), WASP_OK);
    }
    for (uint64_t id = 1000; id < 1050; id++) assert_int_equal(wasp__topic_tree_add(t, S("room.*.msg"), id), WASP_OK);
    for (uint64_t id = 1025; id < 1075; id++) assert_int_equal(wasp__topic_tree_add(t, S("room.>"), id), WASP_OK);

    enum { N = 4 };
    pthread_t th[N];
    struct reader r[N];
    for (int i = 0; i < N; i++) {
        r[i] = (struct reader){.t = t, .seed = i, .errors = 0};
        assert_int_equal(pthread_create(&th[i], NULL, reader_main, &r[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].errors, 0);
    }
    wasp__topic_tree_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation_table),
        cmocka_unit_test(test_length_limits),
        cmocka_unit_test(test_matching_table),
        cmocka_unit_test(test_match_rejects_bad_topics),
        cmocka_unit_test(test_subscriber_delivered_once),
        cmocka_unit_test(test_many_subscribers_on_many_patterns),
        cmocka_unit_test(test_add_remove_errors),
        cmocka_unit_test(test_remove_subscriber),
        cmocka_unit_test(test_pruning),
        cmocka_unit_test(test_free_with_contents),
        cmocka_unit_test(test_more_matching_nodes_than_remembered),
        cmocka_unit_test(test_random_against_naive),
        cmocka_unit_test(test_concurrent_matchers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
