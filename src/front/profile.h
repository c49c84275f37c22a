/* profile.h - `cell run --profile NAME|FILE`: named sets of run options.
 *
 * A profile is a text file of `cell run` options, one per line: the
 * option with or without its leading "--", then its value if it takes one
 * ("memory 64M", "--seccomp-log").  '#' starts a comment; "include NAME"
 * reads another profile at that point.  Options keep the meaning they have
 * on the command line; a later line overrides an earlier one, and the
 * command line overrides every profile (the profiles' options are placed
 * before the command line's, and the last value of an option wins).
 *
 * NAME (no '/') is found as NAME.profile in $XDG_CONFIG_HOME/cell/profiles
 * (~/.config/cell/profiles), /etc/cell/profiles, then the profiles shipped
 * with cell ($datadir/cell/profiles; a build run from its tree also finds
 * the source's profiles/).  A --seccomp file named in a profile is found
 * relative to the profile.  Errors name file:line:column.
 */
#ifndef CELL_FRONT_PROFILE_H
#define CELL_FRONT_PROFILE_H

#include <stddef.h>
#include <stdio.h>

#include "../lib/err.h"

struct cell_profile_opt {
	char *name;  /* "--memory" */
	char *value; /* NULL for a flag */
	char *source; /* file the line came from */
	unsigned line;
};

struct cell_profile {
	struct cell_profile_opt *opts;
	size_t n;
};

/* Parse profile text into p (appending).  base_dir resolves relative
 * includes and --seccomp files; depth counts includes.  The option names
 * and values are checked as `cell run` would. */
int cell_profile_parse(struct cell_profile *p, const char *text, const char *source,
		       const char *base_dir, unsigned depth, struct cell_err *err);
/* Find NAME (see above) or take FILE; read and parse it into p. */
int cell_profile_load(struct cell_profile *p, const char *name, unsigned depth,
		      struct cell_err *err);
/* The path NAME resolves to, or -ENOENT naming the places searched. */
int cell_profile_find(const char *name, char *buf, size_t len, struct cell_err *err);
void cell_profile_clear(struct cell_profile *p);

/* Print the resolved options, one per line, each with its origin. */
void cell_profile_print(const struct cell_profile *p, FILE *f);

/* Expand every --profile before the command in argv: a new argv (argv[0],
 * the profiles' options, then argv's own options without the --profile
 * ones, then the command).  *ret_argv and its strings live in *ret_store
 * and *ret_argv; free with cell_profile_clear() and free(). */
int cell_profile_expand(int argc, char **argv, struct cell_profile *store, int *ret_argc,
			char ***ret_argv, struct cell_err *err);

#endif
