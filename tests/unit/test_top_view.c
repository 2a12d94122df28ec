// SPDX-License-Identifier: GPL-2.0
/* `top`'s model: rows from hand-written state documents, sort, filter, screens. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>
#include "top_history.h"
#include "top_replay.h"
#include "top_view.h"

/* docs/control-socket.md, with the fragmentation fields */
static const char state_doc[] =
	"{\"type\":\"state\","
	" \"header\":{\"type\":\"header\",\"page_size\":4096,"
	"   \"attach\":{\"kmalloc\":\"tracepoint\",\"kmem_cache\":\"tracepoint\",\"vmalloc\":\"fentry\"}},"
	" \"interval\":{\"type\":\"interval\",\"duration_s\":2.0,"
	"   \"events\":{\"kmalloc\":800,\"kfree\":800,\"kmem_cache_alloc\":60,\"kmem_cache_free\":50,\"vmalloc\":4,\"vfree\":4},"
	"   \"drops\":{\"sites_full\":0,\"live_full\":3,\"recursion\":1}},"
	" \"uptime_ns\":3723000000000,"
	" \"sites\":["
	"  {\"kind\":\"kmalloc\",\"caller\":\"load_msg\",\"site\":\"load_msg+0x41\",\"live\":2,\"live_bytes\":256,"
	"   \"delta\":{\"allocs\":400,\"frees\":398,\"bytes_req\":40000,\"bytes_alloc\":51200,\"slack\":11200,\"cross_cpu_frees\":10},"
	"   \"total\":{\"allocs\":1000,\"frees\":998,\"failed\":0,\"bytes_req\":100000,\"bytes_alloc\":128000,\"slack\":28000,\"cross_cpu_frees\":30,"
	"     \"sizes\":{\"64\":600,\"128\":400},\"lifetimes_ns\":{\"1024\":900,\"2048\":98}},"
	"   \"gfp\":{\"GFP_KERNEL\":990,\"GFP_ATOMIC\":10},"
	"   \"alloc_sizes\":{\"128\":{\"allocs\":1000,\"bytes_req\":100000}}},"
	"  {\"kind\":\"kmem_cache\",\"cache\":\"dentry\",\"caller\":\"d_alloc\",\"site\":\"d_alloc+0x1c\",\"live\":50,\"live_bytes\":9600,"
	"   \"delta\":{\"allocs\":60,\"bytes_req\":11520,\"bytes_alloc\":11520,\"slack\":0,\"cross_cpu_frees\":0},"
	"   \"total\":{\"allocs\":5000,\"bytes_req\":960000,\"bytes_alloc\":960000,\"slack\":0,\"cross_cpu_frees\":0},"
	"   \"gfp\":{\"GFP_KERNEL\":5000}},"
	"  {\"kind\":\"vmalloc\",\"caller\":\"bpf_prog_alloc_no_stats\",\"site\":\"bpf_prog_alloc_no_stats+0x3d\",\"live\":1,\"live_bytes\":4096,\"req_unknown\":true,"
	"   \"delta\":{\"allocs\":4,\"bytes_req\":16384,\"bytes_alloc\":16384,\"slack\":0},"
	"   \"total\":{\"allocs\":4,\"bytes_req\":16384,\"bytes_alloc\":16384,\"slack\":0,\"sizes\":{\"4096\":4}},"
	"   \"gfp\":{\"unknown\":4},\"stack\":[\"__vmalloc_node_range+0x10\",\"bpf_prog_alloc_no_stats+0x3d\"]},"
	"  {\"kind\":\"kmalloc\",\"caller\":\"only_frees\",\"site\":\"only_frees+0x1\",\"live\":0,\"live_bytes\":0,"
	"   \"delta\":{\"allocs\":0,\"frees\":5},\"total\":{\"allocs\":0,\"frees\":5},\"gfp\":{}}"
	" ],"
	" \"pageblock_order\":9,"
	" \"meminfo\":{\"MemFree\":1073741824,\"Slab\":104857600,\"SReclaimable\":52428800,\"SUnreclaim\":52428800,\"VmallocUsed\":8388608},"
	" \"buddyinfo\":["
	"  {\"node\":0,\"zone\":\"DMA32\",\"free\":[2,3,0,2,3,2,1,4,4,2,752],"
	"   \"unusable_index\":[0,0,0,0,0,0,0,0,0,0.001,0.003],\"frag_index\":[-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1]},"
	"  {\"node\":0,\"zone\":\"Normal\",\"free\":[3674,1206,872,572,395,221,80,46,27,0,38],"
	"   \"unusable_index\":[0,0.05,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.8],\"frag_index\":[-1,-1,-1,-1,-1,-1,-1,-1,-1,0.953,-1]}"
	" ],"
	" \"pagetype\":[{\"node\":0,\"zone\":\"Normal\",\"migratetype\":\"Movable\",\"free\":[100,50,25,0,0,0,0,0,0,0,30]}]"
	"}";

