/* topics.c - topic validation and the subscription trie.
 *
 * Shape: one trie node per pattern prefix. A node keeps its literal
 * children in a hash map (topics fan out widely: "sensor.<id>.temp") plus
 * two dedicated children for '*' and '>', and the subscribers whose pattern
 * ends exactly there.
 *
 * Every subscription is indexed twice so each side can drop it in O(1):
 * the node holds (subscriber, index into the subscriber's refs) and the
 * subscriber record holds (node, index into the node's subs). Swap-removal
 * on either array patches the back-index of the entry it moved. The
 * subscriber records live in a hash map keyed by id, which is what lets
 * remove_subscriber touch only that subscriber's nodes.
 */
#include "runtime/topics.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/hashmap.h"
#include "wasp.h"
#include "core/utf8.h"

#define MAX_SEGMENTS ((WASP_TOPIC_MAX + 1) / 2) /* "a.a.a...": 128 */
#define MIN_ARRAY 4

enum node_kind { NODE_LITERAL, NODE_STAR, NODE_REST /* '>' */ };

struct subscriber;

struct sub_entry {
    uint64_t id;
    struct subscriber *owner;
    size_t ref; /* index of this subscription in owner->refs */
};

struct node {
    struct node *parent;
    struct node *star;             /* child for a '*' segment */
    struct node *rest;             /* child for a final '>' segment (never has children) */
    struct wasp_hashmap children;  /* literal segment -> node; keys are the children's seg */
    struct sub_entry *subs;        /* subscribers whose pattern ends here */
    size_t nsubs, cap;
    uint8_t kind;
    uint8_t seglen;
    char seg[];                    /* literal segment, not NUL-terminated */
};

struct ref {
    struct node *node;
    size_t pos; /* index of this subscription in node->subs */
};

struct subscriber {
    uint64_t id;
    struct ref *refs; /* one per pattern */
    size_t n, cap;
};

struct wasp_topic_tree {
    struct node *root;
    struct wasp_hashmap subscribers; /* id -> struct subscriber */
    size_t count;
};

struct segment {
    const char *p;
    size_t len;
};

/* ---- Validation ------------------------------------------------------------ */

static int check(const char *s, size_t len, bool wildcards) {
    if (!s || len == 0 || len > WASP_TOPIC_MAX) return WASP_EINVAL;
    if (!wasp__utf8_valid(s, len)) return WASP_EINVAL;
    /* '.', '*' and '>' are ASCII, so they never occur inside a multibyte
     * sequence and a byte scan is enough. */
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') continue;
        size_t seglen = i - start;
        if (seglen == 0) return WASP_EINVAL;
        for (size_t k = start; k < i; k++) {
            if (s[k] != '*' && s[k] != '>') continue;
            if (!wildcards || seglen != 1) return WASP_EINVAL;
            if (s[k] == '>' && i != len) return WASP_EINVAL;
        }
        start = i + 1;
    }
    return WASP_OK;
}

int wasp__topic_pattern_check(const char *pattern, size_t len) { return check(pattern, len, true); }

int wasp__topic_check(const char *topic, size_t len) { return check(topic, len, false); }

/* Splits an already validated topic or pattern; returns the segment count. */
static size_t split(const char *s, size_t len, struct segment *segs) {
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') continue;
        segs[n].p = s + start;
        segs[n].len = i - start;
        n++;
        start = i + 1;
    }
    return n;
}

static enum node_kind seg_kind(const struct segment *sg) {
    if (sg->len == 1 && sg->p[0] == '*') return NODE_STAR;
    if (sg->len == 1 && sg->p[0] == '>') return NODE_REST;
    return NODE_LITERAL;
}

/* ---- Nodes ------------------------------------------------------------------ */

