// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the small files fusewb lives on (/proc, sysfs, fusectl, debugfs):
 * whole, as a number, or again through a kept descriptor.  Never a path
 * under a FUSE mount: a hung daemon would hang the read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fusewb.h"

char *fwb_read_fd(int fd, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *nb;
	ssize_t r;
	int err;

	if (!buf)
		return NULL;
	for (;;) {
		if (len + 1 >= cap) {
			if (!(nb = realloc(buf, cap * 2))) {
				err = ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += r;
	}
	buf[len] = 0;
	if (lenp)
		*lenp = len;
	return buf;
fail:
	/* a partial text would pass for the whole one */
	free(buf);
	errno = err;
	return NULL;
}

char *fwb_read_file(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	char *buf;

	if (fd < 0)
		return NULL;
	buf = fwb_read_fd(fd, lenp);
	close(fd);
	return buf;
}

int64_t fwb_read_int(const char *fmt, ...)
{
	char path[FWB_PATH_MAX];
	char *s, *end;
	long long v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	s = fwb_read_file(path, NULL);
	if (!s)
		return -1;
	v = strtoll(s, &end, 10);
	if (end == s)
		v = -1;
	free(s);
	return v;
}

/*
 * pread at offset 0 runs a sysfs or seq_file attribute's show() again: one
 * syscall a refresh instead of open, read and close.  A descriptor whose file
 * went away with its mount fails, and is opened again once.  Files opened
 * non-seekable are read whole each time: *fdp is then -1.  path is relative
 * to dirfd (AT_FDCWD or a kept directory).
 */
ssize_t fwb_read_kept(int *fdp, int dirfd, const char *path, char *buf, size_t len)
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
