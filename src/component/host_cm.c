/* host_cm.c - the imports of the `wasp:actor` world for components
 * (interfaces host and storage): one dispatcher the Rust shim calls with
 * canonical-ABI values already lifted (strings and byte lists as pointer
 * and length). The meaning of each import is host_ops.c's and host_kv.c's,
 * shared with core modules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cm_shim.h"
#include "component/host_ops.h"

/* Per-thread scratch for returned text and small values: the shim copies
 * them out at once. */
static _Thread_local char scratch[256];
static _Thread_local uint8_t kv_scratch[4096];

static bool call_ready(void *env, struct wasp_cm_result *res) {
    int status;
    const uint8_t *reply;
    size_t len;
    uint64_t codec;
    if (!wasp__call_wait_done(env, &status, &reply, &len, &codec)) return false;
    res->value = status;
    res->data = status == WASP_OK ? (reply ? reply : (const uint8_t *)"") : NULL;
    res->len = status == WASP_OK ? len : 0;
    res->aux = codec;
    return true;
}

static bool kv_ready(void *env, struct wasp_cm_result *res) {
    int64_t r;
    if (!wasp__kv_wait_done(env, &r)) return false;
    res->value = r;
    return true;
}

static void set_text(struct wasp_cm_result *res, const char *text, size_t n) {
    res->data = (const uint8_t *)text;
    res->len = n;
}

/* A host-side failure: trap the guest with why. */
static bool host_failure(struct wasp_cm_result *res, const char *what, int rc) {
    int n = snprintf(scratch, sizeof(scratch), "`%s`: storage failed: %s", what, wasp_strerror(rc));
    set_text(res, scratch, (size_t)n);
    return false;
}

/* kv-get, kv-get-versioned, kv-next: into scratch, or a buffer of the
 * value's size when it is larger (read again if it grew meanwhile). */
static bool kv_read(struct wasp_cinst *ci, uint32_t op, const struct wasp_cm_args *a, struct wasp_cm_result *res) {
    uint8_t *buf = kv_scratch;
    size_t cap = sizeof(kv_scratch);
    for (;;) {
        int rc = op == WASP_CM_OP_KV_NEXT
                     ? wasp__op_kv_next(ci, a->text, a->text_len, a->data, a->data_len, buf, cap)
                     : wasp__op_kv_get(ci, a->text, a->text_len, buf, cap, &res->aux);
        if (rc >= 0 && (size_t)rc > cap) {
            if (buf != kv_scratch) free(buf);
            cap = (size_t)rc;
            if (!(buf = malloc(cap))) return host_failure(res, "kv-get", WASP_ENOMEM);
            continue;
        }
        if (rc < WASP_ELIMIT) {
            if (buf != kv_scratch) free(buf);
            return host_failure(res, op == WASP_CM_OP_KV_NEXT ? "kv-next" : "kv-get", rc);
        }
        res->value = rc < 0 ? rc : 0;
        if (rc >= 0) set_text(res, (const char *)buf, (size_t)rc);
        if (buf != kv_scratch) {
            if (rc < 0) free(buf);
            else res->env = buf, res->finalize = free;
        }
        return true;
    }
}

static bool kv_write(struct wasp_cinst *ci, uint32_t op, const struct wasp_cm_args *a, struct wasp_cm_result *res) {
    static const int kv_ops[] = {WASP_KV_PUT, WASP_KV_CAS, WASP_KV_DELETE};
    static const char *const names[] = {"kv-put", "kv-cas", "kv-delete"};
    unsigned i = op - WASP_CM_OP_KV_PUT;
    int rc;
    struct wasp_kv_wait *w = wasp__op_kv_write(ci, kv_ops[i], a->text, a->text_len, a->data, a->data_len,
                                               (int64_t)a->num, &rc);
    if (!w && rc < WASP_ELIMIT) return host_failure(res, names[i], rc);
    res->value = rc;
    if (w) {
        res->ready = kv_ready;
        res->env = w;
        res->finalize = wasp__host_wait_finalize;
    }
    return true;
}

bool wasp__cm_host(void *store_data, uint32_t op, const struct wasp_cm_args *a, struct wasp_cm_result *res) {
    struct wasp_cinst *ci = wasp__instance_user(store_data);
    char name[256];
    int rc = WASP_OK;
    bool named = op <= WASP_CM_OP_CALL;
    if (named) rc = wasp__op_name(a->text, a->text_len, name);
    if (rc != WASP_OK) {
        res->value = rc;
        return true;
    }
    int64_t codec = (int64_t)a->codec; /* past WASP_CODEC_MAX: negative, EINVAL */
    switch (op) {
    case WASP_CM_OP_SEND: res->value = wasp__op_send(ci, name, a->data, a->data_len, codec); break;
    case WASP_CM_OP_SEND_AFTER:
        res->value = wasp__op_send_after(ci, name, a->data, a->data_len, (int64_t)a->num, codec);
        break;
    case WASP_CM_OP_PUBLISH: res->value = wasp__op_publish(ci, name, a->data, a->data_len, codec); break;
    case WASP_CM_OP_SUBSCRIBE: res->value = wasp__op_subscribe(ci, name); break;
    case WASP_CM_OP_UNSUBSCRIBE: res->value = wasp__op_unsubscribe(ci, name); break;
    case WASP_CM_OP_CALL: {
        struct wasp_call_wait *w = wasp__op_call(ci, name, a->data, a->data_len, (int64_t)a->num, codec, &rc);
        res->value = rc;
        if (w) {
            res->ready = call_ready;
            res->env = w;
            res->finalize = wasp__host_wait_finalize;
        }
        break;
    }
    case WASP_CM_OP_REPLY: res->value = wasp__op_reply(ci, a->data, a->data_len, codec); break;
    case WASP_CM_OP_SENDER: {
        size_t n = wasp__op_sender(ci, scratch);
        if (n) set_text(res, scratch, n);
        break;
    }
    case WASP_CM_OP_TOPIC: {
        const char *t = wasp__op_topic(ci);
        if (t) set_text(res, t, strlen(t));
        break;
    }
    case WASP_CM_OP_SELF: set_text(res, ci->slot->name, strlen(ci->slot->name)); break;
    case WASP_CM_OP_LOG: wasp__op_log(ci, (int)a->num, a->text, a->text_len); break;
    case WASP_CM_OP_NOW: res->value = (int64_t)wasp__op_now_ms(ci->slot->comp->wasm); break;
    case WASP_CM_OP_CODEC: res->value = wasp__op_codec(ci); break;
    case WASP_CM_OP_KV_GET:
    case WASP_CM_OP_KV_GET_VERSIONED:
    case WASP_CM_OP_KV_NEXT: return kv_read(ci, op, a, res);
    case WASP_CM_OP_KV_PUT:
    case WASP_CM_OP_KV_CAS:
    case WASP_CM_OP_KV_DELETE: return kv_write(ci, op, a, res);
    default: {
        int n = snprintf(scratch, sizeof(scratch), "unknown host operation %u", op);
        set_text(res, scratch, (size_t)n);
        return false;
    }
    }
    return true;
}
