// SPDX-License-Identifier: GPL-2.0-only
/*
 * The resolver: FUSE connection -> mount points, bdi, knobs, fusectl state.
 * It reads /proc/self/mountinfo and sysfs only.  A stat(), open() or readdir
 * of a FUSE mount point would hang behind a stuck daemon, so none is done.
 */
#define _GNU_SOURCE	/* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include "fusewb.h"

/* fd's contents from its current offset to the end, NUL-terminated; NULL when out of memory */
static char *read_fd(int fd, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
	}
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
}

char *fwb_read_file(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	char *buf;

	if (fd < 0)
		return NULL;
	buf = read_fd(fd, lenp);
	close(fd);
	return buf;
}

static int64_t read_int(const char *fmt, const char *arg)
{
	char path[FWB_PATH_MAX];
	char *s, *end;
	long long v;

	snprintf(path, sizeof(path), fmt, arg);
	s = fwb_read_file(path, NULL);
	if (!s)
		return -1;
	v = strtoll(s, &end, 10);
	if (end == s)
		v = -1;
	free(s);
	return v;
}

bool fwb_is_fuse_fstype(const char *t)
{
	return !strcmp(t, "fuse") || !strncmp(t, "fuse.", 5) ||
	       !strcmp(t, "fuseblk") || !strncmp(t, "fuseblk.", 8);
}

void fwb_unescape_mount(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

static struct fwb_mount *find_conn(struct fwb_mount *m, int n, uint32_t conn)
{
	for (int i = 0; i < n; i++)
		if (m[i].conn == conn)
			return &m[i];
	return NULL;
}

static void add_extra_mountpoint(struct fwb_mount *m, const char *mp)
{
	size_t old = m->extra_mountpoints ? strlen(m->extra_mountpoints) : 0;
	char *n = realloc(m->extra_mountpoints, old + strlen(mp) + 2);

	if (!n)
		return;
	if (old)
		n[old++] = '\n';
	strcpy(n + old, mp);
	m->extra_mountpoints = n;
}

static void mount_init(struct fwb_mount *m)
{
	memset(m, 0, sizeof(*m));
	m->max_ratio = m->min_ratio = m->strict_limit = -1;
	m->max_bytes = m->max_ratio_fine = -1;
	m->bdi_dirty_pages = m->bdi_writeback_pages = m->bdi_thresh_pages = -1;
	m->dirty_thresh_pages = m->cap_pages = -1;
	m->cap_binds = -1;
	m->peak_dirty_pages = m->peak_limit_pages = -1;
	m->waiting = m->max_background = m->congestion_threshold = -1;
}

int fwb_parse_mountinfo(const char *text, struct fwb_mount **out, int *nout)
{
	struct fwb_mount *m = NULL;
	int n = 0, cap = 0;
	char *copy = strdup(text), *save = NULL, *line;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[12] = {0}, *dash, *tok, *s2 = NULL;
		char *fstype, *source;
		unsigned maj, min;
		int nf = 0;
		struct fwb_mount *cur;

		/* optional fields end at " - "; split the two halves */
		dash = strstr(line, " - ");
		if (!dash)
			continue;
		*dash = 0;
		for (tok = strtok_r(line, " ", &s2); tok && nf < 5; tok = strtok_r(NULL, " ", &s2))
			f[nf++] = tok;
		if (nf < 5 || sscanf(f[2], "%u:%u", &maj, &min) != 2)
			continue;
		fstype = strtok_r(dash + 3, " ", &s2);
		source = strtok_r(NULL, " ", &s2);
		if (!fstype || !fwb_is_fuse_fstype(fstype))
			continue;
		fwb_unescape_mount(f[4]);
		cur = find_conn(m, n, (maj << 20) | min);
		if (cur) {
			cur->nmountpoints++;
			add_extra_mountpoint(cur, f[4]);
			continue;
		}
		if (n == cap) {
			struct fwb_mount *nm = realloc(m, sizeof(*m) * (cap = cap ? cap * 2 : 8));

			if (!nm) {
				fwb_free_mounts(m, n);
				free(copy);
				return -ENOMEM;
			}
			m = nm;
		}
		cur = &m[n++];
		mount_init(cur);
		cur->major = maj;
		cur->minor = min;
		cur->conn = (maj << 20) | min;
		cur->nmountpoints = 1;
		snprintf(cur->mountpoint, sizeof(cur->mountpoint), "%s", f[4]);
		snprintf(cur->fstype, sizeof(cur->fstype), "%s", fstype);
		if (source) {
			fwb_unescape_mount(source);
			snprintf(cur->source, sizeof(cur->source), "%s", source);
		}
		/* fuse_fill_super names the bdi this way; fuseblk adds a suffix */
		snprintf(cur->bdi, sizeof(cur->bdi), "%u:%u%s", maj, min,
			 strncmp(fstype, "fuseblk", 7) ? "" : "-fuseblk");
	}
	free(copy);
	*out = m;
	*nout = n;
	return 0;
}

