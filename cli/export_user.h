/* SPDX-License-Identifier: GPL-2.0-only */
/* fusewb export --user: give up root once the BPF collector is loaded. */
#ifndef FWB_EXPORT_USER_H
#define FWB_EXPORT_USER_H

#include <stddef.h>

/*
 * Become user (name or numeric uid) with no supplementary groups and no
 * capabilities at all, not even in the bounding set; open fds (BPF maps,
 * links, the listening socket) keep working.  Call before any thread
 * starts: capset acts on the calling thread only.
 */
int export_drop_privileges(const char *user, char *err, size_t errlen);

#endif
