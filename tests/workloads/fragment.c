// SPDX-License-Identifier: GPL-2.0
/*
 * Fragmentation workload: fault in MIB MiB of anonymous memory (order-0
 * pages, THP off for this range), then free one page of every buddy pair
 * it holds both pages of, so that the freed page cannot merge, hold, then
 * free the rest. Phases are separated by PAUSE_MS so a tracer sees them in
 * different intervals.
 *
 * Which pages are buddies is read from /proc/self/pagemap (frame numbers
 * need CAP_SYS_ADMIN): pages faulted one after another are not physically
 * adjacent (the per-CPU lists hand them out in their own order; measured on
 * 6.18, 3 of 131072 neighbours were), so "every other virtual page" frees
 * pages whose buddies are as often free as not, and how many blocks stay
 * order 0 depends on the machine's past. The line "isolated K" says how
 * many were freed with their buddy held; without frame numbers it falls
 * back to every other page and prints "isolated -1".
 * Usage: fragment MIB PAUSE_MS [CYCLES]
 * Cycles run in this one process, so that starting it (exec, path lookup)
 * happens once and does not recur in step with the fragmentation.
 *
 * fragment thp MIB PAUSE_MS BURSTS [hold]: BURSTS bursts of MIB MiB of
 * transparent huge pages (order 9: each takes a whole free pageblock from
 * the buddy lists, never a pcp-cached or hole order-0 page), PAUSE_MS apart;
 * with "hold" the memory stays mapped until the process is killed, so no
 * free undoes a burst inside a tracer's window.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#define PM_PFN_MASK ((1ULL << 55) - 1)
#define PM_SWAPPED (1ULL << 62) /* bits 0-54 are a swap entry then */
#define PM_PRESENT (1ULL << 63)

struct frame {
	uint64_t pfn;
	size_t idx;
};

static int frame_cmp(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* Frame numbers of the range, sorted; NULL when pagemap hides them. */
static struct frame *frames(const char *p, size_t pages, long page)
{
	uint64_t *ent = calloc(pages, sizeof(*ent));
	struct frame *f = calloc(pages, sizeof(*f));
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (off_t)((uintptr_t)p / (uintptr_t)page) * 8;
	int ok = fd >= 0 && ent && f && pread(fd, ent, pages * 8, off) == (ssize_t)(pages * 8);

	for (size_t i = 0; ok && i < pages; i++) {
		f[i].pfn = ent[i] & PM_PFN_MASK;
		f[i].idx = i;
		/* a page swapped out has no frame: no pairs then (every other page) */
		ok = (ent[i] & (PM_PRESENT | PM_SWAPPED)) == PM_PRESENT && f[i].pfn != 0;
	}
	if (fd >= 0)
		close(fd);
	free(ent);
	if (!ok) {
		free(f);
		return NULL;
	}
	qsort(f, pages, sizeof(*f), frame_cmp);
	return f;
}

/* Free the even page of every buddy pair held whole; returns how many. */
static long free_isolated(char *p, size_t pages, long page)
{
	struct frame *f = frames(p, pages, page);
	long n = 0;

	if (!f) {
		for (size_t i = 0; i < pages; i += 2)
			madvise(p + i * page, page, MADV_DONTNEED);
		return -1;
	}
	for (size_t i = 0; i + 1 < pages; i++) {
		if ((f[i].pfn & 1) || f[i + 1].pfn != f[i].pfn + 1)
			continue;
		madvise(p + f[i].idx * page, page, MADV_DONTNEED);
		n++;
		i++;
	}
	free(f);
	return n;
}

static int cycle(size_t len, long page, long ms)
{
	size_t pages = len / page;
	long isolated;
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* order-0 faults only: a huge page would not split anything */
	madvise(p, len, MADV_NOHUGEPAGE);
	pause_ms(ms);
	for (size_t i = 0; i < pages; i++)
		p[i * page] = 1;
	printf("faulted %zu pages\n", pages);
	fflush(stdout);
	pause_ms(ms);
	isolated = free_isolated(p, pages, page);
	printf("isolated %ld\n", isolated);
	fflush(stdout);
	pause_ms(ms);
	munmap(p, len);
	printf("freed the rest\n");
	fflush(stdout);
	pause_ms(ms);
	return 0;
}

#define THP_SIZE (2UL << 20)

static int thp_bursts(size_t len, long ms, long bursts, int hold)
{
	size_t total = len * bursts;
	/* one spare huge page: mmap need not return a 2 MiB aligned start */
	char *m = mmap(NULL, total + THP_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p;

	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	p = (char *)(((unsigned long)m + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (madvise(p, total, MADV_HUGEPAGE)) {
		perror("madvise(MADV_HUGEPAGE)");
		return 1;
	}
	for (long b = 0; b < bursts; b++) {
		for (size_t off = 0; off < len; off += THP_SIZE)
			p[b * len + off] = 1;
		printf("burst %ld\n", b);
		fflush(stdout);
		pause_ms(ms);
	}
	printf("held\n");
	fflush(stdout);
	while (hold)
		pause();
	munmap(m, total + THP_SIZE);
	return 0;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE), cycles;

	if (argc >= 5 && !strcmp(argv[1], "thp"))
		return thp_bursts((size_t)atol(argv[2]) << 20, atol(argv[3]), atol(argv[4]),
				  argc == 6 && !strcmp(argv[5], "hold"));

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s MIB PAUSE_MS [CYCLES]\n", argv[0]);
		return 2;
	}
	cycles = argc == 4 ? atol(argv[3]) : 1;
	for (long c = 0; c < cycles; c++) {
		if (cycle((size_t)atol(argv[1]) << 20, page, atol(argv[2])))
			return 1;
		/* idle between cycles: the correlation needs quiet intervals too */
		pause_ms(2 * atol(argv[2]));
	}
	return 0;
}
