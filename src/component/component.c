/* component.c - loading a component: copying and checking its spec,
 * compiling and ABI-checking its module, and the per-instance slots that
 * carry each actor's identity across incarnations. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/component.h"
#include "core/limits.h"
#include "core/name.h"
#include "core/str.h"

static int fail(char *err, size_t cap, int rc, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t cap, int rc, const char *name, const char *fmt, ...) {
    if (err && cap) {
        int n = snprintf(err, cap, "%s: ", name && *name ? name : "component");
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < cap) vsnprintf(err + n, cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Copies n strings; NULL on allocation failure (n == 0 gives a valid empty array). */
static char **strs_dup(const char *const *v, size_t n) {
    char **out = calloc(n + 1, sizeof(char *));
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++)
        if (!v[i] || !(out[i] = strdup(v[i]))) {
            for (size_t k = 0; k < i; k++) free(out[k]);
            free(out);
            return NULL;
        }
    return out;
}

static void strs_free(char **v, size_t n) {
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void wasp__component_free(struct wasp_component *c) {
    if (!c) return;
    const wasp_component_spec *s = &c->spec;
    strs_free(c->subscribe, s->nsubscribe);
    strs_free(c->perm_send, s->permissions.nsend);
    strs_free(c->perm_publish, s->permissions.npublish);
    strs_free(c->perm_subscribe, s->permissions.nsubscribe);
    for (size_t i = 0; c->env && i < s->permissions.nwasi_env; i++) {
        free((char *)c->env[i].name);
        free((char *)c->env[i].value);
    }
    free(c->env);
    for (size_t i = 0; c->dirs && i < s->permissions.nwasi_dirs; i++) {
        free((char *)c->dirs[i].host);
        free((char *)c->dirs[i].guest);
    }
    free(c->dirs);
    for (uint32_t i = 0; c->slots && i < s->instances; i++) {
        pthread_mutex_destroy(&c->slots[i].err_lock);
    }
    free(c->slots);
    wasp_kv_close(c->kv);
    if (c->module) wasp__module_release(c->module);
    if (c->instantiated_ok) wasp__module_release(c->instantiated_ok);
    pthread_mutex_destroy(&c->err_lock);
    pthread_mutex_destroy(&c->module_lock);
    pthread_mutex_destroy(&c->upgrade_lock);
    free(c->name);
    free(c);
}

/* Fills defaults and checks ranges; the message says what is wrong. */
/* Defaults and ranges: the table the manifest reads too (core/limits.c). */
static int check_values(wasp_component_spec *s, char *err, size_t cap) {
    char why[160];
    wasp__limits_default(s);
    if (wasp__limits_check(s, why, sizeof(why))) return fail(err, cap, WASP_EINVAL, s->name, "%s", why);
    if (s->nsubscribe > s->limits.subscriptions)
        return fail(err, cap, WASP_EINVAL, s->name, "subscribe lists more patterns than limits.subscriptions");
    if (s->storage.durability != WASP_DURABILITY_NONE && s->storage.durability != WASP_DURABILITY_COMMIT)
        return fail(err, cap, WASP_EINVAL, s->name, "storage.durability must be none or commit");
    if (s->restart < WASP_RESTART_PERMANENT || s->restart > WASP_RESTART_TEMPORARY)
        return fail(err, cap, WASP_EINVAL, s->name, "unknown restart type %d", s->restart);
    for (size_t i = 0; i < s->nsubscribe; i++) {
        if (!s->subscribe[i] || wasp_topic_validate(s->subscribe[i], false))
            return fail(err, cap, WASP_EINVAL, s->name, "subscribe: invalid topic pattern \"%s\"",
                        s->subscribe[i] ? s->subscribe[i] : "(null)");
    }
    for (size_t i = 0; i < s->permissions.npublish; i++)
        if (!s->permissions.publish[i] || wasp_topic_validate(s->permissions.publish[i], false))
            return fail(err, cap, WASP_EINVAL, s->name, "permissions.publish: invalid topic pattern");
    for (size_t i = 0; i < s->permissions.nsubscribe; i++)
        if (!s->permissions.subscribe[i] || wasp_topic_validate(s->permissions.subscribe[i], false))
            return fail(err, cap, WASP_EINVAL, s->name, "permissions.subscribe: invalid topic pattern");
    for (size_t i = 0; i < s->permissions.nwasi_dirs; i++) {
        const wasp_wasi_dir *d = &s->permissions.wasi_dirs[i];
        if (!d->host || !d->guest) return fail(err, cap, WASP_EINVAL, s->name, "wasi dir needs host and guest");
    }
    return WASP_OK;
}

static int copy_spec(struct wasp_component *c, const wasp_component_spec *in, char *err, size_t cap) {
    c->spec = *in;
    wasp_component_spec *s = &c->spec;
    int rc = check_values(s, err, cap);
    if (rc) return rc;
    c->name = strdup(in->name);
    c->subscribe = strs_dup(in->subscribe, in->nsubscribe);
    c->perm_send = strs_dup(in->permissions.send, in->permissions.nsend);
    c->perm_publish = strs_dup(in->permissions.publish, in->permissions.npublish);
    c->perm_subscribe = strs_dup(in->permissions.subscribe, in->permissions.nsubscribe);
    c->env = calloc(in->permissions.nwasi_env + 1, sizeof(*c->env));
    c->dirs = calloc(in->permissions.nwasi_dirs + 1, sizeof(*c->dirs));
    if (!c->name || !c->subscribe || !c->perm_send || !c->perm_publish || !c->perm_subscribe || !c->env ||
        !c->dirs)
        return fail(err, cap, WASP_ENOMEM, in->name, "out of memory");
    for (size_t i = 0; i < in->permissions.nwasi_env; i++) {
        const wasp_env_var *v = &in->permissions.wasi_env[i];
        c->env[i].name = v->name ? strdup(v->name) : NULL;
        c->env[i].value = strdup(v->value ? v->value : "");
        if (!c->env[i].name || !c->env[i].value) return fail(err, cap, WASP_EINVAL, in->name, "bad wasi env");
    }
    for (size_t i = 0; i < in->permissions.nwasi_dirs; i++) {
        const wasp_wasi_dir *d = &in->permissions.wasi_dirs[i];
        c->dirs[i] = (wasp_wasi_dir){strdup(d->host), strdup(d->guest), d->writable};
        if (!c->dirs[i].host || !c->dirs[i].guest) return fail(err, cap, WASP_ENOMEM, in->name, "out of memory");
    }
    /* The copy's pointers now point into the component. */
    s->name = c->name;
    s->wasm = NULL;
    s->wasm_len = 0;
    s->wasm_path = NULL;
    s->subscribe = (const char *const *)c->subscribe;
    s->permissions.send = (const char *const *)c->perm_send;
    s->permissions.publish = (const char *const *)c->perm_publish;
    s->permissions.subscribe = (const char *const *)c->perm_subscribe;
    s->permissions.wasi_env = c->env;
    s->permissions.wasi_dirs = c->dirs;
    for (size_t i = 0; i < s->nsubscribe; i++)
        if (!wasp__perm_subscribe(c, c->subscribe[i]))
            return fail(err, cap, WASP_EPERM, in->name, "subscribe \"%s\" is not covered by permissions.subscribe",
                        c->subscribe[i]);
    return WASP_OK;
}

static int make_slots(struct wasp_component *c) {
    uint32_t n = c->spec.instances;
    c->slots = calloc(n, sizeof(*c->slots));
    if (!c->slots) return WASP_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        struct wasp_cslot *sl = &c->slots[i];
        sl->comp = c;
        sl->index = i;
        pthread_mutex_init(&sl->err_lock, NULL);
        if (n == 1) snprintf(sl->name, sizeof(sl->name), "%s", c->name);
        else snprintf(sl->name, sizeof(sl->name), "%s.%u", c->name, i);
        sl->actor = (wasp_actor_spec){
            .name = sl->name,
            .handle = wasp__cactor_handle,
            .started = wasp__cactor_started,
            .stopped = wasp__cactor_stopped,
            .state = sl,
            .mailbox_capacity = c->spec.mailbox,
            .overflow = WASP_OVERFLOW_EFULL,
            .health = wasp__cactor_health,
        };
        sl->health = (wasp_health_check){
            .interval_ns = c->spec.health.interval_ns,
            .timeout_ns = c->spec.health.timeout_ns,
            .unhealthy_after = c->spec.health.unhealthy_after,
        };
    }
    return WASP_OK;
}

