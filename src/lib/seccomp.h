/* seccomp.h - the system call filter of the sandboxed command.
 *
 * seccomp(2), seccomp_rule_add(3), seccomp_export_bpf(3).  Three steps:
 *
 *   policy   plain data: a default action plus rules (syscall, action,
 *            argument conditions), parsed from a small text form or built
 *            in.  Pure, printable, unit-tested.
 *   compile  in the parent, before clone: libseccomp turns the policy into a
 *            classic BPF program held in memory (struct cell_seccomp_prog).
 *   apply    in the child, the last step before execve, after no_new_privs
 *            (cell_caps_clear) and Landlock: one seccomp(2) call with the
 *            prepared program.  Allocation-free; libseccomp is not called
 *            after clone.
 *
 * The filter allows the native architecture and the ones a policy names
 * ("arch", or an OCI config's "architectures"); nothing else.  On x86-64
 * that keeps out i386 (int 0x80) and x32 (__X32_SYSCALL_BIT) system calls
 * unless named: libseccomp's program kills the process for any other
 * architecture and, without x32, for syscall numbers with the x32 bit
 * (SCMP_FLTATR_ACT_BADARCH = kill process), so a foreign ABI can never
 * bypass the rules.
 *
 * Policy text, one statement per line; '#' starts a comment; words are
 * separated by blanks:
 *
 *   default ACTION                the action for calls no rule names
 *                                 (default: allow)
 *   include default               the built-in policy (cell_seccomp_policy_default)
 *   include PATH                  another policy file (relative to this one;
 *                                 only when read from a file, 8 levels deep)
 *   arch ARCH...                  also filter these architectures' system
 *                                 calls instead of killing them: libseccomp's
 *                                 names x86, x86_64, x32, arm, aarch64, ...
 *   flag FLAG...                  seccomp(2) flags: log (SECCOMP_FILTER_FLAG_LOG,
 *                                 the kernel logs every action but allow),
 *                                 spec-allow (SECCOMP_FILTER_FLAG_SPEC_ALLOW,
 *                                 no forced speculative store bypass mitigation)
 *   ACTION SYSCALL... [COND...]   a rule for each SYSCALL; all CONDs must hold
 *
 *   ACTION  allow | deny (= errno EPERM) | errno ERRNO | kill | kill-thread |
 *           trap | trace DATA | log
 *           ERRNO is a name (EPERM, ENOSYS, EACCES, ...) or a number 1..4095;
 *           kill ends the whole process with SIGSYS, kill-thread only the
 *           calling thread; trap sends SIGSYS, which the program may catch;
 *           trace stops the caller for its ptrace(2) tracer, which reads
 *           DATA (0..65535) with PTRACE_GETEVENTMSG (without a tracer the call
 *           fails with ENOSYS); log allows and logs.
 *   COND    argN OP VALUE         N in 0..5, OP one of == != < <= > >=
 *           argN & MASK == VALUE  the bits MASK of the argument equal VALUE
 *   VALUE   decimal, 0x hex or 0 octal number, or a constant name
 *           (CLONE_NEWUSER, TIOCSTI, AF_INET, ...), joined by '|' without
 *           blanks: CLONE_NEWUSER|CLONE_NEWNET.
 *
 * Comparisons are on the full 64-bit register.  For an argument the kernel
 * reads as a 32-bit int (ioctl's request, personality's persona) compare
 * with "& 0xffffffff ==", so that junk in the upper half cannot dodge a rule.
 * A rule compares each argument at most once (a libseccomp limit): to deny
 * "not A and not B" write the deny rules for the values instead.
 *
 * Later statements override earlier ones for the same syscall, so a file
 * can start with "include default" and relax it: a rule without conditions
 * replaces every earlier rule for its syscall; a rule with conditions
 * replaces an earlier rule with the same conditions and is added otherwise.
 * A conditional rule cannot make an exception to an earlier unconditional
 * rule with another action (the filter cannot express it): that is an error
 * that suggests inverting the condition.  Rules whose action is the default
 * action change nothing and are dropped when compiling.
 *
 * An OCI config's linux.seccomp (src/front/ociseccomp.c) means something
 * else: every rule is added as written (cell_seccomp_policy_append) and
 * libseccomp resolves overlaps when compiling, as in runc and crun: an
 * unconditional rule for a syscall wins over its conditional ones, and of
 * several unconditional ones the first wins.  Two rules with the same
 * conditions and different actions are an error.  Such a policy can also
 * hold "errno 0" (the call does nothing and returns 0), which the text form
 * refuses.
 *
 * Example:
 *
 *   include default
 *   allow ptrace                       # a debugger inside
 *   errno ENOSYS io_uring_setup        # let programs fall back
 *   kill add_key arg0 == 0
 *   deny socket arg0 == AF_NETLINK
 *
 * Errors name the source, line and column: "policy.txt:3:7: unknown system
 * call 'ptrac'".  Unknown syscall, errno and constant names are errors.
 */
