// SPDX-License-Identifier: GPL-2.0-only
/*
 * A collector's history, shared.  A long-running front end (fusewb export,
 * top, stat) pins its .bss (pending requests with their send times) and its
 * op_stats rows (counts and latency per opcode) under
 * /sys/fs/bpf/fusewb/<pid>-<start time>/.  fusewb diagnose, started once
 * something is already wrong, reads them: how the mount answered before, and
 * since when its stuck requests wait on kernels without fuse_req.create_time.
 * Pins of processes that are gone are removed by whoever finds them (a
 * SIGKILLed exporter cannot unpin).  FUSEWB_PIN_DIR names another root (the
 * tests use their own, so a fusewb running on the host is no peer of theirs).
 *
 * Only a peer whose maps have our layout is read: the kernel keeps each map's
 * BTF, so the peer's value types are compared with ours (a signature over
 * their kinds, sizes, offsets and names), not just the map sizes, which
 * another build may share while its fields moved.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "collector_priv.h"
#include "fusewb.skel.h"

#define PIN_ROOT_DEFAULT	"/sys/fs/bpf/fusewb"

/* where the collectors' pin directories are: FUSEWB_PIN_DIR, or the default */
static const char *pin_root(void)
{
	const char *e = getenv("FUSEWB_PIN_DIR");

	return e && *e ? e : PIN_ROOT_DEFAULT;
}

/* mkdir -p, mode 0700: FUSEWB_PIN_DIR may name a directory under one not there yet */
static int mkdirs(const char *path)
{
	char p[256];

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0700) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0700) && errno != EEXIST ? -errno : 0;
}

/* field 22 of /proc/PID/stat: start time in clock ticks after boot; 0 if unknown */
static unsigned long long start_ticks(pid_t pid)
{
	char path[32], *s, *p;
	unsigned long long t = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(s = fwb_read_file(path, NULL)))
		return 0;
	p = strrchr(s, ')');	/* comm may hold spaces and parentheses */
	for (int f = 2; p && *p && f < 22; f++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	free(s);
	return t;
}

static void remove_pins(const char *dir)
{
	char p[320];

	snprintf(p, sizeof(p), "%s/bss", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/op_stats", dir);
	unlink(p);
	rmdir(dir);
}

/* a pin directory "<pid>-<start ticks>" whose process still runs */
static bool pins_alive(const char *name, pid_t *pidp, unsigned long long *ticksp)
{
	unsigned long long ticks;
	int pid;

	if (sscanf(name, "%d-%llu", &pid, &ticks) != 2 || pid <= 0)
		return false;
	*pidp = pid;
	*ticksp = ticks;
	return start_ticks(pid) == ticks;
}

static void sweep_dead_pins(void)
{
	DIR *d = opendir(pin_root());
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char dir[300];
		unsigned long long t;
		pid_t pid;

		if (e->d_name[0] == '.' || pins_alive(e->d_name, &pid, &t))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", pin_root(), e->d_name);
		remove_pins(dir);
	}
	if (d)
		closedir(d);
}

void fwb_share_history(struct fwb_collector *c)
{
	char dir[300], p[320];
	bool by_us;
	int err = 0;

	if (!fwb_ensure_fs("bpf", "/sys/fs/bpf", c->opts.quiet, &by_us) || (err = mkdirs(pin_root()))) {
		if (!c->opts.quiet)
			fprintf(stderr, "fusewb: note: cannot pin maps under %s (%s): fusewb diagnose "
				"will not see this collector's history\n", pin_root(), strerror(err ? -err : errno));
		return;
	}
	sweep_dead_pins();
	snprintf(dir, sizeof(dir), "%s/%d-%llu", pin_root(), (int)getpid(), start_ticks(getpid()));
	if (mkdir(dir, 0700) && errno != EEXIST)
		return;
	snprintf(p, sizeof(p), "%s/bss", dir);
	if (bpf_obj_pin(bpf_map__fd(c->skel->maps.bss), p))
		goto fail;
	snprintf(p, sizeof(p), "%s/op_stats", dir);
	if (bpf_obj_pin(bpf_map__fd(c->skel->maps.op_stats), p))
		goto fail;
	c->pin_dir = strdup(dir);
	return;
fail:
	remove_pins(dir);
}

