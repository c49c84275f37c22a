/* elf.c - ELF program headers and the dynamic section, and #! lines.
 *
 * elf(5): the loader path is the PT_INTERP segment; the libraries are the
 * DT_NEEDED entries of the PT_DYNAMIC segment, whose strings live in the
 * DT_STRTAB table.  DT_STRTAB is a virtual address, so it is turned into a
 * file offset through the PT_LOAD segment that maps it.  Section headers
 * are not used: strip(1) may remove them, the loader never reads them.
 * Every read goes through in_bounds(), since the bytes come from any file.
 */
#define _GNU_SOURCE
#include "elf.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

struct reader {
	const uint8_t *p;
	size_t len;
	bool msb, is64;
};

static bool in_bounds(const struct reader *r, uint64_t off, uint64_t n)
{
	return off <= r->len && n <= r->len - off;
}

static uint64_t rd(const struct reader *r, uint64_t off, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned shift = r->msb ? 8 * (n - 1 - i) : 8 * i;

		v |= (uint64_t)r->p[off + i] << shift;
	}
	return v;
}

/* A word of the file's class: 4 or 8 bytes. */
static unsigned wsz(const struct reader *r)
{
	return r->is64 ? 8 : 4;
}

bool cell_elf_magic(const void *buf, size_t len)
{
	return len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

struct seg {
	uint64_t offset, vaddr, filesz;
};

/* File offset of virtual address addr through the PT_LOAD segments. */
static bool vaddr_to_off(const struct seg *loads, size_t n, uint64_t addr, uint64_t *ret,
			 uint64_t *ret_avail)
{
	for (size_t i = 0; i < n; i++)
		if (addr >= loads[i].vaddr && addr - loads[i].vaddr < loads[i].filesz) {
			*ret = loads[i].offset + (addr - loads[i].vaddr);
			*ret_avail = loads[i].filesz - (addr - loads[i].vaddr);
			return true;
		}
	return false;
}

/* A NUL-terminated string at off, inside [off, off + max). */
static char *dup_str(const struct reader *r, uint64_t off, uint64_t max)
{
	const char *s, *nul;

	if (!in_bounds(r, off, 0))
		return NULL;
	if (max > r->len - off)
		max = r->len - off;
	s = (const char *)r->p + off;
	nul = memchr(s, '\0', max);
	if (!nul)
		return NULL;
	return strndup(s, (size_t)(nul - s));
}

void cell_elf_clear(struct cell_elf *e)
{
	if (!e)
		return;
	free(e->interp);
	for (size_t i = 0; e->needed && i < e->n_needed; i++)
		free(e->needed[i]);
	free(e->needed);
	free(e->rpath);
	free(e->runpath);
	free(e->soname);
	memset(e, 0, sizeof(*e));
}

#define MAX_LOADS 64
#define MAX_NEEDED 1024

static int parse_dynamic(const struct reader *r, uint64_t doff, uint64_t dsz,
			 const struct seg *loads, size_t n_loads, struct cell_elf *e,
			 struct cell_err *err)
{
	unsigned w = wsz(r), entsz = 2 * w;
	uint64_t strtab = 0, strsz = 0, soff, avail, str_rpath = 0, str_runpath = 0,
		 str_soname = 0;
	bool has_strtab = false, has_rpath = false, has_runpath = false, has_soname = false;
	uint64_t needed[MAX_NEEDED];
	size_t n = 0;

	if (!in_bounds(r, doff, dsz))
		return cell_fail(err, ENOEXEC, "dynamic segment past the end of the file");
	for (uint64_t off = doff; off + entsz <= doff + dsz; off += entsz) {
		uint64_t tag = rd(r, off, w), val = rd(r, off + w, w);

		if (tag == DT_NULL)
			break;
		switch (tag) {
		case DT_NEEDED:
			if (n == MAX_NEEDED)
				return cell_fail(err, ENOEXEC, "more than %d DT_NEEDED entries",
						 MAX_NEEDED);
			needed[n++] = val;
			break;
		case DT_STRTAB:
			strtab = val;
			has_strtab = true;
			break;
		case DT_STRSZ:
			strsz = val;
			break;
		case DT_RPATH:
			str_rpath = val;
			has_rpath = true;
			break;
		case DT_RUNPATH:
			str_runpath = val;
			has_runpath = true;
			break;
		case DT_SONAME:
			str_soname = val;
			has_soname = true;
			break;
		default:
			break;
		}
	}
	if (!has_strtab) {
		if (n || has_rpath || has_runpath || has_soname)
			return cell_fail(err, ENOEXEC, "dynamic section without DT_STRTAB");
		return 0;
	}
	if (!vaddr_to_off(loads, n_loads, strtab, &soff, &avail))
		return cell_fail(err, ENOEXEC, "DT_STRTAB outside every PT_LOAD segment");
	if (strsz == 0 || strsz > avail)
		strsz = avail;
	if (!in_bounds(r, soff, 0))
		return cell_fail(err, ENOEXEC, "string table past the end of the file");

#define STR(field, idx)                                                                            \
	do {                                                                                       \
		if ((idx) >= strsz || !((field) = dup_str(r, soff + (idx), strsz - (idx))))        \
			return cell_fail(err, ENOEXEC, "bad string offset in the dynamic section"); \
	} while (0)

	e->needed = calloc(n + 1, sizeof(char *));
	if (!e->needed)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		STR(e->needed[i], needed[i]);
		e->n_needed++;
	}
	if (has_rpath)
		STR(e->rpath, str_rpath);
	if (has_runpath)
		STR(e->runpath, str_runpath);
	if (has_soname)
		STR(e->soname, str_soname);
#undef STR
	return 0;
}

