/* wasp_guest.h - the guest SDK: write a wasp component in C.
 *
 * A component is a wasm32 module that talks to its host through the `wasp`
 * imports and is driven through a handful of exports (see docs/ABI.md). This
 * header gives it:
 *
 *   - typed wrappers for every import: wasp_send, wasp_publish, wasp_call,
 *     wasp_reply, wasp_sender_name, wasp_log_info, wasp_now_ms, ...;
 *   - the ABI error codes (WASP_ENOENT ... WASP_ELIMIT) and log levels;
 *   - a default `wasp_alloc`: one receive buffer, reused for every message and
 *     grown when a larger one arrives, so a component can run forever; it is
 *     registered as the inbox, so a message costs the host one guest call,
 *     and messages queued behind it are handled in that same call;
 *   - WASP_HANDLER(fn) to export `handle-message`, and WASP_START(fn),
 *     WASP_CLEANUP(fn), WASP_HEALTH(fn) for the optional exports;
 *   - wasp_crash(reason), wasp_crashf and WASP_ASSERT: crash on purpose
 *     with a reason (the import `crash`), which abort() and, with
 *     wasi-libc, a failed assert() do too;
 *   - without WASI, the few libc pieces a component needs: wasp_malloc/free,
 *     memcpy/memset/memcmp/memmove, wasp_format (a small snprintf).
 *
 * A complete component:
 *
 *     #include <wasp_guest.h>
 *
 *     static int on_message(const char *msg, size_t len) {
 *         if (wasp_msg_is(msg, len, "ping")) return wasp_reply_str("pong") < 0;
 *         wasp_logf(WASP_LOG_INFO, "got %.*s from %s", (int)len, msg, wasp_sender_name());
 *         return 0;
 *     }
 *     WASP_HANDLER(on_message)
 *
 * Build it freestanding:
 *     clang --target=wasm32 -O2 -ffreestanding -nostdlib -mno-simd128 \
 *           -Wl,--no-entry -I include -o echo.wasm echo.c
 * or with wasi-libc (printf, getenv, files when the manifest grants WASI):
 *     clang --target=wasm32-wasi -mexec-model=reactor -O2 -mno-simd128 \
 *           -I include -o echo.wasm echo.c
 *
 * The same source builds a Component Model component (world
 * wasp:actor/supervised-actor, wit/actor.wit) when compiled with
 * -DWASP_COMPONENT and wrapped by wasm-tools (docs/COMPONENTS.md): the raw
 * imports and the exports below then speak the canonical ABI
 * (wasp_guest_component.h); nothing else changes.
 *
 * The header is self-contained: everything is static inline, except the few
 * definitions that must exist once per module (allocator state, the libc
 * shims), which are weak so that several source files may include it. The
 * exports are defined by the WASP_* macros, once, in the file that uses them.
 */
#ifndef WASP_GUEST_H
#define WASP_GUEST_H

#if !defined(__wasm32__)
#error "wasp_guest.h is for WebAssembly components: compile with --target=wasm32 or --target=wasm32-wasi"
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__wasi__)
#include <stdlib.h>
#include <string.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Constants                                                                 */

/* Error codes returned by the imports (negative; >= 0 is success). The values
 * are the ABI's and match the host's include/wasp.h. */
#ifndef WASP_OK
#define WASP_OK 0
#endif
#ifndef WASP_ENOENT
#define WASP_ENOENT -1    /* no such actor, or not subscribed */
#define WASP_EFULL -2     /* the target's mailbox is full; nothing was queued */
#define WASP_EPERM -3     /* the manifest does not permit this target or topic */
#define WASP_E2BIG -4     /* the message is larger than limits.max_message */
#define WASP_ETIMEDOUT -5 /* wasp_call got no reply in time */
#define WASP_EINVAL -6    /* malformed argument (bad name, wildcard in publish) */
#define WASP_ENOREPLY -7  /* reply outside a request, or a second reply */
#define WASP_ESTOPPED -8  /* the target is stopping or stopped */
#endif
#ifndef WASP_ELIMIT
#define WASP_ELIMIT -9    /* a quota of this component is exhausted (limits.timers, ...) */
#endif

/* Log levels for wasp_log. */
#define WASP_LOG_TRACE 0
#define WASP_LOG_DEBUG 1
#define WASP_LOG_INFO 2
#define WASP_LOG_WARN 3
#define WASP_LOG_ERROR 4

/* Results of a WASP_HEALTH function. */
#define WASP_HEALTHY 0
#define WASP_DEGRADED 1
#define WASP_UNHEALTHY 2

/* Longest actor name or topic (bytes). */
#define WASP_NAME_MAX 255

/* The name of an error code ("WASP_EFULL"), or "WASP_OK" for >= 0. */
static inline const char *wasp_strerror(int code) {
    switch (code) {
    case WASP_ENOENT: return "WASP_ENOENT";
    case WASP_EFULL: return "WASP_EFULL";
    case WASP_EPERM: return "WASP_EPERM";
    case WASP_E2BIG: return "WASP_E2BIG";
    case WASP_ETIMEDOUT: return "WASP_ETIMEDOUT";
    case WASP_EINVAL: return "WASP_EINVAL";
    case WASP_ENOREPLY: return "WASP_ENOREPLY";
    case WASP_ESTOPPED: return "WASP_ESTOPPED";
    case WASP_ELIMIT: return "WASP_ELIMIT";
    default: return code >= 0 ? "WASP_OK" : "unknown error";
    }
}

