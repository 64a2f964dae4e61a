/* host_guest.c - checking what a guest hands to its imports: memory ranges
 * (out of bounds traps the caller), names and topics (EINVAL), and the
 * component's permissions (EPERM). */
#include <stdio.h>
#include <string.h>

#include "component/host_ops.h"

struct wasp_cinst *wasp__cinst_from_caller(wasmtime_caller_t *caller) {
    return wasp__instance_user(wasp__instance_from_caller(caller));
}

static wasm_trap_t *range_trap(const char *import, int32_t ptr, int32_t len, size_t size) {
    char msg[160];
    int n = snprintf(msg, sizeof(msg), "`%s`: range [%lld, +%lld) is outside linear memory (%zu bytes)", import,
                     (long long)(uint32_t)ptr, (long long)(uint32_t)len, size);
    return wasmtime_trap_new(msg, (size_t)n);
}

uint8_t *wasp__guest_range(wasmtime_caller_t *caller, int32_t ptr, int32_t len, const char *import,
                          wasm_trap_t **trap) {
    struct wasp_instance *inst = wasp__instance_from_caller(caller);
    size_t size = 0;
    uint8_t *base = wasp__instance_memory_in(inst, wasmtime_caller_context(caller), &size);
    /* i32 values are offsets: read them unsigned, check in 64 bits. */
    uint64_t p = (uint32_t)ptr, n = (uint32_t)len;
    if (!base || p + n > size) {
        *trap = range_trap(import, ptr, len, size);
        return NULL;
    }
    return base + p;
}

int wasp__guest_name(wasmtime_caller_t *caller, int32_t ptr, int32_t len, const char *import, char *buf,
                    wasm_trap_t **trap) {
    uint8_t *p = wasp__guest_range(caller, ptr, len, import, trap);
    if (!p) return 1;
    return wasp__op_name(p, (uint32_t)len, buf);
}

/* `to` is one of the component's own actors: NAME, or NAME.i of its instances. */
static bool own_name(const struct wasp_component *c, const char *to) {
    size_t n = strlen(c->name);
    if (strncmp(to, c->name, n)) return false;
    if (!to[n]) return true;
    if (to[n] != '.' || !to[n + 1]) return false;
    for (const char *p = to + n + 1; *p; p++)
        if (*p < '0' || *p > '9') return false;
    return true;
}

bool wasp__perm_send(const struct wasp_component *c, const char *to) {
    for (size_t i = 0; i < c->spec.permissions.nsend; i++) {
        if (wasp_glob_matches(c->perm_send[i], to)) return true;
        /* `self`: the component's own actors (a tick sent to itself) */
        if (!strcmp(c->perm_send[i], "self") && own_name(c, to)) return true;
    }
    return false;
}

bool wasp__perm_publish(const struct wasp_component *c, const char *topic) {
    for (size_t i = 0; i < c->spec.permissions.npublish; i++)
        if (wasp_topic_matches(c->perm_publish[i], topic)) return true;
    return false;
}

bool wasp__perm_subscribe(const struct wasp_component *c, const char *pattern) {
    for (size_t i = 0; i < c->spec.permissions.nsubscribe; i++)
        if (wasp_topic_covers(c->perm_subscribe[i], pattern)) return true;
    return false;
}
