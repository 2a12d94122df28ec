// SPDX-License-Identifier: GPL-2.0
/* Segment recovery (the intact gzip members kept), atomic files, the Prometheus textfile. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "procfs.h"
#include "prom.h"
#include "safefile.h"
#include "segments.h"
#include "session.h"

static char dir[] = "/tmp/kms-segments-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* one complete gzip member holding text */
static size_t member(const char *text, unsigned char *out, size_t cap)
{
	z_stream zs = {};

	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = strlen(text);
	zs.next_out = out;
	zs.avail_out = cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	deflateEnd(&zs);
	return zs.total_out;
}

static void append(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
}

static long long file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* a header, interval 1 (two lines), interval 2: a segment's members */
static void three_members(unsigned char m[3][256], size_t n[3])
{
	n[0] = member("{\"type\":\"header\"}\n", m[0], sizeof(m[0]));
	n[1] = member("{\"type\":\"interval\",\"seq\":1}\n{\"type\":\"site\"}\n", m[1],
		      sizeof(m[1]));
	n[2] = member("{\"type\":\"interval\",\"seq\":2}\n", m[2], sizeof(m[2]));
}

static void test_cut_keeps_whole_members(void **state)
{
	unsigned char m[3][256], *a = m[0], *b = m[1], *c = m[2];
	size_t n[3], na, nb, nc;
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/seg.gz", dir);
	three_members(m, n);
	na = n[0], nb = n[1], nc = n[2];
	append(path, a, na);
	append(path, b, nb);
	/* intact: nothing cut */
	assert_int_equal(gz_salvage_file(path), na + nb);
	/* a torn member at the end: cut back to the whole ones */
	append(path, c, nc / 2);
	assert_int_equal(gz_salvage_file(path), na + nb);
	assert_int_equal(file_size(path), na + nb);
	/* garbage (a block of zeros after a crash) */
	append(path, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(gz_salvage_file(path), na + nb);
	/* a whole member that ends inside a line is not kept */
	nc = member("{\"type\":\"interval\",\"se", c, sizeof(m[2]));
	append(path, c, nc);
	assert_int_equal(gz_salvage_file(path), na + nb);
	/* only garbage: empty */
	unlink(path);
	append(path, "junk", 4);
	assert_int_equal(gz_salvage_file(path), 0);
	assert_int_equal(file_size(path), 0);
	unlink(path);
	assert_int_equal(gz_salvage_file(path), -ENOENT);
}

/* a corrupt member in the middle: the intact ones after it are kept too */
static void test_salvage_corrupt_middle(void **state)
{
	unsigned char m[3][256], all[768];
	size_t len[3], na, nb, nc;
	char path[64];
	FILE *f;
	char line[128];
	int n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/mid.gz", dir);
	three_members(m, len);
	na = len[0], nb = len[1], nc = len[2];
	memcpy(all, m[0], na);
	memcpy(all + na, m[1], nb);
	memcpy(all + na + nb, m[2], nc);
	all[na + nb / 2] ^= 0x55; /* inside the second member's deflate data */
	all[na + nb - 5] ^= 0x55; /* and its CRC: corrupt whatever the flip decodes to */
	append(path, all, na + nb + nc);
	append(path, m[2], nc / 2); /* and a torn end */
	assert_int_equal(gz_salvage_file(path), na + nc);
	assert_int_equal(file_size(path), na + nc);
	/* what is left reads whole: the header and interval 2 */
	snprintf(line, sizeof(line), "zcat %s", path);
	f = popen(line, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n++;
	assert_int_equal(pclose(f), 0);
	assert_int_equal(n, 2);
	/* salvaging again changes nothing */
	assert_int_equal(gz_salvage_file(path), na + nc);
	unlink(path);
}

/* a member bigger than the read buffer, split across reads */
static void test_cut_big_member(void **state)
{
	size_t n = 1 << 20, nz;
	char *text = malloc(n + 1), path[64];
	unsigned char *z = malloc(n + 1024);

	(void)state;
	assert_non_null(text);
	assert_non_null(z);
	for (size_t i = 0; i < n; i++)
		text[i] = i % 61 == 60 ? '\n' : 'a' + (i * 7919) % 26;
	text[n - 1] = '\n';
	text[n] = '\0';
	snprintf(path, sizeof(path), "%s/big.gz", dir);
	nz = member(text, z, n + 1024);
	append(path, z, nz);
	append(path, z, nz / 3);
	assert_int_equal(gz_salvage_file(path), nz);
	unlink(path);
	free(text);
	free(z);
}

static void test_write_file_atomic(void **state)
{
	char path[64], tmp[80], buf[16] = "";
	struct stat st;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/k.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(write_file_atomic(path, "one\n", 4, 0644), 0);
	assert_int_equal(write_file_atomic(path, "two\n", 4, 0644), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(access(tmp, F_OK), -1);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "two\n");
	assert_int_equal(write_file_atomic("/nonexistent-dir/x", "x", 1, 0600), -ENOENT);
}

/*
 * the textfile's buddyinfo metrics carry the kernel's indices, as 0..1
 * ratios; the free block counts are node_exporter's node_buddyinfo_blocks,
 * not repeated
 */
static void test_prom_buddyinfo(void **state)
{
	/* 14 free pages in 11 blocks */
	struct buddyinfo b = {};
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(
		buddyinfo_parse("Node 0, zone   Normal     10      0      1      0 \n", &b), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	prom_buddyinfo(f, &b);
	fclose(f);
	assert_null(strstr(text, "buddyinfo_free_blocks"));
	assert_non_null(strstr(
		text,
		"kmemscope_unusable_free_index_ratio{node=\"0\",zone=\"Normal\",order=\"1\"} 0.714\n"));
	assert_non_null(strstr(
		text,
		"kmemscope_fragmentation_index_ratio{node=\"0\",zone=\"Normal\",order=\"2\"} -1.000\n"));
	/* 1000 - (1000 + 14 * 1000 / 8) / 11 = 750 */
	assert_non_null(strstr(
		text,
		"kmemscope_fragmentation_index_ratio{node=\"0\",zone=\"Normal\",order=\"3\"} 0.750\n"));
	free(text);
	buddyinfo_free(&b);
}

/* a site of the session's table, as the drain leaves it */
static struct site *mk_site(__u32 kind, const char *cache, char *caller, char *where, __u64 allocs,
			    __u64 req, __u64 alloc, __s64 live_bytes)
{
	struct site *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	x->id.kind = kind;
	snprintf(x->id.cache, sizeof(x->id.cache), "%s", cache);
	x->caller = caller;
	x->where = where;
	x->tot.allocs = allocs;
	x->tot.frees = allocs / 2;
	x->tot.bytes_req = req;
	x->tot.bytes_alloc = alloc;
	x->live_bytes = live_bytes;
	return x;
}

static void want_line(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing line: %s", line);
}

/*
 * The site series: one per call site (two offsets of one function are two
 * series), the same labels on every kind, the top K by bytes and one
 * "other" row with the rest; the whole-machine counters by kind count
 * every site, whatever K is.
 */
static void test_prom_sites(void **state)
{
	struct site *v[4];
	struct session s = {};
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	v[0] = mk_site(KMS_KIND_KMALLOC, "", "load_msg", "load_msg+0x41", 777, 296037, 397824, 0);
	v[1] = mk_site(KMS_KIND_KMALLOC, "", "load_msg", "load_msg+0x99", 10, 1000, 1280, 128);
	v[2] = mk_site(KMS_KIND_CACHE, "filp", "alloc_empty_file", "alloc_empty_file+0x3c", 3114,
		       572976, 597888, 1024);
	v[3] = mk_site(KMS_KIND_VMALLOC, "", "bpf_map_area_alloc", "bpf_map_area_alloc+0x20", 2,
		       8192, 8192, 8192);
	s.sites.list = v;
	s.sites.nr = 4;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	prom_format(f, &s, NULL, 2);
	fclose(f);
	want_line(text, "kmemscope_site_allocated_bytes_total{kind=\"kmem_cache\",cache=\"filp\","
			"caller=\"alloc_empty_file\",site=\"alloc_empty_file+0x3c\"} 597888\n");
	want_line(text, "kmemscope_site_allocated_bytes_total{kind=\"kmalloc\",cache=\"kmalloc\","
			"caller=\"load_msg\",site=\"load_msg+0x41\"} 397824\n");
	want_line(text, "kmemscope_site_requested_bytes_total{kind=\"kmalloc\",cache=\"kmalloc\","
			"caller=\"load_msg\",site=\"load_msg+0x41\"} 296037\n");
	want_line(text, "kmemscope_site_slack_bytes_total{kind=\"kmalloc\",cache=\"kmalloc\","
			"caller=\"load_msg\",site=\"load_msg+0x41\"} 101787\n");
	/* K = 2: load_msg+0x99 (1280 B) and the vmalloc site (8192 B) are "other" */
	assert_null(strstr(text, "site=\"load_msg+0x99\""));
	assert_null(strstr(text, "site=\"bpf_map_area_alloc+0x20\""));
	want_line(text, "kmemscope_site_allocated_bytes_total{kind=\"other\",cache=\"other\","
			"caller=\"other\",site=\"other\"} 9472\n");
	want_line(text, "kmemscope_site_allocations_total{kind=\"other\",cache=\"other\","
			"caller=\"other\",site=\"other\"} 12\n");
	want_line(text, "kmemscope_site_live_bytes{kind=\"other\",cache=\"other\",caller=\"other\","
			"site=\"other\"} 8320\n");
	/* by kind: every site */
	want_line(text, "kmemscope_allocations_total{kind=\"kmalloc\"} 787\n");
	want_line(text, "kmemscope_allocated_bytes_total{kind=\"kmalloc\"} 399104\n");
	want_line(text, "kmemscope_requested_bytes_total{kind=\"kmalloc\"} 297037\n");
	want_line(text, "kmemscope_slack_bytes_total{kind=\"kmalloc\"} 102067\n");
	want_line(text, "kmemscope_frees_total{kind=\"kmem_cache\"} 1557\n");
	want_line(text, "kmemscope_allocated_bytes_total{kind=\"vmalloc\"} 8192\n");
	want_line(text, "# TYPE kmemscope_build_info gauge\nkmemscope_build_info{version=\"");
	want_line(text, "# TYPE kmemscope_process_cpu_seconds_total counter\n");
	free(text);
	/* K larger than the sites: no "other" row */
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	prom_format(f, &s, NULL, 100);
	fclose(f);
	want_line(text, "site=\"load_msg+0x99\"} 1280\n");
	assert_null(strstr(text, "{kind=\"other\""));
	free(text);
	for (int i = 0; i < 4; i++)
		free(v[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_keeps_whole_members),
		cmocka_unit_test(test_cut_big_member),
		cmocka_unit_test(test_salvage_corrupt_middle),
		cmocka_unit_test(test_write_file_atomic),
		cmocka_unit_test(test_prom_buddyinfo),
		cmocka_unit_test(test_prom_sites),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
