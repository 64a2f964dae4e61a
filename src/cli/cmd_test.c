/* cmd_test.c - `wasp test SCENARIO.yaml...`: runs scenario files through the
 * testing kit (wasp_test.h) and reports like a test runner: a line per
 * case, failures with the expectation's FILE:LINE:COL and what happened,
 * optional JUnit XML, and the closing `N passed, M failed`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wasp_test.h"

struct result {
    char *file, *name, *failure;
    bool passed;
    double seconds;
};

struct run {
    struct result *v;
    size_t n, cap;
    bool oom;
};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void keep(struct run *r, const char *file, const char *name, bool passed,
                 const char *failure, double seconds) {
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct result *v = realloc(r->v, cap * sizeof(*v));
        if (!v) {
            r->oom = true;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (struct result){dup_or_null(file), dup_or_null(name), dup_or_null(failure),
                                   passed, seconds};
}

/* Failure text indented under its case line. */
static void print_indented(const char *text) {
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        printf("    %.*s\n", (int)n, p);
        p += n + (nl != NULL);
    }
}

static void on_case(void *arg, const wasp_test_case_result *c) {
    double ms = (double)c->elapsed_ns / 1e6;
    if (c->passed) printf("ok   %s: %s (%.1f ms)\n", c->file, c->name, ms);
    else {
        printf("FAIL %s: %s (%.1f ms)\n", c->file, c->name, ms);
        print_indented(c->failure ? c->failure : "failed");
    }
    fflush(stdout);
    keep(arg, c->file, c->name, c->passed, c->failure, ms / 1000);
}

static void xml_text(FILE *f, const char *s) {
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '&') fputs("&amp;", f);
        else if (c == '"') fputs("&quot;", f);
        else if (c < 0x20 && c != '\n' && c != '\t') fputc('?', f); /* not allowed in XML 1.0 */
        else fputc(c, f);
    }
}

static int write_junit(const char *path, const struct run *r, unsigned failed) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    double total = 0;
    for (size_t i = 0; i < r->n; i++) total += r->v[i].seconds;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"wasp test\" tests=\"%zu\" failures=\"%u\" time=\"%.6f\">\n",
            r->n, failed, total);
    for (size_t i = 0; i < r->n;) {
        size_t end = i, fails = 0; /* one suite per file */
        double secs = 0;
        for (; end < r->n && !strcmp(r->v[end].file, r->v[i].file); end++) {
            fails += !r->v[end].passed;
            secs += r->v[end].seconds;
        }
        fprintf(f, "  <testsuite name=\"");
        xml_text(f, r->v[i].file);
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" time=\"%.6f\">\n", end - i, fails, secs);
        for (; i < end; i++) {
            const struct result *c = &r->v[i];
            fprintf(f, "    <testcase classname=\"");
            xml_text(f, c->file);
            fprintf(f, "\" name=\"");
            xml_text(f, c->name);
            fprintf(f, "\" time=\"%.6f\"", c->seconds);
            if (c->passed) {
                fprintf(f, "/>\n");
                continue;
            }
            const char *text = c->failure ? c->failure : "failed";
            const char *nl = strchr(text, '\n');
            char *first = strndup(text, nl ? (size_t)(nl - text) : strlen(text));
            fprintf(f, ">\n      <failure message=\"");
            xml_text(f, first ? first : "failed");
            fprintf(f, "\">");
            xml_text(f, text);
            fprintf(f, "</failure>\n    </testcase>\n");
            free(first);
        }
        fprintf(f, "  </testsuite>\n");
    }
    fprintf(f, "</testsuites>\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* A scenario file's problems: to stderr, and kept for the JUnit report. */
struct problems {
    char *text;
    size_t len;
};

static void problem(void *arg, const char *message) {
    struct problems *p = arg;
    fprintf(stderr, "%s\n", message);
    size_t n = strlen(message);
    char *t = realloc(p->text, p->len + n + 2);
    if (!t) return;
    memcpy(t + p->len, message, n);
    t[p->len + n] = '\n';
    t[p->len + n + 1] = 0;
    p->text = t;
    p->len += n + 1;
}

int cmd_test(int argc, char **argv) {
    const char *filter = NULL, *junit = NULL;
    bool verbose = false;
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (cli_is_help(argv[i])) {
            cli_help_test(stdout);
            return CLI_OK;
        }
        if ((r = cli_flag(argc, argv, &i, "--filter", &v)) != 0) {
            if (r < 0) return cli_usage_error("test", "--filter needs a PATTERN");
            filter = v;
        } else if ((r = cli_flag(argc, argv, &i, "--junit", &v)) != 0) {
            if (r < 0 || !*v) return cli_usage_error("test", "--junit needs a FILE");
            junit = v;
        } else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
            verbose = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("test", "unknown option '%s'", argv[i]);
        } else {
            nfiles++;
        }
    }
    if (!nfiles) return cli_usage_error("test", "missing SCENARIO.yaml");

    char cache[4096];
    struct run run = {0};
    wasp_test_run_options o = {.filter = filter, .on_case = on_case, .arg = &run,
                               .on_error = problem,
                               .cache_dir = cli_module_cache_dir(cache, sizeof(cache)),
                               .cache_max = cli_module_cache_max(),
                               .echo_log = verbose};
    unsigned passed = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (cli_flag(argc, argv, &i, "--filter", &v) || cli_flag(argc, argv, &i, "--junit", &v) ||
            argv[i][0] == '-')
            continue;
        fflush(stdout); /* a file's problems (stderr) come after the lines before them */
        struct problems probs = {0};
        o.error_arg = &probs;
        int rc = wasp_test_run_file(argv[i], &o, &passed, &failed);
        if (rc != WASP_OK) { /* its problems are on stderr already */
            printf("FAIL %s: the scenario cannot be run (%s)\n", argv[i], wasp_strerror(rc));
            keep(&run, argv[i], "(scenario file)", false, probs.text ? probs.text : wasp_strerror(rc), 0);
            failed++;
        }
        free(probs.text);
    }
    int status = failed ? CLI_FAILED : CLI_OK;
    if (junit && (run.oom || write_junit(junit, &run, failed) != 0)) {
        fprintf(stderr, "wasp test: cannot write %s: %s\n", junit, strerror(errno));
        status = CLI_FAILED;
    }
    printf("%u passed, %u failed\n", passed, failed);
    for (size_t i = 0; i < run.n; i++) {
        free(run.v[i].file);
        free(run.v[i].name);
        free(run.v[i].failure);
    }
    free(run.v);
    return status;
}
