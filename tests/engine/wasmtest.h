/* wasmtest.h - helpers for engine-layer tests: an engine, a loaded fixture,
 * an instance of it. Each fails the test on error, printing the message. */
#ifndef WASP_WASMTEST_H
#define WASP_WASMTEST_H

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "engine/engine.h"

static inline struct wasp_engine *wt_engine(bool fuel, const char *cache_dir) {
    struct wasp_engine_config cfg;
    wasp__engine_config_init(&cfg);
    cfg.fuel = fuel;
    cfg.cache_dir = cache_dir;
    struct wasp_engine *e = NULL;
    struct wasp_error err = {0};
    if (wasp__engine_new(&cfg, &e, &err) != WASP_OK) fail_msg("engine: %s", err.msg);
    return e;
}

static inline struct wasp_module *wt_module(struct wasp_engine *e, const char *fixture) {
    size_t len;
    uint8_t *bytes = tu_fixture_bytes(fixture, &len);
    struct wasp_module *m = NULL;
    struct wasp_error err = {0};
    int rc = wasp__module_load(e, bytes, len, &m, &err);
    free(bytes);
    if (rc != WASP_OK) fail_msg("load %s: %s", fixture, err.msg);
    return m;
}

static inline struct wasp_instance *wt_instance(struct wasp_module *m, const struct wasp_instance_limits *lim) {
    struct wasp_instance *inst = NULL;
    struct wasp_error err = {0};
    if (wasp__instance_new(m, lim, NULL, NULL, &inst, &err) != WASP_OK) fail_msg("instantiate: %s", err.msg);
    return inst;
}

/* For main(): create a throwaway engine so Wasmtime installs its trap
 * handlers, and record them for tu_signals_restore(). */
static inline void wt_signals_init(void) {
    struct wasp_engine *e = NULL;
    struct wasp_error err = {0};
    if (wasp__engine_new(NULL, &e, &err) == WASP_OK) wasp__engine_free(e);
    tu_signals_save();
}

/* Calls an export taking and returning only i32s (nargs <= 4, 0 or 1 result). */
static inline int wt_call_i32(struct wasp_instance *inst, const char *name, const char *sig, const int32_t *args,
                              size_t nargs, int32_t *result, struct wasp_error *err) {
    wasmtime_val_t a[4], r[1];
    for (size_t i = 0; i < nargs; i++) a[i] = (wasmtime_val_t){.kind = WASMTIME_I32, .of.i32 = args[i]};
    size_t nres = sig[strlen(sig) - 1] == ':' ? 0 : 1;
    int rc = wasp__instance_call_export(inst, name, sig, a, nargs, r, nres, err);
    if (rc == WASP_OK && nres && result) *result = r[0].of.i32;
    return rc;
}

#endif
