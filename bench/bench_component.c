/* bench_component.c - Component Model components beside core modules, on
 * the very loops of the core-module scenarios (bench_wasm_msg.c,
 * bench_wasm_life.c): spawn-component, ring-component, pingpong-component,
 * handle-message of 16 B and 64 KiB for the same C code built as a core
 * module and as a component (handle-{wasm,component}-{16b,64k}), and
 * spawn-component-py / spawn-component-js for the polyglot example's Python
 * and JavaScript components. The C guests are the files in bench/guests,
 * built both ways (docs/BENCHMARKS.md). */
#include <stdio.h>

#include "bench_wasm_util.h"

#ifndef WASP_BENCH_EXAMPLES
#define WASP_BENCH_EXAMPLES "examples"
#endif

static int bench_spawn_component(const struct bench_config *cfg, struct bench_result *out) {
    return bench_spawn_run(cfg, out, &(struct bench_guest){.file = "cm/sink"}, cfg->smoke ? 200 : 5000);
}

static int spawn_script(const struct bench_config *cfg, struct bench_result *out, const char *file) {
    char path[4096];
    snprintf(path, sizeof path, "%s/polyglot/%s", WASP_BENCH_EXAMPLES, file);
    return bench_spawn_run(cfg, out, &(struct bench_guest){.file = path}, cfg->smoke ? 3 : 50);
}

static int bench_spawn_py(const struct bench_config *cfg, struct bench_result *out) {
    return spawn_script(cfg, out, "pricer.wasm");
}

static int bench_spawn_js(const struct bench_config *cfg, struct bench_result *out) {
    return spawn_script(cfg, out, "audit.wasm");
}

static int bench_ring_component(const struct bench_config *cfg, struct bench_result *out) {
    return bench_ring_run(cfg, out, &(struct bench_guest){.file = "cm/ring"}, 1000, 500000);
}

static int bench_pingpong_component(const struct bench_config *cfg, struct bench_result *out) {
    return bench_pingpong_run(cfg, out, false, &(struct bench_guest){.file = "cm/pinger"},
                              &(struct bench_guest){.file = "cm/echo"});
}

static int handle(const struct bench_config *cfg, struct bench_result *out, const char *file, size_t size) {
    return bench_throughput_run(cfg, out, &(struct bench_guest){.file = file}, size, size > 1024 ? 20000 : 500000);
}

static int bench_handle_wasm_16(const struct bench_config *c, struct bench_result *o) {
    return handle(c, o, "core/sink", 16);
}
static int bench_handle_cm_16(const struct bench_config *c, struct bench_result *o) {
    return handle(c, o, "cm/sink", 16);
}
static int bench_handle_wasm_64k(const struct bench_config *c, struct bench_result *o) {
    return handle(c, o, "core/sink", 65536);
}
static int bench_handle_cm_64k(const struct bench_config *c, struct bench_result *o) {
    return handle(c, o, "cm/sink", 65536);
}

BENCH_SCENARIO(spawn_component, "spawn-component", "spawning one C component actor until ready (pooling)",
               bench_spawn_component)
BENCH_SCENARIO(spawn_component_py, "spawn-component-py", "spawning one Python component actor until ready",
               bench_spawn_py)
BENCH_SCENARIO(spawn_component_js, "spawn-component-js", "spawning one JavaScript component actor until ready",
               bench_spawn_js)
BENCH_SCENARIO(ring_component, "ring-component", "one hop of a token around a ring of 1,000 C components",
               bench_ring_component)
BENCH_SCENARIO(pingpong_component, "pingpong-component", "one `call` round trip between two C components",
               bench_pingpong_component)
BENCH_SCENARIO(handle_wasm_16b, "handle-wasm-16b", "one 16-byte message handled by a C core module",
               bench_handle_wasm_16)
BENCH_SCENARIO(handle_component_16b, "handle-component-16b",
               "one 16-byte message handled by the same C as a component", bench_handle_cm_16)
BENCH_SCENARIO(handle_wasm_64k, "handle-wasm-64k", "one 64 KiB message handled by a C core module",
               bench_handle_wasm_64k)
BENCH_SCENARIO(handle_component_64k, "handle-component-64k",
               "one 64 KiB message handled by the same C as a component", bench_handle_cm_64k)
