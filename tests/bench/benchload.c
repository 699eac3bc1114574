// SPDX-License-Identifier: GPL-2.0-only
/*
 * benchload OBJECT [PROGRAM...]: load a bench BPF object (all its programs,
 * or only those named), attach each, print "NAME ID" per program and then
 * "ready", and hold them attached until stdin closes or a signal comes.
 * The bench counts its programs by id, so whatever else runs on the
 * machine (a fusewb of someone else's) is not counted.  While it runs it
 * holds run-time stats on (BPF_ENABLE_STATS, as kernel.bpf_stats_enabled
 * but owned by this process: nothing to restore, and another bench turning
 * the sysctl off does not stop them).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int wanted(const char *name, int argc, char **argv)
{
	if (argc <= 2)
		return 1;
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

static void quit(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	struct sigaction sa = { .sa_handler = quit };
	char c;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: benchload OBJECT [PROGRAM...]\n");
		return 2;
	}
	if (bpf_enable_stats(BPF_STATS_RUN_TIME) < 0) {
		fprintf(stderr, "benchload: BPF_ENABLE_STATS: %s\n", strerror(errno));
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "benchload: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, wanted(bpf_program__name(p), argc, argv));
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "benchload: load %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(p))
			continue;
		if (!bpf_program__attach(p)) {
			fprintf(stderr, "benchload: attach %s: %s\n", bpf_program__name(p), strerror(errno));
			return 1;
		}
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len)) {
			fprintf(stderr, "benchload: info %s: %s\n", bpf_program__name(p), strerror(errno));
			return 1;
		}
		printf("%s %u\n", bpf_program__name(p), info.id);
	}
	printf("ready\n");
	fflush(stdout);
	/* no SA_RESTART: a signal ends the read */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (read(0, &c, 1) > 0)
		;
	bpf_object__close(obj);
	return 0;
}
