/* ping - plays ROUNDS rounds of ping-pong with `pong` using call/reply.
 * Each round is one message to itself: it calls pong, checks the answer,
 * logs progress every 100 rounds and queues the next round. */
#include <wasp_guest.h>

#define ROUNDS 1000

static int round_no;
static int64_t started_ms;

static void start(void) {
    started_ms = wasp_now_ms();
    /* The first round comes from a timer, once everything is up. */
    int rc = wasp_send_after_str(wasp_self_name(), "round", 10);
    if (rc < 0) wasp_logf(WASP_LOG_ERROR, "cannot schedule the first round: %s", wasp_strerror(rc));
}

static int play_round(const char *msg, size_t len) {
    (void)msg, (void)len;
    char request[32], answer[32], expected[32];
    round_no++;
    wasp_format(request, sizeof request, "ping %d", round_no);
    wasp_format(expected, sizeof expected, "pong %d", round_no);

    int n = wasp_call_str("pong", request, answer, sizeof answer, 1000);
    if (n < 0) {
        wasp_logf(WASP_LOG_ERROR, "round %d: call failed: %s", round_no, wasp_strerror(n));
        return 1;
    }
    if (!wasp_msg_is(answer, (size_t)n, expected)) {
        wasp_logf(WASP_LOG_ERROR, "round %d: expected \"%s\", got \"%s\"", round_no, expected, answer);
        return 1;
    }
    if (round_no % 100 == 0) wasp_logf(WASP_LOG_INFO, "round %d/%d: %s", round_no, ROUNDS, answer);
    if (round_no < ROUNDS) return wasp_send_str(wasp_self_name(), "round") < 0;
    wasp_logf(WASP_LOG_INFO, "done: %d rounds in %lld ms", ROUNDS, (long long)(wasp_now_ms() - started_ms));
    return 0;
}

WASP_START(start)
WASP_HANDLER(play_round)
