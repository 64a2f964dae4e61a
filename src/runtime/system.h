/* system.h - the system: what one wasp_system holds (system.c: lifecycle, introspection). */
#ifndef WASP_RUNTIME_SYSTEM_H
#define WASP_RUNTIME_SYSTEM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/actor.h"
#include "runtime/broker.h"
#include "runtime/registry.h"
#include "runtime/scheduler.h"
#include "wasp.h"

struct wasp_timers;

#define WASP_SYS_CREATED 0
#define WASP_SYS_RUNNING 1
#define WASP_SYS_STOPPING 2
#define WASP_SYS_STOPPED 3

struct wasp_system {
    wasp_system_config cfg;
    atomic_int state;
    bool workers_started;
    pthread_mutex_t life_mu; /* start/stop */

    /* actor table */
    _Atomic(struct wasp_actor *) chunks[WASP_MAX_CHUNKS];
    atomic_uint nslots;       /* slots handed out so far */
    pthread_mutex_t table_mu; /* free list, chunk allocation */
    uint32_t *free_slots;
    size_t nfree, free_cap;

    struct wasp_sched sched;
    struct wasp_registry reg;
    struct wasp_broker broker;
    struct wasp_timers *timers;

    pthread_mutex_t term_mu; /* termination waits */
    pthread_cond_t term_cv;

    _Atomic uint64_t seq, corr, mon_ids;
    _Atomic uint64_t live, spawned, dead, retired_received;
    atomic_bool timers_draining; /* system stop: pending send_afters become dead letters */
    _Atomic uint64_t vclock;     /* virtual time (ns) with cfg.virtual_clock */

    /* dead-letter log rate limit (dead_letters.c) */
    pthread_mutex_t dl_mu;
    _Atomic uint64_t dl_window; /* start of the current window (monotonic ns) */
    atomic_uint dl_shown;       /* lines written in it */
    _Atomic uint64_t dl_hidden; /* letters not logged since the last summary */

    /* logging (log.c) */
    int log_level;
    wasp_log_fn log_fn;
    void *log_arg;

    /* the layer above (the wasm layer) hangs its per-system state here */
    _Atomic(void *) ext;

    /* publishes dead-letter notices: the broker's publish, set at creation
     * (dead letters are published, and publishing can make dead letters:
     * the hook keeps dead_letters.c from depending on the broker) */
    int (*publish_notice)(wasp_system *sys, wasp_aid sender, unsigned flags, const char *topic,
                          const void *data, size_t len, uint64_t codec);

    /* remote router (remote.c); set before start, so read without a lock */
    wasp_remote_ops remote;
    void *remote_arg;
};

#endif
