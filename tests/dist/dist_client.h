/* dist_client.h - this test process as a client node of a multi-node
 * system (tests/dist): join with a configuration, start, wait until a name
 * answers, leave. Every wait is bounded. */
#ifndef WASP_TEST_DIST_CLIENT_H
#define WASP_TEST_DIST_CLIENT_H

#include "dist/dist.h"
#include "nats_loopback.h"
#include "testutil.h"

struct dist_client {
    wasp_system *sys;
    wasp_manifest *m;
    wasp__dist *d;
};

/* Creates the system and joins (not started yet): wasp__dist_create's code,
 * err its reason. c->d may be set even on failure: dist_client_leave cleans up. */
static inline int dist_client_join(struct dist_client *c, const char *manifest,
                                   const wasp__dist_config *dc, char *err, size_t cap) {
    wasp_system_config cfg = {.workers = 1};
    memset(c, 0, sizeof(*c));
    assert_int_equal(wasp_system_create(&cfg, &c->sys), WASP_OK);
    assert_int_equal(wasp_manifest_load(manifest, NULL, &c->m), WASP_OK);
    return wasp__dist_create(c->sys, c->m, dc, &c->d, err, cap);
}

static inline void dist_client_start(struct dist_client *c) {
    char err[512] = "";
    assert_int_equal(wasp_system_start(c->sys), WASP_OK);
    assert_int_equal(wasp__dist_start(c->d, NULL, NULL, NULL, err, sizeof(err)), WASP_OK);
}

/* Calls name with text until it answers the same text (20 s at most). */
static inline void dist_client_until_echoed(struct dist_client *c, const char *name, const char *text) {
    int got = -1;
    for (int i = 0; i < 1000 && got != WASP_OK; i++) {
        void *r = NULL;
        size_t len = 0;
        got = wasp_ask_name(c->sys, name, text, strlen(text), 2000000000ull, &r, &len);
        if (got == WASP_OK) {
            assert_int_equal(len, strlen(text));
            assert_memory_equal(r, text, len);
        }
        free(r);
        if (got != WASP_OK) tu_sleep_ms(20);
    }
    assert_int_equal(got, WASP_OK);
}

/* Leaves (if joined) and frees everything. */
static inline void dist_client_leave(struct dist_client *c) {
    wasp__dist_leave(c->d);
    if (c->sys) wasp_system_stop(c->sys);
    wasp__dist_destroy(c->d);
    wasp_system_destroy(c->sys);
    wasp_manifest_free(c->m);
    memset(c, 0, sizeof(*c));
}

/* A one-node fixture's files: a new directory (*dir, malloc'd) holding
 * wasp.yaml with manifest_text (its path into manifest) and echo.wasm, and
 * the path of the node's log. */
static inline void dist_fixture_files(char **dir, const char *manifest_text, char *manifest, size_t mcap,
                                      char *log, size_t lcap) {
    *dir = tu_tempdir();
    snprintf(manifest, mcap, "%s/wasp.yaml", *dir);
    tu_write_file(*dir, "wasp.yaml", manifest_text);
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "cp '%s/echo.wasm' '%s/'", WASP_GUESTS, *dir);
    assert_int_equal(system(cmd), 0);
    snprintf(log, lcap, "%s/n1.log", *dir);
}

/* Stops the node (by PID) and the server, removes the directory
 * (WASP_TEST_KEEP=1 keeps it) and frees its name. */
static inline void dist_fixture_teardown(pid_t node_pid, struct nats_loopback *nats, char *dir) {
    if (node_pid > 0) nats_loopback_reap(node_pid, 5000);
    nats_loopback_destroy(nats);
    if (dir && !getenv("WASP_TEST_KEEP")) tu_rmtree(dir);
    else if (dir) fprintf(stderr, "files kept in %s\n", dir);
    free(dir);
}

#endif
