/* cli_helpers.h - running the real `wasp` binary from cmocka tests: start it
 * with its output captured in files, wait for it, read what it wrote. */
#ifndef WASP_TEST_CLI_HELPERS_H
#define WASP_TEST_CLI_HELPERS_H

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#ifndef WASP_CLI_BINARY
#define WASP_CLI_BINARY "wasp"
#endif

static char *dir;

struct proc {
    pid_t pid;
    char out[4200], err[4200]; /* paths of captured stdout / stderr */
};

static inline char *slurp(const char *path) {
    size_t len = 0;
    char *s = (char *)tu_read_file(path, &len);
    return s ? s : strdup("");
}

/* Starts wasp with args (NULL-terminated), in dir, output captured, stdin
 * from the file `in` (NULL: inherited). */
static inline void start_io(struct proc *p, const char *const *args, const char *in) {
    static int seq;
    snprintf(p->out, sizeof(p->out), "%s/out.%d", dir, seq);
    snprintf(p->err, sizeof(p->err), "%s/err.%d", dir, seq++);
    const char *argv[32] = {WASP_CLI_BINARY};
    size_t n = 1;
    while (args[n - 1] && n < 31) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        if (chdir(dir) != 0) _exit(126);
        int o = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(o, 1);
        dup2(e, 2);
        if (in) {
            int i = open(in, O_RDONLY);
            dup2(i, 0);
        }
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(WASP_CLI_BINARY, (char *const *)argv);
        _exit(127);
    }
}

static inline void start(struct proc *p, const char *const *args) { start_io(p, args, NULL); }

/* Waits up to timeout_ms; the exit status, or -signal, or -1000 on timeout. */
static inline int finish(struct proc *p, unsigned timeout_ms) {
    int st;
    for (unsigned i = 0; i < timeout_ms; i += 5) {
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
        tu_sleep_ms(5);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &st, 0);
    return -1000;
}

/* Runs wasp to completion; *out / *err (may be NULL) get its output (free them). */
static inline int run(const char *const *args, char **out, char **err) {
    struct proc p;
    start(&p, args);
    int rc = finish(&p, 60000);
    if (out) *out = slurp(p.out);
    if (err) *err = slurp(p.err);
    return rc;
}

/* Has process pid installed a handler for sig (its SigCgt mask in /proc)? */
static inline bool catches_signal(pid_t pid, int sig) {
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return false;
    unsigned long long mask = 0;
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) found = sscanf(line, "SigCgt: %llx", &mask) == 1;
    fclose(f);
    return found && (mask >> (sig - 1)) & 1;
}

static inline bool file_contains(const char *path, const char *needle) {
    char *s = slurp(path);
    bool found = strstr(s, needle) != NULL;
    free(s);
    return found;
}

/* Waits (up to 20 s) until p's stderr has a line containing `needle`; rest
 * (may be NULL) gets what follows the needle on that line. Fails the test
 * if it never comes. */
static inline void wait_for_log(struct proc *p, const char *needle, char *rest, size_t cap) {
    for (int i = 0; i < 4000; i++) {
        char *err = slurp(p->err);
        const char *at = strstr(err, needle);
        const char *nl = at ? strchr(at, '\n') : NULL;
        if (nl) {
            size_t skip = strlen(needle);
            if (rest) snprintf(rest, cap, "%.*s", (int)(nl - at - skip), at + skip);
            free(err);
            return;
        }
        free(err);
        tu_sleep_ms(5);
    }
    char *err = slurp(p->err);
    fail_msg("no '%s' in the log: %s", needle, err);
}

/* A test group's directories: dir for its files, and rtdir, the
 * XDG_RUNTIME_DIR of every wasp it starts (a runtime directory of its own:
 * a system of the same name run elsewhere on the machine is never found). */
__attribute__((unused)) static char *rtdir;

static inline void cli_dirs_create(void) {
    dir = tu_tempdir();
    rtdir = tu_tempdir();
    setenv("XDG_RUNTIME_DIR", rtdir, 1);
}

/* A group teardown: tracked processes killed, both directories removed. */
static inline int cli_dirs_remove(void **state) {
    (void)state;
    tu_kill_tracked();
    tu_rmtree(dir);
    tu_rmtree(rtdir);
    free(dir);
    free(rtdir);
    dir = rtdir = NULL;
    return 0;
}

/* Copies the test guest NAME.wasm (built under WASP_GUESTS) into dir as AS. */
static inline void copy_guest(const char *name, const char *as) {
    char src[4200];
    snprintf(src, sizeof(src), "%s/%s.wasm", WASP_GUESTS, name);
    tu_copy_file(src, dir, as);
}

#endif
