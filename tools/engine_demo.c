/* engine_demo.c - `make run` until the showcase system exists: drives the
 * engine layer end to end on a real module and prints what happens.
 *
 * usage: wasp-engine-demo [MODULE.wasm]   (default: the engine test fixture)
 */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "engine/engine.h"

#ifndef WASP_DEMO_MODULE
#define WASP_DEMO_MODULE "tests/fixtures/engine_basic.wasm"
#endif

static double ms_since(uint64_t t0) { return (double)(wasp_clock_ns() - t0) / 1e6; }

static int call_i32(struct wasp_instance *inst, const char *name, const char *sig, int32_t a, int32_t b,
                    int32_t *r, struct wasp_error *err) {
    wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = a}, {.kind = WASMTIME_I32, .of.i32 = b}}, res;
    size_t nargs = strchr(sig, ':') - sig;
    size_t nres = sig[strlen(sig) - 1] == ':' ? 0 : 1;
    int rc = wasp__instance_call_export(inst, name, sig, args, nargs, &res, nres, err);
    if (rc == WASP_OK && nres) *r = res.of.i32;
    return rc;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : WASP_DEMO_MODULE;
    struct wasp_error err = {0};
    struct wasp_engine_config cfg;
    wasp__engine_config_init(&cfg);
    cfg.fuel = true;
    struct wasp_engine *e;
    if (wasp__engine_new(&cfg, &e, &err) != WASP_OK) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 1;
    }
    printf("wasp %s on Wasmtime %s: engine demo\n", wasp_version(), WASMTIME_VERSION);

    uint64_t t0 = wasp_clock_ns();
    struct wasp_module *m;
    if (wasp__module_load_file(e, path, &m, &err) != WASP_OK) {
        fprintf(stderr, "load: %s\n", err.msg);
        wasp__engine_free(e);
        return 1;
    }
    const struct wasp_abi_info *abi = wasp__module_abi(m);
    printf("  loaded %s in %.2f ms (receives messages: %s, _start: %s, _health: %s)\n", path, ms_since(t0),
           abi->receives ? "yes" : "no", abi->has_start ? "yes" : "no", abi->has_health ? "yes" : "no");

    struct wasp_instance_limits lim = {.memory_bytes = 4 << 16, .timeslice_ns = 2000000, .max_call_ns = 100000000,
                                       .fuel = 0};
    struct wasp_instance *inst;
    t0 = wasp_clock_ns();
    if (wasp__instance_new(m, &lim, NULL, NULL, &inst, &err) != WASP_OK) {
        fprintf(stderr, "instantiate: %s\n", err.msg);
        return 1;
    }
    printf("  instantiated in %.3f ms\n", ms_since(t0));

    int32_t r = 0;
    int rc = call_i32(inst, "add", "ii:i", 40, 2, &r, &err);
    printf("  add(40, 2) = %d (%s)\n", r, wasp_strerror(rc));
    rc = call_i32(inst, "div", "ii:i", 1, 0, &r, &err);
    printf("  div(1, 0) -> %s: %s\n", wasp_errname(rc), err.msg);
    rc = call_i32(inst, "grow", "i:i", 10, 0, &r, &err);
    printf("  memory.grow(10 pages) past a 4-page limit = %d (the host refuses, the guest goes on)\n", r);

    t0 = wasp_clock_ns();
    wasmtime_func_t spin;
    unsigned polls = 0;
    wasp__instance_func(inst, "spin", ":", &spin, &err);
    rc = wasp__instance_call(inst, &spin, "spin", NULL, 0, NULL, 0, &polls, &err);
    printf("  endless loop -> %s after %.0f ms in %u time slices: %s\n", wasp_errname(rc), ms_since(t0), polls,
           err.msg);
    wasp__instance_free(inst);

    lim.fuel = 50000;
    if (wasp__instance_new(m, &lim, NULL, NULL, &inst, &err) == WASP_OK) {
        wasp__instance_func(inst, "spin", ":", &spin, &err);
        rc = wasp__instance_call(inst, &spin, "spin", NULL, 0, NULL, 0, NULL, &err);
        printf("  endless loop with 50,000 fuel -> %s: %s\n", wasp_errname(rc), err.msg);
        wasp__instance_free(inst);
    }
    wasp__module_release(m);
    wasp__engine_free(e);
    printf("the host is still healthy.\n");
    return 0;
}
