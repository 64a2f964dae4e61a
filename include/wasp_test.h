/*
 * wasp_test.h - the testing kit for component authors (docs/TESTING.md).
 *
 * A wasp_test is an isolated system on a virtual clock: a component (or a
 * whole manifest) runs in it with named stand-ins for the actors it talks
 * to. The test sends, calls and publishes; every such step returns once the
 * system is quiescent again (no actor queued or running), so what the
 * component did in response is already recorded: messages the stand-ins
 * received, everything published, every log line. Time moves only when the
 * test advances it, so timer-driven components test instantly and the same
 * way every time. `wasp test SCENARIO.yaml` runs the same kit from YAML.
 *
 * Built on the embedding API (wasp.h) only; wasp_test_system gives the
 * system for anything the kit does not wrap. Calls are for the test's own
 * thread (outside any actor). Available with the wasm layer.
 */
#ifndef WASP_TEST_H
#define WASP_TEST_H

#include "wasp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasp_test wasp_test;
typedef struct wasp_test_standin wasp_test_standin;

typedef struct wasp_test_config {
    int workers;              /* 0 = 1: one worker runs every test the same way */
    uint64_t idle_timeout_ns; /* hang guard, real time, on waiting for quiescence; 0 = 10 s */
    const char *cache_dir;    /* on-disk cache of compiled modules; NULL = none */
    bool echo_log;            /* also write captured log lines to stderr */
    bool no_store;            /* no store of its own (wasp_test_store is NULL): for tests
                                 whose components are not granted storage, a little faster */
    uint64_t cache_max;       /* bytes cache_dir may hold; 0 = 1 GiB (wasp_wasm_config) */
} wasp_test_config;

/* A new isolated system (virtual clock at 0, workers running, every log
 * line captured). cfg may be NULL. WASP_OK, WASP_EINVAL, WASP_ENOMEM. */
int wasp_test_create(const wasp_test_config *cfg, wasp_test **out);
/* Stops the system and frees everything. NULL is a no-op. */
void wasp_test_destroy(wasp_test *t);
wasp_system *wasp_test_system(wasp_test *t);
wasp_wasm *wasp_test_wasm(wasp_test *t);
/* The test's own store (empty at the start, removed by wasp_test_destroy):
 * what components granted `storage` use. Read a component's namespace with
 * wasp_store_foreach(store, NAME, ...) or wasp_kv_open + wasp_kv_get. */
wasp_store *wasp_test_store(wasp_test *t);

/* ---- What is under test ------------------------------------------------------
 * Add stand-ins first: a component's _start may already talk to them. */

/* Loads the component and starts its instances under a one-for-one
 * supervisor that restarts a crashed instance at once (no back-off; at
 * most `intensity` 10 restarts in 5 s). On failure err (may be NULL) says
 * why. WASP_OK or the wasp_component_load / wasp_supervisor_start errors. */
int wasp_test_start_component(wasp_test *t, const wasp_component_spec *spec, char *err,
                              size_t errcap);
/* Loads a manifest and starts its whole supervision tree (its `workers` is
 * ignored). Problems go to err (the first, as FILE:LINE:COL: message).
 * WASP_OK, WASP_ESTATE (something was started already), or the
 * wasp_manifest_load / wasp_manifest_start errors. */
int wasp_test_start_manifest(wasp_test *t, const char *path, char *err, size_t errcap);

/* ---- Stand-ins ---------------------------------------------------------------
 * A stand-in is a native actor registered under a name the component talks
 * to. It records every message it receives and answers requests (`call`)
 * with scripted answers, used in order; the last one repeats; with none, a
 * request is handled without an answer. */

#define WASP_TEST_REPLY 0   /* answer with these bytes */
#define WASP_TEST_NOREPLY 1 /* handle it unanswered: the caller gets ENOREPLY at once */
#define WASP_TEST_SILENCE 2 /* never answer: the caller waits for its timeout */
#define WASP_TEST_CRASH 3   /* crash on it: the caller gets ENOREPLY, the stand-in stays failed */

typedef struct wasp_test_standin_opts {
    uint32_t mailbox;  /* mailbox capacity; 0 = 1024 */
    bool stalled;      /* takes no message out of its mailbox (it holds the first, queues
                          `mailbox` more, then senders get EFULL): a full mailbox */
    uint32_t crash_at; /* crashes on the Nth message it receives (1-based); 0 = never */
} wasp_test_standin_opts;

/* opts may be NULL. *out (may be NULL) stays valid until wasp_test_destroy.
 * WASP_OK, WASP_EINVAL, WASP_EEXIST (the name is taken), WASP_ENOMEM. */
int wasp_test_standin_add(wasp_test *t, const char *name, const wasp_test_standin_opts *opts,
                          wasp_test_standin **out);
/* The stand-in of that name, or NULL. */
wasp_test_standin *wasp_test_standin_get(wasp_test *t, const char *name);
/* Appends a scripted answer (WASP_TEST_*; data only for WASP_TEST_REPLY).
 * WASP_OK, WASP_EINVAL, WASP_ENOMEM. */
int wasp_test_standin_answer(wasp_test_standin *s, int kind, const void *data, size_t len);

/* ---- Records -------------------------------------------------------------- */

typedef struct wasp_test_message {
    uint64_t seq;      /* recording order across the whole test (messages and log lines) */
    uint64_t at_ns;    /* virtual time when it was recorded */
    char from[256];    /* the sender's name; "" from outside or an anonymous actor */
    char to[256];      /* the stand-in that received it ("" for a publish) */
    const char *topic; /* publishes: the topic; otherwise NULL */
    bool request;      /* sent with `call` */
    const void *data;  /* payload, NUL-terminated for convenience (not counted in len) */
    size_t len;
} wasp_test_message;

