// SPDX-License-Identifier: GPL-2.0-only
/*
 * testfs - a pass-through FUSE filesystem with run-time fault injection.
 *
 * Every request is forwarded to a backing directory.  A control FIFO lets a
 * test slow down, stall, or fail requests while the filesystem stays
 * mounted, so that the kernel side of FUSE writeback can be observed under
 * pressure.  See tests/testfs/README.md and `testfs --help`.
 */
#define FUSE_USE_VERSION 35
#define _GNU_SOURCE

#include <fuse.h>
#include <fuse_lowlevel.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum op {
	OP_WRITE, OP_READ, OP_GETATTR, OP_SETATTR, OP_OPEN, OP_RELEASE,
	OP_FLUSH, OP_FSYNC, OP_CREATE, OP_LOOKUP, OP_READDIR, OP_STATFS,
	OP_MKDIR, OP_RMDIR, OP_UNLINK, OP_RENAME,
	OP_NR
};

static const char *const op_names[OP_NR] = {
	"write", "read", "getattr", "setattr", "open", "release",
	"flush", "fsync", "create", "lookup", "readdir", "statfs",
	"mkdir", "rmdir", "unlink", "rename",
};

/* All mutable fault-injection state; guarded by lock. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t resumed;
	unsigned int delay_ms[OP_NR];
	int stalled;
	/* Bumped on every resume so that waiters released by one resume do
	 * not get caught again by a stall issued right after it. */
	unsigned long resume_gen;
	unsigned int blocked;
	int fail_write;
	char *selfio_path;
	uint64_t requests_served;
	uint64_t writes;		/* WRITEs answered with data written */
	uint64_t write_bytes;		/* and the bytes they wrote */
	uint64_t write_replies;		/* every WRITE answered, errors too */
	uint64_t write_errors;
	uint64_t write_service_ns_sum;	/* handler entry to reply, all WRITEs */
	uint64_t write_service_ns_max;
} st = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.resumed = PTHREAD_COND_INITIALIZER,
};

