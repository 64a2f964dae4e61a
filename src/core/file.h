/* file.h - reading an input file (manifest, module) the careful way: only a
 * regular file, opened without blocking (a FIFO or a device is refused, not
 * waited on), up to a size cap. */
#ifndef WASP_CORE_FILE_H
#define WASP_CORE_FILE_H

#include <stddef.h>
#include <stdint.h>

/* Reads all of path into *out (malloc'd, NUL-terminated; *len excludes the
 * NUL). On failure *why (cap bytes) says what is wrong, without the path:
 * WASP_EIO (cannot open or read, or not a regular file), WASP_E2BIG (larger
 * than max bytes), WASP_ENOMEM. */
int wasp__file_read(const char *path, size_t max, uint8_t **out, size_t *len, char *why, size_t cap);

#endif
