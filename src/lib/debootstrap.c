/* debootstrap.c - apt sources, debootstrap's progress, and running it.
 *
 * The unprivileged run (user_namespaces(7), pid_namespaces(7)):
 *   parent: clone(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID), then
 *           newuidmap/newgidmap write the maps (idmap.c), then a byte on the
 *           sync pipe releases the child;
 *   child:  PID 1 of the new pid namespace: becomes uid/gid 0 there (with
 *           every capability of the namespace), makes its mounts private,
 *           mounts a /proc for its pid namespace (debootstrap mounts proc
 *           in the target, which only the pid namespace's owner may do),
 *           forks debootstrap and reaps until it exits, passing on
 *           SIGINT/SIGTERM/SIGHUP.  It dies with the parent (PDEATHSIG),
 *           and every process of the namespace dies with it.
 * container=lxc in the environment makes debootstrap bind-mount /dev nodes
 * when mknod(2) is refused, as it is in a user namespace; those mounts
 * vanish with the mount namespace (cell run --root gives /dev).
 * Errors before exec go up a CLOEXEC pipe as a struct cell_err.
 */
#define _GNU_SOURCE
#include "debootstrap.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"

void cell_apt_source_clear(struct cell_apt_source *s)
{
	free(s->uri);
	free(s->suite);
	s->uri = s->suite = NULL;
}

/* ---- sources.list ----------------------------------------------------- */

static int parse_oneline(const char *text, int (*fn)(const char *uri, const char *suite, void *ud),
			 void *ud)
{
	_cleanup_free_ char *copy = strdup(text);
	char *save = NULL, *line;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *tok, *s2 = NULL, *uri = NULL, *suite = NULL;
		bool in_opts = false, first = true;
		int r;

		if (hash)
			*hash = '\0';
		for (tok = strtok_r(line, " \t\r", &s2); tok; tok = strtok_r(NULL, " \t\r", &s2)) {
			if (first) {
				if (strcmp(tok, "deb") != 0)
					break;
				first = false;
				continue;
			}
			if (!uri && !in_opts && tok[0] == '[') {
				in_opts = !strchr(tok, ']');
				continue;
			}
			if (in_opts) {
				in_opts = !strchr(tok, ']');
				continue;
			}
			if (!uri) {
				uri = tok;
			} else {
				suite = tok;
				break;
			}
		}
		if (!uri || !suite)
			continue;
		r = fn(uri, suite, ud);
		if (r != 0)
			return r;
	}
	return 0;
}

/* One deb822 paragraph's field (case-insensitive), continuation lines
 * joined with spaces. */
struct para {
	char *types, *uris, *suites, *enabled;
};

static void para_clear(struct para *p)
{
	free(p->types);
	free(p->uris);
	free(p->suites);
	free(p->enabled);
	memset(p, 0, sizeof(*p));
}

static int para_emit(struct para *p, int (*fn)(const char *uri, const char *suite, void *ud),
		     void *ud)
{
	char *s1 = NULL, *t;
	bool deb = false;
	int r = 0;

	if (!p->types || !p->uris || !p->suites)
		return 0;
	if (p->enabled && (strcasecmp(p->enabled, "no") == 0 || strcasecmp(p->enabled, "false") == 0))
		return 0;
	for (t = strtok_r(p->types, " \t", &s1); t; t = strtok_r(NULL, " \t", &s1))
		deb = deb || strcmp(t, "deb") == 0;
	if (!deb)
		return 0;
	{
		_cleanup_free_ char *uris = strdup(p->uris);
		char *s2 = NULL, *u;

		if (!uris)
			return -ENOMEM;
		for (u = strtok_r(uris, " \t", &s2); u && r == 0; u = strtok_r(NULL, " \t", &s2)) {
			_cleanup_free_ char *suites = strdup(p->suites);
			char *s3 = NULL, *s;

			if (!suites)
				return -ENOMEM;
			for (s = strtok_r(suites, " \t", &s3); s && r == 0;
			     s = strtok_r(NULL, " \t", &s3))
				r = fn(u, s, ud);
		}
	}
	return r;
}

