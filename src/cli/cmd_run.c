/* cmd_run.c - `wasp run MANIFEST`: load, start, wait for a signal, --for or
 * the root supervisor giving up, then stop gracefully (docs/CLI.md). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "control/control.h"
#include "http/http.h"

#define MAX_SENDS 256

/* Woken by signal handlers and the root supervisor's give-up callback. */
static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t sigint_count;
static volatile sig_atomic_t last_signal;
static atomic_bool gave_up;
static atomic_bool stop_requested; /* `wasp stop` */
static volatile sig_atomic_t hangups;

static void wake(void) {
    int saved = errno;
    ssize_t r = write(wake_pipe[1], "x", 1);
    (void)r;
    errno = saved;
}

/* SIGINT/SIGTERM stop gracefully, but within STOP_GRACE_MS whatever the
 * components do and in every phase (a _start still running, _cleanups
 * that add up): then the process ends at once. */
#define STOP_GRACE_MS 900

static void on_stop_overdue(int sig) {
    (void)sig;
    static const char msg[] = "wasp run: the stop is taking too long; exiting now\n";
    ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)r;
    _exit(CLI_OK);
}

static void on_signal(int sig) {
    if (sig == SIGINT && ++sigint_count >= 2) _exit(128 + SIGINT); /* second ^C: at once */
    if (sig == SIGHUP) {
        hangups++; /* never fatal: logged and ignored */
    } else {
        if (!last_signal) {
            struct itimerval grace = {.it_value = {0, STOP_GRACE_MS * 1000}};
            setitimer(ITIMER_REAL, &grace, NULL);
        }
        last_signal = sig;
    }
    wake();
}

