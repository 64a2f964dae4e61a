/* scan.h - a look at a module's sections before it is compiled, to refuse
 * what would cost too much to compile (docs/SECURITY.md). Only the section
 * framing and the function counts are read; Wasmtime validates the rest. */
#ifndef WASP_ENGINE_SCAN_H
#define WASP_ENGINE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/error.h"

struct wasp_module_shape {
    uint32_t functions; /* functions defined by the module (function section) */
    uint32_t bodies;    /* function bodies (code section) */
    bool start;         /* a start section: instantiating runs guest code */
};

/* Reads the shape of a core module (version 1). WASP_OK, or WASP_ECOMPILE
 * when the framing is broken (err says where). Anything that is not a core
 * module (e.g. a component) is WASP_OK with a zero shape. */
int wasp__module_scan(const uint8_t *bytes, size_t len, struct wasp_module_shape *out, struct wasp_error *err);

#endif
