/* standin.c - stand-ins: native actors under the names a component talks
 * to. Each records what it receives and answers requests from its script;
 * faults on purpose: a crash at the Nth message, a stalled (full) mailbox,
 * silence (the request is held unanswered with wasp_reply_defer, so the
 * caller meets its own timeout on the virtual clock). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit/testkit.h"

void wasp__tk_call_done(void *arg, int status, const void *data, size_t len) {
    struct tk_call_slot *s = arg;
    if (status == WASP_OK) {
        s->data = malloc(len + 1);
        if (s->data) {
            if (len) memcpy(s->data, data, len);
            ((char *)s->data)[len] = 0;
            s->len = len;
        } else {
            status = WASP_ENOMEM;
        }
    }
    s->status = status;
    atomic_store(&s->done, 1);
}

static bool is_command(wasp_test *t, const wasp_msg *m) {
    return m->sender == WASP_AID_NONE && m->len == sizeof(t->token) &&
           !memcmp(m->data, t->token, sizeof(t->token));
}

/* Sends or asks as this stand-in (the handler's actor is the sender). */
static void run_command(wasp_ctx *ctx, struct tk_command *c) {
    wasp_system *sys = wasp_ctx_system(ctx);
    wasp_send_opts o = {.to_name = c->to, .data = c->data, .len = c->len};
    c->rc = c->call ? wasp_ask_cb(sys, &o, c->timeout_ns, wasp__tk_call_done, c->slot)
                    : wasp_send_ex(sys, &o);
}

static const struct tk_answer *next_answer(struct wasp_test_standin *s) {
    size_t n = wasp__tk_list_count(&s->answers);
    if (!n) return NULL;
    size_t i = s->next_answer < n ? s->next_answer++ : n - 1; /* the last one repeats */
    return wasp__tk_list_at(&s->answers, i);
}

static int answer(wasp_ctx *ctx, struct wasp_test_standin *s) {
    const struct tk_answer *a = next_answer(s);
    if (!a) return 0;
    switch (a->kind) {
    case WASP_TEST_REPLY:
        wasp_reply(ctx, a->data, a->len);
        return 0;
    case WASP_TEST_SILENCE: {
        wasp_deferred *d = NULL;
        if (wasp_reply_defer(ctx, &d) == WASP_OK && !wasp__tk_list_push(&s->t->held, d))
            wasp_reply_deferred_drop(d);
        return 0;
    }
    case WASP_TEST_CRASH:
        return WASP_ECRASH;
    default:
        return 0;
    }
}

static int standin_handle(wasp_ctx *ctx, const wasp_msg *m) {
    struct wasp_test_standin *s = wasp_ctx_state(ctx);
    wasp_test *t = s->t;
    if (is_command(t, m)) {
        struct tk_command *c = atomic_load(&t->cmd);
        if (c) run_command(ctx, c);
        return 0;
    }
    if (s->opts.stalled) return WASP_PARK; /* never woken: holds this, the rest queue */
    wasp_test_message *r = wasp__tk_message_new(t, m, s->name);
    if (r && !wasp__tk_list_push(&s->messages, r)) free(r);
    if (s->opts.crash_at && ++s->received == s->opts.crash_at) return WASP_ECRASH;
    return m->flags & WASP_MSG_REQUEST ? answer(ctx, s) : 0;
}

int wasp_test_standin_add(wasp_test *t, const char *name, const wasp_test_standin_opts *opts,
                          wasp_test_standin **out) {
    if (!t || !name || !*name || strlen(name) > 255) return WASP_EINVAL;
    struct wasp_test_standin *s = calloc(1, sizeof(*s));
    if (!s) return WASP_ENOMEM;
    s->t = t;
    snprintf(s->name, sizeof(s->name), "%s", name);
    if (opts) s->opts = *opts;
    wasp__tk_list_init(&s->answers);
    wasp__tk_list_init(&s->messages);
    wasp_actor_spec spec = {.name = s->name, .handle = standin_handle, .state = s,
                            .mailbox_capacity = s->opts.mailbox};
    int rc = wasp_spawn(t->sys, &spec, &s->id);
    if (rc != WASP_OK) {
        wasp__tk_list_free(&s->answers, NULL);
        wasp__tk_list_free(&s->messages, NULL);
        free(s);
        return rc;
    }
    s->next = t->standins;
    t->standins = s;
    if (out) *out = s;
    return WASP_OK;
}

wasp_test_standin *wasp_test_standin_get(wasp_test *t, const char *name) {
    for (struct wasp_test_standin *s = t ? t->standins : NULL; s; s = s->next)
        if (name && !strcmp(s->name, name)) return s;
    return NULL;
}

int wasp_test_standin_answer(wasp_test_standin *s, int kind, const void *data, size_t len) {
    if (!s || kind < WASP_TEST_REPLY || kind > WASP_TEST_CRASH || (!data && len))
        return WASP_EINVAL;
    if (kind != WASP_TEST_REPLY) len = 0;
    struct tk_answer *a = malloc(sizeof(*a) + len);
    if (!a) return WASP_ENOMEM;
    a->kind = kind;
    a->len = len;
    if (len) memcpy(a->data, data, len);
    if (!wasp__tk_list_push(&s->answers, a)) {
        free(a);
        return WASP_ENOMEM;
    }
    return WASP_OK;
}

size_t wasp_test_standin_count(wasp_test_standin *s) { return s ? wasp__tk_list_count(&s->messages) : 0; }

const wasp_test_message *wasp_test_standin_message(wasp_test_standin *s, size_t i) {
    return s ? wasp__tk_list_at(&s->messages, i) : NULL;
}

void wasp__tk_standins_free(wasp_test *t) {
    while (t->standins) {
        struct wasp_test_standin *s = t->standins;
        t->standins = s->next;
        wasp__tk_list_free(&s->answers, free);
        wasp__tk_list_free(&s->messages, free);
        free(s);
    }
}