#ifndef CELL_SECCOMP_H
#define CELL_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

enum cell_seccomp_action {
	CELL_SECCOMP_ALLOW,
	CELL_SECCOMP_ERRNO,	  /* fail with errnum ("deny" is errno EPERM) */
	CELL_SECCOMP_KILL,	  /* kill the process (SIGSYS) */
	CELL_SECCOMP_LOG,	  /* allow, and log to the audit log */
	CELL_SECCOMP_KILL_THREAD, /* kill the calling thread (SIGSYS) */
	CELL_SECCOMP_TRAP,	  /* send SIGSYS to the calling thread */
	CELL_SECCOMP_TRACE,	  /* stop for the tracer, errnum is its event message */
	CELL_SECCOMP_ACTION_MAX
};

enum cell_seccomp_op {
	CELL_SECCOMP_EQ,
	CELL_SECCOMP_NE,
	CELL_SECCOMP_LT,
	CELL_SECCOMP_LE,
	CELL_SECCOMP_GT,
	CELL_SECCOMP_GE,
	CELL_SECCOMP_MASKED_EQ, /* (arg & mask) == value */
	CELL_SECCOMP_OP_MAX
};

#define CELL_SECCOMP_ARGS 6
#define CELL_SECCOMP_NAME_MAX 32
/* Architectures a policy may add to the native one (libseccomp knows 20). */
#define CELL_SECCOMP_ARCHES_MAX 24

/* seccomp(2) filter flags a policy may ask for: the values of
 * SECCOMP_FILTER_FLAG_LOG and SECCOMP_FILTER_FLAG_SPEC_ALLOW. */
enum {
	CELL_SECCOMP_FLAG_LOG = 1u << 1,
	CELL_SECCOMP_FLAG_SPEC_ALLOW = 1u << 2,
};

struct cell_seccomp_cond {
	unsigned arg; /* 0..5 */
	enum cell_seccomp_op op;
	uint64_t mask; /* CELL_SECCOMP_MASKED_EQ only */
	uint64_t value;
};

struct cell_seccomp_rule {
	char syscall[CELL_SECCOMP_NAME_MAX];
	enum cell_seccomp_action action;
	int errnum; /* CELL_SECCOMP_ERRNO: 0..4095; CELL_SECCOMP_TRACE: the tracer's data, 0..65535 */
	unsigned n_conds;
	struct cell_seccomp_cond conds[CELL_SECCOMP_ARGS];
};

struct cell_seccomp_policy {
	enum cell_seccomp_action default_action;
	int default_errnum;
	/* Architectures filtered besides the native one (SCMP_ARCH_* tokens,
	 * which are AUDIT_ARCH_* values), each once; none: native only. */
	uint32_t arches[CELL_SECCOMP_ARCHES_MAX];
	unsigned n_arches;
	unsigned filter_flags; /* CELL_SECCOMP_FLAG_*, passed to seccomp(2) */
	/* In order.  Through cell_seccomp_policy_add (the text form) at most one
	 * per (syscall, conditions); cell_seccomp_policy_append (OCI) keeps all. */
	struct cell_seccomp_rule *rules;
	size_t n_rules;
	size_t cap_rules; /* allocated */
};

/* A policy that allows everything and has no rules; NULL on OOM. */
struct cell_seccomp_policy *cell_seccomp_policy_new(void);
struct cell_seccomp_policy *cell_seccomp_policy_free(struct cell_seccomp_policy *p);
static inline void cell_seccomp_policy_freep(struct cell_seccomp_policy **p)
{
	cell_seccomp_policy_free(*p);
}

/* Add one rule with the override semantics above (the syscall name must be
 * known to libseccomp). */
int cell_seccomp_policy_add(struct cell_seccomp_policy *p, const struct cell_seccomp_rule *rule,
			    struct cell_err *err);

/* Add one rule as it is, after every earlier one, with no override (the OCI
 * form: all rules hold, libseccomp resolves overlaps when compiling). */
