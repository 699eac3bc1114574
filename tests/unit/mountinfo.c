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
