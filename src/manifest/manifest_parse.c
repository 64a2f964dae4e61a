/* manifest_parse.c - the top level of a manifest and its components, read
 * from the YAML tree with every default filled in (docs/MANIFEST.md). */
#include <stdio.h>
#include <string.h>

#include "core/name.h"
#include "manifest/internal.h"

#define MF_NAME_MAX WASP__UNIT_NAME_MAX

bool wasp__mf_valid_name(const char *s) { return wasp__unit_name_check(s) != WASP__NAME_CHARS; }

bool wasp__mf_printable(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > MF_NAME_MAX) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return true;
}

const char *wasp__mf_resolve_path(struct wasp_manifest *m, const char *p) {
    if (p[0] == '/' || !m->dir[0]) return wasp__mf_strdup(&m->arena, p);
    size_t dl = strlen(m->dir), pl = strlen(p);
    char *out = wasp__mf_alloc(&m->arena, dl + pl + 2);
    if (!out) return NULL;
    memcpy(out, m->dir, dl);
    out[dl] = '/';
    memcpy(out + dl + 1, p, pl + 1);
    return out;
}

static bool present(const struct mf_node *n) { return n && n->kind != MF_NULL; }

/* A list of non-empty strings; each item checked with `check` (may be NULL). */
static const char *const *string_list(struct wasp_manifest *m, struct mf_errors *e,
                                      const struct mf_node *n, const char *what,
                                      bool (*check)(struct mf_errors *, const struct mf_node *),
                                      size_t *count, bool *ok) {
    *count = 0;
    if (n->kind != MF_SEQ) {
        wasp__mf_error(e, n, "%s must be a list", what);
        *ok = false;
        return NULL;
    }
    const char **v = wasp__mf_alloc(&m->arena, (n->n ? n->n : 1) * sizeof(*v));
    if (!v) return NULL;
    for (size_t i = 0; i < n->n; i++) {
        const char *s;
        if (!wasp__mf_get_string(e, n->items[i], &s) || (check && !check(e, n->items[i]))) {
            *ok = false;
            continue;
        }
        v[(*count)++] = s;
    }
    return v;
}

static bool check_pattern(struct mf_errors *e, const struct mf_node *n) {
    if (wasp_topic_validate(n->text, false) == WASP_OK) return true;
    wasp__mf_error(e, n, "invalid topic pattern '%s'", n->text);
    return false;
}

static bool check_glob(struct mf_errors *e, const struct mf_node *n) {
    if (n->len <= 255) return true;
    wasp__mf_error(e, n, "actor name pattern is longer than 255 bytes");
    return false;
}

/* ---- component sections ------------------------------------------------------ */

static void read_health(struct mf_component *c, struct mf_errors *e, const struct mf_node *n,
                        bool *ok) {
    static const char *const keys[] = {"interval", "timeout", "unhealthy_after", NULL};
    const struct mf_node *v[3];
    size_t before = e->len;
    if (!wasp__mf_map_fields(e, n, "health", keys, v, NULL)) {
        *ok = false;
        return;
    }
    if (!v[0]) wasp__mf_missing(e, n, "interval");
    else wasp__mf_get_duration(e, v[0], "health.interval", &c->spec.health.interval_ns);
    if (present(v[1])) wasp__mf_get_limit(e, v[1], WASP__LIM_HEALTH_TIMEOUT, &c->spec);
    if (present(v[2])) wasp__mf_get_limit(e, v[2], WASP__LIM_UNHEALTHY_AFTER, &c->spec);
    if (e->len != before) *ok = false;
}

static void read_limits(struct mf_component *c, struct mf_errors *e, const struct mf_node *n,
                        bool *ok) {
    static const char *const keys[] = {"memory", "max_message", "timeslice", "max_handle_time",
                                       "fuel",   "timers",      "subscriptions",   "files", NULL};
    const struct mf_node *v[8];
    size_t before = e->len;
    if (!wasp__mf_map_fields(e, n, "limits", keys, v, NULL)) {
        *ok = false;
        return;
    }
    static const enum wasp__limit lims[] = {WASP__LIM_MEMORY,     WASP__LIM_MAX_MESSAGE, WASP__LIM_TIMESLICE,
                                            WASP__LIM_MAX_HANDLE_TIME, WASP__LIM_FUEL,   WASP__LIM_TIMERS,
                                            WASP__LIM_SUBSCRIPTIONS, WASP__LIM_FILES};
    for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++)
        if (present(v[i])) wasp__mf_get_limit(e, v[i], lims[i], &c->spec);
    if (e->len != before) *ok = false;
}

