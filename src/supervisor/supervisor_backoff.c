/* supervisor_backoff.c - restart accounting: back-off delays (with jitter)
 * and the sliding intensity window. Control state: supervisor actor only. */
#include "supervisor/supervisor_internal.h"

/* ---- back-off --------------------------------------------------------------- */

uint64_t wasp_backoff_delay(const wasp_backoff *b, uint32_t n) {
    if (!b || !b->initial_ns || n == 0) return 0;
    double m = b->multiplier < 1.0 ? 1.0 : b->multiplier;
    double cap = b->max_ns ? (double)b->max_ns : 1.8e19;
    double d = (double)b->initial_ns;
    for (uint32_t i = 1; i < n && d < cap; i++) d *= m;
    if (d > cap) d = cap;
    return (uint64_t)d;
}

static uint64_t rng_next(struct wasp_supervisor *s) { /* xorshift64* */
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

uint64_t wasp__sup_backoff_jittered(struct wasp_supervisor *s, uint32_t n) {
    uint64_t d = wasp_backoff_delay(&s->backoff, n);
    double j = s->backoff.jitter;
    if (!d || j <= 0) return d;
    if (j > 1) j = 1;
    double u = (double)(rng_next(s) >> 11) / 9007199254740992.0; /* [0,1) */
    double f = 1.0 + j * (2.0 * u - 1.0);
    return (uint64_t)((double)d * f);
}

/* Records a restart in the sliding window; true if the intensity is exceeded. */
bool wasp__sup_window_add(struct wasp_supervisor *s, uint64_t now) {
    while (s->win_len && now - s->win[s->win_head] > s->period_ns) {
        s->win_head = (s->win_head + 1) % s->win_cap;
        s->win_len--;
    }
    if (s->win_len == s->win_cap) {
        size_t cap = s->win_cap ? s->win_cap * 2 : 8;
        uint64_t *w = malloc(cap * sizeof(*w));
        if (!w) return true;
        for (size_t i = 0; i < s->win_len; i++) w[i] = s->win[(s->win_head + i) % s->win_cap];
        free(s->win);
        s->win = w;
        s->win_cap = cap;
        s->win_head = 0;
    }
    s->win[(s->win_head + s->win_len) % s->win_cap] = now;
    s->win_len++;
    return s->win_len > s->intensity;
}
