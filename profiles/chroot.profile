# chroot: the soft end, the article's chroot.  Only the root changes: give
# it with --chroot DIR.  A user namespace (chroot needs the capability in
# it) and a mount namespace; the host's processes, network, IPC and host
# name stay visible; no system call filter.  Capabilities are still dropped
# and no_new_privs set.
#   cell run --profile chroot --chroot DIR -- /bin/sh
ns user,mnt
net host
seccomp none
