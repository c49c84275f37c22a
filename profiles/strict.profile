# strict: default, plus Landlock (file access only beneath the mounts), a
# tighter system call filter (strict.seccomp), no network at all, and limits
# on memory, processes and time.  The limits need a cgroup the caller may
# use (root, or a delegated cgroup v2); elsewhere add --best-effort, or the
# run is refused.
include default
landlock
seccomp strict.seccomp
net none
memory 1G
pids 256
time-limit 600
wall-limit 3600
rlimit core=0
