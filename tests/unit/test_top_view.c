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
	"   \"gfp\":{\"GFP_KERNEL\":990,\"GFP_ATOMIC\":10}},"
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
	/* every column has its own key (the help's letters), none of the other keys */
	for (int c = 0; c < COL_NR; c++) {
		const char *keys = "noablcsupg";

		assert_int_equal(top_col_for_key(keys[c]),
				 (int)(strchr("noablcsupg", keys[c]) - keys));
	}
	for (const char *k = "qrtfk/? "; *k; k++)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_from_state), cmocka_unit_test(test_not_a_state),
		cmocka_unit_test(test_sort_columns),	cmocka_unit_test(test_sort_keys),
		cmocka_unit_test(test_filters),		cmocka_unit_test(test_once_screen),
		cmocka_unit_test(test_strip_movement),	cmocka_unit_test(test_frag_pane),
		cmocka_unit_test(test_no_frag_data),	cmocka_unit_test(test_detail_pane),
		cmocka_unit_test(test_detail_stacks),	cmocka_unit_test(test_lower_bound),
		cmocka_unit_test(test_screen_fits),	cmocka_unit_test(test_utf8_bars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
