/* control.h - the control endpoint of a running system (docs/CONTROL.md).
 *
 * `wasp run` listens on a Unix domain socket (0600, in a 0700 per-user
 * directory) and, when asked, on a loopback TCP port. The protocol is one
 * JSON object per line in each direction:
 *
 *   request   {"cmd": "call", "id": 7, "target": "kv", "data": "get a", "timeout_ms": 1000}
 *   response  {"id": 7, "ok": true, "data": "1"}
 *             {"id": 7, "ok": false, "error": "ETIMEDOUT", "message": "no reply in time"}
 *
 * "id" (any JSON value, optional) is echoed so that a client may have several
 * requests in flight; responses come in completion order. Payloads are
 * "data" (a UTF-8 string) or "data_b64" (base64, for any bytes); replies use
 * "data" when the bytes are valid UTF-8 and "data_b64" otherwise.
 *
 * This layer sits on the public API (wasp.h) and jansson only.
 *
 * Adding a command: write `static void cmd_x(wasp__ctl_call *c, const json_t *req)`
 * in a file of src/control (or of the caller), which answers exactly once with
 * wasp__ctl_reply() / wasp__ctl_fail() - now, later, or from another thread -
 * and add one line {"x", cmd_x, flags} to the table in ctl_commands.c.
 * WASP__CTL_THREAD runs it on its own thread (for commands that block, e.g.
 * compiling a module) so that the endpoint keeps serving meanwhile.
 */
#ifndef WASP_CONTROL_H
#define WASP_CONTROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasp.h"

/* ---- the running system, as commands see it ----------------------------- */

typedef struct wasp__ctl_host {
    wasp_system *sys;
    wasp_wasm *wasm;
    wasp_manifest *manifest;
    wasp_supervisor *root;
    const char *name;        /* the system's name (manifest `name`) */
    const char *node;        /* this node's name in a multi-node system, or NULL */
    uint64_t started_ms;     /* monotonic ms when it started */
    /* The statistics JSON of docs/CLI.md (a new reference), and a graceful
     * stop request (returns at once). Both are called from the control thread. */
    json_t *(*stats)(void *arg);
    void (*stop)(void *arg);
    void *arg;
} wasp__ctl_host;

/* ---- the server --------------------------------------------------------- */

typedef struct wasp__ctl_server wasp__ctl_server;

typedef struct wasp__ctl_options {
    bool unix_socket;     /* listen on the per-user socket (default on) */
    const char *tcp;      /* "HOST:PORT" on loopback, or NULL; PORT 0 picks one */
    size_t max_line;      /* bound on one request line; 0 = from max_message */
    size_t max_message;   /* the system's largest message */
} wasp__ctl_options;

/* Creates the listeners and starts the control thread. The host must live
 * until wasp__ctl_server_free. On failure err gets why. WASP_OK, WASP_EIO,
 * WASP_EINVAL (bad tcp address, not loopback), WASP_ENOMEM. */
int wasp__ctl_server_start(const wasp__ctl_host *host, const wasp__ctl_options *opts,
                           wasp__ctl_server **out, char *err, size_t errcap);
/* The socket path ("" if none) and the TCP port (0 if none). */
const char *wasp__ctl_server_path(const wasp__ctl_server *s);
int wasp__ctl_server_port(const wasp__ctl_server *s);
/* Stops listening, removes the socket, disconnects clients, joins the thread.
 * Requests still in flight complete into nothing. */
void wasp__ctl_server_stop(wasp__ctl_server *s);
/* Frees it: after wasp__ctl_server_stop AND wasp_system_stop (completions of
 * requests in flight may arrive until the system has stopped). NULL ok. */
void wasp__ctl_server_free(wasp__ctl_server *s);

/* ---- commands ----------------------------------------------------------- */

typedef struct wasp__ctl_call wasp__ctl_call;
typedef void (*wasp__ctl_cmd_fn)(wasp__ctl_call *c, const json_t *req);

#define WASP__CTL_THREAD 0x1u /* run on a thread of its own: it may block */

struct wasp__ctl_command {
    const char *name;
    wasp__ctl_cmd_fn run;
    unsigned flags;
    const char *help; /* one line, for docs and `{"cmd":"help"}` */
};
/* ctl_upgrade.c: "upgrade" (component, path): a hot upgrade of a component. */
void wasp__ctl_cmd_upgrade(wasp__ctl_call *c, const json_t *req);

/* The table (ctl_commands.c) and a lookup in it (NULL if unknown). */
const struct wasp__ctl_command *wasp__ctl_command_find(const char *name);
size_t wasp__ctl_command_count(void);
const struct wasp__ctl_command *wasp__ctl_command_at(size_t i);

