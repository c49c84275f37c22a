/* seccache.c - compiled seccomp programs, kept for the next start (see
 * seccache.h for what is kept, where, and why it can be trusted).
 *
 * A file: "CSC1", the key's length and the key, then the program's
 * seccomp(2) flags, its length in instructions and the instructions.  Its
 * name: a 64-bit FNV-1a hash of the key without the boot id, so that a new
 * boot replaces a file instead of adding one.  Files never exist half
 * written (cell_seccache_put).
 */
#define _GNU_SOURCE
#include "seccache.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "fileio.h"
#include "state.h"

#define MAGIC "CSC1"
#define BOOT_ID_LEN 36
#define FILE_MAX (1u << 20)

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		char *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u32(struct buf *b, uint32_t v)
{
	put(b, &v, sizeof(v));
}

static void put_u64(struct buf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

struct build_id {
	const unsigned char *id;
	size_t len;
};

/* The running binary's GNU build id (ld --build-id): it changes whenever
 * cell's code, or the libseccomp linked into it, does. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
	struct build_id *bid = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
			const char *name = p + sizeof(*nh);
			const char *desc = name + ((nh->n_namesz + 3) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && nh->n_descsz > 0) {
				bid->id = (const unsigned char *)desc;
				bid->len = nh->n_descsz;
				return 1;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1; /* the first object is the program itself: stop there */
}

static bool read_boot_id(char id[BOOT_ID_LEN])
{
	char buf[64];
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	if (fd >= 0)
		close(fd);
	if (n < BOOT_ID_LEN)
		return false;
	memcpy(id, buf, BOOT_ID_LEN);
	return true;
}

/* The key: what made the program (this binary, libseccomp), the compile
 * flags, then the policy (p), or the built-in policy's relaxations (p NULL),
 * and last the boot. */
static char *make_key(const struct cell_seccomp_policy *p, unsigned compile_flags, unsigned relax,
		      size_t *ret_len)
{
	struct build_id bid = { 0 };
	struct buf b = { 0 };
	char boot[BOOT_ID_LEN];

	dl_iterate_phdr(find_build_id, &bid);
	if (!bid.len || !read_boot_id(boot))
		return NULL;
	put(&b, "cell-seccomp-cache 1", 21);
	put_u32(&b, (uint32_t)bid.len);
	put(&b, bid.id, bid.len);
	put_u32(&b, SCMP_VER_MAJOR);
	put_u32(&b, SCMP_VER_MINOR);
	put_u32(&b, SCMP_VER_MICRO);
	put_u32(&b, compile_flags);
	if (!p) {
		put(&b, "built-in", 9);
		put_u32(&b, relax);
		goto boot;
	}
	put(&b, "policy", 7);
	put_u32(&b, (uint32_t)p->default_action);
	put_u32(&b, (uint32_t)p->default_errnum);
	put_u32(&b, p->n_arches);
	for (unsigned i = 0; i < p->n_arches; i++)
		put_u32(&b, p->arches[i]);
	put_u32(&b, p->filter_flags);
	put_u64(&b, p->n_rules);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cell_seccomp_rule *r = &p->rules[i];

		put(&b, r->syscall, strnlen(r->syscall, sizeof(r->syscall)));
		put(&b, "", 1);
		put_u32(&b, (uint32_t)r->action);
		put_u32(&b, (uint32_t)r->errnum);
		put_u32(&b, r->n_conds);
		for (unsigned k = 0; k < r->n_conds && k < CELL_SECCOMP_ARGS; k++) {
			put_u32(&b, r->conds[k].arg);
			put_u32(&b, (uint32_t)r->conds[k].op);
			put_u64(&b, r->conds[k].mask);
			put_u64(&b, r->conds[k].value);
		}
	}
boot:
	put(&b, boot, BOOT_ID_LEN); /* last: the name leaves it out */
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*ret_len = b.len;
	return b.p;
}

char *cell_seccache_key(const struct cell_seccomp_policy *p, unsigned compile_flags,
			size_t *ret_len)
{
	return make_key(p, compile_flags, 0, ret_len);
}

char *cell_seccache_key_builtin(unsigned compile_flags, unsigned relax, size_t *ret_len)
{
	return make_key(NULL, compile_flags, relax, ret_len);
}

static void file_name(const char *key, size_t len, char name[32])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i + BOOT_ID_LEN < len; i++)
		h = (h ^ (unsigned char)key[i]) * 0x100000001b3ull;
	snprintf(name, 32, "%016llx.bpf", (unsigned long long)h);
}

/* dir, when it is a directory of ours that nobody else may enter */
static int open_private_dir(const char *dir)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return -1;
	}
	return fd;
}

int cell_seccache_get(const char *dir, const char *key, size_t key_len,
		      struct cell_seccomp_prog *prog)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ char *data = NULL;
	char name[32];
	struct stat st;
	uint32_t klen, flags, n;
	size_t len, off;

	*prog = (struct cell_seccomp_prog){ 0 };
	dfd = open_private_dir(dir);
	if (dfd < 0)
		return 0;
	file_name(key, key_len, name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size > FILE_MAX)
		return 0;
	data = cell_read_fd(fd, FILE_MAX, &len);
	if (!data || len < 8 || memcmp(data, MAGIC, 4) != 0)
		return 0;
	memcpy(&klen, data + 4, 4);
	off = 8;
	if (klen != key_len || len - off < klen || memcmp(data + off, key, klen) != 0)
		return 0;
	off += klen;
	if (len - off < 8)
		return 0;
	memcpy(&flags, data + off, 4);
	memcpy(&n, data + off + 4, 4);
	off += 8;
	if (n == 0 || n > BPF_MAXINSNS || len - off != (size_t)n * sizeof(struct sock_filter))
		return 0;
	prog->insns = malloc(len - off);
	if (!prog->insns)
		return 0;
	memcpy(prog->insns, data + off, len - off);
	prog->len = (unsigned short)n;
	prog->flags = flags;
	return 1;
}

