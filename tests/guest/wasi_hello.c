/* wasi_hello - a WASI component (wasi-libc): prints to stdout at start and
 * for every message, with a greeting from the environment variable GREETING
 * ("hello" when unset). A request is answered with the line it printed. */
#include <stdio.h>
#include <stdlib.h>
#include <wasp_guest.h>

static const char *greeting(void) {
    const char *g = getenv("GREETING");
    return g ? g : "hello";
}

static void start(void) {
    printf("wasi_hello: %s from %s\n", greeting(), wasp_self_name());
    fflush(stdout);
}

static int on_message(const char *msg, size_t len) {
    char line[512];
    int n = snprintf(line, sizeof line, "%s, %.*s", greeting(), (int)len, msg);
    if (n < 0) return 1;
    printf("%s\n", line);
    fflush(stdout);
    wasp_reply(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    return 0;
}

WASP_START(start)
WASP_HANDLER(on_message)