static struct {
	int backfd;
	int foreground;
	int writeback_cache;	/* requested on the command line */
	int wbc_granted;	/* negotiated at INIT */
	int pidfile_written;
	char *control_path;
	char *status_path;
	char *pidfile;
	struct fuse_conn_info_opts *conn_opts;	/* -o max_write= etc. */
	struct fuse *fuse;
} g = { .backfd = -1 };

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("testfs: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int exiting(void)
{
	return g.fuse && fuse_session_exited(fuse_get_session(g.fuse));
}

/*
 * Sleep in short slices: libfuse joins its workers on shutdown and does not
 * cancel them inside handlers, so a long delay would otherwise hold up
 * unmount.
 */
static void sleep_ms(unsigned int ms)
{
	while (ms && !exiting()) {
		unsigned int n = ms > 100 ? 100 : ms;
		struct timespec ts = { n / 1000, (long)(n % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		ms -= n;
	}
}

/*
 * Every handler passes through here before touching the backing store, so
 * that stall/delay affect the request before any side effect happens.
 * High-level libfuse answers both LOOKUP and GETATTR with the getattr
 * handler and does not tell them apart, so both delays apply to it.
 */
static void gate(enum op op)
{
	unsigned int ms;

	pthread_mutex_lock(&st.lock);
	if (st.stalled) {
		unsigned long gen = st.resume_gen;

		st.blocked++;
		while (st.resume_gen == gen && !exiting()) {
			struct timespec ts;

			/* Timed so a dead session is noticed (see sleep_ms). */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&st.resumed, &st.lock, &ts);
		}
		st.blocked--;
	}
	ms = st.delay_ms[op];
	if (op == OP_GETATTR && st.delay_ms[OP_LOOKUP] > ms)
		ms = st.delay_ms[OP_LOOKUP];
	pthread_mutex_unlock(&st.lock);

	sleep_ms(ms);

	pthread_mutex_lock(&st.lock);
	st.requests_served++;
	pthread_mutex_unlock(&st.lock);
}

/* Paths from libfuse are absolute within the mount; the *at() calls want
 * them relative to the backing directory. */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static int tfs_getattr(const char *path, struct stat *sb,
		       struct fuse_file_info *fi)
{
	int res;

	gate(OP_GETATTR);
	if (fi)
		res = fstat((int)fi->fh, sb);
	else
		res = fstatat(g.backfd, rel(path), sb, AT_SYMLINK_NOFOLLOW);
	return res ? -errno : 0;
}

static int tfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
		       off_t off, struct fuse_file_info *fi,
		       enum fuse_readdir_flags flags)
{
	struct dirent *de;
	DIR *dp;
	int fd;

	(void)off;
	(void)fi;
	(void)flags;
	gate(OP_READDIR);
	fd = openat(g.backfd, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dp = fdopendir(fd);
	if (!dp) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* Offset 0 for every entry: libfuse buffers the whole listing, which
	 * is plenty for test directories. */
	while ((de = readdir(dp))) {
		struct stat sb = { .st_ino = de->d_ino,
				   .st_mode = (mode_t)de->d_type << 12 };

		if (filler(buf, de->d_name, &sb, 0, 0))
			break;
	}
	closedir(dp);
	return 0;
}

static int tfs_mkdir(const char *path, mode_t mode)
{
	gate(OP_MKDIR);
	return mkdirat(g.backfd, rel(path), mode) ? -errno : 0;
}

static int tfs_rmdir(const char *path)
{
	gate(OP_RMDIR);
	return unlinkat(g.backfd, rel(path), AT_REMOVEDIR) ? -errno : 0;
}

static int tfs_unlink(const char *path)
{
	gate(OP_UNLINK);
	return unlinkat(g.backfd, rel(path), 0) ? -errno : 0;
}

static int tfs_rename(const char *from, const char *to, unsigned int flags)
{
	gate(OP_RENAME);
	return renameat2(g.backfd, rel(from), g.backfd, rel(to), flags) ?
		-errno : 0;
}

static int tfs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int fd, res, err = 0;

	gate(OP_SETATTR);
	if (fi)
		return ftruncate((int)fi->fh, size) ? -errno : 0;
	fd = openat(g.backfd, rel(path), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	res = ftruncate(fd, size);
	if (res)
		err = -errno;
	close(fd);
	return err;
}

static int tfs_utimens(const char *path, const struct timespec tv[2],
		       struct fuse_file_info *fi)
{
	int res;

	gate(OP_SETATTR);
	if (fi)
		res = futimens((int)fi->fh, tv);
	else
		res = utimensat(g.backfd, rel(path), tv, AT_SYMLINK_NOFOLLOW);
	return res ? -errno : 0;
}

static int tfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int res;

	gate(OP_SETATTR);
	if (fi)
		res = fchmod((int)fi->fh, mode);
	else
		res = fchmodat(g.backfd, rel(path), mode, 0);
	return res ? -errno : 0;
}

static int tfs_chown(const char *path, uid_t uid, gid_t gid,
		     struct fuse_file_info *fi)
{
	int res;

	gate(OP_SETATTR);
	if (fi)
		res = fchown((int)fi->fh, uid, gid);
	else
		res = fchownat(g.backfd, rel(path), uid, gid,
			       AT_SYMLINK_NOFOLLOW);
	return res ? -errno : 0;
}

/*
 * With the writeback cache the kernel reads pages of write-only files to
 * fill partial pages, and it computes append offsets itself, so the backing
 * file must be readable and must not be O_APPEND.
 */
static int backing_flags(int flags)
{
	if (g.wbc_granted) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags | O_CLOEXEC;
}

static int tfs_open(const char *path, struct fuse_file_info *fi)
{
	int fd;

	gate(OP_OPEN);
	fd = openat(g.backfd, rel(path), backing_flags(fi->flags));
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	/* mmap must go through the page cache: that is what is under test. */
	fi->direct_io = 0;
	return 0;
}

static int tfs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd;

	gate(OP_CREATE);
	fd = openat(g.backfd, rel(path), backing_flags(fi->flags) | O_CREAT,
		    mode);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	fi->direct_io = 0;
	return 0;
}