/* the same without the fragmentation fields (the state before they land) */
static const char bare_doc[] =
	"{\"type\":\"state\",\"header\":{},\"interval\":{\"duration_s\":1},\"uptime_ns\":1000000000,"
	" \"sites\":[{\"kind\":\"kmalloc\",\"caller\":\"a\",\"site\":\"a+0x1\",\"live\":0,\"live_bytes\":0,"
	"   \"delta\":{\"allocs\":1,\"bytes_alloc\":8},\"total\":{\"allocs\":1,\"bytes_alloc\":8},\"gfp\":{}}]}";

/* a --by comm recording: two comms at one call site, one of them at another too */
static const char by_doc[] =
	"{\"type\":\"state\",\"header\":{\"settings\":{\"filter\":{\"pid\":[12,34],\"comm\":\"kmsq*\"},"
	"   \"by\":\"comm\",\"by_max\":64}},\"interval\":{\"duration_s\":1},\"uptime_ns\":1000000000,"
	" \"sites\":["
	"  {\"kind\":\"kmalloc\",\"caller\":\"load_msg\",\"site\":\"load_msg+0x41\",\"comm\":\"kmsq_a\","
	"   \"delta\":{\"allocs\":120,\"bytes_alloc\":23040},"
	"   \"total\":{\"allocs\":120,\"bytes_alloc\":23040,\"bytes_charged\":23040},\"gfp\":{}},"
	"  {\"kind\":\"kmalloc\",\"caller\":\"load_msg\",\"site\":\"load_msg+0x41\",\"comm\":\"kmsq_b\","
	"   \"delta\":{\"allocs\":80,\"bytes_alloc\":163840},"
	"   \"total\":{\"allocs\":80,\"bytes_alloc\":163840,\"bytes_charged\":163840},\"gfp\":{}},"
	"  {\"kind\":\"kmem_cache\",\"cache\":\"dentry\",\"caller\":\"d_alloc\",\"site\":\"d_alloc+0x1c\","
	"   \"comm\":\"kmsq_a\",\"delta\":{\"allocs\":10,\"bytes_alloc\":1920},"
	"   \"total\":{\"allocs\":10,\"bytes_alloc\":1920},\"gfp\":{}}]}";

static void load(struct top_model *m, const char *doc, const struct top_model *prev)
{
	cJSON *st = cJSON_Parse(doc);

	assert_non_null(st);
	assert_int_equal(top_model_load(m, st, prev), 0);
}

static const char *vis_name(const struct top_model *m, size_t i)
{
	return m->rows[m->vis[i]].site_name;
}

static struct top_opts opts(enum top_col sort)
{
	struct top_opts o = { .sort = sort };

	strcpy(o.source, "standalone");
	return o;
}

/* the whole composed screen as one string */
static char *screen_text(struct top_model *m, const struct top_opts *o, struct top_ui *ui, int rows,
			 int cols)
{
	struct top_screen scr = {};
	size_t len = 1;
	char *s;

	top_model_view(m, o);
	top_compose(m, o, ui, rows, cols, &scr);
	for (size_t i = 0; i < scr.nr; i++)
		len += strlen(scr.lines[i].text) + 1;
	s = calloc(1, len);
	for (size_t i = 0; i < scr.nr; i++) {
		strcat(s, scr.lines[i].text);
		strcat(s, "\n");
	}
	top_screen_free(&scr);
	return s;
}

/* --by: rows named by their comm, the header's Who: line, w sums them per comm */
static void test_by_owner(void **state)
{
	struct top_opts o = opts(COL_BYTES);
	struct top_model m;
	char *text;

	(void)state;
	load(&m, by_doc, NULL);
	assert_string_equal(
		m.who, "pid 12,34  comm kmsq*   split by comm (64 at most, the rest \"other\")");
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 3);
	assert_string_equal(vis_name(&m, 0), "kmsq_b: load_msg+0x41");
	strcpy(o.filter, "kmsq_a"); /* the / filter keeps one comm's rows */
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 2);
	o.filter[0] = '\0';
	o.by_owner = true;
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 2);
	assert_string_equal(vis_name(&m, 0), "kmsq_b");
	assert_true(m.rows[m.vis[1]].tot_allocs == 130);
	assert_true(m.rows[m.vis[1]].t_charged == 23040);
	text = screen_text(&m, &o, NULL, 0, 0);
	assert_non_null(strstr(text, "Who:      pid 12,34  comm kmsq*"));
	free(text);
	top_model_free(&m);
}

