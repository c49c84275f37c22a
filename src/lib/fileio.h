/* fileio.h - a whole file into memory. */
#ifndef CELL_FILEIO_H
#define CELL_FILEIO_H

#include <stddef.h>

/* Read fd to its end into a malloc'd buffer, NUL-terminated after the data
 * (*ret_len, when not NULL, is the length without it).  NULL with errno
 * set on failure: EFBIG past max bytes, ENOMEM, or read(2)'s error. */
char *cell_read_fd(int fd, size_t max, size_t *ret_len);

/* The same for path, relative to dirfd (or AT_FDCWD); open(2)'s errno
 * when it cannot be opened. */
char *cell_read_at(int dirfd, const char *path, size_t max, size_t *ret_len);

#endif