void fwb_unshare_history(struct fwb_collector *c)
{
	if (c->pin_dir)
		remove_pins(c->pin_dir);
	free(c->pin_dir);
	c->pin_dir = NULL;
}

/* FNV-1a, 64 bits: over the canonical description of a type (layout_hash) */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static uint64_t fnv_u32(uint64_t h, uint32_t v) { return fnv(h, &v, sizeof(v)); }
static uint64_t fnv_str(uint64_t h, const char *s) { return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1); }

/*
 * What a reader of the raw bytes depends on: kind, size, names, member
 * offsets and element counts, followed through members, arrays, typedefs and
 * variables; pointers are not followed (their targets are not in the map).
 */
static uint64_t layout_hash(const struct btf *btf, uint32_t id, uint64_t h, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	int n;

	if (!t || depth > 32)
		return fnv_u32(h, ~0U);
	n = btf_vlen(t);
	h = fnv_u32(h, btf_kind(t));
	h = fnv_str(h, btf__name_by_offset(btf, t->name_off));
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		h = fnv_u32(h, t->size);
		return fnv_u32(h, *(const uint32_t *)(t + 1));
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return fnv_u32(h, t->size);
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);

		return layout_hash(btf, a->type, fnv_u32(h, a->nelems), depth + 1);
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = btf_members(t);

		h = fnv_u32(fnv_u32(h, t->size), n);
		for (int i = 0; i < n; i++, m++) {
			h = fnv_str(h, btf__name_by_offset(btf, m->name_off));
			h = layout_hash(btf, m->type, fnv_u32(h, m->offset), depth + 1);
		}
		return h;
	}
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = btf_var_secinfos(t);

		h = fnv_u32(fnv_u32(h, t->size), n);
		for (int i = 0; i < n; i++, v++)
			h = layout_hash(btf, v->type, fnv_u32(fnv_u32(h, v->offset), v->size), depth + 1);
		return h;
	}
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
		return layout_hash(btf, t->type, h, depth + 1);
	default:		/* PTR, FWD, FUNC...: their name and kind are all the map holds of them */
		return h;
	}
}

/* The layout signature of a loaded map's value, from the BTF the kernel keeps with it; 0 without BTF. */
static uint64_t map_layout(const struct bpf_map_info *info)
{
	struct btf *btf;
	uint64_t h;

	if (!info->btf_id || !info->btf_value_type_id)
		return 0;
	btf = btf__load_from_kernel_by_id(info->btf_id);
	if (!btf)
		return 0;
	h = layout_hash(btf, info->btf_value_type_id, 0xcbf29ce484222325ULL, 0);
	btf__free(btf);
	return h ? h : 1;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 ilen = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &ilen);
}

/*
 * Map the pinned map at dir/name read-only, if its value has our layout (the
 * same build); else NULL, with why it was not taken.  any_entries: its
 * length may differ from ours (op_stats, sized by --tracked-mounts).
 */
static void *map_pinned(const char *dir, const char *name, const struct bpf_map *ours, bool any_entries,
			size_t *len, const char **why)
{
	struct bpf_map_info info, mine;
	uint64_t sig;
	char p[320];
	void *m;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = bpf_obj_get(p);
	*why = "its maps cannot be opened";
	if (fd < 0)
		return NULL;
	if (map_info(fd, &info) || map_info(bpf_map__fd(ours), &mine)) {
		close(fd);
		return NULL;
	}
	sig = map_layout(&info);
	*why = !sig ? "its maps carry no type information (BTF) to check their layout against" :
	       info.value_size != mine.value_size || (!any_entries && info.max_entries != mine.max_entries) ?
	       "another build of fusewb (its maps' sizes differ from this one's)" :
	       sig != map_layout(&mine) ?
	       "another build of fusewb (its maps' layout differs from this one's)" : NULL;
	if (*why) {
		close(fd);
		return NULL;
	}
	*len = (size_t)info.value_size * info.max_entries;
	m = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	*why = "its maps cannot be mapped";
	return m == MAP_FAILED ? NULL : m;
}

