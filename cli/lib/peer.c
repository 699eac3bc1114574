// SPDX-License-Identifier: GPL-2.0-only
/*
 * A collector's history, shared.  A long-running front end (fusewb export,
 * top, stat) pins its .bss (pending requests with their send times) and its
 * op_stats rows (counts and latency per opcode) under
 * /sys/fs/bpf/fusewb/<pid>-<start time>/.  fusewb diagnose, started once
 * something is already wrong, reads them: how the mount answered before, and
 * since when its stuck requests wait on kernels without fuse_req.create_time.
 * Pins of processes that are gone are removed by whoever finds them (a
 * SIGKILLed exporter cannot unpin).
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
#include <bpf/libbpf.h>
#include "collector_priv.h"
#include "fusewb.skel.h"

#define PIN_ROOT	"/sys/fs/bpf/fusewb"

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
	DIR *d = opendir(PIN_ROOT);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char dir[300];
		unsigned long long t;
		pid_t pid;

		if (e->d_name[0] == '.' || pins_alive(e->d_name, &pid, &t))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, e->d_name);
		remove_pins(dir);
	}
	if (d)
		closedir(d);
}

void fwb_share_history(struct fwb_collector *c)
{
	char dir[96], p[128];
	bool by_us;

	if (!fwb_ensure_fs("bpf", "/sys/fs/bpf", c->opts.quiet, &by_us) ||
	    (mkdir(PIN_ROOT, 0700) && errno != EEXIST)) {
		if (!c->opts.quiet)
			fprintf(stderr, "fusewb: note: cannot pin maps under %s (%s): fusewb diagnose "
				"will not see this collector's history\n", PIN_ROOT, strerror(errno));
		return;
	}
	sweep_dead_pins();
	snprintf(dir, sizeof(dir), "%s/%d-%llu", PIN_ROOT, (int)getpid(), start_ticks(getpid()));
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

/* map the pinned map at dir/name read-only, if it has the size ours has (the same build) */
static void *map_pinned(const char *dir, const char *name, const struct bpf_map *ours, size_t *len)
{
	struct bpf_map_info info = {0};
	__u32 ilen = sizeof(info);
	char p[320];
	void *m;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = bpf_obj_get(p);
	if (fd < 0)
		return NULL;
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) || info.value_size != bpf_map__value_size(ours) ||
	    info.max_entries != bpf_map__max_entries(ours)) {
		close(fd);
		return NULL;
	}
	*len = (size_t)info.value_size * info.max_entries;
	m = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
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

/* The live peer that has run longest (the most history), other than c itself. */
int fwb_peer_open(struct fwb_collector *c, struct fwb_peer *out)
{
	DIR *d;
	struct dirent *e;
	unsigned long long best = ~0ULL;

	memset(out, 0, sizeof(*out));
	if (!c->skel)
		return -ENOENT;
	sweep_dead_pins();
	d = opendir(PIN_ROOT);
	while (d && (e = readdir(d))) {
		struct fwb_peer p = {0};
		char dir[300];
		unsigned long long t;
		pid_t pid;

		if (e->d_name[0] == '.' || !pins_alive(e->d_name, &pid, &t) || pid == getpid() || t >= best)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", PIN_ROOT, e->d_name);
		p.bss = map_pinned(dir, "bss", c->skel->maps.bss, &p.bss_len);
		p.rows = map_pinned(dir, "op_stats", c->skel->maps.op_stats, &p.rows_len);
		if (!p.bss || !p.rows) {
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
	if (!out->bss)
		return -ENOENT;
	snprintf(out->comm, sizeof(out->comm), "fusewb");
	{
		char path[32], *s;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)out->pid);
		if ((s = fwb_read_file(path, NULL))) {
			/* argv[0] then the command: "fusewb export" or "fusewbtop" */
			const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
			const char *cmd = s + strlen(s) + 1;

			snprintf(out->comm, sizeof(out->comm), "%s%s%s", base, *cmd && *cmd != '-' ? " " : "",
				 *cmd && *cmd != '-' ? cmd : "");
			free(s);
		}
	}
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
