// SPDX-License-Identifier: GPL-2.0-only
/* Kernel text symbols from /proc/kallsyms, for naming stack frames. */
#include <stdlib.h>
#include <string.h>
#include "diag.h"

struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset in the pool */
};

struct fwb_ksyms {
	struct ksym *syms;
	size_t n;
	char *pool;
};

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

struct fwb_ksyms *fwb_ksyms_load(void)
{
	struct fwb_ksyms *k = calloc(1, sizeof(*k));
	char *text = fwb_read_file("/proc/kallsyms", NULL), *line, *save = NULL;
	size_t cap = 0, poolcap = 0, poollen = 0;
	bool nonzero = false;

	if (!k || !text)
		goto fail;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp1 = strchr(line, ' '), *name, *end;
		size_t nlen;
		uint64_t addr;

		if (!sp1 || !sp1[1] || (sp1[1] != 't' && sp1[1] != 'T') || sp1[2] != ' ')
			continue;
		addr = strtoull(line, NULL, 16);
		nonzero |= addr != 0;
		name = sp1 + 3;
		end = strpbrk(name, " \t");
		nlen = end ? (size_t)(end - name) : strlen(name);
		if (k->n == cap) {
			struct ksym *ns = realloc(k->syms, sizeof(*ns) * (cap = cap ? cap * 2 : 65536));

			if (!ns)
				goto fail;
			k->syms = ns;
		}
		if (poollen + nlen + 1 > poolcap) {
			char *np = realloc(k->pool, poolcap = poolcap ? poolcap * 2 : 1 << 21);

			if (!np)
				goto fail;
			k->pool = np;
		}
		memcpy(k->pool + poollen, name, nlen);
		k->pool[poollen + nlen] = 0;
		k->syms[k->n].addr = addr;
		k->syms[k->n].name = poollen;
		k->n++;
		poollen += nlen + 1;
	}
	free(text);
	/* kptr_restrict shows zeros to the unprivileged: useless for lookups */
	if (!k->n || !nonzero) {
		fwb_ksyms_free(k);
		return NULL;
	}
	qsort(k->syms, k->n, sizeof(*k->syms), cmp_ksym);
	return k;
fail:
	free(text);
	fwb_ksyms_free(k);
	return NULL;
}

const char *fwb_ksym_name(const struct fwb_ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!k || !k->n || addr < k->syms[0].addr)
		return NULL;
	hi = k->n;
	/* the last symbol at or below addr */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return k->pool + k->syms[lo].name;
}

void fwb_ksyms_free(struct fwb_ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->pool);
	free(k);
}