static void on_give_up(wasp_supervisor *sup, void *arg) {
    (void)sup, (void)arg;
    atomic_store(&gave_up, true);
    wake();
}

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int setup_wakeups(void) {
    if (pipe(wake_pipe) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_stop_overdue;
    sigaction(SIGALRM, &sa, NULL);
    return 0;
}

/* Waits until a signal, give-up, `wasp stop` or the deadline (0 = none). */
static void wait_for_end(wasp_system *sys, uint64_t deadline_ms) {
    sig_atomic_t hups_seen = 0;
    for (;;) {
        if (hangups != hups_seen) {
            hups_seen = hangups;
            wasp_log(sys, WASP_LOG_INFO, "wasp", "SIGHUP ignored (SIGTERM or `wasp stop` stops the system)");
        }
        if (last_signal || atomic_load(&gave_up) || atomic_load(&stop_requested)) return;
        int timeout = -1;
        if (deadline_ms) {
            uint64_t now = now_ms();
            if (now >= deadline_ms) return;
            uint64_t left = deadline_ms - now;
            timeout = left > 60000 ? 60000 : (int)left;
        }
        struct pollfd p = {.fd = wake_pipe[0], .events = POLLIN};
        int r = poll(&p, 1, timeout);
        if (r > 0) {
            char buf[64];
            while (read(wake_pipe[0], buf, sizeof(buf)) > 0) {
            }
        }
    }
}

struct run_args {
    const char *manifest;
    uint64_t for_ns;
    int workers;
    const char *sends[MAX_SENDS];
    size_t nsends;
    const char *stats;
    int log_level;
    int log_format;        /* CLI_LOG_* */
    bool no_control;       /* --control none */
    const char *control_tcp; /* --control tcp:HOST:PORT */
    struct cli_dist_args dist; /* --node NAME --nats URL ...: a multi-node system */
    const char *data;
    bool watch;
};

static int parse_args(int argc, char **argv, struct run_args *a) {
    memset(a, 0, sizeof(*a));
    a->log_level = WASP_LOG_INFO;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (cli_is_help(argv[i])) {
            cli_help_run(stdout);
            return -1;
        }
        if ((r = cli_flag(argc, argv, &i, "--for", &v)) != 0) {
            if (r < 0) return cli_usage_error("run", "--for needs a DURATION");
            if (wasp_parse_duration(v, &a->for_ns) != WASP_OK || a->for_ns == 0)
                return cli_usage_error("run", "invalid --for '%s' (a duration such as 500ms, 10s, 2m)", v);
        } else if ((r = cli_flag(argc, argv, &i, "--workers", &v)) != 0) {
            if (r < 0) return cli_usage_error("run", "--workers needs a number");
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 1 || n > 1024)
                return cli_usage_error("run", "invalid --workers '%s' (1 to 1024)", v);
            a->workers = (int)n;
        } else if ((r = cli_flag(argc, argv, &i, "--send", &v)) != 0) {
            if (r < 0) return cli_usage_error("run", "--send needs TARGET=TEXT");
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) return cli_usage_error("run", "invalid --send '%s' (TARGET=TEXT)", v);
            if (a->nsends == MAX_SENDS) return cli_usage_error("run", "too many --send flags");
            a->sends[a->nsends++] = v;
        } else if ((r = cli_flag(argc, argv, &i, "--stats", &v)) != 0) {
            if (r < 0 || !*v) return cli_usage_error("run", "--stats needs a FILE");
            a->stats = v;
        } else if ((r = cli_flag(argc, argv, &i, "--log-level", &v)) != 0) {
            if (r < 0) return cli_usage_error("run", "--log-level needs a LEVEL");
            if (wasp_log_level_parse(v, &a->log_level) != WASP_OK)
                return cli_usage_error("run", "invalid --log-level '%s' (trace, debug, info, warn, error)", v);
        } else if ((r = cli_flag(argc, argv, &i, "--log-format", &v)) != 0) {
            if (r < 0 || cli_log_format_parse(v, &a->log_format) != WASP_OK)
                return cli_usage_error("run", "--log-format needs text or json");
        } else if ((r = cli_flag(argc, argv, &i, "--control", &v)) != 0) {
            if (r < 0) return cli_usage_error("run", "--control needs unix, none or tcp:HOST:PORT");
            if (!strcmp(v, "none")) a->no_control = true;
            else if (!strncmp(v, "tcp:", 4) && v[4]) a->control_tcp = v + 4;
            else if (strcmp(v, "unix"))
                return cli_usage_error("run", "invalid --control '%s' (unix, none or tcp:127.0.0.1:PORT)", v);
        } else if ((r = cli_dist_flag(argc, argv, &i, &a->dist)) != 0) {
            if (r != 1) return r;
        } else if (!strcmp(argv[i], "--watch")) {
            a->watch = true;
        } else if ((r = cli_flag(argc, argv, &i, "--data", &v)) != 0) {
            if (r < 0 || !*v) return cli_usage_error("run", "--data needs a DIR");
            a->data = v;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("run", "unknown option '%s'", argv[i]);
        } else if (a->manifest) {
            return cli_usage_error("run", "one MANIFEST only (got '%s' and '%s')", a->manifest, argv[i]);
        } else {
            a->manifest = argv[i];
        }
    }
    if (!a->manifest) return cli_usage_error("run", "missing MANIFEST");
    return cli_dist_check(&a->dist);
}

static void send_all(wasp_system *sys, const struct run_args *a) {
    for (size_t i = 0; i < a->nsends; i++) {
        const char *eq = strchr(a->sends[i], '=');
        size_t tl = (size_t)(eq - a->sends[i]);
        char target[256];
        if (tl >= sizeof(target)) {
            wasp_log(sys, WASP_LOG_WARN, "wasp", "--send: target name too long");
            continue;
        }
        memcpy(target, a->sends[i], tl);
        target[tl] = 0;
        int rc = wasp_send_name(sys, target, eq + 1, strlen(eq + 1));
        if (rc != WASP_OK)
            wasp_log(sys, WASP_LOG_WARN, "wasp", "--send %s: %s", target, wasp_strerror(rc));
    }
}

/* Where --stats goes, settled before the system starts so that a bad path
 * fails at once: "-" and a path that is our stdout or stderr (/dev/stdout
 * redirected to a file) write to that descriptor; a terminal, FIFO or other
 * device is opened when writing, without truncation; a regular file is
 * opened now and truncated only when the statistics are written. */
