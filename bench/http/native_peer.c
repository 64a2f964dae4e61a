/* native_peer.c - the HTTP benchmark's native peer (bench/http/compare):
 * the same ingress as `wasp run` (src/http), the same route, but the
 * handler is a native actor replying "hello\n" instead of a component. What
 * the wasm component costs on top is the difference.
 * usage: wasp-http-peer MANIFEST (its http section; components not loaded) */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"

static int hello(wasp_ctx *ctx, const wasp_msg *msg) {
    (void)msg;
    static const char resp[] = "200\ncontent-type: text/plain; charset=utf-8\n\nhello\n";
    wasp_reply(ctx, resp, sizeof(resp) - 1);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: wasp-http-peer MANIFEST\n");
        return 2;
    }
    wasp_manifest_options mo = {.skip_files = true};
    wasp_manifest *m = NULL;
    if (wasp_manifest_load(argv[1], &mo, &m) != WASP_OK || !wasp_manifest_http_get(m)) return 1;
    wasp_system_config cfg = {.workers = wasp_manifest_workers(m)};
    wasp_system *sys = NULL;
    if (wasp_system_create(&cfg, &sys) != WASP_OK || wasp_system_start(sys) != WASP_OK) return 1;
    const wasp_manifest_http *http = wasp_manifest_http_get(m);
    for (size_t i = 0; i < http->nroutes; i++) {
        wasp_actor_spec spec = {.name = http->routes[i].component, .handle = hello};
        wasp_spawn(sys, &spec, NULL); /* a second route to the same name: EEXIST, fine */
    }
    wasp__http_config hc = {.sys = sys, .manifest = m};
    wasp__http_server *srv = NULL;
    char err[256];
    if (wasp__http_server_start(&hc, &srv, err, sizeof(err)) != WASP_OK) {
        fprintf(stderr, "wasp-http-peer: %s\n", err);
        return 1;
    }
    fprintf(stderr, "wasp-http-peer: listening on port %d\n", wasp__http_server_port(srv));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    wasp__http_server_stop(srv);
    wasp_system_stop(sys);
    wasp__http_server_free(srv);
    wasp_system_destroy(sys);
    wasp_manifest_free(m);
    return 0;
}
