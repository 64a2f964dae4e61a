/* bench_topics.c - publish-side topic matching against small and large trees.
 *
 * Each tree holds N literal subscriptions "svc.<i>.events" (one per
 * subscriber) plus a fixed handful of wildcard ones, so every publish on
 * "svc.<k>.events" matches the same number of subscribers (4, across three
 * trie nodes, so deduplication runs) whatever N is. The reported median is
 * for the large tree; the note gives the small tree's for comparison -
 * matching walks the topic's depth, not the subscriptions, so they should
 * be about equal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "runtime/topics.h"
#include "wasp.h"

#define BATCH 64 /* matches per sample, so clock overhead stays out of the figure */

static void count_hit(uint64_t id, void *arg) {
    (void)id;
    (*(size_t *)arg)++;
}

static struct wasp_topic_tree *build(size_t n) {
    struct wasp_topic_tree *t = wasp__topic_tree_new();
    if (!t) return NULL;
    char p[64];
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(p, sizeof(p), "svc.%zu.events", i);
        if (wasp__topic_tree_add(t, p, (size_t)len, i) != WASP_OK) goto fail;
    }
    /* Two observers on every service; one of them twice (dedupe). */
    if (wasp__topic_tree_add(t, "svc.*.events", 12, n) != WASP_OK ||
        wasp__topic_tree_add(t, "svc.>", 5, n) != WASP_OK ||
        wasp__topic_tree_add(t, "svc.>", 5, n + 1) != WASP_OK ||
        wasp__topic_tree_add(t, "svc.*.events", 12, n + 2) != WASP_OK)
        goto fail;
    return t;
fail:
    wasp__topic_tree_free(t);
    return NULL;
}

/* Median ns per match over reps samples of BATCH random publishes. */
static int measure(size_t n, int reps, struct bench_samples *s, uint64_t *ops) {
    struct wasp_topic_tree *t = build(n);
    if (!t) return WASP_ENOMEM;
    /* Pre-format topics so the timed loop is only matching. */
    enum { TOPICS = 1024 };
    static char topics[TOPICS][32];
    static size_t lens[TOPICS];
    srand(1);
    for (int i = 0; i < TOPICS; i++)
        lens[i] = (size_t)snprintf(topics[i], sizeof(topics[i]), "svc.%zu.events", (size_t)rand() % n);

    int rc = WASP_OK;
    size_t hits = 0;
    for (int r = -reps / 10; r < reps && rc == WASP_OK; r++) { /* r < 0: warm-up */
        uint64_t t0 = bench_now_ns();
        for (int b = 0; b < BATCH; b++) {
            int k = (r * BATCH + b) & (TOPICS - 1);
            if (wasp__topic_tree_match(t, topics[k], lens[k], count_hit, &hits) != 4) rc = WASP_EINVAL;
        }
        uint64_t dt = bench_now_ns() - t0;
        if (r >= 0) {
            bench_samples_add(s, (double)dt / BATCH);
            *ops += BATCH;
        }
    }
    wasp__topic_tree_free(t);
    return rc;
}

static int run_topics_match(const struct bench_config *cfg, struct bench_result *out) {
    size_t small = cfg->smoke ? 100 : 1000, large = cfg->smoke ? 1000 : 100000;
    int reps = cfg->repetitions > 0 ? cfg->repetitions : cfg->smoke ? 20 : 5000;

    struct bench_samples s_small = {0}, s_large = {0};
    uint64_t ops_small = 0, ops_large = 0;
    int rc = measure(small, reps, &s_small, &ops_small);
    if (rc == WASP_OK) rc = measure(large, reps, &s_large, &ops_large);
    if (rc == WASP_OK) {
        double med_small = bench_samples_quantile(&s_small, 0.5);
        bench_result_from_samples(out, &s_large, ops_large);
        snprintf(out->note, sizeof(out->note),
                 "N=%zu subscriptions; N=%zu: median %.1f ns (x%.2f); 4 subscribers/publish", large,
                 small, med_small, med_small > 0 ? out->median_ns / med_small : 0);
    }
    bench_samples_free(&s_small);
    bench_samples_free(&s_large);
    return rc;
}

BENCH_SCENARIO(topics_match, "topics-match",
               "match a publish against 1k and 100k subscriptions (time should not grow with N)",
               run_topics_match)
