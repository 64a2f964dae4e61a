/* cmd_top.c - `wasp top SYSTEM [--once]`: a live table of the system's
 * actors, refreshed every second from its statistics (like the process list
 * of Erlang's observer). Rates are over the last interval; --once prints one
 * frame, measured over one second, and exits. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctl_common.h"

#define TOP_INTERVAL_MS 1000

static uint64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static long long num(const json_t *o, const char *k) {
    return (long long)json_integer_value(json_object_get(o, k));
}

static const char *str(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void human_bytes(char *buf, size_t cap, long long b) {
    if (b >= 10ll << 20) snprintf(buf, cap, "%lldM", b >> 20);
    else if (b >= 10ll << 10) snprintf(buf, cap, "%lldK", b >> 10);
    else snprintf(buf, cap, "%lld", b);
}

/* handled count of the same actor (name, and node in a multi-node system)
 * in a previous sample, or -1. */
static long long previous_handled(const json_t *prev, const json_t *actor) {
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(prev, "actors"), i, a)
        if (!strcmp(str(a, "name"), str(actor, "name")) && !strcmp(str(a, "node"), str(actor, "node")))
            return num(a, "handled");
    return -1;
}

static void frame(const json_t *st, const json_t *prev, double secs, bool tty) {
    int rows = 1 << 30;
    struct winsize ws;
    if (tty) {
        fputs("\033[H\033[2J", stdout);
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4) rows = ws.ws_row - 4;
    }
    size_t i;
    const json_t *totals = json_object_get(st, "totals");
    const json_t *actors = json_object_get(st, "actors");
    printf("%s  up %llds  workers %lld  actors %lld  messages %lld  dead letters %lld\n", str(st, "system"),
           num(st, "uptime_ms") / 1000, num(st, "workers"), num(totals, "actors"),
           num(totals, "messages_sent"), num(totals, "dead_letters"));
    const json_t *nodes = json_object_get(st, "nodes"), *n;
    if (json_array_size(nodes)) { /* a system on several nodes: the counts above are this node's */
        printf("nodes");
        json_array_foreach(nodes, i, n) printf(" %s", json_string_value(n));
        printf("  (actors below: all nodes)\n");
    }
    printf("%-24s %-6s %-10s %10s %12s %8s %8s %8s %8s\n", "ACTOR", "KIND", "STATE", "HANDLED/S",
           "HANDLED", "MAILBOX", "RESTARTS", "CRASHES", "MEMORY");
    const json_t *a;
    const char *node = NULL; /* a multi-node system lists each node's actors together */
    json_array_foreach(actors, i, a) {
        if ((int)i >= rows) {
            printf("... %zu more\n", json_array_size(actors) - i);
            break;
        }
        if (*str(a, "node") && (!node || strcmp(node, str(a, "node")))) {
            node = str(a, "node");
            printf("-- node %s\n", node);
        }
        long long before = previous_handled(prev, a);
        char rate[32], mem[32], who[300];
        if (*str(a, "node")) snprintf(who, sizeof(who), "%s/%s", str(a, "node"), str(a, "name"));
        else snprintf(who, sizeof(who), "%s", str(a, "name"));
        if (before >= 0 && secs > 0)
            snprintf(rate, sizeof(rate), "%.0f", (double)(num(a, "handled") - before) / secs);
        else
            snprintf(rate, sizeof(rate), "-");
        human_bytes(mem, sizeof(mem), num(a, "memory_bytes"));
        printf("%-24.24s %-6s %-10s %10s %12lld %8lld %8lld %8lld %8s\n", who,
               str(a, "kind"), str(a, "state"), rate, num(a, "handled"), num(a, "mailbox_len"),
               num(a, "restarts"), num(a, "crashes"), mem);
    }
    fflush(stdout);
}

static json_t *sample(int fd, int *rc) {
    json_t *resp = NULL;
    json_t *req = json_pack("{s:s}", "cmd", "stats");
    *rc = req ? ctl_exchange("top", fd, req, 10000, &resp) : CLI_FAILED;
    json_decref(req);
    if (*rc != CLI_OK) return NULL;
    json_t *st = json_incref(json_object_get(resp, "stats"));
    json_decref(resp);
    return st;
}

int cmd_top(int argc, char **argv) {
    struct ctl_args a;
    int rc = ctl_parse_args(argc, argv, "top", cli_help_top, 1, 1, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    int fd = ctl_open("top", a.pos[0]);
    if (fd < 0) return CLI_FAILED;
    bool tty = !a.once && isatty(STDOUT_FILENO);
    json_t *prev = sample(fd, &rc);
    uint64_t prev_at = mono_ms();
    while (prev) {
        struct timespec ts = {TOP_INTERVAL_MS / 1000, (TOP_INTERVAL_MS % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        json_t *st = sample(fd, &rc);
        if (!st) break;
        uint64_t at = mono_ms();
        frame(st, prev, (double)(at - prev_at) / 1000.0, tty);
        json_decref(prev);
        prev = st;
        prev_at = at;
        if (a.once) break;
    }
    json_decref(prev);
    close(fd);
    return rc;
}
