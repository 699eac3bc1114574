// SPDX-License-Identifier: GPL-2.0-only
/*
 * fakepeer: pose as a fusewb of another build for fusewb diagnose's history
 * (cli/lib/peer.c).  It copies the sizes of a real collector's pinned maps
 * (bss, op_stats under LIKE) into maps of its own, whose value type is a
 * different layout of the same size (or, with --no-btf, has no BTF), pins
 * them under ROOT/<its pid>-<its start time>/ and waits until killed.  A
 * check by map sizes alone would adopt them.
 *
 *   fakepeer [--no-btf] LIKE_DIR ROOT      prints "ready" once pinned
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static char dir[512];

static void unpin(void)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/bss", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/op_stats", dir);
	unlink(p);
	rmdir(dir);
}

static void on_term(int sig)
{
	(void)sig;
	unpin();
	_exit(0);
}

/* a struct of value_size bytes, one char array: the same size, another layout */
static int other_layout(__u32 value_size, int *btf_fd, __u32 *key_id, __u32 *value_id)
{
	struct btf *btf = btf__new_empty();
	int ch, arr;

	if (!btf)
		return -1;
	*key_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ch = btf__add_int(btf, "char", 1, 0);
	arr = btf__add_array(btf, *key_id, ch, value_size);
	*value_id = btf__add_struct(btf, "fusewb_other_build", value_size);
	if (btf__add_field(btf, "raw", arr, 0, 0) || btf__load_into_kernel(btf))
		return -1;
	*btf_fd = btf__fd(btf);	/* kept open (and btf not freed) while the map lives */
	return 0;
}

static int copy_map(const char *like, const char *name, int no_btf)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	LIBBPF_OPTS(bpf_map_create_opts, o);
	char p[600];
	int fd, nfd, btf_fd;
	__u32 key_id, value_id;

	snprintf(p, sizeof(p), "%s/%s", like, name);
	fd = bpf_obj_get(p);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "fakepeer: %s: %s\n", p, strerror(errno));
		return -1;
	}
	close(fd);
	o.map_flags = info.map_flags;
	if (!no_btf) {
		if (other_layout(info.value_size, &btf_fd, &key_id, &value_id)) {
			fprintf(stderr, "fakepeer: cannot load a BTF\n");
			return -1;
		}
		o.btf_fd = btf_fd;
		o.btf_key_type_id = key_id;
		o.btf_value_type_id = value_id;
	}
	nfd = bpf_map_create(info.type, name, info.key_size, info.value_size, info.max_entries, &o);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (nfd < 0 || bpf_obj_pin(nfd, p)) {
		fprintf(stderr, "fakepeer: create/pin %s: %s\n", p, strerror(errno));
		return -1;
	}
	return 0;
}

static unsigned long long start_ticks(void)
{
	char buf[1024], *p;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	for (int i = 2; p && *p && i < 22; i++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

int main(int argc, char **argv)
{
	int no_btf = argc > 1 && !strcmp(argv[1], "--no-btf");

	if (argc != 3 + no_btf) {
		fprintf(stderr, "usage: fakepeer [--no-btf] LIKE_DIR ROOT\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/%d-%llu", argv[2 + no_btf], (int)getpid(), start_ticks());
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (mkdir(dir, 0700) || copy_map(argv[1 + no_btf], "bss", no_btf) ||
	    copy_map(argv[1 + no_btf], "op_stats", no_btf)) {
		unpin();
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
