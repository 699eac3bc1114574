// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the diagnose iterators: diag_files (daemons, users of FUSE
 * mounts, every connection's queues), diag_peers (the sockets and pipes
 * of the daemons and of the processes at their other ends), then
 * diag_tasks (threads worth a look; it reports the processes the first
 * two found, so the order matters).  Nothing here touches a FUSE mount.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "diag.h"

#define GROW(arr, n, rec) do {						\
	void *n_ = realloc((arr), sizeof(*(arr)) * ((n) + 1));		\
	if (!n_)							\
		return -ENOMEM;						\
	(arr) = n_;							\
	memcpy(&(arr)[(n)++], (rec), sizeof(*(arr)));			\
} while (0)

/* diag_peers runs more than once a look: each end once */
static bool ep_seen(const struct fwb_diag_raw *r, const struct fwb_diag_ep *e)
{
	for (int i = 0; i < r->neps; i++)
		if (r->eps[i].tgid == e->tgid && r->eps[i].fd == e->fd && r->eps[i].id == e->id)
			return true;
	return false;
}

/* a record of this kind, if it has its struct's size, appended to arr */
#define TAKE(kind, arr, n)						\
	case kind:							\
		if (h->size != sizeof(*(arr)))				\
			break;						\
		GROW(arr, n, h);					\
		return 0

static int add_record(struct fwb_diag_raw *r, const struct fwb_diag_hdr *h)
{
	switch (h->kind) {
	TAKE(FWB_DIAG_DEV, r->devs, r->ndevs);
	TAKE(FWB_DIAG_CONN, r->conns, r->nconns);
	TAKE(FWB_DIAG_REQ, r->reqs, r->nreqs);
	TAKE(FWB_DIAG_FILE, r->files, r->nfiles);
	TAKE(FWB_DIAG_TASK, r->tasks, r->ntasks);
	case FWB_DIAG_EP:
		if (h->size != sizeof(struct fwb_diag_ep))
			break;
		if (!ep_seen(r, (const struct fwb_diag_ep *)h))
			GROW(r->eps, r->neps, h);
		return 0;
	}
	r->skipped++;
	return 0;
}

int fwb_diag_parse(const void *buf, size_t len, struct fwb_diag_raw *r)
{
	size_t off = 0;

	while (off + sizeof(struct fwb_diag_hdr) <= len) {
		struct fwb_diag_hdr h;
		/* records are 8-byte multiples, but the buffer need not be aligned */
		union {
			struct fwb_diag_dev d;
			struct fwb_diag_conn c;
			struct fwb_diag_req q;
			struct fwb_diag_file f;
			struct fwb_diag_task t;
			struct fwb_diag_ep e;
		} u;
		int err;

		memcpy(&h, (const char *)buf + off, sizeof(h));
		if (h.size < sizeof(h) || h.size > len - off) {
			r->skipped++;
			return -EINVAL;	/* a torn stream: the rest cannot be framed */
		}
		if (h.size <= sizeof(u)) {
			memcpy(&u, (const char *)buf + off, h.size);
			err = add_record(r, (const struct fwb_diag_hdr *)&u);
			if (err)
				return err;
		} else {
			r->skipped++;
		}
		off += h.size;
	}
	return off == len ? 0 : -EINVAL;
}

/* The whole stream of one iterator session, so records never straddle reads. */
static int read_iter(struct fwb_collector *c, const char *prog, char **out, size_t *outlen)
{
	int fd = fwb_collector_iter_fd(c, prog), err = 0;

	if (fd < 0)
		return fd;
	if (!(*out = fwb_read_fd(fd, outlen)))
		err = -errno;
	close(fd);
	return err;
}

/*
 * A process on the path may come before the one that wants its end in a
 * walk: run diag_peers until a run finds no new end (at most one run per
 * hop and one more).  Without the iterator (an older object, a failed
 * attach) the report simply has no transport; r->peers_read says so.
 */
static int read_peers(struct fwb_collector *c, struct fwb_diag_raw *r)
{
	for (int run = 0; run <= FWB_DIAG_MAX_HOPS + 1; run++) {
		int before = r->neps, err;
		char *buf;
		size_t len;

		err = read_iter(c, "diag_peers", &buf, &len);
		if (err)
			return run ? 0 : err;
		r->peers_read = true;
		err = fwb_diag_parse(buf, len, r);
		free(buf);
		if (err == -ENOMEM)
			return err;
		if (r->neps == before)
			break;
	}
	return 0;
}

int fwb_diag_read(struct fwb_collector *c, struct fwb_diag_raw *r)
{
	/* diag_tasks measures off-CPU time against the reader's own arrival on a CPU */
	struct timespec nap = { 0, 200000 };
	char *buf;
	size_t len;
	int err;

	memset(r, 0, sizeof(*r));
	err = read_iter(c, "diag_files", &buf, &len);
	if (err)
		return err;
	err = fwb_diag_parse(buf, len, r);
	free(buf);
	if (err == -ENOMEM)
		goto fail;
	err = read_peers(c, r);
	if (err == -ENOMEM)
		goto fail;
	nanosleep(&nap, NULL);
	err = read_iter(c, "diag_tasks", &buf, &len);
	if (err)
		goto fail;
	err = fwb_diag_parse(buf, len, r);
	free(buf);
	if (err == -ENOMEM)
		goto fail;
	r->mono_ns = fwb_mono_ns();
	return 0;
fail:
	fwb_diag_raw_free(r);
	return err;
}

void fwb_diag_raw_free(struct fwb_diag_raw *r)
{
	free(r->devs);
	free(r->conns);
	free(r->reqs);
	free(r->files);
	free(r->tasks);
	free(r->eps);
	memset(r, 0, sizeof(*r));
}
