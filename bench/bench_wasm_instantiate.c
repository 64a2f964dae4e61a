/* bench_wasm_instantiate.c - the floor under component spawn: a fresh store
 * and instance from the module's cached InstancePre, plus its first call. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "engine/engine.h"

#ifndef WASP_BENCH_FIXTURE
#define WASP_BENCH_FIXTURE "tests/fixtures/engine_basic.wasm"
#endif

static int measure(bool pooling, const struct bench_config *cfg, struct bench_result *out) {
    struct wasp_engine_config ec;
    wasp__engine_config_init(&ec);
    ec.pooling = pooling;
    struct wasp_engine *e;
    struct wasp_error err = {0};
    if (wasp__engine_new(&ec, &e, &err) != WASP_OK) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 1;
    }
    struct wasp_module *m;
    if (wasp__module_load_file(e, WASP_BENCH_FIXTURE, &m, &err) != WASP_OK) {
        fprintf(stderr, "load: %s\n", err.msg);
        wasp__engine_free(e);
        return 1;
    }
    struct wasp_instance_limits lim = {.memory_bytes = 1 << 20};
    int n = cfg->smoke ? 50 : 20000, warmup = cfg->smoke ? 5 : 1000;
    struct bench_samples s = {0};
    int status = 0;
    for (int i = 0; i < warmup + n && status == 0; i++) {
        uint64_t t0 = bench_now_ns();
        struct wasp_instance *inst;
        if (wasp__instance_new(m, &lim, NULL, NULL, &inst, &err) != WASP_OK) {
            fprintf(stderr, "instantiate: %s\n", err.msg);
            status = 1;
            break;
        }
        wasmtime_val_t args[2] = {{.kind = WASMTIME_I32, .of.i32 = 1}, {.kind = WASMTIME_I32, .of.i32 = 2}}, r;
        if (wasp__instance_call_export(inst, "add", "ii:i", args, 2, &r, 1, &err) != WASP_OK) status = 1;
        wasp__instance_free(inst);
        if (i >= warmup) bench_samples_add(&s, (double)(bench_now_ns() - t0));
    }
    bench_result_from_samples(out, &s, (uint64_t)n);
    snprintf(out->note, sizeof(out->note), "%s allocator, includes teardown",
             pooling ? "pooling" : "on-demand");
    bench_samples_free(&s);
    wasp__module_release(m);
    wasp__engine_free(e);
    return status;
}

static int run_ondemand(const struct bench_config *cfg, struct bench_result *out) {
    return measure(false, cfg, out);
}

static int run_pooling(const struct bench_config *cfg, struct bench_result *out) {
    return measure(true, cfg, out);
}

BENCH_SCENARIO(instantiate_wasm, "instantiate-wasm",
               "new store + instance from a cached InstancePre + first call (on-demand allocator)", run_ondemand)
BENCH_SCENARIO(instantiate_wasm_pooling, "instantiate-wasm-pooling",
               "new store + instance from a cached InstancePre + first call (pooling allocator)", run_pooling)