static void test_rows_from_state(void **state)
{
	struct top_model m;
	const struct top_row *r;

	(void)state;
	load(&m, state_doc, NULL);
	/* the site that only freed has no row */
	assert_int_equal(m.nr_rows, 3);
	r = &m.rows[0];
	assert_string_equal(r->site_name, "load_msg+0x41");
	assert_string_equal(r->kind, "kmalloc");
	assert_string_equal(r->gfp, "GFP_KERNEL +");
	assert_true(r->rate_allocs == 200); /* 400 in 2 s */
	assert_true(r->rate_bytes == 25600);
	assert_true(r->rate_pingpong == 5);
	assert_true(r->tot_allocs == 1000);
	assert_string_equal(m.rows[1].kind, "dentry"); /* the cache name */
	assert_int_equal(m.rows[1].kclass, KIND_CACHE);
	assert_true(m.rows[2].req_unknown);
	assert_true(m.ev_kmalloc == 400 && m.ev_cache == 30 && m.ev_vmalloc == 2);
	assert_true(m.ev_page < 0); /* no page allocator events in this state */
	assert_true(m.drops == 4);
	assert_true(m.has_meminfo && m.slab == 104857600);
	assert_int_equal(m.pageblock_order, 9);
	assert_int_equal(m.nr_zones, 2);
	assert_string_equal(m.zones[1].zone, "Normal");
	assert_int_equal(m.zones[1].nr_orders, 11);
	assert_true(m.zones[1].free[0] == 3674);
	assert_true(m.zones[1].frag[9] > 0.95);
	top_model_free(&m);
}

static void test_not_a_state(void **state)
{
	struct top_model m;

	(void)state;
	assert_int_equal(top_model_load(&m, cJSON_Parse("{\"type\":\"status\"}"), NULL), -EINVAL);
	top_model_free(&m);
	assert_int_equal(top_model_load(&m, cJSON_Parse("[1,2]"), NULL), -EINVAL);
	top_model_free(&m);
}

static void test_sort_columns(void **state)
{
	struct top_model m;
	struct top_opts o;

	(void)state;
	load(&m, state_doc, NULL);
	/* BYTES/s: load_msg 25.6K/s, dentry 5.76K/s, vmalloc 8K/s */
	o = opts(COL_BYTES);
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 3);
	assert_string_equal(vis_name(&m, 0), "load_msg+0x41");
	assert_string_equal(vis_name(&m, 1), "bpf_prog_alloc_no_stats+0x3d");
	assert_string_equal(vis_name(&m, 2), "d_alloc+0x1c");
	o.reverse = true;
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "d_alloc+0x1c");
	assert_string_equal(vis_name(&m, 2), "load_msg+0x41");
	/* totals: dentry has the most bytes since the start */
	o = opts(COL_BYTES);
	o.totals = true;
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "d_alloc+0x1c");
	o = opts(COL_LIVE);
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "d_alloc+0x1c");
	assert_string_equal(vis_name(&m, 2), "bpf_prog_alloc_no_stats+0x3d");
	o = opts(COL_CALLER); /* names ascending */
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "bpf_prog_alloc_no_stats+0x3d");
	assert_string_equal(vis_name(&m, 1), "d_alloc+0x1c");
	o = opts(COL_AVG_REQ); /* 4096, 192, 100 */
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "bpf_prog_alloc_no_stats+0x3d");
	assert_string_equal(vis_name(&m, 2), "load_msg+0x41");
	o = opts(COL_SLACK); /* 21.9 %, 0 %, unknown last */
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "load_msg+0x41");
	assert_string_equal(vis_name(&m, 2), "bpf_prog_alloc_no_stats+0x3d");
	o = opts(COL_PINGPONG);
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "load_msg+0x41");
	o = opts(COL_KIND); /* dentry < kmalloc < vmalloc */
	top_model_view(&m, &o);
	assert_string_equal(vis_name(&m, 0), "d_alloc+0x1c");
	assert_string_equal(vis_name(&m, 2), "bpf_prog_alloc_no_stats+0x3d");
	top_model_free(&m);
}

