/* scan.c - section framing and function counts of a core module. */
#include "engine/scan.h"

#include <string.h>

#include "wasp.h"

/* An unsigned LEB128 of at most 32 bits at b[*pos..len); false if cut or too long. */
static bool read_u32(const uint8_t *b, size_t len, size_t *pos, uint32_t *out) {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pos >= len) return false;
        uint8_t c = b[(*pos)++];
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            if (v > UINT32_MAX) return false;
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

int wasp__module_scan(const uint8_t *b, size_t len, struct wasp_module_shape *out, struct wasp_error *err) {
    memset(out, 0, sizeof(*out));
    static const uint8_t core[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    if (len < 8 || memcmp(b, core, 8) != 0) return WASP_OK; /* not a core module: not ours to judge */
    size_t pos = 8;
    while (pos < len) {
        uint8_t id = b[pos++];
        uint32_t size;
        if (!read_u32(b, len, &pos, &size) || size > len - pos)
            return wasp__error_set(err, WASP_ECOMPILE, "section %u at offset %zu runs past the end of the module",
                                  id, pos);
        size_t end = pos + size;
        if (id == 8) out->start = true;
        uint32_t *count = id == 3 ? &out->functions : id == 10 ? &out->bodies : NULL;
        if (count && !read_u32(b, end, &pos, count))
            return wasp__error_set(err, WASP_ECOMPILE, "section %u at offset %zu has no valid count", id, pos);
        /* Every entry (a type index, a body's size) takes at least a byte. */
        if (count && *count > end - pos)
            return wasp__error_set(err, WASP_ECOMPILE, "section %u at offset %zu declares %u entries in %zu bytes",
                                  id, pos, *count, end - pos);
        pos = end;
    }
    return WASP_OK;
}
