/* ex_helpers.h - run an example system through the real `wasp` binary and
 * read its statistics JSON (CLI.md). Header-only: each test_*.c is its own
 * executable. Paths come from examples/CMakeLists.txt: WASP_BIN,
 * WASP_EXAMPLES_DIR. */
#ifndef WASP_EX_HELPERS_H
#define WASP_EX_HELPERS_H

#include "testutil.h"

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WASP_BIN
#error "WASP_BIN is not defined (examples/CMakeLists.txt sets it)"
#endif

/* ---- a small JSON reader: enough to validate the stats document --------- */

enum ex_jtype { EX_JNULL, EX_JBOOL, EX_JNUM, EX_JSTR, EX_JARR, EX_JOBJ };

typedef struct ex_json {
    enum ex_jtype type;
    double num;            /* EX_JNUM, EX_JBOOL (0/1) */
    char *str;             /* EX_JSTR */
    size_t n;              /* EX_JARR, EX_JOBJ: number of items */
    char **keys;           /* EX_JOBJ */
    struct ex_json **items;
} ex_json;

static inline void ex_json_free(ex_json *j) {
    if (!j) return;
    for (size_t i = 0; i < j->n; i++) {
        ex_json_free(j->items[i]);
        if (j->keys) free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    free(j);
}

static inline void ex_ws(const char **p) {
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t') (*p)++;
}

static inline char *ex_jstring(const char **p) {
    if (**p != '"') return NULL;
    (*p)++;
    size_t cap = 16, n = 0;
    char *s = malloc(cap);
    while (**p && **p != '"') {
        char c = *(*p)++;
        if (c == '\\') {
            char e = *(*p)++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u': /* keep \uXXXX as '?': names in the stats are ASCII */
                for (int k = 0; k < 4; k++)
                    if (isxdigit((unsigned char)**p)) (*p)++;
                c = '?';
                break;
            case '"': case '\\': case '/': c = e; break;
            default: free(s); return NULL;
            }
        } else if ((unsigned char)c < 0x20) {
            free(s);
            return NULL;
        }
        if (n + 1 >= cap) s = realloc(s, cap *= 2);
        s[n++] = c;
    }
    if (**p != '"') { free(s); return NULL; }
    (*p)++;
    s[n] = 0;
    return s;
}

static inline ex_json *ex_jvalue(const char **p, int depth) {
    if (depth > 32) return NULL;
    ex_ws(p);
    ex_json *j = calloc(1, sizeof(*j));
    if (**p == '{' || **p == '[') {
        bool obj = **p == '{';
        j->type = obj ? EX_JOBJ : EX_JARR;
        (*p)++;
        ex_ws(p);
        if (**p == (obj ? '}' : ']')) { (*p)++; return j; }
        for (;;) {
            char *key = NULL;
            if (obj) {
                ex_ws(p);
                key = ex_jstring(p);
                ex_ws(p);
                if (!key || **p != ':') { free(key); ex_json_free(j); return NULL; }
                (*p)++;
            }
            ex_json *v = ex_jvalue(p, depth + 1);
            if (!v) { free(key); ex_json_free(j); return NULL; }
            j->items = realloc(j->items, (j->n + 1) * sizeof(*j->items));
            if (obj) j->keys = realloc(j->keys, (j->n + 1) * sizeof(*j->keys)), j->keys[j->n] = key;
            j->items[j->n++] = v;
            ex_ws(p);
            if (**p == ',') { (*p)++; continue; }
            if (**p == (obj ? '}' : ']')) { (*p)++; return j; }
            ex_json_free(j);
            return NULL;
        }
    }
    if (**p == '"') {
        j->type = EX_JSTR;
        if (!(j->str = ex_jstring(p))) { ex_json_free(j); return NULL; }
        return j;
    }
    if (!strncmp(*p, "true", 4) || !strncmp(*p, "false", 5)) {
        j->type = EX_JBOOL;
        j->num = **p == 't';
        *p += j->num ? 4 : 5;
        return j;
    }
    if (!strncmp(*p, "null", 4)) { *p += 4; return j; }
    char *end;
    j->num = strtod(*p, &end);
    if (end == *p) { ex_json_free(j); return NULL; }
    j->type = EX_JNUM;
    *p = end;
    return j;
}

