#!/bin/bash
# `kmemscope top` in a real terminal (tmux): the msg_msg site shows up with a
# rate, sort keys order the rows, the filter hides the others, the panes,
# q and SIGTERM restore the terminal and unload our programs; the same
# against a running daemon; --once; the error when not on a terminal.
source "$(dirname "$0")/lib.sh"
need_root_bpf top
if ! command -v tmux >/dev/null; then
	skip top "tmux is not installed (scripts/install-deps.sh test)"
	exit 0
fi

# the server socket lives in $TMP, removed with it
TM="tmux -S $TMP/tmux.sock"
DAEMON_PID=""
WL_PID=""
FAKE_PID=""
top_cleanup() {
	[ -n "$WL_PID" ] && kill "$WL_PID" 2>/dev/null
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
	$TM kill-server 2>/dev/null
	[ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	cleanup
}
trap top_cleanup EXIT
# no daemon of another test run may be picked up unless we ask for it
export KMEMSCOPE_SOCKET=$TMP/no-daemon.sock

cap() { $TM capture-pane -p -t top; }
# wait (up to $2 s) until the pane shows the extended regex $1
wait_for() {
	for _ in $(seq 1 $((${2:-10} * 10))); do
		cap | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
keys() { $TM send-keys -t top "$@"; sleep 0.8; }
# the table rows of the current capture: between the column header and the status line
rows() { cap | awk '/^CALLER[* ]/{t=1; next} /sites  sort /{t=0} t && NF'; }
# "1.5K" "3.4M" "12k" ">=12k" (a lower bound) -> numbers, for the columns of rows()
col_numbers() {
	rows | awk -v c="$1" '{ v = $c; m = 1
		if (v ~ /[kK]$/) m = 1000; if (v ~ /M$/) m = 1e6; if (v ~ /G$/) m = 1e9
		if (v == "-") v = -1; sub(/^>=/, "", v); sub(/[kKMG]$/, "", v); printf "%.0f\n", v * m }'
}
enough_rows() { [ "$(rows | wc -l)" -ge 3 ]; }
non_increasing() { awk 'NR > 1 && $1 > prev { bad = 1 } { prev = $1 } END { exit bad }'; }
# `pids kmemscope(PID)` in bpftool's output, when this bpftool reports owners
progs_owned_by() { bpftool prog show 2>/dev/null | grep -c "kmemscope($1)" || true; }
# the f pane's text, scrolled through with PgDn (many NUMA zones do not fit)
frag_pane_text() {
	local n
	for n in 1 2 3 4 5; do cap; keys NPage; done
	for n in 1 2 3 4 5; do $TM send-keys -t top PPage; done
}
workload_loop() { # keep load_msg busy until killed
	(while :; do "$WL/msgq" 500 100 1000 >/dev/null 2>&1; sleep 0.05; done) &
	WL_PID=$!
}
stop_workload() { kill "$WL_PID" 2>/dev/null; wait "$WL_PID" 2>/dev/null; WL_PID=""; }
# for the checks that run in `bash -c`
export -f rows col_numbers non_increasing cap enough_rows
export TM

# --- not a terminal -------------------------------------------------------------
err=$("$KMS" top </dev/null 2>&1 >/dev/null)
rc=$?
check_eq top_not_a_terminal_exit 2 $rc
check top_not_a_terminal_message "error does not point to --once and record: $err" \
	grep -q -- "--once.*record" <<<"$err"
check_eq top_not_a_terminal_one_line 1 "$(wc -l <<<"$err")"

# --- --once ---------------------------------------------------------------------
workload_loop
"$KMS" top --once --standalone -i 0.5 >"$TMP/once.out" 2>"$TMP/once.err"
rc=$?
stop_workload
check_eq top_once_exit 0 $rc
check top_once_header "no header line" grep -q '^kmemscope top - standalone' "$TMP/once.out"
check top_once_columns "no column header" \
	grep -qE '^CALLER +KIND +ALLOC/s +BYTES/s\* +LIVE +LIVE BYTES +AVG REQ +SLACK/s +SLACK% +PING-PONG +TREND +GFP' "$TMP/once.out"
once_rate=$(awk '$1 ~ /^load_msg\+0x/ {print $3; exit}' "$TMP/once.out")
check top_once_load_msg_rate "no load_msg row with a rate (got '$once_rate')" \
	awk -v r="${once_rate:-0}" 'BEGIN { exit !(r + 0 > 0) }'
check top_once_no_escapes "--once output has terminal escapes" \
	bash -c "! grep -q $'\e' '$TMP/once.out'"
frag_available=1
grep -q "fragmentation data not available" "$TMP/once.out" && frag_available=0

# --- interactive, standalone ------------------------------------------------------
$TM new-session -d -s top -x 200 -y 50 "env PS1='PROMPT\$ ' TERM=screen bash --norc --noprofile"
$TM send-keys -t top "stty -g > $TMP/stty.before" Enter
keys "$KMS top --standalone --delay 0.5; echo TOP-EXIT=\$?; stty -g > $TMP/stty.after" Enter
if ! wait_for '^kmemscope top - standalone' 15; then
	fail top_starts "no header in the pane: $(cap | head -5)"
	exit 1
fi
pass top_starts
pane_pid=$($TM display -p -t top '#{pane_pid}')
top_pid=$(pgrep -P "$pane_pid" -x kmemscope)
check_eq top_alternate_screen 1 "$($TM display -p -t top '#{alternate_on}')"
mapfile -t ids < <(prog_ids_of "$top_pid")
check top_holds_programs "top (pid $top_pid) holds no BPF programs" test "${#ids[@]}" -gt 0

workload_loop
if wait_for '^load_msg\+0x[0-9a-f]+ +kmalloc +[1-9]' 10; then
	pass top_load_msg_nonzero_rate
else
	fail top_load_msg_nonzero_rate "no load_msg row with a non-zero ALLOC/s: $(cap | grep -m1 load_msg)"
fi
check top_header_source "header does not say standalone" bash -c "$TM capture-pane -p -t top | grep -q 'standalone (own BPF programs)'"

# sorting: a (ALLOC/s), b (BYTES/s), l (LIVE) descending; n (CALLER) ascending, again reversed
keys a
check top_sort_allocs_header "ALLOC/s not marked" bash -c "$TM capture-pane -p -t top | grep -q 'ALLOC/s\*'"
check top_sort_allocs_order "ALLOC/s column not descending: $(col_numbers 3 | tr '\n' ' ')" \
	bash -c "enough_rows && col_numbers 3 | non_increasing"
keys b
check top_sort_bytes_order "BYTES/s column not descending: $(col_numbers 4 | tr '\n' ' ')" \
	bash -c "enough_rows && col_numbers 4 | non_increasing"
keys l
check top_sort_live_order "LIVE column not descending: $(col_numbers 5 | tr '\n' ' ')" \
	bash -c "enough_rows && col_numbers 5 | non_increasing"
keys n
check top_sort_caller_order "CALLER column not ascending" bash -c "enough_rows && rows | cut -c1-20 | LC_ALL=C sort -c"
keys n
check top_sort_caller_reversed "second n does not reverse" bash -c "enough_rows && rows | cut -c1-20 | LC_ALL=C sort -rc"
keys '>'
check top_sort_next_column "> does not move the sort to KIND" bash -c "$TM capture-pane -p -t top | grep -q 'KIND\*'"
keys b

# filter: / load_msg Enter leaves only load_msg rows; Esc in the filter clears it
keys / ; keys -l load_msg ; keys Enter
nrows=$(rows | wc -l)
nother=$(rows | grep -vc '^load_msg+' || true)
check top_filter_keeps_match "no load_msg row under the filter" test "$nrows" -ge 1
check_eq top_filter_hides_others 0 "$nother"
keys Enter
check top_detail_pane "Enter does not show the site detail" \
	bash -c "$TM capture-pane -p -t top | grep -q 'caller load_msg' && $TM capture-pane -p -t top | grep -q '^Sizes'"
keys Escape
keys / ; keys Escape
check top_filter_cleared "other rows do not come back after clearing the filter" \
	bash -c "[ \$(rows | grep -vc '^load_msg+') -ge 1 ]"

# help
keys '?'
check top_help_pane "? shows no help" bash -c "$TM capture-pane -p -t top | grep -q 'cycle the kind filter'"
keys '?'

# kind filter: k cycles to kmalloc only
keys k
check top_kind_filter "k does not restrict to kmalloc" \
	bash -c "[ \$(rows | wc -l) -ge 1 ] && ! rows | awk '{print \$2}' | grep -vqx kmalloc"
keys k k k k

# t: totals since the start; space: pause (the uptime stops)
keys t
check top_totals_toggle "t does not switch to totals" \
	bash -c "$TM capture-pane -p -t top | grep -qE '^CALLER +KIND +ALLOCS +BYTES\*'"
keys t
keys Space
up1=$(cap | grep -o 'up [0-9:]*')
sleep 1.5
up2=$(cap | grep -o 'up [0-9:]*')
check top_pause_marked "no [PAUSED] in the header" bash -c "$TM capture-pane -p -t top | grep -q 'PAUSED'"
check_eq top_pause_stops_refresh "$up1" "$up2"
keys Space

# fragmentation pane: every zone of /proc/buddyinfo
keys f
if [ "$frag_available" -eq 0 ]; then
	if cap | grep -q "fragmentation data not available"; then
		skip top_frag_pane_zones "state has no buddyinfo yet"
	else
		fail top_frag_pane_zones "the pane shows neither zones nor the placeholder"
	fi
else
	frag_pane_text >"$TMP/pane.txt"
	missing=""
	while read -r node zone; do
		grep -q "^Node $node, zone $zone:" "$TMP/pane.txt" || missing="$missing $node/$zone"
	done < <(awk '/^Node/ { gsub(",", "", $2); print $2, $4 }' /proc/buddyinfo)
	check_eq top_frag_pane_zones "" "$missing"
fi
keys f

# colours (TERM=screen has them), and resizing
sgr_color='\[([0-9]+;)*(3[0-7]|4[0-7])(;[0-9]+)*m'
check top_colours "no colour in the pane" bash -c "$TM capture-pane -e -p -t top | grep -qE '$sgr_color'"
$TM resize-window -t top -x 90 -y 20
sleep 1
check_eq top_resize_lines 20 "$(cap | wc -l)"
# display width, not bytes: the bar charts are block characters on UTF-8
check top_resize_fits "a line is wider than 90 columns" \
	bash -c "[ \$($TM capture-pane -p -t top | LC_ALL=C.UTF-8 wc -L) -le 90 ]"
check top_resize_status_line "no status line at the bottom after resizing" \
	bash -c "$TM capture-pane -p -t top | tail -1 | grep -q 'sites  sort'"
# narrow: the least important columns go first, the status line counts
# them, Right scrolls the table sideways (CALLER stays, KIND goes)
check top_narrow_keeps_main_columns "CALLER, ALLOC/s, BYTES/s not all shown at 90 columns" \
	bash -c "cap | grep -qE '^CALLER +.*ALLOC/s +BYTES/s'"
check top_narrow_hidden_count "no 'cols hidden' in the status line at 90 columns" \
	bash -c "cap | tail -1 | grep -qE '[0-9]+ cols? hidden'"
head0=$(cap | grep -m1 -E '^CALLER')
keys Right Right
check top_hscroll_right "Right Right does not start the columns at BYTES/s: $(cap | grep -m1 -E '^CALLER')" \
	bash -c "cap | grep -qE '^CALLER +BYTES/s'"
keys Left Left
check_eq top_hscroll_back "$head0" "$(cap | grep -m1 -E '^CALLER')"
$TM resize-window -t top -x 200 -y 50
sleep 1

# history: [ steps back (the header says so), ] returns to the newest;
# the TREND column draws the kept intervals
sleep 2
keys '['
check top_history_back "[ does not step back: $(cap | head -1)" \
	bash -c "cap | head -1 | grep -qE '\\[HISTORY -[0-9]+ of 60\\]'"
keys '}'
check top_history_newest "} does not return to the newest" bash -c "! cap | head -1 | grep -q HISTORY"
# paused (no new intervals): [ [ is two back, ] one forward
keys ' '
keys '[' '['
check top_history_two_back "[ [ is not two intervals back: $(cap | head -1)" \
	bash -c "cap | head -1 | grep -q 'HISTORY -2 of 60'"
keys ']'
check top_history_forward "] is not one forward: $(cap | head -1)" \
	bash -c "cap | head -1 | grep -q 'HISTORY -1 of 60'"
keys '}' ' '
check top_trend_column "no TREND column with a drawn value on the load_msg row" \
	bash -c "cap | grep -q 'TREND' && cap | grep -E '^load_msg\\+0x' | grep -qE '[▁▂▃▄▅▆▇█_.~=+*#-]{12}'"

# q: exit 0, terminal restored, our programs gone
stop_workload
keys q
if wait_for '^TOP-EXIT=' 10; then
	check_eq top_q_exit_status "TOP-EXIT=0" "$(cap | grep -o 'TOP-EXIT=[0-9]*' | tail -1)"
else
	fail top_q_exit_status "top did not exit on q"
fi
sleep 0.3
check_eq top_q_alternate_screen_left 0 "$($TM display -p -t top '#{alternate_on}')"
check top_q_prompt_back "no shell prompt after quitting" bash -c "$TM capture-pane -p -t top | grep -q '^PROMPT\\$'"
check top_q_stty_restored "terminal modes differ after quitting" cmp -s "$TMP/stty.before" "$TMP/stty.after"
check_eq top_q_programs_unloaded 0 "$(still_loaded "${ids[@]}")"
check_eq top_q_no_programs_of_pid 0 "$(progs_owned_by "$top_pid")"

# SIGTERM: same
$TM send-keys -t top clear Enter
rm -f "$TMP/stty.after"
keys "NO_COLOR=1 $KMS top --standalone -i 0.5; echo TOP-EXIT=\$?; stty -g > $TMP/stty.after" Enter
if wait_for '^kmemscope top - standalone' 15; then
	check top_no_color "colours despite NO_COLOR" bash -c "! $TM capture-pane -e -p -t top | grep -qE '$sgr_color'"
	top_pid=$(pgrep -P "$pane_pid" -x kmemscope)
	mapfile -t ids < <(prog_ids_of "$top_pid")
	kill -TERM "$top_pid"
	wait_for '^TOP-EXIT=' 10 || fail top_sigterm_exits "top did not exit on SIGTERM"
	sleep 0.3
	check_eq top_sigterm_alternate_screen_left 0 "$($TM display -p -t top '#{alternate_on}')"
	check top_sigterm_prompt_back "no shell prompt after SIGTERM" bash -c "$TM capture-pane -p -t top | grep -q '^PROMPT\\$'"
	check top_sigterm_stty_restored "terminal modes differ after SIGTERM" cmp -s "$TMP/stty.before" "$TMP/stty.after"
	check top_sigterm_had_programs "top held no programs" test "${#ids[@]}" -gt 0
	check_eq top_sigterm_programs_unloaded 0 "$(still_loaded "${ids[@]}")"
else
	fail top_sigterm_exits "top did not start again"
fi

# --- top --replay of a recording: the same screen and keys, in tmux ---------------------
workload_loop
"$KMS" record -i 0.5 -d 3 -o "$TMP/replay.ndjson.gz" >/dev/null 2>"$TMP/replay-rec.err"
check_eq top_replay_recorded 0 $?
stop_workload
$TM send-keys -t top clear Enter
keys "$KMS top --replay $TMP/replay.ndjson.gz -i 0.3; echo TOP-EXIT=\$?" Enter
if wait_for '^kmemscope top - replay of ' 10; then
	# filtered: beside other tracers (the neighbour pass) their sites may fill the screen
	keys / ; keys -l load_msg ; keys Enter
	check top_replay_load_msg "no load_msg row in the replay" wait_for '^load_msg\+0x' 10
	check top_replay_ends "the replay does not say it ended" wait_for 'end of the recording \([0-9]+ intervals\)' 15
	keys '['
	check top_replay_history "[ does not step back in the replay" \
		bash -c "cap | head -1 | grep -q 'HISTORY -1 of'"
	keys q
	wait_for '^TOP-EXIT=' 10 && check_eq top_replay_exit "TOP-EXIT=0" "$(cap | grep -o 'TOP-EXIT=[0-9]*' | tail -1)"
else
	fail top_replay_starts "top --replay did not start: $(cap | tail -3)"
fi
# --once: every interval replayed, the last one printed, totals summed
"$KMS" top --once --replay "$TMP/replay.ndjson.gz" >"$TMP/replay-once.out" 2>&1
check_eq top_replay_once_exit 0 $?
check top_replay_once_header "no replay header in --once" grep -q '^kmemscope top - replay of ' "$TMP/replay-once.out"
"$KMS" top --once --replay "$TMP/nothing.gz" >/dev/null 2>"$TMP/replay-bad.err"
check_eq top_replay_missing_exit 1 $?
check top_replay_missing_message "no one-line reason for a missing recording: $(cat "$TMP/replay-bad.err")" \
	grep -q "cannot read $TMP/nothing.gz" "$TMP/replay-bad.err"
"$KMS" top --once --replay "$TMP/replay.ndjson.gz" --standalone >/dev/null 2>"$TMP/replay-both.err"
check_eq top_replay_with_standalone_exit 2 $?

# --- a stand-in daemon serving a hand-written state ------------------------------------
# The client side of docs/control-socket.md, and the fragmentation strip and
# pane on a state that has buddyinfo (one zone per line of /proc/buddyinfo).
buddy_json() {
	awk 'BEGIN { printf "[" } /^Node/ {
		gsub(",", "", $2); printf "%s{\"node\":%s,\"zone\":\"%s\",\"free\":[", (c++ ? "," : ""), $2, $4
		for (i = 5; i <= NF; i++) printf "%s%s", (i > 5 ? "," : ""), $i
		printf "],\"unusable_index\":["
		for (i = 5; i <= NF; i++) printf "%s0.%03d", (i > 5 ? "," : ""), (i - 5) * 10
		printf "],\"frag_index\":["
		for (i = 5; i <= NF; i++) printf "%s-1", (i > 5 ? "," : "")
		printf "]}" } END { print "]" }' /proc/buddyinfo
}
cat >"$TMP/fake-state.json" <<JSON
{"type":"state","header":{"type":"header","page_size":4096,
 "attach":{"kmalloc":"tracepoint","kmem_cache":"tracepoint","vmalloc":"fentry"}},
 "interval":{"type":"interval","duration_s":1.0,"events":{"kmalloc":1234,"kmem_cache_alloc":0,"vmalloc":0},
  "drops":{"sites_full":0}},
 "uptime_ns":61000000000,
 "sites":[{"kind":"kmalloc","caller":"fake_site","site":"fake_site+0x10","live":1,"live_bytes":64,
  "delta":{"allocs":1234,"bytes_req":60000,"bytes_alloc":78976,"slack":18976},
  "total":{"allocs":5000,"bytes_req":240000,"bytes_alloc":320000,"slack":80000,"sizes":{"32":5000}},
  "gfp":{"GFP_KERNEL":5000}}],
 "pageblock_order":9,
 "meminfo":{"MemFree":1073741824,"Slab":104857600,"SReclaimable":52428800,"SUnreclaim":52428800,"VmallocUsed":8388608},
 "buddyinfo":$(buddy_json)}
