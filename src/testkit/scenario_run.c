/* scenario_run.c - running scenario files: each case in a fresh wasp_test,
 * its steps in order; the first step that fails ends the case. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testkit/scenario.h"

static void at(struct sc_out *o, const struct sc_file *f, const struct mf_node *n) {
    wasp__sc_out_printf(o, "%s:%d:%d: ", f->m->path, n ? n->line : 0, n ? n->col : 0);
}

static const char *verb(enum sc_step_kind k) {
    static const char *const v[] = {"send to", "call", "publish on", "advance", "kill", "expect"};
    return v[k];
}

static const char *result_name(int rc) { return rc == WASP_OK ? "success" : wasp__sc_error_name(rc); }

/* A step ended in rc where `want` was expected. */
static void unexpected(struct sc_out *o, const struct sc_file *f, wasp_test *t,
                       const struct sc_step *st, int want, int rc) {
    at(o, f, st->error_at ? st->error_at : st->at);
    wasp__sc_out_printf(o, "%s %s: expected %s, got %s", verb(st->kind), st->target ? st->target : "",
                  result_name(want), result_name(rc));
    /* A step also fails with ETIMEDOUT when the system never became quiescent. */
    if (rc == WASP_ETIMEDOUT && wasp_system_wait_idle(wasp_test_system(t), 1000000ull) != WASP_OK)
        wasp__sc_out_printf(o, " (the system did not become quiescent: an actor keeps running)");
    wasp__sc_out_printf(o, "\n");
}

static bool run_call(const struct sc_file *f, wasp_test *t, const struct sc_step *st,
                     struct sc_out *o) {
    void *reply = NULL;
    size_t len = 0;
    int rc = wasp_test_call(t, st->from, st->target, st->payload.data, st->payload.len, st->ns,
                            &reply, &len);
    bool ok = true;
    if (rc != (st->error_at ? st->error : WASP_OK)) {
        if (rc == WASP_OK) {
            at(o, f, st->error_at);
            wasp__sc_out_printf(o, "call %s: expected %s, got a reply ", st->target, wasp__sc_error_name(st->error));
            wasp__sc_out_bytes(o, reply, len);
            wasp__sc_out_printf(o, "\n");
        } else {
            unexpected(o, f, t, st, st->error_at ? st->error : WASP_OK, rc);
        }
        ok = false;
    } else if (rc == WASP_OK && st->reply.pattern) {
        char why[256];
        if (!wasp__sc_match(&st->reply, reply, len, why, sizeof(why))) {
            at(o, f, st->reply.at);
            wasp__sc_out_printf(o, "call %s: expected a reply with ", st->target);
            wasp__sc_describe_matcher(o, &st->reply);
            wasp__sc_out_printf(o, ", got ");
            wasp__sc_out_bytes(o, reply, len);
            wasp__sc_out_printf(o, " (%s)\n", why);
            ok = false;
        }
    }
    free(reply);
    return ok;
}

static bool run_step(const struct sc_file *f, wasp_test *t, const struct sc_step *st,
                     struct sc_out *o) {
    int rc, want = st->error_at ? st->error : WASP_OK;
    switch (st->kind) {
    case SC_SEND:
        rc = wasp_test_send(t, st->from, st->target, st->payload.data, st->payload.len);
        break;
    case SC_CALL:
        return run_call(f, t, st, o);
    case SC_PUBLISH:
        rc = wasp_test_publish(t, st->target, st->payload.data, st->payload.len);
        if (rc > 0) rc = WASP_OK;
        break;
    case SC_ADVANCE:
        rc = wasp_test_advance(t, st->ns);
        break;
    case SC_KILL:
        rc = wasp_test_kill(t, st->target);
        break;
    case SC_EXPECT: {
        bool ok = true;
        for (size_t i = 0; i < st->nexpects; i++) ok &= wasp__sc_check(f, t, &st->expects[i], o);
        return ok;
    }
    default:
        return false;
    }
    if (rc == want) return true;
    unexpected(o, f, t, st, want, rc);
    return false;
}

static int add_standin(wasp_test *t, const struct sc_standin *d) {
    wasp_test_standin *s = NULL;
    int rc = wasp_test_standin_add(t, d->name, &d->opts, &s);
    for (size_t i = 0; rc == WASP_OK && i < d->nanswers; i++)
        rc = wasp_test_standin_answer(s, d->answer_kinds[i], d->answers[i].data, d->answers[i].len);
    return rc;
}

static int add_standins(const struct sc_file *f, const struct sc_case *c, wasp_test *t,
                        const struct sc_standin **failed) {
    for (size_t i = 0; i < f->nstandins; i++) {
        bool replaced = false; /* a case's stand-in of the same name wins */
        for (size_t j = 0; j < c->nstandins && !replaced; j++)
            replaced = !strcmp(c->standins[j].name, f->standins[i].name);
        int rc = replaced ? WASP_OK : add_standin(t, &f->standins[i]);
        if (rc != WASP_OK) return *failed = &f->standins[i], rc;
    }
    for (size_t j = 0; j < c->nstandins; j++) {
        int rc = add_standin(t, &c->standins[j]);
        if (rc != WASP_OK) return *failed = &c->standins[j], rc;
    }
    return WASP_OK;
}

static int seed(const struct sc_case *c, wasp_test *t) {
    int rc = WASP_OK;
    for (size_t i = 0; i < c->nseeds && rc == WASP_OK; i++)
        rc = wasp__sc_kv_put(t, c->seeds[i].ns, &c->seeds[i].key, &c->seeds[i].value);
    return rc;
}