static void peer_unmap(struct fwb_peer *p)
{
	if (p->bss)
		munmap((void *)p->bss, p->bss_len);
	if (p->rows)
		munmap((void *)p->rows, p->rows_len);
	p->bss = NULL;
	p->rows = NULL;
}

/* "fusewb export", "fusewbtop": argv[0]'s base name and the command */
static void peer_comm(pid_t pid, char *out, size_t len)
{
	char path[32], *s;

	snprintf(out, len, "fusewb");
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((s = fwb_read_file(path, NULL))) {
		const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
		const char *cmd = s + strlen(s) + 1;
		bool with_cmd = !strcmp(base, "fusewb") && *cmd && *cmd != '-';	/* the multi-call binary */

		snprintf(out, len, "%s%s%s", base, with_cmd ? " " : "", with_cmd ? cmd : "");
		free(s);
	}
}

/* The live peer that has run longest (the most history), other than c itself. */
int fwb_peer_open(struct fwb_collector *c, struct fwb_peer *out)
{
	DIR *d;
	struct dirent *e;
	unsigned long long best = ~0ULL;
	struct fwb_peer_skip skipped[FWB_PEER_SKIPS_MAX];
	int nskipped = 0;

	memset(out, 0, sizeof(*out));
	if (!c->skel)
		return -ENOENT;
	sweep_dead_pins();
	d = opendir(pin_root());
	while (d && (e = readdir(d))) {
		struct fwb_peer p = {0};
		char dir[300];
		const char *why = NULL;
		unsigned long long t;
		pid_t pid;

		if (e->d_name[0] == '.' || !pins_alive(e->d_name, &pid, &t) || pid == getpid())
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", pin_root(), e->d_name);
		p.bss = map_pinned(dir, "bss", c->skel->maps.bss, false, &p.bss_len, &why);
		if (p.bss)
			p.rows = map_pinned(dir, "op_stats", c->skel->maps.op_stats, true, &p.rows_len, &why);
		if (!p.bss || !p.rows) {
			peer_unmap(&p);
			if (nskipped < FWB_PEER_SKIPS_MAX) {
				struct fwb_peer_skip *k = &skipped[nskipped++];

				k->pid = pid;
				peer_comm(pid, k->comm, sizeof(k->comm));
				snprintf(k->why, sizeof(k->why), "%s", why);
			}
			continue;
		}
		if (t >= best) {
			peer_unmap(&p);
			continue;
		}
		peer_unmap(out);
		*out = p;
		out->pid = pid;
		out->start_ticks = t;
		best = t;
	}
	if (d)
		closedir(d);
	memcpy(out->skipped, skipped, sizeof(skipped));
	out->nskipped = nskipped;
	if (!out->bss)
		return -ENOENT;
	peer_comm(out->pid, out->comm, sizeof(out->comm));
	return 0;
}

void fwb_peer_close(struct fwb_peer *p)
{
	peer_unmap(p);
}

bool fwb_peer_alive(const struct fwb_peer *p)
{
	return p->bss && start_ticks(p->pid) == p->start_ticks;
}

double fwb_peer_age_s(const struct fwb_peer *p)
{
	char *s = fwb_read_file("/proc/uptime", NULL);
	double up = s ? strtod(s, NULL) : 0, age;

	free(s);
	age = up - (double)p->start_ticks / sysconf(_SC_CLK_TCK);
	return age > 0 ? age : 0;
}
