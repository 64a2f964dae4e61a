/* ctl_http.c - the control TCP port also answers a plain HTTP GET /metrics
 * (for a Prometheus scraper when the system has no HTTP listener). One
 * request per connection; anything else is 404/405. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control.h"

bool wasp__ctl_http_is_request(const char *buf, size_t len) {
    return (len >= 4 && !memcmp(buf, "GET ", 4)) || (len >= 5 && !memcmp(buf, "HEAD ", 5)) ||
           (len >= 5 && !memcmp(buf, "POST ", 5)) || (len >= 4 && !memcmp(buf, "PUT ", 4));
}

bool wasp__ctl_http_complete(const char *buf, size_t len) {
    return memmem(buf, len, "\r\n\r\n", 4) || memmem(buf, len, "\n\n", 2);
}

static void respond(char **resp, size_t *rlen, const char *status, const char *type,
                    const char *body, bool head) {
    size_t bl = strlen(body);
    char *out = NULL;
    int n = asprintf(&out,
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     status, type, bl, head ? "" : body);
    *resp = n < 0 ? NULL : out;
    *rlen = n < 0 ? 0 : (size_t)n;
}

void wasp__ctl_http_answer(const wasp__ctl_host *host, const char *buf, size_t len, char **resp,
                           size_t *rlen) {
    bool head = len >= 5 && !memcmp(buf, "HEAD ", 5);
    bool get = len >= 4 && !memcmp(buf, "GET ", 4);
    size_t off = head ? 5 : 4, plen = 0;
    const char *path = buf + off;
    while (off + plen < len && !strchr(" ?\r\n", path[plen])) plen++;
    if (!(plen == 8 && !memcmp(path, "/metrics", 8))) {
        respond(resp, rlen, "404 Not Found", "text/plain", "not found: this port serves /metrics\n", head);
        return;
    }
    if (!get && !head) {
        respond(resp, rlen, "405 Method Not Allowed", "text/plain", "GET /metrics\n", false);
        return;
    }
    json_t *st = host->stats ? host->stats(host->arg) : NULL;
    char *text = st ? wasp__metrics_text(st) : NULL;
    json_decref(st);
    if (!text) {
        respond(resp, rlen, "503 Service Unavailable", "text/plain", "no statistics\n", head);
        return;
    }
    respond(resp, rlen, "200 OK", "text/plain; version=0.0.4; charset=utf-8", text, head);
    free(text);
}
