// SPDX-License-Identifier: GPL-2.0
/* Argument parsing for `kmemscope record`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "env.h"
#include "util.h"

static const char record_usage[] =
	"Usage: kmemscope record [OPTIONS]\n"
	"\n"
	"Trace kmalloc, kmem_cache and vmalloc allocations per call site until Ctrl-C\n"
	"(or --duration), then print a table like 'perf kmem stat --caller'.\n"
	"\n"
	"  -d, --duration SEC      stop after SEC seconds (default: until Ctrl-C)\n"
	"  -i, --interval SEC      read the kernel maps every SEC seconds; one export\n"
	"                          interval each (default 1)\n"
	"  -o, --output FILE       also write NDJSON records to FILE (gzip if it ends\n"
	"                          in .gz); created mode 0600\n"
	"  -s, --sort KEY          bytes, allocs, slack, frag, live, pingpong (default bytes)\n"
	"  -n, --top N             rows in the table (default 20, 0 = all)\n"
	"  -a, --allocators LIST   comma list of kmalloc,cache,vmalloc (default all)\n"
	"      --vmalloc-mode M    auto, fentry, kprobe or tracepoint (default auto:\n"
	"                          the first that works, in that order)\n"
	"      --kmem-mode M       auto, raw or tracepoint: how kmalloc/kmem_cache are\n"
	"                          attached (default auto: raw tracepoints when the\n"
	"                          kernel's prototypes match, else tracepoints; raw:\n"
	"                          raw tracepoints or nothing)\n"
	"      --live-entries N    objects tracked for frees/lifetimes (default 131072)\n"
	"      --life-sample N     measure the lifetime of 1 in N allocations per site\n"
	"                          and CPU (power of two, default 16; 1 = all)\n"
	"      --site-entries N    distinct (site, GFP) keys in the kernel (default 16384)\n"
	"      --no-live           do not match frees to allocations (cheaper)\n"
	"      --ringbuf-size B    ring buffer for failure records, bytes (power of two\n"
	"                          >= page size, default 262144)\n"
	"      --raw-addresses     show unsymbolizable call sites as raw kernel addresses\n"
	"                          (they reveal the KASLR offset; default: [unknown])\n"
	"\n"
	"Fragmentation (see README: reading buddyinfo):\n"
	"      --pages             also trace the page allocator (mm_page_alloc/free,\n"
	"                          extfrag fallbacks, compaction); costs on every page fault\n"
	"      --page-order N      attribute page allocations of order >= N to their\n"
	"                          callers (default 1; 0 = all, expensive)\n"
	"      --pagetype-period N read /proc/pagetypeinfo and slabinfo every N intervals\n"
	"                          (default 10: it takes the zone lock)\n"
	"      --corr-window N     correlation window in intervals (default 60)\n"
	"      --corr-lag K        look for fragmentation changes 0..K intervals after\n"
	"                          the activity (default 5)\n"
	"      --no-frag           no buddyinfo/vmstat/meminfo snapshots\n"
	"  -v, --verbose           attach modes and progress on stderr (-vv: libbpf too)\n"
	"  -h, --help              this help\n";

enum {
	OPT_VM_MODE = 256,
	OPT_KMEM_MODE,
	OPT_LIFE_SAMPLE,
	OPT_LIVE_ENTRIES,
	OPT_SITE_ENTRIES,
	OPT_NO_LIVE,
	OPT_PAGES,
	OPT_PAGE_ORDER,
	OPT_PAGETYPE_PERIOD,
	OPT_CORR_WINDOW,
	OPT_CORR_LAG,
	OPT_NO_FRAG,
	OPT_RINGBUF_SIZE,
	OPT_RAW_ADDRESSES,
};

static const struct option record_opts[] = {
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "sort", required_argument, NULL, 's' },
	{ "top", required_argument, NULL, 'n' },
	{ "allocators", required_argument, NULL, 'a' },
	{ "vmalloc-mode", required_argument, NULL, OPT_VM_MODE },
	{ "kmem-mode", required_argument, NULL, OPT_KMEM_MODE },
	{ "life-sample", required_argument, NULL, OPT_LIFE_SAMPLE },
	{ "live-entries", required_argument, NULL, OPT_LIVE_ENTRIES },
	{ "site-entries", required_argument, NULL, OPT_SITE_ENTRIES },
	{ "no-live", no_argument, NULL, OPT_NO_LIVE },
	{ "pages", no_argument, NULL, OPT_PAGES },
	{ "page-order", required_argument, NULL, OPT_PAGE_ORDER },
	{ "pagetype-period", required_argument, NULL, OPT_PAGETYPE_PERIOD },
	{ "corr-window", required_argument, NULL, OPT_CORR_WINDOW },
	{ "corr-lag", required_argument, NULL, OPT_CORR_LAG },
	{ "no-frag", no_argument, NULL, OPT_NO_FRAG },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE },
	{ "raw-addresses", no_argument, NULL, OPT_RAW_ADDRESSES },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

int parse_allocators(const char *list, struct tracer_opts *o)
{
	char buf[128], *tok, *save = NULL;

	if (!list || !*list || strlen(list) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, list);
	o->kmalloc = o->cache = o->vmalloc = false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "kmalloc"))
			o->kmalloc = true;
		else if (!strcmp(tok, "cache") || !strcmp(tok, "kmem_cache"))
			o->cache = true;
		else if (!strcmp(tok, "vmalloc"))
			o->vmalloc = true;
		else
			return -EINVAL;
	}
	return o->kmalloc || o->cache || o->vmalloc ? 0 : -EINVAL;
}

/* the setting's names, indexed by the enums (KMS_VM_NONE == auto, KMS_KMEM_AUTO == auto) */
static const char *const vm_modes[] = { "auto", "fentry", "kprobe", "tracepoint" };
static const char *const kmem_modes[] = { "auto", "raw", "tracepoint" };

