/* cli.h - the `wasp` command (docs/CLI.md). Each subcommand is one file;
 * everything they do goes through the public API in wasp.h. */
#ifndef WASP_CLI_H
#define WASP_CLI_H

#include <stdbool.h>
#include <stdio.h>

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

/* Help texts (main.c). */
void cli_help_run(FILE *f);
void cli_help_check(FILE *f);
void cli_help_inspect(FILE *f);
void cli_help_bench(FILE *f);

/* Prints "wasp CMD: message" and a hint to stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* true if arg is -h or --help. */
bool cli_is_help(const char *arg);

/* Flag matching: "--name VALUE" or "--name=VALUE". On a match *value gets
 * the value (advancing *i past it) and it returns 1; returns -1 if the
 * value is missing, 0 if arg is not this flag. */
int cli_flag(int argc, char **argv, int *i, const char *name, const char **value);

/* The statistics JSON of docs/CLI.md for a running (or stopped) system. */
struct cli_stats_input {
    wasp_system *sys;
    wasp_wasm *wasm;
    const wasp_manifest *manifest;
    wasp_supervisor *root;
    uint64_t uptime_ms;
};
int cli_write_stats(FILE *f, const struct cli_stats_input *in);

/* The benchmark harness's entry point (bench/main.c). */
int bench_main(int argc, char **argv);

#endif
