/* api - the HTTP side of the system (docs/HTTP.md): each request arrives as
 * a call with the request envelope and is answered with a response.
 *   GET  /hello   "hello from api.N"
 *   GET  /count   the counter's count (a call to `counter`)
 *   POST /echo    the request body back, with its content type
 *   GET  /crash   traps: a 502 for this request, and a restart */
#include <wasp_guest.h>

static int on_request(const char *msg, size_t len) {
    wasp_http_request r;
    if (!wasp_http_parse(msg, len, &r)) return wasp_http_respond_str(400, "not an HTTP request\n") < 0;
    char out[128];
    if (wasp_msg_is(r.path, r.path_len, "/hello")) {
        wasp_format(out, sizeof(out), "hello from %s\n", wasp_self_name());
        return wasp_http_respond_str(200, out) < 0;
    }
    if (wasp_msg_is(r.path, r.path_len, "/count")) {
        char count[32];
        int n = wasp_call_str("counter", "count", count, sizeof(count), 500);
        if (n < 0) {
            wasp_format(out, sizeof(out), "counter: %s\n", wasp_strerror(n));
            return wasp_http_respond_str(503, out) < 0;
        }
        wasp_format(out, sizeof(out), "%.*s\n", n, count);
        return wasp_http_respond_str(200, out) < 0;
    }
    if (wasp_msg_is(r.path, r.path_len, "/echo")) {
        const char *ct;
        size_t ctl;
        char type[96] = "application/octet-stream";
        if (wasp_http_header(&r, "content-type", &ct, &ctl) && ctl < sizeof(type)) {
            memcpy(type, ct, ctl);
            type[ctl] = 0;
        }
        return wasp_http_respond(200, type, r.body, r.body_len) < 0;
    }
    if (wasp_msg_is(r.path, r.path_len, "/crash")) __builtin_trap();
    return wasp_http_respond_str(404, "try /hello, /count, /echo or /crash\n") < 0;
}
WASP_HANDLER(on_request)
