/* http_hello - a component behind the HTTP ingress (docs/HTTP.md), one
 * behaviour per path: /hello answers "hello"; /echo answers the request's
 * body with its content type, method and query in headers; /slow busy-waits
 * 300 ms first; /crash traps; /bad replies with something that is not a
 * response envelope; /silent handles the request without replying; /codec
 * answers "codec=N" with the request's codec tag N, its reply tagged with the
 * same codec and no content-type header (with ?typed, content-type
 * text/x-mine) (docs/HTTP.md); anything
 * else is a 404 from the component itself. Paths match by their end, so
 * any route prefix works. */
#include <wasp_guest.h>

/* The path ends with p (routes may add a prefix, e.g. /app/hello). */
static bool path_is(const wasp_http_request *r, const char *p) {
    size_t n = wasp_strlen(p);
    return r->path_len >= n && memcmp(r->path + r->path_len - n, p, n) == 0;
}

static int on_message(const char *msg, size_t len) {
    wasp_http_request r;
    if (!wasp_http_parse(msg, len, &r)) return wasp_http_respond_str(400, "not an HTTP request\n") < 0;
    if (path_is(&r, "/hello")) return wasp_http_respond_str(200, "hello\n") < 0;
    if (path_is(&r, "/echo")) {
        const char *ct;
        size_t ctl;
        char type[128] = "application/octet-stream";
        if (wasp_http_header(&r, "content-type", &ct, &ctl) && ctl < sizeof(type)) {
            memcpy(type, ct, ctl);
            type[ctl] = 0;
        }
        char head[512];
        size_t n = wasp_format(head, sizeof(head), "200\nx-method: %.*s\nx-query: %.*s\ncontent-type: %s\n\n",
                               (int)r.method_len, r.method, (int)r.query_len, r.query, type);
        char *out = (char *)wasp_malloc(n + r.body_len);
        if (!out) return 1;
        memcpy(out, head, n);
        if (r.body_len) memcpy(out + n, r.body, r.body_len);
        int rc = wasp_reply(out, n + r.body_len);
        wasp_free(out);
        return rc < 0;
    }
    if (path_is(&r, "/slow")) {
        int64_t until = wasp_now_ms() + 300;
        while (wasp_now_ms() < until) {
        }
        return wasp_http_respond_str(200, "slow\n") < 0;
    }
    if (path_is(&r, "/crash")) __builtin_trap();
    if (path_is(&r, "/bad")) return wasp_reply_str("nonsense") < 0;
    if (path_is(&r, "/silent")) return 0;
    if (path_is(&r, "/codec")) {
        bool typed = r.query_len == 5 && memcmp(r.query, "typed", 5) == 0; /* the envelope names a type too */
        char out[96];
        size_t n = wasp_format(out, sizeof(out), "200\n%s\ncodec=%d", typed ? "content-type: text/x-mine\n" : "",
                               (int)wasp_codec());
        return wasp_reply_tagged(out, n, wasp_codec()) < 0;
    }
    return wasp_http_respond_str(404, "the component has no such page\n") < 0;
}
WASP_HANDLER(on_message)