/* ------------------------------------------------------------------------ */
/* The raw imports, exactly as the ABI declares them. Pointers are offsets   */
/* into this module's memory; lengths are bytes. Prefer the wrappers below.  */

#ifdef WASP_COMPONENT
#include "wasp_guest_component.h"
#else
#define WASP_IMPORT_(name) __attribute__((import_module("wasp"), import_name(name)))

WASP_IMPORT_("send") int32_t wasp_raw_send(const char *to, int32_t to_len, const void *msg, int32_t msg_len);
WASP_IMPORT_("publish") int32_t wasp_raw_publish(const char *topic, int32_t topic_len, const void *msg, int32_t msg_len);
WASP_IMPORT_("subscribe") int32_t wasp_raw_subscribe(const char *pattern, int32_t pattern_len);
WASP_IMPORT_("unsubscribe") int32_t wasp_raw_unsubscribe(const char *pattern, int32_t pattern_len);
WASP_IMPORT_("call") int32_t wasp_raw_call(const char *to, int32_t to_len, const void *msg, int32_t msg_len,
                                           void *out, int32_t out_cap, int32_t timeout_ms);
WASP_IMPORT_("reply") int32_t wasp_raw_reply(const void *msg, int32_t msg_len);
WASP_IMPORT_("sender") int32_t wasp_raw_sender(char *out, int32_t out_cap);
WASP_IMPORT_("topic") int32_t wasp_raw_topic(char *out, int32_t out_cap);
WASP_IMPORT_("self") int32_t wasp_raw_self(char *out, int32_t out_cap);
WASP_IMPORT_("send_after") int32_t wasp_raw_send_after(const char *to, int32_t to_len, const void *msg,
                                                       int32_t msg_len, int32_t delay_ms);
WASP_IMPORT_("log") void wasp_raw_log(int32_t level, const char *text, int32_t len);
WASP_IMPORT_("now_ms") int64_t wasp_raw_now_ms(void);
/* Registers [buf, buf+cap) as the receive buffer: messages of up to cap bytes
 * are then copied there and handed to `handle-message` without a call to
 * `wasp_alloc` (cap 0 takes it back). The default wasp_alloc does this. */
WASP_IMPORT_("inbox") int32_t wasp_raw_inbox(void *buf, int32_t cap);
/* From handle-message only: ends the message in hand with handle-message's
 * result `result` and copies the next queued message, if the host has one
 * ready that fits cap, to buf: its length, or -1 (then return `result`).
 * WASP_HANDLER does this with the receive buffer: one guest call serves
 * every message queued at the time. */
WASP_IMPORT_("next_message") int32_t wasp_raw_next_message(int32_t result, void *buf, int32_t cap);
/* Crashes this actor on purpose with the reason (UTF-8 text) at
 * [reason, reason+len); never returns. Use wasp_crash. */
WASP_IMPORT_("crash") __attribute__((noreturn)) void wasp_raw_crash(const char *reason, int32_t len);
WASP_IMPORT_("kv_get") int32_t wasp_raw_kv_get(const void *key, int32_t key_len, void *out, int32_t out_cap);
WASP_IMPORT_("kv_get_versioned") int32_t wasp_raw_kv_get_versioned(const void *key, int32_t key_len, void *out,
                                                                   int32_t out_cap, int64_t *version);
WASP_IMPORT_("kv_put") int32_t wasp_raw_kv_put(const void *key, int32_t key_len, const void *val, int32_t val_len);
WASP_IMPORT_("kv_delete") int32_t wasp_raw_kv_delete(const void *key, int32_t key_len);
WASP_IMPORT_("kv_cas") int64_t wasp_raw_kv_cas(const void *key, int32_t key_len, const void *val, int32_t val_len,
                                               int64_t expect);
WASP_IMPORT_("kv_next") int32_t wasp_raw_kv_next(const void *prefix, int32_t prefix_len, const void *after,
                                                 int32_t after_len, void *out, int32_t out_cap);
WASP_IMPORT_("codec") int64_t wasp_raw_codec(void);
WASP_IMPORT_("send_tagged") int32_t wasp_raw_send_tagged(const char *to, int32_t to_len, const void *msg,
                                                         int32_t msg_len, int64_t codec);
WASP_IMPORT_("publish_tagged") int32_t wasp_raw_publish_tagged(const char *topic, int32_t topic_len, const void *msg,
                                                               int32_t msg_len, int64_t codec);
WASP_IMPORT_("send_after_tagged") int32_t wasp_raw_send_after_tagged(const char *to, int32_t to_len, const void *msg,
                                                                     int32_t msg_len, int32_t delay_ms, int64_t codec);
WASP_IMPORT_("reply_tagged") int32_t wasp_raw_reply_tagged(const void *msg, int32_t msg_len, int64_t codec);
WASP_IMPORT_("call_tagged") int32_t wasp_raw_call_tagged(const char *to, int32_t to_len, const void *msg,
                                                         int32_t msg_len, void *out, int32_t out_cap,
                                                         int32_t timeout_ms, int64_t codec, int64_t *reply_codec);
#endif

/* ------------------------------------------------------------------------ */
/* Memory and strings. With WASI these are libc's; freestanding, the SDK     */
/* brings its own (below).                                                   */

