/* http.h - the HTTP ingress (docs/HTTP.md): a manifest's `http` section
 * served with libh2o; each request is a `call` to its route's component
 * with the request envelope below, and the component's reply is the
 * response envelope. A layer on the public API (wasp.h), h2o and jansson.
 *
 * Request envelope (what the component receives):
 *     METHOD SP TARGET LF          TARGET: path and ?query, as received
 *     name: value LF               each request header, names in lower case
 *     LF
 *     body bytes
 * Response envelope (what it replies):
 *     STATUS [SP reason] LF        100..599
 *     name: value LF               response headers (optional)
 *     LF
 *     body bytes
 * CR before LF is accepted in replies. The request's codec tag comes from its
 * Content-Type; a reply's codec tag sets the Content-Type a response
 * envelope leaves out.
 */
#ifndef WASP_HTTP_H
#define WASP_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "wasp.h"

#define WASP__HTTP_MAX_HEADERS 64
#define WASP__HTTP_MAX_HEAD (16u << 10) /* request line and headers, in the envelope */

struct wasp__http_kv {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* The request envelope, malloc'd into *out (*len bytes). WASP_OK or WASP_ENOMEM. */
int wasp__http_request_envelope(const char *method, size_t method_len, const char *target,
                                size_t target_len, const struct wasp__http_kv *headers,
                                size_t nheaders, const char *body, size_t body_len, char **out,
                                size_t *len);

typedef struct wasp__http_response {
    int status;
    struct wasp__http_kv headers[WASP__HTTP_MAX_HEADERS];
    size_t nheaders;
    const char *body; /* points into the parsed bytes */
    size_t body_len;
} wasp__http_response;

/* Parses a response envelope; WASP_OK, or WASP_EINVAL with why (cap bytes). */
int wasp__http_parse_response(const char *data, size_t len, wasp__http_response *out, char *why,
                              size_t cap);

/* A route path matches a request path: exactly, or as a prefix when it ends
 * with '*'. */
bool wasp__http_route_matches(const char *route, const char *path, size_t path_len);

/* The standard reason phrase of a status ("Unknown" otherwise). */
const char *wasp__http_reason(int status);

/* The codec tag (WASP_CODEC_*) of a Content-Type value (parameters and case
 * ignored, `+json` / `+cbor` suffixes included); WASP_CODEC_NONE for any other. */
uint64_t wasp__http_codec_of_type(const char *value, size_t len);
/* The media type a response with this codec tag gets, or NULL (untagged or unknown). */
const char *wasp__http_type_of_codec(uint64_t codec);

/* ---- the server ---- */

typedef struct wasp__http_server wasp__http_server;

typedef struct wasp__http_config {
    wasp_system *sys;
    const wasp_manifest *manifest;   /* its `http` section is served; must outlive the server */
    json_t *(*stats)(void *arg);     /* for GET /metrics (a new reference) */
    void *stats_arg;
    int threads;                     /* event loops; 0 = 1 */
} wasp__http_config;

/* Listens and starts serving. WASP_OK, WASP_EINVAL (bad listen address), WASP_EIO
 * (cannot listen: err says why), WASP_ENOMEM. */
int wasp__http_server_start(const wasp__http_config *cfg, wasp__http_server **out, char *err,
                            size_t errcap);
/* The port it listens on. */
int wasp__http_server_port(const wasp__http_server *s);
/* Stops listening and serving, joins its threads. */
void wasp__http_server_stop(wasp__http_server *s);
/* Frees it: after wasp__http_server_stop and wasp_system_stop. NULL ok. */
void wasp__http_server_free(wasp__http_server *s);

#endif
