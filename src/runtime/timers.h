/* timers.h - one-shot timers run by a dedicated thread (send_after, call
 * timeouts, restart back-off).
 *
 * Every scheduled timer ends in exactly one of two callbacks, so its owner
 * can free the argument exactly once:
 *   fire(arg)  on the timer thread, never before the deadline;
 *   drop(arg)  when it is cancelled, or still pending at stop (may be NULL).
 * Callbacks run without the service lock, so they may schedule and cancel.
 *
 * All functions are thread-safe, except that wasp__timers_stop must be
 * called once, not from a timer callback, and after no other thread will
 * use the service again.
 */
#ifndef WASP_RUNTIME_TIMERS_H
#define WASP_RUNTIME_TIMERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wasp_timers;
typedef void (*wasp_timer_fn)(void *arg);

/* Starts the service and its thread: WASP_OK or WASP_ENOMEM (also used if
 * the thread cannot be created). */
int wasp__timers_start(struct wasp_timers **out);

/* The same on a manual clock: *now (ns) is the time, moved only by its
 * owner; no thread runs and nothing fires but through wasp__timers_fire_next.
 * WASP_OK, WASP_EINVAL (now NULL) or WASP_ENOMEM. */
int wasp__timers_start_manual(struct wasp_timers **out, _Atomic uint64_t *now);

/* Stops and joins the thread, calls drop(arg) for every timer still pending
 * (none of them fires), and frees the service. NULL is a no-op. */
void wasp__timers_stop(struct wasp_timers *t);

/* Schedules fire(arg) delay_ns from now. Returns a nonzero id, or 0 if out
 * of memory or the service is stopping - then neither callback ever runs
 * and the caller still owns arg. fire must not be NULL. */
uint64_t wasp__timers_schedule(struct wasp_timers *t, uint64_t delay_ns, wasp_timer_fn fire,
                              wasp_timer_fn drop, void *arg);

/* true: the timer was pending and will never fire; drop(arg) has run (on
 * this thread) before the return. false: unknown id, already fired, or
 * firing right now (its fire callback runs or ran instead). */
bool wasp__timers_cancel(struct wasp_timers *t, uint64_t id);
/* True once wasp__timers_stop has begun: schedule refuses from then on. */
bool wasp__timers_stopping(struct wasp_timers *t);

/* Timers scheduled and neither fired (or firing), cancelled nor dropped. */
size_t wasp__timers_pending(struct wasp_timers *t);

/* Manual clock only: if the earliest pending timer is due at or before
 * `until`, moves the clock to its deadline (never backwards), fires it on
 * this thread and returns true; otherwise false. */
bool wasp__timers_fire_next(struct wasp_timers *t, uint64_t until);

/* The earliest pending deadline (clock time, ns): true, or false if none. */
bool wasp__timers_next(struct wasp_timers *t, uint64_t *deadline);

#endif
