/* test_manifest_errors.c - a table of broken manifests, each with the exact
 * problems (LINE:COL: message) the loader must report, in order. */
#include "mf_helpers.h"

#define HEAD "name: s\ncomponents:\n  - name: a\n    wasm: c.wasm\n"

struct mcase {
    const char *title;
    const char *yaml;
    const char *want[8]; /* "LINE:COL: message"; {DIR} is the manifest's directory */
    bool prefix;         /* compare want[i] as a prefix (libfyaml's own wording) */
};

static const struct mcase cases[] = {
    {"valid", HEAD, {NULL}, false},
    {"unknown top-level key", HEAD "colour: red\n",
     {"5:1: unknown key 'colour' in the manifest"}, false},
    {"unknown component key", HEAD "    instance: 2\n",
     {"5:5: unknown key 'instance' in component 'a'"}, false},
    {"top level not a mapping", "- a\n", {"1:1: the manifest must be a mapping, found a list"}, false},
    {"empty file", "", {"1:1: the manifest is empty (it needs at least 'name' and 'components')"}, false},
    {"missing name", "components:\n  - name: a\n    wasm: c.wasm\n",
     {"1:1: missing required key 'name'"}, false},
    {"missing components", "name: s\n", {"1:1: missing required key 'components'"}, false},
    {"empty components", "name: s\ncomponents: []\n", {"2:13: at least one component is required"}, false},
    {"components not a list", "name: s\ncomponents: {a: 1}\n", {"2:13: components must be a list"}, false},
    {"duplicate key", "name: s\nname: t\n",
     {"1:1: missing required key 'components'", "2:1: duplicate key 'name' in the manifest"}, false},
    {"workers zero", "name: s\nworkers: 0\ncomponents:\n  - name: a\n    wasm: c.wasm\n",
     {"2:10: workers must be at least 1"}, false},
    {"component missing wasm", "name: s\ncomponents:\n  - name: a\n",
     {"3:5: missing required key 'wasm'"}, false},
    {"component missing name", "name: s\ncomponents:\n  - wasm: c.wasm\n",
     {"3:5: missing required key 'name'"}, false},
    {"invalid component name", "name: s\ncomponents:\n  - name: \"a.b\"\n    wasm: c.wasm\n",
     {"3:11: invalid component name 'a.b' (use letters, digits, '_' and '-')"}, false},
    {"reserved component name", "name: s\ncomponents:\n  - name: wasp\n    wasm: c.wasm\n",
     {"3:11: the name 'wasp' is reserved for the runtime"}, false},
    {"reserved supervisor name", HEAD "supervisor: {name: wasp, children: [a]}\n",
     {"5:20: the name 'wasp' is reserved for the runtime"}, false},
    {"control characters in a name are escaped",
     "name: s\ncomponents:\n  - name: \"x\\nerror wasp: forged\"\n    wasm: c.wasm\n",
     {"3:11: invalid component name 'x\\x0aerror wasp: forged' (use letters, digits, '_' and '-')"}, false},
    {"control characters in the system name", "name: \"a\\x1b[2Jb\"\ncomponents:\n  - name: a\n    wasm: c.wasm\n",
     {"1:7: the system name must be 1 to 200 printable characters"}, false},
    {"quota limits", HEAD "    limits: {timers: 0, subscriptions: 100000000}\n",
     {"5:22: limits.timers must be at least 1", "5:40: limits.subscriptions must be at most 10000000"}, false},
    {"file limits", HEAD "    limits: {files: 0}\n", {"5:21: limits.files must be at least 1"}, false},
    {"file limits too high", HEAD "    limits: {files: 70000}\n", {"5:21: limits.files must be at most 65536"}, false},
    {"duplicate component",
     "name: s\ncomponents:\n  - {name: a, wasm: c.wasm}\n  - {name: a, wasm: c.wasm}\n",
     {"4:12: component 'a' is defined twice (first at 3:12)"}, false},
    {"missing wasm file", "name: s\ncomponents:\n  - name: a\n    wasm: nope.wasm\n",
     {"4:11: a: cannot open wasm file '{DIR}/nope.wasm': No such file or directory"}, false},
    {"instances zero", HEAD "    instances: 0\n", {"5:16: instances must be at least 1"}, false},
    {"instances not a number", HEAD "    instances: two\n", {"5:16: instances must be an integer"}, false},
    {"mailbox zero", HEAD "    mailbox: 0\n", {"5:14: mailbox must be at least 1"}, false},
    {"bad restart", HEAD "    restart: sometimes\n",
     {"5:14: invalid restart 'sometimes' (permanent, transient or temporary)"}, false},
    {"subscribe not permitted", HEAD "    subscribe: [orders.new]\n",
     {"5:17: subscription 'orders.new' is not permitted by permissions.subscribe"}, false},
    {"subscribe covered",
     HEAD "    subscribe: [orders.new, \"orders.*\"]\n    permissions: {subscribe: [\"orders.>\"]}\n",
     {NULL}, false},
    {"subscribe not covered by a narrower permission",
     HEAD "    subscribe: [\"orders.>\"]\n    permissions: {subscribe: [\"orders.*\"]}\n",
     {"5:17: subscription 'orders.>' is not permitted by permissions.subscribe"}, false},
    {"subscribe invalid pattern", HEAD "    subscribe: [\"a..b\"]\n",
     {"5:17: invalid topic pattern 'a..b'"}, false},
    {"subscribe not a list", HEAD "    subscribe: orders.new\n", {"5:16: subscribe must be a list"}, false},
    {"publish invalid pattern", HEAD "    permissions:\n      publish: [\"a.>.b\"]\n",
     {"6:17: invalid topic pattern 'a.>.b'"}, false},
    {"storage granted", HEAD "    storage: {quota: 1MiB, durability: none}\n", {NULL}, false},
    {"storage with defaults", HEAD "    storage: {}\n", {NULL}, false},
    {"storage bad durability", HEAD "    storage: {durability: sometimes}\n",
     {"5:27: invalid storage.durability 'sometimes' (none or commit)"}, false},
    {"storage bad quota", HEAD "    storage: {quota: lots}\n", {"5:22: storage.quota 'lots' is not a size (bytes, or a number with KiB, MiB or GiB)"}, false},
    {"storage zero quota", HEAD "    storage: {quota: 0}\n", {"5:22: storage.quota must be greater than 0"}, false},
    {"storage unknown key", HEAD "    storage: {size: 1}\n", {"5:15: unknown key 'size' in storage"}, false},
    {"storage not a mapping", HEAD "    storage: yes\n", {"5:14: storage must be a mapping, found a scalar"}, false},
    {"duration without unit", HEAD "    stop_timeout: 10\n",
     {"5:19: stop_timeout '10' is not a duration (a number with a unit: us, ms, s, m)"}, false},
    {"zero duration", HEAD "    stop_timeout: 0ms\n", {"5:19: stop_timeout must be greater than 0"}, false},
    {"negative duration", HEAD "    stop_timeout: -5ms\n", {"5:19: stop_timeout must be greater than 0"}, false},
    {"memory above 4GiB", HEAD "    limits:\n      memory: 5GiB\n",
     {"6:15: limits.memory must not exceed 4GiB"}, false},
    {"memory of exactly 4GiB", HEAD "    limits:\n      memory: 4GiB\n", {NULL}, false},
    {"bad size", HEAD "    limits:\n      memory: 12XB\n",
     {"6:15: limits.memory '12XB' is not a size (bytes, or a number with KiB, MiB or GiB)"}, false},
    {"zero max_handle_time", HEAD "    limits:\n      max_handle_time: 0s\n",
     {"6:24: limits.max_handle_time must be greater than 0"}, false},
    {"negative fuel", HEAD "    limits:\n      fuel: -1\n", {"6:13: limits.fuel must be at least 0"}, false},
    {"limits not a mapping", HEAD "    limits: 5\n", {"5:13: limits must be a mapping, found a scalar"}, false},
    {"unknown limits key", HEAD "    limits:\n      cpu: 1\n", {"6:7: unknown key 'cpu' in limits"}, false},
    {"health without interval", HEAD "    health:\n      timeout: 10ms\n",
     {"6:7: missing required key 'interval'"}, false},
    {"unhealthy_after zero", HEAD "    health:\n      interval: 1s\n      unhealthy_after: 0\n",
     {"7:24: health.unhealthy_after must be at least 1"}, false},
    {"bad wasi dir mode",
     HEAD "    permissions:\n      wasi:\n        dirs:\n          - {host: ., guest: /d, mode: rx}\n",
     {"8:40: invalid mode 'rx' (ro or rw)"}, false},
    {"wasi dir without guest", HEAD "    permissions:\n      wasi:\n        dirs:\n          - {host: .}\n",
     {"8:13: missing required key 'guest'"}, false},
    {"unknown wasi key", HEAD "    permissions:\n      wasi:\n        stdin: true\n",
     {"7:9: unknown key 'stdin' in permissions.wasi"}, false},
    {"stdio not a boolean", HEAD "    permissions:\n      wasi:\n        stdio: yes\n",
     {"7:16: expected true or false, found 'yes'"}, false},
    {"env not a mapping", HEAD "    permissions:\n      wasi:\n        env: [A]\n",
     {"7:14: permissions.wasi.env must be a mapping of names to values"}, false},
    {"missing WASI directory",
     HEAD "    permissions:\n      wasi:\n        dirs:\n          - {host: nodir, guest: /d}\n",
     {"8:20: a: cannot open directory '{DIR}/nodir': No such file or directory"}, false},
    {"bad strategy", HEAD "supervisor:\n  strategy: best\n",
     {"6:13: invalid strategy 'best' (one_for_one, one_for_all or rest_for_one)"}, false},
    {"negative intensity", HEAD "supervisor:\n  intensity: -1\n", {"6:14: intensity must be at least 0"}, false},
    {"zero period", HEAD "supervisor:\n  period: 0s\n", {"6:11: period must be greater than 0"}, false},
    {"jitter above 1", HEAD "supervisor:\n  backoff: {jitter: 1.5}\n",
     {"6:21: backoff.jitter must be between 0 and 1"}, false},
    {"multiplier below 1", HEAD "supervisor:\n  backoff: {multiplier: 0.5}\n",
     {"6:25: backoff.multiplier must be at least 1"}, false},
    {"multiplier not a number", HEAD "supervisor:\n  backoff: {multiplier: fast}\n",
     {"6:25: backoff.multiplier must be a number"}, false},
    {"backoff max below initial", HEAD "supervisor:\n  backoff: {initial: 1s, max: 10ms}\n",
     {"6:31: backoff.max must not be smaller than backoff.initial"}, false},
    {"supervised twice", HEAD "supervisor:\n  children: [a, a]\n",
     {"6:17: component 'a' is supervised twice (first at 6:14)"}, false},
    {"not supervised", HEAD "  - name: b\n    wasm: c.wasm\nsupervisor:\n  children: [a]\n",
     {"5:11: component 'b' is not supervised (list it in supervisor.children)"}, false},
    {"unknown child", HEAD "supervisor:\n  children: [a, zz]\n", {"6:17: unknown component 'zz'"}, false},
    {"supervised twice across levels",
     HEAD "supervisor:\n  children:\n    - a\n    - supervisor:\n        name: inner\n        children: [a]\n",
     {"10:20: component 'a' is supervised twice (first at 7:7)"}, false},
    {"nested supervisor without name",
     HEAD "supervisor:\n  children:\n    - a\n    - supervisor:\n        children: []\n",
     {"9:9: missing required key 'name'"}, false},
    {"supervisor named like a component", HEAD "supervisor:\n  name: a\n",
     {"6:9: supervisor name 'a' is also a component's name"}, false},
    {"component named root", "name: s\ncomponents:\n  - name: root\n    wasm: c.wasm\n",
     {"3:11: component name 'root' is taken by the root supervisor (name it with supervisor.name)"}, false},
    {"child of the wrong shape", HEAD "supervisor:\n  children: [{a: 1}]\n",
     {"3:11: component 'a' is not supervised (list it in supervisor.children)",
      "6:14: a child must be a component name or a mapping {supervisor: ...}"},
     false},
    {"two documents", "name: s\n---\nname: t\n", {"2:1: only one YAML document is allowed"}, false},
    {"syntax error", "name: s\ncomponents: [\n", {"3:1: YAML syntax error: "}, true},
    {"many problems at once",
     "name: s\n"                                   /* 1 */
     "workerz: 2\n"                                /* 2 */
     "components:\n"                               /* 3 */
     "  - name: a\n"                               /* 4 */
     "    wasm: c.wasm\n"                          /* 5 */
     "    instances: 0\n"                          /* 6 */
     "    limits: {memory: 5GiB, timeslice: 0ms}\n" /* 7 */
     "  - name: b\n"                               /* 8 */
     "    wasm: c.wasm\n"                          /* 9 */
     "    restart: never\n"                        /* 10 */
     "supervisor:\n"                               /* 11 */
     "  children: [a, c]\n",                       /* 12 */
     {"2:1: unknown key 'workerz' in the manifest", "6:16: instances must be at least 1",
      "7:22: limits.memory must not exceed 4GiB", "7:39: limits.timeslice must be greater than 0",
      "8:11: component 'b' is not supervised (list it in supervisor.children)",
      "10:14: invalid restart 'never' (permanent, transient or temporary)",
      "12:17: unknown component 'c'"},
     false},
};

