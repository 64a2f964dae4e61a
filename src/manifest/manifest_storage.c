/* manifest_storage.c - a component's `storage` entry (docs/MANIFEST.md):
 *     storage: {quota: 16MiB, durability: commit}
 * Its presence grants the kv_* imports; both keys are optional. */
#include <string.h>

#include "manifest/internal.h"

#define MF_STORAGE_QUOTA_MAX (1ull << 40)

void wasp__mf_read_storage(struct mf_component *c, struct mf_errors *e, const struct mf_node *n, bool *ok) {
    static const char *const keys[] = {"quota", "durability", NULL};
    const struct mf_node *v[2];
    size_t before = e->len;
    if (!wasp__mf_map_fields(e, n, "storage", keys, v, NULL)) {
        *ok = false;
        return;
    }
    c->spec.storage.granted = true;
    c->spec.storage.quota = 16ull << 20;
    c->spec.storage.durability = WASP_DURABILITY_COMMIT;
    if (v[0] && v[0]->kind != MF_NULL) wasp__mf_get_size(e, v[0], "storage.quota", MF_STORAGE_QUOTA_MAX, &c->spec.storage.quota);
    if (v[1] && v[1]->kind != MF_NULL) {
        const char *t = v[1]->kind == MF_SCALAR ? v[1]->text : "";
        if (!strcmp(t, "none")) c->spec.storage.durability = WASP_DURABILITY_NONE;
        else if (!strcmp(t, "commit")) c->spec.storage.durability = WASP_DURABILITY_COMMIT;
        else wasp__mf_error(e, v[1], "invalid storage.durability '%s' (none or commit)", t);
    }
    if (e->len != before) *ok = false;
}
