// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mount table: /proc/self/mountinfo's FUSE mounts, one record a
 * connection (bind mounts are its further mount points).  Parsing is pure
 * (tests/unit/mountinfo.c); the table is kept parsed in the collector's
 * struct fwb_mtab and read again only when it changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "resolver.h"

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
static int mtab_refresh(struct fwb_mtab *mtab)
{
	struct pollfd p;
	char *text;
	int err;

	if (!mtab->fd) {
		int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return -errno;
		mtab->fd = fd + 1;
		mtab->valid = false;
	}
	p = (struct pollfd){ .fd = mtab->fd - 1, .events = POLLPRI };
	if (mtab->valid && poll(&p, 1, 0) == 0)
		return 0;
	/* read after the poll: a change in between is read now and announced again */
	if (lseek(mtab->fd - 1, 0, SEEK_SET) < 0)
		return -errno;
	if (!(text = fwb_read_fd(mtab->fd - 1, NULL)))
		return -errno;
	fwb_free_mounts(mtab->mounts, mtab->n);
	mtab->mounts = NULL;
	mtab->n = 0;
	err = fwb_parse_mountinfo(text, &mtab->mounts, &mtab->n);
	free(text);
	mtab->valid = !err;
	return err;
}

int fwb_mtab_read(struct fwb_mtab *mtab, struct fwb_mount **mounts, int *n)
{
	int err = mtab_refresh(mtab);

	if (!err)
		err = copy_mounts(mtab->mounts, mtab->n, mounts);
	if (!err)
		*n = mtab->n;
	return err;
}

void fwb_mtab_close(struct fwb_mtab *mtab)
{
	if (mtab->fd)
		close(mtab->fd - 1);
	fwb_free_mounts(mtab->mounts, mtab->n);
	*mtab = (struct fwb_mtab){ 0 };
}
