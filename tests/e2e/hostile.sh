#!/bin/bash
# Files, names and inputs other users control (issue 18): symlinks planted
# where kmemscope writes, devices and FIFOs as outputs and inputs, control
# characters from a task's comm and from input files, report memory bounds.
source "$(dirname "$0")/lib.sh"
need_root_bpf hostile
take_e2e_lock

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$TOP/tests/data/hostile
DPID="" SPID=""
NULL_MODE=$(stat -c %a /dev/null)

hostile_cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	# a kmemscope that chmods /dev/null must not leave the machine broken
	chmod "$NULL_MODE" /dev/null
	cleanup
}
trap hostile_cleanup EXIT

# a victim file and, beside it, NAME -> victim owned by nobody (another user)
plant() { # dir name
	mkdir -p "$1"
	echo keep >"$1/victim"
	chmod 0644 "$1/victim"
	ln -sfn "$1/victim" "$1/$2"
	chown -h nobody "$1/$2"
}
victim_intact() { # dir
	[ "$(cat "$1/victim")" = keep ] && [ "$(stat -c %a "$1/victim")" = 644 ]
}
# printable text only: no C0 byte but newline, no DEL, no C1, valid UTF-8
clean_text() { # file
	! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1" &&
		! LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$1" &&
		iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}

# --- record -o ------------------------------------------------------------------
D=$TMP/rec
plant "$D" out.ndjson
"$KMS" record -d 0.5 -o "$D/out.ndjson" >"$TMP/o" 2>"$TMP/e"
rc=$?
check record_o_symlink_refused "exit $rc: $(head -c 300 "$TMP/e")" \
	bash -c "[ $rc -ne 0 ] && grep -q 'symbolic link' '$TMP/e'"
check record_o_symlink_victim_intact "the symlink's target was written or chmod'ed" victim_intact "$D"

# a regular file of another user's, world-readable: replaced by our own 0600 file
echo old >"$D/theirs.ndjson"
chown nobody "$D/theirs.ndjson"
chmod 0644 "$D/theirs.ndjson"
"$KMS" record -d 0.5 -o "$D/theirs.ndjson" >"$TMP/o" 2>"$TMP/e"
check record_o_replaces_0600 "$(stat -c '%U %a' "$D/theirs.ndjson"), $(head -c 200 "$TMP/e")" \
	bash -c "[ \"\$(stat -c '%u %a' '$D/theirs.ndjson')\" = '0 600' ] &&
		head -1 '$D/theirs.ndjson' | grep -q '\"type\":\"header\"'"
check record_o_no_temp_left "temporary files left in $D" \
	bash -c "[ -z \"\$(ls -A '$D' | grep -v -e '^victim$' -e '^out.ndjson$' -e '^theirs.ndjson$')\" ]"

# devices are written in place: /dev/null keeps its mode and stays a device
"$KMS" record -d 0.5 -o /dev/null >"$TMP/o" 2>"$TMP/e"
rc=$?
check record_o_dev_null "exit $rc, /dev/null now $(stat -c '%F %a' /dev/null): $(head -c 200 "$TMP/e")" \
	bash -c "[ $rc -eq 0 ] && [ -c /dev/null ] && [ \"\$(stat -c %a /dev/null)\" = '$NULL_MODE' ]"
# (a pipe: the records and the table share it)
"$KMS" record -d 0.5 -o /dev/stdout 2>"$TMP/e" | cat >"$TMP/stdout.ndjson"
check record_o_dev_stdout "no header on stdout: $(head -c 200 "$TMP/e")" \
	grep -q '"type":"header"' "$TMP/stdout.ndjson"

# --- report --html ----------------------------------------------------------------
H=$TMP/html
plant "$H" r.html
"$KMS" report --html "$H/r.html" "$TOP/tests/data/synthetic-site-rest.ndjson" >"$TMP/o" 2>"$TMP/e"
rc=$?
check html_symlink_refused "exit $rc: $(head -c 300 "$TMP/e")" \
	bash -c "[ $rc -ne 0 ] && grep -q 'symbolic link' '$TMP/e'"