static int tfs_read(const char *path, char *buf, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	gate(OP_READ);
	n = pread((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static void selfio(void)
{
	struct stat sb;
	char *path;
	int res;

	pthread_mutex_lock(&st.lock);
	path = st.selfio_path;
	st.selfio_path = NULL;
	pthread_mutex_unlock(&st.lock);
	if (!path)
		return;
	/* Deliberately re-enter our own mount from inside a WRITE handler. */
	logmsg("selfio: stat(%s) from WRITE handler", path);
	res = stat(path, &sb);
	logmsg("selfio: stat(%s) returned %s", path,
	       res ? strerror(errno) : "ok");
	free(path);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Count one WRITE answer: res is what the handler returns to libfuse. */
static void count_write(uint64_t start_ns, int res)
{
	uint64_t ns = now_ns() - start_ns;

	pthread_mutex_lock(&st.lock);
	st.write_replies++;
	if (res < 0) {
		st.write_errors++;
	} else {
		st.writes++;
		st.write_bytes += (uint64_t)res;
	}
	st.write_service_ns_sum += ns;
	if (ns > st.write_service_ns_max)
		st.write_service_ns_max = ns;
	pthread_mutex_unlock(&st.lock);
}

static int tfs_write(const char *path, const char *buf, size_t size,
		     off_t off, struct fuse_file_info *fi)
{
	uint64_t start_ns = now_ns();
	ssize_t n;
	int fail, res;

	(void)path;
	gate(OP_WRITE);

	pthread_mutex_lock(&st.lock);
	fail = st.fail_write;
	pthread_mutex_unlock(&st.lock);
	if (fail) {
		count_write(start_ns, -EIO);
		return -EIO;
	}

	n = pwrite((int)fi->fh, buf, size, off);
	/*
	 * After pwrite() so the backing mtime has moved: without the writeback
	 * cache the kernel then sees changed attributes on the GETATTR this
	 * stat() sends and invalidates the page cache, which waits for the
	 * very folios this unanswered WRITE carries.
	 */
	res = n < 0 ? -errno : (int)n;
	if (n >= 0)
		selfio();
	count_write(start_ns, res);
	return res;
}

static int tfs_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	gate(OP_STATFS);
	return fstatvfs(g.backfd, sv) ? -errno : 0;
}

/* FLUSH runs on every close(); closing a dup reports deferred write errors
 * of the backing fs to the closing process. */
static int tfs_flush(const char *path, struct fuse_file_info *fi)
{
	int fd;

	(void)path;
	gate(OP_FLUSH);
	fd = dup((int)fi->fh);
	if (fd < 0)
		return -errno;
	return close(fd) ? -errno : 0;
}

static int tfs_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	gate(OP_RELEASE);
	close((int)fi->fh);
	return 0;
}

static int tfs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	int res;

	(void)path;
	gate(OP_FSYNC);
	res = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);
	return res ? -errno : 0;
}

static int write_file_atomic(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	FILE *f;
	int err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	if (fputs(text, f) == EOF)
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	/* rename so a poller never sees a half-written file */
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static void *tfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	char buf[32];
	int err;

	cfg->use_ino = 1;
	/* The page cache is under test: never bypass it. */
	cfg->direct_io = 0;

	/* Off unless asked for, by --writeback-cache or -o writeback_cache. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	fuse_apply_conn_info_opts(g.conn_opts, conn);
	if (g.writeback_cache)
		conn->want |= FUSE_CAP_WRITEBACK_CACHE;
	if (!(conn->capable & FUSE_CAP_WRITEBACK_CACHE))
		conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	g.wbc_granted = !!(conn->want & FUSE_CAP_WRITEBACK_CACHE);
	if (g.writeback_cache && !g.wbc_granted)
		logmsg("kernel does not offer writeback cache");

	/* Written here, not in main(): INIT is being answered, so whoever
	 * waits for the pidfile finds a usable mount (and our final pid). */
	if (g.pidfile) {
		snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
		err = write_file_atomic(g.pidfile, buf);
		if (err)
			logmsg("pidfile %s: %s", g.pidfile, strerror(-err));
		else
			g.pidfile_written = 1;
	}
	return NULL;
}