static int name_index(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, names[i]))
			return (int)i;
	}
	return -EINVAL;
}

int parse_vm_mode(const char *s, enum kms_vm_mode *out)
{
	int i = name_index(s, vm_modes, ARRAY_SIZE(vm_modes));

	if (i < 0)
		return i;
	*out = (enum kms_vm_mode)i;
	return 0;
}

int parse_kmem_mode(const char *s, enum kms_kmem_mode *out)
{
	int i = name_index(s, kmem_modes, ARRAY_SIZE(kmem_modes));

	if (i < 0)
		return i;
	*out = (enum kms_kmem_mode)i;
	return 0;
}

const char *vm_mode_setting(enum kms_vm_mode m)
{
	return (size_t)m < ARRAY_SIZE(vm_modes) ? vm_modes[m] : "?";
}

const char *kmem_mode_setting(enum kms_kmem_mode m)
{
	return (size_t)m < ARRAY_SIZE(kmem_modes) ? kmem_modes[m] : "?";
}

static int bad(const char *opt, const char *val, const char *expect)
{
	fprintf(stderr, "kmemscope record: invalid %s '%s': %s\n", opt, val, expect);
	fprintf(stderr, "Try 'kmemscope record --help'.\n");
	return 2;
}

int record_parse_args(int argc, char **argv, struct record_env *env)
{
	__u64 v;
	int c;

	memset(env, 0, sizeof(*env));
	env->interval = 1;
	env->top = 20;
	env->sort = SORT_BYTES;
	env->topts = tracer_defaults;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:i:o:s:n:a:vh", record_opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!parse_seconds(optarg, 0.001, 31536000, &env->duration))
				return bad("--duration", optarg,
					   "expected seconds > 0, e.g. 10 or 0.5");
			break;
		case 'i':
			if (!parse_seconds(optarg, 0.01, 86400, &env->interval))
				return bad("--interval", optarg,
					   "expected seconds between 0.01 and 86400");
			break;
		case 'o':
			if (!*optarg)
				return bad("--output", optarg, "expected a file name");
			env->output = optarg;
			break;
		case 's':
			if (sort_key_parse(optarg, &env->sort))
				return bad("--sort", optarg,
					   "expected bytes, allocs, slack, frag, live or pingpong");
			break;
		case 'n':
			if (!parse_u64(optarg, 0, 1000000, &env->top))
				return bad("--top", optarg, "expected a number of rows, 0 for all");
			break;
		case 'a':
			if (parse_allocators(optarg, &env->topts))
				return bad("--allocators", optarg,
					   "expected a comma list of kmalloc, cache, vmalloc");
			break;
		case OPT_VM_MODE:
			if (parse_vm_mode(optarg, &env->topts.vm_mode))
				return bad("--vmalloc-mode", optarg,
					   "expected auto, fentry, kprobe or tracepoint");
			break;
		case OPT_KMEM_MODE:
			if (parse_kmem_mode(optarg, &env->topts.kmem_mode))
				return bad("--kmem-mode", optarg,
					   "expected auto, raw or tracepoint");
			break;
		case OPT_LIFE_SAMPLE:
			if (!parse_u64(optarg, 1, 65536, &v) || (v & (v - 1)))
				return bad("--life-sample", optarg,
					   "expected a power of two 1 .. 65536");
			env->topts.life_sample = v;
			break;
		case OPT_LIVE_ENTRIES:
			if (!parse_u64(optarg, 1, 1U << 26, &v))
				return bad("--live-entries", optarg, "expected 1 .. 67108864");
			env->topts.live_entries = v;
			break;
		case OPT_SITE_ENTRIES:
			if (!parse_u64(optarg, 1, 1U << 22, &v))
				return bad("--site-entries", optarg, "expected 1 .. 4194304");
			env->topts.site_entries = v;
			break;
		case OPT_NO_LIVE:
			env->topts.track_live = false;
			break;
		case OPT_PAGES:
			env->topts.pages = true;
			break;
		case OPT_PAGE_ORDER:
			if (!parse_u64(optarg, 0, 15, &v))
				return bad("--page-order", optarg, "expected an order 0 .. 15");
			env->topts.page_order = v;
			break;
		case OPT_PAGETYPE_PERIOD:
			if (!parse_u64(optarg, 1, 1000000, &v))
				return bad("--pagetype-period", optarg, "expected intervals >= 1");
			env->topts.pagetype_period = v;
			break;
		case OPT_CORR_WINDOW:
			if (!parse_u64(optarg, 3, 100000, &v))
				return bad("--corr-window", optarg,
					   "expected 3 .. 100000 intervals");
			env->topts.corr_window = v;
			break;
		case OPT_CORR_LAG:
			if (!parse_u64(optarg, 0, 1000, &v))
				return bad("--corr-lag", optarg, "expected 0 .. 1000 intervals");
			env->topts.corr_lag = v;
			break;
		case OPT_NO_FRAG:
			env->topts.frag = false;
			break;
		case OPT_RINGBUF_SIZE:
			if (!parse_u64(optarg, 4096, 1U << 30, &v) || (v & (v - 1)) ||
			    v % sysconf(_SC_PAGESIZE))
				return bad("--ringbuf-size", optarg,
					   "expected a power of two >= the page size, e.g. 262144");
			env->topts.ringbuf_size = v;
			break;
		case OPT_RAW_ADDRESSES:
			env->topts.raw_addresses = true;
			break;
		case 'v':
			log_level++;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 1;
		case ':':
			fprintf(stderr, "kmemscope record: option '%s' needs a value\n",
				argv[optind - 1]);
			fprintf(stderr, "Try 'kmemscope record --help'.\n");
			return 2;
		default:
			fprintf(stderr, "kmemscope record: unknown option '%s'\n",
				argv[optind - 1]);
			fprintf(stderr, "Try 'kmemscope record --help'.\n");
			return 2;
		}
	}
	if (env->topts.corr_lag >= env->topts.corr_window) {
		fprintf(stderr,
			"kmemscope record: invalid --corr-lag %u: must be smaller than --corr-window %u\n",
			env->topts.corr_lag, env->topts.corr_window);
		fprintf(stderr, "Try 'kmemscope record --help'.\n");
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "kmemscope record: unexpected argument '%s'\n", argv[optind]);
		fprintf(stderr, "Try 'kmemscope record --help'.\n");
		return 2;
	}
	return 0;
}
