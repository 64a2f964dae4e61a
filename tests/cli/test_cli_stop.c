/* test_cli_stop.c - `wasp run` honours SIGTERM in every phase, whatever its
 * components do: a `_start` that never returns, and a guest sleeping in
 * WASI on the only worker while another component keeps answering. */
#include "cli_helpers.h"

static int setup(void **state) {
    (void)state;
    dir = tu_tempdir();
    tu_copy_fixture(dir, "spin_start.wasm", "spin.wasm");
    tu_copy_fixture(dir, "trust_guest.wasm", "sleeper.wasm");
    tu_copy_fixture(dir, "cli_worker.wasm", "w.wasm");
    tu_write_file(dir, "spin.yaml",
                  "name: spin\nworkers: 1\ncomponents:\n  - name: s\n    wasm: spin.wasm\n"
                  "    limits: {max_handle_time: 60m}\n");
    tu_write_file(dir, "sleep.yaml",
                  "name: sleepy\nworkers: 1\ncomponents:\n"
                  "  - name: sleeper\n    wasm: sleeper.wasm\n    limits: {max_handle_time: 60m}\n"
                  "    permissions: {wasi: true}\n"
                  "  - name: w\n    wasm: w.wasm\n");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* The component never finishes starting: SIGTERM still ends the process
 * (it would otherwise run _start for an hour). */
static void test_sigterm_during_start(void **state) {
    (void)state;
    struct proc p;
    start(&p, (const char *[]){"run", "spin.yaml", NULL});
    /* Once wasp handles SIGTERM (before that the signal's default action
     * would end it, under ASan on a loaded machine possibly 500 ms after the
     * start), give it a moment to be into _start or still loading: SIGTERM
     * must work in both. */
    assert_true(TU_WAIT_UNTIL(catches_signal(p.pid, SIGTERM), 30000));
    tu_sleep_ms(300);
    kill(p.pid, SIGTERM);
    int rc = finish(&p, 30000);
    assert_int_not_equal(rc, -1000); /* it exited */
    assert_int_equal(rc, 0);
}

/* A guest asleep in poll_oneoff (here: for ~24 days) holds no worker: with
 * one worker the other component runs and the system stops gracefully. */
static void test_sigterm_while_a_guest_sleeps(void **state) {
    (void)state;
    struct proc p;
    start(&p, (const char *[]){"run", "sleep.yaml", "--send", "sleeper=S~~~~", "--send", "w=after", "--log-level",
                               "debug", NULL});
    assert_true(TU_WAIT_UNTIL(file_contains(p.err, "system sleepy started"), 20000));
    tu_sleep_ms(200);
    kill(p.pid, SIGTERM);
    int rc = finish(&p, 30000);
    char *err = slurp(p.err);
    if (rc != 0) fprintf(stderr, "%s", err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(err, "system sleepy stopped")); /* graceful, not cut short */
    assert_null(strstr(err, "taking too long"));
    free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigterm_during_start),
        cmocka_unit_test(test_sigterm_while_a_guest_sleeps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