static bool stat_line(const char *line, const char *key, int64_t *pages, long page_kb)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) || line[n] != ':')
		return false;
	*pages = strtoll(line + n + 1, NULL, 10) / page_kb;
	return true;
}

static void parse_bdi_stats(struct fwb_mount *m, char *s)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;

	/* cheap prefix tests: this runs for every mount on every refresh */
	for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (line[0] == 'D') {
			stat_line(line, "DirtyThresh", &m->dirty_thresh_pages, page_kb);
			continue;
		}
		if (line[0] != 'B')
			continue;
		if (!stat_line(line, "BdiWriteback", &m->bdi_writeback_pages, page_kb) &&
		    !stat_line(line, "BdiReclaimable", &m->bdi_dirty_pages, page_kb))
			stat_line(line, "BdiDirtyThresh", &m->bdi_thresh_pages, page_kb);
	}
}

/*
 * The kernel caps a bdi's threshold at thresh * max_ratio (__wb_calc_thresh:
 * thresh * wb_max_ratio / (100 * BDI_RATIO_SCALE), max_ratio in ppm from
 * 6.2; thresh * max_ratio / 100 before), below that it is the bdi's share
 * of recent writeback (plus min_ratio, or a floor for an idle bdi).
 * debugfs prints DirtyThresh and BdiDirtyThresh from the same thresh, so
 * the cap computed here is the kernel's to the page: the cap binds when
 * the threshold is within a page of it.  The knobs are read up to
 * KNOB_TTL_NS before the stats; a cap changed since shows within that.
 */
void fwb_bdi_limit(struct fwb_mount *m)
{
	m->cap_pages = -1;
	m->cap_binds = -1;
	if (m->dirty_thresh_pages < 0)
		return;
	if (m->max_ratio_fine >= 0)
		m->cap_pages = (int64_t)((__int128)m->dirty_thresh_pages * m->max_ratio_fine / 1000000);
	else if (m->max_ratio >= 0)
		m->cap_pages = m->dirty_thresh_pages * m->max_ratio / 100;
	if (m->cap_pages < 0 || m->bdi_thresh_pages < 0)
		return;
	m->cap_binds = m->bdi_thresh_pages + 1 >= m->cap_pages;
}

void fwb_fmt_max_ratio(char *buf, size_t len, const struct fwb_mount *m)
{
	double pct = m->max_ratio_fine >= 0 ? m->max_ratio_fine / 1e4 : m->max_ratio;

	if (pct < 0)
		snprintf(buf, len, "-");
	else	/* nudged up so that a ppm ending in 5 rounds up, as it reads in decimal */
		snprintf(buf, len, pct >= 1 ? "%.3g" : "%.2g", pct * (1 + 1e-9));
}

const char *fwb_limit_by_str(const struct fwb_mount *m)
{
	return m->cap_binds > 0 ? "cap" : m->cap_binds == 0 ? "share" : NULL;
}

/*
 * pread at offset 0 runs a sysfs or seq_file attribute's show() again: one
 * syscall a refresh instead of open, read and close.  A descriptor whose file
 * went away with its mount fails, and is opened again once.  Files opened
 * non-seekable are read whole each time: *fdp is then -1.  path is relative
 * to dirfd (AT_FDCWD or a kept directory).
 */
static ssize_t read_cached(int *fdp, int dirfd, const char *path, char *buf, size_t len)
{
	for (int attempt = 0; attempt < 2 && *fdp >= 0; attempt++) {
		ssize_t n;

		if (*fdp == 0) {
			int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return -1;
			*fdp = fd + 1;
		}
		n = pread(*fdp - 1, buf, len - 1, 0);
		if (n >= 0) {
			buf[n] = 0;
			return n;
		}
		close(*fdp - 1);
		*fdp = errno == ESPIPE ? -1 : 0;
	}
	if (*fdp < 0) {
		int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			return -1;
		n = read(fd, buf, len - 1);
		close(fd);
		if (n < 0)
			return -1;
		buf[n] = 0;
		return n;
	}
	return -1;
}

