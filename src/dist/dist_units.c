/* dist_units.c - who runs which unit. Each node publishes a heartbeat every
 * hb_ns; a node silent for dead_ns is dead. A unit runs where its claim in
 * the JetStream key-value bucket wasp_<system>_units says ("node
 * incarnation"); claims are taken with Create / Update(expected revision),
 * so of several nodes racing for a unit exactly one wins. A node that cannot
 * confirm its connection for lease_ns (< dead_ns), or finds it was not
 * scheduled for that long (SIGSTOP), stops its failover units first: by the
 * time the others see it dead, it no longer serves them (fencing). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "dist/dist_internal.h"

/* ---- units and their names -------------------------------------------------- */

static int add_name(wasp__dist *d, struct dist_unit *u, const char *name) {
    char *copy = strdup(name);
    char **v = realloc(u->names, (u->nnames + 1) * sizeof(*v));
    if (!copy || !v) {
        free(copy);
        if (v) u->names = v;
        return WASP_ENOMEM;
    }
    u->names = v;
    u->names[u->nnames++] = copy;
    return wasp__hashmap_put(&d->names, copy, strlen(copy), u, NULL);
}

int wasp__dist_units_init(wasp__dist *d, char *err, size_t errcap) {
    (void)err, (void)errcap;
    d->nunits = wasp_manifest_unit_count(d->m);
    d->units = calloc(d->nunits ? d->nunits : 1, sizeof(*d->units));
    if (!d->units) return WASP_ENOMEM;
    for (size_t i = 0; i < d->nunits; i++) {
        struct dist_unit *u = &d->units[i];
        pthread_mutex_init(&u->mu, NULL);
        u->index = i;
        wasp_manifest_unit_get(d->m, i, &u->u);
        size_t comps[256];
        size_t n = wasp_manifest_unit_components(d->m, i, comps, 256);
        for (size_t k = 0; k < n && k < 256; k++) {
            const wasp_component_spec *c = wasp_manifest_component(d->m, comps[k]);
            int rc = add_name(d, u, c->name);
            for (uint32_t j = 0; !rc && c->instances > 1 && j < c->instances; j++) {
                char nm[300];
                snprintf(nm, sizeof(nm), "%s.%" PRIu32, c->name, j);
                rc = add_name(d, u, nm);
            }
            if (rc) return rc;
        }
    }
    return WASP_OK;
}

void wasp__dist_units_free(wasp__dist *d) {
    for (size_t i = 0; d->units && i < d->nunits; i++) {
        struct dist_unit *u = &d->units[i];
        for (size_t k = 0; k < u->nnames; k++) free(u->names[k]);
        free(u->names);
        pthread_mutex_destroy(&u->mu);
    }
    free(d->units);
    d->units = NULL;
    wasp__hashmap_free(&d->names);
}

int wasp__dist_owner(wasp__dist *d, const char *name, char *out) {
    struct dist_unit *u = name ? wasp__hashmap_get(&d->names, name, strlen(name)) : NULL;
    if (!u) return WASP_ENOENT;
    wasp__dist_unit_refresh(d, u);
    pthread_mutex_lock(&u->mu);
    memcpy(out, u->owner, sizeof(u->owner));
    pthread_mutex_unlock(&u->mu);
    return out[0] ? WASP_OK : WASP_ENOENT;
}

size_t wasp__dist_running_units(wasp__dist *d) {
    size_t n = 0;
    for (size_t i = 0; i < d->nunits; i++) n += d->units[i].running;
    return n;
}

/* ---- heartbeats and liveness ------------------------------------------------- */

void wasp__dist_heartbeat(wasp__dist *d, bool leaving) {
    char subj[DIST_SUBJECT_MAX], body[64];
    snprintf(subj, sizeof(subj), "wasp.%s.hb.%s", d->system, d->node);
    int n = snprintf(body, sizeof(body), "%016" PRIx64 " %c", d->incarnation, leaving ? 'L' : 'A');
    natsConnection_Publish(d->nc, subj, body, n);
}

static struct dist_peer *peer_find(wasp__dist *d, const char *node, bool add) {
    for (size_t i = 0; i < d->npeers; i++)
        if (!strcmp(d->peers[i].name, node)) return &d->peers[i];
    if (!add || d->npeers == DIST_MAX_NODES) return NULL;
    struct dist_peer *p = &d->peers[d->npeers++];
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s", node);
    return p;
}

