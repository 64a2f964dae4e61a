/* run_dist.c - `wasp run ... --node NAME --nats URL`: the flags that join a
 * multi-node system, and the calls into src/dist (docs/DISTRIBUTION.md).
 * Without libnats the flags are refused and wasp runs single-node. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#ifdef WASP_HAVE_NATS
#include "dist/dist.h"
#endif

int cli_dist_flag(int argc, char **argv, int *i, struct cli_dist_args *a) {
    static const struct {
        const char *flag, *what;
        size_t off;
    } flags[] = {
        {"--node", "a NAME", offsetof(struct cli_dist_args, node)},
        {"--nats", "a URL", offsetof(struct cli_dist_args, nats)},
        {"--nats-creds", "a FILE", offsetof(struct cli_dist_args, creds)},
        {"--nats-tls-ca", "a FILE", offsetof(struct cli_dist_args, tls_ca)},
        {"--nats-tls-cert", "a FILE", offsetof(struct cli_dist_args, tls_cert)},
        {"--nats-tls-key", "a FILE", offsetof(struct cli_dist_args, tls_key)},
    };
    for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++) {
        const char *v = NULL;
        int r = cli_flag(argc, argv, i, flags[k].flag, &v);
        if (!r) continue;
        if (r < 0 || !*v) return cli_usage_error("run", "%s needs %s", flags[k].flag, flags[k].what);
        *(const char **)((char *)a + flags[k].off) = v;
        return 1;
    }
    return 0;
}

int cli_dist_check(const struct cli_dist_args *a) {
    bool any = a->node || a->nats || a->creds || a->tls_ca || a->tls_cert || a->tls_key;
    if (!any) return 0;
#ifndef WASP_HAVE_NATS
    return cli_usage_error("run", "this wasp was built without NATS (libnats-dev): --node and "
                                  "--nats are not available");
#else
    if (!a->node || !a->nats) return cli_usage_error("run", "--node and --nats go together");
    if (!a->tls_cert != !a->tls_key)
        return cli_usage_error("run", "--nats-tls-cert and --nats-tls-key go together");
    return 0;
#endif
}

#ifdef WASP_HAVE_NATS
static wasp__dist_config config_of(const struct cli_dist_args *a) {
    return (wasp__dist_config){.node = a->node, .url = a->nats, .creds = a->creds,
                               .tls_ca = a->tls_ca, .tls_cert = a->tls_cert, .tls_key = a->tls_key};
}
#endif

void *cli_dist_join(wasp_system *sys, wasp_manifest *m, const struct cli_dist_args *a) {
#ifdef WASP_HAVE_NATS
    wasp__dist_config cfg = config_of(a);
    wasp__dist *d = NULL;
    char err[512] = "";
    int rc = wasp__dist_create(sys, m, &cfg, &d, err, sizeof(err));
    if (rc != WASP_OK) {
        fprintf(stderr, "wasp run: cannot join as node %s: %s\n", a->node, err[0] ? err : wasp_strerror(rc));
        wasp__dist_destroy(d);
        return NULL;
    }
    return d;
#else
    (void)sys, (void)m, (void)a;
    return NULL;
#endif
}

int cli_dist_open_store(const struct cli_dist_args *a, const char *system, wasp_store **out) {
#ifdef WASP_HAVE_NATS
    wasp__dist_config cfg = config_of(a);
    char err[512] = "";
    int rc = wasp__dist_store_open(&cfg, system, out, err, sizeof(err));
    if (rc == WASP_OK) return CLI_OK;
    fprintf(stderr, "wasp run: node %s: %s\n", a->node, err[0] ? err : wasp_strerror(rc));
#else
    (void)a, (void)system, (void)out;
#endif
    return CLI_FAILED;
}

int cli_dist_start(void *node, void (*on_give_up)(wasp_supervisor *, void *), wasp_supervisor **root,
                   char *err, size_t errcap) {
#ifdef WASP_HAVE_NATS
    return wasp__dist_start(node, on_give_up, NULL, root, err, errcap);
#else
    (void)node, (void)on_give_up, (void)root, (void)err, (void)errcap;
    return WASP_ESTATE;
#endif
}

#ifdef WASP_HAVE_NATS
static json_t *(*local_stats)(void *arg);
static void *local_stats_arg;

/* Marks every actor and supervisor of a statistics object with its node. */
static void tag(json_t *stats, const char *node) {
    static const char *const lists[] = {"actors", "supervisors"};
    for (size_t l = 0; l < 2; l++) {
        json_t *v = json_object_get(stats, lists[l]), *item;
        size_t i;
        json_array_foreach(v, i, item) json_object_set_new(item, "node", json_string(node));
    }
}

static void *report(void *arg, size_t *len) {
    wasp__dist *d = arg;
    json_t *j = local_stats ? local_stats(local_stats_arg) : NULL;
    if (!j) return NULL;
    tag(j, wasp__dist_node(d));
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    *len = text ? strlen(text) : 0;
    return text;
}

static void merge(void *arg, const char *node, const void *data, size_t len) {
    json_t *all = arg, *one = json_loadb(data, len, 0, NULL);
    static const char *const lists[] = {"actors", "supervisors"};
    for (size_t l = 0; one && l < 2; l++) {
        json_t *mine = json_object_get(all, lists[l]), *theirs = json_object_get(one, lists[l]);
        if (json_is_array(mine) && json_is_array(theirs)) json_array_extend(mine, theirs);
    }
    if (one) json_array_append_new(json_object_get(all, "nodes"), json_string(node));
    json_decref(one);
}
#endif

void cli_dist_set_stats(void *node, json_t *(*local)(void *arg), void *arg) {
#ifdef WASP_HAVE_NATS
    local_stats = local;
    local_stats_arg = arg;
    wasp__dist_set_report(node, report, node);
#else
    (void)node, (void)local, (void)arg;
#endif
}

json_t *cli_dist_stats(void *node, json_t *local) {
#ifdef WASP_HAVE_NATS
    if (!node || !local) return local;
    const char *me = wasp__dist_node(node);
    tag(local, me);
    json_object_set_new(local, "node", json_string(me));
    json_t *nodes = json_array();
    json_array_append_new(nodes, json_string(me));
    json_object_set_new(local, "nodes", nodes);
    wasp__dist_gather(node, 500000000ull, merge, local); /* 500 ms per node at most */
#else
    (void)node;
#endif
    return local;
}

void cli_dist_leave(void *node) {
#ifdef WASP_HAVE_NATS
    wasp__dist_leave(node);
#else
    (void)node;
#endif
}

void cli_dist_destroy(void *node) {
#ifdef WASP_HAVE_NATS
    wasp__dist_destroy(node);
#else
    (void)node;
#endif
}