check html_symlink_victim_intact "the symlink's target was written" victim_intact "$H"
"$KMS" report --html "$H/new.html" "$TOP/tests/data/synthetic-site-rest.ndjson" >"$TMP/o" 2>"$TMP/e"
check html_0600 "mode $(stat -c %a "$H/new.html" 2>&1)" \
	bash -c "[ \"\$(stat -c %a '$H/new.html')\" = 600 ] && grep -q '</html>' '$H/new.html'"

# --- report DIR with a FIFO, a device and a directory among the segments ------------
R=$TMP/dir
mkdir -p "$R/sub.ndjson"
cp "$TOP/tests/data/synthetic-site-rest.ndjson" "$R/a.ndjson"
mkfifo "$R/b.ndjson"
ln -s /dev/zero "$R/c.ndjson.gz"
timeout 20 "$KMS" report "$R" >"$TMP/o" 2>"$TMP/e"
rc=$?
check report_dir_skips_non_regular "exit $rc (124: hung): $(head -c 300 "$TMP/e")" \
	bash -c "[ $rc -eq 0 ] && grep -q 'b.ndjson: not a regular file' '$TMP/e' &&
		grep -q 'c.ndjson.gz: not a regular file' '$TMP/e' &&
		grep -q 'big_alloc' '$TMP/o'"

# --- control characters from an input file ------------------------------------------
"$KMS" report "$DATA/control-chars.ndjson" >"$TMP/o" 2>"$TMP/e"
text_ok() { clean_text "$TMP/o" && grep -qF 'x\x0d\x08' "$TMP/o"; }
check report_text_sanitized "control bytes in the text report: $(cat -A "$TMP/o" | grep -a fake_row | head -c 300)" text_ok
# no site row was injected: the table has its one site row
check report_text_one_row "a newline in a name injected rows" \
	bash -c "[ \"\$(grep -c 'fake_row' '$TMP/o')\" -le 1 ]"
"$KMS" report --format json "$DATA/control-chars.ndjson" >"$TMP/o.json" 2>"$TMP/e"
check report_json_utf8 "the JSON output is not valid UTF-8 JSON" \
	bash -c "iconv -f UTF-8 -t UTF-8 '$TMP/o.json' >/dev/null && jq -e .sites '$TMP/o.json'"

# --- status: a daemon's reply with control characters ---------------------------------
cat >"$TMP/status.json" <<'J'
{"type":"status","version":"0.1.0\u001b]0;owned\u0007","pid":1,"uptime_ns":1000000000,"interval_s":10,"seq":1,"attach":{"kmalloc":"tp\u001b[2J","kmem_cache":"tp","vmalloc":"tp"},"drops":{"x\u009b31m":1},"segment":"/s/x.active\n  writes:    ok (forged)","state_dir":"/s\r","segments":1,"disk_bytes":1,"writes":{"ok":true,"intervals_written":1,"segments_deleted":0},"config":"/c\b\b"}
J
"$WL/ctlserve" "$TMP/fake.sock" "$TMP/status.json" status &
SPID=$!
wait_for 5 test -S "$TMP/fake.sock"
"$KMS" status --socket "$TMP/fake.sock" >"$TMP/o" 2>"$TMP/e"
status_ok() { clean_text "$TMP/o" && grep -qF 'x.active\x0a' "$TMP/o" && [ "$(grep -c '^  writes:' "$TMP/o")" = 1 ]; }
check status_sanitized "$(cat -A "$TMP/o" | head -c 400)" status_ok

