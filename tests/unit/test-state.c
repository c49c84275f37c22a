/* test-state.c - unit tests for src/lib/state.c: sandbox names, the
 * record's JSON round trip and its checks, and the lock protocol on a
 * private temporary directory (claim, exists, exited, dead, gc, rm).
 *
 * Open file description locks conflict between two open files even in one
 * process, so one test process can play two supervisors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/state.h"

static void test_names(void **state)
{
	static const char *const good[] = {
		"a", "web", "web-1", "A_b.c-D", "..a", "a..", ".x", "-", "_", "0",
		"1234567890123456789012345678901234567890123456789012345678901234", /* 64 */
	};
	static const char *const bad[] = {
		"", ".", "..", "a/b", "/", "a b", "a\tb", "a\nb", "ä", "a:b", "a*", "$x", "a;b",
		"12345678901234567890123456789012345678901234567890123456789012345", /* 65 */
	};
	struct cell_err err = { 0 };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(cell_state_name_check(good[i], &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(cell_state_name_check(bad[i], &err), -EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	/* the message names the culprit */
	cell_state_name_check("a/b", &err);
	assert_non_null(strstr(err.msg, "'a/b'"));
}

static void full_record(struct cell_state_record *r)
{
	static char *argv[] = { "/bin/sh", "-c", "echo \"hi\" \\ there", NULL };
	static char *env[] = { "PATH=/usr/bin:/bin", "HOME=/tmp", "X=a=b", NULL };
	static char *lim[] = { "nofile=1024:4096", NULL };
	static char *cg[] = { "/sys/fs/cgroup/memory/cell-1-2", "/sys/fs/cgroup/pids/cell-1-2",
			      NULL };

	cell_state_record_init(r);
	strcpy(r->name, "web.1");
	r->owner = 1001;
	r->supervisor = (struct cell_state_proc){ 4242, 123456789012ull };
	r->init = (struct cell_state_proc){ 4243, 123456789013ull };
	r->created = 1700000000;
	r->ns = CELL_NS_DEFAULT | CELL_NS_BIT(CELL_NS_TIME);
	r->root_mode = CELL_ROOT_DIR;
	r->root = strdup("/srv/root");
	r->net = strdup("veth:10.0.0.2/24");
	r->n_uid_map = 2;
	r->uid_map[0] = (struct cell_idmap_line){ 0, 2130706432u, 1 };
	r->uid_map[1] = (struct cell_idmap_line){ 1, 100000, 65535 };
	r->n_gid_map = 1;
	r->gid_map[0] = (struct cell_idmap_line){ 0, 2130706432u, 65536 };
	r->set_ids = true;
	r->uid = 1000;
	r->gid = 1000;
	r->drop_groups = true;
	r->caps = 0;
	for (char **p = argv; *p; p++)
		cell_strv_push(&r->argv, *p);
	for (char **p = env; *p; p++)
		cell_strv_push(&r->env, *p);
	for (char **p = lim; *p; p++)
		cell_strv_push(&r->rlimits, *p);
	for (char **p = cg; *p; p++)
		cell_strv_push(&r->cgroups, *p);
	r->seccomp = strdup("default allow\ndeny mount\n");
	r->seccomp_bpf = strdup("IAAAAAQAAAA=");
	r->seccomp_flags = 2; /* SECCOMP_FILTER_FLAG_LOG */
	r->seccomp_log = true;
	r->log = strdup("/run/cell/web.1.log");
	r->hostname = strdup("web");
	r->domainname = strdup("example.org");
	r->workdir = strdup("/srv/web");
	r->exited = true;
	r->exit_status = 137;
	r->kept[CELL_NS_NET] = strdup("/run/cell/web.1.ns/net");
	r->kept[CELL_NS_UTS] = strdup("/run/cell/web.1.ns/uts");
}

static void assert_strv_equal(char **a, char **b)
{
	size_t i = 0;

	for (; a && b && a[i] && b[i]; i++)
		assert_string_equal(a[i], b[i]);
	assert_true((!a || !a[i]) && (!b || !b[i]));
}

static void assert_records_equal(const struct cell_state_record *a,
				 const struct cell_state_record *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->owner, b->owner);
	assert_int_equal(a->supervisor.pid, b->supervisor.pid);
	assert_true(a->supervisor.start_time == b->supervisor.start_time);
	assert_int_equal(a->init.pid, b->init.pid);
	assert_true(a->init.start_time == b->init.start_time);
	assert_true(a->created == b->created);
	assert_int_equal(a->ns, b->ns);
	assert_int_equal(a->root_mode, b->root_mode);
	if (a->root || b->root)
		assert_string_equal(a->root, b->root);
	assert_string_equal(a->net, b->net);
	assert_int_equal(a->n_uid_map, b->n_uid_map);
	assert_int_equal(a->n_gid_map, b->n_gid_map);
	assert_memory_equal(a->uid_map, b->uid_map, a->n_uid_map * sizeof(a->uid_map[0]));
	assert_memory_equal(a->gid_map, b->gid_map, a->n_gid_map * sizeof(a->gid_map[0]));
	assert_int_equal(a->set_ids, b->set_ids);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->gid, b->gid);
	assert_int_equal(a->drop_groups, b->drop_groups);
	assert_true(a->caps == b->caps);
	assert_strv_equal(a->argv, b->argv);
	assert_strv_equal(a->env, b->env);
	assert_strv_equal(a->rlimits, b->rlimits);
	assert_strv_equal(a->cgroups, b->cgroups);
	if (a->seccomp || b->seccomp)
		assert_string_equal(a->seccomp, b->seccomp);
	if (a->seccomp_bpf || b->seccomp_bpf)
		assert_string_equal(a->seccomp_bpf, b->seccomp_bpf);
	assert_int_equal(a->seccomp_log, b->seccomp_log);
	assert_int_equal(a->seccomp_flags, b->seccomp_flags);
	assert_int_equal(a->landlock, b->landlock);
	if (a->log || b->log)
		assert_string_equal(a->log, b->log);
	if (a->hostname || b->hostname)
		assert_string_equal(a->hostname, b->hostname);
	if (a->domainname || b->domainname)
		assert_string_equal(a->domainname, b->domainname);
	if (a->workdir || b->workdir)
		assert_string_equal(a->workdir, b->workdir);
	assert_int_equal(a->exited, b->exited);
	assert_int_equal(a->exit_status, b->exit_status);
	for (int t = 0; t < CELL_NS_MAX; t++) {
		assert_int_equal(!!a->kept[t], !!b->kept[t]);
		if (a->kept[t])
			assert_string_equal(a->kept[t], b->kept[t]);
	}
}

