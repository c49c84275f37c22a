/* ociseccomp.h - an OCI config's linux.seccomp as a cell seccomp policy.
 *
 * opencontainers/runtime-spec config-linux.md, "Seccomp"; seccomp(2),
 * seccomp_rule_add(3).  Pure: JSON in, struct cell_seccomp_policy out
 * (compile it with cell_seccomp_compile, which also gives the program its
 * seccomp(2) flags).  The spec names libseccomp's constants; they mean what
 * libseccomp and the kernel make of them:
 *
 *   defaultAction     required; an action below.
 *   defaultErrnoRet   the errno of SCMP_ACT_ERRNO, the data of SCMP_ACT_TRACE;
 *                     EPERM when absent.  With any other action it is an
 *                     error (the spec: "the runtime MUST print an error and
 *                     fail"; crun does, runc ignores it).
 *   architectures     SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32,
 *                     SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, ...: filtered as well
 *                     as the native architecture (always there, as in runc
 *                     and crun); any other one kills the process.
 *   flags             SECCOMP_FILTER_FLAG_LOG and _SPEC_ALLOW go to seccomp(2);
 *                     _TSYNC changes nothing (the process is single-threaded
 *                     when it loads the filter; runc ignores it too);
 *                     _WAIT_KILLABLE_RECV is accepted and dropped: it only
 *                     changes how a listener's notifications wait, cell makes
 *                     no listener (no SCMP_ACT_NOTIFY), and the kernel refuses
 *                     it without one (EINVAL).  Unknown flags are errors.  No
 *                     flags means none (crun adds SPEC_ALLOW then; the spec
 *                     does not).
 *   listenerPath      only for SCMP_ACT_NOTIFY, which cell refuses; the spec
 *                     says the value "is ignored" when no rule notifies, so
 *                     it is only checked to be a string.
 *   listenerMetadata  a string; an error without listenerPath (the spec: MUST
 *                     NOT be set then).
 *   syscalls[]        names (required, at least one), action (required),
 *                     errnoRet, args[] {index 0..5, value, valueTwo, op}.
 *
 * Actions: SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL (libseccomp's
 * SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD: only the calling thread dies),
 * SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE
 * (errnoRet is the tracer's PTRACE_GETEVENTMSG data, 0..65535; EPERM when
 * absent, as the spec and runc have it), SCMP_ACT_LOG.  SCMP_ACT_NOTIFY is
 * refused: cell has no seccomp agent support.  The errno of SCMP_ACT_ERRNO
 * is 0..4095 (the kernel's MAX_ERRNO; 0 makes the call return 0 without
 * running it).
 *
 * Operators: SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT on the 64-bit argument
 * and value; SCMP_CMP_MASKED_EQ is (arg & value) == valueTwo, libseccomp's
 * order (value is the mask).  valueTwo is ignored by the other operators.
 *
 * The rules: every rule is added, in order (cell_seccomp_policy_append;
 * libseccomp settles overlaps, see seccomp.h), except those whose action is
 * the default action, which change nothing (libseccomp refuses them).  A
 * rule applies to each of its names.  Names libseccomp does not know are
 * skipped, as runc and crun do: profiles list the calls of other
 * architectures and newer kernels.  A name that is not a C identifier is an
 * error.  The args of one rule must all hold, but libseccomp compares each
 * argument once per rule: when an index appears twice, the rule becomes one
 * rule per arg (any one of them holding is enough), as runc and crun do.
 *
 * JSON null counts as absent, as in Go's decoder; members the spec does not
 * define (podman's archMap, includes, excludes, comment) are ignored, as
 * the spec requires.  Numbers must be JSON integers >= 0; uint64 values
 * above INT64_MAX, which jansson's own parser refuses, come through
 * cell_oci_json_load() (ociconfig.h), as cell_oci_seccomp_policy_parse()
 * reads the text.
 *
 * Errors name the JSON path: ".linux.seccomp.syscalls[3].action: unknown
 * action \"SCMP_ACT_FOO\"".
 */
#ifndef CELL_FRONT_OCISECCOMP_H
#define CELL_FRONT_OCISECCOMP_H

#include <jansson.h>

#include "../lib/err.h"
#include "../lib/seccomp.h"

/* Convert linux.seccomp, a tree from cell_oci_json_load() (or any
 * jansson tree without integers above INT64_MAX).  seccomp NULL or JSON
 * null: *ret = NULL (no filter).  On failure *ret is left alone. */
int cell_oci_seccomp_policy(const json_t *seccomp, struct cell_seccomp_policy **ret,
			    struct cell_err *err);

/* The same from JSON text (struct cell_oci_config's seccomp_json; NULL: no
 * filter). */
int cell_oci_seccomp_policy_parse(const char *text, struct cell_seccomp_policy **ret,
				  struct cell_err *err);

#endif
