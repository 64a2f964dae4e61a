/* dead_letters.h - messages that will never be handled (dead_letters.c). */
#ifndef WASP_RUNTIME_DEAD_LETTERS_H
#define WASP_RUNTIME_DEAD_LETTERS_H

#include <stddef.h>

#include "runtime/envelope.h"

struct wasp_actor;

/* A message that will never be handled (dead_letters.c): counted (on a if
 * not NULL), its request completed with status, logged at warn (rate-limited),
 * published on wasp.dead_letters, freed. */
void wasp__dead_letter(wasp_system *sys, struct wasp_actor *a, struct wasp_env *e, int status);
/* The same when the target could not be resolved: to_name names it in the log. */
void wasp__dead_letter_to(wasp_system *sys, struct wasp_actor *a, const char *to_name,
                         struct wasp_env *e, int status);
/* A dead letter for a, which never queued it: counted as received too (and
 * out of its timers if it was a pending timer), so a's ledger balances. */
void wasp__dead_letter_unqueued(wasp_system *sys, struct wasp_actor *a, struct wasp_env *e,
                                int status);
/* Only the (rate-limited) warn line, for letters counted elsewhere. to: the
 * intended actor's name (or NULL: id, or nothing, is shown). */
void wasp__dead_letter_log(wasp_system *sys, const char *to, wasp_aid id, size_t len,
                          const char *why);
/* Writes the summary of dead letters not logged yet (system stop). */
void wasp__dead_letters_flush(wasp_system *sys);

#endif