/*
 * debugfs's root is root's alone (0700), its bdi directory and stats files
 * are not (0755, 0444): with this directory opened while privileged,
 * `fusewb export --user` keeps reading every bdi's stats, also those of
 * mounts made later, holding no capability.  -1: use the path.
 */
static int bdi_dirfd = -1;

/*
 * Knobs an administrator changes by hand are re-read every KNOB_TTL_NS; the
 * gauges (waiting, bdi stats) on every call.  Each sysfs read is an open,
 * read and close: with a hundred mounts the knobs alone cost milliseconds.
 */
#define KNOB_TTL_NS	(5 * 1000000000ULL)
#define KNOB_CACHE	256

struct knobs {
	uint32_t conn;
	uint64_t read_ns;
	int conn_dirfd, stats_fd;	/* fd + 1, 0 when not open */
	int max_ratio, min_ratio, strict_limit;
	int64_t max_bytes, max_ratio_fine, max_background, congestion_threshold;
};

static struct knobs knob_cache[KNOB_CACHE];
static pthread_mutex_t knob_lock = PTHREAD_MUTEX_INITIALIZER;

static void read_knobs(struct knobs *k, const struct fwb_mount *m, const char *conn)
{
	k->conn = m->conn;
	k->max_ratio = read_int("/sys/class/bdi/%s/max_ratio", m->bdi);
	k->min_ratio = read_int("/sys/class/bdi/%s/min_ratio", m->bdi);
	k->strict_limit = read_int("/sys/class/bdi/%s/strict_limit", m->bdi);
	k->max_bytes = read_int("/sys/class/bdi/%s/max_bytes", m->bdi);
	k->max_ratio_fine = read_int("/sys/class/bdi/%s/max_ratio_fine", m->bdi);
	k->max_background = read_int("/sys/fs/fuse/connections/%s/max_background", conn);
	k->congestion_threshold = read_int("/sys/fs/fuse/connections/%s/congestion_threshold", conn);
}

static void forget_fds(struct knobs *k)
{
	if (k->conn_dirfd > 0)
		close(k->conn_dirfd - 1);
	if (k->stats_fd > 0)
		close(k->stats_fd - 1);
	k->conn_dirfd = k->stats_fd = 0;
}

/*
 * fusectl's 'waiting' cannot be re-read through one descriptor (it is
 * opened non-seekable), so it is opened each time, relative to the
 * connection's directory kept open: that skips the path walk, a third of
 * the cost.  A directory that went away with its connection (the number
 * may since name a new one) fails, and is opened again once.
 */
static int64_t read_waiting(struct knobs *k, const char *conn)
{
	char path[64], buf[32], *end;

	for (int attempt = 0; attempt < 2; attempt++) {
		int fd;
		ssize_t n;

		if (!k->conn_dirfd) {
			snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%s", conn);
			fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				return -1;
			k->conn_dirfd = fd + 1;
		}
		fd = openat(k->conn_dirfd - 1, "waiting", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			int64_t v;

			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				return -1;
			buf[n] = 0;
			v = strtoll(buf, &end, 10);
			return end == buf ? -1 : v;
		}
		close(k->conn_dirfd - 1);
		k->conn_dirfd = 0;
	}
	return -1;
}

static void read_sysfs(struct fwb_mount *m, uint64_t now)
{
	char conn[16], path[FWB_PATH_MAX], buf[4096];
	struct knobs *k;

	snprintf(conn, sizeof(conn), "%u", m->conn);
	pthread_mutex_lock(&knob_lock);
	k = &knob_cache[(m->conn * 2654435761U) >> 24];
	if (k->conn != m->conn || !k->read_ns || now - k->read_ns > KNOB_TTL_NS) {
		if (k->conn != m->conn)
			forget_fds(k);
		read_knobs(k, m, conn);
		k->read_ns = now;
	}
	m->max_ratio = k->max_ratio;
	m->min_ratio = k->min_ratio;
	m->strict_limit = k->strict_limit;
	m->max_bytes = k->max_bytes;
	m->max_ratio_fine = k->max_ratio_fine;
	m->max_background = k->max_background;
	m->congestion_threshold = k->congestion_threshold;
	m->waiting = read_waiting(k, conn);
	snprintf(path, sizeof(path), "%s%s/stats", bdi_dirfd < 0 ? "/sys/kernel/debug/bdi/" : "", m->bdi);
	if (read_cached(&k->stats_fd, bdi_dirfd < 0 ? AT_FDCWD : bdi_dirfd, path, buf, sizeof(buf)) > 0)
		parse_bdi_stats(m, buf);
	fwb_bdi_limit(m);
	pthread_mutex_unlock(&knob_lock);
}

