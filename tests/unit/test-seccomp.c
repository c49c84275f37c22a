/* test-seccomp.c - unit tests for src/lib/seccomp.c.
 *
 * The text form (every statement, every error with its line and column),
 * the override rules, printing and parsing back, includes, and the built-in
 * policy.  The live tests compile a policy in this process and load it in a
 * forked child with no_new_privs (no privileges needed): denied calls fail
 * with EPERM, allowed ones work, clone3 gives ENOSYS, --seccomp-log lets
 * calls through, and i386 and x32 system calls kill the process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>

#include "lib/seccomp.h"

static struct cell_seccomp_policy *parse_ok(const char *text)
{
	struct cell_seccomp_policy *p = cell_seccomp_policy_new();
	struct cell_err err = { 0 };

	assert_non_null(p);
	if (cell_seccomp_policy_parse(p, text, "t", NULL, &err) < 0)
		fail_msg("parse failed: %s", err.msg);
	return p;
}

/* The text printed for p. */
static char *format(const struct cell_seccomp_policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cell_seccomp_policy_format(p, f), 0);
	fclose(f);
	return buf;
}

static const struct cell_seccomp_rule *find(const struct cell_seccomp_policy *p,
					    const char *syscall, unsigned nth)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].syscall, syscall) == 0 && nth-- == 0)
			return &p->rules[i];
	return NULL;
}

static size_t count(const struct cell_seccomp_policy *p, const char *syscall)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		n += strcmp(p->rules[i].syscall, syscall) == 0;
	return n;
}