#if defined(__wasi__)
#define wasp_malloc malloc
#define wasp_free free
#define wasp_realloc realloc
#else
void *wasp_malloc(size_t size);
void wasp_free(void *ptr);
void *wasp_realloc(void *ptr, size_t size);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

static inline size_t wasp_strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

/* True if the message (msg, len) is exactly the text s. */
static inline bool wasp_msg_is(const char *msg, size_t len, const char *s) {
    size_t n = wasp_strlen(s);
    return n == len && memcmp(msg, s, n) == 0;
}

/* True if the message (msg, len) starts with the text prefix. */
static inline bool wasp_msg_starts_with(const char *msg, size_t len, const char *prefix) {
    size_t n = wasp_strlen(prefix);
    return n <= len && memcmp(msg, prefix, n) == 0;
}

/* Parses a decimal integer (optional '-') at the start of (s, len); stops at
 * the first non-digit. *used (if not NULL) gets the number of bytes read. */
static inline long long wasp_parse_int(const char *s, size_t len, size_t *used) {
    size_t i = 0;
    bool neg = false;
    long long v = 0;
    if (i < len && s[i] == '-') { neg = true; i++; }
    size_t digits = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
    if (i == digits) i = 0; /* no digits: nothing consumed */
    if (used) *used = i;
    return neg ? -v : v;
}

/* A small snprintf: %s %.*s %c %d %i %u %x %ld %lu %lx %lld %llu %llx %zu %p %%,
 * with optional '-' / '0' flags and a width. Always NUL-terminates (cap > 0);
 * returns the number of bytes written, not counting the NUL. */
static inline size_t wasp_vformat(char *out, size_t cap, const char *fmt, va_list ap) {
    size_t n = 0;
#define WASP_PUT_(ch) do { if (n + 1 < cap) out[n] = (ch); n++; } while (0)
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') { WASP_PUT_(*p); continue; }
        p++;
        bool left = false, zero = false;
        for (;; p++) {
            if (*p == '-') left = true;
            else if (*p == '0') zero = true;
            else break;
        }
        int width = 0, prec = -1;
        while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
        if (*p == '.') {
            p++;
            if (*p == '*') { prec = va_arg(ap, int); p++; }
            else for (prec = 0; *p >= '0' && *p <= '9'; p++) prec = prec * 10 + (*p - '0');
        }
        int lng = 0;
        while (*p == 'l') { lng++; p++; }
        if (*p == 'z') { lng = 1; p++; } /* size_t is unsigned long on wasm32 */
        char tmp[24];
        const char *s = tmp;
        size_t slen = 0;
        switch (*p) {
        case 's':
            s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            while ((prec < 0 || (int)slen < prec) && s[slen]) slen++;
            break;
        case 'c': tmp[0] = (char)va_arg(ap, int); slen = 1; break;
        case 'd': case 'i': case 'u': case 'x': case 'p': {
            unsigned long long u;
            bool neg = false;
            unsigned base = (*p == 'x' || *p == 'p') ? 16 : 10;
            if (*p == 'p') u = (uintptr_t)va_arg(ap, void *);
            else if (*p == 'd' || *p == 'i') {
                long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
                neg = v < 0;
                u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
            } else u = lng >= 2 ? va_arg(ap, unsigned long long) : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            char rev[22];
            size_t k = 0;
            do { rev[k++] = "0123456789abcdef"[u % base]; u /= base; } while (u);
            if (neg) tmp[slen++] = '-';
            if (*p == 'p') { tmp[slen++] = '0'; tmp[slen++] = 'x'; }
            while (k) tmp[slen++] = rev[--k];
            break;
        }
        case '%': tmp[0] = '%'; slen = 1; break;
        case 0: p--; continue; /* a lone '%' at the end */
        default: tmp[0] = '%'; tmp[1] = *p; slen = 2; break;
        }
        int pad = width > (int)slen ? width - (int)slen : 0;
        if (!left) {
            /* zero padding goes after a sign */
            if (zero && slen && s == tmp && tmp[0] == '-') { WASP_PUT_('-'); s++; slen--; }
            while (pad-- > 0) WASP_PUT_(zero ? '0' : ' ');
        }
        for (size_t i = 0; i < slen; i++) WASP_PUT_(s[i]);
        if (left) while (pad-- > 0) WASP_PUT_(' ');
    }
#undef WASP_PUT_
    if (cap) out[n < cap ? n : cap - 1] = 0;
    return n < cap ? n : (cap ? cap - 1 : 0);
}

