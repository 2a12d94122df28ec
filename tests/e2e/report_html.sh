#!/bin/bash
# `kmemscope report --html` opened in headless Chromium (no sandbox, no
# network): the page's script must run to its end (it logs a marker and sets
# body[data-ready]) with no other console message (errors, CSP violations),
# the charts must be SVG with non-empty lines and bars, and the screenshot
# must exist. Real export (msgq + sockfilt) and the synthetic fragmentation
# fixture. The screenshots stay in $KMS_HTML_SHOTS when that is set.
source "$(dirname "$0")/lib.sh"
need_root_bpf report_html
take_e2e_lock
DATA=$(cd "$(dirname "$0")/../data" && pwd)
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	skip report_html "chromium is not installed (scripts/install-deps.sh test installs it)"
	exit 0
fi

chrome() { # what(--dump-dom|--screenshot=X) file log
	local prof rc
	prof=$(mktemp -d "$TMP/chrome.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --enable-logging=stderr --v=0 --window-size=1400,2000 \
		"$1" "file://$2" 2>"$3"
	rc=$?
	rm -rf "$prof"
	return $rc
}

check_page() { # name html
	local name=$1 html=$2 dom=$TMP/$1.dom log=$TMP/$1.log png=$TMP/$1.png
	chrome --dump-dom "$html" "$log" >"$dom"
	check_eq "${name}_chromium_exit_0" 0 $?
	# every console message is logged as INFO:CONSOLE whatever its level:
	# the page's own marker proves logging works, anything else is a problem
	check "${name}_script_ran" "no ready marker in the console log" \
		grep -q 'CONSOLE.*"kmemscope report ready"' "$log"
	check_eq "${name}_no_console_messages" "" \
		"$(grep ':CONSOLE' "$log" | grep -v '"kmemscope report ready"' | head -3)"
	check "${name}_body_ready" "body has no data-ready" grep -qE '<body[^>]* data-ready="1"' "$dom"
	for svg in timeline slack gfp; do
		check "${name}_svg_$svg" "no <svg id=$svg> with content" \
			grep -qE "<svg id=\"$svg\"[^>]*>" "$dom"
	done
	# lines with at least two points, bars wider than a pixel
	check "${name}_lines_nonempty" "no chart line with two points" \
		grep -qE '<path class="ln" stroke="[^"]+" d="M[0-9.]+ [0-9.]+ L' "$dom"
	check "${name}_bars_nonempty" "no bar wider than 1px" \
		grep -qE '<rect class="bar" fill="[^"]+" x="[0-9]+" y="[0-9]+" width="([2-9]|[1-9][0-9])' "$dom"
	# chart quality: no label outside its chart (the page measures each
	# text's box), y labels in one binary unit per panel, round steps
	check "${name}_no_clipped_labels" "labels outside their chart" grep -q 'data-clipped="0"' "$dom"
	check "${name}_y_labels_binary_units" "a byte tick not in B/KiB/MiB/GiB, or a decimal one" \
		bash -c "! sed -n '/<svg id=\"\\(timeline\\|live\\)\"/,/<\\/svg>/p' '$html' | grep -o 'class=\"yl\">[^<]*' |
			sed 's/.*>//' | grep -vE '^-?[0-9.]+( (B|KiB|MiB|GiB|TiB)(/s)?)?$'"
	check "${name}_self_contained" "the page references external resources" \
		bash -c "! grep -qE '(src|href)=|url\\(|@import' '$html'"
	chrome --screenshot="$png" "$html" "$log.2" >/dev/null
	check "${name}_screenshot" "no screenshot (or a blank one)" test "$(stat -c %s "$png" 2>/dev/null || echo 0)" -gt 20000
	if [ -n "${KMS_HTML_SHOTS:-}" ]; then cp "$png" "$html" "$KMS_HTML_SHOTS/"; fi
}

# real data
gz=$TMP/run.ndjson.gz
start_record -i 0.5 -o "$gz" || { fail report_html_start "record did not start"; exit 1; }
"$WL/msgq" 100 16 100 1000 3000 || fail msgq_workload "workload failed"
"$WL/sockfilt" 32 || fail sockfilt_workload "workload failed"
sleep 1.5
stop_record
check_eq record_exit_status 0 $?
"$KMS" report --html "$TMP/real.html" "$gz" 2>"$TMP/err"
check_eq real_html_exit_0 0 $?
check real_html_names_sites "no load_msg/alloc_msg row in the table" grep -qE '<td>(load_msg|alloc_msg)\+0x' "$TMP/real.html"
check_page real "$TMP/real.html"

# synthetic fragmentation records: the index panels and the red bands
"$KMS" report --html "$TMP/frag.html" "$DATA/synthetic-frag.ndjson" 2>"$TMP/err"
check_eq frag_html_exit_0 0 $?
check frag_html_three_panels "not 3 zone/alloc panels" \
	test "$(grep -o 'class="pt"' "$TMP/frag.html" | wc -l)" -ge 4
check frag_html_ran_out_band "no red band for the order-3 exhaustion" grep -q '<rect class="out"' "$TMP/frag.html"
check_page frag "$TMP/frag.html"

# labels that do not fit (a long GFP combination, a long caller) are cut with
# the whole text in a tooltip; two top sites with one name say their cache;
# a flat index panel becomes one sentence
long=GFP_KERNEL_ACCOUNT\|__GFP_NOWARN\|__GFP_NORETRY\|__GFP_COMP\|__GFP_ZERO\|__GFP_HARDWALL\|__GFP_THISNODE
sed -e "s/\"GFP_ATOMIC\"/\"$long\"/" \
	-e 's/"kind":"kmalloc","caller":"leaky","site":"leaky+0x1"/"kind":"kmem_cache","cache":"signal_cache","caller":"hog_alloc","site":"hog_alloc+0x10"/' \
	-e 's/"frag_index":\[[^]]*\]/"frag_index":[-1,-1,-1,-1,-1,-1,-1,-1,-1,-1,-1]/' \
	"$DATA/synthetic-frag.ndjson" >"$TMP/long.ndjson"
"$KMS" report --html "$TMP/long.html" "$TMP/long.ndjson" 2>"$TMP/err"
check_eq long_html_exit_0 0 $?
check long_html_gfp_cut "the long GFP label is not cut with its tooltip" \
	grep -q "<title>$long</title>GFP_KERNEL_ACCOUNT|__GFP_NOWARN" "$TMP/long.html"
check long_html_legend_names_cache "two hog_alloc+0x10 legends without their kind/cache" \
	grep -q 'class="lg">hog_alloc+0x10 signal_cache<' "$TMP/long.html"
check long_html_flat_panel_sentence "the flat fragmentation index is still a chart" \
	grep -q 'id="flat1">Fragmentation index.*-1.000 throughout' "$TMP/long.html"
check long_html_two_panels "not 2 panels (unusable index, allocation rate) in the timeline" \
	test "$(sed -n '/<svg id="timeline"/,/<\/svg>/p' "$TMP/long.html" | grep -o 'class="pt"' | wc -l)" -eq 2
check_page long "$TMP/long.html"
