/* internal.h - the manifest loader's private types (docs/MANIFEST.md).
 *
 * Loading has three stages:
 *   1. manifest_yaml.c turns libfyaml's event stream into a small tree of
 *      nodes that remember their 1-based line and column;
 *   2. manifest_parse.c / manifest_supervisor.c read that tree into the model
 *      (component specs, supervisor specs), applying defaults and reporting
 *      every problem as "FILE:LINE:COL: message";
 *   3. manifest_check.c checks the rules that span entries (supervised
 *      exactly once, names unique) and, when given a wasm layer, loads each
 *      component, which checks it against the ABI.
 * Everything the model points to lives in one arena freed with the manifest.
 */
#ifndef WASP_MANIFEST_INTERNAL_H
#define WASP_MANIFEST_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "wasp.h"

/* ---- arena ----------------------------------------------------------------- */

struct mf_arena {
    struct mf_chunk *head;
    bool failed; /* an allocation failed: the result is WASP_ENOMEM */
};
void *wasp__mf_alloc(struct mf_arena *a, size_t size); /* zeroed; NULL sets failed */
char *wasp__mf_strndup(struct mf_arena *a, const char *s, size_t len);
char *wasp__mf_strdup(struct mf_arena *a, const char *s);
void wasp__mf_arena_free(struct mf_arena *a);

/* ---- YAML tree ------------------------------------------------------------ */

enum mf_kind { MF_NULL, MF_SCALAR, MF_MAP, MF_SEQ };

struct mf_node {
    enum mf_kind kind;
    int line, col;          /* 1-based */
    const char *text;       /* scalars: the value (NUL-terminated) */
    size_t len;
    size_t n;               /* map: pairs; seq: items */
    struct mf_node **keys;  /* map keys (n) */
    struct mf_node **items; /* map values or sequence items (n) */
    uint64_t weight;        /* nodes reachable from here, aliases expanded */
    bool plain;             /* scalars: written unquoted (so `3` is a number, "3" text) */
};

/* ---- problems --------------------------------------------------------------- */

struct wasp__mf_error {
    int line, col; /* 0 = no position */
    char *msg;
    size_t seq;
};