static void handle_heartbeat(wasp__dist *d, natsMsg *msg) {
    const char *node = strrchr(natsMsg_GetSubject(msg), '.');
    char body[64] = "";
    int len = natsMsg_GetDataLength(msg);
    if (len > 0 && len < (int)sizeof(body)) memcpy(body, natsMsg_GetData(msg), (size_t)len);
    uint64_t inc = strtoull(body, NULL, 16);
    bool leaving = len > 17 && body[17] == 'L';
    if (node && wasp__dist_token_ok(++node) && inc) {
        bool restarted = false, conflict = false;
        pthread_mutex_lock(&d->mu);
        if (!strcmp(node, d->node)) {
            conflict = inc != d->incarnation && !leaving && !d->conflict;
            if (conflict) d->conflict = true;
        } else {
            struct dist_peer *p = peer_find(d, node, true);
            if (p && leaving && p->incarnation != inc) p = NULL; /* not the one we know */
            if (p) {
                restarted = p->incarnation && p->incarnation != inc;
                p->incarnation = inc;
                p->last_seen = leaving ? 0 : wasp_clock_ns();
            }
        }
        pthread_mutex_unlock(&d->mu);
        if (conflict)
            wasp__dist_log(d, WASP_LOG_ERROR, "another process runs as node %s (incarnation %016" PRIx64 ")",
                     node, inc);
        if (restarted || leaving) {
            wasp__dist_log(d, WASP_LOG_INFO, "node %s %s", node, leaving ? "left" : "restarted");
            wasp__dist_fail_calls(d, node, WASP_ESTOPPED, false);
        }
    }
}

DIST_CALLBACK(wasp__dist_on_heartbeat, handle_heartbeat)

bool wasp__dist_peer_alive(wasp__dist *d, const char *node, uint64_t now) {
    if (!strcmp(node, d->node)) return !atomic_load(&d->fenced);
    pthread_mutex_lock(&d->mu);
    struct dist_peer *p = peer_find(d, node, false);
    bool alive = p && dist_peer_fresh(p, now, d->dead_ns);
    pthread_mutex_unlock(&d->mu);
    return alive;
}

/* ---- placement ------------------------------------------------------------- */

static uint64_t rendezvous(const char *unit, const char *node) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a over "unit\0node", then mixed */
    for (const char *p = unit; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h *= 1099511628211ull;
    for (const char *p = node; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

static bool node_fits(wasp__dist *d, const struct dist_unit *u, const char *node) {
    if (!u->u.nlabels) return true;
    for (size_t i = 0; i < wasp_manifest_node_count(d->m); i++) {
        const wasp_manifest_node *n = wasp_manifest_node_get(d->m, i);
        if (strcmp(n->name, node)) continue;
        for (size_t l = 0; l < u->u.nlabels; l++) {
            bool has = false;
            for (size_t k = 0; k < n->nlabels && !has; k++) has = !strcmp(n->labels[k], u->u.labels[l]);
            if (!has) return false;
        }
        return true;
    }
    return false;
}

/* With a `nodes` list, only the nodes in it run units (others are clients). */
static bool declared(wasp__dist *d, const char *node) {
    size_t n = wasp_manifest_node_count(d->m);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(wasp_manifest_node_get(d->m, i)->name, node)) return true;
    return n == 0;
}

bool wasp__dist_unit_home(wasp__dist *d, const struct dist_unit *u) {
    if (u->u.node) return !strcmp(u->u.node, d->node);
    size_t n = wasp_manifest_node_count(d->m);
    if (!n) return true; /* no node list: the first node to claim it runs it */
    const char *best = NULL;
    uint64_t best_h = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = wasp_manifest_node_get(d->m, i)->name;
        uint64_t h = rendezvous(u->u.name, name);
        if (node_fits(d, u, name) && (!best || h > best_h)) best = name, best_h = h;
    }
    return best && !strcmp(best, d->node);
}

/* Of the live nodes that fit the unit, the one that takes it over: its
 * placed node if alive, else the rendezvous-hash winner. */
