/* records.c - append-only record lists and message records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit/testkit.h"

void wasp__tk_list_init(struct tk_list *l) {
    memset(l, 0, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
}

bool wasp__tk_list_push(struct tk_list *l, void *item) {
    pthread_mutex_lock(&l->mu);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void **v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            pthread_mutex_unlock(&l->mu);
            return false;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = item;
    pthread_mutex_unlock(&l->mu);
    return true;
}

size_t wasp__tk_list_count(struct tk_list *l) {
    pthread_mutex_lock(&l->mu);
    size_t n = l->n;
    pthread_mutex_unlock(&l->mu);
    return n;
}

void *wasp__tk_list_at(struct tk_list *l, size_t i) {
    pthread_mutex_lock(&l->mu);
    void *p = i < l->n ? l->v[i] : NULL;
    pthread_mutex_unlock(&l->mu);
    return p;
}

void wasp__tk_list_free(struct tk_list *l, void (*fn)(void *)) {
    for (size_t i = 0; i < l->n; i++)
        if (fn) fn(l->v[i]);
    free(l->v);
    pthread_mutex_destroy(&l->mu);
    memset(l, 0, sizeof(*l));
}

wasp_test_message *wasp__tk_message_new(wasp_test *t, const wasp_msg *m, const char *to) {
    size_t tlen = m->topic ? strlen(m->topic) + 1 : 0;
    wasp_test_message *r = calloc(1, sizeof(*r) + m->len + 1 + tlen);
    if (!r) return NULL;
    char *payload = (char *)(r + 1);
    if (m->len) memcpy(payload, m->data, m->len);
    payload[m->len] = 0;
    r->data = payload;
    r->len = m->len;
    if (tlen) {
        memcpy(payload + m->len + 1, m->topic, tlen);
        r->topic = payload + m->len + 1;
    }
    r->seq = atomic_fetch_add(&t->seq, 1) + 1;
    r->at_ns = wasp_system_now(t->sys);
    r->request = (m->flags & WASP_MSG_REQUEST) != 0;
    if (m->sender && wasp_actor_name(t->sys, m->sender, r->from, sizeof(r->from)) < 0)
        r->from[0] = 0;
    snprintf(r->to, sizeof(r->to), "%s", to ? to : "");
    return r;
}
