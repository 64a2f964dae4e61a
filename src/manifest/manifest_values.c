/* manifest_values.c - scalar values: strings, booleans, numbers, durations
 * with units and sizes with units, each checked and reported at its node. */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "manifest/internal.h"

static const char *kind_name(const struct mf_node *n) {
    switch (n->kind) {
    case MF_MAP: return "a mapping";
    case MF_SEQ: return "a list";
    case MF_NULL: return "nothing";
    default: return "a scalar";
    }
}

bool wasp__mf_get_string(struct mf_errors *e, const struct mf_node *n, const char **out) {
    if (n->kind != MF_SCALAR || n->len == 0 || strlen(n->text) != n->len) {
        if (n->kind == MF_SCALAR && n->len && strlen(n->text) != n->len)
            wasp__mf_error(e, n, "a string must not contain NUL bytes");
        else
            wasp__mf_error(e, n, "expected a non-empty string, found %s",
                     n->kind == MF_SCALAR ? "an empty string" : kind_name(n));
        return false;
    }
    *out = n->text;
    return true;
}

bool wasp__mf_get_restart(struct mf_errors *e, const struct mf_node *n, int *out) {
    const char *t = n->kind == MF_SCALAR ? n->text : "";
    if (!strcmp(t, "permanent")) *out = WASP_RESTART_PERMANENT;
    else if (!strcmp(t, "transient")) *out = WASP_RESTART_TRANSIENT;
    else if (!strcmp(t, "temporary")) *out = WASP_RESTART_TEMPORARY;
    else {
        wasp__mf_error(e, n, "invalid restart '%s' (permanent, transient or temporary)", t);
        return false;
    }
    return true;
}

bool wasp__mf_get_bool(struct mf_errors *e, const struct mf_node *n, bool *out) {
    static const char *const yes[] = {"true", "True", "TRUE"}, *const no[] = {"false", "False", "FALSE"};
    if (n->kind == MF_SCALAR)
        for (size_t i = 0; i < 3; i++) {
            if (!strcmp(n->text, yes[i])) return *out = true, true;
            if (!strcmp(n->text, no[i])) return *out = false, true;
        }
    wasp__mf_error(e, n, "expected true or false, found %s%s%s",
             n->kind == MF_SCALAR ? "'" : "", n->kind == MF_SCALAR ? n->text : kind_name(n),
             n->kind == MF_SCALAR ? "'" : "");
    return false;
}

bool wasp__mf_get_int(struct mf_errors *e, const struct mf_node *n, const char *what, int64_t min,
                int64_t max, int64_t *out) {
    const char *s = n->kind == MF_SCALAR ? n->text : "";
    const char *p = s;
    if (*p == '-' || *p == '+') p++;
    bool digits = *p != 0;
    for (const char *q = p; *q; q++) digits &= *q >= '0' && *q <= '9';
    if (n->kind != MF_SCALAR || !digits) {
        wasp__mf_error(e, n, "%s must be an integer", what);
        return false;
    }
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v < min || v > max) {
        if (v < min && errno != ERANGE)
            wasp__mf_error(e, n, "%s must be at least %lld", what, (long long)min);
        else
            wasp__mf_error(e, n, "%s must be at most %lld", what, (long long)max);
        return false;
    }
    *out = v;
    return true;
}

