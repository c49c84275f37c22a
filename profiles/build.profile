# build: compiling untrusted source.  default, with Landlock, and limits
# that stop a runaway build; bind the source tree with --bind DIR and start
# there with --workdir DIR.  No network: fetch dependencies outside.
include default
landlock
net none
memory 8G
pids 4096
wall-limit 7200
tmpfs /tmp:size=4G
