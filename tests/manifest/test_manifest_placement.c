/* test_manifest_placement.c - `nodes` and `placement` (multi-node systems):
 * the problems the loader reports, the unit accessors, and starting and
 * stopping single units under a running root. */
#include "mf_helpers.h"

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

#define COMP(n, extra) "  - name: " n "\n    wasm: c.wasm\n" extra

struct pcase {
    const char *title;
    const char *yaml;
    const char *want; /* "LINE:COL: message" or NULL for a valid manifest */
};

static const struct pcase cases[] = {
    {"placement on a node", "name: s\ncomponents:\n" COMP("a", "    placement: {node: n1, failover: true}\n"), NULL},
    {"labels without nodes", "name: s\ncomponents:\n" COMP("a", "    placement: {labels: [gpu]}\n"),
     "5:16: 'a': placement.labels needs a `nodes` list that declares labels"},
    {"unknown node", "name: s\nnodes: [n1, n2]\ncomponents:\n" COMP("a", "    placement: {node: n3}\n"),
     "6:16: 'a': node 'n3' is not in `nodes`"},
    {"labels nobody has",
     "name: s\nnodes: [n1, {name: n2, labels: [ssd]}]\ncomponents:\n" COMP("a", "    placement: {labels: [gpu]}\n"),
     "6:16: 'a': no node in `nodes` has all of placement.labels"},
    {"bad node name", "name: s\nnodes: [\"n 1\"]\ncomponents:\n" COMP("a", ""),
     "2:9: invalid node name 'n 1' (1 to 64 letters, digits, '_' and '-')"},
    {"node twice", "name: s\nnodes: [n1, n1]\ncomponents:\n" COMP("a", ""), "2:13: node 'n1' is listed twice"},
    {"unknown placement key", "name: s\ncomponents:\n" COMP("a", "    placement: {host: n1}\n"),
     "5:17: unknown key 'host' in placement"},
    {"failover not a boolean", "name: s\ncomponents:\n" COMP("a", "    placement: {failover: 3}\n"),
     "5:27: expected true or false, found '3'"},
    {"placement below the root",
     "name: s\ncomponents:\n" COMP("a", "    placement: {node: n1}\n")
     "supervisor:\n  children:\n    - supervisor:\n        name: sub\n        children: [a]\n",
     "5:16: placement applies to the root supervisor's children only (this one runs wherever 'sub' runs)"},
    {"placement on the root", "name: s\ncomponents:\n" COMP("a", "") "supervisor:\n  placement: {node: n1}\n  children: [a]\n",
     "6:14: the root supervisor has no placement (place its children instead)"},
};

static void test_problems(void **state) {
    (void)state;
    char path[4096];
    snprintf(path, sizeof(path), "%s/m.yaml", dir);
    int failures = 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct mf_problems p = {0};
        wasp_manifest *m = NULL;
        int rc = mf_load_text(dir, cases[c].yaml, NULL, &p, &m);
        char want[8192] = "";
        if (cases[c].want) snprintf(want, sizeof(want), "%s:%s", path, cases[c].want);
        bool ok = cases[c].want ? rc == WASP_EINVAL && p.n == 1 && !strcmp(p.v[0], want)
                                : rc == WASP_OK && p.n == 0;
        if (!ok) {
            failures++;
            fprintf(stderr, "case '%s': rc %d\n", cases[c].title, rc);
            for (size_t i = 0; i < p.n; i++) fprintf(stderr, "  got:  %s\n", p.v[i]);
            fprintf(stderr, "  want: %s\n", cases[c].want ? want : "(valid)");
        }
        wasp_manifest_free(m);
        mf_problems_free(&p);
    }
    assert_int_equal(failures, 0);
}

static const char *tree =
    "name: s\n"
    "nodes:\n"
    "  - n1\n"
    "  - {name: n2, labels: [gpu, ssd]}\n"
    "components:\n" COMP("a", "    instances: 2\n    placement: {node: n1}\n")
    COMP("b", "") COMP("c", "")
    "supervisor:\n"
    "  children:\n"
    "    - a\n"
    "    - supervisor:\n"
    "        name: pay\n"
    "        placement: {labels: [gpu], failover: true}\n"
    "        children: [b, c]\n";

