/* cmd_ctl.c - `wasp ps`, `wasp send`, `wasp call`, `wasp stats` and `wasp
 * stop`: one request each to a running system's control endpoint
 * (docs/CONTROL.md). Exit 0 on success; 1 naming the error (ENOENT,
 * ETIMEDOUT, ...) on stderr; 2 on a usage error. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "ctl_common.h"

#define REQUEST_TIMEOUT_MS 10000
#define CALL_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 60000

static int by_name(const void *a, const void *b) {
    const wasp__ctl_system *x = a, *y = b;
    int c = strcmp(json_string_value(json_object_get(x->info, "name")),
                   json_string_value(json_object_get(y->info, "name")));
    if (c) return c;
    const char *xn = json_string_value(json_object_get(x->info, "node")); /* nodes of one system */
    const char *yn = json_string_value(json_object_get(y->info, "node"));
    if ((c = strcmp(xn ? xn : "", yn ? yn : ""))) return c;
    return (int)(json_integer_value(json_object_get(x->info, "pid")) -
                 json_integer_value(json_object_get(y->info, "pid")));
}

static void format_uptime(char *buf, size_t cap, long long ms) {
    long long s = ms / 1000;
    if (s < 60) snprintf(buf, cap, "%llds", s);
    else if (s < 3600) snprintf(buf, cap, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400) snprintf(buf, cap, "%lldh%02lldm", s / 3600, s / 60 % 60);
    else snprintf(buf, cap, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

int cmd_ps(int argc, char **argv) {
    struct ctl_args a;
    int rc = ctl_parse_args(argc, argv, "ps", cli_help_ps, 0, 0, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    wasp__ctl_system *v;
    int n = wasp__ctl_systems(NULL, &v);
    if (n < 0) n = 0;
    if (n > 1) qsort(v, (size_t)n, sizeof(*v), by_name);
    for (int i = 0; i < n; i++) {
        json_t *info = v[i].info;
        json_object_set_new(info, "socket", json_string(v[i].path));
        json_object_del(info, "ok");
        json_object_del(info, "id");
        if (a.json) {
            char *s = json_dumps(info, JSON_COMPACT);
            if (s) printf("%s\n", s);
            free(s);
            continue;
        }
        char up[32], name[160];
        format_uptime(up, sizeof(up), json_integer_value(json_object_get(info, "uptime_ms")));
        const char *node = json_string_value(json_object_get(info, "node")); /* one node of several */
        snprintf(name, sizeof(name), "%s%s%s", json_string_value(json_object_get(info, "name")),
                 node ? " node=" : "", node ? node : "");
        printf("%-20s pid=%-8lld up=%-8s actors=%-6lld %s\n", name,
               (long long)json_integer_value(json_object_get(info, "pid")), up,
               (long long)json_integer_value(json_object_get(info, "actors")), v[i].path);
    }
    wasp__ctl_systems_free(v, n);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
}

int cmd_send(int argc, char **argv) {
    struct ctl_args a;
    int rc = ctl_parse_args(argc, argv, "send", cli_help_send, 2, 3, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    json_t *req = json_pack("{s:s,s:s}", "cmd", "send", "target", a.pos[1]), *resp;
    if (req && (rc = ctl_payload("send", &a, 2, req)) != 0) {
        json_decref(req);
        return rc;
    }
    rc = ctl_simple("send", a.pos[0], req, REQUEST_TIMEOUT_MS, &resp);
    json_decref(resp);
    return rc;
}

int cmd_call(int argc, char **argv) {
    struct ctl_args a;
    int rc = ctl_parse_args(argc, argv, "call", cli_help_call, 2, 3, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    int timeout = a.timeout_ms > 0 ? a.timeout_ms : CALL_TIMEOUT_MS;
    json_t *req = json_pack("{s:s,s:s,s:i}", "cmd", "call", "target", a.pos[1], "timeout_ms", timeout);
    json_t *resp;
    if (req && (rc = ctl_payload("call", &a, 2, req)) != 0) {
        json_decref(req);
        return rc;
    }
    /* The system answers ETIMEDOUT itself; the extra wait covers a busy system. */
    rc = ctl_simple("call", a.pos[0], req, timeout + REQUEST_TIMEOUT_MS, &resp);
    if (rc != CLI_OK) return rc;
    const void *data;
    size_t len;
    void *owned;
    if (wasp__ctl_payload(resp, &data, &len, &owned) != WASP_OK) {
        fprintf(stderr, "wasp call: the system's answer is not valid\n");
        json_decref(resp);
        return CLI_FAILED;
    }
    fwrite(data, 1, len, stdout);
    /* A person at a terminal gets a newline; a pipe gets the bytes exactly. */
    if (isatty(STDOUT_FILENO) && (len == 0 || ((const char *)data)[len - 1] != '\n')) putchar('\n');
    free(owned);
    json_decref(resp);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
}

int cmd_stats(int argc, char **argv) {
    struct ctl_args a;
    int rc = ctl_parse_args(argc, argv, "stats", cli_help_stats, 1, 1, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    json_t *resp;
    rc = ctl_simple("stats", a.pos[0], json_pack("{s:s}", "cmd", "stats"), REQUEST_TIMEOUT_MS, &resp);
    if (rc != CLI_OK) return rc;
    json_dumpf(json_object_get(resp, "stats"), stdout, a.json ? JSON_COMPACT : JSON_INDENT(2));
    putchar('\n');
    json_decref(resp);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
}

/* A process that has exited (a zombie counts: it only awaits its parent). */
static bool gone(long pid) {
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

int cmd_stop(int argc, char **argv) {
    struct ctl_args a;
    int rc = ctl_parse_args(argc, argv, "stop", cli_help_stop, 1, 1, &a);
    if (rc) return rc < 0 ? CLI_OK : rc;
    json_t *resp;
    rc = ctl_simple("stop", a.pos[0], json_pack("{s:s}", "cmd", "stop"), REQUEST_TIMEOUT_MS, &resp);
    if (rc != CLI_OK) return rc;
    long pid = (long)json_integer_value(json_object_get(resp, "pid"));
    json_decref(resp);
    /* Returns once that process has finished its graceful stop. */
    int limit = a.timeout_ms > 0 ? a.timeout_ms : STOP_TIMEOUT_MS;
    for (int waited = 0; pid > 0 && !gone(pid); waited += 10) {
        if (waited >= limit) {
            fprintf(stderr, "wasp stop: ETIMEDOUT: pid %ld is still stopping\n", pid);
            return CLI_FAILED;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return CLI_OK;
}
