/* host_ops.c - the meaning of every host import, for both guest ABIs
 * (host_ops.h): names (EINVAL), permissions (EPERM) and sizes (E2BIG) are
 * checked here, in this order, and only then is the runtime touched. */
#include <string.h>

#include "core/clock.h"
#include "core/utf8.h"
#include "component/host_ops.h"
#include "runtime/ext.h"

/* A denial is silent to the guest (a return code it may ignore), so the
 * host says it: one warn line naming the actor, the target and the grant
 * that is missing - at most DENIALS_PER_SECOND per actor, the rest counted
 * in one line. wasp_log escapes the names the guest chose. */
#define DENIALS_PER_SECOND 5

static int denied(struct wasp_cinst *ci, const char *op, const char *target, const char *grant) {
    struct wasp_cslot *sl = ci->slot;
    if (!wasp_log_enabled(ci->sys, WASP_LOG_WARN)) return WASP_EPERM;
    uint64_t second = wasp_clock_ns() / 1000000000u;
    if (second != sl->deny_second) {
        if (sl->deny_dropped)
            wasp_log(ci->sys, WASP_LOG_WARN, sl->name, "%u more permission denials not shown",
                     sl->deny_dropped);
        sl->deny_second = second;
        sl->deny_lines = sl->deny_dropped = 0;
    }
    if (sl->deny_lines >= DENIALS_PER_SECOND) {
        sl->deny_dropped++;
        return WASP_EPERM;
    }
    sl->deny_lines++;
    bool topic = strcmp(grant, "send") != 0;
    wasp_log(ci->sys, WASP_LOG_WARN, sl->name, "%s %s \"%s\" denied: add \"%s\"%s to permissions.%s", op,
             topic ? "on" : "to", target, target, topic ? " (or a pattern covering it)" : "", grant);
    return WASP_EPERM;
}

int wasp__op_denied_send(struct wasp_cinst *ci, const char *op, const char *to) {
    return denied(ci, op, to, "send");
}

int wasp__op_name(const uint8_t *p, size_t n, char buf[256]) {
    if (n == 0 || n > 255 || !wasp__utf8_valid(p, n)) return WASP_EINVAL;
    memcpy(buf, p, n);
    buf[n] = 0;
    return WASP_OK;
}

static bool too_big(const struct wasp_cinst *ci, size_t len) { return len > ci->slot->comp->spec.limits.max_message; }

/* A guest's codec tag: 0 .. WASP_CODEC_MAX (an i64 that is not negative). */
static bool bad_codec(int64_t codec) { return codec < 0; }

int wasp__op_send(struct wasp_cinst *ci, const char *to, const uint8_t *msg, size_t len, int64_t codec) {
    if (too_big(ci, len)) return WASP_E2BIG;
    if (bad_codec(codec)) return WASP_EINVAL;
    if (!wasp__perm_send(ci->slot->comp, to)) return denied(ci, "send", to, "send");
    wasp_send_opts o = {.to_name = to, .data = msg, .len = len, .codec = (uint64_t)codec};
    return wasp__abi_code(wasp__send_cached(ci->sys, &o, wasp__cinst_names(ci)), WASP_EFULL);
}

int wasp__op_send_after(struct wasp_cinst *ci, const char *to, const uint8_t *msg, size_t len, int64_t delay_ms,
                        int64_t codec) {
    if (too_big(ci, len)) return WASP_E2BIG;
    if (delay_ms < 0 || delay_ms > INT32_MAX || bad_codec(codec)) return WASP_EINVAL;
    if (!wasp__perm_send(ci->slot->comp, to)) return denied(ci, "send_after", to, "send");
    wasp_send_opts o = {.to_name = to, .data = msg, .len = len, .codec = (uint64_t)codec};
    return wasp__quota_send_after(ci->slot, &o, (uint64_t)delay_ms * 1000000u);
}

int wasp__op_publish(struct wasp_cinst *ci, const char *topic, const uint8_t *msg, size_t len, int64_t codec) {
    if (too_big(ci, len)) return WASP_E2BIG;
    if (wasp_topic_validate(topic, true) || bad_codec(codec)) return WASP_EINVAL;
    if (!wasp__perm_publish(ci->slot->comp, topic)) return denied(ci, "publish", topic, "publish");
    return wasp__abi_code(wasp_publish_tagged(ci->sys, topic, msg, len, (uint64_t)codec), WASP_EFULL);
}

int wasp__op_subscribe(struct wasp_cinst *ci, const char *pattern) {
    if (wasp_topic_validate(pattern, false)) return WASP_EINVAL;
    if (!wasp__perm_subscribe(ci->slot->comp, pattern)) return denied(ci, "subscribe", pattern, "subscribe");
    return wasp__quota_subscribe(ci, pattern);
}

int wasp__op_unsubscribe(struct wasp_cinst *ci, const char *pattern) {
    if (wasp_topic_validate(pattern, false)) return WASP_EINVAL;
    return wasp__quota_unsubscribe(ci, pattern);
}

int wasp__op_reply(struct wasp_cinst *ci, const uint8_t *msg, size_t len, int64_t codec) {
    wasp_ctx *ctx = wasp_ctx_current();
    if (!ci->msg || !ctx || !(ci->msg->flags & WASP_MSG_REQUEST)) return WASP_ENOREPLY;
    if (too_big(ci, len)) return WASP_E2BIG;
    if (bad_codec(codec)) return WASP_EINVAL;
    return wasp__abi_code(wasp_reply_tagged(ctx, msg, len, (uint64_t)codec), WASP_EFULL);
}

int64_t wasp__op_codec(const struct wasp_cinst *ci) { return ci->msg ? (int64_t)ci->msg->codec : 0; }

size_t wasp__op_sender(struct wasp_cinst *ci, char buf[256]) {
    int n = 0;
    if (ci->msg && ci->msg->sender) n = wasp_actor_name(ci->sys, ci->msg->sender, buf, 256);
    else if (ci->msg && ci->msg->sender_name) /* a sender on another node */
        memcpy(buf, ci->msg->sender_name, (size_t)(n = (int)strnlen(ci->msg->sender_name, 255)));
    return n > 0 && n < 256 ? (size_t)n : 0;
}

const char *wasp__op_topic(struct wasp_cinst *ci) { return ci->msg ? ci->msg->topic : NULL; }

void wasp__op_log(struct wasp_cinst *ci, int level, const uint8_t *p, size_t n) {
    level = level < WASP_LOG_TRACE ? WASP_LOG_TRACE : level > WASP_LOG_ERROR ? WASP_LOG_ERROR : level;
    if (!wasp_log_enabled(ci->sys, level) || !wasp__quota_log(ci)) return;
    if (n > 900) n = 900; /* one line, not a flood: longer text is cut (wasp_log escapes it) */
    wasp_log(ci->sys, level, ci->slot->name, "%.*s", (int)n, (const char *)p);
}

uint64_t wasp__op_now_ms(const struct wasp_wasm *w) {
    return (wasp_system_now(w->sys) - w->epoch_ns) / 1000000u; /* the system's clock: virtual in tests */
}