static void read_wasi(struct wasp_manifest *m, struct mf_component *c, struct mf_errors *e,
                      const struct mf_node *n) {
    static const char *const keys[] = {"stdio", "env", "dirs", NULL};
    const struct mf_node *v[3];
    if (n->kind == MF_SCALAR) { /* wasi: true | false */
        wasp__mf_get_bool(e, n, &c->spec.permissions.wasi);
        return;
    }
    if (!wasp__mf_map_fields(e, n, "permissions.wasi", keys, v, NULL)) return;
    c->spec.permissions.wasi = true;
    if (present(v[0])) wasp__mf_get_bool(e, v[0], &c->spec.permissions.wasi_stdio);
    if (present(v[1])) {
        const struct mf_node *env = v[1];
        if (env->kind != MF_MAP) {
            wasp__mf_error(e, env, "permissions.wasi.env must be a mapping of names to values");
        } else {
            wasp_env_var *vars = wasp__mf_alloc(&m->arena, (env->n ? env->n : 1) * sizeof(*vars));
            if (!vars) return;
            size_t nv = 0;
            for (size_t i = 0; i < env->n; i++) {
                const char *name;
                if (!wasp__mf_get_string(e, env->keys[i], &name)) continue;
                if (strchr(name, '=')) {
                    wasp__mf_error(e, env->keys[i], "environment variable name '%s' contains '='", name);
                    continue;
                }
                bool dup = false;
                for (size_t j = 0; j < nv; j++) dup |= !strcmp(vars[j].name, name);
                if (dup) {
                    wasp__mf_error(e, env->keys[i], "duplicate key '%s' in permissions.wasi.env", name);
                    continue;
                }
                const struct mf_node *val = env->items[i];
                if (val->kind == MF_MAP || val->kind == MF_SEQ) {
                    wasp__mf_error(e, val, "the value of environment variable '%s' must be a string", name);
                    continue;
                }
                vars[nv++] = (wasp_env_var){name, val->kind == MF_NULL ? "" : val->text};
            }
            c->spec.permissions.wasi_env = vars;
            c->spec.permissions.nwasi_env = nv;
        }
    }
    if (present(v[2])) {
        const struct mf_node *dirs = v[2];
        if (dirs->kind != MF_SEQ) {
            wasp__mf_error(e, dirs, "permissions.wasi.dirs must be a list");
            return;
        }
        wasp_wasi_dir *d = wasp__mf_alloc(&m->arena, (dirs->n ? dirs->n : 1) * sizeof(*d));
        c->dir_nodes = wasp__mf_alloc(&m->arena, (dirs->n ? dirs->n : 1) * sizeof(*c->dir_nodes));
        if (!d || !c->dir_nodes) return;
        size_t nd = 0;
        for (size_t i = 0; i < dirs->n; i++) {
            static const char *const dkeys[] = {"host", "guest", "mode", NULL};
            const struct mf_node *dv[3];
            const struct mf_node *item = dirs->items[i];
            if (!wasp__mf_map_fields(e, item, "a WASI directory", dkeys, dv, NULL)) continue;
            const char *host = NULL, *guest = NULL;
            bool writable = false, good = true;
            if (!dv[0]) wasp__mf_missing(e, item, "host"), good = false;
            else good &= wasp__mf_get_string(e, dv[0], &host);
            if (!dv[1]) wasp__mf_missing(e, item, "guest"), good = false;
            else good &= wasp__mf_get_string(e, dv[1], &guest);
            if (present(dv[2])) {
                const char *mode = dv[2]->kind == MF_SCALAR ? dv[2]->text : "";
                if (!strcmp(mode, "rw")) writable = true;
                else if (strcmp(mode, "ro")) {
                    wasp__mf_error(e, dv[2], "invalid mode '%s' (ro or rw)", mode);
                    good = false;
                }
            }
            if (!good) continue;
            c->dir_nodes[nd] = dv[0];
            d[nd++] = (wasp_wasi_dir){wasp__mf_resolve_path(m, host), guest, writable};
        }
        c->spec.permissions.wasi_dirs = d;
        c->spec.permissions.nwasi_dirs = nd;
    }
}

