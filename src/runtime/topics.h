/* topics.h - topic validation and the subscription trie behind publish.
 *
 * Topics are dot-separated UTF-8 segments, 1 to 255 bytes in all
 * (docs/ABI.md). A subscription pattern may use two wildcard segments:
 *   '*'  matches exactly one segment          a.*.c  ~ a.b.c, not a.b.b.c
 *   '>'  last segment only, one or more        a.>    ~ a.b, a.b.c, not a
 * publish takes a concrete topic: no wildcard segments.
 *
 * The tree maps patterns to subscriber ids (opaque u64s chosen by the
 * caller). Matching walks one trie level per topic segment, so its cost
 * depends on the topic's depth and the branches that match, not on how many
 * subscriptions exist.
 *
 * Thread safety: mutations need exclusive access; wasp__topic_tree_match and
 * wasp__topic_tree_count only read the tree and may run concurrently with
 * each other (the broker guards the tree with a rwlock).
 */
#ifndef WASP_RUNTIME_TOPICS_H
#define WASP_RUNTIME_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#define WASP_TOPIC_MAX 255

struct wasp_topic_tree;

/* WASP_OK or WASP_EINVAL: 1..255 bytes of valid UTF-8, no empty segment,
 * '*' and '>' only as whole segments, '>' only as the last segment. */
int wasp__topic_pattern_check(const char *pattern, size_t len);
/* The same rules with no wildcard segment at all (a publishable topic). */
int wasp__topic_check(const char *topic, size_t len);

/* NULL on allocation failure. */
struct wasp_topic_tree *wasp__topic_tree_new(void);
void wasp__topic_tree_free(struct wasp_topic_tree *t);

/* WASP_OK, WASP_EINVAL (bad pattern), WASP_EEXIST (this subscriber already
 * has exactly this pattern) or WASP_ENOMEM (tree unchanged). */
int wasp__topic_tree_add(struct wasp_topic_tree *t, const char *pattern, size_t len,
                        uint64_t subscriber);
/* WASP_OK, WASP_EINVAL or WASP_ENOENT (not subscribed with this pattern).
 * Trie nodes left without subscriptions or children are freed. */
int wasp__topic_tree_remove(struct wasp_topic_tree *t, const char *pattern, size_t len,
                           uint64_t subscriber);
/* Drops every pattern of one subscriber (e.g. its actor stopped); returns
 * how many. Costs O(that subscriber's patterns), not O(tree). */
size_t wasp__topic_tree_remove_subscriber(struct wasp_topic_tree *t, uint64_t subscriber);

typedef void (*wasp_topic_match_fn)(uint64_t subscriber, void *arg);
/* Calls fn(subscriber, arg) once per distinct subscriber with at least one
 * pattern matching the concrete topic, even if several of its patterns
 * match. Returns how many calls were made, or WASP_EINVAL for a bad topic.
 * fn must not modify the tree. Never fails for lack of memory: if the
 * deduplication scratch cannot be allocated it dedupes without one. */
int wasp__topic_tree_match(const struct wasp_topic_tree *t, const char *topic, size_t len,
                          wasp_topic_match_fn fn, void *arg);

/* Number of (pattern, subscriber) pairs in the tree. */
size_t wasp__topic_tree_count(const struct wasp_topic_tree *t);

#endif