static void test_units(void **state) {
    (void)state;
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    assert_int_equal(mf_load_text(dir, tree, NULL, &p, &m), WASP_OK);
    assert_int_equal(wasp_manifest_node_count(m), 2);
    const wasp_manifest_node *n2 = wasp_manifest_node_get(m, 1);
    assert_string_equal(n2->name, "n2");
    assert_int_equal(n2->nlabels, 2);
    assert_string_equal(n2->labels[1], "ssd");
    assert_null(wasp_manifest_node_get(m, 2));
    assert_int_equal(wasp_manifest_unit_count(m), 2);
    wasp_manifest_unit u;
    assert_int_equal(wasp_manifest_unit_get(m, 0, &u), WASP_OK);
    assert_string_equal(u.name, "a");
    assert_int_equal(u.component, 0);
    assert_int_equal(u.supervisor, -1);
    assert_true(u.placed);
    assert_string_equal(u.node, "n1");
    assert_false(u.failover);
    assert_int_equal(wasp_manifest_unit_get(m, 1, &u), WASP_OK);
    assert_string_equal(u.name, "pay");
    assert_true(u.supervisor > 0);
    assert_null(u.node);
    assert_int_equal(u.nlabels, 1);
    assert_string_equal(u.labels[0], "gpu");
    assert_true(u.failover);
    size_t comps[4];
    assert_int_equal(wasp_manifest_unit_components(m, 1, comps, 4), 2);
    assert_int_equal(comps[0], 1);
    assert_int_equal(comps[1], 2);
    assert_int_equal(wasp_manifest_unit_get(m, 2, &u), WASP_ENOENT);
    wasp_manifest_free(m);
}

static void test_start_units(void **state) {
    (void)state;
    wasp_system *sys = NULL;
    wasp_system_config cfg = {.workers = 1};
    assert_int_equal(wasp_system_create(&cfg, &sys), WASP_OK);
    wasp_wasm *w = NULL;
    assert_int_equal(wasp_wasm_create(sys, NULL, &w), WASP_OK);
    struct mf_problems p = {0};
    wasp_manifest *m = NULL;
    assert_int_equal(mf_load_text(dir, tree, w, &p, &m), WASP_OK);
    assert_int_equal(wasp_system_start(sys), WASP_OK);
    bool start[2] = {false, true};
    wasp_supervisor *root = NULL;
    char err[256];
    assert_int_equal(wasp_manifest_start_units(m, sys, start, NULL, NULL, &root, err, sizeof(err)),
                     WASP_OK);
    wasp_aid id;
    assert_int_equal(wasp_lookup(sys, "a.0", &id), WASP_ENOENT);
    assert_int_equal(wasp_lookup(sys, "b", &id), WASP_OK);
    assert_int_equal(wasp_manifest_unit_start(m, root, 0, err, sizeof(err)), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "a.1", &id), WASP_OK);
    assert_int_equal(wasp_pool_size(sys, "a"), 2);
    assert_int_equal(wasp_manifest_unit_start(m, root, 0, err, sizeof(err)), WASP_EEXIST);
    assert_int_equal(wasp_manifest_unit_stop(m, root, 1), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "b", &id), WASP_ENOENT);
    assert_int_equal(wasp_lookup(sys, "pay", &id), WASP_ENOENT);
    assert_int_equal(wasp_manifest_unit_start(m, root, 1, err, sizeof(err)), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "c", &id), WASP_OK);
    assert_int_equal(wasp_manifest_unit_stop(m, root, 0), WASP_OK);
    assert_int_equal(wasp_lookup(sys, "a.0", &id), WASP_ENOENT);
    wasp_system_stop(sys);
    wasp_supervisor_destroy(root);
    wasp_manifest_free(m);
    wasp_wasm_destroy(w);
    wasp_system_destroy(sys);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_problems),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_start_units),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
