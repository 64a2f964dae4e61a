/* dist_report.c - whole-system views: each node answers
 * wasp.S.ctl.NODE.report with what its report function gives (the `wasp`
 * command gives its statistics JSON), and a node gathers the reports of all
 * the others for `wasp stats` and `wasp top`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "dist/dist_internal.h"

const char *wasp__dist_node(const wasp__dist *d) { return d->node; }

void wasp__dist_set_report(wasp__dist *d, wasp__dist_report_fn fn, void *arg) {
    d->report_arg = arg;
    atomic_store(&d->report_fn, fn);
}

static void handle_report(wasp__dist *d, natsMsg *msg) {
    const char *reply = natsMsg_GetReply(msg);
    wasp__dist_report_fn fn = atomic_load(&d->report_fn);
    if (!reply) return;
    size_t len = 0;
    void *data = fn ? fn(d->report_arg, &len) : NULL;
    if (data && len + 1 > (size_t)d->max_payload) len = 0; /* too big to carry: an empty answer */
    natsConnection_Publish(d->nc, reply, data, (int)(data ? len : 0));
    free(data);
}

DIST_CALLBACK(wasp__dist_on_report, handle_report)

int wasp__dist_gather(wasp__dist *d, uint64_t timeout_ns,
                      void (*each)(void *arg, const char *node, const void *data, size_t len),
                      void *arg) {
    char live[DIST_MAX_NODES][WASP__DIST_TOKEN_MAX + 1];
    size_t n = 0;
    uint64_t now = wasp_clock_ns();
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->npeers; i++)
        if (dist_peer_fresh(&d->peers[i], now, d->dead_ns)) memcpy(live[n++], d->peers[i].name, sizeof(live[0]));
    pthread_mutex_unlock(&d->mu);
    int answered = 0;
    for (size_t i = 0; i < n; i++) {
        char subj[DIST_SUBJECT_MAX];
        snprintf(subj, sizeof(subj), "wasp.%.64s.ctl.%.64s.report", d->system, live[i]);
        natsMsg *r = NULL;
        int64_t ms = (int64_t)(timeout_ns / 1000000);
        if (natsConnection_Request(&r, d->nc, subj, "", 0, ms > 0 ? ms : 1) == NATS_OK &&
            natsMsg_GetDataLength(r) > 0) {
            each(arg, live[i], natsMsg_GetData(r), (size_t)natsMsg_GetDataLength(r));
            answered++;
        }
        natsMsg_Destroy(r);
    }
    return answered;
}
