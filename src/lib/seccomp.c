/* seccomp.c - seccomp policies: text form, built-in default, compile, apply.
 *
 * seccomp(2), seccomp_init(3), seccomp_rule_add(3), seccomp_export_bpf(3),
 * personality(2).  The policy and its parser are plain data and pure code;
 * cell_seccomp_compile() runs libseccomp once in the parent and keeps the
 * BPF program in memory; cell_seccomp_apply() is the only part that runs in
 * the child, as the last step before execve (after no_new_privs).
 */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

_Static_assert(CELL_SECCOMP_FLAG_LOG == SECCOMP_FILTER_FLAG_LOG, "flag values");
_Static_assert(CELL_SECCOMP_FLAG_SPEC_ALLOW == SECCOMP_FILTER_FLAG_SPEC_ALLOW, "flag values");
#define FLAGS_ALL (CELL_SECCOMP_FLAG_LOG | CELL_SECCOMP_FLAG_SPEC_ALLOW)

#define MAX_INCLUDE_DEPTH 8
#define MAX_POLICY_SIZE (1u << 20)
#define MAX_WORDS 256

/* The built-in policy.  Denied calls fail with EPERM, so programs that try
 * them see an ordinary error instead of dying.  clone's flags are arg0 on
 * every architecture but s390, where they are arg1 (not a target yet).  What is not here is
 * allowed: the namespaces, the dropped capabilities, no_new_privs and the
 * read-only mounts already stop most of the rest, and this list shrinks the
 * kernel surface a sandboxed program can reach. */
const char cell_seccomp_default_text[] =
	"# kernel modules\n"
	"deny init_module finit_module delete_module create_module query_module\n"
	"deny get_kernel_syms\n"
	"# replacing, stopping or reconfiguring the kernel\n"
	"deny kexec_load kexec_file_load reboot swapon swapoff\n"
	"deny acct quotactl quotactl_fd lookup_dcookie nfsservctl syslog _sysctl\n"
	"deny settimeofday stime clock_settime clock_adjtime adjtimex\n"
	"deny iopl ioperm vm86 vm86old uselib\n"
	"# new mounts: cell makes every mount before this filter is loaded\n"
	"deny mount umount umount2 pivot_root\n"
	"deny fsopen fsconfig fsmount fspick move_mount open_tree mount_setattr\n"
	"# kernel keyrings (not namespaced)\n"
	"deny keyctl add_key request_key\n"
	"# eBPF, perf and userfaultfd: large kernel surface, easy races\n"
	"deny bpf perf_event_open userfaultfd\n"
	"# other processes' memory\n"
	"deny ptrace process_vm_readv process_vm_writev\n"
	"# file handles can name files outside the sandbox's root\n"
	"deny open_by_handle_at name_to_handle_at\n"
	"# io_uring: its operations are not system calls, this filter cannot see them\n"
	"deny io_uring_setup io_uring_enter io_uring_register\n"
	"# typing into the terminal (TIOCSTI) and the console (TIOCLINUX); the\n"
	"# request is an int, so only its lower 32 bits count\n"
	"deny ioctl arg1 & 0xffffffff == TIOCSTI\n"
	"deny ioctl arg1 & 0xffffffff == TIOCLINUX\n"
	"# vsock reaches the hypervisor and other guests past every network\n"
	"# namespace and firewall (AF_PACKET and raw sockets already need\n"
	"# CAP_NET_RAW); the domain is an int\n"
	"errno EAFNOSUPPORT socket arg0 & 0xffffffff == AF_VSOCK\n"
	"# new user namespaces.  clone3 takes its flags in memory, which a filter\n"
	"# cannot read: it fails with ENOSYS, so that libc falls back to clone,\n"
	"# whose flags are in a register and checked here.\n"
	"deny unshare arg0 & CLONE_NEWUSER == CLONE_NEWUSER\n"
	"deny clone arg0 & CLONE_NEWUSER == CLONE_NEWUSER\n"
	"errno ENOSYS clone3\n";

struct name_value {
	const char *name;
	uint64_t value;
};

#define NV(x) { #x, (uint64_t)(x) }

static const struct name_value constants[] = {
	NV(CLONE_NEWUSER),  NV(CLONE_NEWNS),	NV(CLONE_NEWPID),	NV(CLONE_NEWNET),
	NV(CLONE_NEWIPC),   NV(CLONE_NEWUTS),	NV(CLONE_NEWCGROUP),	NV(CLONE_NEWTIME),
	NV(CLONE_THREAD),   NV(CLONE_VM),	NV(CLONE_FS),		NV(CLONE_FILES),
	NV(CLONE_SIGHAND),  NV(CLONE_VFORK),	NV(CLONE_PARENT),	NV(CLONE_PTRACE),
	NV(CLONE_UNTRACED), NV(CLONE_PIDFD),	NV(TIOCSTI),		NV(TIOCLINUX),
	NV(TIOCSCTTY),	    NV(TIOCSETD),	NV(PER_LINUX),		NV(PER_LINUX32),
	NV(UNAME26),	    NV(ADDR_NO_RANDOMIZE), NV(READ_IMPLIES_EXEC), NV(MMAP_PAGE_ZERO),
	NV(ADDR_COMPAT_LAYOUT), NV(AF_UNIX),	NV(AF_INET),		NV(AF_INET6),
	NV(AF_NETLINK),	    NV(AF_PACKET),	NV(AF_VSOCK),		NV(AF_BLUETOOTH),
	NV(AF_ALG),	    NV(AF_KEY),		NV(SOCK_STREAM),	NV(SOCK_DGRAM),
	NV(SOCK_RAW),	    NV(SOCK_SEQPACKET), NV(PROT_READ),		NV(PROT_WRITE),
	NV(PROT_EXEC),	    NV(O_RDONLY),	NV(O_WRONLY),		NV(O_RDWR),
	NV(O_CREAT),	    NV(O_TRUNC),	NV(O_APPEND),		NV(O_PATH),
};

