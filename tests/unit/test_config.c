// SPDX-License-Identifier: GPL-2.0
/* The daemon's config file: values, defaults, comments, file:line errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"

static char err[512];

static int parse(const char *text, struct daemon_config *c)
{
	config_defaults(c);
	return config_parse("test.conf", text, c, err, sizeof(err));
}

static void test_fragmentation_keys(void **state)
{
	struct daemon_config c;

	(void)state;
	assert_int_equal(parse("interval = 2\npagetype_period = 30\npage_order_threshold = 3\n"
			       "pages = yes\nfrag = no\ncorr_window = 30\ncorr_lag = 4\n",
			       &c),
			 0);
	assert_int_equal(c.topts.pagetype_period, 15);
	assert_int_equal(c.topts.page_order, 3);
	assert_true(c.topts.pages && !c.topts.frag);
	assert_int_equal(c.topts.corr_window, 30);
	assert_int_equal(c.topts.corr_lag, 4);
	assert_int_equal(parse("corr_window = 10\ncorr_lag = 10\n", &c), -EINVAL);
	assert_int_equal(parse("pages = maybe\n", &c), -EINVAL);
	assert_int_equal(parse("corr_window = 2\n", &c), -EINVAL);
}

static void test_defaults(void **state)
{
	struct daemon_config c;

	(void)state;
	assert_int_equal(parse("", &c), 0);
	assert_true(c.interval == 10);
	assert_true(c.pagetype_period == 60);
	assert_int_equal(c.page_order_threshold, 1);
	/* passed on to the session in intervals: 60 s / 10 s */
	assert_int_equal(c.topts.page_order, 1);
	assert_int_equal(c.topts.pagetype_period, 6);
	assert_true(c.topts.frag && !c.topts.pages);
	assert_int_equal(c.top_sites, 100);
	assert_int_equal(c.rotate_bytes, 16 << 20);
	assert_true(c.rotate_age == 3600);
	assert_int_equal(c.retain_segments, 168);
	assert_int_equal(c.retain_bytes, 1ULL << 30);
	assert_true(c.topts.kmalloc && c.topts.cache && c.topts.vmalloc && c.topts.track_live);
	assert_string_equal(c.export_dir, "");
	assert_string_equal(c.prom_textfile, "");
	assert_int_equal(c.prom_top_sites, 100);
}

static void test_every_key(void **state)
{
	struct daemon_config c;
	const char *text = "# comment\n"
			   "\n"
			   "   # indented comment\n"
			   "interval = 2.5\n"
			   "pagetype_period=5m\n"
			   "page_order_threshold = 0\n"
			   "top_sites = 0   # all of them\n"
			   "allocators = kmalloc,vmalloc\n"
			   "vmalloc_mode = kprobe\n"
			   "live_entries = 1024\n"
			   "site_entries = 2048\n"
			   "track_live = no\n"
			   "export_dir = /srv/kms#1\n"
			   "rotate_size = 1M\n"
			   "rotate_age = 2h\n"
			   "retain_segments = 10\n"
			   "retain_bytes = 1g\n"
			   "queue_limit = 128K\n"
			   "prom_textfile = /var/lib/node_exporter/kmemscope.prom\r\n";

	(void)state;
	assert_int_equal(parse(text, &c), 0);
	assert_true(c.interval == 2.5);
	assert_true(c.pagetype_period == 300);
	assert_int_equal(c.page_order_threshold, 0);
	assert_int_equal(c.top_sites, 0);
	assert_true(c.topts.kmalloc && !c.topts.cache && c.topts.vmalloc);
	assert_int_equal(c.topts.vm_mode, KMS_VM_KPROBE);
	assert_int_equal(c.topts.live_entries, 1024);
	assert_int_equal(c.topts.site_entries, 2048);
	assert_false(c.topts.track_live);
	assert_string_equal(c.export_dir, "/srv/kms#1");
	assert_int_equal(c.rotate_bytes, 1 << 20);
	assert_true(c.rotate_age == 7200);
	assert_int_equal(c.retain_segments, 10);
	assert_int_equal(c.retain_bytes, 1ULL << 30);
	assert_int_equal(c.queue_limit, 128 << 10);
	assert_string_equal(c.prom_textfile, "/var/lib/node_exporter/kmemscope.prom");
}

