// SPDX-License-Identifier: GPL-2.0-only
/* fusewb: observe FUSE writeback.  Dispatches to the subcommands. */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "lib/fusewb.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "probe", cmd_probe, "what this kernel offers and which data sources fusewb uses" },
	{ "stat", cmd_stat, "per-mount writeback report every interval, like iostat" },
	{ "top", cmd_top, "live monitor of every FUSE mount (also installed as fusewbtop)" },
	{ "export", cmd_export, "Prometheus exporter" },
	{ "diagnose", cmd_diagnose, "is the daemon hung, slow or gone; who is blocked; what to do" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: fusewb COMMAND [OPTIONS]\n\n"
		   "Observe Linux FUSE writeback with eBPF: why writes are slow, how much dirty\n"
		   "memory a mount holds against its limit, and whether the daemon is hung.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nOptions:\n"
		   "  -h, --help     this text\n"
		   "  -V, --version  print the version and exit (also after a command)\n"
		   "\nRun 'fusewb COMMAND --help' for a command's options.\n\n"
		   "EXAMPLES:\n"
		   "  fusewb probe                  # which data sources work on this kernel\n"
		   "  fusewb stat                   # every FUSE mount, every second\n"
		   "  fusewb stat --json -c 5 /mnt  # five NDJSON reports for one mount\n");
}

/* "PROG --version" or "PROG -V": "PROG VERSION", as coreutils and bcc's tools print it */
static bool version_asked(int argc, char **argv, const char *prog)
{
	if (argc < 2 || (strcmp(argv[1], "--version") && strcmp(argv[1], "-V")))
		return false;
	printf("%s %s\n", prog, fwb_version());
	return true;
}

int main(int argc, char **argv)
{
	const char *self = basename(argv[0]);

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		/* "fusewbtop" is "fusewb top": a front end reachable under its own name */
		if (!strncmp(self, "fusewb", 6) && !strcmp(self + 6, commands[i].name)) {
			/* getopt's messages then say "fusewbtop: ...", not the path it was run by */
			argv[0] = (char *)self;
			return version_asked(argc, argv, self) ? 0 : commands[i].run(argc, argv);
		}
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (version_asked(argc, argv, "fusewb"))
		return 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			static char prog[32];

			/* one error prefix: getopt's messages too say "fusewb stat: ..." */
			snprintf(prog, sizeof(prog), "fusewb %s", commands[i].name);
			argv[1] = prog;
			return version_asked(argc - 1, argv + 1, "fusewb") ? 0 :
			       commands[i].run(argc - 1, argv + 1);
		}
	fprintf(stderr, "fusewb: unknown command '%s' (see 'fusewb --help')\n", argv[1]);
	return 2;
}
