/* ctl_commands.c - the commands of the control protocol (docs/CONTROL.md).
 * To add one, see control.h: a function and one line in `commands`. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/control.h"

#define DEFAULT_CALL_TIMEOUT_MS 5000
#define MAX_CALL_TIMEOUT_MS (24 * 3600 * 1000)

static uint64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The "target" of a request, or NULL after failing the call. */
static const char *target_of(wasp__ctl_call *c, const json_t *req) {
    const char *t = json_string_value(json_object_get(req, "target"));
    if (!t || !*t) {
        wasp__ctl_fail(c, WASP_EINVAL, "\"target\" (an actor's name) is required");
        return NULL;
    }
    return t;
}

/* The request's payload (see wasp__ctl_payload), or false after failing the call. */
static bool payload_of(wasp__ctl_call *c, const json_t *req, const void **data, size_t *len,
                       void **owned) {
    int rc = wasp__ctl_payload(req, data, len, owned);
    if (rc == WASP_OK) return true;
    wasp__ctl_fail(c, rc, "give the payload as \"data\" (a string) or \"data_b64\" (base64)");
    return false;
}

/* The request's optional "codec" (a multicodec code) into *codec, or false
 * after failing the call. */
static bool codec_of(wasp__ctl_call *c, const json_t *req, uint64_t *codec) {
    const json_t *v = json_object_get(req, "codec");
    *codec = 0;
    if (!v) return true;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *codec = (uint64_t)json_integer_value(v);
        return true;
    }
    wasp__ctl_fail(c, WASP_EINVAL, "\"codec\" must be a multicodec code (an integer >= 0)");
    return false;
}

static void cmd_info(wasp__ctl_call *c, const json_t *req) {
    (void)req;
    const wasp__ctl_host *h = wasp__ctl_call_host(c);
    wasp_system_stats st;
    wasp_system_stats_get(h->sys, &st);
    wasp__ctl_reply(c, json_pack("{s:s,s:s?,s:I,s:s?,s:I,s:i,s:I,s:s}", "name", h->name, "node", h->node, "pid",
                                 (json_int_t)getpid(), "manifest",
                                 h->manifest ? wasp_manifest_path(h->manifest) : NULL,
                                 "uptime_ms", (json_int_t)(mono_ms() - h->started_ms), "workers",
                                 wasp_system_workers(h->sys), "actors", (json_int_t)st.actors,
                                 "version", wasp_version()));
}

static void cmd_help(wasp__ctl_call *c, const json_t *req) {
    (void)req;
    json_t *list = json_array();
    for (size_t i = 0; i < wasp__ctl_command_count(); i++) {
        const struct wasp__ctl_command *k = wasp__ctl_command_at(i);
        json_array_append_new(list, json_pack("{s:s,s:s}", "cmd", k->name, "help", k->help));
    }
    wasp__ctl_reply(c, json_pack("{s:o}", "commands", list));
}

static void cmd_send(wasp__ctl_call *c, const json_t *req) {
    const char *target = target_of(c, req);
    if (!target) return;
    const void *data;
    size_t len;
    void *owned;
    uint64_t codec;
    if (!codec_of(c, req, &codec) || !payload_of(c, req, &data, &len, &owned)) return;
    wasp_send_opts o = {.to_name = target, .data = data, .len = len, .codec = codec};
    int rc = wasp_send_ex(wasp__ctl_call_host(c)->sys, &o);
    free(owned);
    if (rc == WASP_OK) wasp__ctl_reply(c, NULL);
    else wasp__ctl_fail(c, rc, "%s: %s", target, wasp_strerror(rc));
}

/* A call in flight: its target and timeout, for the error message. */
struct pending_call {
    wasp__ctl_call *c;
    json_int_t timeout_ms;
    uint64_t reply_codec;
    char target[256];
};

/* The answer to a `call`, on whatever thread the runtime completes it. */
static void call_done(void *arg, int status, const void *data, size_t len) {
    struct pending_call *p = arg;
    wasp__ctl_call *c = p->c;
    const char *t = p->target;
    switch (status) {
    case WASP_OK: {
        json_t *r = json_object();
        if (r && p->reply_codec) json_object_set_new(r, "codec", json_integer((json_int_t)p->reply_codec));
        if (r && wasp__ctl_set_payload(r, data, len) == WASP_OK) wasp__ctl_reply(c, r);
        else {
            json_decref(r);
            wasp__ctl_fail(c, WASP_ENOMEM, NULL);
        }
        break;
    }
    case WASP_ETIMEDOUT:
        wasp__ctl_fail(c, status, "%s: no reply within %lld ms", t, (long long)p->timeout_ms);
        break;
    case WASP_ENOREPLY:
        wasp__ctl_fail(c, status, "%s handled the request without replying", t);
        break;
    case WASP_ECRASH:
        wasp__ctl_fail(c, status, "%s crashed while handling the request", t);
        break;
    case WASP_ESTOPPED:
        wasp__ctl_fail(c, status, "%s stopped before replying", t);
        break;
    default:
        wasp__ctl_fail(c, status, "%s: %s", t, wasp_strerror(status));
    }
    free(p);
}

