/* procinfo.h - what /proc says about a process (proc(5)).
 *
 * The parsers take the text of a /proc file and are pure (unit-tested);
 * the readers only read the file and hand it to them.  A process is named
 * by its PID *and* its start time (field 22 of /proc/PID/stat, clock ticks
 * after boot): together they never name two processes, so a recycled PID
 * is noticed.  Signals go through pidfds (pidfd_open(2)), opened and then
 * checked against the start time, so no recycled PID is ever signalled.
 */
#ifndef CELL_PROCINFO_H
#define CELL_PROCINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* ---- pure parsers ---- */

/* Field 22 (starttime) of a /proc/PID/stat line.  The command name (field
 * 2) is in parentheses and may hold spaces and ')': the fields after it are
 * counted from the last ')'. */
int cell_proc_parse_start_time(const char *stat, uint64_t *ret);

/* Field 4 (ppid) of a /proc/PID/stat line. */
int cell_proc_parse_ppid(const char *stat, pid_t *ret);

/* The PIDs of the "NSpid:" line of /proc/PID/status, outermost (the
 * reader's namespace) first.  Returns how many (at most max are stored),
 * -EINVAL when the line is missing or malformed. */
int cell_proc_parse_nspid(const char *status, pid_t *ret, size_t max);

/* The numbers of the line KEY ("Uid", "Gid", "Groups") of /proc/PID/status;
 * returns how many (at most max stored), -EINVAL when missing. */
int cell_proc_parse_ids(const char *status, const char *key, uint32_t *ret, size_t max);

/* The number of the line KEY ("Seccomp", "NoNewPrivs"), decimal, or the
 * hexadecimal mask of "CapEff" and friends (hex true). */
int cell_proc_parse_u64(const char *status, const char *key, int hex, uint64_t *ret);

/* Map id (as the reader of /proc/PID/uid_map sees it, "outside") to the id
 * inside the namespace, given that file's text.  -ENOENT when unmapped. */
int cell_proc_map_inside(const char *map, uint32_t outside, uint32_t *ret);

/* The limits of /proc/PID/limits, one line per resource in RLIMIT_*
 * order after a header: ret[i] for resource i.  The name column is 25
 * characters wide (it holds spaces); "unlimited" is RLIM_INFINITY.
 * Returns how many lines were read (at most max), -EINVAL when malformed. */
int cell_proc_parse_limits(const char *text, struct rlimit *ret, size_t max);

/* ---- readers (no side effects but the reads) ---- */

/* Read /proc/PID/NAME (pid 0: self) into buf, NUL-terminated.  Returns the
 * length or -errno (-ESRCH when the process is gone). */
ssize_t cell_proc_read(pid_t pid, const char *name, char *buf, size_t len);
/* The same for name under dirfd (an open /proc/PID directory). */
ssize_t cell_proc_read_at(int dirfd, const char *name, char *buf, size_t len);

/* The start time of pid (0: self). */
int cell_proc_start_time(pid_t pid, uint64_t *ret);

/* A pidfd for pid that is known to name the process started at start_time
 * (0: any).  -ESRCH when that process is gone. */
int cell_proc_pidfd(pid_t pid, uint64_t start_time);

/* Children of every thread of pid (/proc/PID/task/TID/children), appended
 * to *v (realloc'd, count in *n).  Returns 0 or -errno. */
int cell_proc_children(pid_t pid, pid_t **v, size_t *n);

/* Resident memory of pid in bytes (/proc/PID/statm), 0 when unreadable. */
uint64_t cell_proc_rss(pid_t pid);

/* Resident memory of pid and all its descendants. */
uint64_t cell_proc_tree_rss(pid_t pid);

#endif