static const struct fuse_operations tfs_ops = {
	.init		= tfs_init,
	.getattr	= tfs_getattr,
	.readdir	= tfs_readdir,
	.mkdir		= tfs_mkdir,
	.rmdir		= tfs_rmdir,
	.unlink		= tfs_unlink,
	.rename		= tfs_rename,
	.truncate	= tfs_truncate,
	.utimens	= tfs_utimens,
	.chmod		= tfs_chmod,
	.chown		= tfs_chown,
	.open		= tfs_open,
	.create		= tfs_create,
	.read		= tfs_read,
	.write		= tfs_write,
	.statfs		= tfs_statfs,
	.flush		= tfs_flush,
	.release	= tfs_release,
	.fsync		= tfs_fsync,
};

/* ---- control protocol ---- */

static int parse_ms(const char *s, unsigned int *ms)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 3600000UL)
		return -1;
	*ms = (unsigned int)v;
	return 0;
}

static int set_delay(const char *opname, const char *msstr)
{
	unsigned int ms;
	int i;

	if (parse_ms(msstr, &ms))
		return -1;
	pthread_mutex_lock(&st.lock);
	for (i = 0; i < OP_NR; i++)
		if (!strcmp(opname, "all") || !strcmp(opname, op_names[i]))
			break;
	if (i == OP_NR) {
		pthread_mutex_unlock(&st.lock);
		return -1;
	}
	if (!strcmp(opname, "all"))
		for (i = 0; i < OP_NR; i++)
			st.delay_ms[i] = ms;
	else
		st.delay_ms[i] = ms;
	pthread_mutex_unlock(&st.lock);
	return 0;
}

static int write_status(void)
{
	char text[2048];
	size_t len = 0;
	int i;

	pthread_mutex_lock(&st.lock);
	for (i = 0; i < OP_NR; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"delay_%s %u\n", op_names[i],
					st.delay_ms[i]);
	snprintf(text + len, sizeof(text) - len,
		 "stalled %d\nblocked %u\nfail_write %d\n"
		 "writeback_cache %d\nrequests_served %llu\n"
		 "writes %llu\nwrite_bytes %llu\nwrite_replies %llu\n"
		 "write_errors %llu\nwrite_service_ns_sum %llu\n"
		 "write_service_ns_max %llu\n",
		 st.stalled, st.blocked, st.fail_write, g.wbc_granted,
		 (unsigned long long)st.requests_served,
		 (unsigned long long)st.writes,
		 (unsigned long long)st.write_bytes,
		 (unsigned long long)st.write_replies,
		 (unsigned long long)st.write_errors,
		 (unsigned long long)st.write_service_ns_sum,
		 (unsigned long long)st.write_service_ns_max);
	pthread_mutex_unlock(&st.lock);
	return write_file_atomic(g.status_path, text);
}

/* Returns NULL on success or an error message. */
static const char *run_command(char *line)
{
	char *argv[4], *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 4;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return "empty command";

	if (!strcmp(argv[0], "delay") && argc == 3) {
		return set_delay(argv[1], argv[2]) ? "bad delay" : NULL;
	} else if (!strcmp(argv[0], "stall") && argc == 1) {
		pthread_mutex_lock(&st.lock);
		st.stalled = 1;
		pthread_mutex_unlock(&st.lock);
	} else if (!strcmp(argv[0], "resume") && argc == 1) {
		pthread_mutex_lock(&st.lock);
		st.stalled = 0;
		st.resume_gen++;
		pthread_cond_broadcast(&st.resumed);
		pthread_mutex_unlock(&st.lock);
	} else if (!strcmp(argv[0], "fail") && argc == 3 &&
		   !strcmp(argv[1], "write")) {
		int on;

		if (!strcmp(argv[2], "eio"))
			on = 1;
		else if (!strcmp(argv[2], "off"))
			on = 0;
		else
			return "usage: fail write eio|off";
		pthread_mutex_lock(&st.lock);
		st.fail_write = on;
		pthread_mutex_unlock(&st.lock);
	} else if (!strcmp(argv[0], "selfio") && argc == 2) {
		char *p = strdup(argv[1]);

		if (!p)
			return "out of memory";
		pthread_mutex_lock(&st.lock);
		free(st.selfio_path);
		st.selfio_path = p;
		pthread_mutex_unlock(&st.lock);
	} else if (!strcmp(argv[0], "status") && argc == 1) {
		if (write_status())
			return "cannot write status file";
	} else {
		return "unknown command";
	}
	return NULL;
}

