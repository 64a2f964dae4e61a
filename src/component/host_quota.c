/* host_quota.c - quotas on what a component makes the host hold for it
 * (pending timers and their bytes, subscriptions), and the one mapping of
 * host results to the ABI's error codes: no import returns a negative code
 * outside -1..-9 (docs/ABI.md, docs/SECURITY.md). */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "component/component.h"

int wasp__abi_code(int rc, int fallback) {
    if (rc >= WASP_ELIMIT) return rc;
    if (rc == WASP_ESTATE) return WASP_ESTOPPED; /* the system is stopping */
    return fallback;
}

/* Takes one unit of a counted quota: false when `limit` are in use. */
static bool take(atomic_uint *used, uint32_t limit) {
    unsigned n = atomic_load_explicit(used, memory_order_relaxed);
    do {
        if (n >= limit) return false;
    } while (!atomic_compare_exchange_weak_explicit(used, &n, n + 1, memory_order_relaxed, memory_order_relaxed));
    return true;
}

static void give_back(atomic_uint *used) { atomic_fetch_sub_explicit(used, 1, memory_order_relaxed); }

/* ---- timers ---------------------------------------------------------------
 * The payload of a delayed message carries its quota: the runtime frees it
 * (free_fn) once the message is handled, becomes a dead letter or is
 * dropped at stop, and that gives the timer and its bytes back. Slots live
 * until the wasm layer is destroyed, after the system stopped. */

struct timed_payload {
    struct wasp_cslot *slot;
    size_t len;
    max_align_t data[]; /* the message bytes */
};

static void timed_free(void *data) {
    struct timed_payload *t = (struct timed_payload *)((char *)data - offsetof(struct timed_payload, data));
    atomic_fetch_sub_explicit(&t->slot->timer_bytes, t->len, memory_order_relaxed);
    give_back(&t->slot->timers);
    free(t);
}

int wasp__quota_send_after(struct wasp_cslot *slot, const wasp_send_opts *o, uint64_t delay_ns) {
    const wasp_component_spec *s = &slot->comp->spec;
    if (!take(&slot->timers, s->limits.timers)) return WASP_ELIMIT;
    /* The bytes held for pending messages are bounded by the memory limit. */
    uint64_t held = atomic_fetch_add_explicit(&slot->timer_bytes, o->len, memory_order_relaxed) + o->len;
    struct timed_payload *t = held > s->limits.memory ? NULL : malloc(sizeof(*t) + (o->len ? o->len : 1));
    if (!t) {
        atomic_fetch_sub_explicit(&slot->timer_bytes, o->len, memory_order_relaxed);
        give_back(&slot->timers);
        return WASP_ELIMIT;
    }
    t->slot = slot;
    t->len = o->len;
    if (o->len) memcpy(t->data, o->data, o->len);
    wasp_send_opts moved = *o;
    moved.data = t->data;
    moved.free_fn = timed_free;
    int rc = wasp_send_after(slot->comp->wasm->sys, &moved, delay_ns, NULL);
    if (rc != WASP_OK) timed_free(t->data); /* on error the payload stays ours */
    return wasp__abi_code(rc, WASP_EFULL);
}

/* ---- subscriptions -----------------------------------------------------------
 * Subscriptions belong to the actor, across restarts; the count is reset
 * when a new actor takes the slot (component_actor.c). */

int wasp__quota_subscribe(struct wasp_cinst *ci, const char *pattern) {
    struct wasp_cslot *sl = ci->slot;
    bool counted = take(&sl->subscriptions, sl->comp->spec.limits.subscriptions);
    int rc = wasp_subscribe(ci->sys, ci->self, pattern);
    if (rc == WASP_EEXIST) rc = WASP_OK; /* held already: costs nothing more */
    else if (rc == WASP_OK && !counted) {
        /* Over the quota: take the new subscription back. Only this actor
         * changes its own subscriptions, so the count cannot race. */
        wasp_unsubscribe(ci->sys, ci->self, pattern);
        return WASP_ELIMIT;
    } else if (rc == WASP_OK) {
        return WASP_OK;
    }
    if (counted) give_back(&sl->subscriptions);
    return wasp__abi_code(rc, WASP_ELIMIT);
}

int wasp__quota_unsubscribe(struct wasp_cinst *ci, const char *pattern) {
    int rc = wasp_unsubscribe(ci->sys, ci->self, pattern);
    if (rc == WASP_OK) give_back(&ci->slot->subscriptions);
    return wasp__abi_code(rc, WASP_ENOENT);
}

/* ---- log lines ---------------------------------------------------------------
 * A guest logging in a loop would fill the host's disk and drown every other
 * line: each actor gets WASP_LOG_LINES_PER_SECOND. */

bool wasp__quota_log(struct wasp_cinst *ci) {
    struct wasp_cslot *sl = ci->slot;
    uint64_t second = wasp_clock_ns() / 1000000000u;
    if (second != sl->log_second) {
        uint32_t dropped = sl->log_dropped;
        sl->log_second = second;
        sl->log_lines = sl->log_dropped = 0;
        if (dropped)
            wasp_log(ci->sys, WASP_LOG_WARN, sl->name, "%u log lines dropped (more than %d in a second)", dropped,
                     WASP_LOG_LINES_PER_SECOND);
    }
    if (sl->log_lines >= WASP_LOG_LINES_PER_SECOND) {
        sl->log_dropped++;
        return false;
    }
    sl->log_lines++;
    return true;
}
