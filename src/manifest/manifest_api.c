/* manifest_api.c - loading a manifest (file or text) and its accessors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "manifest/internal.h"

/* Largest manifest file read (a manifest is a few KiB; this bounds hostile input). */
#define MF_MAX_FILE (16u << 20)

static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup("");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

struct wasp_manifest *wasp__mf_manifest_new(const char *filename) {
    struct wasp_manifest *m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    m->path = strdup(filename);
    m->dir = dir_of(filename);
    if (!m->path || !m->dir) {
        wasp_manifest_free(m);
        return NULL;
    }
    return m;
}

int wasp__mf_read_text_file(const char *path, const char *what, char **out, size_t *out_len,
                      struct mf_errors *e) {
    uint8_t *bytes = NULL;
    char why[160];
    int rc = wasp__file_read(path, MF_MAX_FILE, &bytes, out_len, why, sizeof(why));
    *out = (char *)bytes;
    if (rc == WASP_E2BIG) {
        wasp__mf_error_at(e, 0, 0, "the %s is larger than %u MiB", what, MF_MAX_FILE >> 20);
        rc = WASP_EINVAL;
    } else if (rc == WASP_EIO) {
        wasp__mf_error_at(e, 0, 0, "cannot read the %s: %s", what, why);
    }
    return rc;
}

static void report_warnings(const struct wasp_manifest *m, wasp_manifest_error_fn fn, void *arg) {
    struct mf_errors w = {.file = m->path};
    wasp__mf_warnings(m, &w);
    wasp__mf_errors_report(&w, fn, arg);
    wasp__mf_errors_free(&w);
}

int wasp_manifest_parse(const char *text, size_t len, const char *filename,
                        const wasp_manifest_options *opts, wasp_manifest **out) {
    if (out) *out = NULL;
    if (!text || !out) return WASP_EINVAL;
    if (!filename) filename = "<manifest>";
    struct wasp_manifest *m = wasp__mf_manifest_new(filename);
    if (!m) return WASP_ENOMEM;
    struct mf_errors e = {.file = filename};

    /* The tree shares the manifest's arena: the model points into its strings. */
    const struct mf_node *root = wasp__mf_yaml_parse(&m->arena, text, len, &e);
    if (e.len == 0 && !m->arena.failed) {
        wasp__mf_read_manifest(m, root, &e);
        if (!m->arena.failed && !(opts && opts->skip_files)) wasp__mf_check_files(m, opts, &e);
    }
    bool oom = m->arena.failed || e.oom;
    int rc = oom ? WASP_ENOMEM : e.len ? WASP_EINVAL : WASP_OK;
    if (rc == WASP_OK && opts && opts->on_warning) report_warnings(m, opts->on_warning, opts->warning_arg);
    if (rc != WASP_OK) {
        e.oom = oom;
        wasp__mf_errors_report(&e, opts ? opts->on_error : NULL, opts ? opts->error_arg : NULL);
        wasp_manifest_free(m);
        m = NULL;
    }
    wasp__mf_errors_free(&e);
    *out = m;
    return rc;
}

int wasp_manifest_load(const char *path, const wasp_manifest_options *opts, wasp_manifest **out) {
    if (out) *out = NULL;
    if (!path || !out) return WASP_EINVAL;
    struct mf_errors e = {.file = path};
    char *buf = NULL;
    size_t len = 0;
    int rc = wasp__mf_read_text_file(path, "manifest", &buf, &len, &e);
    if (rc == WASP_OK) rc = wasp_manifest_parse(buf, len, path, opts, out);
    else wasp__mf_errors_report(&e, opts ? opts->on_error : NULL, opts ? opts->error_arg : NULL);
    wasp__mf_errors_free(&e);
    free(buf);
    return rc;
}

int wasp_manifest_bind(wasp_manifest *m, wasp_wasm *w, wasp_manifest_error_fn on_error, void *error_arg) {
    if (!m || !w) return WASP_EINVAL;
    if (m->wasm) return WASP_ESTATE;
    struct mf_errors e = {.file = m->path};
    wasp__mf_load_components(m, w, &e);
    int rc = e.oom ? WASP_ENOMEM : e.len ? WASP_EINVAL : WASP_OK;
    if (rc != WASP_OK) wasp__mf_errors_report(&e, on_error, error_arg);
    wasp__mf_errors_free(&e);
    return rc;
}

