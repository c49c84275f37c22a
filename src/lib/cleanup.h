/* cleanup.h - scope-bound cleanup helpers (GCC/Clang cleanup attribute).
 *
 * Modelled on systemd's cleanup-fundamental.h: every destructor accepts the
 * "empty" value (NULL, -1) so variables can be initialised to it and handed
 * on with TAKE_PTR()/TAKE_FD().
 */
#ifndef CELL_CLEANUP_H
#define CELL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void cell_freep(void *p)
{
	free(*(void **)p);
}

static inline void cell_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cell_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ _cleanup_(cell_freep)
#define _cleanup_close_ _cleanup_(cell_closep)
#define _cleanup_fclose_ _cleanup_(cell_fclosep)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_tf;                                                                               \
	})

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