/* A copy of n parsed mounts (no gauges yet: those are read per snapshot). */
static int copy_mounts(const struct fwb_mount *src, int n, struct fwb_mount **out)
{
	struct fwb_mount *m = calloc(n ? n : 1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	memcpy(m, src, n * sizeof(*m));
	for (int i = 0; i < n; i++)
		if (src[i].extra_mountpoints && !(m[i].extra_mountpoints = strdup(src[i].extra_mountpoints))) {
			for (int j = 0; j < i; j++)
				free(m[j].extra_mountpoints);
			free(m);
			return -ENOMEM;
		}
	*out = m;
	return 0;
}

/*
 * The FUSE mounts of the mount table, parsed again only when poll() on a
 * kept /proc/self/mountinfo says the table changed (POLLPRI, the way
 * libmount's monitor watches it): on a host with a hundred FUSE mounts,
 * reading and parsing it costs more than the rest of a snapshot's files.
 */
static struct {
	int fd;			/* fd + 1, 0 when not open */
	bool valid;
	struct fwb_mount *mounts;
	int n;
} mtab;
static pthread_mutex_t mtab_lock = PTHREAD_MUTEX_INITIALIZER;

static int mtab_refresh(void)
{
	struct pollfd p;
	char *text;
	int err;

	if (!mtab.fd) {
		int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		mtab.fd = fd + 1;
		mtab.valid = false;
	}
	p = (struct pollfd){ .fd = mtab.fd - 1, .events = POLLPRI };
	if (mtab.valid && poll(&p, 1, 0) == 0)
		return 0;
	/* read after the poll: a change in between is read now and announced again */
	if (lseek(mtab.fd - 1, 0, SEEK_SET) < 0)
		return -errno;
	if (!(text = read_fd(mtab.fd - 1, NULL)))
		return -ENOMEM;
	fwb_free_mounts(mtab.mounts, mtab.n);
	mtab.mounts = NULL;
	mtab.n = 0;
	err = fwb_parse_mountinfo(text, &mtab.mounts, &mtab.n);
	free(text);
	mtab.valid = !err;
	return err;
}

int fwb_read_mounts(struct fwb_mount **mounts, int *n)
{
	int err;

	pthread_mutex_lock(&mtab_lock);
	err = mtab_refresh();
	if (!err)
		err = copy_mounts(mtab.mounts, mtab.n, mounts);
	if (!err)
		*n = mtab.n;
	pthread_mutex_unlock(&mtab_lock);
	if (err)
		return err;
	for (int i = 0; i < *n; i++)
		read_sysfs(&(*mounts)[i], fwb_mono_ns());
	return 0;
}

void fwb_free_mounts(struct fwb_mount *m, int n)
{
	for (int i = 0; m && i < n; i++) {
		free(m[i].extra_mountpoints);
		free(m[i].pending);
		free(m[i].ops);
		free(m[i].tasks);
	}
	free(m);
}

static bool is_mounted(const char *fstype, const char *where)
{
	char *text = fwb_read_file("/proc/self/mountinfo", NULL), *line, *save = NULL;
	bool found = false;

	if (!text)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char mp[FWB_PATH_MAX], *dash = strstr(line, " - ");

		if (dash && sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 &&
		    !strcmp(mp, where) && !strncmp(dash + 3, fstype, strlen(fstype)) &&
		    dash[3 + strlen(fstype)] == ' ')
			found = true;
	}
	free(text);
	return found;
}