static int parse_deb822(const char *text, int (*fn)(const char *uri, const char *suite, void *ud),
			void *ud)
{
	struct para p = { 0 };
	char **last = NULL;
	const char *q = text;
	int r = 0;

	for (;;) {
		size_t n = strcspn(q, "\n");
		_cleanup_free_ char *line = strndup(q, n);
		char *colon, *v;

		if (!line) {
			r = -ENOMEM;
			break;
		}
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (line[0] == '#') {
			/* comment: no effect on paragraphs */
		} else if (strspn(line, " \t") == n) {
			r = para_emit(&p, fn, ud);
			para_clear(&p);
			last = NULL;
			if (r != 0)
				break;
		} else if ((line[0] == ' ' || line[0] == '\t') && last && *last) {
			char *joined;

			if (asprintf(&joined, "%s %s", *last, line + strspn(line, " \t")) < 0) {
				r = -ENOMEM;
				break;
			}
			free(*last);
			*last = joined;
		} else if ((colon = strchr(line, ':'))) {
			*colon = '\0';
			v = colon + 1 + strspn(colon + 1, " \t");
			last = strcasecmp(line, "Types") == 0	 ? &p.types
			       : strcasecmp(line, "URIs") == 0	 ? &p.uris
			       : strcasecmp(line, "Suites") == 0 ? &p.suites
			       : strcasecmp(line, "Enabled") == 0 ? &p.enabled
								  : NULL;
			if (last) {
				free(*last);
				if (!(*last = strdup(v))) {
					r = -ENOMEM;
					break;
				}
			}
		}
		q += n;
		if (!*q) {
			r = para_emit(&p, fn, ud);
			break;
		}
		q++;
	}
	para_clear(&p);
	return r;
}

int cell_apt_sources_parse(const char *text, bool deb822,
			   int (*fn)(const char *uri, const char *suite, void *ud), void *ud)
{
	return deb822 ? parse_deb822(text, fn, ud) : parse_oneline(text, fn, ud);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int pick_one(const char *uri, const char *suite, void *ud)
{
	struct cell_apt_source *ret = ud;
	static const char *const skip[] = { "-security", "-updates", "-backports",
					    "-proposed-updates", "/updates" };

	if (strncmp(uri, "http://", 7) && strncmp(uri, "https://", 8) && strncmp(uri, "ftp://", 6) &&
	    strncmp(uri, "file:/", 6))
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(skip); i++)
		if (ends_with(suite, skip[i]))
			return 0;
	ret->uri = strdup(uri);
	ret->suite = strdup(suite);
	if (!ret->uri || !ret->suite) {
		cell_apt_source_clear(ret);
		return -ENOMEM;
	}
	/* No trailing slash: debootstrap appends its own. */
	while (strlen(ret->uri) > 8 && ends_with(ret->uri, "/"))
		ret->uri[strlen(ret->uri) - 1] = '\0';
	return 1;
}

int cell_apt_sources_pick(const char *const *texts, const bool *deb822, size_t n,
			  struct cell_apt_source *ret)
{
	struct cell_apt_source s = { 0 };

	for (size_t i = 0; i < n; i++) {
		int r = cell_apt_sources_parse(texts[i], deb822[i], pick_one, &s);

		if (r < 0)
			return r;
		if (r > 0) {
			*ret = s;
			return 1;
		}
	}
	return 0;
}

char *cell_os_release_codename(const char *text)
{
	const char *p = text;

	while (p && *p) {
		size_t n = strcspn(p, "\n");

		if (n > 17 && strncmp(p, "VERSION_CODENAME=", 17) == 0) {
			const char *v = p + 17;
			size_t vn = n - 17;

			if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
				v++;
				vn -= 2;
			}
			return vn ? strndup(v, vn) : NULL;
		}
		p += n;
		if (*p)
			p++;
	}
	return NULL;
}

/* ---- progress --------------------------------------------------------- */

int cell_debootstrap_stage(const char *line, const char **ret_name)
{
	static const struct {
		const char *prefix;
		int stage;
	} table[] = {
		{ "I: Retrieving InRelease", 1 },
		{ "I: Retrieving Release", 1 },
		{ "I: Checking Release signature", 1 },
		{ "I: Valid Release signature", 1 },
		{ "I: Retrieving Packages", 2 },
		{ "I: Validating Packages", 2 },
		{ "I: Resolving dependencies", 2 },
		{ "I: Found ", 2 },
		{ "I: Checking component", 2 },
		{ "I: Retrieving ", 3 },
		{ "I: Validating ", 3 },
		{ "I: Extracting ", 4 },
		{ "I: Installing ", 5 },
		{ "I: Unpacking ", 5 },
		{ "I: Configuring ", 5 },
		{ "I: Base system installed successfully", 6 },
	};
	static const char *const names[CELL_DEBOOTSTRAP_STAGES + 1] = {
		NULL,
		"checking the release",
		"resolving packages",
		"downloading packages",
		"extracting packages",
		"installing and configuring packages",
		"base system installed",
	};

	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (strncmp(line, table[i].prefix, strlen(table[i].prefix)) == 0) {
			if (ret_name)
				*ret_name = names[table[i].stage];
			return table[i].stage;
		}
	return 0;
}

