# judge: running untrusted submissions (online judges).  strict, with tight
# limits, no core files, small files, and an exact JSON report on stderr
# (or --report FILE on the command line): exit status or signal, CPU and
# wall time, peak memory, and which limit ended the run.
include strict
memory 256M
memory-swap 256M
pids 64
time-limit 2
wall-limit 10
rlimit fsize=64M
rlimit nofile=256
report -