static void read_permissions(struct wasp_manifest *m, struct mf_component *c,
                             struct mf_errors *e, const struct mf_node *n, bool *ok) {
    static const char *const keys[] = {"send", "publish", "subscribe", "wasi", NULL};
    const struct mf_node *v[4];
    size_t before = e->len;
    if (!wasp__mf_map_fields(e, n, "permissions", keys, v, NULL)) {
        *ok = false;
        return;
    }
    c->send_node = present(v[0]) ? v[0] : NULL;
    c->grant_subscribe_node = present(v[2]) ? v[2] : NULL;
    if (present(v[0]))
        c->spec.permissions.send = string_list(m, e, v[0], "permissions.send", check_glob,
                                               &c->spec.permissions.nsend, ok);
    if (present(v[1]))
        c->spec.permissions.publish = string_list(m, e, v[1], "permissions.publish",
                                                  check_pattern, &c->spec.permissions.npublish, ok);
    if (present(v[2]))
        c->spec.permissions.subscribe =
            string_list(m, e, v[2], "permissions.subscribe", check_pattern,
                        &c->spec.permissions.nsubscribe, ok);
    if (present(v[3])) read_wasi(m, c, e, v[3]);
    if (e->len != before) *ok = false;
}

/* ---- one component ---------------------------------------------------------- */

enum { K_NAME, K_WASM, K_INSTANCES, K_MAILBOX, K_RESTART, K_SUBSCRIBE, K_STOP_TIMEOUT, K_HEALTH,
       K_LIMITS, K_PERMISSIONS, K_PLACEMENT, K_STORAGE, K_NKEYS };

void wasp__mf_read_component(struct wasp_manifest *m, struct mf_component *c, struct mf_errors *e,
                       const struct mf_node *n) {
    static const char *const keys[] = {"name",      "wasm",         "instances", "mailbox",
                                       "restart",   "subscribe",    "stop_timeout", "health",
                                       "limits",    "permissions",  "placement", "storage", NULL};
    const struct mf_node *v[K_NKEYS];
    size_t before = e->len;
    wasp_component_spec *s = &c->spec;
    s->restart = WASP_RESTART_PERMANENT; /* the numbers' defaults: core/limits.c, at the end */
    c->name_node = n;

    /* The name first, so that the other messages can name the component. */
    char what[64 + MF_NAME_MAX] = "component";
    if (n->kind == MF_MAP)
        for (size_t i = 0; i < n->n; i++)
            if (n->keys[i]->kind == MF_SCALAR && !strcmp(n->keys[i]->text, "name") &&
                n->items[i]->kind == MF_SCALAR && wasp__mf_valid_name(n->items[i]->text) &&
                n->items[i]->len <= MF_NAME_MAX) {
                snprintf(what, sizeof(what), "component '%s'", n->items[i]->text);
                break;
            }
    if (!wasp__mf_map_fields(e, n, what, keys, v, NULL)) {
        c->ok = false;
        return;
    }
    bool ok = true;
    if (!v[K_NAME]) wasp__mf_missing(e, n, "name");
    else if (wasp__mf_get_string(e, v[K_NAME], &s->name)) {
        c->name_node = v[K_NAME];
        if (!wasp__mf_valid_name(s->name)) {
            wasp__mf_error(e, v[K_NAME], "invalid component name '%s' (use letters, digits, '_' and '-')",
                     s->name);
            s->name = NULL;
        } else if (!strcmp(s->name, "wasp")) {
            wasp__mf_error(e, v[K_NAME], "the name 'wasp' is reserved for the runtime");
            s->name = NULL;
        } else if (strlen(s->name) > MF_NAME_MAX) {
            wasp__mf_error(e, v[K_NAME], "component name is longer than %d bytes", MF_NAME_MAX);
            s->name = NULL;
        }
    }
    if (!v[K_WASM]) wasp__mf_missing(e, n, "wasm");
    else if (wasp__mf_get_string(e, v[K_WASM], &s->wasm_path)) {
        c->wasm_node = v[K_WASM];
        s->wasm_path = wasp__mf_resolve_path(m, s->wasm_path);
    }
    if (present(v[K_INSTANCES])) wasp__mf_get_limit(e, v[K_INSTANCES], WASP__LIM_INSTANCES, s);
    if (present(v[K_MAILBOX])) wasp__mf_get_limit(e, v[K_MAILBOX], WASP__LIM_MAILBOX, s);
    if (present(v[K_RESTART])) wasp__mf_get_restart(e, v[K_RESTART], &s->restart);
    c->subscribe_node = present(v[K_SUBSCRIBE]) ? v[K_SUBSCRIBE] : NULL;
    if (present(v[K_SUBSCRIBE]))
        s->subscribe = string_list(m, e, v[K_SUBSCRIBE], "subscribe", check_pattern,
                                   &s->nsubscribe, &ok);
    if (present(v[K_STOP_TIMEOUT])) wasp__mf_get_limit(e, v[K_STOP_TIMEOUT], WASP__LIM_STOP_TIMEOUT, s);
    if (present(v[K_HEALTH])) read_health(c, e, v[K_HEALTH], &ok);
    if (present(v[K_LIMITS])) read_limits(c, e, v[K_LIMITS], &ok);
    if (present(v[K_PERMISSIONS])) read_permissions(m, c, e, v[K_PERMISSIONS], &ok);
    if (present(v[K_PLACEMENT])) wasp__mf_read_placement(m, e, v[K_PLACEMENT], &c->placement);
    if (present(v[K_STORAGE])) wasp__mf_read_storage(c, e, v[K_STORAGE], &ok);

    /* Each subscription must be covered by a subscribe permission. */
    if (present(v[K_SUBSCRIBE]) && v[K_SUBSCRIBE]->kind == MF_SEQ) {
        const struct mf_node *list = v[K_SUBSCRIBE];
        for (size_t i = 0; i < list->n; i++) {
            const struct mf_node *t = list->items[i];
            if (t->kind != MF_SCALAR || wasp_topic_validate(t->text, false) != WASP_OK) continue;
            bool covered = false;
            for (size_t p = 0; p < s->permissions.nsubscribe && !covered; p++)
                covered = wasp_topic_covers(s->permissions.subscribe[p], t->text);
            if (!covered)
                wasp__mf_error(e, t, "subscription '%s' is not permitted by permissions.subscribe",
                         t->text);
        }
    }
    wasp__limits_default(s);
    c->ok = ok && e->len == before;
}