static void test_sort_keys(void **state)
{
	(void)state;
	assert_int_equal(top_col_for_key('a'), COL_ALLOCS);
	assert_int_equal(top_col_for_key('b'), COL_BYTES);
	assert_int_equal(top_col_for_key('n'), COL_CALLER);
	assert_int_equal(top_col_for_key('u'), COL_SLACK);
	assert_int_equal(top_col_for_key('q'), -1);
	/* every sortable column has its own key (the help's letters), none of the other keys */
	for (int c = 0; c < COL_TREND; c++) {
		const char *keys = "noablcsupgx";

		assert_true(top_col_sortable(c));
		assert_int_equal(top_col_for_key(keys[c]),
				 (int)(strchr("noablcsupgx", keys[c]) - keys));
	}
	assert_false(top_col_sortable(COL_TREND));
	assert_int_equal(top_col_for_key(0), -1);
	for (const char *k = "qrtfkmw/? []"; *k; k++)
		assert_int_equal(top_col_for_key(*k), -1);
}

static void test_filters(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);

	(void)state;
	load(&m, state_doc, NULL);
	strcpy(o.filter, "LOAD_M"); /* case-insensitive, on the site */
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 1);
	assert_string_equal(vis_name(&m, 0), "load_msg+0x41");
	strcpy(o.filter, "dentry"); /* on the cache name */
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 1);
	assert_string_equal(vis_name(&m, 0), "d_alloc+0x1c");
	strcpy(o.filter, "nothing-like-this");
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 0);
	o.filter[0] = '\0';
	o.kind = KIND_VMALLOC;
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 1);
	assert_string_equal(vis_name(&m, 0), "bpf_prog_alloc_no_stats+0x3d");
	o.kind = KIND_CACHE;
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 1);
	o.kind = KIND_PAGE;
	top_model_view(&m, &o);
	assert_int_equal(m.nr_vis, 0);
	top_model_free(&m);
}

static void test_once_screen(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = {};
	char *s;

	(void)state;
	load(&m, state_doc, NULL);
	s = screen_text(&m, &o, &ui, 0, 0);
	assert_non_null(strstr(s, "kmemscope top - standalone   up 01:02:03"));
	assert_non_null(strstr(
		s,
		"Events/s: kmalloc 400  kmem_cache 30  vmalloc 2   Drops: 4 (live_full 3, recursion 1)   Sites: 3"));
	assert_non_null(
		strstr(s, "Attach:   kmalloc tracepoint, kmem_cache tracepoint, vmalloc fentry"));
	assert_non_null(strstr(s, "Slab 100M  SUnreclaim 50M  VmallocUsed 8.0M"));
	/* the strip: every zone, unusable index at order 3 and the pageblock order */
	assert_non_null(strstr(s, "Node 0 DMA32"));
	assert_non_null(strstr(s, "Node 0 Normal"));
	assert_non_null(strstr(s, "o3 0.200"));
	assert_non_null(strstr(s, "o9 0.800"));
	assert_null(strstr(s, "not available"));
	assert_non_null(strstr(s, "CALLER"));
	assert_non_null(strstr(s, "BYTES/s*"));
	/* rows in order, one per site that allocated */
	assert_true(strstr(s, "load_msg+0x41") < strstr(s, "bpf_prog_alloc_no_stats+0x3d"));
	assert_true(strstr(s, "bpf_prog_alloc_no_stats+0x3d") < strstr(s, "d_alloc+0x1c"));
	assert_null(strstr(s, "only_frees"));
	assert_non_null(strstr(s, "load_msg+0x41                    kmalloc"));
	assert_non_null(strstr(s, "GFP_KERNEL +"));
	free(s);
	/* a long name keeps its head and its offset */
	o.totals = true;
	strcpy(m.rows[0].site_name, "a_really_long_function_name_for_a_site+0x1f4");
	s = screen_text(&m, &o, &ui, 0, 0);
	assert_non_null(strstr(s, "a_really_long_function_na~+0x1f4 kmalloc"));
	free(s);
	top_model_free(&m);
}

