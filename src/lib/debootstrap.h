/* debootstrap.h - a Debian root from debootstrap(8) (`cell root debootstrap`).
 *
 * sources.list(5) (one-line and deb822 formats) for the host's suite and
 * mirror; debootstrap's "I: ..." lines for progress; and the run itself:
 * directly as root, or as root of a new user, mount and pid namespace whose
 * ids are the caller's subordinate ranges (written by newuidmap/newgidmap
 * through idmap.c), keeping the capabilities debootstrap needs there
 * (chown, chroot, mount) -- which `cell run` deliberately drops.
 */
#ifndef CELL_DEBOOTSTRAP_H
#define CELL_DEBOOTSTRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "idmap.h"

struct cell_apt_source {
	char *uri;   /* "http://deb.debian.org/debian" */
	char *suite; /* "bookworm" */
};

void cell_apt_source_clear(struct cell_apt_source *s);

/* Offer every `deb` entry of one file's text to fn, in order (deb822 when
 * deb822 is true, else one-line format); disabled and deb-src entries are
 * skipped.  fn returns 1 to stop, < 0 on error. */
int cell_apt_sources_parse(const char *text, bool deb822,
			   int (*fn)(const char *uri, const char *suite, void *ud), void *ud);

/* The entry to bootstrap from: the first deb entry over http(s), ftp or
 * file whose suite is a release (not -security, -updates, -backports,
 * -proposed-updates).  texts/deb822 are the files in apt's order.  Returns
 * 1 and fills ret, 0 when none fits. */
int cell_apt_sources_pick(const char *const *texts, const bool *deb822, size_t n,
			  struct cell_apt_source *ret);

/* VERSION_CODENAME from os-release text, or NULL. */
char *cell_os_release_codename(const char *text);

/* The stage a debootstrap output line starts, 1..CELL_DEBOOTSTRAP_STAGES,
 * or 0 when it starts none; *ret_name names it. */
#define CELL_DEBOOTSTRAP_STAGES 6
int cell_debootstrap_stage(const char *line, const char **ret_name);

/* Run argv (argv[0] the debootstrap path) with environment envp, its
 * output going line by line to fn.  plan NULL: run directly (as root);
 * else in new user/mount/pid namespaces mapped by plan, as root there.
 * Returns the program's exit status (128+N for signal N), or -errno when
 * it could not be started (err set). */
int cell_debootstrap_run(char *const argv[], char *const envp[],
			 const struct cell_idmap_plan *plan,
			 void (*fn)(const char *line, void *ud), void *ud, struct cell_err *err);

#endif
