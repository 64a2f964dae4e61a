/* supervisor_internal.h - shared state of the supervisor files:
 * supervisor.c (the supervisor actor: child table, restarts, strategies),
 * supervisor_backoff.c (back-off and the intensity window),
 * supervisor_spec.c (spec copies), supervisor_health.c (health checks),
 * supervisor_api.c (the public wasp_supervisor_* calls). */
#ifndef WASP_SUPERVISOR_INTERNAL_H
#define WASP_SUPERVISOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "wasp.h"
#include "core/clock.h"
#include "runtime/completion.h"
#include "runtime/events.h"

/* Child status: DOWN (no actor), RUNNING, FAILED (its actor awaits a
 * restart: crashed, exited, or stopped for a restart - identity kept),
 * STOPPING (a stop we asked for; one at a time, in the stop queue's order). */
enum { ST_DOWN, ST_RUNNING, ST_FAILED, ST_STOPPING };
enum { EV_EXIT = 1, EV_TIMER, EV_ADD, EV_REMOVE, EV_HPOLL, EV_HRESULT, EV_HTIMEOUT,
       EV_STOP_TIMEOUT, EV_SHUTDOWN };
/* Stop modes: RETIRE ends the incarnation keeping the identity (restarts),
 * TERMINATE ends the identity too (final stops, temporary children). */
enum { STOP_NONE, STOP_RETIRE, STOP_TERMINATE };

/* A supervisor's own events travel on the runtime channel (events.h), so
 * no message, whatever its bytes, is ever taken for one. */
struct sup_event {
    int kind;
    int reason;
    wasp_aid aid;
    bool failed;      /* EV_EXIT: the incarnation ended, the actor awaits a restart */
    uint64_t inc;     /* EV_EXIT: the child's incarnation (its restart count) */
    uint64_t uid;     /* EV_TIMER, EV_H*: child uid */
    uint64_t seq;     /* EV_HRESULT, EV_HTIMEOUT, EV_STOP_TIMEOUT: sequence (reason = result) */
    void *ptr;        /* EV_ADD: struct child * ; EV_REMOVE: name */
    bool *taken;      /* EV_ADD: set once the supervisor owns ptr */
    /* EV_SHUTDOWN: reason = STOP_RETIRE or STOP_TERMINATE */
};

struct child {
    uint64_t uid;
    char *name;
    int restart;
    wasp_actor_spec actor;     /* actor children */
    struct wasp_supervisor *sub; /* nested supervisor children */
    int status;
    wasp_aid aid;
    uint64_t inc;          /* incarnation of its actor we started last */
    uint32_t consecutive;  /* crashes counted for back-off */
    uint64_t started_at;
    bool pending, armed, remove_when_down, owns_sub;
    bool dynamic;       /* added by wasp_supervisor_add_child: forgotten at a restart */
    bool health_killed; /* its next crash is our wasp_actor_kill: record it as health */
    int stop_mode;      /* STOP_* while queued or STOPPING */
    uint64_t stop_timeout_ns; /* 0: no bound (nested supervisors) */
    uint64_t stop_timer, stop_seq;
    uint64_t failed_at; /* when its last exit was seen (restart log line) */
    struct wasp_completion *removed; /* wasp_supervisor_remove_child waits: answered once gone */
    uint64_t ready_at;
    uint64_t timer;
    uint64_t restarts;
    /* health checks (control state; health/hrun also published under mu) */
    bool has_health, hpoll_armed, hprobing;
    wasp_health_check hc;
    uint64_t hseq, hpoll_timer, hto_timer;
    uint32_t hrun;
    int health;
};

struct wasp_supervisor {
    wasp_system *sys;
    struct wasp_supervisor *parent;
    char *name;
    int strategy;
    uint32_t intensity;
    uint64_t period_ns;
    wasp_backoff backoff;
    void (*on_give_up)(wasp_supervisor *, void *);
    void *give_up_arg;
    struct child *initial; /* copied spec children */
    size_t ninitial;
    _Atomic wasp_aid aid;

    /* control state, touched by the supervisor's own actor only */
    uint64_t *win;  /* restart times ring (sliding window) */
    size_t win_cap, win_head, win_len;
    uint64_t next_uid;
    bool giving_up, terminating;
    int shutdown;            /* STOP_* asked of this supervisor itself */
    uint64_t *stopq;         /* uids of children to stop, in order */
    size_t nstopq, capstopq;
    uint64_t stopping_uid;   /* the child being stopped now, 0 if none */
    uint64_t rng;

    /* published (mu) */
    pthread_mutex_t mu;
    struct child *kids;
    size_t nkids, capkids;
    wasp_restart_record hist[WASP_SUP_HISTORY];
    size_t hist_head, hist_len;
    atomic_ullong restarts;
    atomic_bool gave_up;
    struct wasp_supervisor **graveyard; /* removed nested supervisors */
    size_t ngrave;
};

/* The supervisor's own events (supervisor.c). */
int wasp__sup_notify(wasp_system *sys, wasp_aid sup, const struct sup_event *ev);
uint64_t wasp__sup_notify_after(struct wasp_supervisor *s, const struct sup_event *ev, uint64_t delay_ns);

/* supervisor_backoff.c */
uint64_t wasp__sup_backoff_jittered(struct wasp_supervisor *s, uint32_t n);
bool wasp__sup_window_add(struct wasp_supervisor *s, uint64_t now);

/* supervisor_spec.c */
struct wasp_supervisor *wasp__sup_new(wasp_system *sys, const wasp_supervisor_spec *spec,
                                struct wasp_supervisor *parent);
void wasp__sup_free(struct wasp_supervisor *s);
int wasp__sup_child_copy(wasp_system *sys, struct wasp_supervisor *parent, const wasp_child_spec *cs,
                   struct child *c);

/* supervisor.c */
struct child *wasp__sup_find_uid(struct wasp_supervisor *s, uint64_t uid);
struct child *wasp__sup_find_name(const struct wasp_supervisor *s, const char *name);
int wasp__sup_spawn_actor(struct wasp_supervisor *s, wasp_aid *out);
/* Logs a supervisor report line ("SUP: text"). */
void wasp__sup_report(struct wasp_supervisor *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void wasp__sup_stop_enqueue(struct wasp_supervisor *s, struct child *c, int mode);
void wasp__sup_child_exited(struct wasp_supervisor *s, struct child *c, int reason);
/* Terminates every actor of a tree whose supervisor is not running. */
void wasp__sup_tree_kill(struct wasp_supervisor *sub);

/* supervisor_health.c */
void wasp__sup_health_on_start(struct wasp_supervisor *s, struct child *c);
void wasp__sup_health_cancel(struct wasp_supervisor *s, struct child *c);
void wasp__sup_health_event(struct wasp_supervisor *s, const struct sup_event *ev);

#endif
