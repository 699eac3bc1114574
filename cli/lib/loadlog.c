// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which program a failed BPF load names, and why, from libbpf's messages
 * (pure: unit-tested with a real 6.1 verifier log).  libbpf reports a
 * rejected program as
 *   libbpf: prog 'NAME': BPF program load failed: Invalid argument
 *   libbpf: prog 'NAME': -- BEGIN PROG LOAD LOG --\n<log>-- END PROG LOAD LOG --
 *   libbpf: prog 'NAME': failed to load: -22
 * and a program it cannot prepare (a missing attach target, a CO-RE
 * relocation) with one "prog 'NAME': <what>" line.
 */
#include <string.h>
#include <stdio.h>
#include "collector_priv.h"

/*
 * The verifier's reason in a program load log: the line before its
 * "processed N insns" summary, else the last line.
 */
static void log_reason(const char *log, char *out, size_t len)
{
	const char *line = log, *last = NULL;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		if (!strncmp(line, "processed ", 10) && last)
			break;
		if (n && strncmp(line, "-- END PROG LOAD LOG --", 23))
			last = line;
		line = nl ? nl + 1 : NULL;
	}
	if (!last) {
		snprintf(out, len, "rejected (no verifier log)");
		return;
	}
	snprintf(out, len, "%.*s", (int)strcspn(last, "\n"), last);
}

void fwb_load_failure_note(struct fwb_load_failure *f, const char *msg)
{
	const char *p = strstr(msg, "prog '"), *q, *rest;
	size_t n;

	if (!p)
		return;
	p += 6;
	q = strchr(p, '\'');
	if (!q || q[1] != ':')
		return;
	n = (size_t)(q - p);
	rest = q + 2;
	while (*rest == ' ')
		rest++;
	/* the first program that failed is the one to leave out */
	if (f->prog[0] && (strlen(f->prog) != n || strncmp(f->prog, p, n)))
		return;
	snprintf(f->prog, sizeof(f->prog), "%.*s", (int)n, p);
	if (!strncmp(rest, "-- BEGIN PROG LOAD LOG --", 25)) {
		log_reason(rest + 25, f->why, sizeof(f->why));
		return;
	}
	/* "BPF program load failed: EINVAL" says less than the log that follows */
	if (!f->why[0] && strncmp(rest, "failed to load", 14) && strncmp(rest, "BPF program load failed", 23))
		snprintf(f->why, sizeof(f->why), "%.*s", (int)strcspn(rest, "\n"), rest);
}
