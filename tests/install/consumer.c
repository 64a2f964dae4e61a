/* consumer.c - a program built against an installed libwasp (scripts/check-install.sh):
 * checks the header and library versions agree and that a request round trip works. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasp.h>

static int echo(wasp_ctx *ctx, const wasp_msg *m) { return wasp_reply(ctx, m->data, m->len); }

int main(void) {
    char header[32];
    snprintf(header, sizeof(header), "%d.%d.%d", WASP_VERSION_MAJOR, WASP_VERSION_MINOR, WASP_VERSION_PATCH);
    if (strcmp(header, wasp_version()) != 0) {
        fprintf(stderr, "header %s, library %s\n", header, wasp_version());
        return 1;
    }
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = 1};
    if (wasp_system_create(&cfg, &sys) || wasp_system_start(sys)) return 1;
    wasp_actor_spec spec = {.name = "echo", .handle = echo};
    void *reply = NULL;
    size_t len = 0;
    int rc = wasp_spawn(sys, &spec, NULL);
    if (!rc) rc = wasp_ask_name(sys, "echo", "ping", 4, 1000000000ull, &reply, &len);
    int ok = !rc && len == 4 && memcmp(reply, "ping", 4) == 0;
    free(reply);
    wasp_system_destroy(sys);
    if (!ok) {
        fprintf(stderr, "round trip failed: %s\n", wasp_strerror(rc));
        return 1;
    }
    printf("libwasp %s: ok\n", wasp_version());
    return 0;
}
