/* pty.h - the parent's side of the sandbox's terminal: relay bytes between
 * the caller's terminal and the pty master that the sandbox sent up. */
#ifndef CELL_PTY_H
#define CELL_PTY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

struct cell_relay {
	int master;		/* -1 until the sandbox sends it */
	bool in_open;		/* still reading stdin */
	bool hup;		/* the master reported hang-up */
	bool raw;		/* stdin's termios were changed and must be restored */
	struct termios saved;
	char to_master[4096];
	size_t to_master_len;
};

void cell_relay_init(struct cell_relay *r);
/* Take the master: copy the window size, put the caller's terminal in raw mode. */
int cell_relay_start(struct cell_relay *r, int master);
/* Fill up to two pollfds (stdin, master); returns how many. */
size_t cell_relay_pollfds(struct cell_relay *r, struct pollfd *pfd);
/* Act on the revents of the pollfds filled above. */
void cell_relay_handle(struct cell_relay *r, const struct pollfd *pfd, size_t n);
/* SIGWINCH: copy the caller's window size to the sandbox's terminal. */
void cell_relay_winch(struct cell_relay *r);
/* After the sandbox ended: copy what is left in the master to stdout. */
void cell_relay_drain(struct cell_relay *r);
/* Restore the caller's terminal and close the master. */
void cell_relay_end(struct cell_relay *r);

#endif
