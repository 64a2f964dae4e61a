/* dist_internal.h - the state of one node, shared by the dist_*.c files. */
#ifndef WASP_DIST_INTERNAL_H
#define WASP_DIST_INTERNAL_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/clock.h"
#include "core/hashmap.h"
#include "dist/dist.h"

#define DIST_MAX_NODES 64
#define DIST_SUBJECT_MAX 400

/* A node seen through its heartbeats. */
struct dist_peer {
    char name[WASP__DIST_TOKEN_MAX + 1];
    uint64_t incarnation;
    uint64_t last_seen; /* monotonic ns; 0 = left */
};

/* A top-level unit of the manifest and who serves it. */
struct dist_unit {
    wasp_manifest_unit u;
    size_t index;
    char **names;         /* actor and pool names it serves */
    size_t nnames;
    bool running;         /* started here (ticker thread only) */
    /* the owner from the claims bucket, read by senders */
    pthread_mutex_t mu;
    char owner[WASP__DIST_TOKEN_MAX + 1]; /* "" = nobody */
    uint64_t owner_inc;
    uint64_t rev;         /* revision of the claim entry, 0 = none */
    atomic_bool served;   /* the owner is alive as far as we know */
    _Atomic uint64_t refreshed; /* last refresh from the bucket (ns) */
};

/* A request sent to another node, waiting for its reply. */
struct dist_call {
    uint64_t id;
    wasp_reply_fn fn;
    void *arg;
    uint64_t *reply_codec;                /* the asker's: the reply's codec tag */
    char owner[WASP__DIST_TOKEN_MAX + 1]; /* the node expected to answer */
    uint64_t expires;                     /* ns; forgotten after this (0 = never) */
};

/* The outgoing queue of sends and publishes (dist_out.c). */
struct dist_out {
    pthread_mutex_t mu;     /* the queue */
    pthread_cond_t cv;      /* the flusher waits for work */
    uint8_t *buf, *spare;   /* runs waiting; the buffer being published */
    size_t len, cap, spare_cap;
    size_t run;             /* offset of the last run, SIZE_MAX if none */
    size_t batch_max;       /* bytes of frames in one NATS message */
    atomic_bool queued;     /* len > 0, read without the lock */
    bool idle, stop, started, initialized;
    pthread_mutex_t pub_mu; /* held while publishing: queue order is wire order */
    pthread_t thread;
};

struct wasp__dist {
    wasp_system *sys;
    wasp_manifest *m;
    wasp_supervisor *root;
    char system[WASP__DIST_TOKEN_MAX + 1];
    char node[WASP__DIST_TOKEN_MAX + 1];
    uint64_t incarnation;
    uint64_t hb_ns, dead_ns, lease_ns;
    uint64_t started_ns;

    natsConnection *nc;
    jsCtx *js;
    kvStore *kv;
    int64_t max_payload;
    natsSubscription *inbox, *hb_sub, *topic_sub, *name_sub, *report_sub;
    _Atomic(wasp__dist_report_fn) report_fn;
    void *report_arg;
    char inbox_prefix[192]; /* "wasp.S.r.NODE.INC." (tokens <= 64 bytes) */

    struct dist_unit *units;
    size_t nunits;
    struct wasp_hashmap names; /* name -> struct dist_unit * (read-only after create) */

    pthread_mutex_t mu; /* peers and calls */
    struct dist_peer peers[DIST_MAX_NODES];
    size_t npeers;
    struct wasp_hashmap calls; /* id -> struct dist_call * */
    uint64_t next_call;

    pthread_t ticker;
    bool ticker_started;
    pthread_mutex_t tick_mu;
    pthread_cond_t tick_cv;
    atomic_bool leaving;
    atomic_bool fenced;
    atomic_int in_callbacks; /* NATS callbacks running now */
    atomic_bool closed;      /* the connection's last event has run */
    uint64_t last_ok;        /* last confirmed round trip to the server (ticker) */
    _Atomic uint64_t last_tick; /* start of the ticker's last round (ns), 0 before start */
    bool conflict;           /* another live process uses our node name */
    struct dist_out out;
};

