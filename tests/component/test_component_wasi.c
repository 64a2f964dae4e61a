/* Component actors: WASI preview 1 exactly as granted - environment,
 * read-only and read-write directories, nothing outside them - using the
 * C component tests/guest/wasi_files.c (built with wasi-libc). */
#include <sys/stat.h>
#include <unistd.h>

#include "comp_helpers.h"

static char *g_dir;
static struct world g_w;

static int setup(void **state) {
    (void)state;
    g_dir = tu_tempdir();
    char ro[4200], rw[4200];
    snprintf(ro, sizeof(ro), "%s/ro", g_dir);
    snprintf(rw, sizeof(rw), "%s/rw", g_dir);
    assert_int_equal(mkdir(ro, 0700), 0);
    assert_int_equal(mkdir(rw, 0700), 0);
    tu_write_file(ro, "a.txt", "from the host");

    g_w = world_new(2);
    static wasp_env_var env[] = {{"GREETING", "bonjour"}};
    static wasp_wasi_dir dirs[2];
    dirs[0] = (wasp_wasi_dir){strdup(ro), "/ro", false};
    dirs[1] = (wasp_wasi_dir){strdup(rw), "/rw", true};
    wasp_component_spec s = {.name = "files", .wasm_path = WASP_GUESTS "/wasi_files.wasm"};
    s.permissions.wasi = true;
    s.permissions.wasi_env = env;
    s.permissions.nwasi_env = 1;
    s.permissions.wasi_dirs = dirs;
    s.permissions.nwasi_dirs = 2;
    comp_spawn(&g_w, &s); /* the spec is copied: the strings may go */
    free((char *)dirs[0].host);
    free((char *)dirs[1].host);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    world_free(&g_w);
    tu_rmtree(g_dir);
    free(g_dir);
    return 0;
}

static const char *ask(const char *cmd) {
    static char out[256];
    assert_int_equal(comp_ask(&g_w, "files", cmd, out, sizeof(out)), WASP_OK);
    return out;
}

static void environment_is_granted_only(void **state) {
    (void)state;
    assert_string_equal(ask("env GREETING"), "bonjour");
    assert_string_equal(ask("env HOME"), "unset"); /* the host's own is not passed */
}

static void read_only_directory(void **state) {
    (void)state;
    assert_string_equal(ask("read /ro/a.txt"), "from the host");
    assert_string_equal(ask("write /ro/b.txt nope"), "error");
    char path[4200];
    snprintf(path, sizeof(path), "%s/ro/b.txt", g_dir);
    assert_int_not_equal(access(path, F_OK), 0);
}

static void read_write_directory(void **state) {
    (void)state;
    assert_string_equal(ask("write /rw/c.txt written by the guest"), "ok");
    char path[4200];
    snprintf(path, sizeof(path), "%s/rw/c.txt", g_dir);
    size_t len;
    char *text = (char *)tu_read_file(path, &len);
    assert_non_null(text);
    assert_string_equal(text, "written by the guest");
    free(text);
    assert_string_equal(ask("read /rw/c.txt"), "written by the guest");
}

static void nothing_outside_the_grant(void **state) {
    (void)state;
    assert_string_equal(ask("read /etc/passwd"), "error");
    assert_string_equal(ask("read /ro/../../etc/passwd"), "error");
    assert_string_equal(ask("write /tmp/escape.txt x"), "error");
}

int main(void) {
    comp_signals_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(environment_is_granted_only),
        cmocka_unit_test(read_only_directory),
        cmocka_unit_test(read_write_directory),
        cmocka_unit_test(nothing_outside_the_grant),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