JSON
fake=$TMP/fake.sock
"$WL/ctlserve" "$fake" "$TMP/fake-state.json" &
FAKE_PID=$!
for _ in $(seq 1 50); do [ -S "$fake" ] && break; sleep 0.1; done
if ! jq -e . "$TMP/fake-state.json" >/dev/null || [ ! -S "$fake" ]; then
	fail top_fake_daemon "cannot set up the stand-in daemon"
else
	KMEMSCOPE_SOCKET=$fake "$KMS" top --once >"$TMP/fake-once.out" 2>&1
	check_eq top_fake_daemon_once_exit 0 $?
	check top_fake_daemon_detected "--once does not read the socket at \$KMEMSCOPE_SOCKET" \
		grep -q "^kmemscope top - reading daemon at $fake" "$TMP/fake-once.out"
	check top_fake_daemon_row "no fake_site row at 1234/s" \
		grep -qE '^fake_site\+0x10 +kmalloc +1234 ' "$TMP/fake-once.out"
	check top_fake_daemon_meminfo "no meminfo line" \
		grep -q '^Memory:   Slab 100M  SUnreclaim 50M  VmallocUsed 8.0M' "$TMP/fake-once.out"
	missing=""
	while read -r node zone; do
		grep -qE "^Frag: +Node $node $zone " "$TMP/fake-once.out" || missing="$missing $node/$zone"
	done < <(awk '/^Node/ { gsub(",", "", $2); print $2, $4 }' /proc/buddyinfo)
	check_eq top_fake_daemon_strip_zones "" "$missing"
	check top_fake_daemon_strip_indices "no unusable index at order 3 and 9" \
		grep -qE '^Frag: .*unusable o3 0\.030  o9 0\.090' "$TMP/fake-once.out"
	"$KMS" top --once --socket "$TMP/nothing.sock" >/dev/null 2>"$TMP/nosock.err"
	check_eq top_socket_forced_absent_exit 1 $?
	check top_socket_forced_absent_message "no error naming the socket" \
		grep -q "no kmemscope daemon answers on $TMP/nothing.sock" "$TMP/nosock.err"

	$TM send-keys -t top clear Enter
	keys "KMEMSCOPE_SOCKET=$fake $KMS top -i 0.5; echo TOP-EXIT=\$?" Enter
	if wait_for '^kmemscope top - reading daemon at ' 10; then
		top_pid=$(pgrep -P "$pane_pid" -x kmemscope)
		check_eq top_fake_daemon_no_programs 0 "$(prog_ids_of "$top_pid" | wc -l)"
		keys f
		frag_pane_text >"$TMP/fake-pane.txt"
		missing=""
		while read -r node zone; do
			grep -q "^Node $node, zone $zone:" "$TMP/fake-pane.txt" || missing="$missing $node/$zone"
		done < <(awk '/^Node/ { gsub(",", "", $2); print $2, $4 }' /proc/buddyinfo)
		check_eq top_fake_daemon_frag_pane_zones "" "$missing"
		keys q
		wait_for '^TOP-EXIT=' 10
		check_eq top_fake_daemon_q_exit "TOP-EXIT=0" "$(cap | grep -o 'TOP-EXIT=[0-9]*' | tail -1)"
	else
		fail top_fake_daemon_tui "top does not say it reads the daemon: $(cap | head -2)"
	fi
