/* fuzz_module_load.c - libFuzzer target for the module boundary: arbitrary
 * bytes through compile + ABI check, and when they pass, instantiation and a
 * bounded call of every ABI export. Nothing may crash the host. */
#include <stdint.h>
#include <stdlib.h>

#include "engine/engine.h"

static struct wasp_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    struct wasp_engine_config cfg;
    wasp__engine_config_init(&cfg);
    cfg.fuel = true;
    struct wasp_error err;
    if (wasp__engine_new(&cfg, &engine, &err) != WASP_OK) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct wasp_module *m = NULL;
    struct wasp_error err;
    if (wasp__module_load(engine, data, size, &m, &err) != WASP_OK) return 0;
    struct wasp_instance_limits lim = {.memory_bytes = 1 << 20, .fuel = 100000, .max_call_ns = 50000000};
    struct wasp_instance *inst = NULL;
    if (wasp__instance_new(m, &lim, NULL, NULL, &inst, &err) == WASP_OK) {
        wasmtime_val_t r;
        wasmtime_val_t arg = {.kind = WASMTIME_I32, .of.i32 = 16};
        wasp__instance_call_export(inst, "_start", ":", NULL, 0, NULL, 0, &err);
        wasp__instance_call_export(inst, "wasp_alloc", "i:i", &arg, 1, &r, 1, &err);
        wasp__instance_call_export(inst, "_health", ":i", NULL, 0, &r, 1, &err);
        wasp__instance_call_export(inst, "_cleanup", ":", NULL, 0, NULL, 0, &err);
        wasp__instance_free(inst);
    }
    wasp__module_release(m);
    return 0;
}
