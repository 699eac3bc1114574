// SPDX-License-Identifier: GPL-2.0-only
/*
 * benchload [-l LABEL] [-s VAR=VALUE]... OBJECT [PROGRAM...]: load a BPF
 * object (all its programs, or only those named), attach each, print "NAME
 * ID" per program and then "ready", and hold them attached until stdin closes or a signal comes.
 * The bench counts its programs by id, so whatever else runs on the
 * machine (a fusewb of someone else's) is not counted.  While it runs it
 * holds run-time stats on (BPF_ENABLE_STATS, as kernel.bpf_stats_enabled
 * but owned by this process: nothing to restore, and another bench turning
 * the sysctl off does not stop them).
 *
 * -s sets a const volatile (.rodata) variable before load, as fusewb's
 * loader does (e.g. sample_shift=0 to time every request); -l prints
 * LABEL_send / LABEL_end instead of the program's names (what follows its
 * last '_'), for a second copy of fusewb's programs beside the first.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int wanted(const char *name, int argc, char **argv)
{
	if (argc <= 1)
		return 1;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

/* VAR=VALUE: a variable of .rodata, of 1, 2, 4 or 8 bytes */
static int set_rodata(struct bpf_object *obj, const char *assign)
{
	const char *eq = strchr(assign, '=');
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *m = bpf_object__find_map_by_name(obj, ".rodata");
	unsigned long long v;
	size_t size;
	char *data;
	int sec;

	if (!eq || !btf || !m || !(data = (char *)bpf_map__initial_value(m, &size)))
		return -1;
	v = strtoull(eq + 1, NULL, 0);
	sec = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (sec < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(btf, sec);
	const struct btf_var_secinfo *vs = btf_var_secinfos(t);

	for (int i = 0; i < btf_vlen(t); i++, vs++) {
		const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off);

		if (strlen(name) != (size_t)(eq - assign) || strncmp(name, assign, eq - assign))
			continue;
		if (vs->offset + vs->size > size || (vs->size != 1 && vs->size != 2 && vs->size != 4 && vs->size != 8))
			return -1;
		memcpy(data + vs->offset, &v, vs->size);	/* little-endian: the low bytes */
		return 0;
	}
	return -1;
}

/* what the printed name of program p is: LABEL_<what follows its last '_'> with -l */
static void print_name(const char *label, const char *name)
{
	const char *tail = strrchr(name, '_');

	if (label && tail)
		printf("%s%s", label, tail);
	else
		printf("%s", name);
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
	const char *label = NULL, *sets[16];
	int nsets = 0, opt, err;
	char c;

	while ((opt = getopt(argc, argv, "l:s:")) != -1) {
		if (opt == 'l')
			label = optarg;
		else if (opt == 's' && nsets < 16)
			sets[nsets++] = optarg;
		else
			optind = argc + 1;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: benchload [-l LABEL] [-s VAR=VALUE]... OBJECT [PROGRAM...]\n");
		return 2;
	}
	argv += optind;
	argc -= optind;
	if (bpf_enable_stats(BPF_STATS_RUN_TIME) < 0) {
		fprintf(stderr, "benchload: BPF_ENABLE_STATS: %s\n", strerror(errno));
		return 1;
	}
	obj = bpf_object__open_file(argv[0], NULL);
	if (!obj) {
		fprintf(stderr, "benchload: %s: %s\n", argv[0], strerror(errno));
		return 1;
	}
	for (int i = 0; i < nsets; i++)
		if (set_rodata(obj, sets[i])) {
			fprintf(stderr, "benchload: cannot set %s in %s's .rodata\n", sets[i], argv[0]);
			return 1;
		}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, wanted(bpf_program__name(p), argc, argv));
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "benchload: load %s: %s\n", argv[0], strerror(-err));
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
		print_name(label, bpf_program__name(p));
		printf(" %u\n", info.id);
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