/* each bad line: the message names the file, the line and the key */
static void test_errors_name_file_and_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "interval = 1\nbogus = 3\n", "test.conf:2: unknown key 'bogus'" },
		{ "\n\ninterval = 0\n", "test.conf:3: invalid interval '0'" },
		{ "interval = abc\n", "test.conf:1: invalid interval 'abc'" },
		{ "interval = -1\n", "test.conf:1: invalid interval" },
		{ "interval\n", "test.conf:1: expected 'key = value'" },
		{ "top_sites = 1e3\n", "test.conf:1: invalid top_sites" },
		{ "allocators = kmalloc,foo\n", "test.conf:1: invalid allocators" },
		{ "allocators =\n", "test.conf:1: invalid allocators" },
		{ "vmalloc_mode = fast\n", "test.conf:1: invalid vmalloc_mode" },
		{ "kmem_mode = kprobe\n", "test.conf:1: invalid kmem_mode" },
		{ "life_sample = 3\n", "test.conf:1: invalid life_sample" },
		{ "life_sample = 0\n", "test.conf:1: invalid life_sample" },
		{ "life_sample = 131072\n", "test.conf:1: invalid life_sample" },
		{ "live_entries = 0\n", "test.conf:1: invalid live_entries" },
		{ "track_live = maybe\n", "test.conf:1: invalid track_live" },
		{ "export_dir = relative/dir\n", "test.conf:1: invalid export_dir" },
		{ "rotate_size = 10X\n", "test.conf:1: invalid rotate_size" },
		{ "rotate_size = 1\n", "test.conf:1: invalid rotate_size" },
		{ "rotate_age = 1w\n", "test.conf:1: invalid rotate_age" },
		{ "retain_segments = 1\n", "test.conf:1: invalid retain_segments" },
		{ "page_order_threshold = 11\n", "test.conf:1: invalid page_order_threshold" },
		{ "rotate_size = 20M\nretain_bytes = 30M\n",
		  "test.conf:2: retain_bytes (30M) must be at least twice rotate_size (20M)" },
		{ "interval = 2m\n# x\npagetype_period = 1m\n",
		  "test.conf:3: pagetype_period (60s) is shorter than interval (120s)" },
		{ "rotate_size = 1G\n", "test.conf:1: retain_bytes" },
	};
	struct daemon_config c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(cases[i].text, &c), -EINVAL);
		if (strncmp(err, cases[i].want, strlen(cases[i].want))) {
			print_error("case %zu: got '%s', want '%s'\n", i, err, cases[i].want);
			fail();
		}
	}
}

/* a failed parse leaves the previous configuration untouched */
static void test_error_keeps_old(void **state)
{
	struct daemon_config c;

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_parse("a", "interval = 3\n", &c, err, sizeof(err)), 0);
	assert_int_equal(config_parse("b", "interval = 5\ntop_sites = x\n", &c, err, sizeof(err)),
			 -EINVAL);
	assert_true(c.interval == 3);
}

static void test_suffixes(void **state)
{
	__u64 b;
	double d;

	(void)state;
	assert_true(parse_bytes("4096", 0, ~0ULL, &b) && b == 4096);
	assert_true(parse_bytes("4k", 0, ~0ULL, &b) && b == 4096);
	assert_true(parse_bytes("2T", 0, ~0ULL, &b) && b == 2ULL << 40);
	assert_false(parse_bytes("", 0, ~0ULL, &b));
	assert_false(parse_bytes("K", 0, ~0ULL, &b));
	assert_false(parse_bytes("1.5M", 0, ~0ULL, &b));
	assert_false(parse_bytes("-1K", 0, ~0ULL, &b));
	assert_false(parse_bytes("99999999999999999T", 0, ~0ULL, &b));
	assert_true(parse_duration("90", 0, 1e9, &d) && d == 90);
	assert_true(parse_duration("1.5h", 0, 1e9, &d) && d == 5400);
	assert_true(parse_duration("7d", 0, 1e9, &d) && d == 604800);
	assert_true(parse_duration("30s", 0, 1e9, &d) && d == 30);
	assert_false(parse_duration("s", 0, 1e9, &d));
	assert_false(parse_duration("inf", 0, 1e9, &d));
	assert_false(parse_duration("nan", 0, 1e9, &d));
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/kms-config-XXXXXX";
	struct daemon_config c;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "interval = 4\nnope = 1\n", 22), 22);
	close(fd);
	config_defaults(&c);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: unknown key 'nope'"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	unlink(path);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot read"));
	/* a device or a directory is not read (/dev/zero would never end) */
	assert_int_equal(config_load("/dev/zero", &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "/dev/zero: not a regular file: give the path of a configuration file");
	assert_int_equal(config_load("/tmp", &c, err, sizeof(err)), -EINVAL);
	/* nor one larger than any configuration */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 2 << 20), 0);
	close(fd);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "more than a configuration file holds"));
	unlink(path);
}

static void test_tracer_changed(void **state)
{
	struct daemon_config a, b;

	(void)state;
	config_defaults(&a);
	b = a;
	b.interval = 1;
	b.rotate_bytes = 1 << 20;
	assert_false(config_tracer_changed(&a, &b));
	b.topts.live_entries = 5;
	assert_true(config_tracer_changed(&a, &b));
}

/* keys that came with the option table, and config_print read back */
static void test_new_keys_and_print(void **state)
{
	struct daemon_config c, d;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(parse("ringbuf_size = 1M\nraw_addresses = yes\n", &c), 0);
	assert_int_equal(c.topts.ringbuf_size, 1 << 20);
	assert_true(c.topts.raw_addresses);
	assert_int_equal(parse("ringbuf_size = 12K\n", &c), -EINVAL);
	assert_non_null(strstr(err, "test.conf:1: invalid ringbuf_size '12K'"));
	assert_int_equal(parse("interval = 1m\npagetype_period = 2h\nkmem_mode = raw\n"
			       "prom_textfile = /x/y.prom\nallocators = cache\n",
			       &c),
			 0);
	f = open_memstream(&text, &len);
	config_print(f, &c);
	fclose(f);
	assert_non_null(strstr(text, "interval = 60\n"));
	assert_non_null(strstr(text, "allocators = cache\n"));
	config_defaults(&d);
	assert_int_equal(config_parse("print", text, &d, err, sizeof(err)), 0);
	assert_memory_equal(&c, &d, sizeof(c));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_fragmentation_keys),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_error_keeps_old),
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_tracer_changed),
		cmocka_unit_test(test_new_keys_and_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
