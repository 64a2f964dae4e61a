/* harness.c - sample statistics and process measurements for scenarios. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/clock.h"

uint64_t bench_now_ns(void) { return wasp_clock_ns(); }

void bench_samples_add(struct bench_samples *s, double ns) {
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *v = realloc(s->v, cap * sizeof(*v));
        if (!v) return; /* a lost sample only narrows the statistics */
        s->v = v;
        s->cap = cap;
    }
    s->v[s->len++] = ns;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_samples_quantile(struct bench_samples *s, double q) {
    if (s->len == 0) return 0;
    qsort(s->v, s->len, sizeof(double), cmp_double);
    size_t i = (size_t)(q * (double)(s->len - 1) + 0.5);
    return s->v[i < s->len ? i : s->len - 1];
}

void bench_samples_free(struct bench_samples *s) {
    free(s->v);
    s->v = NULL;
    s->len = s->cap = 0;
}

void bench_result_from_samples(struct bench_result *r, struct bench_samples *s, uint64_t n) {
    r->n = n;
    r->median_ns = bench_samples_quantile(s, 0.5);
    r->p99_ns = bench_samples_quantile(s, 0.99);
    r->ops_per_s = r->median_ns > 0 ? 1e9 / r->median_ns : 0;
}

void bench_result_add_row(struct bench_result *r, const char *label, struct bench_samples *s, const char *note) {
    if (r->nextra >= (int)(sizeof(r->extra) / sizeof(r->extra[0]))) return;
    struct bench_row *e = &r->extra[r->nextra++];
    struct bench_result tmp = {0};
    bench_result_from_samples(&tmp, s, s->len);
    snprintf(e->label, sizeof(e->label), "%s", label);
    e->n = tmp.n;
    e->median_ns = tmp.median_ns;
    e->p99_ns = tmp.p99_ns;
    e->ops_per_s = tmp.ops_per_s;
    snprintf(e->note, sizeof(e->note), "%s", note);
}

double bench_rss_kib(void) {
    long pages_total = 0, pages_resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    fclose(f);
    return (double)pages_resident * (double)sysconf(_SC_PAGESIZE) / 1024.0;
}
