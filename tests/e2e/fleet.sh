#!/bin/bash
# The metrics as a fleet consumes them: the daemon writes its textfile, a
# real node_exporter (Debian prometheus-node-exporter) serves it with its
# textfile collector, a real Prometheus (Debian prometheus) scrapes that on
# 127.0.0.1 with prometheus/rules.yml loaded, and its HTTP API returns the
# exact counts of a known msgq workload (777 msgsnd of 333 bytes: 777
# kmalloc(381) at load_msg). Also promtool: check metrics on the real
# textfile, check rules and the rules' unit tests. Every server is started
# here and stopped at the end.
source "$(dirname "$0")/lib.sh"
need_root_bpf fleet
take_e2e_lock
TOP=$(cd "$(dirname "$0")/../.." && pwd)
for c in prometheus prometheus-node-exporter promtool curl; do
	if ! command -v "$c" >/dev/null; then
		skip fleet "no $c: apt-get install prometheus prometheus-node-exporter curl (scripts/install-deps.sh test)"
		exit 0
	fi
done

DPID="" NPID="" PPID_=""
fleet_cleanup() {
	local p
	for p in "$PPID_" "$NPID" "$DPID"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	cleanup
}
trap fleet_cleanup EXIT

# a TCP port nothing listens on now, at random in 20000..59999
free_port() {
	local p i
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

N=777 SIZE=333
req=$((48 + SIZE))
class=$(size_class $req)

# --- promtool on the shipped rules ------------------------------------------
check fleet_promtool_check_rules "promtool check rules: $(promtool check rules "$TOP/prometheus/rules.yml" 2>&1 | tail -2)" \
	promtool check rules "$TOP/prometheus/rules.yml"
check fleet_promtool_test_rules "promtool test rules: $(cd "$TOP/prometheus" && promtool test rules rules_test.yml 2>&1 | tail -5)" \
	bash -c "cd '$TOP/prometheus' && promtool test rules rules_test.yml"

# --- the daemon writes the textfile -----------------------------------------
mkdir -p "$TMP/textfile" "$TMP/state" "$TMP/tsdb"
cat >"$TMP/k.conf" <<C
interval = 1
export_dir = $TMP/state
prom_textfile = $TMP/textfile/kmemscope.prom
prom_top_sites = 100000
top_sites = 0
rotate_age = 4
pprof_segments = yes
C
"$KMS" daemon --config "$TMP/k.conf" --socket "$TMP/ctl.sock" 2>"$TMP/daemon.err" &
DPID=$!
if ! wait_for 20 test -s "$TMP/textfile/kmemscope.prom"; then
	fail fleet_daemon_start "no textfile: $(tail -3 "$TMP/daemon.err")"
	exit 1
fi
pass fleet_daemon_start
check fleet_promtool_check_metrics "promtool check metrics: $(promtool check metrics <"$TMP/textfile/kmemscope.prom" 2>&1 | head -3)" \
	bash -c "promtool check metrics <'$TMP/textfile/kmemscope.prom'"

# --- node_exporter serves it --------------------------------------------------
nport=$(free_port) || { fail fleet_ports "no free port"; exit 1; }
prometheus-node-exporter --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$TMP/textfile" --web.listen-address="127.0.0.1:$nport" \
	>"$TMP/node.log" 2>&1 &
NPID=$!
if ! wait_for 20 curl -sf "http://127.0.0.1:$nport/metrics"; then
	fail fleet_node_exporter_start "node_exporter did not serve: $(tail -3 "$TMP/node.log")"
	exit 1
fi
curl -sf "http://127.0.0.1:$nport/metrics" >"$TMP/node.metrics"
check fleet_node_exporter_serves_textfile "node_exporter's /metrics lacks kmemscope_build_info" \
	grep -q '^kmemscope_build_info{' "$TMP/node.metrics"
check_eq fleet_node_exporter_textfile_no_error 0 \
	"$(awk '$1 == "node_textfile_scrape_error" { print $2 }' "$TMP/node.metrics")"

# --- Prometheus scrapes node_exporter, with the rules --------------------------
pport=$(free_port) || { fail fleet_ports "no free port"; exit 1; }
cat >"$TMP/prometheus.yml" <<C
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $TOP/prometheus/rules.yml
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:$nport']
C
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$TMP/prom.log" 2>&1 &
PPID_=$!
API=http://127.0.0.1:$pport/api/v1
# one number: the sum of an instant query's values, "" when it has none
q() {
	curl -sf --get "$API/query" --data-urlencode "query=$1" |
		jq -r 'if .status == "success" and (.data.result | length) > 0
			then [.data.result[].value[1] | tonumber] | add else "" end'
}
scraped() { [ "$(q 'up{job="node"}')" = 1 ] && [ "$(q kmemscope_build_info)" = 1 ]; }
if ! wait_for 60 scraped; then
	fail fleet_prometheus_scrapes "Prometheus has no kmemscope_build_info: $(tail -3 "$TMP/prom.log")"
	exit 1
fi
pass fleet_prometheus_scrapes
check_eq fleet_build_info_kernel "$(uname -r)" \
	"$(curl -sf --get "$API/query" --data-urlencode 'query=kmemscope_build_info' | jq -r '.data.result[0].metric.kernel')"

# --- the workload's exact counts through the whole chain ------------------------
# Counters since the daemon's start: the workload's part is the difference
# from before to after it (another msgsnd user on the machine would show as
# a mismatch of all three, not as a pass).
sel='{kind="kmalloc",caller="load_msg"}'
sleep 3 # daemon interval + scrape: Prometheus has the textfile's current values
a0=$(q "sum(kmemscope_site_allocations_total$sel)")
r0=$(q "sum(kmemscope_site_requested_bytes_total$sel)")
b0=$(q "sum(kmemscope_site_allocated_bytes_total$sel)")
"$WL/msgq" $N $SIZE || fail fleet_workload "workload failed"
arrived() { [ "$(q "sum(kmemscope_site_allocations_total$sel)")" = $((${a0:-0} + N)) ]; }
wait_for 30 arrived
sleep 2 # one more interval and scrape: nothing late
check_eq fleet_prometheus_load_msg_allocs $N $(($(q "sum(kmemscope_site_allocations_total$sel)") - ${a0:-0}))
check_eq fleet_prometheus_load_msg_requested_bytes $((N * req)) \
	$(($(q "sum(kmemscope_site_requested_bytes_total$sel)") - ${r0:-0}))
check_eq fleet_prometheus_load_msg_allocated_bytes $((N * class)) \
	$(($(q "sum(kmemscope_site_allocated_bytes_total$sel)") - ${b0:-0}))
check fleet_site_label_offset "load_msg's series has no site=\"load_msg+0x..\" and cache=\"kmalloc\" labels" \
	bash -c "curl -sf --get '$API/series' --data-urlencode 'match[]=kmemscope_site_allocations_total$sel' |
		jq -e '[.data[] | (.site | test(\"^load_msg\\\\+0x[0-9a-f]+$\")) and .cache == \"kmalloc\"] | length > 0 and all'"
kinds=$(q 'sum(kmemscope_allocations_total{kind="kmalloc"})')
check fleet_kind_total_covers_site "kmalloc allocations_total $kinds < the workload's $N" \
	test "${kinds:-0}" -ge $N

# --- the rules are loaded and evaluated ---------------------------------------
rules_ok() {
	curl -sf "$API/rules" | jq -e '[.data.groups[].rules[] | select(.health == "ok")] | length == 7' >/dev/null
}
check fleet_rules_loaded "Prometheus /api/v1/rules: not 7 healthy rules: $(curl -sf "$API/rules" | jq -c '[.data.groups[].rules[] | {name, health, lastError}]')" \
	wait_for 20 rules_ok
check_eq fleet_rules_alert_names "KmemscopeDrops KmemscopeNotUpdating KmemscopeSiteLiveBytesGrowing KmemscopeZoneFragmented" \
	"$(curl -sf "$API/rules" | jq -r '[.data.groups[].rules[] | select(.type == "alerting") | .name] | sort | join(" ")')"
rec_ok() { [ -n "$(q 'instance_kind:kmemscope_allocated_bytes:rate5m{kind="kmalloc"}')" ]; }
check fleet_recording_rule_evaluated "instance_kind:kmemscope_allocated_bytes:rate5m has no value" \
	wait_for 20 rec_ok
# the daemon is updating: its alert is not firing
check_eq fleet_not_updating_quiet "" \
	"$(curl -sf "$API/alerts" | jq -r '.data.alerts[] | select(.labels.alertname == "KmemscopeNotUpdating") | .state')"

# --- stop everything ------------------------------------------------------------
for v in PPID_ NPID DPID; do
	kill "${!v}" && wait "${!v}" 2>/dev/null
	printf -v "$v" '%s' ""
done
check_eq fleet_nothing_left_listening "" \
	"$(ss -Htln "( sport = :$nport or sport = :$pport )")"

# --- pprof_segments: a profile beside every complete segment ---------------------
# (the last one is written as the daemon exits: wait for it)
profiles_done() {
	local s
	for s in "$TMP"/state/kmemscope-*.ndjson.gz; do
		[ -s "${s%.ndjson.gz}.pb.gz" ] || return 1
	done
}
nseg=$(find "$TMP/state" -name 'kmemscope-*.ndjson.gz' | wc -l)
check fleet_segments_rotated "only $nseg segments in rotate_age 4 s" test "$nseg" -ge 2
check fleet_profile_per_segment "a complete segment without its .pb.gz: $(ls "$TMP/state")" \
	wait_for 30 profiles_done
check fleet_profiles_gzip "a profile is not gzip" bash -c "gzip -t '$TMP'/state/*.pb.gz"
if command -v go >/dev/null; then
	# go tool pprof merges the segments' profiles: the workload's allocations are in them once
	allocs=$(HOME=${HOME:-$TMP} PPROF_TMPDIR=$TMP go tool pprof -top -sample_index=alloc_objects \
		-unit=count -focus='^load_msg$' "$TMP"/state/*.pb.gz 2>/dev/null |
		awk '$NF == "load_msg" { print $1 }')
	check_eq fleet_profiles_load_msg_allocs $((${a0:-0} + N)) "$allocs"
else
	skip fleet_profiles_load_msg_allocs "no go command (Debian golang-go)"
fi
