/* wasp_guest_component.h - wasp_guest.h's imports and exports in the
 * canonical ABI of the Component Model, world wasp:actor/supervised-actor
 * (wit/actor.wit). Included by wasp_guest.h when WASP_COMPONENT is defined;
 * not meant to be included on its own.
 *
 * The core ABI's raw imports keep their signatures here (so every wrapper of
 * wasp_guest.h works unchanged); each calls the world's import and converts
 * its result: result<_, error> becomes 0 or the ABI code -(case + 1), values
 * the host hands back (call's reply, sender, topic, self-name) are copied to
 * the caller's buffer and freed.
 *
 * Exports: handle-message and cabi_realloc come with WASP_HANDLER; the three
 * lifecycle hooks are always exported and run the functions named by
 * WASP_START, WASP_CLEANUP and WASP_HEALTH when there are any. */
#ifndef WASP_GUEST_COMPONENT_H
#define WASP_GUEST_COMPONENT_H

#define WASP_CM_HOST_ "wasp:actor/host@1.0.0"
#define WASP_CM_STORAGE_ "wasp:actor/storage@1.0.0"
#define WASP_CM_LIFECYCLE_ "wasp:actor/lifecycle@1.0.0"
#define WASP_CM_IMPORT_(name) __attribute__((import_module(WASP_CM_HOST_), import_name(name)))
#define WASP_CM_STORAGE_IMPORT_(name) __attribute__((import_module(WASP_CM_STORAGE_), import_name(name)))

/* Return areas of the lowered imports (canonical ABI layout). */
struct wasp_cm_status_ { uint8_t is_err; uint8_t error; };
struct wasp_cm_u32_ { uint8_t is_err; uint32_t value; /* or the error's case in its low byte */ };
struct wasp_cm_bytes_ { uint8_t tag; uint8_t *ptr; size_t len; /* or the error's case in ptr's low byte */ };
struct wasp_cm_str_ { uint8_t *ptr; size_t len; };
/* result<u64, error>; result<tagged, error>; result<tuple<list<u8>, u64>, error> */
struct wasp_cm_u64_ { uint8_t is_err; uint64_t value; /* or the error's case in its low byte */ };
struct wasp_cm_tagged_ { uint8_t is_err; uint64_t codec; uint8_t *ptr; size_t len; };
struct wasp_cm_bytes_ver_ { uint8_t is_err; _Alignas(8) uint8_t *ptr; size_t len; uint64_t version; };

WASP_CM_IMPORT_("send") void wasp_cm_send_(const char *, size_t, const void *, size_t, struct wasp_cm_status_ *);
WASP_CM_IMPORT_("send-after") void wasp_cm_send_after_(const char *, size_t, const void *, size_t, uint32_t,
                                                        struct wasp_cm_status_ *);
WASP_CM_IMPORT_("publish") void wasp_cm_publish_(const char *, size_t, const void *, size_t, struct wasp_cm_u32_ *);
WASP_CM_IMPORT_("subscribe") void wasp_cm_subscribe_(const char *, size_t, struct wasp_cm_status_ *);
WASP_CM_IMPORT_("unsubscribe") void wasp_cm_unsubscribe_(const char *, size_t, struct wasp_cm_status_ *);
WASP_CM_IMPORT_("call") void wasp_cm_call_(const char *, size_t, const void *, size_t, uint32_t,
                                           struct wasp_cm_bytes_ *);
WASP_CM_IMPORT_("reply") void wasp_cm_reply_(const void *, size_t, struct wasp_cm_status_ *);
WASP_CM_IMPORT_("sender") void wasp_cm_sender_(struct wasp_cm_bytes_ *);
WASP_CM_IMPORT_("topic") void wasp_cm_topic_(struct wasp_cm_bytes_ *);
WASP_CM_IMPORT_("self-name") void wasp_cm_self_name_(struct wasp_cm_str_ *);
WASP_CM_IMPORT_("log") void wasp_cm_log_(int32_t, const char *, size_t);
WASP_CM_IMPORT_("now-ms") int64_t wasp_cm_now_ms_(void);
WASP_CM_IMPORT_("codec") int64_t wasp_cm_codec_(void);
WASP_CM_IMPORT_("send-tagged") void wasp_cm_send_tagged_(const char *, size_t, const void *, size_t, int64_t,
                                                         struct wasp_cm_status_ *);
WASP_CM_IMPORT_("send-after-tagged") void wasp_cm_send_after_tagged_(const char *, size_t, const void *, size_t,
                                                                     uint32_t, int64_t, struct wasp_cm_status_ *);
WASP_CM_IMPORT_("publish-tagged") void wasp_cm_publish_tagged_(const char *, size_t, const void *, size_t, int64_t,
                                                               struct wasp_cm_u32_ *);