/* A store costs a file and a sync: only for a case that may use one - a
 * component granted storage, a whole system, seeds or `stored`. */
static bool uses_storage(const struct sc_case *c) {
    if (c->manifest || c->nseeds || (c->has_component && c->component.spec.storage.granted)) return true;
    for (size_t i = 0; i < c->nsteps; i++)
        for (size_t k = 0; k < c->steps[i].nexpects; k++)
            if (c->steps[i].expects[k].kind == SC_STORED) return true;
    return false;
}

bool wasp__sc_run_case(const struct sc_file *f, const struct sc_case *c, const wasp_test_run_options *o,
                 char **failure) {
    struct sc_out out = {0};
    wasp_test_config cfg = {.workers = f->workers, .cache_dir = o ? o->cache_dir : NULL,
                            .cache_max = o ? o->cache_max : 0,
                            .echo_log = o && o->echo_log, .no_store = !uses_storage(c)};
    wasp_test *t = NULL;
    const struct sc_standin *bad = NULL;
    char err[1024] = "";
    bool ok = false;
    int rc = wasp_test_create(&cfg, &t);
    if (rc != WASP_OK) {
        at(&out, f, c->at);
        wasp__sc_out_printf(&out, "cannot create the test system: %s\n", wasp_strerror(rc));
    } else if ((rc = seed(c, t)) != WASP_OK) {
        at(&out, f, c->at);
        wasp__sc_out_printf(&out, "cannot seed the storage: %s\n", wasp_strerror(rc));
    } else if ((rc = add_standins(f, c, t, &bad)) != WASP_OK) {
        at(&out, f, bad->at);
        wasp__sc_out_printf(&out, "cannot add stand-in %s: %s\n", bad->name, wasp_strerror(rc));
    } else if ((rc = c->manifest ? wasp_test_start_manifest(t, c->manifest, err, sizeof(err))
                                 : wasp_test_start_component(t, &c->component.spec, err, sizeof(err))) !=
               WASP_OK) {
        at(&out, f, c->at);
        wasp__sc_out_printf(&out, "cannot start what is under test: %s\n", err[0] ? err : wasp_strerror(rc));
    } else {
        ok = true;
        for (size_t i = 0; i < c->nsteps && ok; i++) ok = run_step(f, t, &c->steps[i], &out);
    }
    wasp_test_destroy(t);
    if (!ok && !out.buf) wasp__sc_out_printf(&out, "%s: the case failed\n", f->m->path);
    if (ok) free(out.buf);
    *failure = ok ? NULL : out.buf;
    return ok;
}

/* ---- files ------------------------------------------------------------------------ */

static bool selected(const char *filter, const char *name) {
    if (!filter || !*filter) return true;
    if (strpbrk(filter, "*?[")) return fnmatch(filter, name, 0) == 0;
    return strstr(name, filter) != NULL;
}

static uint64_t real_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Reads and parses; problems are reported. NULL manifest holder on ENOMEM. */
static int load(const char *path, const char *text, size_t len, bool skip_files,
                wasp_manifest_error_fn on_error, void *arg, struct sc_file *f) {
    memset(f, 0, sizeof(*f));
    f->m = wasp__mf_manifest_new(path);
    if (!f->m) return WASP_ENOMEM;
    f->errs.file = f->m->path;
    char *buf = NULL;
    int rc = WASP_OK;
    if (!text) {
        rc = wasp__mf_read_text_file(path, "scenario", &buf, &len, &f->errs);
        text = buf;
    }
    if (rc == WASP_OK) wasp__sc_parse(f, text, len, skip_files);
    free(buf);
    bool oom = f->m->arena.failed || f->errs.oom;
    if (rc == WASP_OK) rc = oom ? WASP_ENOMEM : f->errs.len ? WASP_EINVAL : WASP_OK;
    if (rc != WASP_OK) {
        f->errs.oom = oom;
        wasp__mf_errors_report(&f->errs, on_error, arg);
    }
    wasp__mf_errors_free(&f->errs);
    return rc;
}

int wasp_test_run_file(const char *path, const wasp_test_run_options *opts, unsigned *passed,
                       unsigned *failed) {
    if (!path) return WASP_EINVAL;
    struct sc_file f;
    int rc = load(path, NULL, 0, false, opts ? opts->on_error : NULL, opts ? opts->error_arg : NULL, &f);
    for (size_t i = 0; rc == WASP_OK && i < f.ncases; i++) {
        const struct sc_case *c = &f.cases[i];
        if (!selected(opts ? opts->filter : NULL, c->name)) continue;
        char *failure = NULL;
        uint64_t t0 = real_ns();
        bool ok = wasp__sc_run_case(&f, c, opts, &failure);
        wasp_test_case_result r = {.file = path, .name = c->name, .passed = ok,
                                   .failure = failure, .elapsed_ns = real_ns() - t0};
        if (opts && opts->on_case) opts->on_case(opts->arg, &r);
        if (ok && passed) ++*passed;
        if (!ok && failed) ++*failed;
        free(failure);
    }
    wasp_manifest_free(f.m);
    return rc;
}

int wasp_test_check_text(const char *text, size_t len, const char *filename,
                         wasp_manifest_error_fn on_error, void *error_arg) {
    if (!text) return WASP_EINVAL;
    struct sc_file f;
    int rc = load(filename ? filename : "<scenario>", text, len, true, on_error, error_arg, &f);
    wasp_manifest_free(f.m);
    return rc;
}
