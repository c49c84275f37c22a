/* sync.c - messages over the sync socketpair (unix(7), cmsg(3)). */
#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cell_sync_send(int sock, const struct cell_msg *msg, const int *fds, size_t n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CELL_MSG_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n > CELL_MSG_FDS_MAX)
		return -E2BIG;
	if (n > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int cell_sync_recv(int sock, struct cell_msg *msg, int *fds, size_t max, size_t *n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CELL_MSG_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t r;

	*n = 0;
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int got[CELL_MSG_FDS_MAX];

			memcpy(got, CMSG_DATA(c), k * sizeof(int));
			for (size_t i = 0; i < k; i++) {
				if (*n < max)
					fds[(*n)++] = got[i];
				else
					close(got[i]);
			}
		}
	}
	if ((size_t)r != sizeof(*msg) || (mh.msg_flags & MSG_CTRUNC))
		return -EBADMSG;
	return 1;
}

void cell_sync_die(int sock, const struct cell_err *err)
{
	struct cell_msg msg = { .type = CELL_MSG_ERROR, .err = *err };

	if (!msg.err.status)
		msg.err.status = CELL_EXIT_SETUP;
	(void)cell_sync_send(sock, &msg, NULL, 0); /* nothing more to do if the parent is gone */
	_exit(msg.err.status);
}

int cell_sync_send_prog(int sock, const struct cell_seccomp_prog *prog)
{
	struct cell_msg msg = { .type = CELL_MSG_SECCOMP, .status = prog->len,
				.flags = prog->flags };
	ssize_t len = (ssize_t)prog->len * 8, sent;
	int r = cell_sync_send(sock, &msg, NULL, 0);

	if (r < 0)
		return r;
	sent = send(sock, prog->insns, (size_t)len, MSG_NOSIGNAL);
	if (sent < 0)
		return -errno;
	return sent == len ? 0 : -EIO;
}

int cell_sync_recv_prog(int sock, uint64_t *insns, size_t max, struct cell_seccomp_prog *ret,
			struct cell_err *err)
{
	struct cell_msg msg;
	size_t nfds = 0;
	ssize_t got;
	int r = cell_sync_recv(sock, &msg, NULL, 0, &nfds);

	if (r <= 0)
		return r;
	if (msg.type != CELL_MSG_SECCOMP || msg.status <= 0 || (size_t)msg.status > max)
		return cell_fail(err, EPROTO, "expected the seccomp filter");
	got = recv(sock, insns, max * 8, 0);
	if (got != (ssize_t)msg.status * 8)
		return cell_fail(err, got < 0 ? errno : EPROTO, "receive the seccomp filter");
	ret->insns = insns;
	ret->len = (unsigned short)msg.status;
	ret->flags = msg.flags;
	return 1;
}
