/* pty.c - relay between the caller's terminal and the sandbox's pty.
 *
 * pty(7), termios(3), ioctl_tty(2).  The caller's terminal goes to raw mode
 * so that ^C, ^Z and friends reach the sandbox's line discipline as bytes:
 * job control then happens inside, on the sandbox's own terminal.  Writes to
 * the master are non-blocking and buffered, so a sandbox that does not read
 * its input can never stop its output from being relayed.
 */
#define _GNU_SOURCE
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

void cell_relay_init(struct cell_relay *r)
{
	memset(r, 0, sizeof(*r));
	r->master = -1;
}

int cell_relay_start(struct cell_relay *r, int master)
{
	struct termios raw;

	r->master = master;
	r->in_open = true;
	if (fcntl(master, F_SETFL, O_NONBLOCK) < 0)
		return -errno;
	cell_relay_winch(r);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &r->saved) == 0) {
		raw = r->saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
			r->raw = true;
	}
	return 0;
}

size_t cell_relay_pollfds(struct cell_relay *r, struct pollfd *pfd)
{
	size_t n = 0;

	if (r->master < 0 || r->hup)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = r->master,
				    .events = POLLIN | (r->to_master_len ? POLLOUT : 0) };
	if (r->in_open && r->to_master_len < sizeof(r->to_master))
		pfd[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	return n;
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		len -= (size_t)w;
	}
	return true;
}

static void flush_to_master(struct cell_relay *r)
{
	while (r->to_master_len > 0) {
		ssize_t w = write(r->master, r->to_master, r->to_master_len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* EAGAIN: later; EIO: the sandbox is gone */
		memmove(r->to_master, r->to_master + w, r->to_master_len - (size_t)w);
		r->to_master_len -= (size_t)w;
	}
}

/* Returns false when the master has nothing more to give. */
static bool copy_out(struct cell_relay *r)
{
	char buf[8192];
	ssize_t n = read(r->master, buf, sizeof(buf));

	if (n > 0) {
		(void)write_all(STDOUT_FILENO, buf, (size_t)n); /* stdout gone: drop */
		return true;
	}
	return n < 0 && (errno == EINTR);
}

void cell_relay_handle(struct cell_relay *r, const struct pollfd *pfd, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == r->master) {
			if (pfd[i].revents & POLLIN)
				(void)copy_out(r);
			else if (pfd[i].revents & (POLLHUP | POLLERR))
				r->hup = true; /* no terminal left open inside */
			if (pfd[i].revents & POLLOUT)
				flush_to_master(r);
		} else if (pfd[i].fd == STDIN_FILENO) {
			ssize_t got = read(STDIN_FILENO, r->to_master + r->to_master_len,
					   sizeof(r->to_master) - r->to_master_len);

			if (got > 0) {
				r->to_master_len += (size_t)got;
			} else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* End of input: tell the line discipline (^D). */
				r->in_open = false;
				if (r->to_master_len < sizeof(r->to_master))
					r->to_master[r->to_master_len++] = 4;
			}
			flush_to_master(r);
		}
	}
}

void cell_relay_winch(struct cell_relay *r)
{
	struct winsize ws;

	if (r->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(r->master, TIOCSWINSZ, &ws); /* a best-effort courtesy */
}

void cell_relay_drain(struct cell_relay *r)
{
	if (r->master < 0)
		return;
	while (copy_out(r))
		;
}

void cell_relay_end(struct cell_relay *r)
{
	if (r->raw)
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &r->saved);
	r->raw = false;
	if (r->master >= 0)
		close(r->master);
	r->master = -1;
}
