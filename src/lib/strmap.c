/* strmap.c - a string-keyed hash map (open addressing, FNV-1a), for the
 * sets and caches of rootfs.c.  Keys are copied; values are the caller's. */
#define _GNU_SOURCE
#include "strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static size_t map_slot(const struct cell_strmap *m, const char *key)
{
	size_t i = (size_t)hash(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

bool cell_strmap_get(const struct cell_strmap *m, const char *key, void **ret)
{
	size_t i;

	if (!m->cap)
		return false;
	i = map_slot(m, key);
	if (!m->keys[i])
		return false;
	if (ret)
		*ret = m->vals[i];
	return true;
}

int cell_strmap_put(struct cell_strmap *m, const char *key, void *val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct cell_strmap nm = { calloc(ncap, sizeof(char *)), calloc(ncap, sizeof(void *)), ncap,
				  m->n };

		if (!nm.keys || !nm.vals) {
			free(nm.keys);
			free(nm.vals);
			return -ENOMEM;
		}
		for (size_t j = 0; j < m->cap; j++)
			if (m->keys[j]) {
				size_t k = map_slot(&nm, m->keys[j]);

				nm.keys[k] = m->keys[j];
				nm.vals[k] = m->vals[j];
			}
		free(m->keys);
		free(m->vals);
		*m = nm;
	}
	i = map_slot(m, key);
	if (!m->keys[i]) {
		if (!(m->keys[i] = strdup(key)))
			return -ENOMEM;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

void cell_strmap_clear(struct cell_strmap *m, bool free_vals)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			free(m->keys[i]);
			if (free_vals)
				free(m->vals[i]);
		}
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