WASP_CM_IMPORT_("reply-tagged") void wasp_cm_reply_tagged_(const void *, size_t, int64_t, struct wasp_cm_status_ *);
WASP_CM_IMPORT_("call-tagged") void wasp_cm_call_tagged_(const char *, size_t, const void *, size_t, uint32_t, int64_t,
                                                         struct wasp_cm_tagged_ *);
WASP_CM_STORAGE_IMPORT_("kv-get") void wasp_cm_kv_get_(const void *, size_t, struct wasp_cm_bytes_ *);
WASP_CM_STORAGE_IMPORT_("kv-get-versioned") void wasp_cm_kv_get_versioned_(const void *, size_t,
                                                                           struct wasp_cm_bytes_ver_ *);
WASP_CM_STORAGE_IMPORT_("kv-next") void wasp_cm_kv_next_(const void *, size_t, const void *, size_t,
                                                         struct wasp_cm_bytes_ *);
WASP_CM_STORAGE_IMPORT_("kv-put") void wasp_cm_kv_put_(const void *, size_t, const void *, size_t,
                                                       struct wasp_cm_status_ *);
WASP_CM_STORAGE_IMPORT_("kv-cas") void wasp_cm_kv_cas_(const void *, size_t, const void *, size_t, int64_t,
                                                       struct wasp_cm_u64_ *);
WASP_CM_STORAGE_IMPORT_("kv-delete") void wasp_cm_kv_delete_(const void *, size_t, struct wasp_cm_status_ *);

#if defined(__wasi__)
#define WASP_CM_REALLOC_ realloc
#define WASP_CM_FREE_ free
#else
void *wasp_realloc(void *ptr, size_t size);
void wasp_free(void *ptr);
#define WASP_CM_REALLOC_ wasp_realloc
#define WASP_CM_FREE_ wasp_free
#endif

static inline int32_t wasp_cm_status_code_(struct wasp_cm_status_ r) { return r.is_err ? -(int32_t)r.error - 1 : 0; }

#define WASP_CM_STATUS_CALL_(call) \
    do {                           \
        struct wasp_cm_status_ r_; \
        call;                      \
        return wasp_cm_status_code_(r_); \
    } while (0)

static inline int32_t wasp_raw_send(const char *to, int32_t to_len, const void *msg, int32_t msg_len) {
    WASP_CM_STATUS_CALL_(wasp_cm_send_(to, (size_t)to_len, msg, (size_t)msg_len, &r_));
}
static inline int32_t wasp_raw_send_after(const char *to, int32_t to_len, const void *msg, int32_t msg_len,
                                          int32_t delay_ms) {
    if (delay_ms < 0) return -6; /* EINVAL: the world's delay is unsigned */
    WASP_CM_STATUS_CALL_(wasp_cm_send_after_(to, (size_t)to_len, msg, (size_t)msg_len, (uint32_t)delay_ms, &r_));
}
static inline int32_t wasp_raw_publish(const char *topic, int32_t topic_len, const void *msg, int32_t msg_len) {
    struct wasp_cm_u32_ r;
    wasp_cm_publish_(topic, (size_t)topic_len, msg, (size_t)msg_len, &r);
    return r.is_err ? -(int32_t)(r.value & 0xff) - 1 : (int32_t)r.value;
}
static inline int32_t wasp_raw_subscribe(const char *pattern, int32_t len) {
    WASP_CM_STATUS_CALL_(wasp_cm_subscribe_(pattern, (size_t)len, &r_));
}
static inline int32_t wasp_raw_unsubscribe(const char *pattern, int32_t len) {
    WASP_CM_STATUS_CALL_(wasp_cm_unsubscribe_(pattern, (size_t)len, &r_));
}
static inline int32_t wasp_raw_reply(const void *msg, int32_t len) {
    WASP_CM_STATUS_CALL_(wasp_cm_reply_(msg, (size_t)len, &r_));
}

/* Copies a host-allocated value to out (at most cap bytes), frees it, and
 * returns its full length. */
static inline int32_t wasp_cm_take_(uint8_t *ptr, size_t len, void *out, int32_t cap) {
    size_t n = cap < 0 ? 0 : (size_t)cap;
    if (n > len) n = len;
    for (size_t i = 0; i < n; i++) ((uint8_t *)out)[i] = ptr[i];
    WASP_CM_FREE_(ptr);
    return len > 0x7fffffff ? 0x7fffffff : (int32_t)len;
}

