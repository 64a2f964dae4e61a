/* greeter - a C component written against the bindings `wit-bindgen c`
 * generates from wit/actor.wit (world supervised-actor), without wasp's SDK.
 * A request NAME asks `visits` how many times NAME came (call: only this
 * actor waits), publishes NAME on greetings.seen and answers the JSON
 * {"hello":"NAME","visits":N}, tagged as JSON. Anything that is not a name,
 * and a name sent as a plain message, is a handler error. cmake/guest.cmake's BINDGEN rule generates the bindings and builds it. */
#include <stdlib.h>
#include <string.h>

#include "supervised_actor.h"

#define CODEC_JSON 0x0200 /* multicodec "json" */

typedef supervised_actor_string_t wit_string;
typedef supervised_actor_list_u8_t wit_bytes;

static wit_string str(const char *s) { return (wit_string){(uint8_t *)s, strlen(s)}; }
static wit_bytes bytes(const void *p, size_t n) { return (wit_bytes){(uint8_t *)p, n}; }

static void say(wasp_actor_host_level_t level, const char *text) {
    wit_string t = str(text);
    wasp_actor_host_log(level, &t);
}

/* Text is put together by hand: stdio's printf family would pull WASI
 * imports (file descriptors) into the component. */
struct text {
    char buf[160];
    size_t len;
};

static void put(struct text *t, const void *s, size_t n) {
    if (n > sizeof(t->buf) - 1 - t->len) n = sizeof(t->buf) - 1 - t->len;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

static void put_str(struct text *t, const char *s) { put(t, s, strlen(s)); }

static void put_num(struct text *t, long v) {
    char digits[24];
    size_t n = 0;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    do digits[sizeof(digits) - ++n] = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) digits[sizeof(digits) - ++n] = '-';
    put(t, digits + sizeof(digits) - n, n);
}

void exports_wasp_actor_lifecycle_start(void) {
    wit_string self;
    wasp_actor_host_self_name(&self);
    struct text line = {.len = 0};
    put_str(&line, "ready as ");
    put(&line, self.ptr, self.len);
    supervised_actor_string_free(&self);
    say(WASP_ACTOR_TYPES_LEVEL_INFO, line.buf);
}

void exports_wasp_actor_lifecycle_cleanup(void) {}

exports_wasp_actor_lifecycle_health_t exports_wasp_actor_lifecycle_check_health(void) {
    return WASP_ACTOR_TYPES_HEALTH_HEALTHY;
}

/* The reply of `visits` as a number; -1 when it did not answer. */
static long ask_visits(const wit_bytes *name) {
    wit_string to = str("visits");
    wit_bytes msg = *name, reply;
    wasp_actor_host_error_t err;
    if (!wasp_actor_host_call(&to, &msg, 1000, &reply, &err)) {
        struct text line = {.len = 0};
        put_str(&line, "visits did not answer: error case ");
        put_num(&line, err);
        say(WASP_ACTOR_TYPES_LEVEL_WARN, line.buf);
        return -1;
    }
    struct text number = {.len = 0};
    put(&number, reply.ptr, reply.len < 20 ? reply.len : 20);
    supervised_actor_list_u8_free(&reply);
    return strtol(number.buf, NULL, 10);
}

/* A name: 1 to 64 letters, digits, '-' or '_' (so it needs no escaping in JSON). */
static bool is_name(const wit_bytes *m) {
    if (m->len == 0 || m->len > 64) return false;
    for (size_t i = 0; i < m->len; i++) {
        uint8_t c = m->ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return true;
}

int32_t exports_supervised_actor_handle_message(wit_bytes *msg) {
    int32_t rc = 1;
    if (!is_name(msg)) goto done;
    long visits = ask_visits(msg);

    wit_string seen = str("greetings.seen");
    uint32_t subscribers;
    wasp_actor_host_error_t err;
    wasp_actor_host_publish(&seen, msg, &subscribers, &err);

    struct text json = {.len = 0};
    put_str(&json, "{\"hello\":\"");
    put(&json, msg->ptr, msg->len);
    put_str(&json, "\",\"visits\":");
    put_num(&json, visits);
    put_str(&json, "}");
    wit_bytes out = bytes(json.buf, json.len);
    rc = wasp_actor_host_reply_tagged(&out, CODEC_JSON, &err) ? 0 : 1; /* no-reply: it was a plain message */
done:
    supervised_actor_list_u8_free(msg); /* the bindings hand the message over: it is ours to free */
    return rc;
}
