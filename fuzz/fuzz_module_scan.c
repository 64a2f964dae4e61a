/* fuzz_module_scan.c - libFuzzer target for the section scan that runs on
 * every module before it is compiled (src/wasm/scan.c): arbitrary bytes,
 * and arbitrary bytes behind a valid header. It must never read outside the
 * input, and counts it reports come from within it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/scan.h"
#include "wasp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct wasp_module_shape shape;
    struct wasp_error err = {0};
    int rc = wasp__module_scan(data, size, &shape, &err);
    if (rc != WASP_OK && rc != WASP_ECOMPILE) abort();
    if (rc != WASP_OK && !err.msg[0]) abort(); /* a refusal says why */
    uint8_t *m = malloc(size + 8);
    if (!m) return 0;
    memcpy(m, "\0asm\1\0\0\0", 8);
    memcpy(m + 8, data, size); /* exact size: ASan catches any read past it */
    rc = wasp__module_scan(m, size + 8, &shape, &err);
    if (rc != WASP_OK && rc != WASP_ECOMPILE) abort();
    /* A count is at least one byte per function: never more than the input. */
    if (rc == WASP_OK && (shape.functions > size || shape.bodies > size)) abort();
    free(m);
    return 0;
}
