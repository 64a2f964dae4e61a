/* sink - adds up the squares that arrive and checks the total once all
 * TOTAL items are in (in any order: the pool runs them in parallel). */
#include <wasp_guest.h>

#define TOTAL 1000

static long long items, sum;

static int on_result(const char *msg, size_t len) {
    size_t used;
    wasp_parse_int(msg, len, &used); /* the number itself */
    if (used == 0 || used >= len) return 1;
    sum += wasp_parse_int(msg + used + 1, len - used - 1, NULL);
    items++;
    if (items % 250 == 0) wasp_logf(WASP_LOG_INFO, "%lld items, last from %s", items, wasp_sender_name());
    if (items == TOTAL) {
        long long want = (long long)TOTAL * (TOTAL + 1) * (2 * TOTAL + 1) / 6;
        wasp_logf(sum == want ? WASP_LOG_INFO : WASP_LOG_ERROR, "all %d items: sum of squares %lld (%s)", TOTAL,
                  sum, sum == want ? "correct" : "WRONG");
    }
    return 0;
}
WASP_HANDLER(on_result)
