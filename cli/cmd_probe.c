// SPDX-License-Identifier: GPL-2.0-only
/* fusewb probe: kernel facts and every data source's state, with the reason. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/fusewb.h"
#include "render/json.h"
#include "commands.h"

static void help(void)
{
	printf("Usage: fusewb probe [--json] [--no-load] [--source KIND]\n\n"
	       "Show the kernel release, whether BTF is present, and each data source:\n"
	       "in use, available (another source is preferred), unavailable or failed,\n"
	       "with the reason. By default the BPF object is loaded and attached, so\n"
	       "\"in use\" means it really works; --no-load only inspects the kernel.\n"
	       "Where a job has alternatives (requests before 6.12's tracepoints, the\n"
	       "kernel writeback view: a tracepoint, else fentry, else kprobes) the first\n"
	       "available is used, and a program the kernel rejects is left out (failed,\n"
	       "with the verifier's reason) for the next; --source shows what forcing one\n"
	       "kind would give.\n\n"
	       "  -j, --json         one JSON object\n"
	       "  -n, --no-load      do not load BPF (no root needed for most answers)\n"
	       "  -s, --source KIND  use only KIND where a job has alternatives: tracepoint,\n"
	       "                     fentry, kprobe or auto (default: $FUSEWB_SOURCE, or auto)\n"
	       "  -h, --help\n\n"
	       "EXAMPLES:\n"
	       "  fusewb probe\n"
	       "  fusewb probe --source kprobe      # the fallback on a patched kernel\n"
	       "  fusewb probe --json | jq '.sources[] | select(.state != \"in use\")'\n");
}

static void print_text(const struct fwb_kernel_info *ki, const struct fwb_source *s, int n, const char *loaderr)
{
	printf("kernel      %s\n", ki->release);
	printf("btf         %s\n", ki->btf ? "yes (/sys/kernel/btf/vmlinux)" : "NO: CO-RE programs cannot load");
	printf("root        %s\n", ki->root ? "yes" : "no: loading BPF needs root");
	printf("CONFIG_HZ   %u%s\n", ki->hz, ki->hz ? "" : " (unknown: not loaded, or no kernel config; request ages in jiffies assume 250)");
	if (loaderr)
		printf("load        FAILED: %s\n", loaderr);
	printf("\n%-42s %-12s %s\n", "SOURCE", "STATE", "FEEDS / WHY NOT");
	for (int i = 0; i < n; i++)
		printf("%-42s %-12s %s\n", s[i].name, fwb_source_state_str(s[i].state),
		       s[i].state == FWB_SRC_IN_USE ? s[i].what : s[i].reason);
}

static void print_json(const struct fwb_kernel_info *ki, const struct fwb_source *s, int n, const char *loaderr)
{
	printf("{\"kernel\":");
	fwb_json_str(stdout, ki->release);
	printf(",\"btf\":%s,\"root\":%s,\"hz\":%u,\"load_error\":", ki->btf ? "true" : "false",
	       ki->root ? "true" : "false", ki->hz);
	if (loaderr)
		fwb_json_str(stdout, loaderr);
	else
		printf("null");
	printf(",\"sources\":[");
	for (int i = 0; i < n; i++) {
		printf("%s{\"name\":", i ? "," : "");
		fwb_json_str(stdout, s[i].name);
		printf(",\"group\":");
		fwb_json_str(stdout, s[i].group);
		printf(",\"state\":");
		fwb_json_str(stdout, fwb_source_state_str(s[i].state));
		printf(",\"feeds\":");
		fwb_json_str(stdout, s[i].what);
		printf(",\"reason\":");
		fwb_json_str(stdout, s[i].reason);
		printf("}");
	}
	printf("]}\n");
}

int cmd_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-load", no_argument, NULL, 'n' },
		{ "source", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct fwb_opts o = { .quiet = false };
	struct fwb_collector *c = NULL;
	const struct fwb_source *srcs;
	struct fwb_source *own = NULL;
	struct fwb_kernel_info ki = {0};
	char err[512];
	bool json = false, noload = false;
	int ch, n, rc = 0;

	while ((ch = getopt_long(argc, argv, "jns:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'n': noload = true; break;
		case 's':
			if (fwb_opts_set_source(&o, optarg, "fusewb probe"))
				return 2;
			break;
		case 'h': help(); return 0;
		default: return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fusewb probe: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	o.quiet = json;
	if (!noload && fwb_collector_open(&c, &o, err, sizeof(err)) == 0) {
		srcs = fwb_collector_sources(c, &n);
		(json ? print_json : print_text)(fwb_collector_kernel(c), srcs, n, NULL);
	} else {
		/* still say what the kernel offers, and why loading failed */
		if (geteuid() == 0)
			fwb_ensure_kernel_fs(&ki, json);
		if (fwb_probe_kernel_forced(&ki, o.source, &own, &n)) {
			if (noload)
				fprintf(stderr, "fusewb probe: FUSEWB_SOURCE='%s': %s\n", getenv("FUSEWB_SOURCE"),
					fwb_source_force_error(getenv("FUSEWB_SOURCE")));
			else
				fprintf(stderr, "fusewb probe: %s\n", err);
			return 1;
		}
		(json ? print_json : print_text)(&ki, own, n, noload ? NULL : err);
		rc = noload ? 0 : 1;
	}
	fwb_collector_close(c);
	free(own);
	return rc;
}