/* Parses a whole document; NULL if it is not valid JSON. */
static inline ex_json *ex_json_parse(const char *text) {
    const char *p = text;
    ex_json *j = ex_jvalue(&p, 0);
    if (!j) return NULL;
    ex_ws(&p);
    if (*p) { ex_json_free(j); return NULL; }
    return j;
}

static inline const ex_json *ex_get(const ex_json *obj, const char *key) {
    if (!obj || obj->type != EX_JOBJ) return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key)) return obj->items[i];
    return NULL;
}

/* The element of array `arr_key` whose "name" is `name`. */
static inline const ex_json *ex_find(const ex_json *stats, const char *arr_key, const char *name) {
    const ex_json *arr = ex_get(stats, arr_key);
    if (!arr || arr->type != EX_JARR) return NULL;
    for (size_t i = 0; i < arr->n; i++) {
        const ex_json *nm = ex_get(arr->items[i], "name");
        if (nm && nm->type == EX_JSTR && !strcmp(nm->str, name)) return arr->items[i];
    }
    return NULL;
}

/* A numeric field of an actor (fails the test if missing). */
static inline long long ex_actor_num(const ex_json *stats, const char *actor, const char *field) {
    const ex_json *a = ex_find(stats, "actors", actor);
    if (!a) fail_msg("actor %s is not in the statistics", actor);
    const ex_json *v = ex_get(a, field);
    if (!v || v->type != EX_JNUM) fail_msg("actor %s has no numeric %s", actor, field);
    return (long long)v->num;
}

static inline const char *ex_actor_state(const ex_json *stats, const char *actor) {
    const ex_json *v = ex_get(ex_find(stats, "actors", actor), "state");
    if (!v || v->type != EX_JSTR) fail_msg("actor %s has no state", actor);
    return v->str;
}

/* Checks the document's shape against CLI.md: every actor and supervisor
 * has each field with the right type, states are from the list. */
static inline void ex_check_stats_shape(const ex_json *s, const char *system) {
    assert_non_null(s);
    const ex_json *sys = ex_get(s, "system");
    assert_true(sys && sys->type == EX_JSTR);
    assert_string_equal(sys->str, system);
    const ex_json *up = ex_get(s, "uptime_ms");
    assert_true(up && up->type == EX_JNUM && up->num >= 0);
    const ex_json *actors = ex_get(s, "actors"), *sups = ex_get(s, "supervisors");
    assert_true(actors && actors->type == EX_JARR && actors->n > 0);
    assert_true(sups && sups->type == EX_JARR && sups->n > 0);
    static const char *const nums[] = {"handled", "handler_errors", "crashes", "restarts",
                                       "dead_letters", "mailbox_len", "memory_bytes"};
    static const char *const states[] = {"creating", "starting", "ready", "stopping", "terminated", "failed"};
    for (size_t i = 0; i < actors->n; i++) {
        const ex_json *a = actors->items[i], *v;
        assert_true((v = ex_get(a, "name")) && v->type == EX_JSTR);
        assert_true((v = ex_get(a, "kind")) && v->type == EX_JSTR);
        assert_true((v = ex_get(a, "state")) && v->type == EX_JSTR);
        bool known = false;
        for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) known |= !strcmp(v->str, states[k]);
        if (!known) fail_msg("actor state \"%s\" is not one of CLI.md's", v->str);
        for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++) {
            v = ex_get(a, nums[k]);
            if (!v || v->type != EX_JNUM || v->num < 0) fail_msg("actor field %s missing or not a count", nums[k]);
        }
        for (size_t k = 0; k < i; k++) /* every actor appears once */
            assert_string_not_equal(ex_get(actors->items[k], "name")->str, ex_get(a, "name")->str);
    }
    for (size_t i = 0; i < sups->n; i++) {
        const ex_json *a = sups->items[i], *v;
        assert_true((v = ex_get(a, "name")) && v->type == EX_JSTR);
        assert_true((v = ex_get(a, "strategy")) && v->type == EX_JSTR);
        assert_true((v = ex_get(a, "restarts")) && v->type == EX_JNUM);
        assert_true((v = ex_get(a, "gave_up")) && v->type == EX_JBOOL);
    }
}

/* No supervisor gave up and no actor ended "failed", except those in the
 * NULL-terminated list may_fail (NULL: none), which crash on purpose and may
 * be caught waiting for their restart when the run ends. */
