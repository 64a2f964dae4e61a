/* http_envelope.c - the request and response envelopes of the HTTP ingress
 * (http.h, docs/HTTP.md): plain bytes a component reads and writes with a
 * few lines of C, no JSON or allocation needed on its side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int wasp__http_request_envelope(const char *method, size_t method_len, const char *target,
                                size_t target_len, const struct wasp__http_kv *headers,
                                size_t nheaders, const char *body, size_t body_len, char **out,
                                size_t *len) {
    size_t n = method_len + 1 + target_len + 1 + 1 + body_len;
    for (size_t i = 0; i < nheaders; i++) n += headers[i].name_len + 2 + headers[i].value_len + 1;
    char *buf = malloc(n ? n : 1), *p = buf;
    if (!buf) return WASP_ENOMEM;
#define PUT(s, l) (memcpy(p, (s), (l)), p += (l))
    PUT(method, method_len);
    *p++ = ' ';
    PUT(target, target_len);
    *p++ = '\n';
    for (size_t i = 0; i < nheaders; i++) {
        for (size_t k = 0; k < headers[i].name_len; k++) {
            char c = headers[i].name[k];
            *p++ = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }
        PUT(": ", 2);
        PUT(headers[i].value, headers[i].value_len);
        *p++ = '\n';
    }
    *p++ = '\n';
    if (body_len) PUT(body, body_len);
#undef PUT
    *out = buf;
    *len = n;
    return WASP_OK;
}

static bool token_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The next line of data[*pos..len) without its LF (and a CR before it);
 * false at the end of the data. */
static bool next_line(const char *data, size_t len, size_t *pos, const char **line, size_t *n) {
    if (*pos >= len) return false;
    const char *start = data + *pos, *lf = memchr(start, '\n', len - *pos);
    size_t l = lf ? (size_t)(lf - start) : len - *pos;
    *pos += l + (lf ? 1 : 0);
    if (l && start[l - 1] == '\r') l--;
    *line = start;
    *n = l;
    return true;
}

int wasp__http_parse_response(const char *data, size_t len, wasp__http_response *out, char *why,
                              size_t cap) {
    memset(out, 0, sizeof(*out));
    size_t pos = 0, n;
    const char *line;
    if (!next_line(data, len, &pos, &line, &n) || n < 3 || line[0] < '1' || line[0] > '5' ||
        line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' || (n > 3 && line[3] != ' ')) {
        snprintf(why, cap, "the reply does not start with a status line (e.g. \"200\\n\")");
        return WASP_EINVAL;
    }
    out->status = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    while (next_line(data, len, &pos, &line, &n) && n) {
        const char *colon = memchr(line, ':', n);
        if (!colon || colon == line) {
            snprintf(why, cap, "malformed header line in the reply");
            return WASP_EINVAL;
        }
        size_t nl = (size_t)(colon - line);
        for (size_t i = 0; i < nl; i++)
            if (!token_char((unsigned char)line[i])) {
                snprintf(why, cap, "invalid header name in the reply");
                return WASP_EINVAL;
            }
        const char *v = colon + 1, *end = line + n;
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
        for (const char *c = v; c < end; c++)
            if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
                snprintf(why, cap, "invalid header value in the reply");
                return WASP_EINVAL;
            }
        if (out->nheaders == WASP__HTTP_MAX_HEADERS) {
            snprintf(why, cap, "more than %d headers in the reply", WASP__HTTP_MAX_HEADERS);
            return WASP_EINVAL;
        }
        out->headers[out->nheaders++] =
            (struct wasp__http_kv){line, nl, v, (size_t)(end - v)};
    }
    out->body = data + (pos < len ? pos : len);
    out->body_len = pos < len ? len - pos : 0;
    return WASP_OK;
}

bool wasp__http_route_matches(const char *route, const char *path, size_t path_len) {
    size_t rl = strlen(route);
    if (rl && route[rl - 1] == '*') return path_len >= rl - 1 && !memcmp(route, path, rl - 1);
    return rl == path_len && !memcmp(route, path, rl);
}

const char *wasp__http_reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 300 ? "OK" : "Unknown";
    }
}
