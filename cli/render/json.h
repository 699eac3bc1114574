/* SPDX-License-Identifier: GPL-2.0-only */
/* JSON output (pure): the stat schema (json.c) and diagnose's report (diag_json.c). */
#ifndef FWB_RENDER_JSON_H
#define FWB_RENDER_JSON_H

#include <stdio.h>
#include "lib/diag.h"
#include "lib/fusewb.h"

/* One NDJSON line of the stat schema (doc/json-schema.md) for a delta snapshot. */
void fwb_stat_json(FILE *f, const struct fwb_snapshot *d, double interval_s);
/* A JSON string, quoted and escaped. */
void fwb_json_str(FILE *f, const char *s);
/* A connection's mount points as a JSON array of strings. */
void fwb_json_mountpoints(FILE *f, const struct fwb_mount *m);
/* diagnose --json: one document for the set (doc/diagnose.md). */
void fwb_diag_json(FILE *f, const struct fwb_diag_set *set, const char *const *sources);

#endif