int cell_seccomp_policy_append(struct cell_seccomp_policy *p, const struct cell_seccomp_rule *rule,
			       struct cell_err *err);

/* Filter the system calls of arch too (an SCMP_ARCH_* token); the native
 * architecture and one already there are ignored. */
int cell_seccomp_policy_add_arch(struct cell_seccomp_policy *p, uint32_t arch,
				 struct cell_err *err);

/* Parse policy text into p (on top of what p holds).  source names the text
 * in messages.  Pure, except that "include PATH" reads that file; base_dir
 * is where relative includes are found (NULL: refuse file includes). */
int cell_seccomp_policy_parse(struct cell_seccomp_policy *p, const char *text,
			      const char *source, const char *base_dir, struct cell_err *err);

/* Read and parse a policy file. */
int cell_seccomp_policy_load(struct cell_seccomp_policy *p, const char *path,
			     struct cell_err *err);

/* Add the built-in default policy to p: default allow, and EPERM for what a
 * sandbox never needs (see seccomp.c: default_policy).  The text part is
 * cell_seccomp_default_text; the personality rules are generated. */
int cell_seccomp_policy_default(struct cell_seccomp_policy *p, struct cell_err *err);
extern const char cell_seccomp_default_text[];

/* Relaxations the front end can name: new user namespaces (unshare, clone
 * and clone3 with CLONE_NEWUSER), and io_uring. */
int cell_seccomp_policy_allow_userns(struct cell_seccomp_policy *p, struct cell_err *err);
int cell_seccomp_policy_allow_io_uring(struct cell_seccomp_policy *p, struct cell_err *err);

/* cell run's relaxations of a policy, as bits: */
enum {
	CELL_SECCOMP_RELAX_USERNS = 1u << 0,   /* --allow-userns */
	CELL_SECCOMP_RELAX_IO_URING = 1u << 1, /* --allow-io-uring */
};

/* Apply them (errors name the option). */
int cell_seccomp_policy_relax(struct cell_seccomp_policy *p, unsigned relax, struct cell_err *err);

/* The value of --seccomp: NULL or "default" gives the built-in policy,
 * "none" gives *ret = NULL (no filter), anything else is a policy file. */
int cell_seccomp_policy_resolve(const char *arg, struct cell_seccomp_policy **ret,
				struct cell_err *err);

/* Print p in the text form (parsing it back gives the same policy). */
int cell_seccomp_policy_format(const struct cell_seccomp_policy *p, FILE *f);

/* Names, for parsing and printing. */
const char *cell_seccomp_action_name(enum cell_seccomp_action a);
int cell_seccomp_errno_from_name(const char *name); /* errno or -1 */
const char *cell_seccomp_errno_name(int errnum);    /* NULL when unnamed */
/* libseccomp's architecture names ("x86_64", "x32", "aarch64", ...): the
 * SCMP_ARCH_* token, or 0 when unknown; and back (NULL when unknown). */
uint32_t cell_seccomp_arch_from_name(const char *name);
const char *cell_seccomp_arch_name(uint32_t arch);
/* True when libseccomp knows the system call, on this architecture or as
 * another one's (a pseudo number the native filter skips). */
bool cell_seccomp_syscall_known(const char *name);

/* A compiled filter: classic BPF instructions (struct sock_filter). */
struct cell_seccomp_prog {
	void *insns; /* struct sock_filter[len] */
	unsigned short len;
	unsigned flags; /* CELL_SECCOMP_FLAG_*: seccomp(2)'s flags argument */
};

enum {
	/* --seccomp-log: every action but allow becomes log, so the command
	 * runs as if unfiltered and the audit log shows what would fail. */
	CELL_SECCOMP_COMPILE_LOG = 1u << 0,
};

/* Parent: compile p once (libseccomp, native architecture plus p->arches,
 * other ABIs killed); ret->flags are p->filter_flags.  ret->insns is
 * malloc'd; free with cell_seccomp_prog_free. */
int cell_seccomp_compile(const struct cell_seccomp_policy *p, unsigned flags,
			 struct cell_seccomp_prog *ret, struct cell_err *err);
void cell_seccomp_prog_free(struct cell_seccomp_prog *prog);

/* Child: load prog into the calling thread, with prog->flags.  Needs
 * no_new_privs (or CAP_SYS_ADMIN); an empty prog (len 0, --seccomp none)
 * does nothing.  Allocation-free. */
int cell_seccomp_apply(const struct cell_seccomp_prog *prog, struct cell_err *err);

#endif
