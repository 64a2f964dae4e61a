/* remote.h - the remote router: names and topics served by other processes (remote.c). */
#ifndef WASP_RUNTIME_REMOTE_H
#define WASP_RUNTIME_REMOTE_H

#include "runtime/completion.h"
#include "runtime/system.h"

static inline bool wasp_remote_on(const wasp_system *sys) { return sys->remote.route != NULL; }
/* Hands a send (fn NULL) or request to the remote router. */
int wasp__remote_route(wasp_system *sys, const wasp_send_opts *o, wasp_aid sender,
                      uint64_t timeout_ns, wasp_reply_fn fn, void *arg);
/* A request from sender answered through c (its timeout is armed by the caller). */
int wasp__remote_ask(wasp_system *sys, const wasp_send_opts *o, wasp_aid sender, struct wasp_completion *c,
                     uint64_t timeout_ns);

#endif
