/* ctl_common.h - shared by the commands that talk to a running system
 * (ps, send, call, stats, stop, top) over its control endpoint. */
#ifndef WASP_CLI_CTL_COMMON_H
#define WASP_CLI_CTL_COMMON_H

#include "control/control.h"

#define CTL_MAX_POS 4
#define CTL_MAX_PAYLOAD (1024u << 20) /* read from stdin or --file; the system bounds it further */

struct ctl_args {
    const char *pos[CTL_MAX_POS]; /* positional arguments */
    int npos;
    int timeout_ms;   /* --timeout; -1 = not given */
    const char *file; /* --file */
    bool once;        /* --once */
    bool json;        /* --json */
    uint64_t codec;   /* --codec (a multicodec name or number); 0 = untagged */
};

/* Parses [flags] and min_pos..max_pos positionals. 0 ok, -1 after --help
 * (exit 0), else the usage error's exit status. */
int ctl_parse_args(int argc, char **argv, const char *cmd, void (*help)(FILE *), int min_pos,
                   int max_pos, struct ctl_args *a);

/* Connects to SYSTEM: a manifest name (exactly one such system must be
 * running for this user), a socket path, or HOST:PORT. The fd, or -1 after
 * printing why. */
int ctl_open(const char *cmd, const char *system);

/* One request on fd; on an error answer prints "wasp CMD: ENAME: message"
 * and returns CLI_FAILED; CLI_OK with *resp (a new reference) otherwise. */
int ctl_exchange(const char *cmd, int fd, json_t *req, int timeout_ms, json_t **resp);

/* ctl_open + ctl_exchange + close; takes req (stolen, may be NULL = out of memory). */
int ctl_simple(const char *cmd, const char *system, json_t *req, int timeout_ms, json_t **resp);

/* Puts the payload in req: argument pos[text_pos], "-" (stdin) or --file.
 * 0, or an exit status after printing why. */
int ctl_payload(const char *cmd, const struct ctl_args *a, int text_pos, json_t *req);

#endif