static void test_parse_statements(void **state)
{
	struct cell_seccomp_policy *p = parse_ok("# a comment\n"
						 "\n"
						 "default errno EACCES   # trailing comment\n"
						 "allow read write\n"
						 "deny ptrace\r\n"
						 "errno ENOSYS clone3\n"
						 "errno 77 getppid\n"
						 "\tkill add_key arg0 == 0\n"
						 "log socket arg0 == AF_NETLINK arg2 != 0x10\n"
						 "deny clone arg0 & CLONE_NEWUSER|CLONE_NEWNET == "
						 "CLONE_NEWUSER\n"
						 "deny personality arg0 >= 0x20009\n"
						 "deny mmap arg2 & PROT_EXEC == PROT_EXEC arg3 < "
						 "010\n"
						 "deny kcmp arg1 <= 5 arg0 > 3");
	const struct cell_seccomp_rule *r;

	assert_int_equal(p->default_action, CELL_SECCOMP_ERRNO);
	assert_int_equal(p->default_errnum, EACCES);
	assert_int_equal(p->n_rules, 11);
	assert_string_equal(p->rules[0].syscall, "read");
	assert_int_equal(p->rules[0].action, CELL_SECCOMP_ALLOW);
	assert_string_equal(p->rules[1].syscall, "write");
	r = find(p, "ptrace", 0);
	assert_int_equal(r->action, CELL_SECCOMP_ERRNO);
	assert_int_equal(r->errnum, EPERM);
	assert_int_equal(r->n_conds, 0);
	assert_int_equal(find(p, "clone3", 0)->errnum, ENOSYS);
	assert_int_equal(find(p, "getppid", 0)->errnum, 77);
	r = find(p, "add_key", 0);
	assert_int_equal(r->action, CELL_SECCOMP_KILL);
	assert_int_equal(r->n_conds, 1);
	assert_int_equal(r->conds[0].arg, 0);
	assert_int_equal(r->conds[0].op, CELL_SECCOMP_EQ);
	assert_int_equal(r->conds[0].value, 0);
	r = find(p, "socket", 0);
	assert_int_equal(r->action, CELL_SECCOMP_LOG);
	assert_int_equal(r->n_conds, 2);
	assert_int_equal(r->conds[0].value, AF_NETLINK);
	assert_int_equal(r->conds[1].arg, 2);
	assert_int_equal(r->conds[1].op, CELL_SECCOMP_NE);
	assert_int_equal(r->conds[1].value, 16);
	r = find(p, "clone", 0);
	assert_int_equal(r->conds[0].op, CELL_SECCOMP_MASKED_EQ);
	assert_int_equal(r->conds[0].mask, CLONE_NEWUSER | CLONE_NEWNET);
	assert_int_equal(r->conds[0].value, CLONE_NEWUSER);
	r = find(p, "personality", 0);
	assert_int_equal(r->conds[0].op, CELL_SECCOMP_GE);
	assert_int_equal(r->conds[0].value, 0x20009);
	r = find(p, "mmap", 0);
	assert_int_equal(r->n_conds, 2);
	assert_int_equal(r->conds[1].op, CELL_SECCOMP_LT);
	assert_int_equal(r->conds[1].value, 8); /* octal */
	r = find(p, "kcmp", 0);
	assert_int_equal(r->conds[0].op, CELL_SECCOMP_LE);
	assert_int_equal(r->conds[1].op, CELL_SECCOMP_GT);
	cell_seccomp_policy_free(p);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "deny ptrac", "t:1:6: unknown system call 'ptrac'" },
		{ "allow read\n\ndeny  read ptrac", "t:3:12: unknown system call 'ptrac'" },
		{ "forbid ptrace", "t:1:1: unknown statement 'forbid'" },
		{ "errno EWHAT ptrace", "t:1:7: unknown errno 'EWHAT'" },
		{ "errno 0 ptrace", "t:1:7: errno 0 out of range 1..4095" },
		{ "errno 4096 ptrace", "t:1:7: errno 4096 out of range 1..4095" },
		{ "errno", "t:1:6: errno needs a value" },
		{ "deny", "t:1:5: expected a system call name" },
		{ "deny arg0 == 1", "t:1:6: expected a system call name" },
		{ "default", "t:1:8: default needs an action" },
		{ "default allow now", "t:1:15: unexpected 'now'" },
		{ "default maybe", "t:1:9: unknown statement 'maybe'" },
		{ "deny ioctl arg1 == TIOCSTX", "t:1:20: unknown constant 'TIOCSTX'" },
		{ "deny clone arg0 & CLONE_NEWUSER|CLONE_NEWFOO == 0",
		  "t:1:33: unknown constant 'CLONE_NEWFOO'" },
		{ "deny ioctl arg1 =~ 5", "t:1:17: unknown operator '=~'" },
		{ "deny ioctl arg6 == 5", "t:1:12: expected arg0..arg5, not 'arg6'" },
		{ "deny ioctl arg1 ==", "t:1:12: incomplete condition" },
		{ "deny ioctl arg1 & 0xff", "t:1:17: incomplete condition" },
		{ "deny ioctl arg1 & 0xff != 1", "t:1:17: incomplete condition" },
		{ "deny ioctl arg1 & 0xf0 == 0x0f", "t:1:27: value has bits outside the mask" },
		{ "deny ioctl arg1 == 5x", "t:1:20: expected a number or a constant name" },
		{ "deny ioctl arg1 == 99999999999999999999999", "does not fit in 64 bits" },
		{ "deny ioctl arg1 == 1 arg1 == 2", "t:1:22: arg1 is compared twice in one rule" },
		{ "deny ioctl arg1 == 1 bogus", "t:1:22: expected arg0..arg5, not 'bogus'" },
		{ "include", "t:1:8: include takes one word" },
		{ "include a b", "t:1:11: include takes one word" },
		{ "include other.policy",
		  "t:1:9: include of a file is only possible in a policy file" },
		{ "deny ptrace\nallow ptrace arg0 == 0",
		  "t:2:7: ptrace: a rule with conditions cannot make an exception to the earlier "
		  "rule 'errno ptrace' for all its calls" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cell_seccomp_policy *p = cell_seccomp_policy_new();
		struct cell_err err = { 0 };

		assert_int_equal(cell_seccomp_policy_parse(p, cases[i].text, "t", NULL, &err),
				 -EINVAL);
		if (!strstr(err.msg, cases[i].msg))
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].text, err.msg,
				 cases[i].msg);
		cell_seccomp_policy_free(p);
	}
}