static inline void ex_check_all_well(const ex_json *s, const char *const *may_fail) {
    const ex_json *actors = ex_get(s, "actors"), *sups = ex_get(s, "supervisors");
    for (size_t i = 0; i < actors->n; i++) {
        const char *name = ex_get(actors->items[i], "name")->str;
        bool excused = false;
        for (const char *const *m = may_fail; m && *m; m++) excused |= !strcmp(*m, name);
        if (!excused && !strcmp(ex_get(actors->items[i], "state")->str, "failed"))
            fail_msg("actor %s ended failed", name);
    }
    for (size_t i = 0; i < sups->n; i++)
        if (ex_get(sups->items[i], "gave_up")->num)
            fail_msg("supervisor %s gave up", ex_get(sups->items[i], "name")->str);
}

/* ---- running the binary -------------------------------------------------- */

typedef struct ex_run_result {
    int status;     /* exit status, or -1 (killed by a signal / timed out) */
    char *stderr_text;
    ex_json *stats; /* parsed --stats file (NULL if missing or invalid) */
    char *stats_text;
} ex_run_result;

static inline void ex_run_free(ex_run_result *r) {
    free(r->stderr_text);
    free(r->stats_text);
    ex_json_free(r->stats);
}

/* A whole file as a NUL-terminated string (free it), or NULL. */
static inline char *ex_read_text(const char *path) {
    size_t len;
    uint8_t *b = tu_read_file(path, &len);
    if (!b) return NULL;
    char *s = malloc(len + 1);
    memcpy(s, b, len);
    s[len] = 0;
    free(b);
    return s;
}

static inline bool ex_have_binary(void) { return access(WASP_BIN, X_OK) == 0; }

/* Runs `wasp run MANIFEST --for DURATION --stats FILE [extra...]`, killing it
 * after timeout_s seconds. */
static inline ex_run_result ex_run(const char *manifest, const char *duration, const char *const *extra, int timeout_s) {
    ex_run_result r = {.status = -1};
    char *dir = tu_tempdir();
    char stats_path[4096], err_path[4096];
    snprintf(stats_path, sizeof stats_path, "%s/stats.json", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
    const char *argv[64] = {WASP_BIN, "run", manifest, "--for", duration, "--stats", stats_path};
    int argc = 7;
    for (; extra && *extra && argc < 62; extra++) argv[argc++] = *extra;
    argv[argc] = NULL;

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, 2);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) dup2(devnull, 0), dup2(devnull, 1);
        execv(WASP_BIN, (char *const *)argv);
        _exit(127);
    }
    int st = 0;
    bool done = false;
    for (int ms = 0; ms < timeout_s * 1000; ms += 10) {
        if (waitpid(pid, &st, WNOHANG) == pid) { done = true; break; }
        tu_sleep_ms(10);
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        print_error("wasp run %s did not exit within %d s\n", manifest, timeout_s);
    } else if (WIFEXITED(st)) {
        r.status = WEXITSTATUS(st);
    }
    r.stderr_text = ex_read_text(err_path);
    r.stats_text = ex_read_text(stats_path);
    if (r.stats_text) r.stats = ex_json_parse(r.stats_text);
    tu_rmtree(dir);
    free(dir);
    return r;
}

/* Path of an example's manifest in the build tree (static buffer). */
static inline const char *ex_manifest(const char *example) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s/wasp.yaml", WASP_EXAMPLES_DIR, example);
    return path;
}

/* Runs an example and checks what every run must satisfy: exit 0, a valid
 * statistics document for this system, nothing failed (but may_fail). */
static inline ex_run_result ex_run_example(const char *example, const char *duration,
                                           const char *const *may_fail) {
    ex_run_result r = ex_run(ex_manifest(example), duration, NULL, 60);
    if (r.status != 0 || !r.stats) {
        fprintf(stderr, "wasp run %s: status %d\n--- stderr ---\n%s\n--- stats ---\n%s\n", example, r.status,
                r.stderr_text ? r.stderr_text : "(none)", r.stats_text ? r.stats_text : "(none)");
    }
    assert_int_equal(r.status, 0);
    assert_non_null(r.stats);
    ex_check_stats_shape(r.stats, example);
    ex_check_all_well(r.stats, may_fail);
    return r;
}

/* Skip (pass with a note) while the wasp binary does not exist yet. */
#define EX_REQUIRE_BINARY()                                                   \
    do {                                                                      \
        if (!ex_have_binary()) {                                              \
            print_message("skipped: %s has not been built\n", WASP_BIN);      \
            skip();                                                           \
        }                                                                     \
    } while (0)

#endif
