/* sync.h - the parent <-> child channel: a SOCK_SEQPACKET socketpair.
 *
 * One message per packet, so no framing; file descriptors travel as
 * SCM_RIGHTS.  The child side is allocation-free.
 */
#ifndef CELL_SYNC_H
#define CELL_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "seccomp.h"

enum cell_msg_type {
	CELL_MSG_GO = 1,    /* parent -> child: ids mapped, go on (fds: idmapped binds) */
	CELL_MSG_ERROR,	    /* child -> parent: struct cell_err, fatal */
	CELL_MSG_PTY,	    /* child -> parent: the pty master (1 fd) */
	CELL_MSG_STATUS,    /* init -> parent: the command's wait status in status */
	CELL_MSG_READY,	    /* child -> parent: own maps written; set up the network, then GO */
	CELL_MSG_SECCOMP,   /* parent -> child: status = instructions, flags = its
			     * seccomp(2) flags; the BPF program follows in the
			     * same packet (cell_sync_send_prog) */
	CELL_MSG_NETNS,	    /* cell's helper -> child: the new network namespace
			     * (1 fd), made beside the setup (net.h); it and
			     * SECCOMP may come in either order */
};

#define CELL_MSG_FDS_MAX 32

struct cell_msg {
	int type;
	int status;
	unsigned flags;
	struct cell_err err;
};

/* Send msg with n fds (n may be 0).  Returns 0 or -errno. */
int cell_sync_send(int sock, const struct cell_msg *msg, const int *fds, size_t n);
/* Receive one message; fds (up to max) land in fds, their count in *n.
 * Returns 1 on a message, 0 on EOF, -errno on error. */
int cell_sync_recv(int sock, struct cell_msg *msg, int *fds, size_t max, size_t *n);

/* A compiled seccomp program (len > 0) with its flags: CELL_MSG_SECCOMP and
 * the instructions in one packet, so that no other sender's packet can come
 * between them.  Returns 0 or -errno. */
int cell_sync_send_prog(int sock, const struct cell_seccomp_prog *prog);
/* Child side, allocation-free: receive it into insns (room for max
 * instructions), which ret then points at.  1 on success, 0 on EOF (the
 * parent failed and says why), -errno with err filled. */
int cell_sync_recv_prog(int sock, uint64_t *insns, size_t max, struct cell_seccomp_prog *ret,
			struct cell_err *err);
/* Child side: whichever comes, a message with at most one fd, or the
 * seccomp program (into insns and prog, as above).  1, 0 on EOF, -errno
 * with err filled. */
int cell_sync_recv_any(int sock, struct cell_msg *msg, int *fd, size_t *nfds, uint64_t *insns,
		       size_t max, struct cell_seccomp_prog *prog, struct cell_err *err);

/* Child side: send err up as CELL_MSG_ERROR and _exit with err->status. */
__attribute__((noreturn)) void cell_sync_die(int sock, const struct cell_err *err);

#endif
