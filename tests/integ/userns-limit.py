#!/usr/bin/env python3
# userns-limit.py NAME VALUE CMD [ARG...]: run CMD as uid and gid 1000 in a
# new user namespace (mapped to the caller's ids) in which the user.NAME
# limit (/proc/sys/user/NAME, see user_namespaces(7)) is VALUE.  The limits
# of a user namespace bind everything below it, and its creator may set
# them, so a test can make, for instance, every new network namespace fail
# without touching the host's settings.  Exits with CMD's status.
import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000

name, value, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
go_r, go_w = os.pipe()
ready_r, ready_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(go_w)
    os.close(ready_r)
    if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWUSER) != 0:
        sys.exit("userns-limit.py: unshare: " + os.strerror(ctypes.get_errno()))
    os.write(ready_w, b"x")
    os.read(go_r, 1)
    with open("/proc/sys/user/" + name, "w") as f:
        f.write(value + "\n")
    os.setresgid(1000, 1000, 1000)
    os.setresuid(1000, 1000, 1000)
    os.execvp(cmd[0], cmd)
os.close(go_r)
os.close(ready_w)
os.read(ready_r, 1)
with open(f"/proc/{pid}/uid_map", "w") as f:
    f.write(f"1000 {os.getuid()} 1\n")
with open(f"/proc/{pid}/setgroups", "w") as f:
    f.write("deny\n")
with open(f"/proc/{pid}/gid_map", "w") as f:
    f.write(f"1000 {os.getgid()} 1\n")
os.write(go_w, b"x")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
