# default: what `cell run` does with no options.  New user, mount, pid, net,
# ipc, uts and cgroup namespaces; a read-only tmpfs root with the host's
# system directories read-only; lo only; no capabilities, no_new_privs; the
# built-in seccomp policy (no modules, kexec, mounts, keyctl, bpf, perf,
# userfaultfd, ptrace, io_uring, TIOCSTI, new user namespaces, AF_VSOCK,
# foreign ABIs).  It sets nothing: the defaults are the options' own.