static void test_override(void **state)
{
	struct cell_seccomp_policy *p = parse_ok("deny ptrace\n"
						 "allow ptrace\n"
						 "deny ioctl arg1 == 1\n"
						 "deny ioctl arg1 == 2\n"
						 "errno ENOSYS ioctl arg1 == 1\n"
						 "deny kcmp arg0 == 1 arg1 == 2\n"
						 "kill kcmp arg1 == 2 arg0 == 1\n"
						 "deny clone arg0 == 1\n"
						 "deny clone arg0 == 2\n"
						 "deny clone\n"
						 "deny clone arg0 == 3\n");

	/* an unconditional rule replaces everything before it */
	assert_int_equal(count(p, "ptrace"), 1);
	assert_int_equal(find(p, "ptrace", 0)->action, CELL_SECCOMP_ALLOW);
	/* same conditions: replaced in place of the old, others stay */
	assert_int_equal(count(p, "ioctl"), 2);
	assert_int_equal(find(p, "ioctl", 0)->conds[0].value, 2);
	assert_int_equal(find(p, "ioctl", 1)->errnum, ENOSYS);
	/* condition order does not matter */
	assert_int_equal(count(p, "kcmp"), 1);
	assert_int_equal(find(p, "kcmp", 0)->action, CELL_SECCOMP_KILL);
	/* a conditional rule with the same action as an unconditional one adds nothing */
	assert_int_equal(count(p, "clone"), 1);
	assert_int_equal(find(p, "clone", 0)->n_conds, 0);
	cell_seccomp_policy_free(p);
}

static void test_default_policy(void **state)
{
	struct cell_seccomp_policy *p = cell_seccomp_policy_new();
	struct cell_err err = { 0 };
	const struct cell_seccomp_rule *r;
	static const char *const denied[] = {
		"init_module",	   "finit_module",     "delete_module",	    "kexec_load",
		"kexec_file_load", "reboot",	       "swapon",	    "swapoff",
		"mount",	   "umount2",	       "fsopen",	    "fsmount",
		"move_mount",	   "open_tree",	       "pivot_root",	    "keyctl",
		"add_key",	   "request_key",      "bpf",		    "perf_event_open",
		"userfaultfd",	   "ptrace",	       "process_vm_readv",  "process_vm_writev",
		"io_uring_setup",  "io_uring_enter",   "io_uring_register", "acct",
		"quotactl",	   "lookup_dcookie",   "vm86",		    "nfsservctl",
		"syslog",	   "settimeofday",     "clock_settime",	    "adjtimex",
		"open_by_handle_at", "name_to_handle_at", "mount_setattr", "fsconfig",
		"fspick",	   "clock_adjtime",
	};

	assert_int_equal(cell_seccomp_policy_default(p, &err), 0);
	assert_int_equal(p->default_action, CELL_SECCOMP_ALLOW);
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		r = find(p, denied[i], 0);
		if (!r)
			fail_msg("%s is not denied", denied[i]);
		assert_int_equal(r->action, CELL_SECCOMP_ERRNO);
		assert_int_equal(r->errnum, EPERM);
		assert_int_equal(r->n_conds, 0);
	}
	/* every name is known to libseccomp (for this architecture or as a
	 * pseudo number) */
	for (size_t i = 0; i < p->n_rules; i++)
		assert_int_not_equal(seccomp_syscall_resolve_name(p->rules[i].syscall),
				     __NR_SCMP_ERROR);
	r = find(p, "clone3", 0);
	assert_int_equal(r->errnum, ENOSYS);
	r = find(p, "ioctl", 0);
	assert_int_equal(r->conds[0].op, CELL_SECCOMP_MASKED_EQ);
	assert_int_equal(r->conds[0].mask, 0xffffffffu);
	assert_int_equal(r->conds[0].value, TIOCSTI);
	assert_int_equal(find(p, "ioctl", 1)->conds[0].value, TIOCLINUX);
	r = find(p, "unshare", 0);
	assert_int_equal(r->conds[0].mask, CLONE_NEWUSER);
	assert_int_equal(count(p, "personality"), 13 + 31);
	assert_null(find(p, "read", 0));
	assert_null(find(p, "execve", 0));

	/* the relaxations */
	assert_int_equal(cell_seccomp_policy_allow_userns(p, &err), 0);
	assert_int_equal(find(p, "clone", 0)->action, CELL_SECCOMP_ALLOW);
	assert_int_equal(find(p, "clone3", 0)->action, CELL_SECCOMP_ALLOW);
	assert_int_equal(count(p, "unshare"), 1);
	assert_int_equal(cell_seccomp_policy_allow_io_uring(p, &err), 0);
	assert_int_equal(find(p, "io_uring_setup", 0)->action, CELL_SECCOMP_ALLOW);
	cell_seccomp_policy_free(p);
}