typedef struct wasp_test_log_line {
    uint64_t seq;
    uint64_t at_ns;
    int level;         /* WASP_LOG_* */
    char actor[256];
    const char *text;
} wasp_test_log_line;

/* Records stay valid until wasp_test_destroy; i counts from 0 in arrival order. */
size_t wasp_test_standin_count(wasp_test_standin *s);
const wasp_test_message *wasp_test_standin_message(wasp_test_standin *s, size_t i);
/* Everything published (including wasp.dead_letters notices while the test runs). */
size_t wasp_test_published_count(wasp_test *t);
const wasp_test_message *wasp_test_published(wasp_test *t, size_t i);
size_t wasp_test_log_count(wasp_test *t);
const wasp_test_log_line *wasp_test_log(wasp_test *t, size_t i);

/* ---- Steps -------------------------------------------------------------------
 * Each returns once the system is quiescent again; WASP_ETIMEDOUT from a
 * step means it did not become quiescent within idle_timeout_ns (an actor
 * keeps running). from: NULL sends from outside the system, or the name of a
 * stand-in that sends it (the component then sees that sender). */

int wasp_test_send(wasp_test *t, const char *from, const char *to, const void *data, size_t len);
/* A request. While no reply has come, virtual time advances timer by timer
 * (a component waiting on a silent stand-in times out meanwhile), up to
 * timeout_ns (0 = 5 s). WASP_OK with *reply (malloc'd, free() it; NUL-
 * terminated, not counted in *reply_len), or the request's status:
 * WASP_ETIMEDOUT, WASP_ENOREPLY, WASP_ECRASH, WASP_ENOENT, WASP_EFULL, ... */
int wasp_test_call(wasp_test *t, const char *from, const char *to, const void *data, size_t len,
                   uint64_t timeout_ns, void **reply, size_t *reply_len);
/* Subscribers it reached (>= 0) or an error, as wasp_publish. */
int wasp_test_publish(wasp_test *t, const char *topic, const void *data, size_t len);
/* Virtual time forward; due timers fire in order (wasp_system_advance_clock). */
int wasp_test_advance(wasp_test *t, uint64_t ns);
/* Virtual nanoseconds since the test was created. */
uint64_t wasp_test_now(wasp_test *t);
/* Waits for quiescence (after sends made directly on wasp_test_system). */
int wasp_test_idle(wasp_test *t);
/* Crashes an actor from outside (wasp_actor_kill), then waits. */
int wasp_test_kill(wasp_test *t, const char *name);

/* ---- Inspection ---------------------------------------------------------------- */

/* Statistics of the actor (or a member of the pool) of that name; a
 * component with several instances is NAME.0, NAME.1, ... WASP_OK, WASP_ENOENT. */
int wasp_test_stats(wasp_test *t, const char *name, wasp_actor_stats *out);
/* The latest crash or start failure of a component actor ("" if none).
 * WASP_OK, WASP_ENOENT (no such component actor). */
int wasp_test_last_error(wasp_test *t, const char *name, char *buf, size_t cap);

/* ---- Matching ----------------------------------------------------------------- */

#define WASP_TEST_MATCH_EXACT 0  /* the bytes equal the pattern */
#define WASP_TEST_MATCH_PREFIX 1 /* the bytes start with the pattern */
#define WASP_TEST_MATCH_REGEX 2  /* POSIX extended regex, found anywhere in the text */
#define WASP_TEST_MATCH_JSON 3   /* the bytes are JSON containing the pattern's JSON: objects
                                    need the pattern's members (recursively), arrays the same
                                    length with each element matching, scalars are equal */

/* true if data matches; otherwise false and why (may be NULL) says what
 * differs, e.g. "$.total: expected 3, got 2". A malformed pattern does not
 * match (why says so). */
bool wasp_test_match(int kind, const char *pattern, const void *data, size_t len, char *why,
                     size_t whycap);

/* ---- Scenario files ------------------------------------------------------------- */
/* The YAML scenarios of `wasp test` (docs/TESTING.md). */

typedef struct wasp_test_case_result {
    const char *file;
    const char *name;
    bool passed;
    const char *failure; /* passed: NULL; else every failed expectation, one per line,
                            each "FILE:LINE:COL: what was expected; what happened" */
    uint64_t elapsed_ns; /* real time */
} wasp_test_case_result;

typedef struct wasp_test_run_options {
    const char *filter;  /* run only cases whose name contains this text; NULL = all */
    /* Called after each case that ran. */
    void (*on_case)(void *arg, const wasp_test_case_result *r);
    void *arg;
    /* Problems in the scenario file, each "FILE:LINE:COL: message"; NULL = stderr. */
    wasp_manifest_error_fn on_error;
    void *error_arg;
    const char *cache_dir; /* compiled-module cache for the cases; NULL = none */
    bool echo_log;         /* components' log lines to stderr as they come */
    uint64_t cache_max;    /* bytes cache_dir may hold; 0 = 1 GiB */
} wasp_test_run_options;

/* Runs every case of a scenario file (each in a fresh wasp_test), adding to
 * *passed and *failed. WASP_OK (whatever the cases' outcome), WASP_EINVAL
 * (the file has problems: reported, nothing ran), WASP_EIO, WASP_ENOMEM. */
int wasp_test_run_file(const char *path, const wasp_test_run_options *opts, unsigned *passed,
                       unsigned *failed);
/* Checks a scenario in memory without running it or looking at files
 * (`filename` names it in messages). WASP_OK, WASP_EINVAL, WASP_ENOMEM. */
int wasp_test_check_text(const char *text, size_t len, const char *filename,
                         wasp_manifest_error_fn on_error, void *error_arg);

#ifdef __cplusplus
}
#endif

#endif /* WASP_TEST_H */
