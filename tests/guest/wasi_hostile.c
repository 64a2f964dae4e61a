/* wasi_hostile - a WASI guest that tries to make the host hold its threads
 * and file descriptors (tests/component/test_component_hostile_wasi.c),
 * built both as a core module and as a component. Every request is a
 * command; the answer is text.
 *   "sleep MS"        nanosleep(MS) -> "slept" or "error E"
 *   "open N PATH"     opens PATH up to N times, keeping every descriptor ->
 *                     "opened K errno E"
 *   "close"           closes what "open" kept -> "closed K"
 *   "read PATH"       the first bytes of PATH, or "error E"
 *   "start"           what the `call` made by the start hook returned */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasp_guest.h>

static int kept[4096];
static int nkept;
static int start_call = 1;

static void answer(const char *text) { wasp_reply(text, strlen(text)); }

static void on_start(void) {
    char out[8];
    start_call = wasp_call("wasi_hostile_peer", "x", 1, out, sizeof out, 100);
}

static int on_message(const char *msg, size_t len) {
    char cmd[512], out[300];
    if (len >= sizeof cmd) return 1;
    memcpy(cmd, msg, len);
    cmd[len] = 0;
    if (!strncmp(cmd, "sleep ", 6)) {
        long ms = atol(cmd + 6);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        if (nanosleep(&ts, NULL) == 0) answer("slept");
        else snprintf(out, sizeof out, "error %d", errno), answer(out);
    } else if (!strncmp(cmd, "open ", 5)) {
        char *path = strchr(cmd + 5, ' ');
        if (!path) return 1;
        int n = atoi(cmd + 5), k = 0, err = 0;
        for (; k < n && nkept < (int)(sizeof kept / sizeof kept[0]); k++) {
            int fd = open(path + 1, O_RDONLY);
            if (fd < 0) {
                err = errno;
                break;
            }
            kept[nkept++] = fd;
        }
        snprintf(out, sizeof out, "opened %d errno %d", k, err);
        answer(out);
    } else if (!strcmp(cmd, "close")) {
        snprintf(out, sizeof out, "closed %d", nkept);
        while (nkept) close(kept[--nkept]);
        answer(out);
    } else if (!strncmp(cmd, "read ", 5)) {
        int fd = open(cmd + 5, O_RDONLY);
        if (fd < 0) {
            snprintf(out, sizeof out, "error %d", errno);
        } else {
            ssize_t n = read(fd, out, sizeof out - 1);
            if (n < 0) snprintf(out, sizeof out, "error %d", errno);
            else out[n] = 0;
            close(fd);
        }
        answer(out);
    } else if (!strcmp(cmd, "start")) {
        snprintf(out, sizeof out, "%d", start_call);
        answer(out);
    } else {
        return 1;
    }
    return 0;
}

WASP_START(on_start)
WASP_HANDLER(on_message)
