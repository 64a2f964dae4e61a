/* remote.c - the hook through which a layer above (src/dist) serves names
 * and topics that live in other processes. The runtime only calls it on a
 * local miss, so local traffic never pays for it. */
#include <string.h>

#include "runtime/remote.h"

int wasp_system_set_remote(wasp_system *sys, const wasp_remote_ops *ops, void *arg) {
    if (!sys || (ops && !ops->route)) return WASP_EINVAL;
    pthread_mutex_lock(&sys->life_mu);
    int rc = WASP_ESTATE;
    if (atomic_load(&sys->state) == WASP_SYS_CREATED) {
        if (ops) sys->remote = *ops;
        else memset(&sys->remote, 0, sizeof(sys->remote));
        sys->remote_arg = ops ? arg : NULL;
        rc = WASP_OK;
    }
    pthread_mutex_unlock(&sys->life_mu);
    return rc;
}

int wasp__remote_route(wasp_system *sys, const wasp_send_opts *o, wasp_aid sender,
                      uint64_t timeout_ns, wasp_reply_fn fn, void *arg) {
    if (!o->to_name) return WASP_ENOENT; /* ids are local to a process */
    if (atomic_load(&sys->state) >= WASP_SYS_STOPPING) return WASP_ESTOPPED;
    return sys->remote.route(sys->remote_arg, o, sender, timeout_ns, fn, arg);
}

static void remote_done(void *arg, int status, const void *data, size_t len) {
    struct wasp_completion *c = arg;
    wasp__completion_finish(c, status, data, len, c->remote_codec);
    wasp__completion_unref(c);
}

int wasp__remote_ask(wasp_system *sys, const wasp_send_opts *o, wasp_aid sender, struct wasp_completion *c,
                     uint64_t timeout_ns) {
    wasp__completion_ref(c); /* the router's, released by remote_done */
    wasp_send_opts ro = *o;
    ro.reply_codec = &c->remote_codec; /* the router stores the reply's tag there */
    int rc = wasp__remote_route(sys, &ro, sender, timeout_ns, remote_done, c);
    if (rc) wasp__completion_unref(c);
    return rc;
}
