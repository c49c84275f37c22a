/* nsinfo.c - read /proc/PID/ns/<type> inodes (the article's ls -l /proc/PID/ns). */
#define _GNU_SOURCE
#include "nsinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int cell_nsinfo_read(pid_t pid, struct cell_nsinfo *ret, struct cell_err *err)
{
	char path[64];
	_cleanup_close_ int dirfd = -1;

	memset(ret, 0, sizeof(*ret));
	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/ns");
	else
		snprintf(path, sizeof(path), "/proc/%d/ns", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return cell_fail(err, errno == ENOENT ? ESRCH : errno, "%d", (int)pid);
	for (int t = 0; t < CELL_NS_MAX; t++) {
		struct stat st;

		/* stat follows the magic link to the nsfs inode. */
		if (fstatat(dirfd, cell_ns_name(t), &st, 0) < 0) {
			if (errno == ENOENT)
				continue; /* kernel without this namespace type */
			return cell_fail(err, errno, "%d: %s namespace", (int)pid, cell_ns_name(t));
		}
		ret->present[t] = true;
		ret->inode[t] = (uint64_t)st.st_ino;
	}
	return 0;
}