static inline int32_t wasp_raw_call(const char *to, int32_t to_len, const void *msg, int32_t msg_len, void *out,
                                    int32_t out_cap, int32_t timeout_ms) {
    if (timeout_ms < 0) return -6; /* EINVAL */
    struct wasp_cm_bytes_ r;
    wasp_cm_call_(to, (size_t)to_len, msg, (size_t)msg_len, (uint32_t)timeout_ms, &r);
    if (r.tag) return -(int32_t)((uintptr_t)r.ptr & 0xff) - 1;
    return wasp_cm_take_(r.ptr, r.len, out, out_cap);
}
static inline int32_t wasp_raw_sender(char *out, int32_t cap) {
    struct wasp_cm_bytes_ r;
    wasp_cm_sender_(&r);
    return r.tag ? wasp_cm_take_(r.ptr, r.len, out, cap) : 0;
}
static inline int32_t wasp_raw_topic(char *out, int32_t cap) {
    struct wasp_cm_bytes_ r;
    wasp_cm_topic_(&r);
    return r.tag ? wasp_cm_take_(r.ptr, r.len, out, cap) : 0;
}
static inline int32_t wasp_raw_self(char *out, int32_t cap) {
    struct wasp_cm_str_ r;
    wasp_cm_self_name_(&r);
    return wasp_cm_take_(r.ptr, r.len, out, cap);
}
static inline void wasp_raw_log(int32_t level, const char *text, int32_t len) {
    wasp_cm_log_(level < 0 ? 0 : level > 4 ? 4 : level, text, (size_t)len);
}
static inline int64_t wasp_raw_now_ms(void) { return wasp_cm_now_ms_(); }

/* Codec tags: the world's codec is a u64; a negative one is EINVAL here,
 * as in the core ABI. */
static inline int64_t wasp_raw_codec(void) { return wasp_cm_codec_(); }
static inline int32_t wasp_raw_send_tagged(const char *to, int32_t to_len, const void *msg, int32_t msg_len,
                                           int64_t codec) {
    if (codec < 0) return -6;
    WASP_CM_STATUS_CALL_(wasp_cm_send_tagged_(to, (size_t)to_len, msg, (size_t)msg_len, codec, &r_));
}
static inline int32_t wasp_raw_send_after_tagged(const char *to, int32_t to_len, const void *msg, int32_t msg_len,
                                                 int32_t delay_ms, int64_t codec) {
    if (delay_ms < 0 || codec < 0) return -6;
    WASP_CM_STATUS_CALL_(
        wasp_cm_send_after_tagged_(to, (size_t)to_len, msg, (size_t)msg_len, (uint32_t)delay_ms, codec, &r_));
}
static inline int32_t wasp_raw_publish_tagged(const char *topic, int32_t topic_len, const void *msg, int32_t msg_len,
                                              int64_t codec) {
    if (codec < 0) return -6;
    struct wasp_cm_u32_ r;
    wasp_cm_publish_tagged_(topic, (size_t)topic_len, msg, (size_t)msg_len, codec, &r);
    return r.is_err ? -(int32_t)(r.value & 0xff) - 1 : (int32_t)r.value;
}
static inline int32_t wasp_raw_reply_tagged(const void *msg, int32_t len, int64_t codec) {
    if (codec < 0) return -6;
    WASP_CM_STATUS_CALL_(wasp_cm_reply_tagged_(msg, (size_t)len, codec, &r_));
}
static inline int32_t wasp_raw_call_tagged(const char *to, int32_t to_len, const void *msg, int32_t msg_len, void *out,
                                           int32_t out_cap, int32_t timeout_ms, int64_t codec, int64_t *reply_codec) {
    *reply_codec = 0;
    if (timeout_ms < 0 || codec < 0) return -6;
    struct wasp_cm_tagged_ r;
    wasp_cm_call_tagged_(to, (size_t)to_len, msg, (size_t)msg_len, (uint32_t)timeout_ms, codec, &r);
    if (r.is_err) return -(int32_t)(r.codec & 0xff) - 1;
    *reply_codec = (int64_t)r.codec;
    return wasp_cm_take_(r.ptr, r.len, out, out_cap);
}