void wasp_manifest_free(wasp_manifest *m) {
    if (!m) return;
    wasp__mf_arena_free(&m->arena);
    free(m->supervisors);
    free(m->path);
    free(m->dir);
    free(m);
}

void wasp_manifest_wasm_config(const wasp_manifest *m, wasp_wasm_config *out) {
    memset(out, 0, sizeof(*out));
    uint64_t instances = 0, memory = 0;
    for (size_t i = 0; m && i < m->ncomponents; i++) {
        const wasp_component_spec *c = &m->components[i].spec;
        instances += c->instances; /* defaults applied (core/limits.c) */
        if (c->limits.memory > memory) memory = c->limits.memory;
        if (c->limits.fuel) out->fuel = true;
    }
    if (!memory) memory = wasp__limit_info(WASP__LIM_MEMORY)->def; /* no components */
    uint64_t slots = instances * 2 + 16;
    /* The pool reserves its address space up front: keep it well inside. */
    if (instances <= 10000 && memory <= (1ull << 30) && slots * memory <= (8ull << 40)) {
        out->pooling = true;
        out->pool_instances = (uint32_t)slots;
        out->pool_memory_max = memory;
    }
}

static void report_line(wasp_manifest_error_fn on_error, void *error_arg, const char *line) {
    if (on_error) on_error(error_arg, line);
    else fprintf(stderr, "%s\n", line);
}

static void quiet(void *arg, const char *message) { (void)arg, (void)message; }

int wasp_manifest_check(const char *path, wasp_manifest_error_fn on_error, void *error_arg) {
    /* Read once without an engine to size it as `wasp run` does, then bind
     * it. A manifest that fails that first read is read again into a
     * default engine, so that its components' problems are reported too. */
    wasp_wasm_config wc = {.fuel = true};
    wasp_manifest *m = NULL;
    wasp_manifest_options first = {.on_error = quiet};
    bool read = wasp_manifest_load(path, &first, &m) == WASP_OK;
    if (read) wasp_manifest_wasm_config(m, &wc);
    wasp_system *sys = NULL;
    wasp_wasm *w = NULL;
    int rc = wasp_system_create(NULL, &sys);
    if (rc == WASP_OK) rc = wasp_wasm_create(sys, &wc, &w);
    if (rc != WASP_OK) {
        char line[512];
        snprintf(line, sizeof(line), "%s: cannot set up the wasm engine: %s", path ? path : "?", wasp_strerror(rc));
        report_line(on_error, error_arg, line);
        wasp_manifest_free(m);
        wasp_system_destroy(sys);
        return rc;
    }
    wasp_manifest_options opts = {.wasm = w, .on_error = on_error, .error_arg = error_arg,
                                  .on_warning = on_error, .warning_arg = error_arg};
    rc = read ? wasp_manifest_bind(m, w, on_error, error_arg) : wasp_manifest_load(path, &opts, &m);
    if (rc == WASP_OK && read) report_warnings(m, on_error, error_arg);
    wasp_manifest_free(m);
    wasp_wasm_destroy(w); /* before the system: it detaches from it */
    wasp_system_destroy(sys);
    return rc;
}

/* ---- accessors -------------------------------------------------------------- */

const char *wasp_manifest_name(const wasp_manifest *m) { return m ? m->name : NULL; }
const char *wasp_manifest_path(const wasp_manifest *m) { return m ? m->path : NULL; }
int wasp_manifest_workers(const wasp_manifest *m) { return m ? m->workers : 0; }

uint64_t wasp_manifest_max_message(const wasp_manifest *m) {
    uint64_t max = 0;
    for (size_t i = 0; m && i < m->ncomponents; i++)
        if (m->components[i].spec.limits.max_message > max)
            max = m->components[i].spec.limits.max_message;
    return max;
}

size_t wasp_manifest_component_count(const wasp_manifest *m) { return m ? m->ncomponents : 0; }

const wasp_component_spec *wasp_manifest_component(const wasp_manifest *m, size_t i) {
    return m && i < m->ncomponents ? &m->components[i].spec : NULL;
}

wasp_component *wasp_manifest_component_handle(const wasp_manifest *m, size_t i) {
    return m && i < m->ncomponents ? m->components[i].loaded : NULL;
}

size_t wasp_manifest_supervisor_count(const wasp_manifest *m) { return m ? m->nsupervisors : 0; }

const wasp_manifest_supervisor *wasp_manifest_supervisor_get(const wasp_manifest *m, size_t i) {
    return m && i < m->nsupervisors ? &m->supervisors[i].pub : NULL;
}