static void test_json_round_trip(void **state)
{
	struct cell_state_record a, b, c;
	struct cell_err err = { 0 };
	char *text = NULL, *again = NULL;

	full_record(&a);
	assert_int_equal(cell_state_record_to_json(&a, &text), 0);
	assert_int_equal(cell_state_record_from_json(text, strlen(text), &b, &err), 0);
	assert_records_equal(&a, &b);
	/* printing the parsed record gives the same text */
	assert_int_equal(cell_state_record_to_json(&b, &again), 0);
	assert_string_equal(text, again);
	free(text);
	free(again);
	cell_state_record_clear(&b);

	/* a running sandbox: no exit status, nothing kept, default root */
	cell_state_record_clear(&a);
	cell_state_record_init(&c);
	strcpy(c.name, "x");
	c.net = strdup("none");
	cell_strv_push(&c.argv, "true");
	assert_int_equal(cell_state_record_to_json(&c, &text), 0);
	assert_non_null(strstr(text, "\"exit_status\": null"));
	assert_int_equal(cell_state_record_from_json(text, strlen(text), &b, &err), 0);
	assert_records_equal(&c, &b);
	assert_false(b.exited);
	assert_null(b.root);
	assert_null(b.hostname);
	assert_null(b.workdir);
	free(text);
	cell_state_record_clear(&b);
	cell_state_record_clear(&c);
}