static void test_strip_movement(void **state)
{
	struct top_model prev, m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = {};
	char *doc = strdup(state_doc), *p, *s;

	(void)state;
	load(&prev, state_doc, NULL);
	/* Normal's unusable index at order 3 goes from 0.2 to 0.3 */
	p = strstr(doc, "0,0.05,0.1,0.2,");
	assert_non_null(p);
	memcpy(p, "0,0.05,0.1,0.3,", 15);
	load(&m, doc, &prev);
	assert_true(m.zones[1].has_prev);
	s = screen_text(&m, &o, &ui, 0, 0);
	assert_non_null(strstr(s, "o3 0.300 (+0.100)"));
	assert_non_null(strstr(s, "o9 0.800 (=)"));
	free(s);
	top_model_free(&prev);
	top_model_free(&m);
	free(doc);
}

static void test_frag_pane(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = { .pane = PANE_FRAG };
	char *s;

	(void)state;
	load(&m, state_doc, NULL);
	s = screen_text(&m, &o, &ui, 40, 200);
	assert_non_null(strstr(s, "Node 0, zone DMA32"));
	assert_non_null(strstr(s, "Node 0, zone Normal"));
	assert_non_null(strstr(s, "pageblock order 9"));
	assert_non_null(strstr(s, "free blocks         3674    1206"));
	assert_non_null(strstr(s, "unusable index     0.000   0.050   0.100   0.200"));
	assert_non_null(strstr(s, "0.953"));
	assert_non_null(strstr(s, "Movable"));
	free(s);
	top_model_free(&m);
}

static void test_no_frag_data(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = {};
	char *s;

	(void)state;
	load(&m, bare_doc, NULL);
	assert_null(m.zones);
	assert_false(m.has_meminfo);
	s = screen_text(&m, &o, &ui, 0, 0);
	assert_non_null(strstr(s, "fragmentation data not available"));
	assert_non_null(strstr(s, "meminfo not available"));
	free(s);
	ui.pane = PANE_FRAG;
	s = screen_text(&m, &o, &ui, 20, 80);
	assert_non_null(strstr(s, "fragmentation data not available"));
	free(s);
	top_model_free(&m);
}

/* the m pane: slab caches by memory, merged caches named with their aliases */
static void test_slab_pane(void **state)
{
	static const char doc[] =
		"{\"type\":\"state\",\"header\":{\"page_size\":4096},\"interval\":{\"duration_s\":1},"
		" \"uptime_ns\":1000000000,\"sites\":[],\"slabinfo\":["
		"  {\"name\":\"kmalloc-512\",\"active_objs\":2027,\"num_objs\":2720,\"objsize\":512,\"objperslab\":16,\"pagesperslab\":2},"
		"  {\"name\":\"signal_cache\",\"active_objs\":120,\"num_objs\":140,\"objsize\":1152,\"objperslab\":14,\"pagesperslab\":4,"
		"   \"aliases\":[\"UNIX\",\"UNIX-STREAM\"]}]}";
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = { .pane = PANE_SLAB };
	char *s, *k, *sc;

	(void)state;
	load(&m, doc, NULL);
	s = screen_text(&m, &o, &ui, 20, 120);
	/* kmalloc-512: 170 slabs of 8 KiB = 1.3M, 74.5% used; signal_cache 10 x 16 KiB */
	k = strstr(s, "kmalloc-512 ");
	sc = strstr(s, "signal_cache (merged: UNIX, UNIX-STREAM)");
	assert_non_null(k);
	assert_non_null(sc);
	assert_true(k < sc);
	assert_non_null(strstr(k, "74.5%"));
	assert_non_null(strstr(sc, "85.7%"));
	free(s);
	top_model_free(&m);
	load(&m, bare_doc, NULL);
	s = screen_text(&m, &o, &ui, 20, 120);
	assert_non_null(strstr(s, "slab data not available"));
	free(s);
	top_model_free(&m);
}

static void test_detail_pane(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = { .pane = PANE_DETAIL, .selected = 1 };
	char *s;

	(void)state;
	load(&m, state_doc, NULL);
	s = screen_text(&m, &o, &ui, 50, 200); /* the vmalloc site is second */
	assert_non_null(strstr(s, "bpf_prog_alloc_no_stats+0x3d   caller bpf_prog_alloc_no_stats"));
	assert_non_null(strstr(s, "Stack"));
	assert_non_null(strstr(s, "__vmalloc_node_range+0x10"));
	free(s);
	ui.selected = 0;
	s = screen_text(&m, &o, &ui, 50, 200);
	assert_non_null(strstr(s, "load_msg+0x41   caller load_msg"));
	assert_non_null(strstr(s, "       990  99.0%  GFP_KERNEL"));
	assert_non_null(strstr(s, "64 - 128"));
	assert_non_null(strstr(s, "128 - 256"));
	assert_non_null(strstr(s, "Lifetimes"));
	/* exact per allocated size: 1000 x 128 B for 100000 B requested */
	assert_non_null(strstr(s, "Allocated sizes"));
	assert_non_null(strstr(s, "       128       1000        98K        27K   21.9%"));
	assert_null(strstr(s, "Stack"));
	free(s);
	top_model_free(&m);
}

