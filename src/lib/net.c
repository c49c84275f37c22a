/* net.c - bring the loopback device of a new network namespace up.
 *
 * A new network namespace starts with lo down.  netdevice(7)'s
 * SIOCGIFFLAGS/SIOCSIFFLAGS on any socket set it up in three system calls
 * and without a netlink round trip; this runs in the child between clone and
 * execve, on every start, so it stays this small.  (Everything else that
 * configures links and addresses speaks rtnetlink through libmnl: netlink.c.)
 */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"

int cell_net_lo_up(struct cell_err *err)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return cell_fail(err, errno, "bring lo up: socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return cell_fail(err, errno, "bring lo up: read its flags");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return cell_fail(err, errno, "bring lo up");
	return 0;
}