bool fwb_ensure_fs(const char *fstype, const char *where, bool quiet, bool *by_us)
{
	*by_us = false;
	if (is_mounted(fstype, where))
		return true;
	if (mount("none", where, fstype, 0, NULL)) {
		if (!quiet)
			fprintf(stderr, "fusewb: note: %s is not mounted at %s and mounting it failed: %s\n",
				fstype, where, strerror(errno));
		return false;
	}
	*by_us = true;
	if (!quiet)
		fprintf(stderr, "fusewb: note: mounted %s at %s (it was absent)\n", fstype, where);
	return true;
}

void fwb_ensure_kernel_fs(struct fwb_kernel_info *ki, bool quiet)
{
	ki->fusectl = fwb_ensure_fs("fusectl", "/sys/fs/fuse/connections", quiet, &ki->fusectl_mounted_by_us);
	/* per-bdi dirty and threshold figures live only in debugfs */
	ki->debugfs = fwb_ensure_fs("debugfs", "/sys/kernel/debug", quiet, &ki->debugfs_mounted_by_us);
	if (ki->debugfs && bdi_dirfd < 0)
		bdi_dirfd = open("/sys/kernel/debug/bdi", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* classic tracepoints are attached by their tracefs id */
	ki->tracefs = fwb_ensure_fs("tracefs", "/sys/kernel/tracing", quiet, &ki->tracefs_mounted_by_us);
}

int fwb_read_vmstat(struct fwb_vmstat *vm)
{
	char *s = fwb_read_file("/proc/vmstat", NULL), *line, *save = NULL;

	memset(vm, 0xff, sizeof(*vm));	/* -1: unknown */
	if (!s)
		return -errno;
	/* two hundred lines, five wanted, on every snapshot: no sscanf */
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' '), *end;
		long long v;

		if (strncmp(line, "nr_", 3) || !sp)
			continue;
		*sp = 0;
		v = strtoll(sp + 1, &end, 10);
		if (end == sp + 1)
			continue;
		if (!strcmp(line, "nr_dirty"))
			vm->nr_dirty = v;
		else if (!strcmp(line, "nr_writeback"))
			vm->nr_writeback = v;
		else if (!strcmp(line, "nr_writeback_temp"))
			vm->nr_writeback_temp = v;
		else if (!strcmp(line, "nr_dirty_threshold"))
			vm->dirty_threshold = v;
		else if (!strcmp(line, "nr_dirty_background_threshold"))
			vm->dirty_background_threshold = v;
	}
	free(s);
	return 0;
}

static const char *const opnames[] = {
	[0] = "OTHER",	/* the stats row of opcodes past the table (CUSE_INIT) */
	[1] = "LOOKUP", [2] = "FORGET", [3] = "GETATTR", [4] = "SETATTR", [5] = "READLINK",
	[6] = "SYMLINK", [8] = "MKNOD", [9] = "MKDIR", [10] = "UNLINK", [11] = "RMDIR",
	[12] = "RENAME", [13] = "LINK", [14] = "OPEN", [15] = "READ", [16] = "WRITE",
	[17] = "STATFS", [18] = "RELEASE", [20] = "FSYNC", [21] = "SETXATTR", [22] = "GETXATTR",
	[23] = "LISTXATTR", [24] = "REMOVEXATTR", [25] = "FLUSH", [26] = "INIT", [27] = "OPENDIR",
	[28] = "READDIR", [29] = "RELEASEDIR", [30] = "FSYNCDIR", [31] = "GETLK", [32] = "SETLK",
	[33] = "SETLKW", [34] = "ACCESS", [35] = "CREATE", [36] = "INTERRUPT", [37] = "BMAP",
	[38] = "DESTROY", [39] = "IOCTL", [40] = "POLL", [41] = "NOTIFY_REPLY", [42] = "BATCH_FORGET",
	[43] = "FALLOCATE", [44] = "READDIRPLUS", [45] = "RENAME2", [46] = "LSEEK",
	[47] = "COPY_FILE_RANGE", [48] = "SETUPMAPPING", [49] = "REMOVEMAPPING", [50] = "SYNCFS",
	[51] = "TMPFILE", [52] = "STATX",
};

const char *fwb_opcode_name(uint32_t opcode)
{
	static __thread char buf[24];
	uint32_t op = opcode & 0xffff;

	if (opcode & FWB_OP_WRITEBACK)
		return "WRITE(writeback)";
	if (op < sizeof(opnames) / sizeof(opnames[0]) && opnames[op])
		return opnames[op];
	snprintf(buf, sizeof(buf), "OP_%u", op);
	return buf;
}
