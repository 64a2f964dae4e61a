/* run_watch.c - `wasp run --watch`: a development loop. A thread looks at
 * each component's .wasm file every 200 ms; once a changed file has stayed
 * the same for one more look (a compiler may still be writing it), the
 * component is upgraded in place (wasp_component_upgrade: between two
 * messages, mailbox and storage kept). A failed upgrade is logged and the
 * old code keeps running. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

#define WATCH_PERIOD_MS 200

struct watched {
    wasp_component *comp;
    const char *path;
    struct stat seen;    /* what runs now */
    struct stat pending; /* a change seen on the last look */
    bool changing;
};

struct cli_watch {
    wasp_system *sys;
    struct watched *files;
    size_t n;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
};

static bool same(const struct stat *a, const struct stat *b) {
    return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_size == b->st_size && a->st_ino == b->st_ino;
}

static void look(struct cli_watch *w, struct watched *f) {
    struct stat now;
    if (stat(f->path, &now) != 0) return; /* being replaced: look again later */
    if (same(&now, &f->seen)) {
        f->changing = false;
        return;
    }
    if (!f->changing || !same(&now, &f->pending)) {
        f->pending = now;
        f->changing = true;
        return;
    }
    f->changing = false;
    f->seen = now;
    char err[1024];
    int rc = wasp_component_upgrade(f->comp, f->path, NULL, 0, err, sizeof(err));
    if (rc == WASP_OK)
        wasp_log(w->sys, WASP_LOG_INFO, "wasp", "--watch: %s upgraded from %s", wasp_component_name(f->comp), f->path);
    else
        wasp_log(w->sys, WASP_LOG_ERROR, "wasp", "--watch: upgrade failed, the old code runs on: %s", err);
}

static void *watch_main(void *arg) {
    struct cli_watch *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WATCH_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&w->cond, &w->lock, &until);
        if (w->stop) break;
        pthread_mutex_unlock(&w->lock);
        for (size_t i = 0; i < w->n; i++) look(w, &w->files[i]);
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int cli_watch_start(wasp_system *sys, const wasp_manifest *m, struct cli_watch **out) {
    struct cli_watch *w = calloc(1, sizeof(*w));
    size_t n = wasp_manifest_component_count(m);
    if (!w || !(w->files = calloc(n ? n : 1, sizeof(*w->files)))) {
        free(w);
        return WASP_ENOMEM;
    }
    w->sys = sys;
    for (size_t i = 0; i < n; i++) {
        struct watched *f = &w->files[w->n];
        f->comp = wasp_manifest_component_handle(m, i);
        f->path = wasp_manifest_component(m, i)->wasm_path;
        if (f->comp && f->path && stat(f->path, &f->seen) == 0) w->n++;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, watch_main, w)) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w->files);
        free(w);
        return WASP_ENOMEM;
    }
    *out = w;
    return WASP_OK;
}

void cli_watch_stop(struct cli_watch *w) {
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w->files);
    free(w);
}
