/* agent - drives every import the testing kit observes, one command per
 * message (tests/testkit, tests/cli):
 *   ask:NAME:TEXT   calls NAME (timeout 100 ms); a request gets "reply:BYTES"
 *                   or "error:CODE"; a plain message publishes that on agent.result
 *   tell:NAME:TEXT  sends TEXT to NAME; logs "tell NAME: CODE" at warn if it failed
 *   pub:TOPIC:TEXT  publishes TEXT on TOPIC
 *   every:MS        ticks every MS ms (send_after to itself); each tick publishes
 *                   "tick N at T" (T = now_ms) on agent.tick
 *   crash           traps
 *   get             (a request) answers the number of ticks so far */
#include <wasp_guest.h>

static int ticks, period;

/* Splits "NAME:TEXT" at the first ':' into a NUL-terminated name. */
static bool split(const char *s, size_t len, char *name, size_t cap, const char **rest,
                  size_t *rlen) {
    size_t i = 0;
    while (i < len && s[i] != ':') i++;
    if (i == len || i == 0 || i >= cap) return false;
    for (size_t k = 0; k < i; k++) name[k] = s[k];
    name[i] = 0;
    *rest = s + i + 1;
    *rlen = len - i - 1;
    return true;
}

static void answer(const char *text, size_t len) {
    if (wasp_reply(text, len) == WASP_ENOREPLY) wasp_publish("agent.result", text, len);
}

static int on_message(const char *msg, size_t len) {
    char name[256], out[512];
    const char *rest;
    size_t rlen;
    if (wasp_msg_is(msg, len, "crash")) {
        wasp_log_warn("crashing on purpose");
        __builtin_trap();
    }
    if (wasp_msg_is(msg, len, "get")) {
        size_t n = wasp_format(out, sizeof(out), "%d", ticks);
        wasp_reply(out, n);
        return 0;
    }
    if (wasp_msg_is(msg, len, "tick")) {
        ticks++;
        size_t n = wasp_format(out, sizeof(out), "tick %d at %d", ticks, (int)wasp_now_ms());
        wasp_publish("agent.tick", out, n);
        wasp_send_after_str(wasp_self_name(), "tick", period);
        return 0;
    }
    if (wasp_msg_starts_with(msg, len, "every:")) {
        period = (int)wasp_parse_int(msg + 6, len - 6, NULL);
        wasp_send_after_str(wasp_self_name(), "tick", period);
        return 0;
    }
    if (wasp_msg_starts_with(msg, len, "ask:") && split(msg + 4, len - 4, name, sizeof(name), &rest, &rlen)) {
        int r = wasp_call(name, rest, rlen, out + 6, sizeof(out) - 6, 100);
        if (r >= 0) {
            for (int i = 0; i < 6; i++) out[i] = "reply:"[i];
            answer(out, 6 + ((size_t)r < sizeof(out) - 6 ? (size_t)r : sizeof(out) - 6));
        } else {
            char err[64];
            answer(err, wasp_format(err, sizeof(err), "error:%s", wasp_strerror(r)));
        }
        return 0;
    }
    if (wasp_msg_starts_with(msg, len, "tell:") && split(msg + 5, len - 5, name, sizeof(name), &rest, &rlen)) {
        int r = wasp_send(name, rest, rlen);
        if (r < 0) wasp_logf(WASP_LOG_WARN, "tell %s: %s", name, wasp_strerror(r));
        return 0;
    }
    if (wasp_msg_starts_with(msg, len, "pub:") && split(msg + 4, len - 4, name, sizeof(name), &rest, &rlen)) {
        wasp_publish(name, rest, rlen);
        return 0;
    }
    wasp_logf(WASP_LOG_INFO, "unknown command %.*s", (int)len, msg);
    return 0;
}
WASP_HANDLER(on_message)
