/* fuzz_dist_wire.c - the multi-node wire boundary (src/dist/dist_wire.c):
 * frames and batches arriving from other nodes, and names and topics turned into NATS
 * subjects. A subject we build must never carry whitespace, a wildcard or
 * an empty token, whatever the name. */
#include <stdlib.h>
#include <string.h>

#include "dist/dist.h"

static void check_subject(const char *s) {
    if (!*s || s[strlen(s) - 1] == '.') abort();
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '*' || *p == '>') abort();
        if (*p == '.' && p[1] == '.') abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct wasp__dist_frame f;
    if (wasp__dist_frame_parse(data, size, &f) == WASP_OK) {
        if ((const uint8_t *)f.data < data || (const uint8_t *)f.data + f.len != data + size) abort();
        char sender[256];
        memcpy(sender, f.sender ? f.sender : "", f.sender_len);
        sender[f.sender_len] = 0;
        uint8_t head[WASP__DIST_FRAME_MAX];
        size_t h = wasp__dist_frame_head(head, f.flags, f.timeout_ns, sender, f.codec);
        /* a round trip, unless the sender holds a NUL (it is then cut there) */
        if (strlen(sender) == f.sender_len && (h > size || memcmp(head, data, h))) abort();
    }
    size_t off = 0, flen, seen = 0;
    const void *frame;
    while (wasp__dist_batch_next(data, size, &off, &frame, &flen) == 1) { /* stays inside */
        if ((const uint8_t *)frame < data || (const uint8_t *)frame + flen > data + size || off > size) abort();
        if (++seen > size) abort(); /* every frame takes at least its length */
        wasp__dist_frame_parse(frame, flen, &f);
    }
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char subj[512];
    if (wasp__dist_subject(subj, sizeof(subj), "sys", "t", text) == WASP_OK) check_subject(subj);
    if (wasp__dist_name_subject(subj, sizeof(subj), "sys", "n1", text) == WASP_OK) check_subject(subj);
    if (wasp__dist_token_ok(text) && (strchr(text, '.') || strchr(text, ' '))) abort();
    free(text);
    return 0;
}