struct stats_out {
    int fd;     /* open descriptor, or -1: open `path` when writing */
    bool owned; /* we opened fd */
    bool truncate;
};

static bool same_file(const struct stat *st, int fd) {
    struct stat o;
    return fstat(fd, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino;
}

static int stats_open(const char *path, struct stats_out *o) {
    *o = (struct stats_out){.fd = -1};
    struct stat st;
    if (!strcmp(path, "-")) {
        o->fd = STDOUT_FILENO;
        return 0;
    }
    if (stat(path, &st) == 0) {
        if (same_file(&st, STDOUT_FILENO) || same_file(&st, STDERR_FILENO)) {
            o->fd = same_file(&st, STDOUT_FILENO) ? STDOUT_FILENO : STDERR_FILENO;
            return 0;
        }
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return -1;
        }
        if (!S_ISREG(st.st_mode)) return access(path, W_OK); /* opened when writing */
    }
    o->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    o->owned = o->truncate = true;
    return o->fd < 0 ? -1 : 0;
}

static int write_stats(const struct run_args *a, struct stats_out *o, json_t *stats) {
    int fd = o->fd >= 0 ? dup(o->fd) : open(a->stats, O_WRONLY | O_CLOEXEC);
    if (fd >= 0 && o->truncate && (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0)) {
        close(fd);
        fd = -1;
    }
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        fprintf(stderr, "wasp run: cannot write %s: %s\n", a->stats, strerror(errno));
        return -1;
    }
    int rc = cli_write_stats(f, stats);
    if (fclose(f) != 0 || rc != WASP_OK) {
        fprintf(stderr, "wasp run: cannot write %s: %s\n", a->stats,
                rc == WASP_ENOMEM ? "out of memory" : strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- the control endpoint's view of this run ---- */

static struct cli_stats_input run_stats_input;
static uint64_t run_started_ms;

static json_t *local_stats(void *arg) {
    (void)arg;
    struct cli_stats_input in = run_stats_input;
    in.uptime_ms = now_ms() - run_started_ms;
    return cli_stats_json(&in);
}

static void *run_node; /* a multi-node system: stats cover every node */

static json_t *control_stats(void *arg) {
    json_t *j = local_stats(arg);
    return run_node ? cli_dist_stats(run_node, j) : j;
}

static void control_stop(void *arg) {
    (void)arg;
    atomic_store(&stop_requested, true);
    wake();
}

/* Starts the manifest's HTTP ingress, if it has one (docs/HTTP.md). */
static int http_start(wasp_system *sys, const wasp_manifest *m, wasp__http_server **out) {
    *out = NULL;
    const wasp_manifest_http *http = wasp_manifest_http_get(m);
    if (!http) return 0;
    wasp__http_config hc = {.sys = sys, .manifest = m, .stats = control_stats};
    char err[512];
    if (wasp__http_server_start(&hc, out, err, sizeof(err)) != WASP_OK) {
        fprintf(stderr, "wasp run: %s: %s\n", wasp_manifest_path(m), err);
        return -1;
    }
    wasp_log(sys, WASP_LOG_INFO, "wasp", "http listening on %.*s:%d (%zu routes)",
             (int)(strrchr(http->listen, ':') - http->listen), http->listen,
             wasp__http_server_port(*out), http->nroutes);
    return 0;
}

/* Starts the control endpoint (docs/CONTROL.md); a system without one still
 * runs, unless TCP was asked for and cannot be had. */
static int control_start(const struct run_args *a, wasp_system *sys, wasp__ctl_host *host,
                         size_t max_message, wasp__ctl_server **out) {
    *out = NULL;
    if (a->no_control) return 0;
    wasp__ctl_options opts = {.unix_socket = true, .tcp = a->control_tcp, .max_message = max_message};
    char err[512];
    int rc = wasp__ctl_server_start(host, &opts, out, err, sizeof(err));
    if (rc != WASP_OK && a->control_tcp) {
        fprintf(stderr, "wasp run: control endpoint: %s\n", err);
        return -1;
    }
    if (rc != WASP_OK) {
        wasp_log(sys, WASP_LOG_WARN, "wasp", "no control endpoint: %s", err);
        return 0;
    }
    wasp_log(sys, WASP_LOG_INFO, "wasp", "control socket %s", wasp__ctl_server_path(*out));
    if (a->control_tcp)
        wasp_log(sys, WASP_LOG_INFO, "wasp", "control tcp %.*s:%d (loopback; also GET /metrics)",
                 (int)(strrchr(a->control_tcp, ':') - a->control_tcp), a->control_tcp,
                 wasp__ctl_server_port(*out));
    return 0;
}

/* The engine for this manifest: wasp_manifest_wasm_config (fuel only if a
 * component asks for it, the pooling allocator when it fits); and a disk cache of
 * compiled modules ($WASP_CACHE_DIR, else ~/.cache/wasp/modules; an empty
 * WASP_CACHE_DIR turns it off) so the next start of the system is warm. */
static wasp_wasm_config engine_config(const wasp_manifest *m, char *cache, size_t cap) {
    wasp_wasm_config wc;
    wasp_manifest_wasm_config(m, &wc); /* the same as `wasp check` */
    wc.cache_dir = cli_module_cache_dir(cache, cap);
    wc.cache_max = cli_module_cache_max();
    return wc;
}

int cmd_run(int argc, char **argv) {
    struct run_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc < 0) return CLI_OK; /* --help */
    if (rc) return rc;
    struct stats_out stats_out = {.fd = -1};
    if (a.stats && stats_open(a.stats, &stats_out) != 0) {
        fprintf(stderr, "wasp run: --stats %s: %s\n", a.stats, strerror(errno));
        return CLI_USAGE;
    }

    /* The manifest is read once, without an engine, so that its problems
     * are reported quickly and the engine can be sized for it; then it is
     * bound to that engine (each component compiled once). */
    wasp_manifest *m = NULL;
    wasp_manifest_options check = {.skip_files = false};
    if (wasp_manifest_load(a.manifest, &check, &m) != WASP_OK) {
        if (stats_out.owned) close(stats_out.fd);
        return CLI_FAILED;
    }

    wasp_system_config cfg = {
        .workers = a.workers ? a.workers : wasp_manifest_workers(m),
        .retain_terminated = true,
    };
    uint64_t maxmsg = wasp_manifest_max_message(m);
    cfg.max_message = maxmsg > (1u << 20) ? (size_t)maxmsg : 0;
    char cache[4096];
    wasp_wasm_config wcfg = engine_config(m, cache, sizeof(cache));
    wasp_store *store = NULL;
    rc = cli_open_store(m, a.data, &a.dist, &store);
    if (rc != CLI_OK) {
        wasp_manifest_free(m);
        if (stats_out.owned) close(stats_out.fd);
        return rc;
    }
    wcfg.store = store;

    wasp_system *sys = NULL;
    wasp_wasm *w = NULL;
    wasp_supervisor *root = NULL;
    wasp__ctl_server *control = NULL;
    void *node = NULL;
    wasp__http_server *http = NULL;
    int status = CLI_FAILED;
    rc = wasp_system_create(&cfg, &sys);
    if (rc == WASP_OK) {
        wasp_system_set_log(sys, a.log_level, cli_log_sink, (void *)(intptr_t)a.log_format);
        rc = wasp_wasm_create(sys, &wcfg, &w);
    }
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp run: cannot create the system: %s\n", wasp_strerror(rc));
        goto out;
    }
    if (wasp_manifest_bind(m, w, NULL, NULL) != WASP_OK) goto out;
    if (a.dist.node && !(node = cli_dist_join(sys, m, &a.dist))) goto out;
    if (setup_wakeups() != 0) {
        fprintf(stderr, "wasp run: cannot set up signal handling: %s\n", strerror(errno));
        goto out;
    }
    rc = wasp_system_start(sys);
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp run: cannot start the system: %s\n", wasp_strerror(rc));
        goto out;
    }
    uint64_t started = now_ms();
    char err[2048];
    rc = node ? cli_dist_start(node, on_give_up, &root, err, sizeof(err))
              : wasp_manifest_start(m, sys, on_give_up, NULL, &root, err, sizeof(err));
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp run: %s: cannot start: %s\n", a.manifest, err);
        cli_dist_leave(node);
        wasp_system_stop(sys);
        goto out;
    }
    wasp_log(sys, WASP_LOG_INFO, "wasp", "system %s started (%zu components, %d workers)",
             wasp_manifest_name(m), wasp_manifest_component_count(m), wasp_system_workers(sys));
    run_stats_input = (struct cli_stats_input){.sys = sys, .wasm = w, .manifest = m, .root = root};
    run_started_ms = started;
    if (node) {
        cli_dist_set_stats(node, local_stats, NULL);
        run_node = node;
    }
    wasp__ctl_host host = {.sys = sys, .wasm = w, .manifest = m, .root = root,
                           .name = wasp_manifest_name(m), .started_ms = started,
                           .stats = control_stats, .stop = control_stop,
                           .node = node ? a.dist.node : NULL};
    if (control_start(&a, sys, &host, cfg.max_message ? cfg.max_message : (1u << 20), &control) != 0 ||
        http_start(sys, m, &http) != 0) {
        wasp_system_stop(sys);
        goto out;
    }
    send_all(sys, &a);
    struct cli_watch *watch = NULL;
    if (a.watch && cli_watch_start(sys, m, &watch) != WASP_OK)
        wasp_log(sys, WASP_LOG_ERROR, "wasp", "--watch: cannot start watching");

    wait_for_end(sys, a.for_ns ? started + (a.for_ns + 999999) / 1000000 : 0);
    cli_watch_stop(watch);
    wasp__ctl_server_stop(control);
    wasp__http_server_stop(http);

    bool failed = atomic_load(&gave_up) || wasp_supervisor_gave_up(root);
    if (failed)
        wasp_log(sys, WASP_LOG_ERROR, "wasp", "the root supervisor gave up; stopping");
    else if (last_signal)
        wasp_log(sys, WASP_LOG_INFO, "wasp", "%s: stopping",
                 last_signal == SIGINT ? "SIGINT" : "SIGTERM");
    else if (atomic_load(&stop_requested))
        wasp_log(sys, WASP_LOG_INFO, "wasp", "wasp stop: stopping");
    else
        wasp_log(sys, WASP_LOG_INFO, "wasp", "--for elapsed: stopping");

    /* Statistics show the system as it ran (taken before the stop), with
     * the counters as the stop left them (the ledger of docs/CLI.md). */
    json_t *stats = NULL;
    if (a.stats) {
        struct cli_stats_input in = {.sys = sys, .wasm = w, .manifest = m, .root = root,
                                     .uptime_ms = now_ms() - started};
        stats = cli_stats_json(&in);
    }
    cli_dist_leave(node);
    wasp_system_stop(sys);
    bool stats_failed = false;
    if (a.stats) {
        if (stats) cli_stats_settle(stats, sys);
        stats_failed = write_stats(&a, &stats_out, stats) != 0;
        json_decref(stats);
    }
    wasp_log(sys, WASP_LOG_INFO, "wasp", "system %s stopped", wasp_manifest_name(m));
    status = failed ? CLI_GAVE_UP : stats_failed ? CLI_FAILED : CLI_OK;
out:
    wasp__ctl_server_stop(control);
    cli_dist_leave(node);
    wasp__http_server_stop(http);
    if (sys) wasp_system_stop(sys);
    cli_dist_destroy(node);
    wasp__ctl_server_free(control);
    wasp__http_server_free(http);
    if (stats_out.owned) close(stats_out.fd);
    wasp_supervisor_destroy(root);
    wasp_manifest_free(m);
    wasp_wasm_destroy(w);
    wasp_system_destroy(sys);
    wasp_store_close(store);
    return status;
}