/* ---- running it ------------------------------------------------------- */

static void send_err(int fd, const struct cell_err *err)
{
	ssize_t n = write(fd, err, sizeof(*err));

	(void)n; /* nothing more to do if the parent is gone */
}

static volatile sig_atomic_t worker_pid;

static void forward(int sig)
{
	if (worker_pid > 0)
		kill(worker_pid, sig);
}

/* PID 1 of the new namespaces: become root there, then run and reap. */
static void child_init(int sync_fd, int out_fd, int err_fd, char *const argv[],
		       char *const envp[])
{
	struct cell_err err = { 0 };
	struct sigaction sa = { .sa_handler = forward };
	char go;
	pid_t w;
	int status = 0;

	if (read(sync_fd, &go, 1) != 1)
		_exit(125); /* the parent failed to map us: it reports why */
	close(sync_fd);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0 || setgroups(0, NULL) < 0) {
		cell_fail(&err, errno, "become root in the user namespace");
		goto fail;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		cell_fail(&err, errno, "make the mounts private");
		goto fail;
	}
	/* A /proc for this pid namespace, so that tools inside see it. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		cell_fail(&err, errno, "mount /proc for the new pid namespace");
		goto fail;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	w = fork();
	if (w < 0) {
		cell_fail(&err, errno, "fork");
		goto fail;
	}
	if (w == 0) {
		sa.sa_handler = SIG_DFL;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		execve(argv[0], argv, envp);
		cell_fail(&err, errno, "execute %s", argv[0]);
		send_err(err_fd, &err);
		_exit(127);
	}
	worker_pid = w;
	close(out_fd);
	close(err_fd);
	for (;;) {
		pid_t p = waitpid(-1, &status, 0);

		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0 || p == w)
			break;
	}
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
fail:
	send_err(err_fd, &err);
	_exit(125);
}

int cell_debootstrap_run(char *const argv[], char *const envp[],
			 const struct cell_idmap_plan *plan,
			 void (*fn)(const char *line, void *ud), void *ud, struct cell_err *err)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, sync[2] = { -1, -1 };
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct cell_err child_err = { 0 };
	pid_t parent = getpid(), pid;
	int status, r = 0;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    (plan && pipe2(sync, O_CLOEXEC) < 0)) {
		r = cell_fail(err, errno, "pipe");
		goto out;
	}
	fflush(NULL);
	if (plan)
		pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | SIGCHLD,
				     NULL, NULL, NULL, 0);
	else
		pid = fork();
	if (pid < 0) {
		r = cell_fail(err, errno, plan ? "clone into new user, mount and pid namespaces"
					       : "fork");
		goto out;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* Die with cell; no orphaned debootstrap.  (In a new pid namespace
		 * the parent is outside it and getppid() is 0: there the sync pipe
		 * tells whether the parent is still there.) */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || (!plan && getppid() != parent))
			_exit(125);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) {
			cell_fail(&child_err, errno, "set up the output");
			send_err(errp[1], &child_err);
			_exit(125);
		}
		if (plan) {
			close(sync[1]);
			child_init(sync[0], out[1], errp[1], argv, envp);
		}
		execve(argv[0], argv, envp);
		cell_fail(&child_err, errno, "execute %s", argv[0]);
		send_err(errp[1], &child_err);
		_exit(127);
	}
	close(out[1]);
	out[1] = -1;
	close(errp[1]);
	errp[1] = -1;
	if (plan) {
		close(sync[0]);
		sync[0] = -1;
		r = cell_idmap_write_parent(pid, plan, err);
		if (r < 0) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			goto out;
		}
		if (write(sync[1], "g", 1) != 1) {
			r = cell_fail(err, errno, "release the namespace's init");
			kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			goto out;
		}
		close(sync[1]);
		sync[1] = -1;
	}

	/* Output, line by line, until every writer is gone. */
	for (;;) {
		ssize_t n;
		char *nl;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(out[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (fn)
				fn(buf, ud);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
	}
	if (len && fn) {
		buf[len] = '\0';
		fn(buf, ud);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = cell_fail(err, errno, "waitpid");
			goto out;
		}
	if (r < 0)
		goto out;
	if (read(errp[0], &child_err, sizeof(child_err)) == (ssize_t)sizeof(child_err)) {
		child_err.msg[sizeof(child_err.msg) - 1] = '\0';
		*err = child_err;
		r = -(child_err.errnum ? child_err.errnum : EINVAL);
		goto out;
	}
	r = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (sync[i] >= 0)
			close(sync[i]);
	}
	return r;
}