static void assert_same_policy(const struct cell_seccomp_policy *a,
			       const struct cell_seccomp_policy *b)
{
	assert_int_equal(a->default_action, b->default_action);
	assert_int_equal(a->default_errnum, b->default_errnum);
	assert_int_equal(a->n_rules, b->n_rules);
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct cell_seccomp_rule *x = &a->rules[i], *y = &b->rules[i];

		assert_string_equal(x->syscall, y->syscall);
		assert_int_equal(x->action, y->action);
		assert_int_equal(x->errnum, y->errnum);
		assert_int_equal(x->n_conds, y->n_conds);
		for (unsigned k = 0; k < x->n_conds; k++) {
			assert_int_equal(x->conds[k].arg, y->conds[k].arg);
			assert_int_equal(x->conds[k].op, y->conds[k].op);
			assert_int_equal(x->conds[k].value, y->conds[k].value);
			if (x->conds[k].op == CELL_SECCOMP_MASKED_EQ)
				assert_int_equal(x->conds[k].mask, y->conds[k].mask);
		}
	}
}

static void test_format_round_trip(void **state)
{
	struct cell_seccomp_policy *p = cell_seccomp_policy_new(), *q;
	struct cell_err err = { 0 };
	char *text, *text2;

	assert_int_equal(cell_seccomp_policy_default(p, &err), 0);
	text = format(p);
	assert_non_null(strstr(text, "default allow\n"));
	assert_non_null(strstr(text, "\ndeny ptrace\n"));
	assert_non_null(strstr(text, "\nerrno ENOSYS clone3\n"));
	assert_non_null(strstr(text, "\ndeny ioctl arg1 & 0xffffffff == 0x5412\n"));
	assert_non_null(strstr(text, "\ndeny unshare arg0 & 0x10000000 == 0x10000000\n"));
	q = parse_ok(text);
	assert_same_policy(p, q);
	cell_seccomp_policy_free(q);
	cell_seccomp_policy_free(p);
	free(text);

	p = parse_ok("default errno 300\nerrno 99 read arg0 > 7\nlog write\nkill kcmp arg5 != 3");
	text = format(p);
	assert_string_equal(text, "default errno 300\n"
				  "errno EADDRNOTAVAIL read arg0 > 7\n"
				  "log write\n"
				  "kill kcmp arg5 != 3\n");
	q = parse_ok(text);
	text2 = format(q);
	assert_string_equal(text, text2);
	assert_same_policy(p, q);
	cell_seccomp_policy_free(q);
	cell_seccomp_policy_free(p);
	free(text);
	free(text2);
}

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_and_include(void **state)
{
	struct cell_seccomp_policy *p;
	struct cell_err err = { 0 };
	char path[128], msg[256];

	strcpy(tmpdir, "/tmp/test-seccomp.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	assert_int_equal(mkdir(strcat(strcpy(path, tmpdir), "/sub"), 0755), 0);
	write_file("main.policy", "include default\ninclude sub/extra.policy\nallow ptrace\n");
	write_file("sub/extra.policy", "# relative to this file\ninclude more.policy\n");
	write_file("sub/more.policy", "errno ENOSYS io_uring_setup\n");
	write_file("bad.policy", "allow read\ninclude sub/broken.policy\n");
	write_file("sub/broken.policy", "\n  deny readd\n");
	write_file("loop.policy", "include loop.policy\n");

	p = cell_seccomp_policy_new();
	snprintf(path, sizeof(path), "%s/main.policy", tmpdir);
	if (cell_seccomp_policy_load(p, path, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(find(p, "ptrace", 0)->action, CELL_SECCOMP_ALLOW);
	assert_int_equal(find(p, "io_uring_setup", 0)->errnum, ENOSYS);
	assert_int_equal(find(p, "keyctl", 0)->errnum, EPERM);
	cell_seccomp_policy_free(p);

	/* an error in an included file names both places */
	p = cell_seccomp_policy_new();
	snprintf(path, sizeof(path), "%s/bad.policy", tmpdir);
	assert_int_equal(cell_seccomp_policy_load(p, path, &err), -EINVAL);
	snprintf(msg, sizeof(msg),
		 "%s/bad.policy:2:9: include: %s/sub/broken.policy:2:8: unknown system call "
		 "'readd'",
		 tmpdir, tmpdir);
	assert_string_equal(err.msg, msg);
	cell_seccomp_policy_free(p);

	p = cell_seccomp_policy_new();
	snprintf(path, sizeof(path), "%s/loop.policy", tmpdir);
	assert_int_equal(cell_seccomp_policy_load(p, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "includes nested more than 8 deep"));
	cell_seccomp_policy_free(p);

	p = cell_seccomp_policy_new();
	snprintf(path, sizeof(path), "%s/missing.policy", tmpdir);
	assert_int_equal(cell_seccomp_policy_load(p, path, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "missing.policy"));
	assert_int_equal(cell_seccomp_policy_load(p, tmpdir, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a regular file"));
	cell_seccomp_policy_free(p);

	/* --seccomp values */
	assert_int_equal(cell_seccomp_policy_resolve("none", &p, &err), 0);
	assert_null(p);
	assert_int_equal(cell_seccomp_policy_resolve(NULL, &p, &err), 0);
	assert_non_null(find(p, "ptrace", 0));
	cell_seccomp_policy_free(p);
	assert_int_equal(cell_seccomp_policy_resolve("default", &p, &err), 0);
	assert_non_null(find(p, "ptrace", 0));
	cell_seccomp_policy_free(p);
	snprintf(path, sizeof(path), "%s/sub/more.policy", tmpdir);
	assert_int_equal(cell_seccomp_policy_resolve(path, &p, &err), 0);
	assert_int_equal(p->n_rules, 1);
	cell_seccomp_policy_free(p);
	p = (void *)1;
	assert_int_equal(cell_seccomp_policy_resolve("", &p, &err), -EINVAL);
	assert_ptr_equal(p, (void *)1);

	snprintf(path, sizeof(path), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(path), 0);
}

static void test_compile(void **state)
{
	struct cell_seccomp_policy *p = cell_seccomp_policy_new();
	struct cell_seccomp_prog prog, log;
	struct cell_err err = { 0 };

	assert_int_equal(cell_seccomp_policy_default(p, &err), 0);
	if (cell_seccomp_compile(p, 0, &prog, &err) < 0)
		fail_msg("%s", err.msg);
	assert_non_null(prog.insns);
	assert_true(prog.len > 40 && prog.len < 1024);
	assert_int_equal(cell_seccomp_compile(p, CELL_SECCOMP_COMPILE_LOG, &log, &err), 0);
	assert_true(log.len > 0);
	cell_seccomp_prog_free(&prog);
	cell_seccomp_prog_free(&log);
	assert_null(prog.insns);
	assert_int_equal(prog.len, 0);
	/* an empty program is --seccomp none: applying it does nothing */
	assert_int_equal(cell_seccomp_apply(&prog, &err), 0);
	cell_seccomp_policy_free(p);
}

/* ---- live: load the filter in a child ---- */

static struct cell_seccomp_prog compiled(const char *text, unsigned flags)
{
	struct cell_seccomp_policy *p = cell_seccomp_policy_new();
	struct cell_seccomp_prog prog;
	struct cell_err err = { 0 };

	if (text)
		assert_int_equal(cell_seccomp_policy_parse(p, text, "t", NULL, &err), 0);
	else
		assert_int_equal(cell_seccomp_policy_default(p, &err), 0);
	if (cell_seccomp_compile(p, flags, &prog, &err) < 0)
		fail_msg("%s", err.msg);
	cell_seccomp_policy_free(p);
	return prog;
}

/* Fork; the child sets no_new_privs, loads prog and runs fn, whose return
 * value is its exit status (always _exit: no atexit handlers run under the
 * filter).  Returns the wait status. */
static int run_filtered(const struct cell_seccomp_prog *prog, int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct cell_err err = { 0 };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(90);
		if (cell_seccomp_apply(prog, &err) < 0)
			_exit(91);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_exit(int status, int code)
{
	if (!WIFEXITED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), code);
}

#define EXPECT(call, want_errno, code)                                                             \
	do {                                                                                       \
		errno = 0;                                                                         \
		if ((call) != -1 || errno != (want_errno))                                         \
			return code;                                                               \
	} while (0)

static int default_child(void)
{
	/* denied: EPERM, not a kill */
	EXPECT(ptrace(PTRACE_TRACEME, 0, 0, 0), EPERM, 1);
	EXPECT(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM, 2);
	EXPECT(unshare(CLONE_NEWUSER), EPERM, 3);
	EXPECT(unshare(CLONE_NEWUSER | CLONE_NEWNS), EPERM, 4);
	EXPECT(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM, 5);
	EXPECT(syscall(SYS_clone3, NULL, 0), ENOSYS, 6);
	EXPECT(syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL), EPERM, 7);
	EXPECT(syscall(SYS_bpf, 0, NULL, 0), EPERM, 8);
	EXPECT(syscall(SYS_io_uring_setup, 1, NULL), EPERM, 9);
	EXPECT(syscall(SYS_userfaultfd, 0), EPERM, 10);
	/* TIOCSTI with junk in the upper half of the register still matches */
	EXPECT(syscall(SYS_ioctl, 0, 0x100000000ull | TIOCSTI, "x"), EPERM, 11);
	EXPECT(syscall(SYS_ioctl, 0, TIOCLINUX, "x"), EPERM, 12);
	/* personality: the safe values work, the dangerous flags do not */
	if (personality(0xffffffff) < 0)
		return 13;
	if (personality(PER_LINUX) < 0 || personality(PER_LINUX32) < 0 ||
	    personality(PER_LINUX | UNAME26) < 0 || personality(PER_LINUX) < 0)
		return 14;
	EXPECT(personality(READ_IMPLIES_EXEC), EPERM, 15);
	EXPECT(personality(ADDR_NO_RANDOMIZE), EPERM, 16);
	EXPECT(personality(0x80000000u | READ_IMPLIES_EXEC), EPERM, 17);
	EXPECT(personality(0xfffffffeu), EPERM, 18);
	EXPECT(syscall(SYS_name_to_handle_at, AT_FDCWD, "/", NULL, NULL, 0), EPERM, 19);
	/* allowed: ordinary calls and clone without CLONE_NEWUSER */
	if (syscall(SYS_getpid) != getpid() || getppid() <= 0)
		return 20;
	EXPECT(syscall(SYS_ioctl, -1, TIOCSWINSZ, NULL), EBADF, 21);
	EXPECT(unshare(0x1 /* not a flag unshare knows */), EINVAL, 22);
	return 0;
}

static void test_live_default(void **state)
{
	struct cell_seccomp_prog prog = compiled(NULL, 0);

	assert_exit(run_filtered(&prog, default_child), 0);
	cell_seccomp_prog_free(&prog);
}

static int fork_child(void)
{
	/* glibc's fork is clone without CLONE_NEWUSER: it must still work */
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
		return 2;
	return 0;
}

static void test_live_fork(void **state)
{
	struct cell_seccomp_prog prog = compiled(NULL, 0);

	assert_exit(run_filtered(&prog, fork_child), 0);
	cell_seccomp_prog_free(&prog);
}

static int log_child(void)
{
	char handle[128] = { 0 };
	int mount_id;

	((unsigned *)handle)[0] = 64; /* handle_bytes */
	/* not refused by the filter: the kernel's own answer comes back */
	EXPECT(syscall(SYS_name_to_handle_at, AT_FDCWD, "/nonexistent-cell-test", handle,
		       &mount_id, 0),
	       ENOENT, 1);
	EXPECT(syscall(SYS_clone3, NULL, 0), EINVAL, 2);
	return 0;
}

static void test_live_log(void **state)
{
	struct cell_seccomp_prog prog = compiled(NULL, CELL_SECCOMP_COMPILE_LOG);

	assert_exit(run_filtered(&prog, log_child), 0);
	cell_seccomp_prog_free(&prog);
}

static int custom_child(void)
{
	EXPECT(syscall(SYS_getppid, 5), ENOSYS, 1);
	if (syscall(SYS_getppid, 6) <= 0)
		return 2;
	EXPECT(syscall(SYS_getpgid, 0), 77, 3);
	return 0;
}

static void test_live_custom(void **state)
{
	struct cell_seccomp_prog prog =
		compiled("errno ENOSYS getppid arg0 == 5\nerrno 77 getpgid\n", 0);

	assert_exit(run_filtered(&prog, custom_child), 0);
	cell_seccomp_prog_free(&prog);
}

static int kill_child(void)
{
	syscall(SYS_getpgid, 0);
	return 0;
}

static void test_live_kill(void **state)
{
	struct cell_seccomp_prog prog = compiled("kill getpgid\n", 0);
	int status = run_filtered(&prog, kill_child);

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	cell_seccomp_prog_free(&prog);
}

#if defined(__x86_64__)
static int x32_child(void)
{
	/* getpid through the x32 ABI: the filter must kill, not pass it */
	syscall(0x40000000 | SYS_getpid);
	return 0;
}

static int i386_child(void)
{
	long r;

	/* getpid (20) through the i386 entry point */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
	return r < 0 ? 1 : 0;
}

static void test_live_foreign_abi(void **state)
{
	struct cell_seccomp_prog prog = compiled(NULL, 0);
	int status = run_filtered(&prog, x32_child);

	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	status = run_filtered(&prog, i386_child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	cell_seccomp_prog_free(&prog);
}
#endif

static void test_apply_needs_nnp(void **state)
{
	struct cell_seccomp_prog prog = compiled(NULL, 0);
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cell_err err = { 0 };
		int r = cell_seccomp_apply(&prog, &err);

		if (r == 0)
			_exit(0); /* CAP_SYS_ADMIN lets root load filters anyway */
		_exit(r == -EACCES && strstr(err.msg, "no_new_privs") ? 1 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 2);
	cell_seccomp_prog_free(&prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_statements),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_load_and_include),
		cmocka_unit_test(test_compile),
		cmocka_unit_test(test_live_default),
		cmocka_unit_test(test_live_fork),
		cmocka_unit_test(test_live_log),
		cmocka_unit_test(test_live_custom),
		cmocka_unit_test(test_live_kill),
#if defined(__x86_64__)
		cmocka_unit_test(test_live_foreign_abi),
#endif
		cmocka_unit_test(test_apply_needs_nnp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
