/* main.c - runs benchmark scenarios and prints their results.
 *
 * usage: wasp-bench [--json] [--list] [--smoke] [--workers N] [--reps N] [SCENARIO ...]
 * (the same options `wasp bench` takes; see docs/CLI.md)
 *
 * bench_main() is the harness's entry point: `wasp bench` (src/cli) calls it
 * with its own arguments; built with WASP_BENCH_NO_MAIN, this file has no
 * main() of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BENCH_MAX 64
static const struct bench_scenario *scenarios[BENCH_MAX];
static size_t nscenarios;

void bench_register(const struct bench_scenario *s) {
    if (nscenarios < BENCH_MAX) scenarios[nscenarios++] = s;
}

static int by_name(const void *a, const void *b) {
    return strcmp((*(const struct bench_scenario *const *)a)->name,
                  (*(const struct bench_scenario *const *)b)->name);
}

static void print_result(const char *name, const struct bench_result *r, bool json) {
    if (json) {
        printf("{\"scenario\":\"%s\",\"n\":%llu,\"median_ns\":%.1f,\"p99_ns\":%.1f,\"ops_per_s\":%.1f",
               name, (unsigned long long)r->n, r->median_ns, r->p99_ns, r->ops_per_s);
        if (r->rss_kib_per_actor >= 0) printf(",\"rss_kib_per_actor\":%.3f", r->rss_kib_per_actor);
        if (r->note[0]) printf(",\"note\":\"%s\"", r->note);
        printf("}\n");
    } else {
        printf("%-18s n=%-10llu median=%10.1f ns  p99=%10.1f ns  %12.0f ops/s", name,
               (unsigned long long)r->n, r->median_ns, r->p99_ns, r->ops_per_s);
        if (r->rss_kib_per_actor >= 0) printf("  %.3f KiB/actor", r->rss_kib_per_actor);
        if (r->note[0]) printf("  (%s)", r->note);
        printf("\n");
    }
    fflush(stdout);
}

int bench_main(int argc, char **argv);

int bench_main(int argc, char **argv) {
    struct bench_config cfg = {.smoke = false, .workers = 0, .repetitions = 0};
    bool json = false, list = false;
    const char *wanted[BENCH_MAX];
    size_t nwanted = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--list")) list = true;
        else if (!strcmp(argv[i], "--smoke")) cfg.smoke = true;
        else if (!strcmp(argv[i], "--workers") && i + 1 < argc) cfg.workers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc) cfg.repetitions = atoi(argv[++i]);
        else if (argv[i][0] == '-') {
            fprintf(stderr, "wasp-bench: unknown option %s\n", argv[i]);
            return 2;
        } else if (nwanted < BENCH_MAX) wanted[nwanted++] = argv[i];
    }
    qsort(scenarios, nscenarios, sizeof(scenarios[0]), by_name);

    if (list) {
        for (size_t i = 0; i < nscenarios; i++)
            printf("%-18s %s\n", scenarios[i]->name, scenarios[i]->description);
        return 0;
    }
    for (size_t w = 0; w < nwanted; w++) {
        bool found = false;
        for (size_t i = 0; i < nscenarios; i++) found |= !strcmp(scenarios[i]->name, wanted[w]);
        if (!found) {
            fprintf(stderr, "wasp-bench: unknown scenario '%s' (see --list)\n", wanted[w]);
            return 2;
        }
    }

    int status = 0;
    for (size_t i = 0; i < nscenarios; i++) {
        bool run = nwanted == 0;
        for (size_t w = 0; w < nwanted; w++) run |= !strcmp(scenarios[i]->name, wanted[w]);
        if (!run) continue;
        struct bench_result r = {.rss_kib_per_actor = -1};
        int rc = scenarios[i]->run(&cfg, &r);
        if (rc != 0) {
            fprintf(stderr, "wasp-bench: scenario %s failed (%d)\n", scenarios[i]->name, rc);
            status = 1;
            continue;
        }
        print_result(scenarios[i]->name, &r, json);
        for (int x = 0; x < r.nextra; x++) {
            const struct bench_row *e = &r.extra[x];
            struct bench_result row = {.n = e->n, .median_ns = e->median_ns, .p99_ns = e->p99_ns,
                                       .ops_per_s = e->ops_per_s, .rss_kib_per_actor = -1};
            char name[96];
            snprintf(name, sizeof(name), "%s/%s", scenarios[i]->name, e->label);
            memcpy(row.note, e->note, sizeof(row.note));
            print_result(name, &row, json);
        }
    }
    return status;
}

#ifndef WASP_BENCH_NO_MAIN
int main(int argc, char **argv) { return bench_main(argc, argv); }
#endif
