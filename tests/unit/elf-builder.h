/* elf-builder.h - make small ELF images for the unit tests (test-elf.c,
 * test-rootfs.c): an ELF header, PT_LOAD, optional PT_INTERP and a
 * PT_DYNAMIC with DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME, in either
 * class and byte order.  Not a linker: just what ld.so and cell read.
 */
#ifndef CELL_TEST_ELF_BUILDER_H
#define CELL_TEST_ELF_BUILDER_H

#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct elf_spec {
	bool is32, msb;
	uint16_t machine;  /* 0: EM_X86_64 */
	uint16_t type;	   /* 0: ET_DYN */
	const char *interp;
	const char *needed[8];
	const char *rpath, *runpath, *soname;
	bool no_dynamic;
};

static inline void eb_put(uint8_t *p, size_t off, uint64_t v, unsigned n, bool msb)
{
	for (unsigned i = 0; i < n; i++)
		p[off + i] = (uint8_t)(v >> (msb ? 8 * (n - 1 - i) : 8 * i));
}

/* Returns a malloc'd image and its length. */
static inline uint8_t *elf_build(const struct elf_spec *s, size_t *ret_len)
{
	unsigned w = s->is32 ? 4 : 8, ehsz = s->is32 ? 52 : 64, phsz = s->is32 ? 32 : 56;
	unsigned nph = 1 + (s->interp ? 1 : 0) + (s->no_dynamic ? 0 : 1);
	uint64_t base = 0x400000;
	char strtab[1024];
	size_t slen = 1, off, interp_off = 0, str_off, dyn_off, n_dyn = 0, len;
	uint64_t dyn[32][2];
	uint8_t *p;
	unsigned ph = 0;

	strtab[0] = '\0';
#define ADDSTR(str)                                                                                \
	({                                                                                         \
		size_t _o = slen;                                                                  \
		strcpy(strtab + slen, (str));                                                      \
		slen += strlen(str) + 1;                                                           \
		_o;                                                                                \
	})
	for (int i = 0; i < 8 && s->needed[i]; i++) {
		dyn[n_dyn][0] = DT_NEEDED;
		dyn[n_dyn++][1] = ADDSTR(s->needed[i]);
	}
	if (s->rpath) {
		dyn[n_dyn][0] = DT_RPATH;
		dyn[n_dyn++][1] = ADDSTR(s->rpath);
	}
	if (s->runpath) {
		dyn[n_dyn][0] = DT_RUNPATH;
		dyn[n_dyn++][1] = ADDSTR(s->runpath);
	}
	if (s->soname) {
		dyn[n_dyn][0] = DT_SONAME;
		dyn[n_dyn++][1] = ADDSTR(s->soname);
	}
#undef ADDSTR
	off = ehsz + nph * phsz;
	if (s->interp) {
		interp_off = off;
		off += strlen(s->interp) + 1;
	}
	str_off = off;
	off += slen;
	off = (off + 7) & ~(size_t)7;
	dyn_off = off;
	dyn[n_dyn][0] = DT_STRTAB;
	dyn[n_dyn++][1] = base + str_off;
	dyn[n_dyn][0] = DT_STRSZ;
	dyn[n_dyn++][1] = slen;
	dyn[n_dyn][0] = DT_NULL;
	dyn[n_dyn++][1] = 0;
	len = s->no_dynamic ? dyn_off : dyn_off + n_dyn * 2 * w;
	p = calloc(1, len);
	if (!p)
		abort();
	memcpy(p, ELFMAG, SELFMAG);
	p[EI_CLASS] = s->is32 ? ELFCLASS32 : ELFCLASS64;
	p[EI_DATA] = s->msb ? ELFDATA2MSB : ELFDATA2LSB;
	p[EI_VERSION] = EV_CURRENT;
	eb_put(p, 16, s->type ? s->type : ET_DYN, 2, s->msb);
	eb_put(p, 18, s->machine ? s->machine : EM_X86_64, 2, s->msb);
	eb_put(p, 20, EV_CURRENT, 4, s->msb);
	eb_put(p, s->is32 ? 28 : 32, ehsz, w, s->msb); /* e_phoff */
	eb_put(p, s->is32 ? 40 : 52, ehsz, 2, s->msb); /* e_ehsize */
	eb_put(p, s->is32 ? 42 : 54, phsz, 2, s->msb);
	eb_put(p, s->is32 ? 44 : 56, nph, 2, s->msb);

	/* type, offset, vaddr, filesz at their class's places */
#define PH(t, o, va, fs)                                                                           \
	do {                                                                                       \
		size_t _b = ehsz + ph++ * phsz;                                                    \
		eb_put(p, _b, (t), 4, s->msb);                                                     \
		if (s->is32) {                                                                     \
			eb_put(p, _b + 4, (o), 4, s->msb);                                         \
			eb_put(p, _b + 8, (va), 4, s->msb);                                        \
			eb_put(p, _b + 16, (fs), 4, s->msb);                                       \
			eb_put(p, _b + 20, (fs), 4, s->msb);                                       \
		} else {                                                                           \
			eb_put(p, _b + 8, (o), 8, s->msb);                                         \
			eb_put(p, _b + 16, (va), 8, s->msb);                                       \
			eb_put(p, _b + 32, (fs), 8, s->msb);                                       \
			eb_put(p, _b + 40, (fs), 8, s->msb);                                       \
		}                                                                                  \
	} while (0)
	PH(PT_LOAD, 0, base, len);
	if (s->interp) {
		PH(PT_INTERP, interp_off, base + interp_off, strlen(s->interp) + 1);
		strcpy((char *)p + interp_off, s->interp);
	}
	if (!s->no_dynamic)
		PH(PT_DYNAMIC, dyn_off, base + dyn_off, n_dyn * 2 * w);
#undef PH
	memcpy(p + str_off, strtab, slen);
	for (size_t i = 0; !s->no_dynamic && i < n_dyn; i++) {
		eb_put(p, dyn_off + i * 2 * w, dyn[i][0], w, s->msb);
		eb_put(p, dyn_off + i * 2 * w + w, dyn[i][1], w, s->msb);
	}
	*ret_len = len;
	return p;
}

#endif