/* Storage (interface storage): the same results as the core ABI's kv_*. */
static inline int32_t wasp_cm_bytes_result_(struct wasp_cm_bytes_ r, void *out, int32_t cap) {
    if (r.tag) return -(int32_t)((uintptr_t)r.ptr & 0xff) - 1;
    return wasp_cm_take_(r.ptr, r.len, out, cap);
}
static inline int32_t wasp_raw_kv_get(const void *key, int32_t key_len, void *out, int32_t out_cap) {
    struct wasp_cm_bytes_ r;
    wasp_cm_kv_get_(key, (size_t)key_len, &r);
    return wasp_cm_bytes_result_(r, out, out_cap);
}
static inline int32_t wasp_raw_kv_get_versioned(const void *key, int32_t key_len, void *out, int32_t out_cap,
                                                int64_t *version) {
    struct wasp_cm_bytes_ver_ r;
    wasp_cm_kv_get_versioned_(key, (size_t)key_len, &r);
    if (r.is_err) return -(int32_t)((uintptr_t)r.ptr & 0xff) - 1;
    *version = (int64_t)r.version;
    return wasp_cm_take_(r.ptr, r.len, out, out_cap);
}
static inline int32_t wasp_raw_kv_next(const void *prefix, int32_t prefix_len, const void *after, int32_t after_len,
                                       void *out, int32_t out_cap) {
    struct wasp_cm_bytes_ r;
    wasp_cm_kv_next_(prefix, (size_t)prefix_len, after, (size_t)after_len, &r);
    return wasp_cm_bytes_result_(r, out, out_cap);
}
static inline int32_t wasp_raw_kv_put(const void *key, int32_t key_len, const void *val, int32_t val_len) {
    WASP_CM_STATUS_CALL_(wasp_cm_kv_put_(key, (size_t)key_len, val, (size_t)val_len, &r_));
}
static inline int64_t wasp_raw_kv_cas(const void *key, int32_t key_len, const void *val, int32_t val_len,
                                      int64_t expect) {
    if (expect < 0) return -6;
    struct wasp_cm_u64_ r;
    wasp_cm_kv_cas_(key, (size_t)key_len, val, (size_t)val_len, expect, &r);
    return r.is_err ? -(int64_t)(r.value & 0xff) - 1 : (int64_t)r.value;
}
static inline int32_t wasp_raw_kv_delete(const void *key, int32_t key_len) {
    WASP_CM_STATUS_CALL_(wasp_cm_kv_delete_(key, (size_t)key_len, &r_));
}

/* ---- exports ---- */

/* The lifecycle hooks the WASP_START/CLEANUP/HEALTH macros define, if used. */
__attribute__((weak)) void wasp_user_start_(void);
__attribute__((weak)) void wasp_user_cleanup_(void);
__attribute__((weak)) int32_t wasp_user_health_(void);

#define WASP_START(fn) void wasp_user_start_(void) { fn(); }
#define WASP_CLEANUP(fn) void wasp_user_cleanup_(void) { fn(); }
#define WASP_HEALTH(fn) int32_t wasp_user_health_(void) { return fn(); }

/* cabi_realloc: how the host hands over lists and strings. One spare byte
 * holds a NUL, so a text message can be used as a C string, as with the core
 * ABI's receive buffer. With WASP_NO_DEFAULT_ALLOC the component exports its
 * own `cabi_realloc` (handle-message frees the message with WASP_CM_FREE_). */
#ifdef WASP_NO_DEFAULT_ALLOC
#define WASP_CM_REALLOC_EXPORT_
#else
#define WASP_CM_REALLOC_EXPORT_                                                                        \
    __attribute__((export_name("cabi_realloc"))) void *wasp_cm_realloc_(void *old, size_t old_size,   \
                                                                        size_t align, size_t size) {   \
        (void)old_size, (void)align; /* the SDK allocator aligns to 16 bytes */                       \
        char *p = (char *)WASP_CM_REALLOC_(old, size + 1);                                                \
        if (!p) __builtin_trap(); /* the canonical ABI has no "no memory" answer */                    \
        p[size] = 0;                                                                                   \
        return p;                                                                                      \
    }
#endif
#define WASP_CM_EXPORTS_                                                                               \
    WASP_CM_REALLOC_EXPORT_                                                                            \
    __attribute__((export_name(WASP_CM_LIFECYCLE_ "#start"))) void wasp_cm_start_(void) {              \
        if (wasp_user_start_) wasp_user_start_();                                                      \
    }                                                                                                  \
    __attribute__((export_name(WASP_CM_LIFECYCLE_ "#cleanup"))) void wasp_cm_cleanup_(void) {          \
        if (wasp_user_cleanup_) wasp_user_cleanup_();                                                  \
    }                                                                                                  \
    __attribute__((export_name(WASP_CM_LIFECYCLE_ "#check-health"))) int32_t wasp_cm_health_(void) {   \
        return wasp_user_health_ ? wasp_user_health_() : 0;                                            \
    }

/* handle-message(list<u8>) -> s32: the list is the callee's to free. */
#define WASP_HANDLER(fn)                                                                               \
    WASP_CM_EXPORTS_                                                                                   \
    __attribute__((export_name("handle-message"))) int32_t wasp_cm_handle_message_(char *msg, size_t len) { \
        int32_t r = (int32_t)fn(msg ? msg : "", len);                                                  \
        WASP_CM_FREE_(msg);                                                                             \
        return r;                                                                                      \
    }

#endif
