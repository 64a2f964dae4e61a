/* completion.h - a thread waiting for one answer (completion.c).
 *
 * Every asynchronous answer in the runtime arrives as one call of a
 * wasp_reply_fn (an ask's reply or failure, an event ask's status): a
 * wasp_pending guarantees that call happens exactly once. A thread outside
 * the actors that wants to block for it points the call at a wasp_wait and
 * waits; nothing else blocks. */
#ifndef WASP_RUNTIME_COMPLETION_H
#define WASP_RUNTIME_COMPLETION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct wasp_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    bool keep;   /* copy a WASP_OK answer's bytes (into data, malloc'd) */
    int status;
    void *data;
    size_t len;
};

void wasp__wait_init(struct wasp_wait *w, bool keep);
/* The wasp_reply_fn to complete w with (arg = w); any thread, once. */
void wasp__wait_done(void *arg, int status, const void *data, size_t len);
/* Blocks until wasp__wait_done ran; its status (WASP_ENOMEM if the bytes
 * to keep could not be copied). */
int wasp__wait_for(struct wasp_wait *w);
void wasp__wait_destroy(struct wasp_wait *w);

#endif