static void *control_main(void *arg)
{
	char *line = NULL;
	size_t cap = 0;

	(void)arg;
	for (;;) {
		/* Blocks until a writer opens; every `echo > FIFO` is one
		 * open/EOF cycle, hence the reopen loop. */
		FILE *f = fopen(g.control_path, "r");

		if (!f) {
			if (errno != EINTR) {
				logmsg("control %s: %s", g.control_path,
				       strerror(errno));
				sleep(1);
			}
			continue;
		}
		while (getline(&line, &cap, f) > 0) {
			char cmd[256];
			const char *err;

			snprintf(cmd, sizeof(cmd), "%s", line);
			cmd[strcspn(cmd, "\r\n")] = '\0';
			if (!cmd[0])
				continue;
			err = run_command(line);
			if (g.foreground) {
				if (err)
					logmsg("nak %s: %s", cmd, err);
				else
					logmsg("ack %s", cmd);
			}
		}
		fclose(f);
	}
	return NULL;
}

/* ---- command line ---- */

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
"usage: %s [options] BACKING_DIR MOUNTPOINT\n"
"\n"
"Pass-through FUSE filesystem over BACKING_DIR with fault injection that\n"
"can be switched while mounted.\n"
"\n"
"OPTIONS\n"
"  --control PATH      create a FIFO at PATH; commands are read from it,\n"
"                      one per line\n"
"  --writeback-cache   request FUSE_CAP_WRITEBACK_CACHE at INIT (default off;\n"
"                      INIT-time only, cannot be changed while mounted)\n"
"  --delay OP=MS       initial delay for opcode OP, may repeat\n"
"  --pidfile PATH      write the daemon pid here once the mount is up\n"
"                      (after daemonizing; removed on clean exit)\n"
"  -f                  stay in foreground (acks control commands on stderr)\n"
"  -o OPT              passed through to libfuse (e.g. -o max_write=N,\n"
"                      -o allow_other, -o debug)\n"
"  -h, --help          show this help\n"
"\n"
"CONTROL COMMANDS (one per line on the FIFO)\n"
"  delay OP MS         each OP request sleeps MS ms before answering; OP is\n"
"                      write read getattr setattr open release flush fsync\n"
"                      create lookup readdir statfs mkdir rmdir unlink rename\n"
"                      or all; MS=0 clears.  LOOKUP and GETATTR share one\n"
"                      handler, so either delay applies to both\n"
"  stall               block every new request until resume\n"
"  resume              release all stalled requests\n"
"  fail write eio|off  WRITE returns EIO without writing while on\n"
"  selfio PATH         the next WRITE stat()s PATH first (one-shot); PATH\n"
"                      inside this mount provokes a self-deadlock\n"
"  status              write settings and counters to CONTROL.status\n"
"                      (key value per line, replaced atomically)\n"
"\n"
"Commands are applied in order, so waiting for a fresh CONTROL.status after\n"
"`status` proves that the preceding commands took effect.\n"
"\n"
"EXAMPLES\n"
"  %s --control /tmp/ctl --pidfile /tmp/pid /srv/back /mnt/t\n"
"  echo 'delay write 5' > /tmp/ctl\n"
"  echo stall > /tmp/ctl; ...; echo resume > /tmp/ctl\n"
"  echo 'fail write eio' > /tmp/ctl\n"
"  rm -f /tmp/ctl.status; echo status > /tmp/ctl; cat /tmp/ctl.status\n"
"  fusermount3 -u /mnt/t\n",
		prog, prog);
}

/* Resolve against the starting cwd: daemonizing moves us to /. */
static char *abspath(const char *p)
{
	char cwd[PATH_MAX], *r;

	if (p[0] == '/')
		return strdup(p);
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	if (asprintf(&r, "%s/%s", cwd, p) < 0)
		return NULL;
	return r;
}

