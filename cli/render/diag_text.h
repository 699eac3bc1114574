/* SPDX-License-Identifier: GPL-2.0-only */
/* fusewb diagnose: the report for people (verdict first, then evidence). */
#ifndef FWB_DIAG_TEXT_H
#define FWB_DIAG_TEXT_H

#include <stdio.h>
#include "lib/diag.h"

/* verbose: every daemon thread and every blocked task's kernel stack */
void diag_print_text(FILE *f, const struct fwb_diag_set *set, bool verbose);

#endif