static const struct name_value errnos[] = {
	NV(EPERM),	  NV(ENOENT),	    NV(ESRCH),		NV(EINTR),	NV(EIO),
	NV(ENXIO),	  NV(E2BIG),	    NV(ENOEXEC),	NV(EBADF),	NV(ECHILD),
	NV(EAGAIN),	  NV(ENOMEM),	    NV(EACCES),		NV(EFAULT),	NV(EBUSY),
	NV(EEXIST),	  NV(EXDEV),	    NV(ENODEV),		NV(ENOTDIR),	NV(EISDIR),
	NV(EINVAL),	  NV(ENFILE),	    NV(EMFILE),		NV(ENOTTY),	NV(ETXTBSY),
	NV(EFBIG),	  NV(ENOSPC),	    NV(ESPIPE),		NV(EROFS),	NV(EMLINK),
	NV(EPIPE),	  NV(ERANGE),	    NV(ENOSYS),		NV(EOPNOTSUPP), NV(ENOTSUP),
	NV(EAFNOSUPPORT), NV(EPROTONOSUPPORT), NV(ENOTSOCK),	NV(ECONNREFUSED), NV(ENETUNREACH),
	NV(EADDRNOTAVAIL), NV(ENOTCONN),    NV(ETIMEDOUT),
};

static const char *const action_names[CELL_SECCOMP_ACTION_MAX] = {
	[CELL_SECCOMP_ALLOW] = "allow",
	[CELL_SECCOMP_ERRNO] = "errno",
	[CELL_SECCOMP_KILL] = "kill",
	[CELL_SECCOMP_LOG] = "log",
	[CELL_SECCOMP_KILL_THREAD] = "kill-thread",
	[CELL_SECCOMP_TRAP] = "trap",
	[CELL_SECCOMP_TRACE] = "trace",
};

/* libseccomp's names; an OCI config writes them as SCMP_ARCH_ plus the
 * name in capitals.  Newer ones only when this libseccomp has them. */
static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{ "x86", SCMP_ARCH_X86 },
	{ "x86_64", SCMP_ARCH_X86_64 },
	{ "x32", SCMP_ARCH_X32 },
	{ "arm", SCMP_ARCH_ARM },
	{ "aarch64", SCMP_ARCH_AARCH64 },
	{ "mips", SCMP_ARCH_MIPS },
	{ "mips64", SCMP_ARCH_MIPS64 },
	{ "mips64n32", SCMP_ARCH_MIPS64N32 },
	{ "mipsel", SCMP_ARCH_MIPSEL },
	{ "mipsel64", SCMP_ARCH_MIPSEL64 },
	{ "mipsel64n32", SCMP_ARCH_MIPSEL64N32 },
	{ "ppc", SCMP_ARCH_PPC },
	{ "ppc64", SCMP_ARCH_PPC64 },
	{ "ppc64le", SCMP_ARCH_PPC64LE },
	{ "s390", SCMP_ARCH_S390 },
	{ "s390x", SCMP_ARCH_S390X },
	{ "parisc", SCMP_ARCH_PARISC },
	{ "parisc64", SCMP_ARCH_PARISC64 },
	{ "riscv64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
	{ "loongarch64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
	{ "m68k", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
	{ "sh", SCMP_ARCH_SH },
	{ "sheb", SCMP_ARCH_SHEB },
#endif
};

static const char *const op_names[CELL_SECCOMP_OP_MAX] = {
	[CELL_SECCOMP_EQ] = "==", [CELL_SECCOMP_NE] = "!=", [CELL_SECCOMP_LT] = "<",
	[CELL_SECCOMP_LE] = "<=", [CELL_SECCOMP_GT] = ">",  [CELL_SECCOMP_GE] = ">=",
	[CELL_SECCOMP_MASKED_EQ] = "&",
};

const char *cell_seccomp_action_name(enum cell_seccomp_action a)
{
	return (unsigned)a < CELL_SECCOMP_ACTION_MAX ? action_names[a] : NULL;
}

int cell_seccomp_errno_from_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
		if (strcmp(name, errnos[i].name) == 0)
			return (int)errnos[i].value;
	return -1;
}

const char *cell_seccomp_errno_name(int errnum)
{
	for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
		if ((int)errnos[i].value == errnum)
			return errnos[i].name;
	return NULL;
}

uint32_t cell_seccomp_arch_from_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(arches); i++)
		if (strcmp(name, arches[i].name) == 0)
			return arches[i].arch;
	return 0;
}

const char *cell_seccomp_arch_name(uint32_t arch)
{
	for (size_t i = 0; i < ELEMENTSOF(arches); i++)
		if (arches[i].arch == arch)
			return arches[i].name;
	return NULL;
}

