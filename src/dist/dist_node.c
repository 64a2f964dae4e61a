/* dist_node.c - a node's connection to NATS and its life cycle: create
 * (connect, claim the node name, install the router), start (the units this
 * node runs), the ticker thread (heartbeats, claims, failover), leave. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "dist/dist_internal.h"

void wasp__dist_log(wasp__dist *d, int level, const char *fmt, ...) {
    if (!wasp_log_enabled(d->sys, level)) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    wasp_log(d->sys, level, "wasp", "node %s: %s", d->node, buf);
}

void wasp__dist_guarded(wasp__dist *d, natsMsg *msg, void (*handle)(wasp__dist *d, natsMsg *msg)) {
    atomic_fetch_add(&d->in_callbacks, 1);
    if (!atomic_load(&d->leaving)) handle(d, msg);
    natsMsg_Destroy(msg);
    atomic_fetch_sub(&d->in_callbacks, 1);
}

static uint64_t random_incarnation(void) {
    uint64_t v = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(&v, sizeof(v), 1, f) != 1) v = 0;
        fclose(f);
    }
    return v ? v : wasp_clock_ns() ^ ((uint64_t)getpid() << 32);
}

static void on_disconnected(natsConnection *nc, void *closure) {
    (void)nc;
    wasp__dist *d = closure;
    if (!atomic_load(&d->leaving)) wasp__dist_log(d, WASP_LOG_WARN, "lost the NATS connection");
}

static void on_reconnected(natsConnection *nc, void *closure) {
    (void)nc;
    wasp__dist *d = closure;
    if (!atomic_load(&d->leaving)) wasp__dist_log(d, WASP_LOG_INFO, "NATS connection restored");
}

/* libnats runs connection events in order on one thread: once "closed" has
 * run, no other event will touch d, and destroy may free it. */
static void on_closed(natsConnection *nc, void *closure) {
    (void)nc;
    wasp__dist *d = closure;
    atomic_store(&d->closed, true);
}

static void on_async_error(natsConnection *nc, natsSubscription *sub, natsStatus s, void *closure) {
    (void)nc, (void)sub;
    wasp__dist *d = closure;
    wasp__dist_log(d, WASP_LOG_WARN, "NATS: %s", natsStatus_GetText(s));
}

/* Every publish is sent at once (libnats otherwise holds it ~1 ms for its
 * flusher; dist_out.c batches sends itself), quick pings, endless reconnects. */
natsStatus wasp__dist_nats_options(const wasp__dist_config *cfg, const char *client_name, natsOptions **out) {
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK) s = natsOptions_SetURL(o, cfg->url);
    if (s == NATS_OK) s = natsOptions_SetName(o, client_name);
    if (s == NATS_OK) s = natsOptions_SetSendAsap(o, true);
    if (s == NATS_OK) s = natsOptions_SetTimeout(o, 2000);
    if (s == NATS_OK) s = natsOptions_SetPingInterval(o, 1000);
    if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(o, 2);
    if (s == NATS_OK) s = natsOptions_SetAllowReconnect(o, true);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 100);
    if (s == NATS_OK && cfg->creds) s = natsOptions_SetUserCredentialsFromFiles(o, cfg->creds, NULL);
    if (s == NATS_OK && (cfg->tls_ca || cfg->tls_cert)) s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK && cfg->tls_ca) s = natsOptions_LoadCATrustedCertificates(o, cfg->tls_ca);
    if (s == NATS_OK && cfg->tls_cert)
        s = natsOptions_LoadCertificatesChain(o, cfg->tls_cert, cfg->tls_key);
    if (s != NATS_OK) natsOptions_Destroy(o);
    else *out = o;
    return s;
}

