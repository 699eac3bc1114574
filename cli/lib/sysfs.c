// SPDX-License-Identifier: GPL-2.0-only
/*
 * A mount's state in sysfs, fusectl and debugfs: the bdi's knobs, the
 * connection's limits and waiting requests, the bdi's dirty figures.  The
 * descriptors and the knobs are kept in the collector's struct fwb_sysfs.
 */
#define _GNU_SOURCE	/* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "resolver.h"

/*
 * Knobs an administrator changes by hand are re-read every KNOB_TTL_NS; the
 * gauges (waiting, bdi stats) on every call.  Each sysfs read is an open,
 * read and close: with a hundred mounts the knobs alone cost milliseconds.
 */
#define KNOB_TTL_NS	(5 * 1000000000ULL)

/* The knobs: the file each is read from, and the field of struct fwb_mount it goes to. */
#define KNOB(of_conn, path, field, type) \
	{ path, of_conn, offsetof(struct fwb_mount, field) + 0 * _Generic(((struct fwb_mount *)0)->field, type: 0), \
	  sizeof(type) }
static const struct knob {
	const char *fmt;		/* of the bdi's name, or of the connection's number */
	bool of_conn;
	size_t off, size;
} knobs[FWB_NKNOBS] = {
	KNOB(false, "/sys/class/bdi/%s/max_ratio", max_ratio, int),
	KNOB(false, "/sys/class/bdi/%s/min_ratio", min_ratio, int),
	KNOB(false, "/sys/class/bdi/%s/strict_limit", strict_limit, int),
	KNOB(false, "/sys/class/bdi/%s/max_bytes", max_bytes, int64_t),
	KNOB(false, "/sys/class/bdi/%s/max_ratio_fine", max_ratio_fine, int64_t),
	KNOB(true, "/sys/fs/fuse/connections/%s/max_background", max_background, int64_t),
	KNOB(true, "/sys/fs/fuse/connections/%s/congestion_threshold", congestion_threshold, int64_t),
};

static void read_knobs(struct fwb_knobs *k, const struct fwb_mount *m, const char *conn)
{
	k->conn = m->conn;
	for (int i = 0; i < FWB_NKNOBS; i++)
		k->v[i] = fwb_read_int(knobs[i].fmt, knobs[i].of_conn ? conn : m->bdi);
}

static void apply_knobs(const struct fwb_knobs *k, struct fwb_mount *m)
{
	for (int i = 0; i < FWB_NKNOBS; i++) {
		void *f = (char *)m + knobs[i].off;

		if (knobs[i].size == sizeof(int))
			*(int *)f = k->v[i];
		else
			*(int64_t *)f = k->v[i];
	}
}

static void forget_fds(struct fwb_knobs *k)
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
static int64_t read_waiting(struct fwb_knobs *k, const char *conn)
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

void fwb_sysfs_read(struct fwb_sysfs *c, struct fwb_mount *m, uint64_t now)
{
	char conn[16], path[FWB_PATH_MAX], buf[4096];
	struct fwb_knobs *k;

	snprintf(conn, sizeof(conn), "%u", m->conn);
	k = &c->knobs[(m->conn * 2654435761U) >> (32 - FWB_KNOB_CACHE_BITS)];
	if (k->conn != m->conn || !k->read_ns || now - k->read_ns > KNOB_TTL_NS) {
		if (k->conn != m->conn)
			forget_fds(k);
		read_knobs(k, m, conn);
		k->read_ns = now;
	}
	apply_knobs(k, m);
	m->waiting = read_waiting(k, conn);
	snprintf(path, sizeof(path), "%s%s/stats", c->bdi_dirfd ? "" : "/sys/kernel/debug/bdi/", m->bdi);
	if (fwb_read_kept(&k->stats_fd, c->bdi_dirfd ? c->bdi_dirfd - 1 : AT_FDCWD, path, buf, sizeof(buf)) > 0)
		fwb_parse_bdi_stats(m, buf);
	fwb_bdi_limit(m);
}

/*
 * debugfs's root is root's alone (0700), its bdi directory and stats files
 * are not (0755, 0444): with this directory opened while privileged,
 * `fusewb export --user` keeps reading every bdi's stats, also those of
 * mounts made later, holding no capability.
 */
void fwb_sysfs_open(struct fwb_sysfs *c, bool debugfs)
{
	int fd = debugfs ? open("/sys/kernel/debug/bdi", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

	c->bdi_dirfd = fd >= 0 ? fd + 1 : 0;
}

void fwb_sysfs_close(struct fwb_sysfs *c)
{
	for (int i = 0; i < FWB_KNOB_CACHE; i++)
		forget_fds(&c->knobs[i]);
	if (c->bdi_dirfd)
		close(c->bdi_dirfd - 1);
	c->bdi_dirfd = 0;
}