# --- top: a daemon's state with control characters in names ---------------------------
cat >"$TMP/state.json" <<'J'
{"type":"state","header":{"type":"header","page_size":4096,"attach":{"kmalloc":"tracepoint","kmem_cache":"tracepoint","vmalloc":"tracepoint"}},
 "interval":{"type":"interval","duration_s":1.0,"events":{"kmalloc":1234},"drops":{}},"uptime_ns":61000000000,
 "sites":[{"kind":"kmem_cache","cache":"c\u001b]0;t\u0007","caller":"x","site":"x\n  forged_row\u009b+0x10","live":1,"live_bytes":64,
  "delta":{"allocs":1234,"bytes_req":60000,"bytes_alloc":78976,"slack":18976},
  "total":{"allocs":5000,"bytes_req":240000,"bytes_alloc":320000,"slack":80000,"sizes":{"32":5000}},
  "gfp":{"GFP_KERNEL\u001b[5m":5000}}]}
J
"$WL/ctlserve" "$TMP/top.sock" "$TMP/state.json" &
pid=$!
wait_for 5 test -S "$TMP/top.sock"
"$KMS" top --once --socket "$TMP/top.sock" >"$TMP/o" 2>&1
top_ok() { clean_text "$TMP/o" && grep -qF 'x\x0a  forged_row' "$TMP/o" && ! grep -q '^  forged_row' "$TMP/o"; }
check top_sanitized "$(cat -A "$TMP/o" | grep -a forged | head -c 300)" top_ok
kill "$pid"
wait "$pid" 2>/dev/null

# --- a task's comm in the allocation-failure warning ----------------------------------
if start_record -i 0.5; then
	"$WL/semfail" >"$TMP/semfail.out" 2>&1
	src=$?
	sleep 1
	stop_record
	if [ "$src" -ne 0 ]; then
		skip comm_failure_warning "semfail could not run: $(cat "$TMP/semfail.out")"
	else
		check comm_failure_warning "$(grep -a 'allocation failure' "$TMP/rec.err" | cat -A | head -c 400)" \
			bash -c "grep -aq 'allocation failure: .* by x\\\\x0a<0>FAKE\\\\x1b\\[2J (pid' '$TMP/rec.err' &&
				! grep -aq '^<0>FAKE' '$TMP/rec.err' && ! LC_ALL=C grep -aq $'\\x1b' '$TMP/rec.err'"
	fi
else
	fail comm_failure_warning "record did not start"
fi

# --- the daemon: a planted textfile tmp path, --socket on other files -------------------
P=$TMP/prom
plant "$P" k.prom.tmp
S=$TMP/state
cat >"$TMP/d.conf" <<C
interval = 0.3
export_dir = $S
C
"$KMS" daemon --config "$TMP/d.conf" --socket "$TMP/ctl.sock" --prom-textfile "$P/k.prom" 2>"$TMP/d.err" &
DPID=$!
if wait_for 20 test -s "$P/k.prom"; then
	sleep 1
	check prom_tmp_symlink_victim_intact "the planted k.prom.tmp's target was written" victim_intact "$P"
	check prom_textfile_0644 "k.prom is $(stat -c '%F %a' "$P/k.prom")" \
		bash -c "[ -f '$P/k.prom' ] && [ ! -L '$P/k.prom' ] && [ \"\$(stat -c %a '$P/k.prom')\" = 644 ]"
	# a second daemon (a state directory of its own) on the live socket: refused
	sed "s|$S|$S.2|" "$TMP/d.conf" >"$TMP/d2.conf"
	"$KMS" daemon --config "$TMP/d2.conf" --socket "$TMP/ctl.sock" >"$TMP/o" 2>"$TMP/e" &
	pid=$!
	wait_for 20 grep -q "listens on" "$TMP/e"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check socket_live_refused "$(grep -v '^<6>' "$TMP/e" | head -c 300)" \
		bash -c "grep -q 'listens on' '$TMP/e' && '$KMS' status --socket '$TMP/ctl.sock'"
else
	fail prom_tmp_symlink_victim_intact "the daemon wrote no textfile: $(head -c 300 "$TMP/d.err")"
fi
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=""