static inline size_t wasp_format(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline size_t wasp_format(char *out, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = wasp_vformat(out, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Typed wrappers for the imports. Names are NUL-terminated strings; each    */
/* returns what the import returns: >= 0 success, < 0 a WASP_E* code.        */

/* Queue a copy of (msg, len) for the actor `to` ("orders", "orders.2", or a
 * pool name, which picks one instance round-robin). */
static inline int wasp_send(const char *to, const void *msg, size_t len) {
    return wasp_raw_send(to, (int32_t)wasp_strlen(to), msg, (int32_t)len);
}
static inline int wasp_send_str(const char *to, const char *text) {
    return wasp_send(to, text, wasp_strlen(text));
}

/* Like wasp_send, delivered after delay_ms milliseconds (a timer). */
static inline int wasp_send_after(const char *to, const void *msg, size_t len, int delay_ms) {
    return wasp_raw_send_after(to, (int32_t)wasp_strlen(to), msg, (int32_t)len, delay_ms);
}
static inline int wasp_send_after_str(const char *to, const char *text, int delay_ms) {
    return wasp_send_after(to, text, wasp_strlen(text), delay_ms);
}

/* Publish on a concrete topic ("sensors.kitchen.temp"); returns the number
 * of subscribers the message was queued for. */
static inline int wasp_publish(const char *topic, const void *msg, size_t len) {
    return wasp_raw_publish(topic, (int32_t)wasp_strlen(topic), msg, (int32_t)len);
}
static inline int wasp_publish_str(const char *topic, const char *text) {
    return wasp_publish(topic, text, wasp_strlen(text));
}

/* Subscribe to a pattern: `*` matches one segment, a final `>` one or more. */
static inline int wasp_subscribe(const char *pattern) {
    return wasp_raw_subscribe(pattern, (int32_t)wasp_strlen(pattern));
}
static inline int wasp_unsubscribe(const char *pattern) {
    return wasp_raw_unsubscribe(pattern, (int32_t)wasp_strlen(pattern));
}

/* Request/reply: send (msg, len) to `to` as a request and wait (this actor
 * only) up to timeout_ms for the answer. At most cap bytes of it land in out;
 * returns the reply's full length (may exceed cap), or WASP_ETIMEDOUT etc. */
static inline int wasp_call(const char *to, const void *msg, size_t len, void *out, size_t cap, int timeout_ms) {
    return wasp_raw_call(to, (int32_t)wasp_strlen(to), msg, (int32_t)len, out, (int32_t)cap, timeout_ms);
}
/* wasp_call with a text request and a NUL-terminated text answer (truncated
 * to cap - 1 bytes). */
static inline int wasp_call_str(const char *to, const char *text, char *out, size_t cap, int timeout_ms) {
    int n = wasp_call(to, text, wasp_strlen(text), out, cap ? cap - 1 : 0, timeout_ms);
    if (cap) out[n < 0 ? 0 : ((size_t)n < cap - 1 ? (size_t)n : cap - 1)] = 0;
    return n;
}

/* Answer the request being handled; WASP_ENOREPLY if it is not a request
 * (or was answered already). */
static inline int wasp_reply(const void *msg, size_t len) { return wasp_raw_reply(msg, (int32_t)len); }
static inline int wasp_reply_str(const char *text) { return wasp_reply(text, wasp_strlen(text)); }

/* Codec tags: how a message's bytes are encoded, as a multicodec code (0 =
 * untagged). The sender sets it with the *_tagged calls; the receiver reads
 * it with wasp_codec() while handling the message. A negative codec is
 * WASP_EINVAL. */
#define WASP_CODEC_NONE 0
#define WASP_CODEC_PROTOBUF 0x50
#define WASP_CODEC_CBOR 0x51
#define WASP_CODEC_RAW 0x55
#define WASP_CODEC_DAG_CBOR 0x71
#define WASP_CODEC_DAG_JSON 0x0129
#define WASP_CODEC_JSON 0x0200
#define WASP_CODEC_MESSAGEPACK 0x0201

/* The codec tag of the message being handled (0: untagged). */
static inline int64_t wasp_codec(void) { return wasp_raw_codec(); }
static inline int wasp_send_tagged(const char *to, const void *msg, size_t len, int64_t codec) {
    return wasp_raw_send_tagged(to, (int32_t)wasp_strlen(to), msg, (int32_t)len, codec);
}
static inline int wasp_send_after_tagged(const char *to, const void *msg, size_t len, int delay_ms, int64_t codec) {
    return wasp_raw_send_after_tagged(to, (int32_t)wasp_strlen(to), msg, (int32_t)len, delay_ms, codec);
}
static inline int wasp_publish_tagged(const char *topic, const void *msg, size_t len, int64_t codec) {
    return wasp_raw_publish_tagged(topic, (int32_t)wasp_strlen(topic), msg, (int32_t)len, codec);
}
static inline int wasp_reply_tagged(const void *msg, size_t len, int64_t codec) {
    return wasp_raw_reply_tagged(msg, (int32_t)len, codec);
}
/* wasp_call with a tagged request; *reply_codec (may be NULL) gets the
 * reply's tag. */
static inline int wasp_call_tagged(const char *to, const void *msg, size_t len, int64_t codec, void *out, size_t cap,
                                   int timeout_ms, int64_t *reply_codec) {
    int64_t rc = 0;
    int n = wasp_raw_call_tagged(to, (int32_t)wasp_strlen(to), msg, (int32_t)len, out, (int32_t)cap, timeout_ms, codec,
                                 &rc);
    if (reply_codec) *reply_codec = rc;
    return n;
}

/* Copy a name into out (at most cap bytes, no NUL); return its full length. */
static inline int wasp_sender(char *out, size_t cap) { return wasp_raw_sender(out, (int32_t)cap); }
static inline int wasp_topic(char *out, size_t cap) { return wasp_raw_topic(out, (int32_t)cap); }
static inline int wasp_self(char *out, size_t cap) { return wasp_raw_self(out, (int32_t)cap); }

/* The same as NUL-terminated strings in a buffer of this module's own; the
 * result is valid until the next call of the same function. "" when there is
 * none (an outside message has no sender; a direct message has no topic). */
#define WASP_NAME_FN_(fn, raw)                                            \
    static inline const char *fn(void) {                                  \
        static char buf_[WASP_NAME_MAX + 1];                              \
        int32_t n_ = raw(buf_, WASP_NAME_MAX);                            \
        buf_[n_ < 0 ? 0 : (n_ > WASP_NAME_MAX ? WASP_NAME_MAX : n_)] = 0; \
        return buf_;                                                      \
    }
WASP_NAME_FN_(wasp_sender_name, wasp_raw_sender)
WASP_NAME_FN_(wasp_topic_name, wasp_raw_topic)
WASP_NAME_FN_(wasp_self_name, wasp_raw_self)
#undef WASP_NAME_FN_

/* Key-value storage (granted by `storage` in the manifest; WASP_EPERM
 * without). One namespace per component, kept across restarts, upgrades
 * and host restarts. Keys are 1..WASP_KV_KEY_MAX bytes of anything. */
#define WASP_KV_KEY_MAX 1024

/* Copies at most cap bytes of the value into out; returns its full length,
 * or WASP_ENOENT if absent. */
static inline int wasp_kv_get(const void *key, size_t klen, void *out, size_t cap) {
    return wasp_raw_kv_get(key, (int32_t)klen, out, (int32_t)cap);
}
/* The same, and the value's version (for wasp_kv_cas) in *version. */
static inline int wasp_kv_get_versioned(const void *key, size_t klen, void *out, size_t cap, int64_t *version) {
    return wasp_raw_kv_get_versioned(key, (int32_t)klen, out, (int32_t)cap, version);
}
/* Stores a value (this actor waits until it is durable, as the manifest's
 * durability says): 0, or WASP_ELIMIT when the quota would be exceeded. */
static inline int wasp_kv_put(const void *key, size_t klen, const void *val, size_t vlen) {
    return wasp_raw_kv_put(key, (int32_t)klen, val, (int32_t)vlen);
}
/* 0, or WASP_ENOENT if absent. */
static inline int wasp_kv_delete(const void *key, size_t klen) { return wasp_raw_kv_delete(key, (int32_t)klen); }
/* Compare-and-swap: stores the value only if the key's version is still
 * `expect` (0: only if absent). Returns the new version (> 0), 0 if the
 * version differed (nothing stored; read again and retry), or WASP_E*. */
static inline int64_t wasp_kv_cas(const void *key, size_t klen, const void *val, size_t vlen, int64_t expect) {
    return wasp_raw_kv_cas(key, (int32_t)klen, val, (int32_t)vlen, expect);
}
/* Ordered iteration: copies into out (cap >= WASP_KV_KEY_MAX is always
 * enough) the first key that starts with prefix and sorts after `after`
 * (alen 0: from the start); returns its length, or WASP_ENOENT when there
 * are no more. The key is the cursor: pass it back as `after`.
 *     char k[WASP_KV_KEY_MAX]; int n = 0;
 *     while ((n = wasp_kv_next("user/", 5, k, n, k, sizeof k)) > 0) ...    */
static inline int wasp_kv_next(const void *prefix, size_t plen, const void *after, size_t alen, void *out,
                               size_t cap) {
    return wasp_raw_kv_next(prefix, (int32_t)plen, after, (int32_t)alen, out, (int32_t)cap);
}
/* Text keys and values. */
static inline int wasp_kv_put_str(const char *key, const char *text) {
    return wasp_kv_put(key, wasp_strlen(key), text, wasp_strlen(text));
}
/* NUL-terminated (truncated to cap - 1 bytes); the full length or WASP_ENOENT. */
static inline int wasp_kv_get_str(const char *key, char *out, size_t cap) {
    int n = wasp_kv_get(key, wasp_strlen(key), out, cap ? cap - 1 : 0);
    if (cap) out[n < 0 ? 0 : ((size_t)n < cap - 1 ? (size_t)n : cap - 1)] = 0;
    return n;
}

/* Monotonic milliseconds since the system started. */
static inline int64_t wasp_now_ms(void) { return wasp_raw_now_ms(); }

/* Logging: the host prefixes the actor's name. */
static inline void wasp_log(int level, const char *text, size_t len) { wasp_raw_log(level, text, (int32_t)len); }
static inline void wasp_log_str(int level, const char *text) { wasp_log(level, text, wasp_strlen(text)); }
static inline void wasp_log_trace(const char *text) { wasp_log_str(WASP_LOG_TRACE, text); }
static inline void wasp_log_debug(const char *text) { wasp_log_str(WASP_LOG_DEBUG, text); }
static inline void wasp_log_info(const char *text) { wasp_log_str(WASP_LOG_INFO, text); }
static inline void wasp_log_warn(const char *text) { wasp_log_str(WASP_LOG_WARN, text); }
static inline void wasp_log_error(const char *text) { wasp_log_str(WASP_LOG_ERROR, text); }

/* printf-style logging (wasp_format's conversions), up to 1 KiB per line. */
static inline void wasp_logf(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void wasp_logf(int level, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = wasp_vformat(line, sizeof(line), fmt, ap);
    va_end(ap);
    wasp_log(level, line, n);
}

/* ------------------------------------------------------------------------ */
/* Crashing on purpose                                                       */

/* Ends this actor as a crash with a reason, like a trap but saying why:
 * the supervisor restarts it with a fresh instance, the message in hand
 * becomes a dead letter (a request in hand gets WASP_ENOREPLY), and the
 * reason is in the crash's log line and the actor's last_error (control
 * characters and invalid UTF-8 escaped, up to 252 bytes of that kept).
 * It uses the import `crash`, a software exception that costs the host
 * far less than a trap instruction. A Component Model build,
 * whose world has no `crash`, logs the reason at error level and traps.
 * abort() and, with wasi-libc, a failed assert() come here too (below). */
__attribute__((noreturn)) static inline void wasp_crash_n(const char *reason, size_t len) {
#ifdef WASP_COMPONENT
    wasp_log(WASP_LOG_ERROR, reason, len);
#else
    wasp_raw_crash(reason, (int32_t)len);
#endif
    __builtin_trap(); /* not reached: the host does not return from `crash` */
}

__attribute__((noreturn)) static inline void wasp_crash(const char *reason) {
    wasp_crash_n(reason, wasp_strlen(reason));
}

/* wasp_crash with a reason formatted by wasp_format (up to 255 bytes). */
__attribute__((noreturn, format(printf, 1, 2))) static inline void wasp_crashf(const char *fmt, ...) {
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    size_t n = wasp_vformat(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    wasp_crash_n(reason, n);
}

/* An assertion that holds in every build (NDEBUG does not remove it):
 * crashes with "assertion failed: COND (FILE:LINE, FUNCTION)" when cond is false. */
#define WASP_ASSERT(cond) ((cond) ? (void)0 : wasp_assert_failed_(#cond, __FILE__, __LINE__, __func__))

__attribute__((noreturn)) static inline void wasp_assert_failed_(const char *cond, const char *file, int line,
                                                                 const char *func) {
    wasp_crashf("assertion failed: %s (%s:%d, %s)", cond, file, line, func);
}

/* ------------------------------------------------------------------------ */
/* HTTP (docs/HTTP.md)                                                       */

/* A request of the manifest's `http` ingress, as its route's component
 * receives it (a `call`: answer it with wasp_http_respond). Every field
 * points into the message. */
typedef struct wasp_http_request {
    const char *method;  size_t method_len;  /* "GET", "POST", ... */
    const char *path;    size_t path_len;    /* "/kv/a", without the query */
    const char *query;   size_t query_len;   /* after '?'; empty if none */
    const char *headers; size_t headers_len; /* "name: value\n" lines, names in lower case */
    const char *body;    size_t body_len;
} wasp_http_request;

/* Reads the request envelope; false if msg is not one. */
static inline bool wasp_http_parse(const char *msg, size_t len, wasp_http_request *r) {
    size_t i = 0;
    while (i < len && msg[i] != ' ' && msg[i] != '\n') i++;
    if (i == 0 || i >= len || msg[i] != ' ') return false;
    r->method = msg;
    r->method_len = i;
    size_t t = ++i;
    while (i < len && msg[i] != '\n') i++;
    if (i >= len) return false;
    r->path = msg + t;
    r->path_len = i - t;
    r->query = msg + i;
    r->query_len = 0;
    for (size_t q = t; q < i; q++)
        if (msg[q] == '?') {
            r->path_len = q - t;
            r->query = msg + q + 1;
            r->query_len = i - q - 1;
            break;
        }
    size_t h = ++i; /* headers end at an empty line */
    while (i < len && msg[i] != '\n') {
        while (i < len && msg[i] != '\n') i++;
        i++;
    }
    if (i >= len) return false;
    r->headers = msg + h;
    r->headers_len = i - h;
    r->body = msg + i + 1;
    r->body_len = len - i - 1;
    return true;
}

/* The value of header `name` (lower case), or false if absent. */
static inline bool wasp_http_header(const wasp_http_request *r, const char *name, const char **value,
                                    size_t *value_len) {
    size_t n = wasp_strlen(name), i = 0;
    while (i < r->headers_len) {
        const char *line = r->headers + i;
        size_t l = 0;
        while (i + l < r->headers_len && line[l] != '\n') l++;
        if (l > n + 1 && line[n] == ':' && memcmp(line, name, n) == 0) {
            size_t v = n + 1;
            while (v < l && line[v] == ' ') v++;
            *value = line + v;
            *value_len = l - v;
            return true;
        }
        i += l + 1;
    }
    return false;
}

/* Replies with a response: status (100..599), content type (NULL: text/plain)
 * and body. The wasp_reply result (0, or a negative error). */
static inline int wasp_http_respond(int status, const char *content_type, const void *body, size_t len) {
    if (status < 100 || status > 599) return WASP_EINVAL;
    if (!content_type) content_type = "text/plain; charset=utf-8";
    size_t ct = wasp_strlen(content_type), head = 4 + 14 + ct + 2, total = head + len;
    char small[1024], *buf = total <= sizeof(small) ? small : (char *)wasp_malloc(total);
    if (!buf) return WASP_E2BIG;
    buf[0] = (char)('0' + status / 100);
    buf[1] = (char)('0' + status / 10 % 10);
    buf[2] = (char)('0' + status % 10);
    buf[3] = '\n';
    memcpy(buf + 4, "content-type: ", 14);
    memcpy(buf + 18, content_type, ct);
    buf[18 + ct] = '\n';
    buf[19 + ct] = '\n';
    if (len) memcpy(buf + head, body, len);
    int rc = wasp_reply(buf, total);
    if (buf != small) wasp_free(buf);
    return rc;
}

static inline int wasp_http_respond_str(int status, const char *text) {
    return wasp_http_respond(status, NULL, text, wasp_strlen(text));
}

/* ------------------------------------------------------------------------ */
/* Exports                                                                   */

/* The message handler: int fn(const char *msg, size_t len). The message is
 * valid until fn returns (copy what you keep) and, with the default
 * allocator, is followed by a NUL byte, so text can be used as a C string.
 * Return 0 when handled, anything else for a handler error (counted and
 * logged by the host; the actor goes on). A trap is a crash.
 *
 * WASP_HANDLER also exports the default wasp_alloc, unless WASP_NO_DEFAULT_ALLOC
 * is defined before including this header (then export your own
 * `int32_t wasp_alloc(int32_t size)`; in a component, `cabi_realloc`). */
typedef int (*wasp_handler_fn)(const char *msg, size_t len);

#define WASP_EXPORT_(name) __attribute__((export_name(name), visibility("default")))

#if defined(WASP_NO_DEFAULT_ALLOC) || defined(WASP_COMPONENT)
#define WASP_ALLOC_EXPORT_
#else
#define WASP_ALLOC_EXPORT_                                                                        \
    WASP_EXPORT_("wasp_alloc") int32_t wasp_export_alloc_(int32_t size) {                        \
        return size < 0 ? 0 : (int32_t)(uintptr_t)wasp_receive_buffer((size_t)size);            \
    }
#endif

#ifndef WASP_COMPONENT
#define WASP_HANDLER(fn)                                                                          \
    WASP_ALLOC_EXPORT_                                                                            \
    WASP_EXPORT_("handle-message") int32_t wasp_export_handle_message_(int32_t ptr, int32_t len) { \
        return wasp_dispatch_(fn, ptr, len);                                                     \
    }

/* Component initialisation, void fn(void): runs once after instantiation
 * (after the subscriptions of the manifest). A trap is a start failure. */
#define WASP_START(fn) \
    WASP_EXPORT_("_start") void wasp_export_start_(void) { fn(); }

/* Graceful stop, void fn(void): bounded by the manifest's stop_timeout. */
#define WASP_CLEANUP(fn) \
    WASP_EXPORT_("_cleanup") void wasp_export_cleanup_(void) { fn(); }

/* Health check, int fn(void): WASP_HEALTHY, WASP_DEGRADED or WASP_UNHEALTHY. */
#define WASP_HEALTH(fn) \
    WASP_EXPORT_("_health") int32_t wasp_export_health_(void) { return fn(); }
#endif

/* ------------------------------------------------------------------------ */
/* Implementation. Definitions that must be unique per module are weak.     */

#define WASP_WEAK_ __attribute__((weak))

/* The receive buffer: one block, reused for every message, replaced by a
 * bigger one when a bigger message arrives. One spare byte holds a NUL. It
 * is registered as the inbox, so the host calls `wasp_alloc` only for the
 * first message and for one that does not fit. */
WASP_WEAK_ char *wasp_rx_buf_;
WASP_WEAK_ size_t wasp_rx_cap_;

/* The address for the next incoming message of `size` bytes, or NULL (the
 * host then treats the message as a dead letter; the old buffer stays). */
static inline void *wasp_receive_buffer(size_t size) {
    if (size >= wasp_rx_cap_) {
        size_t cap = 256;
        while (cap <= size) {
            if (cap > ((size_t)1 << 30)) return NULL;
            cap *= 2;
        }
        char *buf = (char *)wasp_malloc(cap);
        if (!buf) return NULL;
        wasp_free(wasp_rx_buf_); /* the host delivers nothing between here and the next line */
        wasp_rx_buf_ = buf;
        wasp_rx_cap_ = cap;
#ifndef WASP_COMPONENT /* the canonical ABI allocates through cabi_realloc instead */
        wasp_raw_inbox(buf, (int32_t)(cap - 1));
#endif
    }
    return wasp_rx_buf_;
}

/* Handles the message at ptr, then (with the default receive buffer) the
 * ones queued behind it, in the same call: next_message ends each with its
 * handler's result, so every message counts as if it had a call of its own. */
static inline int32_t wasp_dispatch_(wasp_handler_fn fn, int32_t ptr, int32_t len) {
    char *msg = (char *)(uintptr_t)ptr;
    if (msg && msg == wasp_rx_buf_ && (size_t)len < wasp_rx_cap_) msg[len] = 0;
    int32_t r = (int32_t)fn(msg, (size_t)len);
#ifndef WASP_COMPONENT
    while (wasp_rx_cap_ > 1 && (len = wasp_raw_next_message(r, wasp_rx_buf_, (int32_t)(wasp_rx_cap_ - 1))) >= 0) {
        wasp_rx_buf_[len] = 0;
        r = (int32_t)fn(wasp_rx_buf_, (size_t)len);
    }
#endif
    return r;
}

/* abort() crashes through wasp_crash, with a reason, instead of with the
 * trap instruction of libc's abort; with wasi-libc a failed assert() does
 * too, naming the assertion. Weak, so that a component may define its own;
 * defined here, libc's are not linked in. */
WASP_WEAK_ __attribute__((noreturn)) void abort(void) { wasp_crash("abort()"); }
#if defined(__wasi__)
WASP_WEAK_ __attribute__((noreturn)) void __assert_fail(const char *expr, const char *file, int line,
                                                       const char *func) {
    wasp_assert_failed_(expr, file, line, func);
}
#endif

#if !defined(__wasi__)

/* The C library a freestanding component still needs: the compiler may emit
 * calls to these. no_builtin keeps the loops from being turned back into
 * calls to themselves. */
__attribute__((weak, no_builtin)) void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    while (n--) *d++ = *s++;
    return dst;
}
__attribute__((weak, no_builtin)) void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (d < s) while (n--) *d++ = *s++;
    else while (n--) d[n] = s[n];
    return dst;
}
__attribute__((weak, no_builtin)) void *memset(void *dst, int c, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}
__attribute__((weak, no_builtin)) int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x - *y;
    return 0;
}

/* A small allocator over linear memory, growing it with memory.grow (the
 * manifest's limits.memory caps it: then wasp_malloc returns NULL).
 * Blocks up to 32 KiB come in power-of-two size classes with a free list each;
 * bigger ones are whole 64 KiB pages, kept on one first-fit free list. A
 * 16-byte header before each block holds its size. */
extern unsigned char __heap_base;

#define WASP_PAGE_ ((size_t)65536)
#define WASP_HDR_ ((size_t)16)
#define WASP_SMALL_MAX_ ((size_t)32768)

struct wasp_block_ {
    size_t size;              /* whole block, header included */
    struct wasp_block_ *next; /* free-list link while free */
};

WASP_WEAK_ uintptr_t wasp_heap_next_, wasp_heap_end_;
WASP_WEAK_ struct wasp_block_ *wasp_free_small_[16];
WASP_WEAK_ struct wasp_block_ *wasp_free_large_;

static inline struct wasp_block_ *wasp_heap_take_(size_t size) {
    if (!wasp_heap_next_) {
        wasp_heap_next_ = ((uintptr_t)&__heap_base + WASP_HDR_ - 1) & ~(uintptr_t)(WASP_HDR_ - 1);
        wasp_heap_end_ = __builtin_wasm_memory_size(0) * WASP_PAGE_;
    }
    if (size > wasp_heap_end_ - wasp_heap_next_) {
        size_t need = size - (wasp_heap_end_ - wasp_heap_next_);
        size_t pages = (need + WASP_PAGE_ - 1) / WASP_PAGE_;
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
        wasp_heap_end_ += pages * WASP_PAGE_;
    }
    struct wasp_block_ *b = (struct wasp_block_ *)wasp_heap_next_;
    wasp_heap_next_ += size;
    b->size = size;
    return b;
}

WASP_WEAK_ void *wasp_malloc(size_t n) {
    if (n > ((size_t)1 << 31) - 2 * WASP_PAGE_) return NULL;
    size_t size = n + WASP_HDR_;
    struct wasp_block_ *b = NULL;
    if (size <= WASP_SMALL_MAX_) {
        unsigned cls = 5; /* 32 bytes */
        while (((size_t)1 << cls) < size) cls++;
        size = (size_t)1 << cls;
        b = wasp_free_small_[cls];
        if (b) wasp_free_small_[cls] = b->next;
        else b = wasp_heap_take_(size);
    } else {
        size = (size + WASP_PAGE_ - 1) & ~(WASP_PAGE_ - 1);
        for (struct wasp_block_ **pp = &wasp_free_large_; *pp; pp = &(*pp)->next) {
            if ((*pp)->size < size) continue;
            b = *pp;
            *pp = b->next;
            if (b->size - size >= WASP_PAGE_) { /* give back the tail */
                struct wasp_block_ *rest = (struct wasp_block_ *)((char *)b + size);
                rest->size = b->size - size;
                rest->next = wasp_free_large_;
                wasp_free_large_ = rest;
                b->size = size;
            }
            break;
        }
        if (!b) b = wasp_heap_take_(size);
    }
    return b ? (char *)b + WASP_HDR_ : NULL;
}

WASP_WEAK_ void wasp_free(void *ptr) {
    if (!ptr) return;
    struct wasp_block_ *b = (struct wasp_block_ *)((char *)ptr - WASP_HDR_);
    if (b->size <= WASP_SMALL_MAX_) {
        unsigned cls = 5;
        while (((size_t)1 << cls) < b->size) cls++;
        b->next = wasp_free_small_[cls];
        wasp_free_small_[cls] = b;
    } else {
        b->next = wasp_free_large_;
        wasp_free_large_ = b;
    }
}

WASP_WEAK_ void *wasp_realloc(void *ptr, size_t n) {
    if (!ptr) return wasp_malloc(n);
    struct wasp_block_ *b = (struct wasp_block_ *)((char *)ptr - WASP_HDR_);
    if (n + WASP_HDR_ <= b->size) return ptr;
    void *q = wasp_malloc(n);
    if (!q) return NULL;
    memcpy(q, ptr, b->size - WASP_HDR_);
    wasp_free(ptr);
    return q;
}

#endif /* !__wasi__ */

#ifdef __cplusplus
}
#endif

#endif /* WASP_GUEST_H */
