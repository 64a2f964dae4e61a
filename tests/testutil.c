/* testutil.c - file, fixture and timing helpers for tests. */
#include "testutil.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

uint8_t *tu_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (size < 0) {
        fclose(f);
        return NULL;
    }
    uint8_t *buf = malloc((size_t)size + 1); /* NUL-terminated, for text */
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = 0;
        *len = (size_t)size;
    }
    return buf;
}

void tu_write_file(const char *dir, const char *name, const char *text) {
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

void tu_copy_file(const char *src, const char *dir, const char *as) {
    size_t len;
    uint8_t *b = tu_read_file(src, &len);
    if (!b) fail_msg("cannot read %s", src);
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", dir, as);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(b, 1, len, f) == len;
    if (f) fclose(f);
    free(b);
    if (!ok) fail_msg("cannot write %s", path);
}

void tu_copy_fixture(const char *dir, const char *fixture, const char *as) {
    tu_copy_file(tu_fixture(fixture), dir, as);
}

static int tracked[16];
static size_t ntracked;

void tu_track(int pid) {
    if (ntracked < sizeof(tracked) / sizeof(tracked[0])) tracked[ntracked++] = pid;
}

void tu_kill_tracked(void) {
    for (size_t i = 0; i < ntracked; i++)
        if (waitpid(tracked[i], NULL, WNOHANG) == 0) { /* still ours and running */
            kill(tracked[i], SIGKILL);
            waitpid(tracked[i], NULL, 0);
        }
    ntracked = 0;
}

const char *tu_fixture(const char *name) {
    static char path[4096];
    snprintf(path, sizeof(path), "%s/%s", WASP_FIXTURES, name);
    return path;
}

uint8_t *tu_fixture_bytes(const char *name, size_t *len) {
    uint8_t *b = tu_read_file(tu_fixture(name), len);
    if (!b) fail_msg("fixture %s missing", tu_fixture(name));
    return b;
}

char *tu_tempdir(void) {
    char tmpl[] = "/tmp/wasp-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

void tu_rmtree(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

void tu_sleep_ms(unsigned ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const int fault_signals[] = {SIGSEGV, SIGILL, SIGFPE, SIGBUS};
static struct sigaction saved_actions[4];

void tu_signals_save(void) {
    for (int i = 0; i < 4; i++) sigaction(fault_signals[i], NULL, &saved_actions[i]);
}

void tu_signals_restore(void) {
    for (int i = 0; i < 4; i++) sigaction(fault_signals[i], &saved_actions[i], NULL);
}
