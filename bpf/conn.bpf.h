/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The connection of a request, a mapping, a dentry or a temp-page request:
 * its number is the FUSE superblock's s_dev, as fusectl and the bdi name it.
 */
#ifndef FWB_CONN_BPF_H
#define FWB_CONN_BPF_H

#include "core_fixes.bpf.h"

/* with probe reads: mainline's req->chan->conn, or req->fm->fc before it */
static __always_inline __u32 req_conn_probe(const struct fuse_req *req)
{
	if (bpf_core_field_exists(req->fm))
		return BPF_CORE_READ(req, fm, fc, dev);
	return BPF_CORE_READ((struct fuse_req___chan *)req, chan, conn, dev);
}

/* through BTF: for the typed pointers of tp_btf and fentry programs */
static __always_inline __u32 fuse_conn_of(struct address_space *mapping)
{
	struct super_block *sb = mapping ? mapping->host->i_sb : NULL;

	if (!sb || sb->s_magic != FUSE_SUPER_MAGIC_FWB)
		return 0;
	return sb->s_dev;
}

static __always_inline __u32 fuse_conn_of_dentry(struct dentry *d)
{
	struct super_block *sb = d ? BPF_CORE_READ(d, d_sb) : NULL;

	if (!sb || BPF_CORE_READ(sb, s_magic) != FUSE_SUPER_MAGIC_FWB)
		return 0;
	return BPF_CORE_READ(sb, s_dev);
}

/* a temp-page request's, by the address of its struct fuse_writepage_args */
static __always_inline __u32 wpa_conn(__u64 wpa)
{
	return BPF_CORE_READ((struct fuse_writepage_args *)wpa, inode, i_sb, s_dev);
}

#endif
