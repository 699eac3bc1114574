// SPDX-License-Identifier: GPL-2.0-only
/* Process plumbing shared by every front end: signals, sleeping, time, args */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fusewb.h"

volatile sig_atomic_t fwb_stop;

static void on_signal(int sig)
{
	(void)sig;
	fwb_stop = 1;
}

void fwb_install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* no SA_RESTART: a blocking read or sleep must return so we can detach cleanly */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

uint64_t fwb_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void fwb_sleep(double seconds)
{
	uint64_t end = fwb_mono_ns() + (uint64_t)(seconds * 1e9);

	while (!fwb_stop) {
		uint64_t now = fwb_mono_ns();
		struct timespec ts;
		uint64_t left;

		if (now >= end)
			break;
		left = end - now;
		if (left > 100000000ULL)
			left = 100000000ULL;
		ts.tv_sec = left / 1000000000ULL;
		ts.tv_nsec = left % 1000000000ULL;
		nanosleep(&ts, NULL);
	}
}

void fwb_trim_slashes(char *s)
{
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		s[--n] = 0;
}

int fwb_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

int fwb_opts_set_source(struct fwb_opts *o, const char *arg, const char *cmd)
{
	const char *why = fwb_source_force_error(arg);

	if (why) {
		fprintf(stderr, "%s: --source '%s': %s\n", cmd, arg, why);
		return -1;
	}
	o->source = arg;
	return 0;
}