/* At most KEEP_MAX programs stay: a new binary (each build has its own
 * key) or many policy files would otherwise only add files until the next
 * boot empties the directory.  Past that, the least recently written go. */
#define KEEP_MAX 64

static void trim(int dfd)
{
	struct {
		char name[32];
		struct timespec mtime;
	} files[KEEP_MAX + 16];
	size_t n = 0;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) && n < ELEMENTSOF(files)) {
		size_t len = strlen(de->d_name);
		struct stat st;

		if (len < 5 || len >= sizeof(files[0].name) || strcmp(de->d_name + len - 4, ".bpf") ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		memcpy(files[n].name, de->d_name, len + 1);
		files[n].mtime = st.st_mtim;
		n++;
	}
	closedir(d);
	while (n > KEEP_MAX) {
		size_t old = 0;

		for (size_t i = 1; i < n; i++)
			if (files[i].mtime.tv_sec < files[old].mtime.tv_sec ||
			    (files[i].mtime.tv_sec == files[old].mtime.tv_sec &&
			     files[i].mtime.tv_nsec < files[old].mtime.tv_nsec))
				old = i;
		(void)unlinkat(dfd, files[old].name, 0);
		files[old] = files[--n];
	}
}

void cell_seccache_put(const char *dir, const char *key, size_t key_len,
		       const struct cell_seccomp_prog *prog)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char name[32], tmp[64];
	struct buf b = { 0 };
	uint32_t v;

	if (!prog->len || key_len > UINT32_MAX)
		return;
	if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
		/* the state directory itself, as cell_state_open makes it */
		char parent[4096];
		char *slash;

		snprintf(parent, sizeof(parent), "%s", dir);
		slash = strrchr(parent, '/');
		if (!slash || slash == parent)
			return;
		*slash = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST)
			return;
		(void)mkdir(dir, 0700);
	}
	dfd = open_private_dir(dir);
	if (dfd < 0)
		return;
	put(&b, MAGIC, 4);
	v = (uint32_t)key_len;
	put_u32(&b, v);
	put(&b, key, key_len);
	put_u32(&b, prog->flags);
	put_u32(&b, prog->len);
	put(&b, prog->insns, (size_t)prog->len * sizeof(struct sock_filter));
	if (b.oom)
		goto out;
	file_name(key, key_len, name);
	/* Written nameless (O_TMPFILE), then linked in whole: a cell killed
	 * at any point leaves either no file or a complete one.  The old file
	 * goes first; a writer that links between loses EEXIST, and its file
	 * would have been the same. */
	fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, b.p, b.len) != (ssize_t)b.len)
		goto out;
	snprintf(tmp, sizeof(tmp), "/proc/self/fd/%d", fd);
	(void)unlinkat(dfd, name, 0);
	if (linkat(AT_FDCWD, tmp, dfd, name, AT_SYMLINK_FOLLOW) == 0)
		trim(dfd);
out:
	free(b.p);
}

/* The cache's directory; false when there is none (no state directory). */
static bool cache_dir(char dir[4096])
{
	struct cell_err ignored = { 0 };

	if (cell_state_path(dir, 4096 - 8, &ignored) < 0)
		return false;
	strcat(dir, "/seccomp");
	return true;
}

/* The built-in policy with its relaxations: what plan_seccomp made before
 * the cache deferred it. */
static int compile_builtin(unsigned flags, unsigned relax, struct cell_seccomp_prog *ret,
			   struct cell_err *err)
{
	_cleanup_(cell_seccomp_policy_freep) struct cell_seccomp_policy *p = NULL;
	int r = cell_seccomp_policy_resolve(NULL, &p, err);

	if (r == 0)
		r = cell_seccomp_policy_relax(p, relax, err);
	return r < 0 ? r : cell_seccomp_compile(p, flags, ret, err);
}

/* Either policy through the cache: p, or the built-in one when p is NULL. */
static int compile_cached(const struct cell_seccomp_policy *p, unsigned flags, unsigned relax,
			  struct cell_seccomp_prog *ret, struct cell_err *err)
{
	_cleanup_free_ char *key = NULL;
	char dir[4096];
	size_t key_len = 0;
	bool have_dir = cache_dir(dir);
	int r;

	if (have_dir)
		key = make_key(p, flags, relax, &key_len);
	if (key && cell_seccache_get(dir, key, key_len, ret) == 1)
		return 0;
	r = p ? cell_seccomp_compile(p, flags, ret, err) : compile_builtin(flags, relax, ret, err);
	if (r == 0 && key)
		cell_seccache_put(dir, key, key_len, ret);
	return r;
}

int cell_seccomp_compile_cached(const struct cell_seccomp_policy *p, unsigned flags,
				struct cell_seccomp_prog *ret, struct cell_err *err)
{
	return compile_cached(p, flags, 0, ret, err);
}

int cell_seccomp_builtin_cached(unsigned flags, unsigned relax, struct cell_seccomp_prog *ret,
				struct cell_err *err)
{
	return compile_cached(NULL, flags, relax, ret, err);
}
