/* xauth.c - filter an .Xauthority file down to one display's cookies.
 *
 * The file is a sequence of records, each: family (16 bits), then address,
 * display number, auth name and auth data, each a 16-bit big-endian length
 * followed by that many bytes.  FamilyWild (65535) matches any address.
 */
#define _GNU_SOURCE
#include "xauth.h"

#include <errno.h>
#include <string.h>

#define FAMILY_WILD 65535

static int field(const uint8_t *in, size_t len, size_t *off, const uint8_t **ret, size_t *ret_len)
{
	size_t n;

	if (*off + 2 > len)
		return -EBADMSG;
	n = (size_t)in[*off] << 8 | in[*off + 1];
	if (*off + 2 + n > len)
		return -EBADMSG;
	*ret = in + *off + 2;
	*ret_len = n;
	*off += 2 + n;
	return 0;
}

static int put(uint8_t *out, size_t outmax, size_t *w, const uint8_t *data, size_t n)
{
	if (*w + 2 + n > outmax)
		return -ENOBUFS;
	out[(*w)++] = (uint8_t)(n >> 8);
	out[(*w)++] = (uint8_t)n;
	if (n)
		memcpy(out + *w, data, n);
	*w += n;
	return 0;
}

long cell_xauth_filter(const uint8_t *in, size_t len, const char *display, uint8_t *out,
		       size_t outmax)
{
	size_t off = 0, w = 0, dlen = strlen(display);

	while (off < len) {
		const uint8_t *addr, *num, *name, *data;
		size_t addr_len, num_len, name_len, data_len;
		int r;

		if (off + 2 > len)
			return -EBADMSG;
		off += 2; /* family: any, the record is rewritten to FamilyWild */
		if ((r = field(in, len, &off, &addr, &addr_len)) < 0 ||
		    (r = field(in, len, &off, &num, &num_len)) < 0 ||
		    (r = field(in, len, &off, &name, &name_len)) < 0 ||
		    (r = field(in, len, &off, &data, &data_len)) < 0)
			return r;
		if (num_len != dlen || memcmp(num, display, dlen) != 0)
			continue;
		if (w + 2 > outmax)
			return -ENOBUFS;
		out[w++] = FAMILY_WILD >> 8;
		out[w++] = FAMILY_WILD & 0xff;
		if ((r = put(out, outmax, &w, NULL, 0)) < 0 ||
		    (r = put(out, outmax, &w, num, num_len)) < 0 ||
		    (r = put(out, outmax, &w, name, name_len)) < 0 ||
		    (r = put(out, outmax, &w, data, data_len)) < 0)
			return r;
		(void)addr;
		(void)addr_len;
	}
	return (long)w;
}