/* A node's own connection: no echo of its publishes, and its events. */
static natsStatus connect_options(wasp__dist *d, const wasp__dist_config *cfg, natsOptions **out) {
    char name[160];
    snprintf(name, sizeof(name), "wasp %s/%s", d->system, d->node);
    natsOptions *o = NULL;
    natsStatus s = wasp__dist_nats_options(cfg, name, &o);
    if (s == NATS_OK) s = natsOptions_SetNoEcho(o, true);
    if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(o, on_disconnected, d);
    if (s == NATS_OK) s = natsOptions_SetReconnectedCB(o, on_reconnected, d);
    if (s == NATS_OK) s = natsOptions_SetClosedCB(o, on_closed, d);
    if (s == NATS_OK) s = natsOptions_SetErrorHandler(o, on_async_error, d);
    if (s != NATS_OK && o) natsOptions_Destroy(o);
    else if (s == NATS_OK) *out = o;
    return s;
}

natsStatus wasp__dist_bucket(jsCtx *js, const char *bucket, kvStore **out) {
    if (js_KeyValue(out, js, bucket) == NATS_OK) return NATS_OK;
    kvConfig kc;
    kvConfig_Init(&kc);
    kc.Bucket = bucket;
    kc.History = 1;
    kc.StorageType = js_FileStorage; /* kept across a nats-server restart */
    return js_CreateKeyValue(out, js, &kc);
}