/* a kmalloc site with four sampled stacks: the three biggest, scaled to its 1 MB */
static const char stacks_doc[] =
	"{\"type\":\"state\",\"header\":{},\"interval\":{\"duration_s\":1},\"uptime_ns\":1000000000,"
	" \"sites\":[{\"kind\":\"kmalloc\",\"caller\":\"load_msg\",\"site\":\"load_msg+0x41\","
	"  \"delta\":{\"allocs\":0,\"bytes_alloc\":0},\"total\":{\"allocs\":1000,\"bytes_req\":900000,"
	"  \"bytes_alloc\":1000000},\"live\":0,\"live_bytes\":0,\"gfp\":{},"
	"  \"stacks\":[{\"stack\":[\"load_msg+0x41\",\"small_caller+0x1\"],\"allocs\":1,\"bytes_alloc\":100},"
	"   {\"stack\":[\"load_msg+0x41\",\"do_msgsnd+0x8c\",\"do_syscall_64+0x71\"],\"allocs\":6,\"bytes_alloc\":600},"
	"   {\"stack\":[\"load_msg+0x41\",\"compat_msgsnd+0x2\"],\"allocs\":2,\"bytes_alloc\":200},"
	"   {\"stack\":[\"load_msg+0x41\",\"third+0x3\"],\"allocs\":1,\"bytes_alloc\":100}]}]}";

static void test_detail_stacks(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = { .pane = PANE_DETAIL };
	char *s, *big, *mid;

	(void)state;
	load(&m, stacks_doc, NULL);
	s = screen_text(&m, &o, &ui, 60, 200);
	assert_non_null(strstr(s, "Top stacks of 4 (sampled and scaled"));
	big = strstr(s, "60.0%  (6 samples)");
	mid = strstr(s, "20.0%  (2 samples)");
	assert_non_null(big);
	assert_non_null(mid);
	assert_true(big < mid); /* biggest first */
	assert_non_null(strstr(big, "do_msgsnd+0x8c"));
	/* the fourth (a tie with the third, later) is left out */
	assert_true(!!strstr(s, "small_caller+0x1") != !!strstr(s, "third+0x3"));
	free(s);
	top_model_free(&m);
}

/* a site the live table could not hold: LIVE >=N; implied frees in the detail pane */
static const char bound_doc[] =
	"{\"type\":\"state\",\"header\":{},\"interval\":{\"duration_s\":1},\"uptime_ns\":1000000000,"
	" \"sites\":[{\"kind\":\"kmem_cache\",\"cache\":\"eventpoll_epi\",\"caller\":\"do_epoll_ctl\","
	"   \"site\":\"do_epoll_ctl+0x3c1\",\"live\":363,\"live_bytes\":46464,\"live_untracked\":2637,"
	"   \"delta\":{\"allocs\":3000,\"bytes_alloc\":384000},"
	"   \"total\":{\"allocs\":3000,\"bytes_alloc\":384000,\"implied_frees\":6101,"
	"     \"implied_bytes\":780928},\"gfp\":{}}]}";

static void test_lower_bound(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = {};
	char *s;

	(void)state;
	load(&m, bound_doc, NULL);
	s = screen_text(&m, &o, &ui, 0, 0);
	assert_non_null(strstr(s, " >=363 "));
	assert_non_null(strstr(s, " >=45K"));
	free(s);
	ui.pane = PANE_DETAIL;
	s = screen_text(&m, &o, &ui, 50, 200);
	assert_non_null(strstr(s, "live at least 363 objects"));
	assert_non_null(strstr(s, "2637 allocations the live table could not hold"));
	assert_non_null(strstr(s, "implied frees: 6101 (763K)"));
	free(s);
	top_model_free(&m);
}

