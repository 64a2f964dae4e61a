/* dist_wire.c - NATS subjects and message frames of a distributed system.
 * Pure functions, fuzzed (fuzz/fuzz_dist_wire.c). */
#include <string.h>

#include "dist/dist.h"

bool wasp__dist_token_ok(const char *s) {
    size_t n = 0;
    for (; s && s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return n >= 1 && n <= WASP__DIST_TOKEN_MAX;
}

/* A name or topic NATS carries as is: dot-separated non-empty tokens with no
 * whitespace, control bytes or wildcards (NATS would read "a b" as subject
 * "a" with reply "b"). */
static bool carriable(const char *s) {
    if (!*s || *s == '.') return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p == 0x7f || *p == '*' || *p == '>') return false;
        if (*p == '.' && (p[1] == '.' || p[1] == 0)) return false;
    }
    return true;
}

int wasp__dist_subject(char *buf, size_t cap, const char *system, const char *kind,
                       const char *rest) {
    if (!rest || !carriable(rest)) return WASP_EINVAL;
    size_t sl = strlen(system), kl = strlen(kind), rl = strlen(rest);
    if (5 + sl + 1 + kl + 1 + rl + 1 > cap) return WASP_E2BIG;
    char *p = buf;
    memcpy(p, "wasp.", 5), p += 5;
    memcpy(p, system, sl), p += sl;
    *p++ = '.';
    memcpy(p, kind, kl), p += kl;
    *p++ = '.';
    memcpy(p, rest, rl + 1);
    return WASP_OK;
}

int wasp__dist_name_subject(char *buf, size_t cap, const char *system, const char *node,
                            const char *name) {
    if (!name || !carriable(name) || !wasp__dist_token_ok(node)) return WASP_EINVAL;
    char rest[WASP__DIST_TOKEN_MAX + 1 + 256];
    size_t nl = strlen(node), ml = strlen(name);
    if (nl + 1 + ml + 1 > sizeof(rest)) return WASP_E2BIG;
    memcpy(rest, node, nl);
    rest[nl] = '.';
    memcpy(rest + nl + 1, name, ml + 1);
    return wasp__dist_subject(buf, cap, system, "a", rest);
}

size_t wasp__dist_frame_head(uint8_t *out, unsigned flags, uint64_t timeout_ns, const char *sender,
                             uint64_t codec) {
    size_t slen = sender ? strnlen(sender, 255) : 0;
    flags &= WASP__DIST_HIGH | WASP__DIST_REQUEST;
    if (slen) flags |= WASP__DIST_SENDER;
    if (codec) flags |= WASP__DIST_CODEC;
    out[0] = (uint8_t)flags;
    size_t n = 1;
    if (flags & WASP__DIST_REQUEST)
        for (int i = 0; i < 8; i++) out[n++] = (uint8_t)(timeout_ns >> (8 * i));
    if (codec)
        for (int i = 0; i < 8; i++) out[n++] = (uint8_t)(codec >> (8 * i));
    if (slen) {
        out[n++] = (uint8_t)slen;
        memcpy(out + n, sender, slen);
        n += slen;
    }
    return n;
}

int wasp__dist_frame_parse(const void *buf, size_t len, struct wasp__dist_frame *f) {
    const uint8_t *b = buf;
    memset(f, 0, sizeof(*f));
    if (!b || len < 1 ||
        (b[0] & ~(WASP__DIST_HIGH | WASP__DIST_REQUEST | WASP__DIST_SENDER | WASP__DIST_CODEC)))
        return WASP_EINVAL;
    f->flags = b[0];
    size_t n = 1;
    if (f->flags & WASP__DIST_REQUEST) {
        if (len < n + 8) return WASP_EINVAL;
        for (int i = 0; i < 8; i++) f->timeout_ns |= (uint64_t)b[n++] << (8 * i);
    }
    if (f->flags & WASP__DIST_CODEC) {
        if (len < n + 8) return WASP_EINVAL;
        for (int i = 0; i < 8; i++) f->codec |= (uint64_t)b[n++] << (8 * i);
        if (!f->codec || f->codec > WASP_CODEC_MAX) return WASP_EINVAL; /* one encoding per tag */
    }
    if (f->flags & WASP__DIST_SENDER) {
        if (len < n + 1 || b[n] == 0 || len < n + 1 + b[n]) return WASP_EINVAL;
        f->sender_len = b[n];
        f->sender = (const char *)b + n + 1;
        n += 1 + f->sender_len;
    }
    f->data = b + n;
    f->len = len - n;
    return WASP_OK;
}

int wasp__dist_batch_next(const void *buf, size_t len, size_t *off, const void **frame, size_t *flen) {
    const uint8_t *b = buf;
    if (*off == 0) {
        if (!b || len < 1 || b[0] != WASP__DIST_BATCH) return WASP_EINVAL;
        *off = 1;
    }
    if (*off >= len) return 0;
    if (len - *off < 4) return WASP_EINVAL;
    uint32_t n = 0;
    for (int i = 0; i < 4; i++) n |= (uint32_t)b[*off + i] << (8 * i);
    if (n > len - *off - 4) return WASP_EINVAL;
    *frame = b + *off + 4;
    *flen = n;
    *off += 4 + (size_t)n;
    return 1;
}
