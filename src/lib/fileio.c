/* fileio.c - a whole file into memory (see fileio.h). */
#define _GNU_SOURCE
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

char *cell_read_fd(int fd, size_t max, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0, size = 0;

	for (;;) {
		ssize_t n;

		if (len + 1 >= size) {
			size_t want = size ? size * 2 : 16384;
			char *b;

			if (size > max) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			b = realloc(buf, want);
			if (!b) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = b;
			size = want;
		}
		n = read(fd, buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

char *cell_read_at(int dirfd, const char *path, size_t max, size_t *ret_len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *buf;
	int e;

	if (fd < 0)
		return NULL;
	buf = cell_read_fd(fd, max, ret_len);
	e = errno;
	close(fd);
	errno = e;
	return buf;
}
