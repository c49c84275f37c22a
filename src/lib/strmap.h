/* strmap.h - a string-keyed hash map.  Pure: memory only. */
#ifndef CELL_STRMAP_H
#define CELL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct cell_strmap {
	char **keys;
	void **vals;
	size_t cap, n;
};

/* True when key is present; its value in *ret (ret may be NULL). */
bool cell_strmap_get(const struct cell_strmap *m, const char *key, void **ret);
/* Insert or replace; the map keeps a copy of key, val stays the caller's. */
int cell_strmap_put(struct cell_strmap *m, const char *key, void *val);
/* Empty the map; free_vals: free() every value too. */
void cell_strmap_clear(struct cell_strmap *m, bool free_vals);

#endif