bool cell_seccomp_syscall_known(const char *name)
{
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

struct cell_seccomp_policy *cell_seccomp_policy_new(void)
{
	struct cell_seccomp_policy *p = calloc(1, sizeof(*p));

	if (p)
		p->default_action = CELL_SECCOMP_ALLOW;
	return p;
}

struct cell_seccomp_policy *cell_seccomp_policy_free(struct cell_seccomp_policy *p)
{
	if (p) {
		free(p->rules);
		free(p);
	}
	return NULL;
}

static bool same_conds(const struct cell_seccomp_rule *a, const struct cell_seccomp_rule *b)
{
	if (a->n_conds != b->n_conds)
		return false;
	for (unsigned i = 0; i < a->n_conds; i++) {
		bool found = false;

		for (unsigned j = 0; j < b->n_conds && !found; j++)
			found = a->conds[i].arg == b->conds[j].arg &&
				a->conds[i].op == b->conds[j].op &&
				a->conds[i].value == b->conds[j].value &&
				(a->conds[i].op != CELL_SECCOMP_MASKED_EQ ||
				 a->conds[i].mask == b->conds[j].mask);
		if (!found)
			return false;
	}
	return true;
}

static bool same_action(enum cell_seccomp_action a, int ea, enum cell_seccomp_action b, int eb)
{
	return a == b && ((a != CELL_SECCOMP_ERRNO && a != CELL_SECCOMP_TRACE) || ea == eb);
}

static void remove_rule(struct cell_seccomp_policy *p, size_t i)
{
	memmove(&p->rules[i], &p->rules[i + 1], (p->n_rules - i - 1) * sizeof(p->rules[0]));
	p->n_rules--;
}

static int check_rule(const struct cell_seccomp_rule *r, struct cell_err *err)
{
	unsigned seen = 0;

	if (!memchr(r->syscall, '\0', sizeof(r->syscall)) ||
	    seccomp_syscall_resolve_name(r->syscall) == __NR_SCMP_ERROR)
		return cell_fail(err, EINVAL, "unknown system call '%.*s'",
				 (int)sizeof(r->syscall), r->syscall);
	if ((unsigned)r->action >= CELL_SECCOMP_ACTION_MAX)
		return cell_fail(err, EINVAL, "%s: bad action", r->syscall);
	/* The kernel returns at most MAX_ERRNO (4095); 0 makes the call a
	 * no-op that returns 0 (the text form refuses it, OCI allows it).
	 * The tracer's data has the 16 bits of SECCOMP_RET_DATA. */
	if (r->action == CELL_SECCOMP_ERRNO && (r->errnum < 0 || r->errnum > 4095))
		return cell_fail(err, EINVAL, "%s: errno %d out of range 0..4095", r->syscall,
				 r->errnum);
	if (r->action == CELL_SECCOMP_TRACE && (r->errnum < 0 || r->errnum > 0xffff))
		return cell_fail(err, EINVAL, "%s: trace data %d out of range 0..65535",
				 r->syscall, r->errnum);
	if (r->n_conds > CELL_SECCOMP_ARGS)
		return cell_fail(err, EINVAL, "%s: more than %d conditions", r->syscall,
				 CELL_SECCOMP_ARGS);
	for (unsigned i = 0; i < r->n_conds; i++) {
		if (r->conds[i].arg >= CELL_SECCOMP_ARGS ||
		    (unsigned)r->conds[i].op >= CELL_SECCOMP_OP_MAX)
			return cell_fail(err, EINVAL, "%s: bad condition", r->syscall);
		if (seen & (1u << r->conds[i].arg))
			return cell_fail(err, EINVAL,
					 "%s: arg%u is compared twice in one rule (a filter "
					 "compares "
					 "each argument once per rule: write one rule per "
					 "comparison)",
					 r->syscall, r->conds[i].arg);
		seen |= 1u << r->conds[i].arg;
	}
	return 0;
}

static int push_rule(struct cell_seccomp_policy *p, const struct cell_seccomp_rule *rule,
		     struct cell_err *err)
{
	if (p->n_rules == p->cap_rules) {
		size_t cap = p->cap_rules ? p->cap_rules * 2 : 64;
		struct cell_seccomp_rule *n = reallocarray(p->rules, cap, sizeof(*n));

		if (!n)
			return cell_fail(err, ENOMEM, "seccomp policy");
		p->rules = n;
		p->cap_rules = cap;
	}
	p->rules[p->n_rules++] = *rule;
	return 0;
}

int cell_seccomp_policy_append(struct cell_seccomp_policy *p, const struct cell_seccomp_rule *rule,
			       struct cell_err *err)
{
	int r = check_rule(rule, err);

	return r < 0 ? r : push_rule(p, rule, err);
}

int cell_seccomp_policy_add_arch(struct cell_seccomp_policy *p, uint32_t arch,
				 struct cell_err *err)
{
	if (!cell_seccomp_arch_name(arch))
		return cell_fail(err, EINVAL, "unknown architecture 0x%x", arch);
	if (arch == seccomp_arch_native())
		return 0;
	for (unsigned i = 0; i < p->n_arches; i++)
		if (p->arches[i] == arch)
			return 0;
	if (p->n_arches >= CELL_SECCOMP_ARCHES_MAX)
		return cell_fail(err, E2BIG, "more than %d architectures", CELL_SECCOMP_ARCHES_MAX);
	p->arches[p->n_arches++] = arch;
	return 0;
}

int cell_seccomp_policy_add(struct cell_seccomp_policy *p, const struct cell_seccomp_rule *rule,
			    struct cell_err *err)
{
	int r = check_rule(rule, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_rules;) {
		const struct cell_seccomp_rule *e = &p->rules[i];

		/* the first letter settles most pairs without a call */
		if (e->syscall[0] != rule->syscall[0] || strcmp(e->syscall, rule->syscall) != 0) {
			i++;
			continue;
		}
		if (rule->n_conds > 0 && e->n_conds == 0) {
			if (same_action(e->action, e->errnum, rule->action, rule->errnum))
				return 0; /* already covered */
			return cell_fail(err, EINVAL,
					 "%s: a rule with conditions cannot make an exception to "
					 "the earlier rule '%s %s' for all its calls (a filter "
					 "cannot "
					 "express it): give that rule the opposite condition "
					 "instead",
					 rule->syscall, action_names[e->action], e->syscall);
		}
		if (rule->n_conds == 0 || same_conds(e, rule))
			remove_rule(p, i);
		else
			i++;
	}
	return push_rule(p, rule, err);
}

/* personality(2): allow the harmless values (the Linux persona, the 32-bit
 * one, UNAME26, and the query 0xffffffff) and refuse the flags that weaken
 * memory protections (READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO,
 * ...).  The persona is an unsigned int, so only the lower 32 bits count.
 * Each rule may compare arg0 once, so "any of bits 18..30 set, and not the
 * query" becomes: a flag bit set while bit 31 is clear (13 rules), or bit 31
 * set while another bit is clear (31 rules); only 0xffffffff passes both. */
static int add_personality_rules(struct cell_seccomp_policy *p, struct cell_err *err)
{
	struct cell_seccomp_rule rule = {
		.syscall = "personality",
		.action = CELL_SECCOMP_ERRNO,
		.errnum = EPERM,
		.n_conds = 1,
		.conds[0] = { .arg = 0, .op = CELL_SECCOMP_MASKED_EQ },
	};
	int r;

	for (unsigned bit = 18; bit <= 30; bit++) {
		rule.conds[0].mask = (1ull << bit) | (1ull << 31);
		rule.conds[0].value = 1ull << bit;
		r = cell_seccomp_policy_add(p, &rule, err);
		if (r < 0)
			return r;
	}
	for (unsigned bit = 0; bit <= 30; bit++) {
		rule.conds[0].mask = (1ull << bit) | (1ull << 31);
		rule.conds[0].value = 1ull << 31;
		r = cell_seccomp_policy_add(p, &rule, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cell_seccomp_policy_default(struct cell_seccomp_policy *p, struct cell_err *err)
{
	int r = cell_seccomp_policy_parse(p, cell_seccomp_default_text, "default policy", NULL,
					  err);

	if (r < 0)
		return r;
	return add_personality_rules(p, err);
}

static int allow_all(struct cell_seccomp_policy *p, const char *const *names, size_t n,
		     struct cell_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct cell_seccomp_rule rule = { .action = CELL_SECCOMP_ALLOW };
		int r;

		snprintf(rule.syscall, sizeof(rule.syscall), "%s", names[i]);
		r = cell_seccomp_policy_add(p, &rule, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cell_seccomp_policy_allow_userns(struct cell_seccomp_policy *p, struct cell_err *err)
{
	static const char *const names[] = { "unshare", "clone", "clone3" };

	return allow_all(p, names, ELEMENTSOF(names), err);
}

int cell_seccomp_policy_allow_io_uring(struct cell_seccomp_policy *p, struct cell_err *err)
{
	static const char *const names[] = { "io_uring_setup", "io_uring_enter",
					     "io_uring_register" };

	return allow_all(p, names, ELEMENTSOF(names), err);
}

int cell_seccomp_policy_relax(struct cell_seccomp_policy *p, unsigned relax, struct cell_err *err)
{
	if ((relax & CELL_SECCOMP_RELAX_USERNS) && cell_seccomp_policy_allow_userns(p, err) < 0)
		return cell_err_prefix(err, "--allow-userns");
	if ((relax & CELL_SECCOMP_RELAX_IO_URING) && cell_seccomp_policy_allow_io_uring(p, err) < 0)
		return cell_err_prefix(err, "--allow-io-uring");
	return 0;
}

/* ---- the text form ---- */

struct parse_ctx {
	struct cell_seccomp_policy *p;
	const char *source;
	const char *base_dir;
	unsigned depth;
	unsigned line;
	struct cell_err *err;
};

/* Fail at a word: "source:line:col: message". */
static int fail_at(const struct parse_ctx *c, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(const struct parse_ctx *c, unsigned col, const char *fmt, ...)
{
	char msg[CELL_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cell_fail(c->err, EINVAL, "%s:%u:%u: %s", c->source, c->line, col, msg);
}

static bool word_is(const struct cell_word *w, const char *s)
{
	return strlen(s) == w->len && memcmp(w->s, s, w->len) == 0;
}

/* One '|'-free term: a number or a constant name. */
static int parse_term(const char *s, size_t len, uint64_t *ret)
{
	char buf[64], *end;
	unsigned long long v;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] >= '0' && buf[0] <= '9') {
		errno = 0;
		v = strtoull(buf, &end, 0);
		if (errno == ERANGE)
			return -ERANGE;
		if (*end || errno)
			return -EINVAL;
		*ret = v;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(constants); i++)
		if (strcmp(buf, constants[i].name) == 0) {
			*ret = constants[i].value;
			return 0;
		}
	return -ENOENT;
}

static int parse_value(const struct parse_ctx *c, const struct cell_word *w, uint64_t *ret)
{
	uint64_t v = 0;
	size_t start = 0;

	for (size_t i = 0; i <= w->len; i++) {
		uint64_t t;
		int r;

		if (i < w->len && w->s[i] != '|')
			continue;
		r = parse_term(w->s + start, i - start, &t);
		if (r == -ENOENT)
			return fail_at(c, w->col + (unsigned)start, "unknown constant '%.*s'",
				       (int)(i - start), w->s + start);
		if (r == -ERANGE)
			return fail_at(c, w->col + (unsigned)start,
				       "'%.*s' does not fit in 64 bits", (int)(i - start),
				       w->s + start);
		if (r < 0)
			return fail_at(c, w->col + (unsigned)start,
				       "expected a number or a constant name, not '%.*s'",
				       (int)w->len, w->s);
		v |= t;
		start = i + 1;
	}
	*ret = v;
	return 0;
}

static bool is_arg_word(const struct cell_word *w)
{
	return w->len == 4 && memcmp(w->s, "arg", 3) == 0 && w->s[3] >= '0' && w->s[3] <= '9';
}

/* "argN OP VALUE" or "argN & MASK == VALUE" at words[*i]; advances *i. */
static int parse_cond(const struct parse_ctx *c, const struct cell_word *words, size_t n, size_t *i,
		      struct cell_seccomp_cond *ret)
{
	const struct cell_word *w = &words[*i];
	struct cell_seccomp_cond cond = { 0 };
	int r;

	if (!is_arg_word(w) || w->s[3] > '5')
		return fail_at(c, w->col, "expected arg0..arg5, not '%.*s'", (int)w->len, w->s);
	cond.arg = (unsigned)(w->s[3] - '0');
	if (*i + 2 >= n)
		return fail_at(c, w->col, "incomplete condition: expected argN OP VALUE");
	w = &words[*i + 1];
	if (word_is(w, "&")) {
		cond.op = CELL_SECCOMP_MASKED_EQ;
		r = parse_value(c, &words[*i + 2], &cond.mask);
		if (r < 0)
			return r;
		if (*i + 4 >= n || !word_is(&words[*i + 3], "=="))
			return fail_at(c, w->col, "incomplete condition: expected argN & MASK == "
						  "VALUE");
		r = parse_value(c, &words[*i + 4], &cond.value);
		if (r < 0)
			return r;
		if (cond.value & ~cond.mask)
			return fail_at(c, words[*i + 4].col,
				       "value has bits outside the mask: the condition never "
				       "holds");
		*i += 5;
	} else {
		bool found = false;

		for (unsigned op = 0; op < CELL_SECCOMP_MASKED_EQ && !found; op++)
			if (word_is(w, op_names[op])) {
				cond.op = (enum cell_seccomp_op)op;
				found = true;
			}
		if (!found)
			return fail_at(c, w->col,
				       "unknown operator '%.*s' (one of == != < <= > >= &)",
				       (int)w->len, w->s);
		r = parse_value(c, &words[*i + 2], &cond.value);
		if (r < 0)
			return r;
		*i += 3;
	}
	*ret = cond;
	return 0;
}

/* ACTION [ERRNO] at words[*i]; advances *i. */
static int parse_action(const struct parse_ctx *c, const struct cell_word *words, size_t n, size_t *i,
			enum cell_seccomp_action *ret, int *ret_errnum)
{
	const struct cell_word *w = &words[*i];

	*ret_errnum = 0;
	if (word_is(w, "deny")) {
		*ret = CELL_SECCOMP_ERRNO;
		*ret_errnum = EPERM;
	} else if (word_is(w, "errno")) {
		char name[32];
		uint64_t v;
		int e;

		if (*i + 1 >= n)
			return fail_at(c, w->col + (unsigned)w->len,
				       "errno needs a value (a name like EPERM or a number)");
		w = &words[*i + 1];
		if (w->len >= sizeof(name))
			return fail_at(c, w->col, "unknown errno '%.*s'", (int)w->len, w->s);
		memcpy(name, w->s, w->len);
		name[w->len] = '\0';
		e = cell_seccomp_errno_from_name(name);
		if (e < 0) {
			if (parse_term(w->s, w->len, &v) < 0 || name[0] < '0' || name[0] > '9')
				return fail_at(c, w->col, "unknown errno '%s'", name);
			if (v < 1 || v > 4095)
				return fail_at(c, w->col, "errno %s out of range 1..4095", name);
			e = (int)v;
		}
		*ret = CELL_SECCOMP_ERRNO;
		*ret_errnum = e;
		(*i)++;
	} else if (word_is(w, "trace")) {
		uint64_t v;

		if (*i + 1 >= n)
			return fail_at(c, w->col + (unsigned)w->len,
				       "trace needs a value (0..65535, the tracer's data)");
		w = &words[*i + 1];
		if (parse_term(w->s, w->len, &v) < 0 || w->s[0] < '0' || w->s[0] > '9' ||
		    v > 0xffff)
			return fail_at(c, w->col, "trace data '%.*s' is not a number 0..65535",
				       (int)w->len, w->s);
		*ret = CELL_SECCOMP_TRACE;
		*ret_errnum = (int)v;
		(*i)++;
	} else if (word_is(w, "allow")) {
		*ret = CELL_SECCOMP_ALLOW;
	} else if (word_is(w, "kill")) {
		*ret = CELL_SECCOMP_KILL;
	} else if (word_is(w, "kill-thread")) {
		*ret = CELL_SECCOMP_KILL_THREAD;
	} else if (word_is(w, "trap")) {
		*ret = CELL_SECCOMP_TRAP;
	} else if (word_is(w, "log")) {
		*ret = CELL_SECCOMP_LOG;
	} else {
		return fail_at(c, w->col,
			       "unknown statement '%.*s' (expected default, include, arch, flag, "
			       "allow, deny, errno, kill, kill-thread, trap, trace or log)",
			       (int)w->len, w->s);
	}
	(*i)++;
	return 0;
}

static int parse_text(struct parse_ctx *c, const char *text);
static int load_file(struct cell_seccomp_policy *p, const char *path, unsigned depth,
		     struct cell_err *err);

static int parse_include(struct parse_ctx *c, const struct cell_word *w)
{
	_cleanup_free_ char *path = NULL;
	struct cell_seccomp_policy *p = c->p;
	int r;

	if (word_is(w, "default")) {
		r = cell_seccomp_policy_default(p, c->err);
		return r < 0 ? cell_err_prefix(c->err, "%s:%u:%u", c->source, c->line, w->col) : 0;
	}
	if (!c->base_dir)
		return fail_at(c, w->col, "include of a file is only possible in a policy file");
	if (c->depth >= MAX_INCLUDE_DEPTH)
		return fail_at(c, w->col, "includes nested more than %d deep",
			       MAX_INCLUDE_DEPTH);
	if (w->s[0] == '/')
		r = asprintf(&path, "%.*s", (int)w->len, w->s);
	else
		r = asprintf(&path, "%s/%.*s", c->base_dir, (int)w->len, w->s);
	if (r < 0) {
		path = NULL;
		return cell_fail(c->err, ENOMEM, "seccomp policy");
	}
	r = load_file(p, path, c->depth + 1, c->err);
	/* Name the top-level file and the one with the error; the files in
	 * between would make the line too long. */
	if (r < 0 && c->depth == 0)
		return cell_err_prefix(c->err, "%s:%u:%u: include", c->source, c->line, w->col);
	return r;
}

static int parse_line(struct parse_ctx *c, const struct cell_word *words, size_t n)
{
	struct cell_seccomp_rule rule = { 0 };
	size_t i = 0, first, last;
	int r;

	if (word_is(&words[0], "default")) {
		enum cell_seccomp_action a;
		int e;

		if (n < 2)
			return fail_at(c, words[0].col + 7, "default needs an action");
		i = 1;
		r = parse_action(c, words, n, &i, &a, &e);
		if (r < 0)
			return r;
		if (i < n)
			return fail_at(c, words[i].col,
				       "unexpected '%.*s' after the default action",
				       (int)words[i].len, words[i].s);
		c->p->default_action = a;
		c->p->default_errnum = e;
		return 0;
	}
	if (word_is(&words[0], "arch") || word_is(&words[0], "flag")) {
		bool arch = word_is(&words[0], "arch");

		if (n < 2)
			return fail_at(c, words[0].col + 4, "%s needs a name",
				       arch ? "arch" : "flag");
		for (i = 1; i < n; i++) {
			const struct cell_word *w = &words[i];
			char name[32];
			uint32_t a = 0;

			if (w->len >= sizeof(name))
				return fail_at(c, w->col, "unknown %s '%.*s'",
					       arch ? "architecture" : "flag", (int)w->len, w->s);
			memcpy(name, w->s, w->len);
			name[w->len] = '\0';
			if (arch && (a = cell_seccomp_arch_from_name(name)) == 0)
				return fail_at(c, w->col,
					       "unknown architecture '%s' (libseccomp's names: "
					       "x86, x86_64, x32, arm, aarch64, ...)",
					       name);
			if (arch) {
				r = cell_seccomp_policy_add_arch(c->p, a, c->err);
				if (r < 0)
					return cell_err_prefix(c->err, "%s:%u:%u", c->source,
							       c->line, w->col);
			} else if (strcmp(name, "log") == 0) {
				c->p->filter_flags |= CELL_SECCOMP_FLAG_LOG;
			} else if (strcmp(name, "spec-allow") == 0) {
				c->p->filter_flags |= CELL_SECCOMP_FLAG_SPEC_ALLOW;
			} else {
				return fail_at(c, w->col,
					       "unknown flag '%s' (one of log, spec-allow)", name);
			}
		}
		return 0;
	}
	if (word_is(&words[0], "include")) {
		if (n != 2)
			return fail_at(c, n < 2 ? words[0].col + 7 : words[2].col,
				       "include takes one word: 'default' or a file");
		return parse_include(c, &words[1]);
	}
	r = parse_action(c, words, n, &i, &rule.action, &rule.errnum);
	if (r < 0)
		return r;
	first = i;
	while (i < n && !is_arg_word(&words[i]))
		i++;
	last = i;
	if (first == last)
		return fail_at(c,
			       i < n ? words[i].col
				     : words[n - 1].col + (unsigned)words[n - 1].len,
			       "expected a system call name");
	while (i < n) {
		size_t at = i;

		if (rule.n_conds >= CELL_SECCOMP_ARGS)
			return fail_at(c, words[i].col, "more than %d conditions",
				       CELL_SECCOMP_ARGS);
		r = parse_cond(c, words, n, &i, &rule.conds[rule.n_conds]);
		if (r < 0)
			return r;
		for (unsigned k = 0; k < rule.n_conds; k++)
			if (rule.conds[k].arg == rule.conds[rule.n_conds].arg)
				return fail_at(c, words[at].col,
					       "arg%u is compared twice in one rule (a filter "
					       "compares each argument once per rule: write one "
					       "rule "
					       "per comparison)",
					       rule.conds[k].arg);
		rule.n_conds++;
	}
	for (size_t k = first; k < last; k++) {
		const struct cell_word *w = &words[k];

		if (w->len >= sizeof(rule.syscall))
			return fail_at(c, w->col, "unknown system call '%.*s'", (int)w->len, w->s);
		memset(rule.syscall, 0, sizeof(rule.syscall));
		memcpy(rule.syscall, w->s, w->len);
		r = cell_seccomp_policy_add(c->p, &rule, c->err);
		if (r < 0)
			return cell_err_prefix(c->err, "%s:%u:%u", c->source, c->line, w->col);
	}
	return 0;
}

static int parse_text(struct parse_ctx *c, const char *text)
{
	const char *line = text;

	for (c->line = 1; *line; c->line++) {
		const char *eol = strchrnul(line, '\n');
		struct cell_word words[MAX_WORDS];
		unsigned col = 0;
		int n = cell_split_words(line, eol, words, MAX_WORDS, &col), r;

		if (n < 0)
			return fail_at(c, col, "more than %d words on one line", MAX_WORDS);
		if (n > 0) {
			r = parse_line(c, words, (size_t)n);
			if (r < 0)
				return r;
		}
		line = *eol ? eol + 1 : eol;
	}
	return 0;
}

int cell_seccomp_policy_parse(struct cell_seccomp_policy *p, const char *text,
			      const char *source, const char *base_dir, struct cell_err *err)
{
	struct parse_ctx c = { .p = p, .source = source, .base_dir = base_dir, .err = err };

	return parse_text(&c, text);
}

static int load_file(struct cell_seccomp_policy *p, const char *path, unsigned depth,
		     struct cell_err *err)
{
	_cleanup_free_ char *text = NULL, *dir = NULL;
	_cleanup_close_ int fd = -1;
	struct parse_ctx c = { .p = p, .source = path, .depth = depth, .err = err };
	struct stat st;
	size_t got = 0;
	char *slash;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cell_fail(err, errno, "seccomp policy %s", path);
	if (fstat(fd, &st) < 0)
		return cell_fail(err, errno, "seccomp policy %s", path);
	if (!S_ISREG(st.st_mode))
		return cell_fail(err, EINVAL, "seccomp policy %s: not a regular file", path);
	if (st.st_size > MAX_POLICY_SIZE)
		return cell_fail(err, EFBIG, "seccomp policy %s: larger than %u bytes", path,
				 MAX_POLICY_SIZE);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return cell_fail(err, ENOMEM, "seccomp policy %s", path);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cell_fail(err, errno, "seccomp policy %s: read", path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	if (memchr(text, '\0', got))
		return cell_fail(err, EINVAL, "seccomp policy %s: not a text file", path);
	dir = strdup(path);
	if (!dir)
		return cell_fail(err, ENOMEM, "seccomp policy %s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	c.base_dir = dir;
	return parse_text(&c, text);
}

int cell_seccomp_policy_load(struct cell_seccomp_policy *p, const char *path,
			     struct cell_err *err)
{
	return load_file(p, path, 0, err);
}

int cell_seccomp_policy_resolve(const char *arg, struct cell_seccomp_policy **ret,
				struct cell_err *err)
{
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *p = NULL;
	int r;

	if (arg && strcmp(arg, "none") == 0) {
		*ret = NULL;
		return 0;
	}
	p = cell_seccomp_policy_new();
	if (!p)
		return cell_fail(err, ENOMEM, "seccomp policy");
	if (!arg || strcmp(arg, "default") == 0)
		r = cell_seccomp_policy_default(p, err);
	else if (!*arg)
		r = cell_fail(err, EINVAL, "--seccomp: expected default, none or a policy file");
	else
		r = cell_seccomp_policy_load(p, arg, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

static void format_action(enum cell_seccomp_action a, int errnum, FILE *f)
{
	const char *name;

	if (a == CELL_SECCOMP_TRACE) {
		fprintf(f, "trace %d", errnum);
	} else if (a != CELL_SECCOMP_ERRNO) {
		fputs(action_names[a], f);
	} else if (errnum == EPERM) {
		fputs("deny", f);
	} else {
		name = cell_seccomp_errno_name(errnum);
		if (name)
			fprintf(f, "errno %s", name);
		else
			fprintf(f, "errno %d", errnum);
	}
}

static void format_number(uint64_t v, FILE *f)
{
	if (v < 10)
		fprintf(f, "%llu", (unsigned long long)v);
	else
		fprintf(f, "0x%llx", (unsigned long long)v);
}

int cell_seccomp_policy_format(const struct cell_seccomp_policy *p, FILE *f)
{
	fputs("default ", f);
	format_action(p->default_action, p->default_errnum, f);
	fputc('\n', f);
	if (p->n_arches > 0) {
		fputs("arch", f);
		for (unsigned i = 0; i < p->n_arches; i++)
			fprintf(f, " %s", cell_seccomp_arch_name(p->arches[i]));
		fputc('\n', f);
	}
	if (p->filter_flags & FLAGS_ALL)
		fprintf(f, "flag%s%s\n", p->filter_flags & CELL_SECCOMP_FLAG_LOG ? " log" : "",
			p->filter_flags & CELL_SECCOMP_FLAG_SPEC_ALLOW ? " spec-allow" : "");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cell_seccomp_rule *r = &p->rules[i];

		format_action(r->action, r->errnum, f);
		fprintf(f, " %s", r->syscall);
		for (unsigned k = 0; k < r->n_conds; k++) {
			const struct cell_seccomp_cond *cond = &r->conds[k];

			fprintf(f, " arg%u ", cond->arg);
			if (cond->op == CELL_SECCOMP_MASKED_EQ) {
				fputs("& ", f);
				format_number(cond->mask, f);
				fputs(" == ", f);
			} else {
				fprintf(f, "%s ", op_names[cond->op]);
			}
			format_number(cond->value, f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- compile (parent) and apply (child) ---- */

static uint32_t scmp_action(enum cell_seccomp_action a, int errnum, unsigned flags)
{
	if ((flags & CELL_SECCOMP_COMPILE_LOG) && a != CELL_SECCOMP_ALLOW)
		return SCMP_ACT_LOG;
	switch (a) {
	case CELL_SECCOMP_ALLOW:
		return SCMP_ACT_ALLOW;
	case CELL_SECCOMP_ERRNO:
		return SCMP_ACT_ERRNO((uint32_t)errnum);
	case CELL_SECCOMP_LOG:
		return SCMP_ACT_LOG;
	case CELL_SECCOMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case CELL_SECCOMP_TRAP:
		return SCMP_ACT_TRAP;
	case CELL_SECCOMP_TRACE:
		return SCMP_ACT_TRACE((uint32_t)errnum);
	case CELL_SECCOMP_KILL:
	default:
		return SCMP_ACT_KILL_PROCESS;
	}
}

static const enum scmp_compare scmp_ops[CELL_SECCOMP_OP_MAX] = {
	[CELL_SECCOMP_EQ] = SCMP_CMP_EQ, [CELL_SECCOMP_NE] = SCMP_CMP_NE,
	[CELL_SECCOMP_LT] = SCMP_CMP_LT, [CELL_SECCOMP_LE] = SCMP_CMP_LE,
	[CELL_SECCOMP_GT] = SCMP_CMP_GT, [CELL_SECCOMP_GE] = SCMP_CMP_GE,
	[CELL_SECCOMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static void release_ctx(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* libseccomp writes the program to a file descriptor; a memfd keeps it in
 * memory. */
static int export_bpf(scmp_filter_ctx ctx, struct cell_seccomp_prog *ret, struct cell_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct stat st;
	size_t size;
	ssize_t n;
	int r;

	fd = memfd_create("cell-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return cell_fail(err, errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return cell_fail(err, -r, "seccomp: export the filter");
	if (fstat(fd, &st) < 0)
		return cell_fail(err, errno, "seccomp: export the filter");
	size = (size_t)st.st_size;
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return cell_fail(err, EINVAL, "seccomp: exported filter has %zu bytes", size);
	if (size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cell_fail(err, E2BIG,
				 "seccomp: the policy needs %zu instructions, more than the "
				 "kernel's %d",
				 size / sizeof(struct sock_filter), BPF_MAXINSNS);
	insns = malloc(size);
	if (!insns)
		return cell_fail(err, ENOMEM, "seccomp");
	n = pread(fd, insns, size, 0);
	if (n != (ssize_t)size)
		return cell_fail(err, n < 0 ? errno : EIO, "seccomp: read the exported filter");
	ret->insns = TAKE_PTR(insns);
	ret->len = (unsigned short)(size / sizeof(struct sock_filter));
	return 0;
}

int cell_seccomp_compile(const struct cell_seccomp_policy *p, unsigned flags,
			 struct cell_seccomp_prog *ret, struct cell_err *err)
{
	_cleanup_(release_ctx) scmp_filter_ctx ctx = NULL;
	uint32_t def = scmp_action(p->default_action, p->default_errnum, flags);
	int r;

	*ret = (struct cell_seccomp_prog){ 0 };
	if (p->filter_flags & ~FLAGS_ALL)
		return cell_fail(err, EINVAL, "seccomp: unknown filter flags 0x%x",
				 p->filter_flags & ~FLAGS_ALL);
	/* seccomp_init adds the native architecture only: every other
	 * architecture, including x32 on x86-64, meets the bad-arch action
	 * unless the policy adds it. */
	ctx = seccomp_init(def);
	if (!ctx)
		return cell_fail(err, ENOMEM, "seccomp_init");
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return cell_fail(err, -r, "seccomp: bad-architecture action");
	/* Before the rules: libseccomp adds each rule to every architecture
	 * the filter has at that time. */
	for (unsigned i = 0; i < p->n_arches; i++) {
		r = seccomp_arch_add(ctx, p->arches[i]);
		if (r < 0 && r != -EEXIST)
			return cell_fail(err, -r, "seccomp: add architecture %s",
					 cell_seccomp_arch_name(p->arches[i]) ?: "?");
	}
	/* A binary tree of syscall numbers instead of a linear list: fewer
	 * instructions run per system call. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		return cell_fail(err, -r, "seccomp: optimize attribute");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cell_seccomp_rule *rule = &p->rules[i];
		struct scmp_arg_cmp cmp[CELL_SECCOMP_ARGS];
		uint32_t act = scmp_action(rule->action, rule->errnum, flags);
		int nr = seccomp_syscall_resolve_name(rule->syscall);

		if (nr == __NR_SCMP_ERROR)
			return cell_fail(err, EINVAL, "seccomp: unknown system call '%s'",
					 rule->syscall);
		/* Same as the default: nothing to add (libseccomp refuses it). */
		if (act == def)
			continue;
		for (unsigned k = 0; k < rule->n_conds; k++) {
			const struct cell_seccomp_cond *cond = &rule->conds[k];

			cmp[k] = (struct scmp_arg_cmp){
				.arg = cond->arg,
				.op = scmp_ops[cond->op],
				.datum_a = cond->op == CELL_SECCOMP_MASKED_EQ ? cond->mask
									  : cond->value,
				.datum_b = cond->op == CELL_SECCOMP_MASKED_EQ ? cond->value : 0,
			};
		}
		/* A syscall this architecture lacks (vm86 on x86-64) is a
		 * negative pseudo number that libseccomp skips. */
		r = seccomp_rule_add_array(ctx, act, nr, rule->n_conds, cmp);
		/* Only a policy that keeps every rule (an OCI config's) can have
		 * two rules with the same conditions: libseccomp cannot choose
		 * between their actions, and neither can we. */
		if (r == -EEXIST)
			return cell_fail(err, EINVAL,
					 "seccomp: %s: two rules with the same conditions and "
					 "different actions",
					 rule->syscall);
		if (r < 0)
			return cell_fail(err, -r, "seccomp: rule for %s", rule->syscall);
	}
	r = export_bpf(ctx, ret, err);
	if (r < 0)
		return r;
	ret->flags = p->filter_flags;
	return 0;
}

void cell_seccomp_prog_free(struct cell_seccomp_prog *prog)
{
	if (prog) {
		free(prog->insns);
		*prog = (struct cell_seccomp_prog){ 0 };
	}
}

int cell_seccomp_apply(const struct cell_seccomp_prog *prog, struct cell_err *err)
{
	struct sock_fprog fprog = { .len = prog->len, .filter = prog->insns };

	if (prog->len == 0)
		return 0;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog) < 0) {
		if (errno == EACCES)
			return cell_fail(err, EACCES,
					 "load the seccomp filter: no_new_privs is not set");
		/* No fallback without the flags (crun has one): the policy
		 * asked for them. */
		if (errno == EINVAL && prog->flags)
			return cell_fail(err, EINVAL,
					 "load the seccomp filter with flags 0x%x (LOG needs Linux "
					 "4.14, SPEC_ALLOW 4.17)",
					 prog->flags);
		return cell_fail(err, errno, "load the seccomp filter");
	}
	return 0;
}
