/* dead_letters.c - what happens to a message that will never be handled:
 * counted, its ask completed, published on wasp.dead_letters, and logged at
 * warn level (docs/RUNTIME.md, "Messages, dead letters, accounting").
 *
 * Logging is rate-limited per system: at most DL_LINES lines per DL_WINDOW_NS;
 * the rest are only counted, and one summary line reports them once the
 * window has passed - written by the next dead letter after it, or by a
 * one-shot timer armed at the first hidden letter, so a flood that simply
 * ends is still summarised. A crash storm therefore costs ~20 lines/s of
 * I/O, not one per crash. Counting and publishing are never limited. */
#include <inttypes.h>
#include <stdio.h>

#include "core/clock.h"
#include "runtime/actor.h"
#include "runtime/dead_letters.h"
#include "runtime/system.h"
#include "runtime/timers.h"

#define DL_LINES 20u
#define DL_WINDOW_NS 1000000000ull

static void dl_summary(wasp_system *sys, uint64_t hidden) {
    if (hidden)
        wasp_log(sys, WASP_LOG_WARN, "wasp", "%" PRIu64 " more dead letters not shown", hidden);
}

/* Starts a new window if the current one has passed, summarising the old one. */
static void dl_roll(wasp_system *sys, uint64_t now) {
    uint64_t hidden = 0;
    pthread_mutex_lock(&sys->dl_mu);
    if (now - atomic_load(&sys->dl_window) >= DL_WINDOW_NS) {
        hidden = atomic_exchange(&sys->dl_hidden, 0);
        atomic_store(&sys->dl_window, now);
        atomic_store(&sys->dl_shown, 0);
    }
    pthread_mutex_unlock(&sys->dl_mu);
    dl_summary(sys, hidden);
}

static void dl_timer_fire(void *arg) {
    wasp_system *sys = arg;
    dl_roll(sys, wasp_clock_ns());
}

/* The timer service is stopping (system stop): say what is left now. */
static void dl_timer_drop(void *arg) { wasp__dead_letters_flush(arg); }

void wasp__dead_letters_flush(wasp_system *sys) {
    if (wasp_log_enabled(sys, WASP_LOG_WARN)) dl_summary(sys, atomic_exchange(&sys->dl_hidden, 0));
}

/* First hidden letter of a window: make sure its summary gets written even if
 * no further dead letter comes (fails quietly while the timers stop; then
 * wasp_system_stop flushes). */
static void dl_arm_summary(wasp_system *sys, uint64_t now) {
    if (!sys->timers) return;
    uint64_t end = atomic_load(&sys->dl_window) + DL_WINDOW_NS;
    uint64_t delay = end > now ? end - now : 0;
    wasp__timers_schedule(sys->timers, delay + 1000000, dl_timer_fire, dl_timer_drop, sys);
}

static const char *dl_reason(int status, bool have_actor, bool stopping) {
    switch (status) {
    case WASP_ECRASH: return "handler crashed";
    case WASP_ESTOPPED: return stopping || !have_actor ? "system stopped" : "actor stopped";
    case WASP_ETIMEDOUT: return "expired before delivery (ttl)";
    case WASP_EFULL: return "mailbox full, oldest dropped";
    case WASP_ENOREPLY: return "dropped by the handler";
    case WASP_ENOENT: return "no such actor";
    default: return wasp_strerror(status);
    }
}

void wasp__dead_letter_log(wasp_system *sys, const char *to, wasp_aid id, size_t len,
                          const char *why) {
    if (!wasp_log_enabled(sys, WASP_LOG_WARN)) return;
    uint64_t now = wasp_clock_ns();
    if (now - atomic_load_explicit(&sys->dl_window, memory_order_relaxed) >= DL_WINDOW_NS)
        dl_roll(sys, now);
    if (atomic_fetch_add(&sys->dl_shown, 1) >= DL_LINES) {
        if (atomic_fetch_add(&sys->dl_hidden, 1) == 0) dl_arm_summary(sys, now);
        return;
    }
    if (to && *to)
        wasp_log(sys, WASP_LOG_WARN, to, "dead letter (%zu bytes): %s", len, why);
    else if (id)
        wasp_log(sys, WASP_LOG_WARN, "wasp", "dead letter for actor %#" PRIx64 " (%zu bytes): %s",
                 id, len, why);
    else
        wasp_log(sys, WASP_LOG_WARN, "wasp", "dead letter (%zu bytes): %s", len, why);
}

static _Thread_local bool tls_in_dead_letter;

void wasp__dead_letter_to(wasp_system *sys, struct wasp_actor *a, const char *to_name,
                         struct wasp_env *e, int status) {
    if (a) atomic_fetch_add_explicit(&a->dead, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sys->dead, 1, memory_order_relaxed);
    if (e->completion) wasp__completion_finish(e->completion, status, NULL, 0, 0);
    /* a notice's own fallout (a full subscriber dropping its oldest) is only
     * counted: no cascades of notices or log lines */
    if (!(e->flags & WASP_MSG_DEAD)) {
        wasp__dead_letter_log(sys, a ? a->name : to_name, a ? wasp_actor_id(a) : WASP_AID_NONE,
                             e->len, dl_reason(status, a != NULL, atomic_load(&sys->state) >= WASP_SYS_STOPPING));
        if (!tls_in_dead_letter && atomic_load_explicit(&sys->broker.nsubs, memory_order_relaxed)) {
            tls_in_dead_letter = true;
            sys->publish_notice(sys, a ? wasp_actor_id(a) : WASP_AID_NONE, WASP_MSG_DEAD,
                                WASP_DEAD_LETTERS_TOPIC, e->data, e->len, e->codec);
            tls_in_dead_letter = false;
        }
    }
    wasp__env_free(e);
}

void wasp__dead_letter_unqueued(wasp_system *sys, struct wasp_actor *a, struct wasp_env *e,
                                int status) {
    if (a) wasp__mailbox_count_unqueued(&a->mb, e); /* its ledger: received, then dead */
    wasp__dead_letter(sys, a, e, status);
}

void wasp__dead_letter(wasp_system *sys, struct wasp_actor *a, struct wasp_env *e, int status) {
    wasp__dead_letter_to(sys, a, NULL, e, status);
}