struct mf_errors {
    const char *file;
    struct wasp__mf_error *v;
    size_t len, cap;
    bool oom;
};
void wasp__mf_error_at(struct mf_errors *e, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void wasp__mf_error(struct mf_errors *e, const struct mf_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sorts by position and reports each as "FILE:LINE:COL: msg" (or "FILE: msg"). */
void wasp__mf_errors_report(struct mf_errors *e, wasp_manifest_error_fn fn, void *arg);
void wasp__mf_errors_free(struct mf_errors *e);

/* Builds the tree of the (single) document in text. Syntax errors are
 * reported to errs; returns the root (NULL if none or on error). Nodes live in
 * arena a. */
struct mf_node *wasp__mf_yaml_parse(struct mf_arena *a, const char *text, size_t len,
                              struct mf_errors *errs);

/* ---- scalar values (manifest_values.c) ---------------------------------- */
/* Each returns true on success; on failure it has reported an error at n. */
bool wasp__mf_get_string(struct mf_errors *e, const struct mf_node *n, const char **out);
bool wasp__mf_get_bool(struct mf_errors *e, const struct mf_node *n, bool *out);
/* permanent | transient | temporary -> WASP_RESTART_* */
bool wasp__mf_get_restart(struct mf_errors *e, const struct mf_node *n, int *out);
bool wasp__mf_get_int(struct mf_errors *e, const struct mf_node *n, const char *what, int64_t min,
                int64_t max, int64_t *out);
bool wasp__mf_get_double(struct mf_errors *e, const struct mf_node *n, const char *what, double min,
                   double max, double *out);
bool wasp__mf_get_duration(struct mf_errors *e, const struct mf_node *n, const char *what,
                     uint64_t *ns);
bool wasp__mf_get_size(struct mf_errors *e, const struct mf_node *n, const char *what, uint64_t max,
                 uint64_t *bytes);
/* A setting of the limits table (core/limits.h) into its field of s, read
 * and checked as the table says (its key names it in errors). */
bool wasp__mf_get_limit(struct mf_errors *e, const struct mf_node *n, enum wasp__limit l, wasp_component_spec *s);
/* Pure parsers (no errors): WASP_OK or WASP_EINVAL / WASP_E2BIG. */
int wasp__mf_parse_duration(const char *s, uint64_t *ns);
int wasp__mf_parse_size(const char *s, uint64_t *bytes);

/* ---- mapping helper ------------------------------------------------------- */
/* Checks that n is a mapping whose keys are all in `known` (NULL-terminated)
 * and distinct, reporting the others; vals gets the value node of each known
 * key (NULL if absent), keyn the key nodes. false if n is not a mapping. */
bool wasp__mf_map_fields(struct mf_errors *e, const struct mf_node *n, const char *what,
                   const char *const *known, const struct mf_node **vals,
                   const struct mf_node **keyn);
/* Reports a missing required key of mapping n. */
void wasp__mf_missing(struct mf_errors *e, const struct mf_node *n, const char *key);

/* ---- the model ------------------------------------------------------------ */

/* `placement` of a top-level unit (manifest_placement.c). */
struct mf_placement {
    const struct mf_node *at; /* the key's value; NULL when absent */
    const char *node;         /* NULL = spread by the default rule */
    const char *const *labels;
    size_t nlabels;
    bool failover;
};

struct mf_component {
    wasp_component_spec spec;
    const struct mf_node *name_node; /* position of its name (or entry) */
    const struct mf_node *wasm_node;
    const struct mf_node **dir_nodes; /* `host` of each WASI directory */
    /* lists read for `wasp check`'s warnings (manifest_warnings.c) */
    const struct mf_node *send_node, *subscribe_node, *grant_subscribe_node;
    bool ok;                         /* its own entry had no errors */
    bool supervised;
    const struct mf_node *supervised_at;
    wasp_component *loaded;          /* after a successful load */
    struct mf_placement placement;
};

struct mf_child {
    size_t component;  /* index into components, or */
    size_t supervisor; /* index into supervisors */
    bool is_supervisor;
};

struct mf_supervisor {
    wasp_manifest_supervisor pub;
    const struct mf_node *name_node;
    struct mf_child *children;
    size_t nchildren;
    struct mf_placement placement;
};

struct wasp_manifest {
    struct mf_arena arena;
    char *path;
    char *dir; /* directory of the manifest, for relative paths */
    const char *name;
    int workers;
    struct mf_component *components;
    size_t ncomponents;
    struct mf_supervisor *supervisors; /* [0] is the root */
    size_t nsupervisors, capsupervisors;
    wasp_wasm *wasm;                   /* components were loaded into it */
    bool started;
    wasp_manifest_node *nodes;         /* `nodes` (multi-node systems) */
    size_t nnodes;
    wasp_manifest_http http;           /* `http`; listen NULL = none */
};

/* manifest_parse.c: reads the top level and the components. */
void wasp__mf_read_manifest(struct wasp_manifest *m, const struct mf_node *root, struct mf_errors *e);
/* Reads one entry of `components` (defaults filled in, paths resolved
 * against m's directory, strings in m's arena) into c; c->ok tells. */
void wasp__mf_read_component(struct wasp_manifest *m, struct mf_component *c, struct mf_errors *e,
                       const struct mf_node *n);
/* A manifest holder with no content yet: path, directory, arena. */
struct wasp_manifest *wasp__mf_manifest_new(const char *filename);
/* Reads a whole text file (at most 16 MiB); `what` names it in problems.
 * WASP_OK with *out malloc'd, or WASP_EIO / WASP_EINVAL / WASP_ENOMEM. */
int wasp__mf_read_text_file(const char *path, const char *what, char **out, size_t *len,
                      struct mf_errors *e);

/* manifest_supervisor.c: reads the supervisor tree (NULL node = the default)
 * and checks that every component is supervised exactly once. */
void wasp__mf_read_supervisors(struct wasp_manifest *m, const struct mf_node *key,
                         const struct mf_node *node, struct mf_errors *e);
/* manifest_http.c: reads the `http` section (after the components). */
void wasp__mf_read_http(struct wasp_manifest *m, const struct mf_node *node, struct mf_errors *e);
/* manifest_warnings.c: what is valid but likely a mistake (`send`
 * permissions that match no actor, subscriptions no one may publish to),
 * each into w as "warning: ..." at its entry. */
void wasp__mf_warnings(const struct wasp_manifest *m, struct mf_errors *w);
/* manifest_check.c: wasm files and host directories exist; with w, loads
 * each component into w. */
void wasp__mf_check_files(struct wasp_manifest *m, const wasp_manifest_options *opts,
                    struct mf_errors *e);
/* Loads every component still valid into w (compiled once, kept in m). */
void wasp__mf_load_components(struct wasp_manifest *m, wasp_wasm *w, struct mf_errors *e);

/* manifest_placement.c: `placement` of a unit, the `nodes` list, and the
 * rules between them (placement only on top-level units, known nodes). */
void wasp__mf_read_placement(struct wasp_manifest *m, struct mf_errors *e, const struct mf_node *n,
                       struct mf_placement *out);
void wasp__mf_read_nodes(struct wasp_manifest *m, struct mf_errors *e, const struct mf_node *n);
void wasp__mf_check_placement(struct wasp_manifest *m, struct mf_errors *e);
/* manifest_storage.c: a component's `storage` entry. */
void wasp__mf_read_storage(struct mf_component *c, struct mf_errors *e, const struct mf_node *n, bool *ok);

/* Resolves p against the manifest's directory (arena string). */
const char *wasp__mf_resolve_path(struct wasp_manifest *m, const char *p);

/* The characters of a component/supervisor name are valid (core/name.h). */
bool wasp__mf_valid_name(const char *s);
/* Valid system name: 1..200 bytes, no control characters. */
bool wasp__mf_printable(const char *s);

#define MF_DEFAULT_INTENSITY 3u
#define MF_DEFAULT_PERIOD_NS 5000000000ull
#define MF_DEFAULT_BACKOFF_INITIAL_NS 10000000ull
#define MF_DEFAULT_BACKOFF_MAX_NS 5000000000ull
#define MF_DEFAULT_BACKOFF_MULTIPLIER 2.0
#define MF_DEFAULT_BACKOFF_JITTER 0.2
#define MF_ROOT_NAME "root"

#endif
