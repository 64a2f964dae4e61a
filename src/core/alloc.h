/* alloc.h - every heap allocation libwasp makes, with a fault-injection hook.
 *
 * The build force-includes this header into every libwasp source file
 * (CMakeLists.txt: -include core/alloc.h), so malloc, calloc, realloc, strdup
 * and strndup in the library are the wasp__ versions below without each call
 * site having to say so. Tests use wasp__alloc_fail_after() in the SQLite
 * manner: fail the Nth allocation from now, check that the operation returns
 * an error code (never a crash or a leak), then try again with N+1 until the
 * operation succeeds without reaching the failure.
 *
 * free is not wrapped: releasing memory cannot fail.
 */
#ifndef WASP_CORE_ALLOC_H
#define WASP_CORE_ALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void *wasp__malloc(size_t size);
void *wasp__calloc(size_t n, size_t size);
void *wasp__realloc(void *p, size_t size);
char *wasp__strdup(const char *s);
char *wasp__strndup(const char *s, size_t n);

/* Fault injection (tests only). After this call the nth allocation (1 = the
 * next one) and, if `sticky`, every one after it fails; n = 0 turns failures
 * off. Counts allocations from every thread. */
void wasp__alloc_fail_after(long n, int sticky);

/* Whether a failure is armed (a cache in front of malloc, such as the
 * envelope pool, then goes to malloc so the countdown sees every allocation). */
int wasp__alloc_injecting(void);

/* How many allocations failed on purpose since the last wasp__alloc_fail_after. */
long wasp__alloc_failures(void);

#define malloc(size) wasp__malloc(size)
#define calloc(n, size) wasp__calloc(n, size)
#define realloc(p, size) wasp__realloc(p, size)
#define strdup(s) wasp__strdup(s)
#define strndup(s, n) wasp__strndup(s, n)

#endif