fi
kill "$FAKE_PID" 2>/dev/null
wait "$FAKE_PID" 2>/dev/null
FAKE_PID=""

# --- against a running daemon ---------------------------------------------------------
if ! "$KMS" daemon --help >/dev/null 2>&1; then
	skip top_daemon "daemon subcommand not built"
	exit 0
fi
mkdir -p "$TMP/run" "$TMP/state"
# one-second intervals (the daemon's default is 10 s)
printf 'interval = 1\n' >"$TMP/daemon.conf"
RUNTIME_DIRECTORY=$TMP/run STATE_DIRECTORY=$TMP/state \
	"$KMS" daemon -c "$TMP/daemon.conf" --state-dir "$TMP/state" >"$TMP/daemon.out" 2>&1 &
DAEMON_PID=$!
sock=$TMP/run/control.sock
for _ in $(seq 1 100); do
	[ -S "$sock" ] && break
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
if [ ! -S "$sock" ]; then
	fail top_daemon_starts "no control socket at $sock: $(tail -3 "$TMP/daemon.out")"
	exit 1
fi
export KMEMSCOPE_SOCKET=$sock
$TM send-keys -t top clear Enter
keys "KMEMSCOPE_SOCKET=$sock $KMS top -i 0.5; echo TOP-EXIT=\$?" Enter
if ! wait_for '^kmemscope top - reading daemon at ' 15; then
	fail top_daemon_header "header does not say it reads the daemon: $(cap | head -2)"
	exit 1
fi
pass top_daemon_header
top_pid=$(pgrep -P "$pane_pid" -x kmemscope)
check_eq top_daemon_no_own_programs 0 "$(prog_ids_of "$top_pid" | wc -l)"
workload_loop
if wait_for '^load_msg\+0x[0-9a-f]+ +kmalloc +[1-9]' 15; then
	pass top_daemon_load_msg_nonzero_rate
else
	fail top_daemon_load_msg_nonzero_rate "no load_msg row with a rate: $(cap | grep -m1 load_msg)"
fi
stop_workload
keys q
wait_for '^TOP-EXIT=' 10
check_eq top_daemon_q_exit_status "TOP-EXIT=0" "$(cap | grep -o 'TOP-EXIT=[0-9]*' | tail -1)"
check top_daemon_still_running "the daemon died" kill -0 "$DAEMON_PID"
"$KMS" top --once >"$TMP/once-daemon.out" 2>&1
check top_daemon_once "--once does not read the daemon" grep -q '^kmemscope top - reading daemon at' "$TMP/once-daemon.out"
