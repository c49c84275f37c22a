# namespaces: every namespace cell makes by default (user, mount, pid, net,
# ipc, uts, cgroup) and the default root, but no system call filter: what
# namespaces alone isolate.  Capabilities are still dropped.
seccomp none