int wasp__component_check_module(struct wasp_component *c, const char *path, const void *wasm, size_t len,
                                 struct wasp_module **out, char *err, size_t cap) {
    struct wasp_engine *e = c->wasm->engine;
    const char *name = c->spec.name;
    uint64_t slot = wasp__engine_pool_memory_max(e);
    *out = NULL;
    if (slot && c->spec.limits.memory > slot)
        return fail(err, cap, WASP_EINVAL, name,
                    "limits.memory (%llu bytes) is larger than the pooling allocator's memory slot (%llu bytes)",
                    (unsigned long long)c->spec.limits.memory, (unsigned long long)slot);
    struct wasp_error werr = {0};
    struct wasp_module *m = NULL;
    int rc = path ? wasp__module_load_file(e, path, &m, &werr) : wasp__module_load(e, wasm, len, &m, &werr);
    if (rc) return fail(err, cap, rc, name, "%s", werr.msg);
    const struct wasp_abi_info *abi = wasp__module_abi(m);
    if (abi->has_health && !abi->receives && c->spec.health.interval_ns)
        rc = fail(err, cap, WASP_EABI, name, "health checks need `wasp_alloc` and `handle-message`");
    else if ((rc = wasp__module_prepare(m, c->spec.permissions.wasi, &werr)))
        rc = fail(err, cap, rc, name, "%s", werr.msg);
    if (rc) {
        wasp__module_release(m);
        return rc;
    }
    *out = m;
    return WASP_OK;
}