static void test_json_bad(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"{\"version\": 1}",				     /* no name */
		"{\"version\": 2, \"name\": \"a\"}",		     /* future */
		"{\"name\": \"a\"}",				     /* no version */
		"{\"version\": 1, \"name\": \"a/b\"}",
		"{\"version\": 1, \"name\": \"a\", \"name\": \"b\"}", /* duplicate key */
		"{\"version\": 1, \"name\": \"a\", \"command\": \"ls\"}",
		"{\"version\": 1, \"name\": \"a\", \"command\": [1]}",
		"{\"version\": 1, \"name\": \"a\", \"namespaces\": [\"bogus\"]}",
		"{\"version\": 1, \"name\": \"a\", \"supervisor\": {\"pid\": -1}}",
		"{\"version\": 1, \"name\": \"a\", \"init\": {\"pid\": \"1\"}}",
		"{\"version\": 1, \"name\": \"a\", \"uid_map\": [[0, 1]]}",
		"{\"version\": 1, \"name\": \"a\", \"uid_map\": [[0,1,1],[0,1,1],[0,1,1],[0,1,1]]}",
		"{\"version\": 1, \"name\": \"a\", \"exit_status\": 256}",
		"{\"version\": 1, \"name\": \"a\", \"exit_status\": \"0\"}",
		"{\"version\": 1, \"name\": \"a\", \"root\": {\"mode\": \"weird\"}}",
		"{\"version\": 1, \"name\": \"a\", \"kept\": {\"bogus\": \"/x\"}}",
		"{\"version\": 1, \"name\": \"a\", \"identity\": {\"uid\": 0}}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cell_state_record r;
		struct cell_err err = { 0 };

		if (cell_state_record_from_json(bad[i], strlen(bad[i]), &r, &err) == 0)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err.msg[0] != '\0');
		/* nothing to free, nothing left half-filled */
		assert_null(r.argv);
		assert_null(r.net);
	}
}

/* The compiled filter survives the record byte for byte, at every length
 * modulo 3 of its bytes; malformed text is refused. */
