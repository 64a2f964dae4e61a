/* dist.h - one wasp system across several processes ("nodes"), on NATS
 * (docs/DISTRIBUTION.md). A layer on the public API: the runtime calls it
 * through wasp_system_set_remote for names it does not serve, and it starts
 * and stops the manifest's units through wasp_manifest_unit_start/stop.
 *
 *   dist_wire.c    subjects and message framing (pure functions)
 *   dist_node.c    connection, life cycle, the ticker thread
 *   dist_route.c   outgoing sends, requests, publishes; pending requests
 *   dist_out.c     the outgoing queue: sends and publishes leave in batches
 *   dist_serve.c   incoming sends, requests and publishes
 *   dist_units.c   heartbeats, liveness, claims in JetStream KV, failover, fencing
 *   dist_store.c   components' storage in a JetStream key-value bucket
 */
#ifndef WASP_DIST_H
#define WASP_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasp.h"

typedef struct wasp__dist wasp__dist;

typedef struct wasp__dist_config {
    const char *node;      /* this node's name: [A-Za-z0-9_-]{1,64} */
    const char *url;       /* NATS server URL(s), comma-separated */
    const char *creds;     /* NATS credentials file (JWT + nkey), or NULL */
    const char *tls_ca;    /* CA certificates to trust (PEM), or NULL */
    const char *tls_cert;  /* client certificate chain (PEM), or NULL ... */
    const char *tls_key;   /* ... and its key */
    uint64_t heartbeat_ns; /* 0 = 500 ms */
    uint64_t dead_after_ns;/* silence that makes a node dead; 0 = 2 s */
} wasp__dist_config;

/* Connects to NATS as node cfg->node of the manifest's system and installs
 * the remote router on sys (which must not be started yet). Refuses a node
 * name another live process uses. err gets the reason. */
int wasp__dist_create(wasp_system *sys, wasp_manifest *m, const wasp__dist_config *cfg,
                      wasp__dist **out, char *err, size_t errcap);
/* Starts the manifest with the units this node should run and begins
 * heartbeats, claims and failover (sys started). *root as
 * wasp_manifest_start_units. root NULL: a client node that runs no units
 * (its manifest need not be loaded with a wasm layer) but sends, calls and
 * publishes like the others. */
int wasp__dist_start(wasp__dist *d, void (*on_give_up)(wasp_supervisor *, void *), void *arg,
                     wasp_supervisor **root, char *err, size_t errcap);
/* Leaves the system: stops heartbeats and serving, tells the others, fails
 * requests still waiting for other nodes with WASP_ESTOPPED. Before
 * wasp_system_stop. Idempotent. */
void wasp__dist_leave(wasp__dist *d);
/* After wasp_system_stop. NULL is a no-op. */
void wasp__dist_destroy(wasp__dist *d);

/* The node whose claim serves name now (as this node last read it), copied
 * into out (at least WASP__DIST_TOKEN_MAX + 1 bytes). WASP_OK, or
 * WASP_ENOENT for a name of no unit or a unit nobody holds. */
int wasp__dist_owner(wasp__dist *d, const char *name, char *out);

/* Reports across nodes (whole-system statistics): fn(arg, &len) returns a
 * malloc'd report of this node (e.g. its statistics JSON) for the nodes that
 * ask; installed once, any time. gather asks every other live node for its
 * report and calls each(arg, node, data, len) with each answer that comes
 * within timeout_ns (in turn, on this thread); returns how many answered. */
typedef void *(*wasp__dist_report_fn)(void *arg, size_t *len);
void wasp__dist_set_report(wasp__dist *d, wasp__dist_report_fn fn, void *arg);
int wasp__dist_gather(wasp__dist *d, uint64_t timeout_ns,
                      void (*each)(void *arg, const char *node, const void *data, size_t len),
                      void *arg);
/* Components' storage for a node of a multi-node system: a store on the
 * JetStream key-value bucket wasp_<system>_kv, over its own connection made
 * with cfg's URL, credentials and TLS (docs/DISTRIBUTION.md, "Storage").
 * err gets the reason of a failure. Close it with wasp_store_close. */
int wasp__dist_store_open(const wasp__dist_config *cfg, const char *system, wasp_store **out,
                          char *err, size_t errcap);

/* This node's name. */
const char *wasp__dist_node(const wasp__dist *d);

/* Units this node runs now, and the nodes it sees alive (for logs, stats). */
size_t wasp__dist_running_units(wasp__dist *d);
size_t wasp__dist_live_nodes(wasp__dist *d);

/* ---- wire format (dist_wire.c) ------------------------------------------- */

#define WASP__DIST_TOKEN_MAX 64 /* system and node names: one subject token */

/* true if s is one NATS subject token we use: [A-Za-z0-9_-]{1,64}. */
bool wasp__dist_token_ok(const char *s);
/* Writes "wasp.<system>.<kind>.<rest>" into buf; WASP_EINVAL if rest cannot
 * be carried (empty, empty segments, whitespace or control bytes, '*' or '>')
 * or WASP_E2BIG if it does not fit. kind is one of "a" (names), "t" (topics). */
int wasp__dist_subject(char *buf, size_t cap, const char *system, const char *kind,
                       const char *rest);

/* "wasp.<system>.a.<node>.<name>": a send or request to name on node. */
int wasp__dist_name_subject(char *buf, size_t cap, const char *system, const char *node,
                            const char *name);

/* A frame is one flags byte; for a request 8 bytes of timeout (ns, little
 * endian); with a codec tag, its 8 bytes (little endian, 1..WASP_CODEC_MAX);
 * with a sender, one length byte and its name (1..255 bytes); then the
 * payload. Sends, requests and publishes share it. Replies: one status
 * byte (-status), or WASP__DIST_REPLY_TAGGED and 8 bytes of codec tag for a
 * tagged reply, then data. */
#define WASP__DIST_HIGH 0x01u
#define WASP__DIST_REQUEST 0x02u
#define WASP__DIST_SENDER 0x04u
#define WASP__DIST_CODEC 0x08u
#define WASP__DIST_REPLY_TAGGED 0x80u
#define WASP__DIST_FRAME_MAX (1 + 8 + 8 + 1 + 255)
/* sender (NULL or "": none; at most 255 bytes are kept) sets WASP__DIST_SENDER,
 * a codec other than 0 WASP__DIST_CODEC. */
size_t wasp__dist_frame_head(uint8_t *out, unsigned flags, uint64_t timeout_ns, const char *sender,
                             uint64_t codec);
struct wasp__dist_frame {
    unsigned flags;
    uint64_t timeout_ns;
    uint64_t codec;     /* 0: untagged */
    const char *sender; /* not NUL-terminated: sender_len bytes; NULL if none */
    size_t sender_len;
    const void *data;
    size_t len;
};
/* WASP_OK and the fields, or WASP_EINVAL for a malformed frame. */
int wasp__dist_frame_parse(const void *buf, size_t len, struct wasp__dist_frame *f);

/* A batch carries several frames to one subject in one NATS message: the
 * byte WASP__DIST_BATCH, then each frame after its length (4 bytes, little
 * endian). No frame has this flag, so a batch is told from a frame by its
 * first byte. */
#define WASP__DIST_BATCH 0x40u
/* The next frame of the batch (buf, len) from *off (0 at first): 1 and
 * (frame, flen), 0 at the end, or WASP_EINVAL for a malformed batch. */
int wasp__dist_batch_next(const void *buf, size_t len, size_t *off, const void **frame, size_t *flen);

#endif