# --socket naming a regular file: refused (the daemon runs on without a
# control socket, as for any socket error), the file kept
echo precious >"$TMP/not-a-socket"
"$KMS" daemon --config "$TMP/d.conf" --socket "$TMP/not-a-socket" >"$TMP/o" 2>"$TMP/e" &
DPID=$!
wait_for 20 grep -q "tracing kmalloc=" "$TMP/e"
check socket_regular_file_refused "$(grep -v '^<6>' "$TMP/e" | head -c 300)" \
	bash -c "[ \"\$(cat '$TMP/not-a-socket')\" = precious ] && grep -q 'is not a socket' '$TMP/e'"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=""

# a socket a killed daemon left behind (nobody listens): replaced
"$WL/ctlserve" "$TMP/stale.sock" "$TMP/status.json" &
pid=$!
wait_for 5 test -S "$TMP/stale.sock"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$KMS" daemon --config "$TMP/d.conf" --socket "$TMP/stale.sock" 2>"$TMP/d2.err" &
DPID=$!
check socket_stale_replaced "$(head -c 300 "$TMP/d2.err")" wait_for 20 grep -q "tracing kmalloc=" "$TMP/d2.err"
kill -TERM "$DPID"
wait "$DPID" 2>/dev/null
DPID=""

# --- report memory: long names and many distinct sites (docs/performance.md) -------------
HDR=$(head -1 "$TOP/tests/data/synthetic-site-rest.ndjson")
IV='{"type":"interval","seq":1,"start_ns":1800000000000000000,"end_ns":1800000001000000000,"duration_s":1}'
site() { # caller-printer site-name
	printf '{"type":"site","seq":1,"kind":"kmalloc","caller":"'
	"$1"
	printf '","site":"%s","allocs":5,"frees":2,"failed":0,"bytes_req":300,"bytes_alloc":320,"slack":20,"bytes_freed":128,"cross_cpu_frees":0,"sizes":{"64":5},"gfp":{"GFP_KERNEL":5}}\n' "$2"
}
long_name() { head -c $((16 * 1024 * 1024 - 4096)) /dev/zero | tr '\0' "$L"; }
{
	echo "$HDR"
	echo "$IV"
	for i in $(seq 1 40); do
		L=$(printf "\\$(printf %o $((64 + i % 26 + 1)))")
		site long_name "x+0x$i"
	done
} | gzip -1 >"$TMP/long.ndjson.gz"
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f %M "$KMS" report --format json "$TMP/long.ndjson.gz" >"$TMP/o" 2>"$TMP/e"
	kb=$(tail -1 "$TMP/e")
	check report_long_names_bounded "max RSS ${kb} KB for 40 names of 16 MiB (1.3-2.5 GB before)" \
		bash -c "[ '$kb' -lt 262144 ] && jq -e '.sites[0].caller | length <= 600' '$TMP/o'"
else
	skip report_long_names_bounded "no /usr/bin/time"
fi
{
	echo "$HDR"
	echo "$IV"
	for i in $(seq 1 3000); do echo "{\"type\":\"site\",\"seq\":1,\"kind\":\"kmalloc\",\"caller\":\"f$i\",\"site\":\"f$i+0x1\",\"allocs\":1,\"frees\":0,\"failed\":0,\"bytes_req\":64,\"bytes_alloc\":64,\"slack\":0,\"bytes_freed\":0,\"cross_cpu_frees\":0,\"sizes\":{\"64\":1}}"; done
} >"$TMP/many.ndjson"
"$KMS" report --max-sites 1000 --format json "$TMP/many.ndjson" >"$TMP/o" 2>"$TMP/e"
check report_max_sites "$(jq -c '.summary.notes' "$TMP/o" 2>&1 | head -c 300)" \
	bash -c "jq -e '(.sites | length) <= 1000 and .summary.allocs == 3000 and
		(.summary.notes | map(test(\"max-sites 1000 distinct sites: 2000 site records\")) | any)' '$TMP/o'"

# --- interval numbers missing inside a run ------------------------------------------
"$KMS" report "$DATA/seq-gap.ndjson" >"$TMP/o" 2>"$TMP/e"
check report_seq_gaps "$(grep -i note "$TMP/o")" grep -q "4 intervals missing in 2 gaps" "$TMP/o"