static void test_screen_fits(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = { .selected = 2 };
	struct top_screen scr = {};

	(void)state;
	load(&m, state_doc, NULL);
	top_model_view(&m, &o);
	/* 9 lines: 6 of header, column header, 1 row, status line */
	top_compose(&m, &o, &ui, 9, 40, &scr);
	assert_int_equal(scr.nr, 9);
	for (size_t i = 0; i < scr.nr; i++)
		assert_true(top_text_width(scr.lines[i].text) <= 40);
	assert_int_equal(scr.lines[6].attr, TA_COLHEAD);
	/* the selection stays visible */
	assert_int_equal(ui.scroll, 2);
	assert_int_equal(scr.lines[7].attr, TA_SELECTED);
	assert_non_null(strstr(scr.lines[7].text, "d_alloc+0x1c"));
	assert_int_equal(scr.lines[8].attr, TA_COLHEAD);
	assert_non_null(strstr(scr.lines[8].text, "3/3 sites"));
	top_screen_free(&scr);
	top_model_free(&m);
}

static void test_utf8_bars(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = {};
	char *s;

	(void)state;
	load(&m, state_doc, NULL);
	s = screen_text(&m, &o, &ui, 0, 0);
	/* ASCII: empty order 9 of Normal is a blank, the fullest order a '@' */
	assert_non_null(strstr(s, "[@"));
	free(s);
	o.utf8 = true;
	s = screen_text(&m, &o, &ui, 0, 0);
	assert_non_null(strstr(s, "[\u2588"));
	assert_int_equal(top_text_width("[\u2588\u2581]"), 4);
	free(s);
	top_model_free(&m);
}

/* the state document with load_msg's interval bytes set to v (BYTES/s = v / 2) */
static void load_bytes(struct top_model *m, unsigned v)
{
	char doc[sizeof(state_doc) + 32], *p;

	strcpy(doc, state_doc);
	p = strstr(doc, "\"bytes_alloc\":51200");
	assert_non_null(p);
	snprintf(doc + (p - doc), sizeof(doc) - (p - doc), "\"bytes_alloc\":%u%s", v,
		 strstr(state_doc, "\"bytes_alloc\":51200") + strlen("\"bytes_alloc\":51200"));
	load(m, doc, NULL);
}

static const struct top_row *row_named(const struct top_model *m, const char *site)
{
	for (size_t i = 0; i < m->nr_rows; i++) {
		if (!strcmp(m->rows[i].site_name, site))
			return &m->rows[i];
	}
	fail_msg("no row %s", site);
	return NULL;
}

static void test_history_trend(void **state)
{
	struct top_history h;
	struct top_model m;
	const struct top_row *r;

	(void)state;
	assert_int_equal(top_history_init(&h, 4, 1 << 20), 0);
	/* intervals 1..6 with load_msg at 2, 4, ..., 12 bytes/s; the ring keeps 4 */
	for (unsigned i = 1; i <= 6; i++) {
		load_bytes(&m, 4 * i);
		assert_int_equal(top_history_add(&h, &m), 0);
		top_model_free(&m);
	}
	assert_int_equal(h.nr, 4);
	load_bytes(&m, 24);
	top_history_fill(&h, &m, 0);
	r = row_named(&m, "load_msg+0x41");
	for (int k = 0; k < TOP_TREND_W - 4; k++)
		assert_true(isnan(r->trend[k]));
	for (int k = 0; k < 4; k++)
		assert_true(r->trend[TOP_TREND_W - 4 + k] == 2.0 * (3 + k));
	/* two intervals back: its newest value is interval 4's, 1 and 2 are gone */
	top_history_fill(&h, &m, 2);
	assert_true(r->trend[TOP_TREND_W - 1] == 8);
	assert_true(r->trend[TOP_TREND_W - 2] == 6);
	assert_true(isnan(r->trend[TOP_TREND_W - 3]));
	/* the documents: the newest first, nothing past the oldest kept */
	assert_non_null(strstr(top_history_doc(&h, 0), "\"bytes_alloc\":24,"));
	assert_non_null(strstr(top_history_doc(&h, 3), "\"bytes_alloc\":12,"));
	assert_null(top_history_doc(&h, 4));
	top_model_free(&m);
	top_history_free(&h);
}

static void test_history_bounds(void **state)
{
	struct top_history h;
	struct top_model m;

	(void)state;
	/* one byte: only the newest document stays, the others are counted */
	assert_int_equal(top_history_init(&h, 10, 1), 0);
	for (unsigned i = 1; i <= 3; i++) {
		load_bytes(&m, i);
		assert_int_equal(top_history_add(&h, &m), 0);
		top_model_free(&m);
	}
	assert_int_equal(h.nr, 1);
	assert_int_equal(h.docs_dropped, 2);
	assert_non_null(strstr(top_history_doc(&h, 0), "\"bytes_alloc\":3,"));
	top_history_free(&h);
}

