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
	check "${name}_body_ready" "body has no data-ready" grep -q '<body data-ready="1"' "$dom"
	for svg in timeline slack gfp; do
		check "${name}_svg_$svg" "no <svg id=$svg> with content" \
			grep -qE "<svg id=\"$svg\"[^>]*>" "$dom"
	done
	# lines with at least two points, bars wider than a pixel
	check "${name}_lines_nonempty" "no chart line with two points" \
		grep -qE '<path class="ln" stroke="[^"]+" d="M[0-9.]+ [0-9.]+ L' "$dom"
	check "${name}_bars_nonempty" "no bar wider than 1px" \
		grep -qE '<rect class="bar" fill="[^"]+" x="[0-9]+" y="[0-9]+" width="([2-9]|[1-9][0-9])' "$dom"
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