static struct node *node_new(struct node *parent, enum node_kind kind, const struct segment *sg) {
    size_t seglen = kind == NODE_LITERAL && sg ? sg->len : 0;
    struct node *n = malloc(sizeof(*n) + seglen);
    if (!n) return NULL;
    memset(n, 0, sizeof(*n));
    n->parent = parent;
    n->kind = (uint8_t)kind;
    n->seglen = (uint8_t)seglen;
    if (seglen) memcpy(n->seg, sg->p, seglen);
    return n;
}

static void node_free_subtree(struct node *n) {
    size_t it = 0;
    const struct wasp_hashmap_entry *e;
    while ((e = wasp__hashmap_next(&n->children, &it))) node_free_subtree(e->value);
    if (n->star) node_free_subtree(n->star);
    if (n->rest) node_free_subtree(n->rest);
    wasp__hashmap_free(&n->children);
    free(n->subs);
    free(n);
}

static struct node *child_of(const struct node *n, const struct segment *sg) {
    switch (seg_kind(sg)) {
    case NODE_STAR: return n->star;
    case NODE_REST: return n->rest;
    default: return wasp__hashmap_get(&n->children, sg->p, sg->len);
    }
}

static struct node *child_get_or_add(struct node *n, const struct segment *sg) {
    struct node *c = child_of(n, sg);
    if (c) return c;
    enum node_kind kind = seg_kind(sg);
    c = node_new(n, kind, sg);
    if (!c) return NULL;
    if (kind == NODE_STAR) n->star = c;
    else if (kind == NODE_REST) n->rest = c;
    else if (wasp__hashmap_put(&n->children, c->seg, c->seglen, c, NULL) != WASP_OK) {
        free(c);
        return NULL;
    }
    return c;
}

static bool node_empty(const struct node *n) {
    return n->nsubs == 0 && n->star == NULL && n->rest == NULL && wasp_hashmap_len(&n->children) == 0;
}

/* Frees n and its ancestors for as long as they hold nothing. */
static void prune(struct wasp_topic_tree *t, struct node *n) {
    while (n != t->root && node_empty(n)) {
        struct node *parent = n->parent;
        if (n->kind == NODE_STAR) parent->star = NULL;
        else if (n->kind == NODE_REST) parent->rest = NULL;
        else wasp__hashmap_del(&parent->children, n->seg, n->seglen);
        wasp__hashmap_free(&n->children);
        free(n->subs);
        free(n);
        n = parent;
    }
}

/* ---- Growable arrays --------------------------------------------------------- */