/* Heard from within dead_ns of now (a heartbeat may be newer than now). */
static inline bool dist_peer_fresh(const struct dist_peer *p, uint64_t now, uint64_t dead_ns) {
    return p->last_seen && (p->last_seen >= now || now - p->last_seen < dead_ns);
}

/* The ticker has not run for a lease: this process was stopped or starved
 * and is about to fence itself, while others may have taken its failover
 * units over. What arrives now (maybe queued since before the stop) is
 * dropped rather than handed to units that are no longer this node's. */
static inline bool dist_stale(wasp__dist *d) {
    uint64_t t = atomic_load_explicit(&d->last_tick, memory_order_acquire);
    return t && wasp_clock_ns() - t > d->lease_ns;
}

/* dist_node.c */
void wasp__dist_log(wasp__dist *d, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The body of every NATS message callback: runs handle(d, msg) unless the
 * node is leaving (counted, so destroy can wait for it), then frees msg. */
void wasp__dist_guarded(wasp__dist *d, natsMsg *msg, void (*handle)(wasp__dist *d, natsMsg *msg));
#define DIST_CALLBACK(name, handle)                                                      \
    void name(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure) { \
        (void)nc, (void)sub;                                                             \
        wasp__dist_guarded(closure, msg, handle);                                              \
    }

/* The connection options every connection of a node shares: URL, name,
 * credentials, TLS, pings and reconnects (dist_node.c). */
natsStatus wasp__dist_nats_options(const wasp__dist_config *cfg, const char *client_name, natsOptions **out);

/* The JetStream key-value bucket of that name, created if missing (one
 * value per key, on disk). */
natsStatus wasp__dist_bucket(jsCtx *js, const char *bucket, kvStore **out);

/* dist_out.c */
int wasp__dist_out_start(wasp__dist *d);
/* Stops the flusher, publishing what is still queued. */
void wasp__dist_out_stop(wasp__dist *d);
void wasp__dist_out_free(wasp__dist *d);
/* Queues the frame (head, data) for subject; WASP_OK, or the error of a
 * frame too big to queue that was published at once. */
int wasp__dist_out_push(wasp__dist *d, const char *subject, const uint8_t *head, size_t hlen,
                        const void *data, size_t len);
/* Publishes what is queued and holds the queue's order until unlock: a
 * request or reply published in between follows what was sent before it. */
void wasp__dist_out_lock(wasp__dist *d);
void wasp__dist_out_unlock(wasp__dist *d);

/* dist_route.c */
int wasp__dist_route(void *arg, const wasp_send_opts *o, wasp_aid sender, uint64_t timeout_ns,
               wasp_reply_fn fn, void *fn_arg);
int wasp__dist_publish(void *arg, const char *topic, const void *data, size_t len, wasp_aid sender,
                       uint64_t codec);
void wasp__dist_on_reply(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure);
/* Completes waiting requests with status: those expected from node `owner`
 * (NULL: all), and (expired_only) only those past their expiry. */
void wasp__dist_fail_calls(wasp__dist *d, const char *owner, int status, bool expired_only);
int wasp__dist_status_of(natsStatus s);

/* dist_serve.c */
void wasp__dist_on_name(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure);
void wasp__dist_on_topic(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure);
/* true on the thread that delivers a message from another node (its local
 * misses must not travel again). */
bool wasp__dist_serving(void);

/* dist_report.c */
void wasp__dist_on_report(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure);

/* dist_units.c */
int wasp__dist_units_init(wasp__dist *d, char *err, size_t errcap);
void wasp__dist_units_free(wasp__dist *d);
void wasp__dist_on_heartbeat(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure);
void wasp__dist_heartbeat(wasp__dist *d, bool leaving);
bool wasp__dist_peer_alive(wasp__dist *d, const char *node, uint64_t now);
/* Re-reads a unit's claim (owner, revision, served). */
void wasp__dist_unit_refresh(wasp__dist *d, struct dist_unit *u);
/* Which units start here at first (claims not yet taken). */
bool wasp__dist_unit_home(wasp__dist *d, const struct dist_unit *u);
/* One round of liveness, fencing, claims and failover (ticker thread). */
void wasp__dist_units_tick(wasp__dist *d);
/* Stops serving every unit (leaving). */
void wasp__dist_units_stop_all(wasp__dist *d, bool failover_only);

#endif
