/* netns.h - named network namespaces, kept where iproute2 keeps them.
 *
 * Man pages: ip-netns(8), network_namespaces(7), setns(2), mount(2).
 *
 * A named namespace is a namespace file (/proc/PID/ns/net) bind-mounted on
 * /run/netns/NAME, so it lives on without any process in it.  cell and
 * `ip netns` share the directory and its conventions: each sees, enters and
 * deletes the other's.
 */
#ifndef CELL_NETNS_H
#define CELL_NETNS_H

#include <stddef.h>

#include "err.h"

#define CELL_NETNS_DIR "/run/netns"

/* iproute2's rule for names: 1..NAME_MAX bytes, no '/', not "." or "..".
 * Pure; returns 0, -EINVAL or -ENAMETOOLONG. */
int cell_netns_name_check(const char *name);

/* Create NAME with its loopback device up.  The namespace is made by a
 * short-lived child (unshare(2)), which binds its namespace file in place
 * and exits; cell's own namespace never changes.  EEXIST when the name is
 * taken.  On failure nothing is left behind. */
int cell_netns_add(const char *name, struct cell_err *err);

/* Unmount (lazily, MNT_DETACH) and remove /run/netns/NAME.  The namespace
 * itself ends when nothing else uses it.  ENOENT when there is none. */
int cell_netns_del(const char *name, struct cell_err *err);

/* Open NAME's namespace file (O_RDONLY | O_CLOEXEC) and check that it is
 * a network namespace.  Returns the fd or -errno (ENOENT: no such name). */
int cell_netns_open(const char *name, struct cell_err *err);

/* The names under /run/netns, sorted; none when the directory is missing.
 * Free with cell_netns_list_free(). */
int cell_netns_list(char ***ret, size_t *ret_n, struct cell_err *err);
void cell_netns_list_free(char **names, size_t n);

/* Move the calling process into NAME the way `ip netns exec` does: join
 * the network namespace, then a private mount namespace (slave to the
 * host's) with a fresh /sys for that network namespace and the files of
 * /etc/netns/NAME bound over those of /etc.  For a process about to
 * execve(2); there is no way back. */
int cell_netns_enter(const char *name, struct cell_err *err);

#endif
