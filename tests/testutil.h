/* testutil.h - shared helpers for wasp's cmocka tests. */
#ifndef WASP_TESTUTIL_H
#define WASP_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <cmocka.h>

#include "wasp.h"

/* Read a whole file (NUL-terminated past its end, for text); returns NULL
 * on error. Free with free(). */
uint8_t *tu_read_file(const char *path, size_t *len);

/* Write text to dir/name, or copy a compiled fixture to dir/as; failing
 * the test on error. */
void tu_write_file(const char *dir, const char *name, const char *text);
void tu_copy_fixture(const char *dir, const char *fixture, const char *as);
/* Copies the file src to dir/as, failing the test on error. */
void tu_copy_file(const char *src, const char *dir, const char *as);

/* Path of a compiled fixture: WASP_FIXTURES "/" name (static buffer). */
const char *tu_fixture(const char *name);

/* Read a compiled fixture (.wasm), failing the test if it is missing. */
uint8_t *tu_fixture_bytes(const char *name, size_t *len);

/* A fresh empty temporary directory (mkdtemp); remove it with tu_rmtree. */
char *tu_tempdir(void);
void tu_rmtree(const char *path);

/* Wasmtime turns guest faults into traps with its own SIGSEGV, SIGILL,
 * SIGFPE and SIGBUS handlers; cmocka replaces those handlers around every
 * test. tu_signals_save() records the current handlers (call it in main()
 * after creating a first engine); tu_signals_restore() puts them back (call
 * it first thing in a test that makes a guest fault). */
void tu_signals_save(void);
void tu_signals_restore(void);

/* Child processes a test starts must not outlive it, even when it fails:
 * tu_track() each, tu_kill_tracked() in the teardown (SIGKILL to those still
 * running and not yet reaped by the test; the list is emptied). */
void tu_track(int pid);
void tu_kill_tracked(void);

/* Sleep for ms milliseconds. */
void tu_sleep_ms(unsigned ms);

/* Poll cond every millisecond for up to timeout_ms; true if it became true. */
#define TU_WAIT_UNTIL(cond, timeout_ms)                                          \
    ({                                                                           \
        bool tu_ok_ = false;                                                     \
        for (unsigned tu_i_ = 0; tu_i_ <= (timeout_ms); tu_i_++) {               \
            if (cond) { tu_ok_ = true; break; }                                  \
            tu_sleep_ms(1);                                                      \
        }                                                                        \
        tu_ok_;                                                                  \
    })

#endif