const wasp__ctl_host *wasp__ctl_call_host(const wasp__ctl_call *c);
/* Answers: result (an object, stolen; NULL = {}) gets "id" and "ok": true.
 * Any thread; exactly once per call; frees the call. */
void wasp__ctl_reply(wasp__ctl_call *c, json_t *result);
/* Answers with an error: "error" is the code's name without WASP_
 * (e.g. ENOENT), "message" the printf text (or wasp_strerror when fmt is NULL). */
void wasp__ctl_fail(wasp__ctl_call *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- protocol pieces (ctl_proto.c) -------------------------------------- */

/* Parses one request line. On success *req is an object with a string
 * "cmd". Otherwise returns WASP_EINVAL and msg (cap bytes) says why. */
int wasp__ctl_parse_request(const char *line, size_t len, json_t **req, char *msg, size_t cap);
/* The payload of a request: "data" (string) or "data_b64"; a missing one
 * is empty. *data points into req or to a malloc'd buffer in *owned (free it).
 * WASP_OK or WASP_EINVAL (both given, wrong type, bad base64). */
int wasp__ctl_payload(const json_t *req, const void **data, size_t *len, void **owned);
/* Sets "data" (valid UTF-8) or "data_b64" (anything else) on obj. */
int wasp__ctl_set_payload(json_t *obj, const void *data, size_t len);
/* "ENOENT" for WASP_ENOENT etc. (wasp_errname without the prefix). */
const char *wasp__ctl_errname(int err);
/* The wasp error code of a name from wasp__ctl_errname, or 0 if unknown. */
int wasp__ctl_errcode(const char *name);
/* Base64 (RFC 4648, padded). encode: out needs 4 * ((len + 2) / 3) + 1 bytes.
 * decode: returns the byte count, or -1 if malformed; out needs len / 4 * 3. */
size_t wasp__base64_encode(const void *in, size_t len, char *out);
long wasp__base64_decode(const char *in, size_t len, void *out);

/* ---- where systems listen (ctl_path.c) ------------------------------------ */

/* The per-user directory ($XDG_RUNTIME_DIR/wasp, else /tmp/wasp-UID), created
 * 0700 if missing and refused unless it is a directory of ours that no one
 * else can enter. WASP_OK or WASP_EIO (err says why). */
int wasp__ctl_runtime_dir(char *out, size_t cap, char *err, size_t errcap);
/* The socket path of a system: DIR/NAME.PID.sock (NAME with any byte outside
 * [A-Za-z0-9_.-] as '_', at most 64 of them). WASP_OK or WASP_E2BIG. */
int wasp__ctl_socket_path(const char *dir, const char *name, long pid, char *out, size_t cap);

/* One running system, as `wasp ps` lists it. */
typedef struct wasp__ctl_system {
    char path[108];
    json_t *info; /* the answer to {"cmd":"info"} */
} wasp__ctl_system;
/* Every system listening in the runtime directory (stale sockets, whose
 * system is gone, are removed on the way). *out is malloc'd (free with
 * wasp__ctl_systems_free). name (may be NULL) keeps only that system.
 * Returns the count, or a negative error. */
int wasp__ctl_systems(const char *name, wasp__ctl_system **out);
void wasp__ctl_systems_free(wasp__ctl_system *v, int n);

/* ---- the client side (ctl_client.c) --------------------------------------- */

/* Connects to a socket path, or (with a ':' and no '/') to HOST:PORT.
 * Returns the fd or -1 (errno set). */
int wasp__ctl_connect(const char *where);
/* Sends one request and waits up to timeout_ms for the response line with
 * the same "id" (set by this call). *resp is a new reference.
 * WASP_OK, WASP_ETIMEDOUT, WASP_EIO (connection lost), WASP_EINVAL (a reply
 * that is not JSON). */
int wasp__ctl_request(int fd, json_t *req, int timeout_ms, json_t **resp);

/* HTTP on the control TCP port (ctl_http.c): a buffer that starts like an
 * HTTP request; one whose head is complete; the answer (GET /metrics is the
 * Prometheus text, anything else 404), malloc'd into *resp. */
bool wasp__ctl_http_is_request(const char *buf, size_t len);
bool wasp__ctl_http_complete(const char *buf, size_t len);
void wasp__ctl_http_answer(const wasp__ctl_host *host, const char *buf, size_t len, char **resp,
                           size_t *rlen);

/* ---- metrics (metrics.c) ------------------------------------------------ */

/* Prometheus text exposition of a statistics JSON (docs/CLI.md) plus the
 * process's resident memory. Returns a malloc'd NUL-terminated string. */
char *wasp__metrics_text(const json_t *stats);

#endif
