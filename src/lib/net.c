/* net.c - rtnetlink requests (rtnetlink(7), netlink(7)) through libmnl.
 *
 * A new network namespace starts with lo down; one RTM_NEWLINK with IFF_UP
 * and an ACK request brings it up.  The buffer lives on the stack, so this
 * runs in the child without allocating.
 */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <time.h>

#include "cleanup.h"

static void mnl_closep(struct mnl_socket **nl)
{
	if (*nl)
		mnl_socket_close(*nl);
}

int cell_net_lo_up(struct cell_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	_cleanup_(mnl_closep) struct mnl_socket *nl = NULL;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	unsigned seq = (unsigned)time(NULL), portid;
	ssize_t n;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return cell_fail(err, errno, "open rtnetlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return cell_fail(err, errno, "bind rtnetlink socket");
	portid = mnl_socket_get_portid(nl);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = 1; /* lo is always ifindex 1 in a new namespace */
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return cell_fail(err, errno, "bring lo up: send");
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return cell_fail(err, errno, "bring lo up: receive");
	if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0)
		return cell_fail(err, errno, "bring lo up");
	return 0;
}