struct wasp_module *wasp__component_module(struct wasp_component *c) {
    pthread_mutex_lock(&c->module_lock);
    struct wasp_module *m = wasp__module_retain(c->module);
    pthread_mutex_unlock(&c->module_lock);
    return m;
}

struct wasp_module *wasp__component_set_module(struct wasp_component *c, struct wasp_module *m) {
    wasp__module_retain(m);
    pthread_mutex_lock(&c->module_lock);
    struct wasp_module *old = c->module;
    c->module = m;
    pthread_mutex_unlock(&c->module_lock);
    return old;
}

bool wasp__component_lazy(struct wasp_component *c, struct wasp_module *m) {
    const struct wasp_abi_info *abi = wasp__module_abi(m);
    /* Without pooling, what an instance needs (memory mappings, address
     * space) cannot be reserved up front: running out must fail the spawn. */
    if (!wasp__engine_pool_memory_max(c->wasm->engine) || !wasp__module_inert_instantiation(m) ||
        abi->has_initialize || abi->has_start || abi->has_cleanup || c->spec.permissions.wasi)
        return false;
    pthread_mutex_lock(&c->module_lock);
    bool known = c->instantiated_ok == m;
    pthread_mutex_unlock(&c->module_lock);
    return known;
}

void wasp__component_instantiated(struct wasp_component *c, struct wasp_module *m) {
    pthread_mutex_lock(&c->module_lock);
    struct wasp_module *old = c->instantiated_ok == m ? NULL : c->instantiated_ok;
    if (old || !c->instantiated_ok) c->instantiated_ok = wasp__module_retain(m);
    pthread_mutex_unlock(&c->module_lock);
    if (old) wasp__module_release(old);
}

int wasp_component_load(wasp_wasm *w, const wasp_component_spec *spec, wasp_component **out, char *err,
                        size_t errcap) {
    if (err && errcap) err[0] = 0;
    if (!w || !spec || !out) return fail(err, errcap, WASP_EINVAL, NULL, "invalid argument");
    if (wasp__unit_name_check(spec->name) != WASP__NAME_OK)
        return fail(err, errcap, WASP_EINVAL, spec->name, "name must be 1..200 characters of [A-Za-z0-9_-], not \"wasp\"");
    if (!spec->wasm_path && (!spec->wasm || !spec->wasm_len))
        return fail(err, errcap, WASP_EINVAL, spec->name, "no wasm module given");
    struct wasp_component *c = calloc(1, sizeof(*c));
    if (!c) return fail(err, errcap, WASP_ENOMEM, spec->name, "out of memory");
    c->wasm = w;
    pthread_mutex_init(&c->err_lock, NULL);
    pthread_mutex_init(&c->module_lock, NULL);
    pthread_mutex_init(&c->upgrade_lock, NULL);
    int rc = copy_spec(c, spec, err, errcap);
    if (!rc) rc = wasp__component_check_module(c, spec->wasm_path, spec->wasm, spec->wasm_len, &c->module, err, errcap);
    if (!rc && make_slots(c)) rc = fail(err, errcap, WASP_ENOMEM, spec->name, "out of memory");
    if (!rc && c->spec.storage.granted && w->store) {
        wasp_kv_options o = {.quota = c->spec.storage.quota, .durability = c->spec.storage.durability};
        if (wasp_kv_open(w->store, c->name, &o, &c->kv))
            rc = fail(err, errcap, WASP_ENOMEM, spec->name, "cannot open its storage namespace");
    }

    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; !rc && i < w->ncomps; i++)
        if (!strcmp(w->comps[i]->name, c->name))
            rc = fail(err, errcap, WASP_EEXIST, spec->name, "a component of this name is loaded already");
    if (!rc && w->ncomps == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 8;
        void *p = realloc(w->comps, ncap * sizeof(*w->comps));
        if (p) w->comps = p, w->cap = ncap;
        else rc = fail(err, errcap, WASP_ENOMEM, spec->name, "out of memory");
    }
    if (!rc) w->comps[w->ncomps++] = c;
    pthread_mutex_unlock(&w->lock);
    if (rc) {
        wasp__component_free(c);
        return rc;
    }
    *out = c;
    return WASP_OK;
}

