/* envelope.h - what carries a message: envelopes and the shared payload of
 * a publish (blob). envelope.c. A request's answer is a completion
 * (completion.h). */
#ifndef WASP_RUNTIME_ENVELOPE_H
#define WASP_RUNTIME_ENVELOPE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/completion.h"
#include "wasp.h"

/* A payload shared read-only by the envelopes of one publish. */
struct wasp_blob {
    atomic_uint refs;
    size_t len;
    uint64_t codec;
    char *topic;   /* points into bytes, after the payload */
    uint8_t bytes[];
};

/* The envelope pool's bookkeeping (env_pool.h): the home a block returns to
 * and, while the block is free, its links. */
struct wasp_env_home;
struct wasp_env_link {
    struct wasp_env_home *home; /* NULL: a plain malloc block */
    struct wasp_env *next;      /* free list / returned batch */
    struct wasp_env *tail;      /* a returned batch's first block: its last */
    uint32_t count;             /* ... and how many blocks it has */
};

struct wasp_env {
    struct wasp_env_link pool;   /* first: the rest is poisoned while free (ASan) */
    wasp_aid sender;
    wasp_aid reply_to;           /* direct reply target (ctx ask without timeout) */
    uint64_t corr;
    uint64_t deadline;           /* monotonic ns, 0 = no TTL */
    struct wasp_completion *completion; /* a request's answer (holds a reference) */
    struct wasp_blob *blob;      /* shared payload (holds a ref) */
    const void *data;
    size_t len;
    void (*free_fn)(void *);     /* moved-in payload */
    unsigned flags;              /* WASP_MSG_* */
    int status;
    char *sender_name;           /* relayed from another process (owned) */
    uint64_t codec;              /* codec tag, 0 = untagged */
    uint8_t kind;                /* WASP_ENV_* */
    uint8_t type;                /* runtime events: WASP_EVT_* */
    bool timed;                  /* a send_after letter counted in its target's mailbox timers */
    uint8_t inl[];               /* copied payload */
};

/* Envelope kinds. A runtime event is created only by runtime code
 * (events.c); no user send can make one, whatever its bytes, so a handler
 * never has to guess whether a payload is the runtime's. */
#define WASP_ENV_USER 0
#define WASP_ENV_EVENT 1


struct wasp_env *wasp__env_new_copy(const void *data, size_t len);
struct wasp_env *wasp__env_new_moved(void *data, size_t len, void (*free_fn)(void *));
struct wasp_env *wasp__env_new_blob(struct wasp_blob *b); /* takes a new blob ref */
/* Frees the envelope and what it owns; an unanswered request completes with
 * WASP_ENOREPLY. */
void wasp__env_free(struct wasp_env *e);
/* The same, an unanswered request completing with status instead. */
void wasp__env_free_status(struct wasp_env *e, int status);
struct wasp_blob *wasp__blob_new(const char *topic, size_t tlen, const void *data, size_t len);
void wasp__blob_unref(struct wasp_blob *b);

#endif
