/* cli.h - the `wasp` command (docs/CLI.md). Each subcommand is one file;
 * everything they do goes through the public API in wasp.h. */
#ifndef WASP_CLI_H
#define WASP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "wasp.h"

/* Exit statuses (docs/CLI.md). */
#define CLI_OK 0
#define CLI_FAILED 1   /* the manifest or a component could not be loaded or started */
#define CLI_USAGE 2    /* usage error */
#define CLI_GAVE_UP 3  /* the root supervisor gave up */

int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_bench(int argc, char **argv);
/* Talking to running systems (cmd_ctl.c, cmd_top.c; docs/CONTROL.md). */
int cmd_ps(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_test(int argc, char **argv);

/* Help texts (main.c). */
void cli_help_run(FILE *f);
void cli_help_check(FILE *f);
void cli_help_inspect(FILE *f);
void cli_help_bench(FILE *f);
void cli_help_ps(FILE *f);
void cli_help_send(FILE *f);
void cli_help_call(FILE *f);
void cli_help_stats(FILE *f);
void cli_help_stop(FILE *f);
void cli_help_upgrade(FILE *f);
void cli_help_top(FILE *f);
void cli_help_test(FILE *f);

/* Prints "wasp CMD: message" and a hint to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* true if arg is -h or --help. */
bool cli_is_help(const char *arg);

/* Flag matching: "--name VALUE" or "--name=VALUE". On a match *value gets
 * the value (advancing *i past it) and it returns 1; returns -1 if the
 * value is missing, 0 if arg is not this flag. */
int cli_flag(int argc, char **argv, int *i, const char *name, const char **value);

/* The disk cache of compiled modules: $WASP_CACHE_DIR (empty: none), else
 * $XDG_CACHE_HOME/wasp/modules, else ~/.cache/wasp/modules. Written to buf;
 * returns buf, or NULL for no cache. */
const char *cli_module_cache_dir(char *buf, size_t cap);
/* Its byte budget: $WASP_CACHE_MAX (a size such as 512MiB), else 0 (the
 * library's default, 1 GiB). A value that is not a size is reported on
 * stderr and the default used. */
uint64_t cli_module_cache_max(void);

/* The statistics JSON of docs/CLI.md for a running (or stopped) system. */
struct cli_stats_input {
    wasp_system *sys;
    wasp_wasm *wasm;
    const wasp_manifest *manifest;
    wasp_supervisor *root;
    uint64_t uptime_ms;
};
/* As a jansson object (a new reference), or NULL if out of memory. */
json_t *cli_stats_json(const struct cli_stats_input *in);
/* After the system stopped: each actor's counters as they ended (the stop's
 * dead letters, the message in hand, timers pending at the stop), states
 * and memory as the system ran. */
void cli_stats_settle(json_t *stats, wasp_system *sys);
/* Writes the layout of docs/CLI.md; WASP_ENOMEM for NULL. */
int cli_write_stats(FILE *f, json_t *stats);

/* The log sink of `wasp run` (log_sink.c): timestamped lines on stderr;
 * arg is the format, (void *)(intptr_t)CLI_LOG_TEXT or CLI_LOG_JSON. */
#define CLI_LOG_TEXT 0
#define CLI_LOG_JSON 1
void cli_log_sink(void *arg, int level, const char *actor, const char *text);
int cli_log_format_parse(const char *s, int *format); /* WASP_OK or WASP_EINVAL */

/* `wasp run`'s multi-node flags (run_dist.c): --node, --nats, --nats-creds,
 * --nats-tls-ca, --nats-tls-cert, --nats-tls-key. */
struct cli_dist_args {
    const char *node, *nats, *creds, *tls_ca, *tls_cert, *tls_key;
};
/* 1: argv[*i] was one of them (consumed); 0: not one; CLI_USAGE: bad value. */
int cli_dist_flag(int argc, char **argv, int *i, struct cli_dist_args *a);
/* 0, or CLI_USAGE (printed) for an incomplete set or a build without NATS. */
int cli_dist_check(const struct cli_dist_args *a);
/* Joins the system as a node (before wasp_system_start); NULL on failure (printed). */
void *cli_dist_join(wasp_system *sys, wasp_manifest *m, const struct cli_dist_args *a);
/* Starts this node's units (instead of wasp_manifest_start). */
int cli_dist_start(void *node, void (*on_give_up)(wasp_supervisor *, void *), wasp_supervisor **root,
                   char *err, size_t errcap);
/* Whole-system statistics: local(arg) gives this node's statistics JSON;
 * other nodes that ask get it with every actor and supervisor tagged with
 * this node's name. cli_dist_stats tags `local` the same way, adds what
 * every other live node reports, and lists the nodes in "nodes" (takes and
 * returns the reference). */
void cli_dist_set_stats(void *node, json_t *(*local)(void *arg), void *arg);
json_t *cli_dist_stats(void *node, json_t *local);
void cli_dist_leave(void *node);   /* before wasp_system_stop */
void cli_dist_destroy(void *node); /* after it; NULL is a no-op */
/* Storage of a node: the system's JetStream key-value bucket (CLI_OK or
 * CLI_FAILED, printed). */
int cli_dist_open_store(const struct cli_dist_args *a, const char *system, wasp_store **out);
/* run_store.c: opens DIR/SYSTEM.kv (DIR NULL = the user's data directory)
 * if a component of m is granted storage; *out stays NULL otherwise. A node
 * of a multi-node system (dist->node set) uses the system's JetStream
 * key-value bucket instead. On failure prints why, naming the file, and
 * returns CLI_FAILED. */
int cli_open_store(const wasp_manifest *m, const char *data_dir, const struct cli_dist_args *dist,
                   wasp_store **out);

/* run_watch.c: `wasp run --watch` - upgrades a component whenever its .wasm
 * file changes, until cli_watch_stop (before the system stops). */
struct cli_watch;
int cli_watch_start(wasp_system *sys, const wasp_manifest *m, struct cli_watch **out);
void cli_watch_stop(struct cli_watch *w);

/* The benchmark harness's entry point (bench/main.c). */
int bench_main(int argc, char **argv);

#endif
