/* ctl_common.c - what the commands that talk to a running system share:
 * their arguments, finding the system, one request, error reporting. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ctl_common.h"

int ctl_parse_args(int argc, char **argv, const char *cmd, void (*help)(FILE *), int min_pos,
                   int max_pos, struct ctl_args *a) {
    memset(a, 0, sizeof(*a));
    a->timeout_ms = -1;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (cli_is_help(argv[i])) {
            help(stdout);
            return -1;
        }
        if ((r = cli_flag(argc, argv, &i, "--timeout", &v)) != 0) {
            uint64_t ns;
            if (r < 0 || wasp_parse_duration(v, &ns) != WASP_OK || ns < 1000000 ||
                ns > 86400ull * 1000000000ull)
                return cli_usage_error(cmd, "--timeout needs a DURATION from 1ms to 24h (e.g. 500ms, 2s)");
            a->timeout_ms = (int)(ns / 1000000);
        } else if ((r = cli_flag(argc, argv, &i, "--codec", &v)) != 0) {
            if (r < 0 || wasp_codec_parse(v, &a->codec) != WASP_OK)
                return cli_usage_error(cmd, "--codec needs a multicodec name (json, cbor, raw, protobuf, ...) "
                                            "or code (e.g. 0x0200)");
        } else if ((r = cli_flag(argc, argv, &i, "--file", &v)) != 0) {
            if (r < 0) return cli_usage_error(cmd, "--file needs a FILE");
            a->file = v;
        } else if (!strcmp(argv[i], "--once")) {
            a->once = true;
        } else if (!strcmp(argv[i], "--json")) {
            a->json = true;
        } else if (!strcmp(argv[i], "--")) {
            while (++i < argc && a->npos < CTL_MAX_POS) a->pos[a->npos++] = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        } else if (a->npos == CTL_MAX_POS) {
            return cli_usage_error(cmd, "too many arguments");
        } else {
            a->pos[a->npos++] = argv[i];
        }
    }
    if (a->npos < min_pos) return cli_usage_error(cmd, "missing arguments");
    if (a->npos > max_pos) return cli_usage_error(cmd, "too many arguments (got '%s')", a->pos[max_pos]);
    return 0;
}

int ctl_open(const char *cmd, const char *system) {
    char path[512];
    if (strchr(system, '/') || (strchr(system, ':') && !strchr(system, '/'))) {
        snprintf(path, sizeof(path), "%s", system); /* a socket path or HOST:PORT */
    } else {
        wasp__ctl_system *v;
        int n = wasp__ctl_systems(system, &v);
        if (n == 0) {
            fprintf(stderr, "wasp %s: no system named '%s' is running for this user (see wasp ps)\n",
                    cmd, system);
            wasp__ctl_systems_free(v, n);
            return -1;
        }
        if (n > 1) {
            fprintf(stderr, "wasp %s: %d systems named '%s' are running; name one by its socket:\n",
                    cmd, n, system);
            for (int i = 0; i < n; i++)
                fprintf(stderr, "  %s (pid %lld)\n", v[i].path,
                        (long long)json_integer_value(json_object_get(v[i].info, "pid")));
            wasp__ctl_systems_free(v, n);
            return -1;
        }
        snprintf(path, sizeof(path), "%s", v[0].path);
        wasp__ctl_systems_free(v, n);
    }
    int fd = wasp__ctl_connect(path);
    if (fd < 0)
        fprintf(stderr, "wasp %s: cannot connect to %s: %s\n", cmd, path, strerror(errno));
    return fd;
}

int ctl_exchange(const char *cmd, int fd, json_t *req, int timeout_ms, json_t **resp) {
    *resp = NULL;
    int rc = wasp__ctl_request(fd, req, timeout_ms, resp);
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp %s: %s\n", cmd,
                rc == WASP_ETIMEDOUT ? "ETIMEDOUT: the system did not answer in time"
                : rc == WASP_EIO     ? "the system closed the connection"
                                     : "the system's answer is not valid");
        return CLI_FAILED;
    }
    if (!json_is_true(json_object_get(*resp, "ok"))) {
        const char *e = json_string_value(json_object_get(*resp, "error"));
        const char *m = json_string_value(json_object_get(*resp, "message"));
        fprintf(stderr, "wasp %s: %s: %s\n", cmd, e ? e : "EINVAL", m ? m : "failed");
        json_decref(*resp);
        *resp = NULL;
        return CLI_FAILED;
    }
    return CLI_OK;
}

int ctl_simple(const char *cmd, const char *system, json_t *req, int timeout_ms, json_t **resp) {
    *resp = NULL;
    if (!req) {
        fprintf(stderr, "wasp %s: out of memory\n", cmd);
        return CLI_FAILED;
    }
    int fd = ctl_open(cmd, system);
    if (fd < 0) {
        json_decref(req);
        return CLI_FAILED;
    }
    int rc = ctl_exchange(cmd, fd, req, timeout_ms, resp);
    json_decref(req);
    close(fd);
    return rc;
}

/* Reads all of a file descriptor, up to max bytes (more is E2BIG). */
static int read_all(int fd, size_t max, char **out, size_t *len) {
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) return WASP_ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return WASP_E2BIG;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return WASP_ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(buf);
            return WASP_EIO;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return WASP_E2BIG;
    }
    *out = buf;
    *len = n;
    return WASP_OK;
}

int ctl_payload(const char *cmd, const struct ctl_args *a, int text_pos, json_t *req) {
    const char *text = a->npos > text_pos ? a->pos[text_pos] : NULL;
    if (a->codec) json_object_set_new(req, "codec", json_integer((json_int_t)a->codec));
    if (a->file && text) return cli_usage_error(cmd, "give TEXT, - or --file, not both");
    if (!a->file && !text) return cli_usage_error(cmd, "missing TEXT (or - for stdin, or --file FILE)");
    if (text && strcmp(text, "-")) {
        wasp__ctl_set_payload(req, text, strlen(text));
        return 0;
    }
    int fd = a->file ? open(a->file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
    if (fd < 0) {
        fprintf(stderr, "wasp %s: %s: %s\n", cmd, a->file, strerror(errno));
        return CLI_FAILED;
    }
    char *data = NULL;
    size_t len = 0;
    int rc = read_all(fd, CTL_MAX_PAYLOAD, &data, &len);
    if (a->file) close(fd);
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp %s: %s: %s\n", cmd, a->file ? a->file : "stdin",
                rc == WASP_E2BIG ? "E2BIG: larger than any message may be" : wasp_strerror(rc));
        return CLI_FAILED;
    }
    rc = wasp__ctl_set_payload(req, data, len);
    free(data);
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp %s: out of memory\n", cmd);
        return CLI_FAILED;
    }
    return 0;
}
