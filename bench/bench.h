/* bench.h - the benchmark harness behind `wasp bench` (docs/CLI.md).
 *
 * A scenario measures one kind of operation. It runs warm-up rounds, then
 * repetitions, records per-operation samples, and fills a bench_result.
 * Each scenario file registers itself with BENCH_SCENARIO(); main.c runs
 * them and prints one JSON line per scenario.
 */
#ifndef WASP_BENCH_H
#define WASP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bench_config {
    bool smoke;      /* tiny sizes: prove the scenario runs (CI), not measure it */
    int workers;     /* worker threads for systems the scenario creates; 0 = default */
    int repetitions; /* measured repetitions; warm-up is extra */
};

struct bench_result {
    uint64_t n;               /* operations measured in all */
    double median_ns;         /* median latency per operation, 0 if not applicable */
    double p99_ns;            /* 99th percentile, 0 if not applicable */
    double ops_per_s;         /* throughput, 0 if not applicable */
    double rss_kib_per_actor; /* resident memory per actor, < 0 if not applicable */
    char note[160];           /* optional extra context printed in "note" */
    /* A scenario that measures several related things reports the others
     * as extra rows, printed after its own as "SCENARIO/label". */
    struct bench_row {
        char label[32];
        uint64_t n;
        double median_ns, p99_ns, ops_per_s;
        char note[160];
    } extra[8];
    int nextra;
};

typedef int (*bench_fn)(const struct bench_config *cfg, struct bench_result *out);

struct bench_scenario {
    const char *name;
    const char *description;
    bench_fn run;
};

void bench_register(const struct bench_scenario *s);

#define BENCH_SCENARIO(ident, name_, desc_, fn_)                                         \
    static const struct bench_scenario bench_scenario_##ident = {name_, desc_, fn_};     \
    __attribute__((constructor)) static void bench_register_##ident(void) {              \
        bench_register(&bench_scenario_##ident);                                         \
    }

/* Sample sets: collect per-operation nanoseconds, then summarise. */
struct bench_samples {
    double *v;
    size_t len, cap;
};
void bench_samples_add(struct bench_samples *s, double ns);
double bench_samples_quantile(struct bench_samples *s, double q); /* sorts in place */
void bench_samples_free(struct bench_samples *s);

/* Fill median/p99/ops from the samples (ns per operation). */
void bench_result_from_samples(struct bench_result *r, struct bench_samples *s, uint64_t n);

/* Adds an extra row (SCENARIO/label) summarising the samples; ignored when
 * the rows are full. */
void bench_result_add_row(struct bench_result *r, const char *label, struct bench_samples *s, const char *note);

/* Resident set size of this process in KiB, read from /proc/self/statm. */
double bench_rss_kib(void);

uint64_t bench_now_ns(void);

#endif