static int fail(char *err, size_t cap, int rc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t cap, int rc, const char *fmt, ...) {
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Subscriptions every node has: replies to its requests, heartbeats, topics. */
static natsStatus subscribe_node(wasp__dist *d) {
    char subj[DIST_SUBJECT_MAX];
    snprintf(d->inbox_prefix, sizeof(d->inbox_prefix), "wasp.%s.r.%s.%016llx.", d->system, d->node,
             (unsigned long long)d->incarnation);
    snprintf(subj, sizeof(subj), "%s*", d->inbox_prefix);
    natsStatus s = natsConnection_Subscribe(&d->inbox, d->nc, subj, wasp__dist_on_reply, d);
    snprintf(subj, sizeof(subj), "wasp.%s.hb.*", d->system);
    if (s == NATS_OK) s = natsConnection_Subscribe(&d->hb_sub, d->nc, subj, wasp__dist_on_heartbeat, d);
    snprintf(subj, sizeof(subj), "wasp.%s.t.>", d->system);
    if (s == NATS_OK) s = natsConnection_Subscribe(&d->topic_sub, d->nc, subj, wasp__dist_on_topic, d);
    /* Senders address the node that holds a unit's claim, so a node that
     * lost a unit (fenced, hung) gets no more of its messages. */
    snprintf(subj, sizeof(subj), "wasp.%s.a.%s.>", d->system, d->node);
    if (s == NATS_OK) s = natsConnection_Subscribe(&d->name_sub, d->nc, subj, wasp__dist_on_name, d);
    snprintf(subj, sizeof(subj), "wasp.%s.ctl.%s.report", d->system, d->node);
    if (s == NATS_OK) s = natsConnection_Subscribe(&d->report_sub, d->nc, subj, wasp__dist_on_report, d);
    /* Bursts wait in the client rather than being dropped as a slow consumer
     * (libnats' default is 65,536 messages). */
    if (s == NATS_OK) s = natsSubscription_SetPendingLimits(d->name_sub, 1 << 20, 1 << 29);
    if (s == NATS_OK) s = natsSubscription_SetPendingLimits(d->topic_sub, 1 << 20, 1 << 29);
    if (s == NATS_OK) s = natsConnection_FlushTimeout(d->nc, 2000);
    return s;
}

int wasp__dist_create(wasp_system *sys, wasp_manifest *m, const wasp__dist_config *cfg,
                      wasp__dist **out, char *err, size_t errcap) {
    *out = NULL;
    if (!sys || !m || !cfg || !cfg->url || !*cfg->url) return fail(err, errcap, WASP_EINVAL, "no NATS URL");
    if (!cfg->node || !wasp__dist_token_ok(cfg->node))
        return fail(err, errcap, WASP_EINVAL,
                    "invalid node name '%s' (1 to 64 letters, digits, '_' and '-')",
                    cfg->node ? cfg->node : "");
    const char *sysname = wasp_manifest_name(m);
    if (!sysname || !wasp__dist_token_ok(sysname))
        return fail(err, errcap, WASP_EINVAL,
                    "the system name '%s' cannot name a multi-node system (1 to 64 letters, digits, '_' and '-')",
                    sysname ? sysname : "");
    if (cfg->tls_cert && !cfg->tls_key)
        return fail(err, errcap, WASP_EINVAL, "a TLS certificate needs its key");
    wasp__dist *d = calloc(1, sizeof(*d));
    if (!d) return WASP_ENOMEM;
    d->sys = sys;
    d->m = m;
    snprintf(d->system, sizeof(d->system), "%s", sysname);
    snprintf(d->node, sizeof(d->node), "%s", cfg->node);
    d->incarnation = random_incarnation();
    d->hb_ns = cfg->heartbeat_ns ? cfg->heartbeat_ns : 500000000ull;
    d->dead_ns = cfg->dead_after_ns ? cfg->dead_after_ns : 2000000000ull;
    d->lease_ns = d->dead_ns * 3 / 4;
    pthread_mutex_init(&d->mu, NULL);
    pthread_mutex_init(&d->tick_mu, NULL);
    pthread_cond_init(&d->tick_cv, NULL);
    *out = d;

    int rc = wasp__dist_units_init(d, err, errcap);
    if (rc) return rc;
    natsOptions *o = NULL;
    natsStatus s = connect_options(d, cfg, &o);
    if (s != NATS_OK)
        return fail(err, errcap, WASP_EINVAL, "NATS options: %s", nats_GetLastError(NULL));
    s = natsConnection_Connect(&d->nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK)
        return fail(err, errcap, WASP_EIO, "cannot connect to %s: %s", cfg->url,
                    nats_GetLastError(NULL));
    d->max_payload = natsConnection_GetMaxPayload(d->nc);
    if ((rc = wasp__dist_out_start(d)))
        return fail(err, errcap, rc, "cannot start the sending thread");
    if ((s = natsConnection_JetStream(&d->js, d->nc, NULL)) == NATS_OK) {
        char bucket[128];
        snprintf(bucket, sizeof(bucket), "wasp_%s_units", d->system);
        s = wasp__dist_bucket(d->js, bucket, &d->kv);
    }
    if (s != NATS_OK)
        return fail(err, errcap, WASP_EIO,
                    "JetStream key-value is needed for claims (start nats-server with -js): %s",
                    nats_GetLastError(NULL));
    if ((s = subscribe_node(d)) != NATS_OK)
        return fail(err, errcap, WASP_EIO, "cannot subscribe: %s", nats_GetLastError(NULL));
    /* Listen for a heartbeat period and a half: a live process with our name
     * would be heard by then. */
    d->started_ns = wasp_clock_ns();
    usleep((useconds_t)(d->hb_ns * 3 / 2 / 1000));
    pthread_mutex_lock(&d->mu);
    bool conflict = d->conflict;
    pthread_mutex_unlock(&d->mu);
    if (conflict)
        return fail(err, errcap, WASP_EEXIST, "node %s is already running in system %s", d->node,
                    d->system);
    wasp_remote_ops ops = {.route = wasp__dist_route, .publish = wasp__dist_publish};
    rc = wasp_system_set_remote(sys, &ops, d);
    if (rc) return fail(err, errcap, rc, "the system was started already");
    return WASP_OK;
}

static void *ticker_main(void *arg) {
    wasp__dist *d = arg;
    pthread_mutex_lock(&d->tick_mu);
    while (!atomic_load(&d->leaving)) {
        pthread_mutex_unlock(&d->tick_mu);
        wasp__dist_units_tick(d);
        pthread_mutex_lock(&d->tick_mu);
        if (atomic_load(&d->leaving)) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t ns = (uint64_t)ts.tv_nsec + d->hb_ns;
        ts.tv_sec += (time_t)(ns / 1000000000ull);
        ts.tv_nsec = (long)(ns % 1000000000ull);
        pthread_cond_timedwait(&d->tick_cv, &d->tick_mu, &ts);
    }
    pthread_mutex_unlock(&d->tick_mu);
    return NULL;
}

int wasp__dist_start(wasp__dist *d, void (*on_give_up)(wasp_supervisor *, void *), void *arg,
                     wasp_supervisor **root, char *err, size_t errcap) {
    /* The root starts empty; the first tick claims and starts our units, so
     * a unit runs only where its claim is held. Without root: a client. */
    if (root) {
        bool *none = calloc(d->nunits ? d->nunits : 1, sizeof(bool));
        if (!none) return WASP_ENOMEM;
        int rc = wasp_manifest_start_units(d->m, d->sys, none, on_give_up, arg, root, err, errcap);
        free(none);
        if (rc) return rc;
        d->root = *root;
    }
    d->last_ok = wasp_clock_ns();
    atomic_store(&d->last_tick, d->last_ok);
    wasp__dist_units_tick(d);
    if (pthread_create(&d->ticker, NULL, ticker_main, d) != 0) return WASP_ENOMEM;
    d->ticker_started = true;
    wasp__dist_log(d, WASP_LOG_INFO, "joined system %s through NATS (%zu of %zu units here%s)", d->system,
             wasp__dist_running_units(d), d->nunits, d->root ? "" : ", as a client");
    return WASP_OK;
}

void wasp__dist_leave(wasp__dist *d) {
    if (!d || atomic_exchange(&d->leaving, true)) return;
    pthread_mutex_lock(&d->tick_mu);
    pthread_cond_broadcast(&d->tick_cv);
    pthread_mutex_unlock(&d->tick_mu);
    bool joined = d->ticker_started;
    if (d->ticker_started) pthread_join(d->ticker, NULL);
    d->ticker_started = false;
    wasp__dist_out_stop(d); /* what is queued leaves first */
    if (d->nc && joined) {
        wasp__dist_units_stop_all(d, false);
        wasp__dist_heartbeat(d, true); /* the others fail our units over at once */
        natsConnection_FlushTimeout(d->nc, 500);
    }
    wasp__dist_fail_calls(d, NULL, WASP_ESTOPPED, false);
}

void wasp__dist_destroy(wasp__dist *d) {
    if (!d) return;
    wasp__dist_leave(d);
    natsSubscription *subs[] = {d->inbox, d->hb_sub, d->topic_sub, d->name_sub, d->report_sub};
    const size_t nsubs = sizeof(subs) / sizeof(subs[0]);
    for (size_t i = 0; i < nsubs; i++)
        if (subs[i]) natsSubscription_Unsubscribe(subs[i]);
    /* callbacks already running finish before their state goes */
    for (int i = 0; i < 2000 && atomic_load(&d->in_callbacks); i++) usleep(1000);
    if (d->nc) natsConnection_Close(d->nc);
    for (int i = 0; d->nc && i < 2000 && !atomic_load(&d->closed); i++) usleep(1000);
    for (size_t i = 0; i < nsubs; i++) natsSubscription_Destroy(subs[i]);
    kvStore_Destroy(d->kv);
    jsCtx_Destroy(d->js);
    natsConnection_Destroy(d->nc);
    wasp__dist_units_free(d);
    wasp__dist_out_free(d);
    wasp__dist_fail_calls(d, NULL, WASP_ESTOPPED, false);
    wasp__hashmap_free(&d->calls);
    pthread_mutex_destroy(&d->mu);
    pthread_mutex_destroy(&d->tick_mu);
    pthread_cond_destroy(&d->tick_cv);
    if (!d->nc || atomic_load(&d->closed)) free(d); /* else a late event could still reach it */
}

size_t wasp__dist_live_nodes(wasp__dist *d) {
    uint64_t now = wasp_clock_ns();
    size_t n = 1; /* ourselves */
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->npeers; i++)
        if (dist_peer_fresh(&d->peers[i], now, d->dead_ns)) n++;
    pthread_mutex_unlock(&d->mu);
    return n;
}
