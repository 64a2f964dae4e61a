/* http_codec.c - codec tags (wasp.h, WASP_CODEC_*) from and to HTTP media
 * types: a request's Content-Type tags the message a component receives,
 * the codec tag of its reply types a response that names no Content-Type
 * (docs/HTTP.md, "Codec tags"). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"

struct media {
    const char *type;
    uint64_t codec;
};

/* The first type of each codec is the one a response gets. */
static const struct media media_types[] = {
    {"application/json", WASP_CODEC_JSON},
    {"text/json", WASP_CODEC_JSON},
    {"application/cbor", WASP_CODEC_CBOR},
    {"application/protobuf", WASP_CODEC_PROTOBUF},
    {"application/x-protobuf", WASP_CODEC_PROTOBUF},
    {"application/vnd.google.protobuf", WASP_CODEC_PROTOBUF},
    {"application/x-google-protobuf", WASP_CODEC_PROTOBUF},
    {"application/octet-stream", WASP_CODEC_RAW},
    {"application/msgpack", WASP_CODEC_MESSAGEPACK},
    {"application/x-msgpack", WASP_CODEC_MESSAGEPACK},
    {"application/vnd.msgpack", WASP_CODEC_MESSAGEPACK},
    {"application/vnd.ipld.dag-json", WASP_CODEC_DAG_JSON},
    {"application/vnd.ipld.dag-cbor", WASP_CODEC_DAG_CBOR},
    {"application/vnd.ipld.dag-pb", WASP_CODEC_DAG_PB},
};

static bool ends_with(const char *s, size_t n, const char *suffix) {
    size_t k = strlen(suffix);
    return n > k && !strncasecmp(s + n - k, suffix, k);
}

uint64_t wasp__http_codec_of_type(const char *value, size_t len) {
    /* The media type is what comes before any parameter, without blanks. */
    const char *semi = memchr(value, ';', len);
    size_t n = semi ? (size_t)(semi - value) : len;
    while (n && (*value == ' ' || *value == '\t')) value++, n--;
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t')) n--;
    for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
        if (strlen(media_types[i].type) == n && !strncasecmp(media_types[i].type, value, n))
            return media_types[i].codec;
    /* Structured syntax suffixes (RFC 6839), e.g. application/problem+json. */
    if (ends_with(value, n, "+json")) return WASP_CODEC_JSON;
    if (ends_with(value, n, "+cbor")) return WASP_CODEC_CBOR;
    return WASP_CODEC_NONE;
}

const char *wasp__http_type_of_codec(uint64_t codec) {
    for (size_t i = 0; codec && i < sizeof(media_types) / sizeof(media_types[0]); i++)
        if (media_types[i].codec == codec) return media_types[i].type;
    return NULL;
}
