/* sync.c - messages over the sync socketpair (unix(7), cmsg(3)). */
#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <stdint.h>
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

/* One packet: the message, and what follows it in the same packet (the
 * seccomp program) into extra.  Returns the bytes of extra received. */
static int recv_packet(int sock, struct cell_msg *msg, int *fds, size_t max, size_t *n,
		       void *extra, size_t extra_max, size_t *extra_len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CELL_MSG_FDS_MAX)];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = { { .iov_base = msg, .iov_len = sizeof(*msg) },
				{ .iov_base = extra, .iov_len = extra_max } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = extra ? 2 : 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	ssize_t r;

	*n = 0;
	*extra_len = 0;
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
	if ((size_t)r < sizeof(*msg) || (!extra && (size_t)r != sizeof(*msg)) ||
	    (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
		return -EBADMSG;
	*extra_len = (size_t)r - sizeof(*msg);
	return 1;
}

int cell_sync_recv(int sock, struct cell_msg *msg, int *fds, size_t max, size_t *n)
{
	size_t extra_len;

	return recv_packet(sock, msg, fds, max, n, NULL, 0, &extra_len);
}

int cell_sync_recv_any(int sock, struct cell_msg *msg, int *fd, size_t *nfds, uint64_t *insns,
		       size_t max, struct cell_seccomp_prog *prog, struct cell_err *err)
{
	size_t len;
	int r = recv_packet(sock, msg, fd, 1, nfds, insns, max * 8, &len);

	if (r < 0)
		return cell_fail(err, -r, "receive from cell");
	if (r == 0 || msg->type != CELL_MSG_SECCOMP)
		return r;
	if (msg->status <= 0 || (size_t)msg->status > max || len != (size_t)msg->status * 8)
		return cell_fail(err, EPROTO, "receive the seccomp filter");
	prog->insns = insns;
	prog->len = (unsigned short)msg->status;
	prog->flags = msg->flags;
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
	struct iovec iov[2] = { { .iov_base = &msg, .iov_len = sizeof(msg) },
				{ .iov_base = prog->insns, .iov_len = (size_t)prog->len * 8 } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t sent;

	do
		sent = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return -errno;
	return (size_t)sent == sizeof(msg) + iov[1].iov_len ? 0 : -EIO;
}

int cell_sync_recv_prog(int sock, uint64_t *insns, size_t max, struct cell_seccomp_prog *ret,
			struct cell_err *err)
{
	struct cell_msg msg;
	size_t nfds = 0;
	int fd = -1, r = cell_sync_recv_any(sock, &msg, &fd, &nfds, insns, max, ret, err);

	if (nfds == 1)
		close(fd);
	if (r <= 0)
		return r;
	if (msg.type != CELL_MSG_SECCOMP)
		return cell_fail(err, EPROTO, "expected the seccomp filter");
	return 1;
}