static void test_sparkline(void **state)
{
	const double v[] = { 0, 1, 2, 3, NAN, 4, 5, 6, 7 };
	char buf[64];

	(void)state;
	top_sparkline(v, 9, false, buf, sizeof(buf));
	assert_string_equal(buf, "_.-~.=+*#");
	top_sparkline(v, 2, true, buf, sizeof(buf));
	/* alone, 1 is the highest: a full block */
	assert_string_equal(buf, "\u2581\u2588");
}

static void test_narrow_columns(void **state)
{
	struct top_model m;
	struct top_opts o = opts(COL_BYTES);
	struct top_ui ui = {};
	char *s, *head;

	(void)state;
	load(&m, state_doc, NULL);
	/* 80 columns: the most important that fit, in order; the sort column stays */
	o.sort = COL_PINGPONG;
	s = screen_text(&m, &o, &ui, 12, 80);
	head = strstr(s, "CALLER");
	assert_non_null(head);
	assert_non_null(strstr(head, "BYTES/s"));
	assert_non_null(strstr(head, "PING-PONG*"));
	assert_null(strstr(strchr(head, '\n') - 12, "GFP\n"));
	assert_non_null(strstr(s, "cols hidden (Left/Right)"));
	free(s);
	/* scrolled three columns: CALLER, then LIVE onwards */
	o.sort = COL_BYTES;
	ui.hscroll = 3;
	s = screen_text(&m, &o, &ui, 12, 200);
	head = strstr(s, "CALLER");
	assert_true(strncmp(head + 32, " ", 1) == 0);
	assert_non_null(strstr(head, "CALLER                               LIVE LIVE BYTES"));
	assert_null(strstr(head, "KIND"));
	free(s);
	/* --once: every column */
	ui.hscroll = 0;
	s = screen_text(&m, &o, &ui, 0, 0);
	assert_non_null(strstr(s, "AVG REQ   SLACK/s  SLACK% PING-PONG TREND        GFP"));
	assert_non_null(strstr(s, " ............ GFP_KERNEL +"));
	free(s);
	top_model_free(&m);
}

/* a recording back into state documents: deltas per interval, totals summed */
static void test_replay(void **state)
{
	char why[256] = "";
	struct top_replay *r =
		top_replay_open("tests/data/synthetic-frag.ndjson", why, sizeof(why));
	struct top_model m;
	const struct top_row *row;
	cJSON *st;
	int n = 0;

	(void)state;
	assert_non_null(r);
	while ((st = top_replay_next(r))) {
		n++;
		assert_int_equal(top_model_load(&m, st, NULL), 0);
		if (n == 2) {
			/* hog_alloc: 100 allocations in interval 1, 1000 in 2 */
			row = row_named(&m, "hog_alloc+0x10");
			assert_true(row->d_allocs == 1000);
			assert_true(row->tot_allocs == 1100);
			assert_true(m.uptime_s == 2);
			assert_int_equal(m.nr_zones, 1);
		}
		top_model_free(&m);
	}
	assert_int_equal(n, 4);
	assert_int_equal(top_replay_count(r), 4);
	top_replay_close(r);
	assert_null(top_replay_open("/nonexistent/kms", why, sizeof(why)));
	assert_non_null(strstr(why, "cannot read /nonexistent/kms"));
	assert_null(top_replay_open("/dev/null", why, sizeof(why)));
	assert_non_null(strstr(why, "not a file or a directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_from_state), cmocka_unit_test(test_not_a_state),
		cmocka_unit_test(test_history_trend),	cmocka_unit_test(test_history_bounds),
		cmocka_unit_test(test_sparkline),	cmocka_unit_test(test_narrow_columns),
		cmocka_unit_test(test_replay),		cmocka_unit_test(test_sort_columns),
		cmocka_unit_test(test_sort_keys),	cmocka_unit_test(test_filters),
		cmocka_unit_test(test_once_screen),	cmocka_unit_test(test_strip_movement),
		cmocka_unit_test(test_frag_pane),	cmocka_unit_test(test_no_frag_data),
		cmocka_unit_test(test_detail_pane),	cmocka_unit_test(test_lower_bound),
		cmocka_unit_test(test_slab_pane),	cmocka_unit_test(test_screen_fits),
		cmocka_unit_test(test_utf8_bars),	cmocka_unit_test(test_by_owner),
		cmocka_unit_test(test_detail_stacks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