bool wasp__mf_get_double(struct mf_errors *e, const struct mf_node *n, const char *what, double min,
                   double max, double *out) {
    char *end = NULL;
    const char *s = n->kind == MF_SCALAR ? n->text : "";
    errno = 0;
    double v = *s ? strtod(s, &end) : 0;
    /* Plain decimal numbers only: no hex, infinities or NaN. */
    bool plain = *s != 0;
    for (const char *q = s; *q; q++)
        plain &= (*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '+' || *q == 'e' ||
                 *q == 'E';
    if (n->kind != MF_SCALAR || !plain || !end || *end || errno == ERANGE || !isfinite(v)) {
        wasp__mf_error(e, n, "%s must be a number", what);
        return false;
    }
    if (v < min || v > max) {
        if (max == INFINITY)
            wasp__mf_error(e, n, "%s must be at least %g", what, min);
        else
            wasp__mf_error(e, n, "%s must be between %g and %g", what, min, max);
        return false;
    }
    *out = v;
    return true;
}

/* "12", "1.5" -> value scaled by 10^9 (so 1.5 -> 1500000000), for units. */
static int parse_decimal(const char *s, size_t len, uint64_t unit_ns, uint64_t *out) {
    uint64_t whole = 0, frac = 0, scale = 1;
    size_t i = 0;
    bool any = false;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, any = true) {
        if (whole > (UINT64_MAX - 9) / 10) return WASP_E2BIG;
        whole = whole * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < len && s[i] == '.') {
        i++;
        bool fany = false;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, fany = true)
            if (scale < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(s[i] - '0');
                scale *= 10;
            }
        if (!fany) return WASP_EINVAL;
    }
    if (!any || i != len) return WASP_EINVAL;
    if (whole && unit_ns > UINT64_MAX / whole) return WASP_E2BIG;
    uint64_t v = whole * unit_ns;
    /* frac/scale of a unit; unit_ns <= 6e10 and frac < 1e9, so split to avoid overflow */
    uint64_t f = (unit_ns / scale) * frac + (unit_ns % scale) * frac / scale;
    if (v > UINT64_MAX - f) return WASP_E2BIG;
    *out = v + f;
    return WASP_OK;
}

int wasp__mf_parse_duration(const char *s, uint64_t *ns) {
    static const struct { const char *unit; uint64_t ns; } units[] = {
        {"us", 1000ull}, {"ms", 1000000ull}, {"s", 1000000000ull}, {"m", 60000000000ull},
    };
    if (!s) return WASP_EINVAL;
    size_t len = strlen(s);
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t ul = strlen(units[u].unit);
        if (len <= ul || strcmp(s + len - ul, units[u].unit)) continue;
        char c = s[len - ul - 1];
        if (c != '.' && (c < '0' || c > '9')) continue; /* "ms" must not match as "s" */
        return parse_decimal(s, len - ul, units[u].ns, ns);
    }
    return WASP_EINVAL;
}

int wasp__mf_parse_size(const char *s, uint64_t *bytes) {
    static const struct { const char *unit; uint64_t mul; } units[] = {
        {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"", 1},
    };
    if (!s) return WASP_EINVAL;
    size_t len = strlen(s);
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        size_t ul = strlen(units[u].unit);
        if (len <= ul || strcmp(s + len - ul, units[u].unit)) continue;
        uint64_t v = 0;
        size_t i = 0;
        for (; i < len - ul && s[i] >= '0' && s[i] <= '9'; i++) {
            if (v > (UINT64_MAX - 9) / 10) return WASP_E2BIG;
            v = v * 10 + (uint64_t)(s[i] - '0');
        }
        if (i == 0 || i != len - ul) return WASP_EINVAL;
        if (v && units[u].mul > UINT64_MAX / v) return WASP_E2BIG;
        *bytes = v * units[u].mul;
        return WASP_OK;
    }
    return WASP_EINVAL;
}

int wasp_parse_duration(const char *text, uint64_t *ns) {
    uint64_t v;
    int rc = wasp__mf_parse_duration(text, &v);
    if (rc == WASP_OK && ns) *ns = v;
    return rc;
}

int wasp_parse_size(const char *text, uint64_t *bytes) {
    uint64_t v;
    int rc = wasp__mf_parse_size(text, &v);
    if (rc == WASP_OK && bytes) *bytes = v;
    return rc;
}

