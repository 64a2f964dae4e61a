/* fuzz_manifest.c - libFuzzer target for the manifest loader: arbitrary bytes
 * through the YAML parser, the model and every rule, from memory and without
 * touching the file system (skip_files). Nothing may crash, leak or hang;
 * every outcome is WASP_OK or a reported problem. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasp.h"

static size_t problems;

/* Warnings (manifest_warnings.c) walk every valid model too. */
static void check_warning(void *arg, const char *message) {
    (void)arg;
    if (!message || !strstr(message, "warning: ")) abort();
}

static void count_problem(void *arg, const char *message) {
    (void)arg;
    if (!message || !*message) abort(); /* every problem says something */
    problems++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    wasp_manifest_options opts = {.skip_files = true, .on_error = count_problem,
                                  .on_warning = check_warning};
    wasp_manifest *m = NULL;
    problems = 0;
    int rc = wasp_manifest_parse((const char *)data, size, "fuzz/manifest.yaml", &opts, &m);
    if (rc == WASP_OK) {
        if (!m || problems) abort();
        /* Walk the model: every component and supervisor is complete. */
        if (!wasp_manifest_name(m)) abort();
        for (size_t i = 0; i < wasp_manifest_component_count(m); i++) {
            const wasp_component_spec *s = wasp_manifest_component(m, i);
            if (!s->name || !s->wasm_path || s->instances < 1) abort();
            for (size_t k = 0; k < s->nsubscribe; k++) {
                bool covered = false;
                for (size_t p = 0; p < s->permissions.nsubscribe; p++)
                    covered |= wasp_topic_covers(s->permissions.subscribe[p], s->subscribe[k]);
                if (!covered) abort();
            }
        }
        for (size_t i = 0; i < wasp_manifest_supervisor_count(m); i++) {
            const wasp_manifest_supervisor *s = wasp_manifest_supervisor_get(m, i);
            if (!s->name || s->backoff.jitter < 0 || s->backoff.jitter > 1) abort();
        }
    } else if (m || (rc == WASP_EINVAL && !problems)) {
        abort();
    }
    wasp_manifest_free(m);
    return 0;
}
