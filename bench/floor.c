// SPDX-License-Identifier: GPL-2.0
/*
 * Loads bench/floor.bpf.c's empty programs and keeps them attached until
 * SIGINT/SIGTERM. Usage: floor OBJ [--pages] [--raw]
 * --raw: the kmem tracepoints as raw tracepoints (kmemscope's default),
 * otherwise as classic ones; the vmalloc ones are classic either way.
 * Prints "ready" once everything is attached.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	bool pages = false, raw = false;
	struct bpf_object *obj;
	struct bpf_program *prog;
	int n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJ [--pages] [--raw]\n", argv[0]);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		pages |= !strcmp(argv[i], "--pages");
		raw |= !strcmp(argv[i], "--raw");
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		perror("open");
		return 1;
	}
	bpf_object__for_each_program (prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		bool page_prog = strstr(sec, "mm_page_") || strstr(sec, "compaction");
		bool raw_prog = !strncmp(sec, "raw_tp/", 7);
		bool kmem_prog = !strncmp(sec, "tp/kmem/", 8) && !page_prog;

		if (raw_prog)
			bpf_program__set_autoload(prog, raw);
		else if (kmem_prog)
			bpf_program__set_autoload(prog, !raw);
		else
			bpf_program__set_autoload(prog, pages || !page_prog);
	}
	if (bpf_object__load(obj)) {
		perror("load");
		return 1;
	}
	bpf_object__for_each_program (prog, obj) {
		if (!bpf_program__autoload(prog))
			continue;
		if (!bpf_program__attach(prog))
			fprintf(stderr, "floor: cannot attach %s\n",
				bpf_program__section_name(prog));
		else
			n++;
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	printf("ready %d\n", n);
	fflush(stdout);
	while (!stop)
		pause();
	bpf_object__close(obj);
	return 0;
}
