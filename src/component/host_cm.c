/* host_cm.c - the imports of the `wasp:actor` world for components: one
 * dispatcher the Rust shim calls with canonical-ABI values already lifted
 * (strings and byte lists as pointer and length). The meaning of each
 * import is host_ops.c's, shared with core modules. */
#include <stdio.h>
#include <string.h>

#include "engine/cm_shim.h"
#include "component/host_ops.h"

/* Per-thread scratch for returned text: the shim copies it out at once. */
static _Thread_local char scratch[256];

static bool call_ready(void *env, struct wasp_cm_result *res) {
    int status;
    const uint8_t *reply;
    size_t len;
    if (!wasp__call_wait_done(env, &status, &reply, &len)) return false;
    res->value = status;
    res->data = status == WASP_OK ? (reply ? reply : (const uint8_t *)"") : NULL;
    res->len = status == WASP_OK ? len : 0;
    return true;
}

static void set_text(struct wasp_cm_result *res, const char *text, size_t n) {
    res->data = (const uint8_t *)text;
    res->len = n;
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
    switch (op) {
    case WASP_CM_OP_SEND: res->value = wasp__op_send(ci, name, a->data, a->data_len); break;
    case WASP_CM_OP_SEND_AFTER:
        res->value = wasp__op_send_after(ci, name, a->data, a->data_len, (int64_t)a->num);
        break;
    case WASP_CM_OP_PUBLISH: res->value = wasp__op_publish(ci, name, a->data, a->data_len); break;
    case WASP_CM_OP_SUBSCRIBE: res->value = wasp__op_subscribe(ci, name); break;
    case WASP_CM_OP_UNSUBSCRIBE: res->value = wasp__op_unsubscribe(ci, name); break;
    case WASP_CM_OP_CALL: {
        struct wasp_call_wait *w = wasp__op_call(ci, name, a->data, a->data_len, (int64_t)a->num, &rc);
        res->value = rc;
        if (w) {
            res->ready = call_ready;
            res->env = w;
            res->finalize = wasp__call_wait_finalize;
        }
        break;
    }
    case WASP_CM_OP_REPLY: res->value = wasp__op_reply(ci, a->data, a->data_len); break;
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
    default: {
        int n = snprintf(scratch, sizeof(scratch), "unknown host operation %u", op);
        set_text(res, scratch, (size_t)n);
        return false;
    }
    }
    return true;
}
