/* match.c - does a payload match what a test expects: the bytes, a prefix,
 * a POSIX regex, or a JSON subset (jansson). A mismatch says where. */
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testkit/testkit.h"

#define WHY(...) (why && whycap ? (void)snprintf(why, whycap, __VA_ARGS__) : (void)0)

/* JSON text of v, shortened for messages (malloc'd, or NULL). */
static char *json_text(const json_t *v) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (s && strlen(s) > 120) strcpy(s + 117, "...");
    return s;
}

static bool numbers_equal(const json_t *a, const json_t *b) {
    if (json_is_integer(a) && json_is_integer(b))
        return json_integer_value(a) == json_integer_value(b);
    return json_number_value(a) == json_number_value(b);
}

/* want is a subset of got at path; false with why on the first difference. */
static bool subset(const json_t *want, const json_t *got, char *path, size_t plen, size_t pcap,
                   char *why, size_t whycap) {
    bool ok;
    if (json_is_object(want)) {
        if (!json_is_object(got)) goto differ;
        const char *key;
        json_t *wv;
        json_object_foreach((json_t *)want, key, wv) {
            size_t n = (size_t)snprintf(path + plen, pcap - plen, ".%s", key);
            size_t next = plen + n < pcap ? plen + n : pcap - 1;
            json_t *gv = json_object_get(got, key);
            if (!gv) {
                WHY("%s: missing", path);
                path[plen] = 0;
                return false;
            }
            if (!subset(wv, gv, path, next, pcap, why, whycap)) return false;
            path[plen] = 0;
        }
        return true;
    }
    if (json_is_array(want)) {
        if (!json_is_array(got)) goto differ;
        if (json_array_size(want) != json_array_size(got)) {
            WHY("%s: expected %zu elements, got %zu", path, json_array_size(want),
                json_array_size(got));
            return false;
        }
        for (size_t i = 0; i < json_array_size(want); i++) {
            size_t n = (size_t)snprintf(path + plen, pcap - plen, "[%zu]", i);
            size_t next = plen + n < pcap ? plen + n : pcap - 1;
            if (!subset(json_array_get(want, i), json_array_get(got, i), path, next, pcap, why,
                        whycap))
                return false;
            path[plen] = 0;
        }
        return true;
    }
    if (json_is_number(want)) ok = json_is_number(got) && numbers_equal(want, got);
    else ok = json_equal((json_t *)want, (json_t *)got);
    if (ok) return true;
differ:;
    char *w = json_text(want), *g = json_text(got);
    WHY("%s: expected %s, got %s", path, w ? w : "?", g ? g : "?");
    free(w);
    free(g);
    return false;
}

static bool match_json(const char *pattern, const void *data, size_t len, char *why,
                       size_t whycap) {
    json_error_t err;
    json_t *want = json_loads(pattern, JSON_DECODE_ANY, &err);
    if (!want) {
        WHY("the expected JSON is malformed: %s", err.text);
        return false;
    }
    json_t *got = json_loadb(data, len, JSON_DECODE_ANY, &err);
    bool ok = false;
    if (!got) WHY("not JSON (%s)", err.text);
    else {
        char path[256] = "$";
        ok = subset(want, got, path, 1, sizeof(path), why, whycap);
    }
    json_decref(want);
    json_decref(got);
    return ok;
}

static bool match_regex(const char *pattern, const void *data, size_t len, char *why,
                        size_t whycap) {
    regex_t re;
    int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &re, msg, sizeof(msg));
        WHY("invalid regex: %s", msg);
        return false;
    }
    char *text = malloc(len + 1);
    bool ok = false;
    if (text) {
        memcpy(text, data, len);
        text[len] = 0;
        ok = regexec(&re, text, 0, NULL, 0) == 0;
        if (!ok) WHY("no match for /%s/", pattern);
    }
    regfree(&re);
    free(text);
    return ok;
}

bool wasp_test_match(int kind, const char *pattern, const void *data, size_t len, char *why,
                     size_t whycap) {
    if (why && whycap) why[0] = 0;
    if (!pattern || (!data && len)) {
        WHY("nothing to match");
        return false;
    }
    if (!data) data = "";
    size_t plen = strlen(pattern);
    switch (kind) {
    case WASP_TEST_MATCH_EXACT:
        if (plen == len && !memcmp(pattern, data, len)) return true;
        WHY("not equal");
        return false;
    case WASP_TEST_MATCH_PREFIX:
        if (plen <= len && !memcmp(pattern, data, plen)) return true;
        WHY("does not start with it");
        return false;
    case WASP_TEST_MATCH_REGEX:
        return match_regex(pattern, data, len, why, whycap);
    case WASP_TEST_MATCH_JSON:
        return match_json(pattern, data, len, why, whycap);
    default:
        WHY("unknown kind of match");
        return false;
    }
}
