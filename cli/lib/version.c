// SPDX-License-Identifier: GPL-2.0-only
/* The version this build reports: scripts/version.sh, written by make into version.h. */
#include "fusewb.h"
#include "version.h"

const char *fwb_version(void)
{
	return FWB_VERSION;
}
