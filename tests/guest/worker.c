/* worker - tests/fixtures/cli_worker.wat in C, so the supervision
 * conformance matrix (tests/cli/test_cli_supervision.c) also runs against a
 * Component Model build: _start logs "started", _cleanup logs "cleanup", a
 * message whose first byte is 'x' traps (a crash), any other is logged as
 * "got TEXT". */
#include <wasp_guest.h>

static void on_start(void) { wasp_log_info("started"); }

static void on_cleanup(void) { wasp_log_info("cleanup"); }

static int on_message(const char *msg, size_t len) {
    if (len > 0 && msg[0] == 'x') __builtin_trap();
    char line[64] = "got ";
    size_t n = len < sizeof(line) - 4 ? len : sizeof(line) - 4;
    for (size_t i = 0; i < n; i++) line[4 + i] = msg[i];
    wasp_log(WASP_LOG_INFO, line, 4 + n);
    return 0;
}

WASP_HANDLER(on_message)
WASP_START(on_start)
WASP_CLEANUP(on_cleanup)