static char *dir;

static int setup(void **state) {
    (void)state;
    dir = tu_tempdir();
    tu_copy_fixture(dir, "cli_worker.wasm", "c.wasm");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void expand_dir(const char *in, char *out, size_t cap) {
    const char *p = strstr(in, "{DIR}");
    if (!p) snprintf(out, cap, "%s", in);
    else snprintf(out, cap, "%.*s%s%s", (int)(p - in), in, dir, p + 5);
}

static void test_table(void **state) {
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/m.yaml", dir);
    int failures = 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const struct mcase *tc = &cases[c];
        struct mf_problems p = {0};
        wasp_manifest *m = NULL;
        int rc = mf_load_text(dir, tc->yaml, NULL, &p, &m);
        size_t nwant = 0;
        while (nwant < 8 && tc->want[nwant]) nwant++;
        bool ok = (nwant == 0) == (rc == WASP_OK) && p.n == nwant && (m != NULL) == (rc == WASP_OK);
        for (size_t i = 0; ok && i < nwant; i++) {
            char want[4096], full[8192];
            expand_dir(tc->want[i], want, sizeof(want));
            snprintf(full, sizeof(full), "%s:%s", path, want);
            ok = tc->prefix ? !strncmp(p.v[i], full, strlen(full)) : !strcmp(p.v[i], full);
        }
        if (!ok) {
            failures++;
            fprintf(stderr, "case '%s': rc %d, got %zu problem(s):\n", tc->title, rc, p.n);
            for (size_t i = 0; i < p.n; i++) fprintf(stderr, "  got:  %s\n", p.v[i]);
            for (size_t i = 0; i < nwant; i++) fprintf(stderr, "  want: %s\n", tc->want[i]);
        }
        if (rc != WASP_OK) assert_int_equal(rc, WASP_EINVAL);
        wasp_manifest_free(m);
        mf_problems_free(&p);
    }
    assert_int_equal(failures, 0);
}