/* Accepts "--name VALUE" and "--name=VALUE". */
static const char *optval(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config lcfg = { .clone_fd = 0, .max_idle_threads = 10 };
	const char *pos[2], *v;
	char *backing = NULL, *mnt = NULL;
	pthread_t ctl_thread;
	sigset_t all, old;
	int npos = 0, ret = 1, have_ctl = 0, i;
	struct fuse_session *se;

	if (fuse_opt_add_arg(&args, argv[0]) ||
	    fuse_opt_add_arg(&args, "-osubtype=testfs"))
		return 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, argv[0]);
			return 0;
		} else if (!strcmp(a, "-f")) {
			g.foreground = 1;
		} else if (!strcmp(a, "--writeback-cache")) {
			g.writeback_cache = 1;
		} else if ((v = optval(argc, argv, &i, "--control"))) {
			g.control_path = abspath(v);
		} else if ((v = optval(argc, argv, &i, "--pidfile"))) {
			g.pidfile = abspath(v);
		} else if ((v = optval(argc, argv, &i, "--delay"))) {
			char op[32];
			const char *eq = strchr(v, '=');

			if (!eq || (size_t)(eq - v) >= sizeof(op)) {
				fprintf(stderr, "testfs: bad --delay %s\n", v);
				return 2;
			}
			memcpy(op, v, (size_t)(eq - v));
			op[eq - v] = '\0';
			if (set_delay(op, eq + 1)) {
				fprintf(stderr, "testfs: bad --delay %s\n", v);
				return 2;
			}
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			if (fuse_opt_add_arg(&args, "-o") ||
			    fuse_opt_add_arg(&args, argv[++i]))
				return 1;
		} else if (!strncmp(a, "-o", 2) && a[2]) {
			if (fuse_opt_add_arg(&args, a))
				return 1;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "testfs: unknown option %s\n", a);
			usage(stderr, argv[0]);
			return 2;
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (npos != 2) {
		usage(stderr, argv[0]);
		return 2;
	}

	backing = realpath(pos[0], NULL);
	mnt = realpath(pos[1], NULL);
	if (!backing || !mnt) {
		fprintf(stderr, "testfs: %s: %s\n", backing ? pos[1] : pos[0],
			strerror(errno));
		return 1;
	}
	g.backfd = open(backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (g.backfd < 0) {
		fprintf(stderr, "testfs: %s: %s\n", backing, strerror(errno));
		return 1;
	}

	if (g.control_path) {
		if (asprintf(&g.status_path, "%s.status", g.control_path) < 0)
			return 1;
		unlink(g.control_path);
		if (mkfifo(g.control_path, 0600)) {
			fprintf(stderr, "testfs: mkfifo %s: %s\n",
				g.control_path, strerror(errno));
			return 1;
		}
		have_ctl = 1;
	}

	/* The high-level fuse_new() rejects connection tunables such as
	 * max_write; they are applied at INIT instead. */
	g.conn_opts = fuse_parse_conn_info_opts(&args);
	if (!g.conn_opts)
		goto out_ctl;
	g.fuse = fuse_new(&args, &tfs_ops, sizeof(tfs_ops), NULL);
	if (!g.fuse)
		goto out_ctl;
	se = fuse_get_session(g.fuse);
	if (fuse_mount(g.fuse, mnt))
		goto out_destroy;
	if (fuse_daemonize(g.foreground))
		goto out_unmount;
	if (fuse_set_signal_handlers(se))
		goto out_unmount;

	if (have_ctl) {
		/* Signals must reach a worker blocked in read(/dev/fuse) or
		 * the main thread; one landing here would be lost. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		if (pthread_create(&ctl_thread, NULL, control_main, NULL)) {
			logmsg("cannot start control thread");
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			goto out_signals;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}

	/* >0 means "stopped by a signal": a normal way to end. */
	ret = fuse_loop_mt(g.fuse, &lcfg) < 0 ? 1 : 0;

	if (have_ctl) {
		pthread_cancel(ctl_thread);
		pthread_join(ctl_thread, NULL);
	}
out_signals:
	fuse_remove_signal_handlers(se);
out_unmount:
	fuse_unmount(g.fuse);
out_destroy:
	fuse_destroy(g.fuse);
out_ctl:
	if (have_ctl)
		unlink(g.control_path);
	if (g.pidfile_written)
		unlink(g.pidfile);
	fuse_opt_free_args(&args);
	free(g.conn_opts);
	free(backing);
	free(mnt);
	return ret;
}
