/* doctor.h - what this host lets cell do (`cell doctor`).
 *
 * Each check gives a value, a verdict (ok, or limited: some cell feature
 * will be refused or degraded here) and a one-line reason.  The probes are
 * cheap (a few forks, no waiting) and never fail: what cannot be found out
 * is reported as limited with the reason.  The verdict logic is in pure
 * functions that the unit tests drive with made-up host facts.  Never
 * prints; src/front/doctor.c renders text and JSON.
 */
#ifndef CELL_DOCTOR_H
#define CELL_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>

enum cell_doctor_status {
	CELL_DOCTOR_OK,
	CELL_DOCTOR_LIMITED,
	CELL_DOCTOR_STATUS_MAX
};

enum cell_doctor_check {
	CELL_DOCTOR_USERNS,   /* unprivileged user namespaces */
	CELL_DOCTOR_CGROUP,   /* version, controllers delegated to the caller */
	CELL_DOCTOR_LANDLOCK, /* ABI */
	CELL_DOCTOR_SECCOMP,  /* filters, user notification */
	CELL_DOCTOR_TIMENS,   /* time namespaces */
	CELL_DOCTOR_IDMAP,    /* idmapped mounts (root) */
	CELL_DOCTOR_OVERLAY,  /* overlay mounts in a user namespace */
	CELL_DOCTOR_NETWORK,  /* pasta / slirp4netns */
	CELL_DOCTOR_IDTOOLS,  /* newuidmap/newgidmap and subordinate ids */
	CELL_DOCTOR_PROC,     /* /proc masked (inside a container) */
	CELL_DOCTOR_CHECK_MAX
};

struct cell_doctor_item {
	enum cell_doctor_status status;
	char value[192];
	char why[384];
};

struct cell_doctor {
	struct cell_doctor_item items[CELL_DOCTOR_CHECK_MAX];
	unsigned uid;
	int landlock_abi;
	int cgroup_version;
};

const char *cell_doctor_key(enum cell_doctor_check c);	 /* "userns" (JSON) */
const char *cell_doctor_label(enum cell_doctor_check c); /* "user namespaces" */
const char *cell_doctor_status_name(enum cell_doctor_status s); /* "ok", "limited" */

/* Run every check. */
void cell_doctor_run(struct cell_doctor *d);

/* ---- pure verdicts, for tests ---- */

/* User namespaces from the sysctls (-1: file absent) and the result of
 * trying (0 worked; else the errno; a separate errno for a mount namespace
 * inside the new user namespace, which AppArmor's restriction denies). */
struct cell_doctor_userns_facts {
	long max_user_namespaces;
	int unprivileged_userns_clone;
	int apparmor_restrict;
	int unshare_errno;
	int inner_errno;
	bool as_root; /* probed by dropping to nobody */
};
void cell_doctor_userns_verdict(const struct cell_doctor_userns_facts *f,
				struct cell_doctor_item *ret);

/* Mounts covering parts of /proc in mountinfo text, space-separated into
 * buf (empty: none).  binfmt_misc's is harmless and left out.  Returns how
 * many. */
int cell_doctor_proc_covers(const char *mountinfo, char *buf, size_t len);

/* Subordinate ids of a user (name or uid) in /etc/subuid-style text. */
unsigned long cell_doctor_subids(const char *text, const char *user, unsigned uid);

#endif
