/* broker.h - publish/subscribe on the topic trie (broker.c, topics.h). */
#ifndef WASP_RUNTIME_BROKER_H
#define WASP_RUNTIME_BROKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "wasp.h"

struct wasp_topic_tree;

struct wasp_broker {
    pthread_rwlock_t lk;
    struct wasp_topic_tree *tree;
    atomic_size_t nsubs;
};
void wasp__broker_remove_actor(wasp_system *sys, wasp_aid id);
/* Publish with an explicit sender and flags (dead-letter notices). */
int wasp__broker_publish(wasp_system *sys, wasp_aid sender, unsigned flags, const char *topic,
                        const void *data, size_t len, uint64_t codec);

#endif
