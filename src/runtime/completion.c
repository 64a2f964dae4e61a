/* completion.c - a thread waiting for one answer (completion.h). */
#include <stdlib.h>
#include <string.h>

#include "runtime/completion.h"
#include "wasp.h"

void wasp__wait_init(struct wasp_wait *w, bool keep) {
    memset(w, 0, sizeof(*w));
    w->keep = keep;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
}

void wasp__wait_done(void *arg, int status, const void *data, size_t len) {
    struct wasp_wait *w = arg;
    void *copy = NULL;
    if (w->keep && status == WASP_OK) {
        copy = malloc(len ? len : 1);
        if (copy) memcpy(copy, data, len);
        else status = WASP_ENOMEM;
    }
    pthread_mutex_lock(&w->mu);
    w->status = status;
    w->data = copy;
    w->len = len;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int wasp__wait_for(struct wasp_wait *w) {
    pthread_mutex_lock(&w->mu);
    while (!w->done) pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    return w->status;
}

void wasp__wait_destroy(struct wasp_wait *w) {
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}
