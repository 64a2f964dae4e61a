/* fuzz_scenario.c - libFuzzer target for `wasp test` scenario files:
 * arbitrary bytes through the YAML parser, the scenario model, its matchers
 * (regex, JSON) and the embedded component entries, from memory and
 * without touching the file system. Nothing may crash, leak or hang; every
 * outcome is WASP_OK or at least one reported problem. */
#include <stdint.h>
#include <stdlib.h>

#include "wasp_test.h"

static size_t problems;

static void count_problem(void *arg, const char *message) {
    (void)arg;
    if (!message || !*message) abort(); /* every problem says something */
    problems++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    problems = 0;
    int rc = wasp_test_check_text((const char *)data, size, "fuzz/scenario.yaml", count_problem, NULL);
    if (rc == WASP_OK && problems) abort();
    if (rc == WASP_EINVAL && !problems) abort();
    return 0;
}
