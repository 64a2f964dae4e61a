/* wasi_files - a WASI component for the capability tests: every request is a
 * command, answered with the result.
 *   "read PATH"        -> the file's first bytes, or "error"
 *   "write PATH TEXT"  -> "ok" or "error"
 *   "env NAME"         -> the variable's value, or "unset" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasp_guest.h>

static void answer(const char *text) { wasp_reply(text, strlen(text)); }

static int on_message(const char *msg, size_t len) {
    char cmd[512];
    if (len >= sizeof cmd) return 1;
    memcpy(cmd, msg, len);
    cmd[len] = 0;
    if (!strncmp(cmd, "read ", 5)) {
        FILE *f = fopen(cmd + 5, "r");
        char buf[256] = "error";
        if (f) {
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            buf[n] = 0;
            fclose(f);
        }
        answer(buf);
    } else if (!strncmp(cmd, "write ", 6)) {
        char *path = cmd + 6, *text = strchr(path, ' ');
        if (!text) return 1;
        *text++ = 0;
        FILE *f = fopen(path, "w");
        bool ok = f && fputs(text, f) >= 0;
        if (f && fclose(f) != 0) ok = false;
        answer(ok ? "ok" : "error");
    } else if (!strncmp(cmd, "env ", 4)) {
        const char *v = getenv(cmd + 4);
        answer(v ? v : "unset");
    } else {
        return 1;
    }
    return 0;
}

WASP_HANDLER(on_message)