static void cmd_call(wasp__ctl_call *c, const json_t *req) {
    const char *target = target_of(c, req);
    if (!target) return;
    json_int_t timeout = DEFAULT_CALL_TIMEOUT_MS;
    const json_t *t = json_object_get(req, "timeout_ms");
    if (t) {
        if (!json_is_integer(t) || json_integer_value(t) < 1 ||
            json_integer_value(t) > MAX_CALL_TIMEOUT_MS) {
            wasp__ctl_fail(c, WASP_EINVAL, "\"timeout_ms\" must be 1 to %d", MAX_CALL_TIMEOUT_MS);
            return;
        }
        timeout = json_integer_value(t);
    }
    const void *data;
    size_t len;
    void *owned;
    uint64_t codec;
    if (!codec_of(c, req, &codec) || !payload_of(c, req, &data, &len, &owned)) return;
    struct pending_call *p = malloc(sizeof(*p));
    if (!p) {
        free(owned);
        wasp__ctl_fail(c, WASP_ENOMEM, NULL);
        return;
    }
    p->c = c;
    p->timeout_ms = timeout;
    p->reply_codec = 0;
    snprintf(p->target, sizeof(p->target), "%s", target);
    /* From here c and p belong to call_done, which may run (and free them)
     * before wasp_ask_cb returns - unless wasp_ask_cb fails. */
    wasp_system *sys = wasp__ctl_call_host(c)->sys;
    wasp_send_opts o = {.to_name = target, .data = data, .len = len, .codec = codec,
                        .reply_codec = &p->reply_codec};
    int rc = wasp_ask_cb(sys, &o, (uint64_t)timeout * 1000000u, call_done, p);
    free(owned);
    if (rc != WASP_OK) {
        wasp__ctl_fail(c, rc, "%s: %s", target, wasp_strerror(rc));
        free(p);
    }
}

static void cmd_stats(wasp__ctl_call *c, const json_t *req) {
    (void)req;
    const wasp__ctl_host *h = wasp__ctl_call_host(c);
    json_t *st = h->stats ? h->stats(h->arg) : NULL;
    if (!st) {
        wasp__ctl_fail(c, WASP_ENOMEM, "statistics are not available");
        return;
    }
    wasp__ctl_reply(c, json_pack("{s:o}", "stats", st));
}

static void cmd_metrics(wasp__ctl_call *c, const json_t *req) {
    (void)req;
    const wasp__ctl_host *h = wasp__ctl_call_host(c);
    json_t *st = h->stats ? h->stats(h->arg) : NULL;
    char *text = st ? wasp__metrics_text(st) : NULL;
    json_decref(st);
    if (!text) {
        wasp__ctl_fail(c, WASP_ENOMEM, "metrics are not available");
        return;
    }
    wasp__ctl_reply(c, json_pack("{s:s}", "text", text));
    free(text);
}

static void cmd_stop(wasp__ctl_call *c, const json_t *req) {
    (void)req;
    const wasp__ctl_host *h = wasp__ctl_call_host(c);
    wasp__ctl_reply(c, json_pack("{s:I}", "pid", (json_int_t)getpid()));
    if (h->stop) h->stop(h->arg);
}

static const struct wasp__ctl_command commands[] = {
    {"info", cmd_info, 0, "who this is: name, pid, manifest, uptime_ms, workers, actors"},
    {"help", cmd_help, 0, "the commands"},
    {"send", cmd_send, 0, "queue data for target as an outside message"},
    {"call", cmd_call, 0, "a request to target; the reply's data, or the error (timeout_ms, default 5000)"},
    {"stats", cmd_stats, 0, "the statistics JSON of `wasp run --stats`, now"},
    {"metrics", cmd_metrics, 0, "the Prometheus text of GET /metrics, as \"text\""},
    {"stop", cmd_stop, 0, "a graceful stop, as SIGTERM"},
    {"upgrade", wasp__ctl_cmd_upgrade, WASP__CTL_THREAD,
     "replace component's module with the file at path (hot upgrade: mailbox and storage kept)"},
};

size_t wasp__ctl_command_count(void) { return sizeof(commands) / sizeof(commands[0]); }

const struct wasp__ctl_command *wasp__ctl_command_at(size_t i) {
    return i < wasp__ctl_command_count() ? &commands[i] : NULL;
}

const struct wasp__ctl_command *wasp__ctl_command_find(const char *name) {
    for (size_t i = 0; name && i < wasp__ctl_command_count(); i++)
        if (!strcmp(commands[i].name, name)) return &commands[i];
    return NULL;
}