static int parse(const struct reader *r, struct cell_elf *e, struct cell_err *err)
{
	unsigned w = wsz(r);
	/* Offsets of e_phoff, e_phentsize, e_phnum in the two header layouts. */
	uint64_t phoff = rd(r, r->is64 ? 32 : 28, w);
	unsigned phentsize = (unsigned)rd(r, r->is64 ? 54 : 42, 2);
	unsigned phnum = (unsigned)rd(r, r->is64 ? 56 : 44, 2);
	struct seg loads[MAX_LOADS];
	size_t n_loads = 0;
	uint64_t dyn_off = 0, dyn_sz = 0;
	bool have_dyn = false;

	e->type = (uint16_t)rd(r, 16, 2);
	e->machine = (uint16_t)rd(r, 18, 2);
	if (phnum == PN_XNUM)
		return cell_fail(err, ENOEXEC, "extended program header count is not supported");
	if (phnum && phentsize < (r->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return cell_fail(err, ENOEXEC, "program header entries too small");
	if (!in_bounds(r, phoff, (uint64_t)phnum * phentsize))
		return cell_fail(err, ENOEXEC, "program headers past the end of the file");

	for (unsigned i = 0; i < phnum; i++) {
		uint64_t ph = phoff + (uint64_t)i * phentsize;
		uint32_t type = (uint32_t)rd(r, ph, 4);
		/* p_offset, p_vaddr, p_filesz: the 64-bit layout puts p_flags
		 * second. */
		uint64_t off = r->is64 ? rd(r, ph + 8, 8) : rd(r, ph + 4, 4);
		uint64_t vaddr = r->is64 ? rd(r, ph + 16, 8) : rd(r, ph + 8, 4);
		uint64_t filesz = r->is64 ? rd(r, ph + 32, 8) : rd(r, ph + 16, 4);

		switch (type) {
		case PT_INTERP:
			if (e->interp)
				return cell_fail(err, ENOEXEC, "more than one PT_INTERP");
			if (!in_bounds(r, off, filesz) || filesz == 0)
				return cell_fail(err, ENOEXEC, "PT_INTERP past the end of the file");
			e->interp = dup_str(r, off, filesz);
			if (!e->interp || !e->interp[0])
				return cell_fail(err, ENOEXEC, "PT_INTERP is not a path");
			break;
		case PT_DYNAMIC:
			dyn_off = off;
			dyn_sz = filesz;
			have_dyn = true;
			break;
		case PT_LOAD:
			if (n_loads == MAX_LOADS)
				return cell_fail(err, ENOEXEC, "more than %d PT_LOAD segments",
						 MAX_LOADS);
			loads[n_loads++] = (struct seg){ off, vaddr, filesz };
			break;
		default:
			break;
		}
	}
	e->dynamic = have_dyn;
	if (have_dyn)
		return parse_dynamic(r, dyn_off, dyn_sz, loads, n_loads, e, err);
	return 0;
}

int cell_elf_parse(const void *buf, size_t len, struct cell_elf *ret, struct cell_err *err)
{
	struct cell_elf e = { 0 };
	struct reader r = { .p = buf, .len = len };
	int k;

	if (!cell_elf_magic(buf, len))
		return cell_fail(err, ENOEXEC, "not an ELF file");
	if (len < EI_NIDENT)
		return cell_fail(err, ENOEXEC, "truncated ELF header");
	e.cls = r.p[EI_CLASS];
	e.data = r.p[EI_DATA];
	if (e.cls != ELFCLASS32 && e.cls != ELFCLASS64)
		return cell_fail(err, ENOEXEC, "unknown ELF class %u", e.cls);
	if (e.data != ELFDATA2LSB && e.data != ELFDATA2MSB)
		return cell_fail(err, ENOEXEC, "unknown ELF byte order %u", e.data);
	r.is64 = e.cls == ELFCLASS64;
	r.msb = e.data == ELFDATA2MSB;
	if (len < (r.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return cell_fail(err, ENOEXEC, "truncated ELF header");
	k = parse(&r, &e, err);
	if (k == 0 && !e.needed && !(e.needed = calloc(1, sizeof(char *))))
		k = -ENOMEM;
	if (k < 0) {
		cell_elf_clear(&e);
		return k == -ENOMEM ? cell_fail(err, ENOMEM, "reading ELF") : k;
	}
	*ret = e;
	return 0;
}

bool cell_elf_compatible(const struct cell_elf *a, const struct cell_elf *b)
{
	return a->cls == b->cls && a->data == b->data && a->machine == b->machine;
}

const char *cell_elf_multiarch(const struct cell_elf *e)
{
	static const struct {
		uint16_t machine;
		uint8_t cls, data;
		const char *triplet;
	} table[] = {
		{ EM_X86_64, ELFCLASS64, ELFDATA2LSB, "x86_64-linux-gnu" },
		{ EM_386, ELFCLASS32, ELFDATA2LSB, "i386-linux-gnu" },
		{ EM_AARCH64, ELFCLASS64, ELFDATA2LSB, "aarch64-linux-gnu" },
		{ EM_ARM, ELFCLASS32, ELFDATA2LSB, "arm-linux-gnueabihf" },
		{ EM_RISCV, ELFCLASS64, ELFDATA2LSB, "riscv64-linux-gnu" },
		{ EM_PPC64, ELFCLASS64, ELFDATA2LSB, "powerpc64le-linux-gnu" },
		{ EM_S390, ELFCLASS64, ELFDATA2MSB, "s390x-linux-gnu" },
		{ EM_MIPS, ELFCLASS64, ELFDATA2LSB, "mips64el-linux-gnuabi64" },
		{ EM_LOONGARCH, ELFCLASS64, ELFDATA2LSB, "loongarch64-linux-gnu" },
	};

	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (table[i].machine == e->machine && table[i].cls == e->cls &&
		    table[i].data == e->data)
			return table[i].triplet;
	return NULL;
}

/* The kernel reads only the first BINPRM_BUF_SIZE bytes of a script. */
#define SCRIPT_BUF 256

int cell_script_parse(const char *buf, size_t len, char **ret_interp, char **ret_arg)
{
	const char *p, *end, *nl, *ip, *ie;
	_cleanup_free_ char *interp = NULL, *arg = NULL;

	if (len < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	if (len > SCRIPT_BUF)
		len = SCRIPT_BUF;
	nl = memchr(buf, '\n', len);
	end = nl ? nl : buf + len;
	p = buf + 2;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	ip = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\0')
		p++;
	ie = p;
	if (ie == ip)
		return -ENOEXEC;
	/* binfmt_script: an interpreter path cut by the buffer's end is an
	 * error, not a shorter path. */
	if (!nl && ie == buf + len && len == SCRIPT_BUF)
		return -ENOEXEC;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\0'))
		end--;
	interp = strndup(ip, (size_t)(ie - ip));
	if (!interp)
		return -ENOMEM;
	if (end > p) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));

		arg = strndup(p, (size_t)((nul ? nul : end) - p));
		if (!arg)
			return -ENOMEM;
	}
	*ret_interp = TAKE_PTR(interp);
	if (ret_arg)
		*ret_arg = TAKE_PTR(arg);
	return 1;
}
