/* manifest_util.c - the loader's arena and its list of problems. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/internal.h"

/* ---- arena ----------------------------------------------------------------- */

struct mf_chunk {
    struct mf_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define MF_CHUNK 8192

void *wasp__mf_alloc(struct mf_arena *a, size_t size) {
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (size == 0) size = sizeof(max_align_t);
    struct mf_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > MF_CHUNK ? size : MF_CHUNK;
        c = malloc(sizeof(*c) + cap);
        if (!c) {
            a->failed = true;
            return NULL;
        }
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *wasp__mf_strndup(struct mf_arena *a, const char *s, size_t len) {
    char *p = wasp__mf_alloc(a, len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

char *wasp__mf_strdup(struct mf_arena *a, const char *s) { return wasp__mf_strndup(a, s, strlen(s)); }

void wasp__mf_arena_free(struct mf_arena *a) {
    struct mf_chunk *c = a->head;
    while (c) {
        struct mf_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

/* ---- problems --------------------------------------------------------------- */

static void verror_at(struct mf_errors *e, int line, int col, const char *fmt, va_list ap) {
    if (e->len == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        struct wasp__mf_error *v = realloc(e->v, cap * sizeof(*v));
        if (!v) {
            e->oom = true;
            return;
        }
        e->v = v;
        e->cap = cap;
    }
    char *raw = NULL;
    if (vasprintf(&raw, fmt, ap) < 0) {
        e->oom = true;
        return;
    }
    /* Messages quote the manifest's text: keep each one a single line. */
    size_t cap = strlen(raw) * 4 + 1;
    char *msg = malloc(cap);
    if (msg) wasp_log_escape(raw, msg, cap);
    free(raw);
    if (!msg) {
        e->oom = true;
        return;
    }
    e->v[e->len] = (struct wasp__mf_error){.line = line, .col = col, .msg = msg, .seq = e->len};
    e->len++;
}

void wasp__mf_error_at(struct mf_errors *e, int line, int col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verror_at(e, line, col, fmt, ap);
    va_end(ap);
}

void wasp__mf_error(struct mf_errors *e, const struct mf_node *at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    verror_at(e, at ? at->line : 0, at ? at->col : 0, fmt, ap);
    va_end(ap);
}

static int by_position(const void *pa, const void *pb) {
    const struct wasp__mf_error *a = pa, *b = pb;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void to_stderr(void *arg, const char *message) {
    (void)arg;
    fprintf(stderr, "%s\n", message);
}

void wasp__mf_errors_report(struct mf_errors *e, wasp_manifest_error_fn fn, void *arg) {
    if (!fn) fn = to_stderr;
    if (e->len) qsort(e->v, e->len, sizeof(e->v[0]), by_position);
    for (size_t i = 0; i < e->len; i++) {
        /* Two identical problems at one place (e.g. an aliased node read twice) are one. */
        if (i && e->v[i].line == e->v[i - 1].line && e->v[i].col == e->v[i - 1].col &&
            !strcmp(e->v[i].msg, e->v[i - 1].msg))
            continue;
        char *line = NULL;
        int rc = e->v[i].line > 0
                     ? asprintf(&line, "%s:%d:%d: %s", e->file, e->v[i].line, e->v[i].col, e->v[i].msg)
                     : asprintf(&line, "%s: %s", e->file, e->v[i].msg);
        if (rc < 0) {
            fn(arg, e->v[i].msg);
            continue;
        }
        fn(arg, line);
        free(line);
    }
    if (e->oom) {
        char line[512];
        snprintf(line, sizeof(line), "%s: out of memory", e->file);
        fn(arg, line);
    }
}

void wasp__mf_errors_free(struct mf_errors *e) {
    for (size_t i = 0; i < e->len; i++) free(e->v[i].msg);
    free(e->v);
    e->v = NULL;
    e->len = e->cap = 0;
}
