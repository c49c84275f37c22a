/* caps.c - drop capabilities before execve.
 *
 * capabilities(7), prctl(2) PR_CAPBSET_DROP / PR_CAP_AMBIENT / PR_SET_SECUREBITS,
 * capset(2).  Order: securebits and the bounding set need CAP_SETPCAP, so they
 * go before the id change and capset(); no_new_privs goes last.
 */
#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int cell_caps_lock(uint64_t keep, struct cell_err *err)
{
	if (keep == 0 &&
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
					     SECBIT_NO_CAP_AMBIENT_RAISE |
					     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0, 0, 0) < 0)
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
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cell_fail(err, errno, "set no_new_privs");
	return 0;
}
