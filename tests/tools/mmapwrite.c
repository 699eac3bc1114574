// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmapwrite - dirty a file through a writable MAP_SHARED mapping, sync it,
 * and optionally verify the result with plain reads.
 *
 * The content of every 8-byte word is a hash of (seed, pass, page index,
 * offset in page), so a verifier needs only the same arguments, and a
 * stale page from an earlier pass is detected as a mismatch.
 *
 * Exit: 0 ok, 1 setup error, 2 usage, 3 sync/close error, 4 verify mismatch.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum sync_mode { SYNC_MSYNC, SYNC_FSYNC, SYNC_NONE };

static struct {
	uint64_t size;
	uint64_t seed;
	unsigned long passes;
	int rewrite;
	int verify;
	int verify_only;
	int size_given;
	enum sync_mode sync;
	unsigned long hold;
	const char *file;
} opt = { .size = 64ULL << 20, .seed = 1, .passes = 1, .sync = SYNC_MSYNC };

static size_t page_size;

/* splitmix64 finalizer: cheap, and every input bit affects every output bit. */
static inline uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t page_key(unsigned long pass, uint64_t page)
{
	return mix64(opt.seed ^ mix64(((uint64_t)pass << 40) ^ page));
}

static inline uint64_t pattern_word(uint64_t key, size_t off)
{
	return mix64(key + off);
}

static void fill_page(uint64_t *p, unsigned long pass, uint64_t page)
{
	uint64_t key = page_key(pass, page);
	size_t off;

	for (off = 0; off < page_size; off += 8)
		p[off / 8] = pattern_word(key, off);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: mmapwrite [--size MiB] [--seed N] [--passes N] [--rewrite] [--verify]\n"
"                 [--verify-only] [--sync msync|fsync|none] [--hold SECONDS]\n"
"                 FILE\n"
"\n"
"  --size MiB      file size (default 64)\n"
"  --seed N        pattern seed (default 1)\n"
"  --passes N      write the whole mapping N times, each pass with its own\n"
"                  pattern (default 1)\n"
"  --rewrite       after each pass, start writeback and immediately re-dirty\n"
"                  every page, so the writer may wait on pages under writeback\n"
"  --sync MODE     msync (MS_SYNC, default), fsync, or none\n"
"  --hold SECONDS  sleep with the mapping dirty before syncing\n"
"  --verify        re-read FILE with pread and compare with the last pass\n"
"  --verify-only   only verify an existing FILE (same --seed/--passes)\n"
"\n"
"exit: 0 ok, 1 setup error, 2 usage, 3 sync/close error, 4 verify mismatch\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || end == s || *end || s[0] == '-') ? -1 : 0;
}

/* Returns 0 if FILE holds the pattern of the last pass, 4 on mismatch. */
static int verify(void)
{
	const size_t chunk = 1 << 20;
	unsigned long pass = opt.passes - 1;
	uint64_t off = 0, fsize;
	unsigned char *buf;
	struct stat sb;
	int fd, ret = 0;

	fd = open(opt.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "mmapwrite: %s: %s\n", opt.file, strerror(errno));
		return 1;
	}
	fsize = (uint64_t)sb.st_size;
	if ((opt.size_given || !opt.verify_only) && fsize != opt.size) {
		fprintf(stderr, "mmapwrite: verify: size %" PRIu64
			", expected %" PRIu64 "\n", fsize, opt.size);
		close(fd);
		return 4;
	}
	/* Drop clean cached pages so the data really comes back from the
	 * filesystem rather than from the pages we just wrote. */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);

	buf = malloc(chunk);
	if (!buf) {
		close(fd);
		return 1;
	}
	while (off < fsize) {
		size_t want = fsize - off < chunk ? (size_t)(fsize - off) : chunk;
		size_t got = 0, i;

		while (got < want) {
			ssize_t n = pread(fd, buf + got, want - got,
					  (off_t)(off + got));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fprintf(stderr, "mmapwrite: verify: read at %" PRIu64
					": %s\n", off + got,
					n ? strerror(errno) : "short file");
				ret = n ? 1 : 4;
				goto out;
			}
			got += (size_t)n;
		}
		for (i = 0; i < want; i += 8) {
			uint64_t pos = off + i;
			uint64_t want_w = pattern_word(
				page_key(pass, pos / page_size),
				(size_t)(pos % page_size));
			unsigned char *exp = (unsigned char *)&want_w;
			size_t b;

			if (!memcmp(buf + i, exp, 8))
				continue;
			for (b = 0; buf[i + b] == exp[b]; b++)
				;
			fprintf(stderr, "mmapwrite: verify: mismatch at offset %"
				PRIu64 " (got 0x%02x, want 0x%02x)\n", pos + b,
				buf[i + b], exp[b]);
			ret = 4;
			goto out;
		}
		off += want;
	}