static void test_bpf(void **state)
{
	static const char *const bad[] = {
		"A", "AAA", "AAAA", "!!!!!!!!!!!!", "AAAA=AAAAAAA", "AA=A", "AAAAAAAAAAA=AAAA",
		"AAAAAAAAAA==", /* 7 bytes: not whole instructions */
	};

	for (unsigned n = 1; n <= 7; n++) {
		struct cell_state_record r;
		struct cell_seccomp_prog in = { 0 }, out;
		unsigned char *bytes = malloc(n * 8);

		for (unsigned i = 0; i < n * 8; i++)
			bytes[i] = (unsigned char)(i * 37 + n);
		in.insns = bytes;
		in.len = (unsigned short)n;
		in.flags = n & 1 ? 2 : 4; /* LOG, SPEC_ALLOW: they travel with it */
		cell_state_record_init(&r);
		assert_int_equal(cell_state_record_set_bpf(&r, &in), 0);
		assert_non_null(r.seccomp_bpf);
		assert_int_equal(strlen(r.seccomp_bpf), (n * 8 + 2) / 3 * 4);
		assert_int_equal(cell_state_record_get_bpf(&r, &out), 0);
		assert_int_equal(out.len, n);
		assert_int_equal(out.flags, in.flags);
		assert_memory_equal(out.insns, bytes, n * 8);
		cell_seccomp_prog_free(&out);
		cell_state_record_clear(&r);
		free(bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cell_state_record r;
		struct cell_seccomp_prog out;

		cell_state_record_init(&r);
		r.seccomp_bpf = strdup(bad[i]);
		if (cell_state_record_get_bpf(&r, &out) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_null(out.insns);
		cell_state_record_clear(&r);
	}
	{
		/* none recorded: an empty program */
		struct cell_state_record r;
		struct cell_seccomp_prog none = { 0 }, out;

		cell_state_record_init(&r);
		assert_int_equal(cell_state_record_set_bpf(&r, &none), 0);
		assert_null(r.seccomp_bpf);
		assert_int_equal(cell_state_record_get_bpf(&r, &out), 0);
		assert_int_equal(out.len, 0);
	}
}

/* ---- the directory, on a temporary one ---- */

static char dir[] = "/tmp/cell-test-state.XXXXXX";

static int setup_dir(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	setenv("CELL_STATE_DIR", dir, 1);
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_record(struct cell_state *st, const char *name)
{
	struct cell_state_record r;
	struct cell_err err = { 0 };

	cell_state_record_init(&r);
	strcpy(r.name, name);
	r.net = strdup("none");
	cell_strv_push(&r.argv, "true");
	assert_int_equal(cell_state_record_set_self(&r, &err), 0);
	assert_int_equal(cell_state_write(st, &r, &err), 0);
	cell_state_record_clear(&r);
}

static bool exists(const char *file)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static void test_claim(void **state)
{
	struct cell_state st;
	struct cell_state_record r;
	struct cell_err err = { 0 };
	int a, b;

	assert_int_equal(cell_state_open(&st, true, &err), 0);
	a = cell_state_claim(&st, "one", &err);
	assert_true(a >= 0);
	/* a second claim, while the first holder lives */
	b = cell_state_claim(&st, "one", &err);
	assert_int_equal(b, -EEXIST);
	assert_string_equal(err.msg, "a sandbox with that name exists");
	assert_int_equal(cell_state_lock_held(&st, "one"), 1);
	write_record(&st, "one");
	assert_int_equal(cell_state_read(&st, "one", &r, &err), 0);
	assert_int_equal(cell_state_status(&st, &r), CELL_STATE_STARTING);
	/* the holder may not be removed */
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_state_remove(&st, "one", &err), -EBUSY);
	/* it exits with status 3: exited, kept by gc, the name still taken */
	assert_int_equal(cell_state_finish(&st, &r, 3, a, &err), 0);
	cell_state_record_clear(&r);
	assert_int_equal(cell_state_lock_held(&st, "one"), 0);
	assert_int_equal(cell_state_gc(&st, NULL, &err), 0);
	assert_int_equal(cell_state_read(&st, "one", &r, &err), 0);
	assert_int_equal(cell_state_status(&st, &r), CELL_STATE_EXITED);
	assert_int_equal(r.exit_status, 3);
	cell_state_record_clear(&r);
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_state_claim(&st, "one", &err), -EEXIST);
	assert_non_null(strstr(err.msg, "exited"));
	/* rm frees the name */
	assert_int_equal(cell_state_remove(&st, "one", &err), 0);
	assert_false(exists("one.json"));
	assert_false(exists("one.lock"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_state_remove(&st, "one", &err), -ENOENT);
	a = cell_state_claim(&st, "one", &err);
	assert_true(a >= 0);
	close(a);
	/* a claim that died before it wrote a record leaves only the lock */
	assert_int_equal(cell_state_remove(&st, "one", &err), 0);
	assert_false(exists("one.lock"));
	cell_state_close(&st);
}

static void test_gc_dead(void **state)
{
	struct cell_state st;
	struct cell_state_record r;
	struct cell_err err = { 0 };
	char **removed = NULL, path[256];
	int a, live;

	assert_int_equal(cell_state_open(&st, true, &err), 0);
	/* a supervisor that "dies": the lock goes, no exit mark */
	a = cell_state_claim(&st, "dead", &err);
	assert_true(a >= 0);
	write_record(&st, "dead");
	close(a);
	/* a live one beside it, and a writer's leftover temporary file */
	live = cell_state_claim(&st, "live", &err);
	assert_true(live >= 0);
	write_record(&st, "live");
	snprintf(path, sizeof(path), "%s/.dead.json.99999", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	/* a log */
	assert_int_equal(cell_state_read(&st, "dead", &r, &err), 0);
	assert_int_equal(cell_state_status(&st, &r), CELL_STATE_DEAD);
	assert_true(cell_state_log_open(&st, &r, &err) >= 0);
	cell_state_record_clear(&r);
	assert_true(exists("dead.log"));

	assert_int_equal(cell_state_gc(&st, &removed, &err), 0);
	assert_non_null(removed);
	assert_string_equal(removed[0], "dead");
	assert_null(removed[1]);
	cell_state_strv_free(removed);
	assert_false(exists("dead.json"));
	assert_false(exists("dead.lock"));
	assert_false(exists("dead.log"));
	assert_false(exists(".dead.json.99999"));
	assert_true(exists("live.json"));
	assert_true(exists("live.lock"));
	/* a claim of a dead name clears it */
	a = cell_state_claim(&st, "dead", &err);
	assert_true(a >= 0);
	write_record(&st, "dead");
	close(a);
	a = cell_state_claim(&st, "dead", &err);
	assert_true(a >= 0);
	assert_false(exists("dead.json"));
	close(a);
	close(live);
	assert_int_equal(cell_state_gc(&st, NULL, &err), 0);
	assert_false(exists("live.json"));
	cell_state_close(&st);
}

static void test_list(void **state)
{
	struct cell_state st;
	struct cell_err err = { 0 };
	char **names = NULL, path[256];
	int fds[3];

	assert_int_equal(cell_state_open(&st, true, &err), 0);
	fds[0] = cell_state_claim(&st, "b", &err);
	fds[1] = cell_state_claim(&st, "a.json", &err);
	fds[2] = cell_state_claim(&st, "c", &err);
	write_record(&st, "b");
	write_record(&st, "a.json");
	write_record(&st, "c");
	/* not ours: ignored */
	snprintf(path, sizeof(path), "%s/not a name.json", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	assert_int_equal(cell_state_list(&st, &names, &err), 0);
	assert_string_equal(names[0], "a.json");
	assert_string_equal(names[1], "b");
	assert_string_equal(names[2], "c");
	assert_null(names[3]);
	cell_state_strv_free(names);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	assert_int_equal(cell_state_gc(&st, NULL, &err), 0);
	assert_int_equal(cell_state_list(&st, &names, &err), 0);
	assert_null(names[0]);
	cell_state_strv_free(names);
	unlink(path);
	cell_state_close(&st);
}

/* The supervisor's calls, as the launcher makes them (no detach: that
 * forks, and is covered by tests/integ/sandbox.bats). */
static void test_run(void **state)
{
	struct cell_spec *s = cell_spec_new();
	struct cell_idmap_plan ids = { 0 };
	struct cell_state_run run, other;
	struct cell_state_record r;
	struct cell_state st;
	struct cell_err err = { 0 };
	static const char *const cg[] = { "/sys/fs/cgroup/pids/cell-1-2", NULL };

	assert_non_null(s);
	cell_strv_push(&s->argv, "/bin/true");
	s->workdir = strdup("/srv");
	ids.uid = 1000;
	ids.set_ids = true;
	assert_int_equal(cell_state_run_begin(&run, "svc", false, s, &ids, NULL, &err), 0);
	/* the name is taken from here on */
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_state_run_begin(&other, "svc", false, s, &ids, NULL, &err), -EEXIST);
	assert_string_equal(err.msg, "a sandbox with that name exists");
	assert_int_equal(cell_state_open(&st, false, &err), 0);
	assert_int_equal(cell_state_read(&st, "svc", &r, &err), 0);
	assert_int_equal(cell_state_status(&st, &r), CELL_STATE_STARTING);
	assert_int_equal(r.uid, 1000);
	assert_non_null(r.seccomp); /* the built-in policy, printed */
	/* what cell run --join needs: the uts namespace's name, the workdir */
	assert_string_equal(r.hostname, "cell");
	assert_null(r.domainname);
	assert_string_equal(r.workdir, "/srv");
	cell_state_record_clear(&r);
	/* "init" is this process: alive, with a start time */
	assert_int_equal(cell_state_run_started(&run, getpid(), cg, 0, &err), 0);
	assert_int_equal(cell_state_read(&st, "svc", &r, &err), 0);
	assert_int_equal(cell_state_status(&st, &r), CELL_STATE_RUNNING);
	assert_string_equal(r.cgroups[0], cg[0]);
	cell_state_record_clear(&r);
	assert_int_equal(cell_state_run_end(&run, 7, NULL, &err), 0);
	assert_int_equal(cell_state_read(&st, "svc", &r, &err), 0);
	assert_int_equal(cell_state_status(&st, &r), CELL_STATE_EXITED);
	assert_int_equal(r.exit_status, 7);
	cell_state_record_clear(&r);
	assert_int_equal(cell_state_remove(&st, "svc", &err), 0);
	/* a start that failed before clone: the name is free again */
	assert_int_equal(cell_state_run_begin(&run, "svc", false, s, &ids, NULL, &err), 0);
	assert_int_equal(cell_state_run_end(&run, 125, NULL, &err), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(cell_state_read(&st, "svc", &r, &err), -ENOENT);
	assert_int_equal(cell_state_run_begin(&run, "svc", false, s, &ids, NULL, &err), 0);
	assert_int_equal(cell_state_run_end(&run, 125, NULL, &err), 0);
	/* a bad name, before anything is made */
	assert_int_equal(cell_state_run_begin(&run, "a/b", false, s, &ids, NULL, &err), -EINVAL);
	cell_state_close(&st);
	cell_spec_free(s);
}

/* cell run --join opens the kept namespaces by the name, and only when
 * what is there is a namespace of the type. */
static void test_open_kept(void **state)
{
	struct cell_state_record r;
	struct cell_state st;
	struct cell_err err = { 0 };
	char path[4200];
	int fds[CELL_NS_MAX], fd;

	cell_state_record_init(&r);
	strcpy(r.name, "k");
	assert_int_equal(cell_state_open(&st, true, &err), 0);
	/* nothing kept: nothing opened */
	assert_int_equal(cell_state_open_kept(&st, &r, fds, &err), 0);
	for (int t = 0; t < CELL_NS_MAX; t++)
		assert_int_equal(fds[t], -1);
	/* recorded, never made (or removed) */
	r.kept[CELL_NS_NET] = strdup("/elsewhere/net");
	assert_true(cell_state_open_kept(&st, &r, fds, &err) < 0);
	assert_string_equal(err.msg, "the kept net namespace (k.ns/net) is gone");
	/* an empty file: what is left once the bind mount is gone */
	snprintf(path, sizeof(path), "%s/k.ns", st.path);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/k.ns/net", st.path);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0400);
	assert_true(fd >= 0);
	close(fd);
	memset(&err, 0, sizeof(err));
	assert_true(cell_state_open_kept(&st, &r, fds, &err) < 0);
	assert_non_null(strstr(err.msg, "the kept net namespace (k.ns/net) is gone: no namespace"));
	for (int t = 0; t < CELL_NS_MAX; t++)
		assert_int_equal(fds[t], -1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/k.ns", st.path);
	rmdir(path);
	cell_state_record_clear(&r);
	cell_state_close(&st);
}

static void test_path(void **state)
{
	char buf[4096], *saved = getenv("CELL_STATE_DIR") ? strdup(getenv("CELL_STATE_DIR")) : NULL;
	struct cell_err err = { 0 };

	setenv("CELL_STATE_DIR", "relative", 1);
	assert_int_equal(cell_state_path(buf, sizeof(buf), &err), -EINVAL);
	unsetenv("CELL_STATE_DIR");
	if (geteuid() == 0) {
		assert_int_equal(cell_state_path(buf, sizeof(buf), &err), 0);
		assert_string_equal(buf, "/run/cell");
	} else {
		setenv("XDG_RUNTIME_DIR", "/run/user/1234", 1);
		assert_int_equal(cell_state_path(buf, sizeof(buf), &err), 0);
		assert_string_equal(buf, "/run/user/1234/cell");
		unsetenv("XDG_RUNTIME_DIR");
		memset(&err, 0, sizeof(err));
		assert_int_equal(cell_state_path(buf, sizeof(buf), &err), -EINVAL);
		assert_non_null(strstr(err.msg, "XDG_RUNTIME_DIR"));
	}
	if (saved)
		setenv("CELL_STATE_DIR", saved, 1);
	free(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_bad),
		cmocka_unit_test(test_open_kept),
		cmocka_unit_test(test_bpf),
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_gc_dead),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests_name("state", tests, setup_dir, teardown_dir);
}