static bool failover_winner(wasp__dist *d, const struct dist_unit *u, uint64_t now) {
    if (u->u.node && strcmp(u->u.node, d->node) && wasp__dist_peer_alive(d, u->u.node, now)) return false;
    if (u->u.node && !strcmp(u->u.node, d->node)) return node_fits(d, u, d->node) || !u->u.nlabels;
    if (!declared(d, d->node) || (u->u.nlabels && !node_fits(d, u, d->node))) return false;
    uint64_t mine = rendezvous(u->u.name, d->node);
    bool win = true;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->npeers && win; i++) {
        const struct dist_peer *p = &d->peers[i];
        if (!dist_peer_fresh(p, now, d->dead_ns)) continue;
        if (!declared(d, p->name) || (u->u.nlabels && !node_fits(d, u, p->name))) continue;
        uint64_t h = rendezvous(u->u.name, p->name);
        if (h > mine || (h == mine && strcmp(p->name, d->node) > 0)) win = false;
    }
    pthread_mutex_unlock(&d->mu);
    return win;
}

/* ---- claims ---------------------------------------------------------------- */

void wasp__dist_unit_refresh(wasp__dist *d, struct dist_unit *u) {
    kvEntry *e = NULL;
    natsStatus s = kvStore_Get(&e, d->kv, u->u.name);
    uint64_t now = wasp_clock_ns();
    if (s != NATS_OK && s != NATS_NOT_FOUND) return; /* keep what we knew */
    char owner[WASP__DIST_TOKEN_MAX + 1] = "";
    uint64_t inc = 0, rev = 0;
    if (s == NATS_OK) {
        char val[128] = "";
        int len = kvEntry_ValueLen(e);
        if (len > 0 && len < (int)sizeof(val)) memcpy(val, kvEntry_Value(e), (size_t)len);
        char *sp = strchr(val, ' ');
        if (sp) {
            *sp = 0;
            inc = strtoull(sp + 1, NULL, 16);
            if (wasp__dist_token_ok(val)) memcpy(owner, val, strlen(val) + 1); /* <= 64 bytes */
        }
        rev = kvEntry_Revision(e);
        kvEntry_Destroy(e);
    }
    bool mine = !strcmp(owner, d->node) && inc == d->incarnation;
    bool served = owner[0] && (mine ? u->running && !atomic_load(&d->fenced)
                                    : strcmp(owner, d->node) && wasp__dist_peer_alive(d, owner, now));
    pthread_mutex_lock(&u->mu);
    memcpy(u->owner, owner, sizeof(owner));
    u->owner_inc = inc;
    u->rev = rev;
    pthread_mutex_unlock(&u->mu);
    atomic_store(&u->served, served);
    atomic_store(&u->refreshed, now);
}

static bool claim(wasp__dist *d, struct dist_unit *u) {
    char val[128];
    int n = snprintf(val, sizeof(val), "%s %016" PRIx64, d->node, d->incarnation);
    uint64_t rev = 0;
    natsStatus s = u->rev ? kvStore_Update(&rev, d->kv, u->u.name, val, n, u->rev)
                          : kvStore_Create(&rev, d->kv, u->u.name, val, n);
    if (s != NATS_OK) return false;
    pthread_mutex_lock(&u->mu);
    snprintf(u->owner, sizeof(u->owner), "%s", d->node);
    u->owner_inc = d->incarnation;
    u->rev = rev;
    pthread_mutex_unlock(&u->mu);
    return true;
}

/* ---- starting and stopping units here -------------------------------------- */

static void stop_unit(wasp__dist *d, struct dist_unit *u, bool stop_actors, const char *why) {
    if (!u->running) return;
    atomic_store(&u->served, false);
    if (stop_actors) wasp_manifest_unit_stop(d->m, d->root, u->index);
    u->running = false;
    if (why) wasp__dist_log(d, WASP_LOG_WARN, "stopped unit %s: %s", u->u.name, why);
}

static void start_unit(wasp__dist *d, struct dist_unit *u, const char *why) {
    char err[512];
    int rc = wasp_manifest_unit_start(d->m, d->root, u->index, err, sizeof(err));
    if (rc && rc != WASP_EEXIST) {
        wasp__dist_log(d, WASP_LOG_ERROR, "cannot start unit %s: %s", u->u.name, err);
        return; /* the claim stays ours: the next tick tries again */
    }
    u->running = true;
    atomic_store(&u->served, true);
    wasp__dist_log(d, WASP_LOG_INFO, "serving unit %s (%s)", u->u.name, why);
}

void wasp__dist_units_stop_all(wasp__dist *d, bool failover_only) {
    for (size_t i = 0; i < d->nunits; i++) {
        struct dist_unit *u = &d->units[i];
        if (!failover_only) stop_unit(d, u, false, NULL); /* leaving: the system stop ends them */
        else if (u->u.failover) stop_unit(d, u, true, "fenced");
    }
}