out:
	free(buf);
	close(fd);
	return ret;
}

/*
 * MS_ASYNC has been a no-op on Linux since 2.6.19, so writeback is started
 * explicitly; touching each page right after makes the fault path meet
 * pages that are still under writeback.
 */
static void start_writeback_and_redirty(int fd, unsigned char *map)
{
	uint64_t page, npages = opt.size / page_size;

	msync(map, opt.size, MS_ASYNC);
	sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	for (page = 0; page < npages; page++) {
		volatile uint64_t *w =
			(volatile uint64_t *)(map + page * page_size);

		*w = *w;
	}
}

static int sync_error(const char *what)
{
	fprintf(stderr, "mmapwrite: %s: %s\n", what, strerror(errno));
	return 3;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "passes", required_argument, NULL, 'p' },
		{ "rewrite", no_argument, NULL, 'r' },
		{ "verify", no_argument, NULL, 'v' },
		{ "verify-only", no_argument, NULL, 'V' },
		{ "sync", required_argument, NULL, 'y' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v, written = 0;
	unsigned char *map;
	double t0, elapsed;
	unsigned long pass;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_u64(optarg, &v) || v == 0 || v > (1ULL << 20))
				goto bad;
			opt.size = v << 20;
			opt.size_given = 1;
			break;
		case 'S':
			if (parse_u64(optarg, &opt.seed))
				goto bad;
			break;
		case 'p':
			if (parse_u64(optarg, &v) || v == 0 || v > 1000000)
				goto bad;
			opt.passes = (unsigned long)v;
			break;
		case 'r':
			opt.rewrite = 1;
			break;
		case 'v':
			opt.verify = 1;
			break;
		case 'V':
			opt.verify_only = 1;
			break;
		case 'y':
			if (!strcmp(optarg, "msync"))
				opt.sync = SYNC_MSYNC;
			else if (!strcmp(optarg, "fsync"))
				opt.sync = SYNC_FSYNC;
			else if (!strcmp(optarg, "none"))
				opt.sync = SYNC_NONE;
			else
				goto bad;
			break;
		case 'H':
			if (parse_u64(optarg, &v) || v > 86400)
				goto bad;
			opt.hold = (unsigned long)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	opt.file = argv[optind];
	page_size = (size_t)sysconf(_SC_PAGESIZE);

	if (opt.verify_only) {
		t0 = now();
		ret = verify();
		if (ret)
			return ret;
		printf("mmapwrite: wrote 0 bytes in %.3f s (0.0 MiB/s), "
		       "verify ok\n", now() - t0);
		return 0;
	}

	fd = open(opt.file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "mmapwrite: %s: %s\n", opt.file, strerror(errno));
		return 1;
	}
	if (ftruncate(fd, (off_t)opt.size)) {
		fprintf(stderr, "mmapwrite: ftruncate: %s\n", strerror(errno));
		return 1;
	}
	map = mmap(NULL, opt.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "mmapwrite: mmap: %s\n", strerror(errno));
		return 1;
	}

	t0 = now();
	for (pass = 0; pass < opt.passes; pass++) {
		uint64_t page, npages = opt.size / page_size;

		for (page = 0; page < npages; page++)
			fill_page((uint64_t *)(map + page * page_size), pass,
				  page);
		written += opt.size;
		if (opt.rewrite)
			start_writeback_and_redirty(fd, map);
	}

	if (opt.hold) {
		double h0 = now();

		fprintf(stderr, "mmapwrite: holding %lu s with %" PRIu64
			" dirty bytes mapped\n", opt.hold, opt.size);
		sleep((unsigned int)opt.hold);
		t0 += now() - h0;	/* the hold is not write time */
	}

	if (opt.sync == SYNC_MSYNC && msync(map, opt.size, MS_SYNC))
		return sync_error("msync");
	if (opt.sync == SYNC_FSYNC && fsync(fd))
		return sync_error("fsync");
	if (munmap(map, opt.size))
		return sync_error("munmap");
	/* close() sends FLUSH, which may be the first to see a write error. */
	if (close(fd))
		return sync_error("close");
	elapsed = now() - t0;

	if (opt.verify) {
		ret = verify();
		if (ret)
			return ret;
	}
	printf("mmapwrite: wrote %" PRIu64 " bytes in %.3f s (%.1f MiB/s), "
	       "verify %s\n", written, elapsed,
	       elapsed > 0 ? (double)written / (1 << 20) / elapsed : 0.0,
	       opt.verify ? "ok" : "skipped");
	return 0;

bad:
	fprintf(stderr, "mmapwrite: bad argument: %s\n", optarg);
	usage(stderr);
	return 2;
}
