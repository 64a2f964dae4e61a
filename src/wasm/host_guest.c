/* host_guest.c - checking what a guest hands to its imports: memory ranges
 * (out of bounds traps the caller), names and topics (EINVAL), and the
 * component's permissions (EPERM). */
#include <stdio.h>
#include <string.h>

#include "wasm/component.h"

struct wasp_cinst *wasp_cinst_from_caller(wasmtime_caller_t *caller) {
    return wasp_instance_user(wasp_instance_from_caller(caller));
}

static wasm_trap_t *range_trap(const char *import, int32_t ptr, int32_t len, size_t size) {
    char msg[160];
    int n = snprintf(msg, sizeof(msg), "`%s`: range [%lld, +%lld) is outside linear memory (%zu bytes)", import,
                     (long long)(uint32_t)ptr, (long long)(uint32_t)len, size);
    return wasmtime_trap_new(msg, (size_t)n);
}

uint8_t *wasp_guest_range(wasmtime_caller_t *caller, int32_t ptr, int32_t len, const char *import,
                          wasm_trap_t **trap) {
    struct wasp_instance *inst = wasp_instance_from_caller(caller);
    size_t size = 0;
    uint8_t *base = wasp_instance_memory_in(inst, wasmtime_caller_context(caller), &size);
    /* i32 values are offsets: read them unsigned, check in 64 bits. */
    uint64_t p = (uint32_t)ptr, n = (uint32_t)len;
    if (!base || p + n > size) {
        *trap = range_trap(import, ptr, len, size);
        return NULL;
    }
    return base + p;
}

/* Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF), no NUL. */
static bool utf8_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c == 0) return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) need = 1, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) need = 2, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) need = 3, cp = c & 0x07;
        else return false;
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += need + 1;
    }
    return true;
}

int wasp_guest_name(wasmtime_caller_t *caller, int32_t ptr, int32_t len, const char *import, char *buf,
                    wasm_trap_t **trap) {
    uint8_t *p = wasp_guest_range(caller, ptr, len, import, trap);
    if (!p) return 1;
    uint32_t n = (uint32_t)len;
    if (n == 0 || n > 255 || !utf8_valid(p, n)) return WASP_EINVAL;
    memcpy(buf, p, n);
    buf[n] = 0;
    return WASP_OK;
}

bool wasp_perm_send(const struct wasp_component *c, const char *to) {
    for (size_t i = 0; i < c->spec.permissions.nsend; i++)
        if (wasp_glob_matches(c->perm_send[i], to)) return true;
    return false;
}

bool wasp_perm_publish(const struct wasp_component *c, const char *topic) {
    for (size_t i = 0; i < c->spec.permissions.npublish; i++)
        if (wasp_topic_matches(c->perm_publish[i], topic)) return true;
    return false;
}

bool wasp_perm_subscribe(const struct wasp_component *c, const char *pattern) {
    for (size_t i = 0; i < c->spec.permissions.nsubscribe; i++)
        if (wasp_topic_covers(c->perm_subscribe[i], pattern)) return true;
    return false;
}
