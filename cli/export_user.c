// SPDX-License-Identifier: GPL-2.0-only
/*
 * fusewb export --user: root is needed to load and attach BPF, not to read
 * the maps afterwards (their fds stay valid), so the long-running server
 * gives up its uid and every capability before it answers anything.
 * Raw capset(2) instead of libcap: one syscall is not worth a library.
 */
#define _GNU_SOURCE	/* setresuid, setresgid */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "lib/fusewb.h"
#include "export_user.h"

static int lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(user);
	char *end;
	unsigned long n;

	if (pw) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
		return 0;
	}
	/* containers often have no passwd entry for the uid they run as */
	errno = 0;
	n = strtoul(user, &end, 10);
	if (!*user || *end || errno || n >= (uid_t)-1)
		return -1;
	*uid = n;
	*gid = n;
	return 0;
}

static int last_cap(void)
{
	char *s = fwb_read_file("/proc/sys/kernel/cap_last_cap", NULL);
	int n = s ? atoi(s) : 0;

	free(s);
	return n > 0 ? n : CAP_LAST_CAP;
}

int export_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int last = last_cap();
	uid_t uid;
	gid_t gid;

	if (lookup(user, &uid, &gid))
		return fwb_errf(err, errlen, "unknown user '%s'", user);
	/* the bounding set can only be shrunk while CAP_SETPCAP is still held */
	for (int cap = 0; cap <= last; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			return fwb_errf(err, errlen, "cannot drop capability %d from the bounding set: %s",
				    cap, strerror(errno));
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return fwb_errf(err, errlen, "prctl(PR_SET_KEEPCAPS): %s", strerror(errno));
	if (setgroups(1, &gid))
		return fwb_errf(err, errlen, "setgroups: %s", strerror(errno));
	if (setresgid(gid, gid, gid))
		return fwb_errf(err, errlen, "setresgid(%u): %s", (unsigned)gid, strerror(errno));
	if (setresuid(uid, uid, uid))
		return fwb_errf(err, errlen, "setresuid(%u): %s", (unsigned)uid, strerror(errno));
	/* a uid change already cleared them unless the user is root; make it unconditional */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		return fwb_errf(err, errlen, "capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fwb_errf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	if (uid && (setuid(0) == 0 || seteuid(0) == 0))
		return fwb_errf(err, errlen, "still able to regain root after dropping it");
	return 0;
}