/* ---- the ticker's round ---------------------------------------------------- */

static void fence(wasp__dist *d, const char *why, uint64_t ms) {
    if (atomic_exchange(&d->fenced, true)) return;
    wasp__dist_log(d, WASP_LOG_WARN, "fencing (%s for %" PRIu64 " ms): stopping failover units", why, ms);
    wasp__dist_units_stop_all(d, true);
}

/* Liveness: peers that went silent are dead; calls waiting for them fail. */
static void check_peers(wasp__dist *d, uint64_t now) {
    char dead[DIST_MAX_NODES][WASP__DIST_TOKEN_MAX + 1];
    size_t ndead = 0;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->npeers; i++) {
        struct dist_peer *p = &d->peers[i];
        if (p->last_seen && !dist_peer_fresh(p, now, d->dead_ns)) {
            p->last_seen = 0;
            memcpy(dead[ndead++], p->name, sizeof(p->name));
        }
    }
    pthread_mutex_unlock(&d->mu);
    for (size_t i = 0; i < ndead; i++) {
        wasp__dist_log(d, WASP_LOG_WARN, "node %s is dead (no heartbeat for %" PRIu64 " ms)", dead[i],
                 d->dead_ns / 1000000);
        wasp__dist_fail_calls(d, dead[i], WASP_ESTOPPED, false);
    }
}

static void tick_unit(wasp__dist *d, struct dist_unit *u, uint64_t now, bool settled) {
    wasp__dist_unit_refresh(d, u);
    if (!d->root) return; /* a client only keeps its view up to date */
    pthread_mutex_lock(&u->mu);
    char owner[WASP__DIST_TOKEN_MAX + 1];
    memcpy(owner, u->owner, sizeof(owner));
    uint64_t inc = u->owner_inc;
    pthread_mutex_unlock(&u->mu);
    bool me = !strcmp(owner, d->node);
    if (u->running) {
        if (me && inc == d->incarnation) return;
        if (!owner[0] && claim(d, u)) return; /* the bucket lost it (server restart) */
        stop_unit(d, u, true, owner[0] ? "another node holds its claim" : "its claim was lost");
        return;
    }
    bool want;
    const char *why;
    if (!owner[0]) {
        want = wasp__dist_unit_home(d, u) ||
               (u->u.failover && settled && failover_winner(d, u, now));
        why = "placed here";
    } else if (me) {
        want = true; /* our claim from before a restart or a fence */
        why = "claimed by this node before";
    } else {
        want = u->u.failover && settled && !wasp__dist_peer_alive(d, owner, now) &&
               failover_winner(d, u, now);
        why = "failed over";
    }
    if (want && claim(d, u)) {
        char msg[160];
        snprintf(msg, sizeof(msg), "%s%s%s", why, owner[0] && !me ? " from " : "", owner[0] && !me ? owner : "");
        start_unit(d, u, msg);
    }
}

void wasp__dist_units_tick(wasp__dist *d) {
    uint64_t now = wasp_clock_ns();
    uint64_t gap = now - atomic_load(&d->last_tick);
    if (gap > d->lease_ns) fence(d, "not scheduled", gap / 1000000);
    atomic_store(&d->last_tick, now); /* after fencing: deliveries resume once the units stopped */
    wasp__dist_heartbeat(d, false);
    int64_t wait_ms = (int64_t)(d->hb_ns / 1000000);
    natsStatus s = natsConnection_FlushTimeout(d->nc, wait_ms > 0 ? wait_ms : 1);
    now = wasp_clock_ns();
    if (s == NATS_OK) d->last_ok = now;
    else if (now - d->last_ok > d->lease_ns)
        fence(d, "no answer from NATS", (now - d->last_ok) / 1000000);
    if (atomic_load(&d->fenced)) {
        if (s != NATS_OK || gap > d->lease_ns) return;
        atomic_store(&d->fenced, false);
        d->started_ns = now; /* others' heartbeats need time to arrive again */
        wasp__dist_log(d, WASP_LOG_INFO, "connection confirmed: no longer fenced");
    }
    bool settled = now - d->started_ns > d->dead_ns; /* long enough to know who is alive */
    if (settled) check_peers(d, now);
    wasp__dist_fail_calls(d, NULL, WASP_ETIMEDOUT, true);
    for (size_t i = 0; i < d->nunits && !atomic_load(&d->leaving); i++)
        tick_unit(d, &d->units[i], now, settled);
}
