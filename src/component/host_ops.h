/* host_ops.h - what each host import means, shared by both guest ABIs.
 *
 * Core modules (host_imports.c, host_call.c) and components (host_cm.c)
 * differ only in how arguments cross: guest pointers checked against linear
 * memory, or canonical-ABI values. Both hand the operations below checked C
 * values; these validate names, permissions and sizes in one place and
 * return the same ABI codes (docs/ABI.md). */
#ifndef WASP_COMPONENT_HOST_OPS_H
#define WASP_COMPONENT_HOST_OPS_H

#include "component/component.h"

/* Copies a 1..255-byte strict UTF-8 name (no NUL) into buf, NUL-terminated.
 * WASP_OK or WASP_EINVAL. */
int wasp__op_name(const uint8_t *p, size_t n, char buf[256]);
/* EPERM for op (`call`, ...) to `to`, with the warn line of a denial. */
int wasp__op_denied_send(struct wasp_cinst *ci, const char *op, const char *to);

/* The message operations take the message's codec tag (0: untagged; a
 * negative or too large tag is EINVAL). */
int wasp__op_send(struct wasp_cinst *ci, const char *to, const uint8_t *msg, size_t len, int64_t codec);
int wasp__op_send_after(struct wasp_cinst *ci, const char *to, const uint8_t *msg, size_t len, int64_t delay_ms,
                        int64_t codec);
/* How many subscribers were queued a copy, or an ABI error. */
int wasp__op_publish(struct wasp_cinst *ci, const char *topic, const uint8_t *msg, size_t len, int64_t codec);
int wasp__op_subscribe(struct wasp_cinst *ci, const char *pattern);
int wasp__op_unsubscribe(struct wasp_cinst *ci, const char *pattern);
int wasp__op_reply(struct wasp_cinst *ci, const uint8_t *msg, size_t len, int64_t codec);
/* The codec tag of the message being handled (0: untagged or none). */
int64_t wasp__op_codec(const struct wasp_cinst *ci);
/* The sender's name of the message being handled into buf: its length, 0 if none. */
size_t wasp__op_sender(struct wasp_cinst *ci, char buf[256]);
/* The topic of the message being handled, or NULL. */
const char *wasp__op_topic(struct wasp_cinst *ci);
void wasp__op_log(struct wasp_cinst *ci, int level, const uint8_t *text, size_t n);
uint64_t wasp__op_now_ms(const struct wasp_wasm *w);
/* `call`: checks and sends the request. Returns a wait (then *rc is
 * WASP_OK) or NULL with *rc the ABI result to return at once. The wait is
 * polled with wasp__call_wait_done and let go with wasp__host_wait_finalize. */
struct wasp_call_wait *wasp__op_call(struct wasp_cinst *ci, const char *to, const uint8_t *msg, size_t len,
                                    int64_t timeout_ms, int64_t codec, int *rc);
/* true once the reply (or failure) is in: *status is WASP_OK or an ABI
 * code, *reply and *len the reply's bytes (owned by the wait), *codec its
 * tag. */
bool wasp__call_wait_done(struct wasp_call_wait *w, int *status, const uint8_t **reply, size_t *len,
                          uint64_t *codec);

/* Storage, for both ABIs (host_kv.c). Keys are checked here (1..1,024
 * bytes: EINVAL), then the grant (EPERM). Reads copy at most cap bytes of
 * the value (or key, for next) into out and return the full length, or an
 * ABI code; a store failure is a host error (< WASP_ELIMIT) the import
 * turns into a trap. */
int wasp__op_kv_get(struct wasp_cinst *ci, const uint8_t *key, size_t klen, uint8_t *out, size_t cap,
                    uint64_t *version);
int wasp__op_kv_next(struct wasp_cinst *ci, const uint8_t *prefix, size_t plen, const uint8_t *after,
                     size_t alen, uint8_t *out, size_t cap);
/* A write (WASP_KV_PUT, _CAS, _DELETE): queued to the store's writer
 * thread. Returns a wait (then *rc is WASP_OK), or NULL with *rc the ABI
 * result to return at once, or a host error (then trap). */
struct wasp_kv_wait *wasp__op_kv_write(struct wasp_cinst *ci, int op, const uint8_t *key, size_t klen,
                                       const uint8_t *val, size_t vlen, int64_t expect, int *rc);
/* true once written: *result is what the import returns (0 or an ABI code;
 * for cas the new version, 0 on a version mismatch, or an ABI code). */
bool wasp__kv_wait_done(struct wasp_kv_wait *w, int64_t *result);

#endif
