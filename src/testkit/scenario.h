/* scenario.h - the YAML scenarios of `wasp test` (docs/TESTING.md).
 *
 *   scenario_parse.c   file, cases, stand-ins and steps into the model below
 *   scenario_values.c  payloads, matchers and expectations
 *   scenario_run.c     runs a case step by step on a wasp_test
 *   scenario_check.c   judges expectations and tells what happened
 *   scenario_store.c   seeding and reading the test's store
 *
 * The YAML tree, positions, problems and component entries are the
 * manifest loader's (src/manifest): a scenario's `component` is written
 * exactly like a manifest's, and every problem is FILE:LINE:COL. */
#ifndef WASP_TESTKIT_SCENARIO_H
#define WASP_TESTKIT_SCENARIO_H

#include "manifest/internal.h"
#include "wasp_test.h"

struct sc_bytes {
    const char *data; /* NUL-terminated (arena) */
    size_t len;
};

/* A matcher: WASP_TEST_MATCH_* and its pattern (JSON text for JSON). */
struct sc_matcher {
    int kind;
    const char *pattern;
    const struct mf_node *at;
};

struct sc_standin {
    const char *name;
    const struct mf_node *at;
    wasp_test_standin_opts opts;
    int *answer_kinds;        /* WASP_TEST_* */
    struct sc_bytes *answers; /* payloads of WASP_TEST_REPLY */
    size_t nanswers;
};

enum sc_expect_kind { SC_SENT, SC_PUBLISHED, SC_LOG, SC_STATS, SC_STORED };

/* An entry put into a namespace before the case starts. */
struct sc_seed {
    const char *ns;
    struct sc_bytes key, value;
};

#define SC_NSTATS 7 /* received handled handler_errors crashes restarts dead_letters mailbox */

struct sc_expect {
    enum sc_expect_kind kind;
    const struct mf_node *at;
    const char *who;     /* SENT: the stand-in (to); LOG/STATS: the actor; PUBLISHED: topic pattern */
    const char *from;    /* SENT, PUBLISHED: sender filter, or NULL */
    struct sc_matcher *messages; /* SENT, PUBLISHED: the exact sequence, if given */
    size_t nmessages;
    bool has_messages;
    int64_t count;       /* -1: not given */
    int level;           /* LOG: -1 any */
    struct sc_matcher text; /* LOG: pattern (pattern NULL = any) */
    int64_t stats[SC_NSTATS]; /* STATS: -1 = not checked */
    const struct mf_node *stat_at[SC_NSTATS];
    int state;           /* STATS: -1 = not checked */
    const struct mf_node *state_at;
    struct sc_matcher last_error; /* STATS: pattern NULL = not checked */
    struct sc_bytes *keys;   /* STORED: keys of `entries` (matchers in messages), */
    struct sc_bytes *absent; /* and keys that must not be there */
    size_t nabsent;
    const struct mf_node **absent_at;
};

enum sc_step_kind { SC_SEND, SC_CALL, SC_PUBLISH, SC_ADVANCE, SC_KILL, SC_EXPECT };

struct sc_step {
    enum sc_step_kind kind;
    const struct mf_node *at;
    const char *target;  /* SEND/CALL: to; PUBLISH: topic; KILL: actor */
    const char *from;
    struct sc_bytes payload;
    uint64_t ns;         /* ADVANCE: how far; CALL: timeout (0 = default) */
    int error;           /* expected failure (WASP_E*), or 0 = success */
    const struct mf_node *error_at;
    struct sc_matcher reply; /* CALL: pattern NULL = any reply */
    struct sc_expect *expects;
    size_t nexpects;
};

struct sc_case {
    const char *name;
    const struct mf_node *at;
    const char *manifest;          /* the whole system under test, or NULL: */
    struct mf_component component; /* one component (the file's, with the case's changes) */
    bool has_component;
    struct sc_standin *standins;
    size_t nstandins;
    struct sc_step *steps;
    size_t nsteps;
    struct sc_seed *seeds; /* `storage:` of the file, then of the case */
    size_t nseeds;
};

struct sc_file {
    struct wasp_manifest *m;  /* arena, path, directory; m->components = the cases' components */
    struct mf_errors errs;
    int workers;
    struct sc_standin *standins;
    size_t nstandins;
    struct sc_case *cases;
    size_t ncases;
};

/* Parses text into f (f->m must be set). Problems go to f->errs. */
void wasp__sc_parse(struct sc_file *f, const char *text, size_t len, bool skip_files);

/* scenario_values.c */
bool wasp__sc_read_payload(struct sc_file *f, const struct mf_node *text, const struct mf_node *json,
                     struct sc_bytes *out);
bool wasp__sc_read_matcher(struct sc_file *f, const struct mf_node *n, struct sc_matcher *out);
bool wasp__sc_read_error_name(struct sc_file *f, const struct mf_node *n, int *code);
bool wasp__sc_read_expect(struct sc_file *f, const struct mf_node *n, struct sc_step *st);
/* `storage:` (namespace -> key -> value), appended to *seeds. */
void wasp__sc_read_seeds(struct sc_file *f, const struct mf_node *n, struct sc_seed **seeds, size_t *nseeds);
/* JSON text of a YAML node (arena); NULL (problem reported) if it has none. */
const char *wasp__sc_node_json(struct sc_file *f, const struct mf_node *n);
/* "received", "handled", ... for index 0..SC_NSTATS-1 of sc_expect.stats. */
const char *wasp__sc_stat_name(int i);
/* The name of an ABI-style error code: "ETIMEDOUT", ... */
const char *wasp__sc_error_name(int code);

/* scenario_store.c: the test's store (wasp_test_store), a namespace at a time.
 * get: WASP_OK with *val malloc'd and NUL-terminated, or WASP_ENOENT / ... */
int wasp__sc_kv_put(wasp_test *t, const char *ns, const struct sc_bytes *key, const struct sc_bytes *val);
int wasp__sc_kv_get(wasp_test *t, const char *ns, const struct sc_bytes *key, void **val, size_t *len);
int wasp__sc_kv_count(wasp_test *t, const char *ns, size_t *count);

/* scenario_run.c: runs one case; *failure (malloc'd) explains a failure. */
bool wasp__sc_run_case(const struct sc_file *f, const struct sc_case *c, const wasp_test_run_options *o,
                 char **failure);

/* scenario_check.c: judges one expectation after a step; appends to out. */
struct sc_out {
    char *buf;
    size_t len, cap;
};
void wasp__sc_out_printf(struct sc_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Printable, quoted, shortened form of bytes. */
void wasp__sc_out_bytes(struct sc_out *o, const void *data, size_t len);
bool wasp__sc_check(const struct sc_file *f, wasp_test *t, const struct sc_expect *x, struct sc_out *o);
bool wasp__sc_match(const struct sc_matcher *m, const void *data, size_t len, char *why, size_t cap);
void wasp__sc_describe_matcher(struct sc_out *o, const struct sc_matcher *m);

#endif