static bool reserve(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t ncap = *cap ? *cap * 2 : MIN_ARRAY;
    if (ncap > SIZE_MAX / elem) return false;
    void *p = realloc(*arr, ncap * elem);
    if (!p) return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* Give memory back after mass unsubscribes; failure just keeps the block. */
static void shrink(void **arr, size_t *cap, size_t len, size_t elem) {
    if (len == 0) {
        free(*arr);
        *arr = NULL;
        *cap = 0;
    } else if (*cap > MIN_ARRAY && len * 4 < *cap) {
        void *p = realloc(*arr, (*cap / 2) * elem);
        if (p) {
            *arr = p;
            *cap /= 2;
        }
    }
}

/* ---- Subscriptions ---------------------------------------------------------- */

/* Index of s's entry in n->subs, or SIZE_MAX; scans whichever side is shorter. */
static size_t find_sub(const struct node *n, const struct subscriber *s) {
    if (n->nsubs <= s->n) {
        for (size_t i = 0; i < n->nsubs; i++)
            if (n->subs[i].owner == s) return i;
    } else {
        for (size_t i = 0; i < s->n; i++)
            if (s->refs[i].node == n) return s->refs[i].pos;
    }
    return SIZE_MAX;
}

/* Removes n->subs[pos] from both indexes. */
static void unlink_sub(struct wasp_topic_tree *t, struct node *n, size_t pos) {
    struct sub_entry e = n->subs[pos];
    struct subscriber *s = e.owner;

    size_t last = --n->nsubs;
    if (pos != last) {
        n->subs[pos] = n->subs[last];
        n->subs[pos].owner->refs[n->subs[pos].ref].pos = pos;
    }
    last = --s->n;
    if (e.ref != last) {
        s->refs[e.ref] = s->refs[last];
        struct ref *r = &s->refs[e.ref];
        r->node->subs[r->pos].ref = e.ref;
    }
    shrink((void **)&n->subs, &n->cap, n->nsubs, sizeof(*n->subs));
    shrink((void **)&s->refs, &s->cap, s->n, sizeof(*s->refs));
    t->count--;
}

struct wasp_topic_tree *wasp__topic_tree_new(void) {
    struct wasp_topic_tree *t = calloc(1, sizeof(*t));
    if (!t) return NULL;
    t->root = node_new(NULL, NODE_LITERAL, NULL);
    if (!t->root) {
        free(t);
        return NULL;
    }
    wasp__hashmap_init(&t->subscribers);
    return t;
}

void wasp__topic_tree_free(struct wasp_topic_tree *t) {
    if (!t) return;
    node_free_subtree(t->root);
    size_t it = 0;
    const struct wasp_hashmap_entry *e;
    while ((e = wasp__hashmap_next(&t->subscribers, &it))) {
        struct subscriber *s = e->value;
        free(s->refs);
        free(s);
    }
    wasp__hashmap_free(&t->subscribers);
    free(t);
}

int wasp__topic_tree_add(struct wasp_topic_tree *t, const char *pattern, size_t len,
                        uint64_t subscriber) {
    if (!t || wasp__topic_pattern_check(pattern, len) != WASP_OK) return WASP_EINVAL;
    struct segment segs[MAX_SEGMENTS];
    size_t nsegs = split(pattern, len, segs);

    struct node *n = t->root;
    for (size_t i = 0; i < nsegs; i++) {
        struct node *c = child_get_or_add(n, &segs[i]);
        if (!c) {
            prune(t, n);
            return WASP_ENOMEM;
        }
        n = c;
    }

    struct subscriber *s = wasp__hashmap_get_u64(&t->subscribers, subscriber);
    bool fresh = s == NULL;
    if (fresh) {
        s = calloc(1, sizeof(*s));
        if (!s || wasp__hashmap_put_u64(&t->subscribers, subscriber, s, NULL) != WASP_OK) {
            free(s);
            prune(t, n);
            return WASP_ENOMEM;
        }
        s->id = subscriber;
    } else if (find_sub(n, s) != SIZE_MAX) {
        return WASP_EEXIST;
    }

    /* Reserve both sides first so a failure leaves nothing half-linked. */
    if (!reserve((void **)&n->subs, &n->cap, n->nsubs + 1, sizeof(*n->subs)) ||
        !reserve((void **)&s->refs, &s->cap, s->n + 1, sizeof(*s->refs))) {
        if (fresh) {
            wasp__hashmap_del_u64(&t->subscribers, subscriber);
            free(s->refs);
            free(s);
        }
        prune(t, n);
        return WASP_ENOMEM;
    }
    n->subs[n->nsubs] = (struct sub_entry){.id = subscriber, .owner = s, .ref = s->n};
    s->refs[s->n] = (struct ref){.node = n, .pos = n->nsubs};
    n->nsubs++;
    s->n++;
    t->count++;
    return WASP_OK;
}

static void subscriber_free_if_unused(struct wasp_topic_tree *t, struct subscriber *s) {
    if (s->n) return;
    wasp__hashmap_del_u64(&t->subscribers, s->id);
    free(s->refs);
    free(s);
}

int wasp__topic_tree_remove(struct wasp_topic_tree *t, const char *pattern, size_t len,
                           uint64_t subscriber) {
    if (!t || wasp__topic_pattern_check(pattern, len) != WASP_OK) return WASP_EINVAL;
    struct subscriber *s = wasp__hashmap_get_u64(&t->subscribers, subscriber);
    if (!s) return WASP_ENOENT;
    struct segment segs[MAX_SEGMENTS];
    size_t nsegs = split(pattern, len, segs);
    struct node *n = t->root;
    for (size_t i = 0; i < nsegs && n; i++) n = child_of(n, &segs[i]);
    size_t pos = n ? find_sub(n, s) : SIZE_MAX;
    if (pos == SIZE_MAX) return WASP_ENOENT;
    unlink_sub(t, n, pos);
    subscriber_free_if_unused(t, s);
    prune(t, n);
    return WASP_OK;
}

size_t wasp__topic_tree_remove_subscriber(struct wasp_topic_tree *t, uint64_t subscriber) {
    if (!t) return 0;
    struct subscriber *s = wasp__hashmap_get_u64(&t->subscribers, subscriber);
    if (!s) return 0;
    size_t removed = s->n;
    /* Each ref is a distinct node, and a node still holding one of s's
     * subscriptions is not empty, so pruning never frees a node we have yet
     * to visit. */
    while (s->n) {
        struct ref r = s->refs[s->n - 1];
        unlink_sub(t, r.node, r.pos);
        prune(t, r.node);
    }
    subscriber_free_if_unused(t, s);
    return removed;
}

size_t wasp__topic_tree_count(const struct wasp_topic_tree *t) { return t ? t->count : 0; }

/* ---- Matching ------------------------------------------------------------------
 *
 * A depth-first walk visits every node whose pattern matches the topic; a
 * node is reached along one path at most, so the walk costs at most
 * depth x matching branches. The walk collects the matching nodes and
 * counts their subscriptions, which tells whether deduplication is needed
 * at all (the common case - one matching node - needs none) and how large a
 * scratch set to make; delivery then runs over the collected nodes without
 * a second descent (each level of a wide tree is a cache miss). Only a topic
 * matching more than FOUND_MAX nodes walks the tree a second time. The
 * scratch set lives on the stack or the heap, never in the tree, so
 * concurrent matchers share nothing writable.
 */

#define STACK_SET 256 /* slots; 2 KiB of stack covers up to 128 candidates */
#define FOUND_MAX 32  /* matching nodes remembered by the first walk */

struct u64set {
    uint64_t *slots; /* 0 = empty; the key 0 is tracked by has_zero */
    size_t mask;
    bool has_zero;
};

/* True if id was not in the set yet. Load stays <= 1/2. */
static bool u64set_insert(struct u64set *set, uint64_t id) {
    if (id == 0) {
        bool fresh = !set->has_zero;
        set->has_zero = true;
        return fresh;
    }
    size_t i = (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & set->mask;
    for (;; i = (i + 1) & set->mask) {
        if (set->slots[i] == id) return false;
        if (set->slots[i] == 0) {
            set->slots[i] = id;
            return true;
        }
    }
}

struct match {
    const struct segment *segs;
    size_t nsegs;
    uint64_t hashes[MAX_SEGMENTS]; /* segment hashes, computed on first use */
    bool hashed[MAX_SEGMENTS];
    bool deliver; /* false: counting pass */
    /* counting pass */
    size_t nodes, subs;
    const struct node *found[FOUND_MAX]; /* the first FOUND_MAX matching nodes, in walk order */
    /* delivering pass */
    struct u64set *set; /* NULL: dedupe by the allocation-free rule */
    wasp_topic_match_fn fn;
    void *arg;
    size_t delivered;
};

/* Does node n's pattern match the topic? Used only by the no-memory path. */
static bool node_matches(const struct node *n, const struct match *m) {
    size_t depth = 0;
    for (const struct node *p = n; p->parent; p = p->parent) depth++;
    if (n->kind == NODE_REST ? depth > m->nsegs : depth != m->nsegs) return false;
    size_t i = depth;
    for (const struct node *p = n; p->parent; p = p->parent) {
        i--;
        if (p->kind != NODE_LITERAL) continue;
        if (p->seglen != m->segs[i].len || memcmp(p->seg, m->segs[i].p, p->seglen) != 0) return false;
    }
    return true;
}

/* Allocation-free dedupe: deliver s at n only if n is, by address, the
 * lowest of s's nodes that match. Costs O(patterns of s x depth). */
static bool lowest_matching(const struct subscriber *s, const struct node *n, const struct match *m) {
    for (size_t i = 0; i < s->n; i++) {
        const struct node *o = s->refs[i].node;
        if (o != n && (uintptr_t)o < (uintptr_t)n && node_matches(o, m)) return false;
    }
    return true;
}

static void deliver(const struct node *n, struct match *m) {
    for (size_t i = 0; i < n->nsubs; i++) {
        const struct sub_entry *e = &n->subs[i];
        /* A subscriber with a single pattern cannot be matched twice. */
        bool once = e->owner->n == 1 ||
                    (m->set ? u64set_insert(m->set, e->id) : lowest_matching(e->owner, n, m));
        if (once) {
            m->fn(e->id, m->arg);
            m->delivered++;
        }
    }
}

static void visit(const struct node *n, struct match *m) {
    if (!m->deliver) {
        if (m->nodes < FOUND_MAX) m->found[m->nodes] = n;
        m->nodes++;
        m->subs += n->nsubs;
        return;
    }
    deliver(n, m);
}

static void walk(const struct node *n, size_t i, struct match *m) {
    if (i == m->nsegs) {
        if (n->nsubs) visit(n, m);
        return;
    }
    if (n->rest && n->rest->nsubs) visit(n->rest, m); /* '>' takes segments i.. (at least one) */
    if (wasp_hashmap_len(&n->children)) {
        if (!m->hashed[i]) {
            m->hashes[i] = wasp__hashmap_hash(m->segs[i].p, m->segs[i].len);
            m->hashed[i] = true;
        }
        const struct node *c =
            wasp__hashmap_get_hashed(&n->children, m->hashes[i], m->segs[i].p, m->segs[i].len);
        if (c) walk(c, i + 1, m);
    }
    if (n->star) walk(n->star, i + 1, m);
}

int wasp__topic_tree_match(const struct wasp_topic_tree *t, const char *topic, size_t len,
                          wasp_topic_match_fn fn, void *arg) {
    if (!t || !fn || wasp__topic_check(topic, len) != WASP_OK) return WASP_EINVAL;
    struct segment segs[MAX_SEGMENTS];
    struct match m;
    memset(&m.hashed, 0, sizeof(m.hashed));
    m.segs = segs;
    m.nsegs = split(topic, len, segs);
    m.deliver = false;
    m.nodes = m.subs = 0;
    m.fn = fn;
    m.arg = arg;
    m.delivered = 0;
    m.set = NULL;

    walk(t->root, 0, &m);
    if (m.nodes == 0) return 0;

    m.deliver = true;
    if (m.nodes == 1) {
        /* Entries of one node are distinct subscribers: no dedupe. */
        for (size_t i = 0; i < m.found[0]->nsubs; i++) fn(m.found[0]->subs[i].id, arg);
        m.delivered = m.found[0]->nsubs;
    } else {
        uint64_t stack_slots[STACK_SET];
        size_t cap = 16;
        while (cap < m.subs * 2) cap *= 2;
        struct u64set set = {.slots = stack_slots, .mask = cap - 1, .has_zero = false};
        if (cap > STACK_SET) set.slots = calloc(cap, sizeof(uint64_t));
        else memset(stack_slots, 0, cap * sizeof(uint64_t));
        m.set = set.slots ? &set : NULL;
        if (m.nodes <= FOUND_MAX)
            for (size_t k = 0; k < m.nodes; k++) deliver(m.found[k], &m);
        else
            walk(t->root, 0, &m);
        if (set.slots != stack_slots) free(set.slots);
    }
    return m.delivered > INT_MAX ? INT_MAX : (int)m.delivered;
}
