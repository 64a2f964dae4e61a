/* codec.c - names of the multicodec codes wasp knows by name (wasp.h,
 * "Codec tags"). The tag itself is only carried: the runtime never reads
 * or checks a payload against it. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wasp.h"

static const struct {
    const char *name;
    uint64_t code;
} names[] = {
    {"raw", WASP_CODEC_RAW},           {"json", WASP_CODEC_JSON},
    {"cbor", WASP_CODEC_CBOR},         {"protobuf", WASP_CODEC_PROTOBUF},
    {"dag-pb", WASP_CODEC_DAG_PB},     {"dag-cbor", WASP_CODEC_DAG_CBOR},
    {"dag-json", WASP_CODEC_DAG_JSON}, {"messagepack", WASP_CODEC_MESSAGEPACK},
};

const char *wasp_codec_name(uint64_t codec) {
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].code == codec) return names[i].name;
    return NULL;
}

int wasp_codec_parse(const char *text, uint64_t *codec) {
    if (!text || !*text || !codec) return WASP_EINVAL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(names[i].name, text)) {
            *codec = names[i].code;
            return WASP_OK;
        }
    if (*text < '0' || *text > '9') return WASP_EINVAL; /* no sign, no spaces */
    bool hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (hex && !text[2]) return WASP_EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, hex ? 16 : 10);
    if (errno || *end || v > WASP_CODEC_MAX) return WASP_EINVAL;
    *codec = v;
    return WASP_OK;
}