bool wasp__mf_get_duration(struct mf_errors *e, const struct mf_node *n, const char *what,
                     uint64_t *ns) {
    if (n->kind != MF_SCALAR) {
        wasp__mf_error(e, n, "%s must be a duration such as 10ms (units us, ms, s, m)", what);
        return false;
    }
    if (n->text[0] == '-') {
        wasp__mf_error(e, n, "%s must be greater than 0", what);
        return false;
    }
    int rc = wasp__mf_parse_duration(n->text, ns);
    if (rc == WASP_E2BIG) {
        wasp__mf_error(e, n, "%s '%s' is too large", what, n->text);
        return false;
    }
    if (rc != WASP_OK) {
        wasp__mf_error(e, n, "%s '%s' is not a duration (a number with a unit: us, ms, s, m)", what, n->text);
        return false;
    }
    if (*ns == 0) {
        wasp__mf_error(e, n, "%s must be greater than 0", what);
        return false;
    }
    return true;
}

bool wasp__mf_get_size(struct mf_errors *e, const struct mf_node *n, const char *what, uint64_t max,
                 uint64_t *bytes) {
    if (n->kind != MF_SCALAR) {
        wasp__mf_error(e, n, "%s must be a size (bytes, or a number with KiB, MiB or GiB)", what);
        return false;
    }
    if (n->text[0] == '-') {
        wasp__mf_error(e, n, "%s must be greater than 0", what);
        return false;
    }
    int rc = wasp__mf_parse_size(n->text, bytes);
    if (rc == WASP_E2BIG || (rc == WASP_OK && *bytes > max)) {
        char lim[32];
        wasp__size_text(max, lim, sizeof(lim));
        wasp__mf_error(e, n, "%s must not exceed %s", what, lim);
        return false;
    }
    if (rc != WASP_OK) {
        wasp__mf_error(e, n, "%s '%s' is not a size (bytes, or a number with KiB, MiB or GiB)", what, n->text);
        return false;
    }
    if (*bytes == 0) {
        wasp__mf_error(e, n, "%s must be greater than 0", what);
        return false;
    }
    return true;
}

bool wasp__mf_get_limit(struct mf_errors *e, const struct mf_node *n, enum wasp__limit l, wasp_component_spec *s) {
    const struct wasp__limit_info *i = wasp__limit_info(l);
    uint64_t v = 0;
    int64_t x;
    bool ok;
    if (i->unit == WASP__UNIT_BYTES) {
        ok = wasp__mf_get_size(e, n, i->key, i->max, &v);
    } else if (i->unit == WASP__UNIT_DURATION) {
        ok = wasp__mf_get_duration(e, n, i->key, &v);
    } else {
        ok = wasp__mf_get_int(e, n, i->key, (int64_t)i->min, i->max > INT64_MAX ? INT64_MAX : (int64_t)i->max, &x);
        v = (uint64_t)x;
    }
    if (ok) wasp__limit_set(s, l, v);
    return ok;
}

/* ---- mappings ------------------------------------------------------------- */

bool wasp__mf_map_fields(struct mf_errors *e, const struct mf_node *n, const char *what,
                   const char *const *known, const struct mf_node **vals,
                   const struct mf_node **keyn) {
    size_t nknown = 0;
    while (known[nknown]) nknown++;
    for (size_t k = 0; k < nknown; k++) {
        vals[k] = NULL;
        if (keyn) keyn[k] = NULL;
    }
    if (n->kind != MF_MAP) {
        wasp__mf_error(e, n, "%s must be a mapping, found %s", what, kind_name(n));
        return false;
    }
    for (size_t i = 0; i < n->n; i++) {
        const struct mf_node *key = n->keys[i];
        if (key->kind != MF_SCALAR) {
            wasp__mf_error(e, key, "keys of %s must be plain strings", what);
            continue;
        }
        size_t k = 0;
        while (k < nknown && strcmp(known[k], key->text)) k++;
        if (k == nknown) {
            wasp__mf_error(e, key, "unknown key '%s' in %s", key->text, what);
            continue;
        }
        if (vals[k]) {
            wasp__mf_error(e, key, "duplicate key '%s' in %s", key->text, what);
            continue;
        }
        vals[k] = n->items[i];
        if (keyn) keyn[k] = key;
    }
    return true;
}

void wasp__mf_missing(struct mf_errors *e, const struct mf_node *n, const char *key) {
    wasp__mf_error(e, n, "missing required key '%s'", key);
}
