// SPDX-License-Identifier: GPL-2.0-only
/* Kernel text symbols from /proc/kallsyms (kallsyms.c), sorted for naming stack frames. */
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

struct ksym_build {
	struct fwb_ksyms *k;
	size_t cap, poolcap, poollen;
	bool nonzero, oom;
};

static bool add_ksym(void *arg, uint64_t addr, const char *name)
{
	struct ksym_build *b = arg;
	struct fwb_ksyms *k = b->k;
	size_t nlen = strlen(name);

	b->nonzero |= addr != 0;
	if (k->n == b->cap) {
		struct ksym *ns = realloc(k->syms, sizeof(*ns) * (b->cap = b->cap ? b->cap * 2 : 65536));

		if (!ns)
			goto oom;
		k->syms = ns;
	}
	if (b->poollen + nlen + 1 > b->poolcap) {
		char *np = realloc(k->pool, b->poolcap = b->poolcap ? b->poolcap * 2 : 1 << 21);

		if (!np)
			goto oom;
		k->pool = np;
	}
	memcpy(k->pool + b->poollen, name, nlen + 1);
	k->syms[k->n].addr = addr;
	k->syms[k->n].name = b->poollen;
	k->n++;
	b->poollen += nlen + 1;
	return true;
oom:
	b->oom = true;
	return false;
}

struct fwb_ksyms *fwb_ksyms_load(void)
{
	struct ksym_build b = { .k = calloc(1, sizeof(*b.k)) };

	/* kptr_restrict shows zeros to the unprivileged: useless for lookups */
	if (!b.k || fwb_kallsyms_each(add_ksym, &b) || b.oom || !b.k->n || !b.nonzero) {
		fwb_ksyms_free(b.k);
		return NULL;
	}
	qsort(b.k->syms, b.k->n, sizeof(*b.k->syms), cmp_ksym);
	return b.k;
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