/* ---- top level -------------------------------------------------------------- */

void wasp__mf_read_manifest(struct wasp_manifest *m, const struct mf_node *root, struct mf_errors *e) {
    static const char *const keys[] = {"name", "workers", "components", "supervisor", "nodes",
                                       "http", NULL};
    const struct mf_node *v[6], *k[6];
    if (!root) {
        wasp__mf_error_at(e, 1, 1, "the manifest is empty (it needs at least 'name' and 'components')");
        return;
    }
    if (!wasp__mf_map_fields(e, root, "the manifest", keys, v, k)) return;
    if (!v[0]) wasp__mf_missing(e, root, "name");
    else if (wasp__mf_get_string(e, v[0], &m->name) && !wasp__mf_printable(m->name)) {
        wasp__mf_error(e, v[0], "the system name must be 1 to 200 printable characters");
        m->name = NULL;
    }
    int64_t x;
    if (present(v[1]) && wasp__mf_get_int(e, v[1], "workers", 1, 1024, &x)) m->workers = (int)x;

    const struct mf_node *comps = v[2];
    if (!comps) {
        wasp__mf_missing(e, root, "components");
    } else if (comps->kind != MF_SEQ) {
        wasp__mf_error(e, comps, "components must be a list");
    } else if (comps->n == 0) {
        wasp__mf_error(e, comps, "at least one component is required");
    } else {
        m->components = wasp__mf_alloc(&m->arena, comps->n * sizeof(*m->components));
        if (!m->components) return;
        m->ncomponents = comps->n;
        for (size_t i = 0; i < comps->n; i++) {
            struct mf_component *c = &m->components[i];
            wasp__mf_read_component(m, c, e, comps->items[i]);
            if (!c->spec.name) continue;
            for (size_t j = 0; j < i; j++) {
                const struct mf_component *o = &m->components[j];
                if (o->spec.name && !strcmp(o->spec.name, c->spec.name)) {
                    wasp__mf_error(e, c->name_node, "component '%s' is defined twice (first at %d:%d)",
                             c->spec.name, o->name_node->line, o->name_node->col);
                    c->ok = false;
                    c->supervised = true; /* one problem is enough for it */
                    c->spec.name = NULL;
                    break;
                }
            }
        }
    }
    wasp__mf_read_supervisors(m, k[3], present(v[3]) ? v[3] : NULL, e);
    if (present(v[4])) wasp__mf_read_nodes(m, e, v[4]);
    wasp__mf_check_placement(m, e);
    if (present(v[5])) wasp__mf_read_http(m, v[5], e);
}
