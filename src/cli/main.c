/* main.c - `wasp`: dispatches to the subcommands; --help and --version. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void help_main(FILE *f) {
    fprintf(f,
            "usage: wasp COMMAND [ARGS]\n"
            "\n"
            "wasp runs sandboxed WebAssembly components as supervised actors.\n"
            "\n"
            "commands:\n"
            "  run MANIFEST      start the system a YAML manifest describes and run it\n"
            "  check MANIFEST    validate a manifest and its components without running them\n"
            "  inspect FILE.wasm show a module's imports and exports and whether it fits the ABI\n"
            "  bench [SCENARIO]  run benchmark scenarios\n"
            "  test SCENARIO...  run test scenarios (docs/TESTING.md)\n"
            "\n"
            "talking to running systems (SYSTEM is the manifest's name):\n"
            "  ps                the systems running for this user\n"
            "  send SYSTEM TARGET TEXT   queue TEXT for actor TARGET\n"
            "  call SYSTEM TARGET TEXT   a request; prints the reply\n"
            "  stats SYSTEM      the statistics JSON, now\n"
            "  top SYSTEM        a live table of the actors\n"
            "  stop SYSTEM       a graceful stop, as SIGTERM\n"
            "  upgrade SYSTEM COMPONENT FILE  replace a component's code in the running system\n"
            "  help [COMMAND]    show help (also: wasp COMMAND --help)\n"
            "\n"
            "options:\n"
            "  -h, --help        show this help\n"
            "  -V, --version     show the wasp and Wasmtime versions\n"
            "\n"
            "exit status: 0 success, 1 a manifest or component could not be loaded or\n"
            "started (or a check failed), 2 usage error, 3 the root supervisor gave up.\n"
            "See docs/CLI.md and docs/MANIFEST.md.\n");
}

void cli_help_run(FILE *f) {
    fprintf(f,
            "usage: wasp run MANIFEST [--for DURATION] [--workers N] [--send TARGET=TEXT]...\n"
            "                [--stats FILE] [--log-level LEVEL] [--log-format text|json]\n"
            "                [--control unix|none|tcp:127.0.0.1:PORT] [--data DIR] [--watch]\n"
            "                [--node NAME --nats URL [--nats-creds FILE] [--nats-tls-ca FILE]\n"
            "                 [--nats-tls-cert FILE --nats-tls-key FILE]]\n"
            "\n"
            "Loads MANIFEST, starts its supervisors and components in manifest order and runs\n"
            "until SIGINT or SIGTERM, or until --for elapses; then stops every actor gracefully\n"
            "in reverse order (each component's _cleanup, bounded by its stop_timeout).\n"
            "A second SIGINT exits at once.\n"
            "\n"
            "  --for DURATION        stop after this long (e.g. 500ms, 10s, 2m)\n"
            "  --workers N           scheduler threads, overriding the manifest's `workers`\n"
            "  --send TARGET=TEXT    after start-up, send TEXT to actor TARGET as a message from\n"
            "                        outside; repeatable, sent in the order given\n"
            "  --stats FILE          on exit, write the system's statistics as JSON to FILE\n"
            "                        (- is stdout; checked before the system starts)\n"
            "  --log-level LEVEL     trace, debug, info (default), warn or error\n"
            "  --log-format FORMAT   text (default) or json: one object per line\n"
            "  --control WHERE       the control endpoint (wasp ps/call/stop...): unix (default,\n"
            "                        a 0600 socket in a per-user directory), none, or also\n"
            "                        tcp:127.0.0.1:PORT on loopback (PORT 0 picks one)\n"
            "  --node NAME           join the manifest's system as node NAME through NATS: this\n"
            "                        process runs the units `placement` gives it\n"
            "  --nats URL            NATS server(s), e.g. nats://127.0.0.1:4222 (comma-separated)\n"
            "  --nats-creds FILE     this node's NATS credentials (JWT and nkey seed)\n"
            "  --nats-tls-ca FILE    TLS: the CA certificates to trust (PEM)\n"
            "  --nats-tls-cert FILE  TLS: this node's client certificate chain, with\n"
            "  --nats-tls-key FILE   its private key\n"
            "  --data DIR            where storage lives: DIR/SYSTEM.kv (default\n"
            "                        $XDG_DATA_HOME/wasp, else ~/.local/share/wasp)\n"
            "  --watch               upgrade a component in place whenever its .wasm changes\n"
            "\n"
            "Log lines (components' and the host's) go to stderr as `TIME LEVEL ACTOR: text`.\n"
            "SIGHUP is ignored; `wasp stop SYSTEM` stops the system as SIGTERM does.\n"
            "exit status: 0 clean stop, 1 the manifest or a component could not be loaded or\n"
            "started, 2 usage error, 3 the root supervisor gave up.\n");
}

void cli_help_check(FILE *f) {
    fprintf(f,
            "usage: wasp check MANIFEST\n"
            "\n"
            "Loads and validates MANIFEST and checks every component's module against the\n"
            "ABI, without running anything. Prints `ok` (exit 0), or each problem as\n"
            "FILE:LINE:COL: problem (exit 1).\n");
}

void cli_help_inspect(FILE *f) {
    fprintf(f,
            "usage: wasp inspect COMPONENT.wasm\n"
            "\n"
            "Prints the module's imports and exports and whether it satisfies the wasp ABI.\n"
            "exit status: 0 it does, 1 it does not (or cannot be read).\n");
}

void cli_help_bench(FILE *f) {
    fprintf(f,
            "usage: wasp bench [SCENARIO ...] [--json] [--list] [--smoke] [--workers N] [--reps N]\n"
            "\n"
            "Runs the benchmark scenarios (all of them when none is named).\n"
            "\n"
            "  --json        one JSON object per scenario and line: scenario, n, median_ns,\n"
            "                p99_ns, ops_per_s and, where it applies, rss_kib_per_actor\n"
            "  --list        list the scenarios and what one operation is\n"
            "  --smoke       tiny sizes: prove each scenario runs, do not measure\n"
            "  --workers N   worker threads of the systems the scenarios create\n"
            "  --reps N      measured repetitions\n");
}

void cli_help_ps(FILE *f) {
    fprintf(f,
            "usage: wasp ps [--json]\n"
            "\n"
            "One line per system running for this user: its name, pid, uptime, actors and\n"
            "control socket. --json: one JSON object per line.\n");
}

void cli_help_send(FILE *f) {
    fprintf(f,
            "usage: wasp send SYSTEM TARGET TEXT|-|--file FILE [--codec CODEC]\n"
            "\n"
            "Queues TEXT (or stdin with -, or the bytes of FILE) for actor TARGET of the\n"
            "running SYSTEM as an outside message. SYSTEM is the manifest's name, or a\n"
            "control socket path, or HOST:PORT. --codec tags the message with a\n"
            "multicodec name (json, cbor, raw, protobuf, ...) or code (0x0200).\n"
            "exit status: 0 queued; 1 not, naming the error on stderr (ENOENT no such\n"
            "actor, EFULL mailbox full, E2BIG too large, ESTOPPED, ...); 2 usage error.\n");
}

void cli_help_call(FILE *f) {
    fprintf(f,
            "usage: wasp call SYSTEM TARGET TEXT|-|--file FILE [--timeout DURATION] [--codec CODEC]\n"
            "\n"
            "Sends a request to actor TARGET of the running SYSTEM and prints the reply's\n"
            "bytes to stdout. --timeout defaults to 5s; --codec tags the request (as for\n"
            "wasp send).\n"
            "exit status: 0 answered; 1 not, naming the error on stderr (ETIMEDOUT,\n"
            "ENOENT, ENOREPLY handled without a reply, ECRASH it crashed, EFULL, ...);\n"
            "2 usage error.\n");
}

void cli_help_stats(FILE *f) {
    fprintf(f,
            "usage: wasp stats SYSTEM [--json]\n"
            "\n"
            "Prints the running SYSTEM's statistics: the JSON of `wasp run --stats`, now.\n"
            "--json prints it on one line.\n");
}

void cli_help_top(FILE *f) {
    fprintf(f,
            "usage: wasp top SYSTEM [--once]\n"
            "\n"
            "A table of the running SYSTEM's actors (state, messages handled per second,\n"
            "handled, mailbox, restarts, crashes, memory), refreshed every second until\n"
            "^C. --once prints one frame (rates measured over one second) and exits.\n");
}

void cli_help_stop(FILE *f) {
    fprintf(f,
            "usage: wasp stop SYSTEM [--timeout DURATION]\n"
            "\n"
            "Stops the running SYSTEM gracefully, as SIGTERM does, and waits (up to\n"
            "--timeout, default 60s) until its process has exited.\n");
}

void cli_help_test(FILE *f) {
    fprintf(f,
            "usage: wasp test SCENARIO.yaml... [--filter PATTERN] [--junit FILE] [--verbose]\n"
            "\n"
            "Runs the cases of each scenario file, each in a fresh isolated system on a\n"
            "virtual clock, with stand-ins for the actors the component talks to\n"
            "(docs/TESTING.md). Prints one line per case, `ok` or `FAIL` with what was\n"
            "expected and what happened, then `N passed, M failed`.\n"
            "\n"
            "  --filter PATTERN  run only the cases whose name contains PATTERN (or matches\n"
            "                    it, if it has * ? or [ in it)\n"
            "  --junit FILE      also write the results as JUnit XML to FILE\n"
            "  --verbose         show the components' log lines as they come\n"
            "\n"
            "A scenario file with problems is reported as FILE:LINE:COL: problem and counts\n"
            "as one failure. exit status: 0 all passed, 1 something failed, 2 usage error.\n");
}

void cli_help_upgrade(FILE *f) {
    fprintf(f,
            "usage: wasp upgrade SYSTEM COMPONENT FILE [--timeout DURATION]\n"
            "\n"
            "Replaces COMPONENT's module in the running SYSTEM with FILE: checked against the\n"
            "ABI and the manifest's grants, then each instance is swapped between two messages\n"
            "(`_cleanup` on the old, `_start` on the new), keeping its mailbox and storage.\n"
            "exit status: 0 upgraded; 1 not, with the reason (the old module keeps running).\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "wasp%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\ntry 'wasp %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
    va_end(ap);
    return CLI_USAGE;
}

bool cli_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }

int cli_flag(int argc, char **argv, int *i, const char *name, const char **value) {
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n)) return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n]) return 0;
    if (*i + 1 >= argc) return -1;
    *value = argv[++*i];
    return 1;
}

int cmd_bench(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (cli_is_help(argv[i])) {
            cli_help_bench(stdout);
            return CLI_OK;
        }
    return bench_main(argc, argv);
}

static const struct {
    const char *name;
    int (*run)(int, char **);
    void (*help)(FILE *);
} commands[] = {
    {"run", cmd_run, cli_help_run},
    {"check", cmd_check, cli_help_check},
    {"inspect", cmd_inspect, cli_help_inspect},
    {"bench", cmd_bench, cli_help_bench},
    {"ps", cmd_ps, cli_help_ps},
    {"send", cmd_send, cli_help_send},
    {"call", cmd_call, cli_help_call},
    {"stats", cmd_stats, cli_help_stats},
    {"top", cmd_top, cli_help_top},
    {"stop", cmd_stop, cli_help_stop},
    {"test", cmd_test, cli_help_test},
    {"upgrade", cmd_upgrade, cli_help_upgrade},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int main(int argc, char **argv) {
    if (argc < 2) {
        help_main(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (cli_is_help(cmd)) {
        help_main(stdout);
        return CLI_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version")) {
        printf("wasp %s (wasmtime %s)\n", wasp_version(), wasp_wasmtime_version());
        return CLI_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            help_main(stdout);
            return CLI_OK;
        }
        for (size_t i = 0; i < NCOMMANDS; i++)
            if (!strcmp(argv[2], commands[i].name)) {
                commands[i].help(stdout);
                return CLI_OK;
            }
        return cli_usage_error(NULL, "unknown command '%s'", argv[2]);
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-') return cli_usage_error(NULL, "unknown option '%s'", cmd);
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
