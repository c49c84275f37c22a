/* caps.c - drop capabilities before execve.
 *
 * capabilities(7), prctl(2) PR_CAPBSET_DROP / PR_CAP_AMBIENT / PR_SET_SECUREBITS,
 * capset(2).  Order: securebits and the bounding set need CAP_SETPCAP, so they
 * go before the id change and capset(); no_new_privs goes last.
 */
#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int cell_caps_lock(uint64_t keep, struct cell_err *err)
{
	/* NOROOT: an exec as uid 0 gains nothing by being root.  Kept
	 * capabilities reach the command through the ambient set instead, the
	 * same way for root and non-root commands; KEEP_CAPS carries the
	 * permitted set across the id change until cell_caps_clear(). */
	unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED;

	if (keep == 0)
		bits |= SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
	else
		bits |= SECBIT_KEEP_CAPS;
	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return cell_fail(err, errno, "set securebits");
	for (unsigned long cap = 0; cap < 64; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the kernel's last capability */
			return cell_fail(err, errno, "drop capability %lu from the bounding set",
					 cap);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return cell_fail(err, errno, "clear ambient capabilities");
	return 0;
}

int cell_caps_clear(uint64_t keep, struct cell_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	data[0].effective = data[0].permitted = data[0].inheritable = (uint32_t)keep;
	data[1].effective = data[1].permitted = data[1].inheritable = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return cell_fail(err, errno, "capset");
	/* Ambient capabilities survive the execve of a file without file
	 * capabilities, for any uid: what makes --cap-add work for a
	 * non-root command. */
	for (unsigned long cap = 0; cap < 64; cap++)
		if ((keep & (1ull << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return cell_fail(err, errno, "raise ambient capability %s",
					 cell_caps_name((int)cap) ? cell_caps_name((int)cap)
								 : "?");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cell_fail(err, errno, "set no_new_privs");
	return 0;
}

static const char *const cap_names[CELL_CAP_LAST + 1] = {
	"CAP_CHOWN",	      "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",	      "CAP_KILL",	    "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETPCAP",	      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",      "CAP_NET_RAW",	    "CAP_IPC_LOCK",	   "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",     "CAP_SYS_RAWIO",	    "CAP_SYS_CHROOT",	   "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",      "CAP_SYS_ADMIN",	    "CAP_SYS_BOOT",	   "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",   "CAP_SYS_TIME",	    "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",	      "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",	    "CAP_SYSLOG",	   "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",	    "CAP_PERFMON",	   "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int cell_caps_from_name(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i <= CELL_CAP_LAST; i++)
		if (strcasecmp(name, cap_names[i] + 4) == 0)
			return i;
	return -1;
}

const char *cell_caps_name(int cap)
{
	return cap >= 0 && cap <= CELL_CAP_LAST ? cap_names[cap] : NULL;
}

int cell_caps_parse(const char *arg, bool add, uint64_t *mask, struct cell_err *err)
{
	const char *opt = add ? "--cap-add" : "--cap-drop";
	int cap;

	if (strcasecmp(arg, "all") == 0) {
		*mask = add ? CELL_CAPS_ALL : 0;
		return 0;
	}
	cap = cell_caps_from_name(arg);
	if (cap < 0)
		return cell_fail(err, EINVAL, "%s '%s': unknown capability (see capabilities(7); "
				 "e.g. NET_BIND_SERVICE, or all)", opt, arg);
	if (add)
		*mask |= 1ull << cap;
	else
		*mask &= ~(1ull << cap);
	return 0;
}

void cell_caps_print(uint64_t mask, FILE *f)
{
	bool first = true;

	if (mask == 0) {
		fputs("none", f);
		return;
	}
	if ((mask & CELL_CAPS_ALL) == CELL_CAPS_ALL) {
		fputs("all", f);
		return;
	}
	for (int i = 0; i <= CELL_CAP_LAST; i++)
		if (mask & (1ull << i)) {
			fprintf(f, "%s%s", first ? "" : ",", cap_names[i]);
			first = false;
		}
}