const char *wasp_component_name(const wasp_component *c) { return c ? c->name : NULL; }
uint32_t wasp_component_instances(const wasp_component *c) { return c ? c->spec.instances : 0; }

void wasp_component_child_specs(wasp_component *c, wasp_child_spec *out) {
    for (uint32_t i = 0; i < c->spec.instances; i++) {
        out[i] = (wasp_child_spec){
            .actor = &c->slots[i].actor,
            .restart = c->spec.restart,
            .health = c->spec.health.interval_ns ? &c->slots[i].health : NULL,
            .stop_timeout_ns = c->spec.stop_timeout_ns,
        };
    }
}

int wasp_component_spawn(wasp_component *c, wasp_aid *ids) {
    if (!c) return WASP_EINVAL;
    wasp_system *sys = c->wasm->sys;
    for (uint32_t i = 0; i < c->spec.instances; i++) {
        wasp_aid id = 0;
        int rc = wasp_spawn(sys, &c->slots[i].actor, &id);
        if (rc != WASP_OK) {
            while (i-- > 0) wasp_actor_stop(sys, atomic_load(&c->slots[i].aid));
            return rc;
        }
        if (ids) ids[i] = id;
    }
    return WASP_OK;
}

void wasp_component_error(const wasp_component *c, char *buf, size_t cap) {
    if (!buf || !cap) return;
    struct wasp_component *mc = (struct wasp_component *)c;
    pthread_mutex_lock(&mc->err_lock);
    snprintf(buf, cap, "%s", c->last_error);
    pthread_mutex_unlock(&mc->err_lock);
}

/* Finds the slot an actor name belongs to: NAME or NAME.index. */
static struct wasp_cslot *slot_by_name(struct wasp_wasm *w, const char *name) {
    struct wasp_cslot *found = NULL;
    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->ncomps && !found; i++) {
        struct wasp_component *c = w->comps[i];
        size_t n = strlen(c->name);
        if (strncmp(name, c->name, n)) continue;
        if (c->spec.instances == 1) {
            if (!name[n]) found = &c->slots[0];
        } else if (name[n] == '.') {
            char *end;
            unsigned long idx = strtoul(name + n + 1, &end, 10);
            if (!*end && end != name + n + 1 && idx < c->spec.instances) found = &c->slots[idx];
        }
    }
    pthread_mutex_unlock(&w->lock);
    return found;
}

int wasp_component_info_get(wasp_wasm *w, wasp_aid id, wasp_component_info *out) {
    if (!w || !out) return WASP_EINVAL;
    char name[256];
    if (wasp_actor_name(w->sys, id, name, sizeof(name)) <= 0) return WASP_ENOENT;
    struct wasp_cslot *sl = slot_by_name(w, name);
    if (!sl) return WASP_ENOENT;
    memset(out, 0, sizeof(*out));
    snprintf(out->component, sizeof(out->component), "%s", sl->comp->name);
    out->instance = sl->index;
    out->memory_bytes = atomic_load(&sl->memory_bytes) + atomic_load(&sl->timer_bytes);
    out->instantiations = atomic_load(&sl->instantiations);
    out->instantiated = atomic_load(&sl->live) > 0;
    pthread_mutex_lock(&sl->err_lock);
    snprintf(out->last_error, sizeof(out->last_error), "%s", sl->last_error);
    pthread_mutex_unlock(&sl->err_lock);
    return WASP_OK;
}

void wasp__cslot_fail(struct wasp_cslot *slot, int level, const char *fmt, ...) {
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&slot->err_lock);
    wasp__str_copy(slot->last_error, sizeof(slot->last_error), text);
    pthread_mutex_unlock(&slot->err_lock);
    struct wasp_component *c = slot->comp;
    pthread_mutex_lock(&c->err_lock);
    size_t n = wasp__str_copy(c->last_error, sizeof(c->last_error), slot->name);
    n += wasp__str_copy(c->last_error + n, sizeof(c->last_error) - n, ": ");
    wasp__str_copy(c->last_error + n, sizeof(c->last_error) - n, text);
    pthread_mutex_unlock(&c->err_lock);
    wasp_log(c->wasm->sys, level, slot->name, "%s", text);
}
