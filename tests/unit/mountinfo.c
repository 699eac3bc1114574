// SPDX-License-Identifier: GPL-2.0-only
/* mountinfo parsing: FUSE mounts only, escapes, bind mounts of one connection */
#include <stdlib.h>
#include "lib/fusewb.h"
#include "tap.h"

static const char text[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"45 27 0:40 / /tmp/tm rw,nosuid,nodev,relatime - fuse.testfs testfs rw,user_id=0,group_id=0\n"
	"46 27 0:41 / /mnt/with\\040space rw shared:7 master:2 - fuse.sshfs user@host:/ rw,user_id=0\n"
	"47 27 0:40 /sub /srv/bind rw - fuse.testfs testfs rw,user_id=0,group_id=0\n"
	"48 27 8:17 / /media/usb rw - fuseblk /dev/sdb1 rw,user_id=0\n"
	"49 27 0:50 / /nfs rw - nfs4 srv:/ rw\n"
	"garbage line without separator\n";

/* the kernel's cap: thresh * max_ratio_fine / 1e6 (6.2+), thresh * max_ratio / 100 before */
static void test_limit(struct fwb_mount *m)
{
	char b[16];

	m->dirty_thresh_pages = 1178847;
	m->max_ratio = 0;
	m->max_ratio_fine = 885;		/* max_bytes 4 MiB */
	m->bdi_thresh_pages = 1043;
	fwb_bdi_limit(m);
	ok(m->cap_pages == 1043 && m->cap_binds == 1, "4 MiB cap: 1043 pages, binds (%lld)", (long long)m->cap_pages);
	is_str(fwb_limit_by_str(m), "cap", "limit_by cap");
	fwb_fmt_max_ratio(b, sizeof(b), m);
	is_str(b, "0.089", "max_ratio_fine 885 is 0.089 %");
	m->max_ratio = 1;
	m->max_ratio_fine = 10000;
	m->bdi_thresh_pages = 11702;	/* the idle-bdi floor, (thresh - dirty) / 100, under the cap */
	fwb_bdi_limit(m);
	ok(m->cap_pages == 11788 && m->cap_binds == 0, "1 %% cap above the threshold: its share binds");
	is_str(fwb_limit_by_str(m), "share", "limit_by share");
	fwb_fmt_max_ratio(b, sizeof(b), m);
	is_str(b, "1", "max_ratio_fine 10000 is 1 %");
	m->max_ratio_fine = -1;		/* before 6.2: whole percents only */
	fwb_bdi_limit(m);
	ok(m->cap_pages == 11788, "no max_ratio_fine: the cap from max_ratio");
	m->dirty_thresh_pages = -1;	/* no debugfs */
	fwb_bdi_limit(m);
	ok(m->cap_pages == -1 && !fwb_limit_by_str(m), "no DirtyThresh: cap and binding unknown");
	m->max_ratio = -1;
	fwb_fmt_max_ratio(b, sizeof(b), m);
	is_str(b, "-", "no knob: -");
}

int main(void)
{
	struct fwb_mount *m;
	int n = -1;

	ok(fwb_parse_mountinfo(text, &m, &n) == 0, "parses");
	ok(n == 3, "three FUSE connections (got %d)", n);
	if (n != 3)
		return tap_done();
	is_str(m[0].mountpoint, "/tmp/tm", "first mount point");
	ok(m[0].conn == 40, "0:40 is connection 40 (got %u)", m[0].conn);
	is_str(m[0].bdi, "0:40", "bdi of a fuse mount");
	ok(m[0].nmountpoints == 2, "bind mount folded into its connection");
	is_str(m[0].extra_mountpoints, "/srv/bind", "bind mount listed");
	is_str(m[1].mountpoint, "/mnt/with space", "octal escapes undone");
	is_str(m[1].fstype, "fuse.sshfs", "fs type with subtype");
	is_str(m[1].source, "user@host:/", "source");
	ok(m[2].conn == ((8u << 20) | 17), "fuseblk connection is the block dev_t");
	is_str(m[2].bdi, "8:17-fuseblk", "fuseblk bdi has its suffix");
	ok(m[0].max_ratio == -1 && m[0].waiting == -1, "unread knobs are unknown, not zero");
	ok(m[0].max_ratio_fine == -1 && m[0].cap_pages == -1 && m[0].cap_binds == -1 && m[0].peak_dirty_pages == -1,
	   "no cap, binding or peak before anything is read");
	test_limit(&m[0]);
	ok(fwb_is_fuse_fstype("fuse") && fwb_is_fuse_fstype("fuseblk.ntfs") &&
	   !fwb_is_fuse_fstype("fusectl") && !fwb_is_fuse_fstype("ext4"), "fs type classification");
	is_str(fwb_opcode_name(16), "WRITE", "opcode name");
	is_str(fwb_opcode_name(16 | FWB_OP_WRITEBACK), "WRITE(writeback)", "writeback pseudo-opcode");
	is_str(fwb_opcode_name(999), "OP_999", "unknown opcode");
	fwb_free_mounts(m, n);
	ok(fwb_parse_mountinfo("", &m, &n) == 0 && n == 0, "empty input, no mounts");
	fwb_free_mounts(m, n);
	return tap_done();
}