/* A file that cannot be read is WASP_EIO with one problem naming it. */
static void test_unreadable(void **state) {
    (void)state;
    struct mf_problems p = {0};
    wasp_manifest *m = (wasp_manifest *)1;
    char path[4096];
    snprintf(path, sizeof(path), "%s/absent.yaml", dir);
    wasp_manifest_options o = {.on_error = mf_collect, .error_arg = &p};
    assert_int_equal(wasp_manifest_load(path, &o, &m), WASP_EIO);
    assert_null(m);
    assert_int_equal(p.n, 1);
    char want[4200];
    snprintf(want, sizeof(want), "%s: cannot read the manifest: No such file or directory", path);
    assert_string_equal(p.v[0], want);
    mf_problems_free(&p);
}

/* A module that breaks the ABI is a problem at its `wasm` key naming the component. */
static void test_abi_violation(void **state) {
    (void)state;
    wasp_system *sys;
    wasp_wasm *w;
    assert_int_equal(wasp_system_create(NULL, &sys), WASP_OK);
    assert_int_equal(wasp_wasm_create(sys, NULL, &w), WASP_OK);
    tu_copy_fixture(dir, "abi_foreign_import.wasm", "foreign.wasm");
    tu_write_file(dir, "junk.wasm", "this is not wasm");
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    int rc = mf_load_text(dir,
                          "name: s\ncomponents:\n"
                          "  - name: good\n    wasm: c.wasm\n"
                          "  - name: bad\n    wasm: foreign.wasm\n"
                          "  - name: junk\n    wasm: junk.wasm\n"
                          "    instances: 0\n"
                          "  - name: junk2\n    wasm: junk.wasm\n",
                          w, &p, &m);
    assert_int_equal(rc, WASP_EINVAL);
    assert_null(m);
    assert_int_equal(p.n, 3);
    char want[4200];
    snprintf(want, sizeof(want), "%s/m.yaml:6:11: bad: ", dir);
    assert_true(!strncmp(p.v[0], want, strlen(want)));
    assert_non_null(strstr(p.v[0], "env.foo"));
    snprintf(want, sizeof(want), "%s/m.yaml:9:16: instances must be at least 1", dir);
    assert_string_equal(p.v[1], want);
    snprintf(want, sizeof(want), "%s/m.yaml:11:11: junk2: ", dir);
    assert_true(!strncmp(p.v[2], want, strlen(want)));
    mf_problems_free(&p);
    wasp_wasm_destroy(w);
    wasp_system_destroy(sys);
}

/* wasp_manifest_check: ok, then the same problems as a load with a wasm layer. */
static void test_check(void **state) {
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/m.yaml", dir);
    tu_write_file(dir, "m.yaml", HEAD);
    struct mf_problems p = {0};
    assert_int_equal(wasp_manifest_check(path, mf_collect, &p), WASP_OK);
    assert_int_equal(p.n, 0);
    tu_copy_fixture(dir, "abi_bad_handle_sig.wasm", "sig.wasm");
    tu_write_file(dir, "m.yaml", "name: s\ncomponents:\n  - name: a\n    wasm: sig.wasm\n");
    assert_int_equal(wasp_manifest_check(path, mf_collect, &p), WASP_EINVAL);
    assert_int_equal(p.n, 1);
    char want[4200];
    snprintf(want, sizeof(want), "%s:4:11: a: ", path);
    assert_true(!strncmp(p.v[0], want, strlen(want)));
    mf_problems_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_abi_violation),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
