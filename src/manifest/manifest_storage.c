/* manifest_storage.c - a component's `storage` entry (docs/MANIFEST.md):
 *     storage: {quota: 16MiB, durability: commit}
 * Its presence grants the kv_* imports; both keys are optional. */
#include <string.h>

#include "manifest/internal.h"

void wasp__mf_read_storage(struct mf_component *c, struct mf_errors *e, const struct mf_node *n, bool *ok) {
    static const char *const keys[] = {"quota", "durability", NULL};
    const struct mf_node *v[2];
    size_t before = e->len;
    if (!wasp__mf_map_fields(e, n, "storage", keys, v, NULL)) {
        *ok = false;
        return;
    }
    c->spec.storage.granted = true; /* the quota's default: core/limits.c */
    c->spec.storage.durability = WASP_DURABILITY_COMMIT;
    if (v[0] && v[0]->kind != MF_NULL) wasp__mf_get_limit(e, v[0], WASP__LIM_STORAGE_QUOTA, &c->spec);
    if (v[1] && v[1]->kind != MF_NULL) {
        const char *t = v[1]->kind == MF_SCALAR ? v[1]->text : "";
        if (!strcmp(t, "none")) c->spec.storage.durability = WASP_DURABILITY_NONE;
        else if (!strcmp(t, "commit")) c->spec.storage.durability = WASP_DURABILITY_COMMIT;
        else wasp__mf_error(e, v[1], "invalid storage.durability '%s' (none or commit)", t);
    }
    if (e->len != before) *ok = false;
}
