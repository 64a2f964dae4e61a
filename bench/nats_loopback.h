/* nats_loopback.h - a private nats-server on 127.0.0.1 for the multi-node
 * benchmarks and tests: a free port, a temporary JetStream directory, quick
 * client pings (so a stopped client is dropped within ~3 s), started and
 * stopped by PID with every wait bounded. */
#ifndef WASP_NATS_LOOPBACK_H
#define WASP_NATS_LOOPBACK_H

#include <stdbool.h>
#include <sys/types.h>

struct nats_loopback {
    pid_t pid;       /* 0 when not running */
    int port;
    char dir[256];   /* temporary directory: config, JetStream store, log */
    char url[64];    /* nats://127.0.0.1:PORT */
};

/* 0, or -1 (nats-server missing, no free port, not ready within 10 s). */
int nats_loopback_start(struct nats_loopback *s);
/* The same with more configuration lines (e.g. a `tls { ... }` block). */
int nats_loopback_start_conf(struct nats_loopback *s, const char *extra);
/* Stops it (SIGTERM, then SIGKILL after 5 s) and starts it again on the same
 * port and store. 0 or -1. */
int nats_loopback_restart(struct nats_loopback *s);
/* Stops it, keeping the directory. */
void nats_loopback_stop(struct nats_loopback *s);
/* Stops it and removes the directory. */
void nats_loopback_destroy(struct nats_loopback *s);

/* Runs argv[0] (searched in PATH) with stdout and stderr appended to log
 * (NULL: /dev/null); returns its PID or -1. */
pid_t nats_loopback_spawn(char *const argv[], const char *log);
/* SIGTERM, a bounded wait (ms), then SIGKILL; returns the exit status
 * (128 + signal if killed, -1 on error). */
int nats_loopback_reap(pid_t pid, int wait_ms);

#endif
