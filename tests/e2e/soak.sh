#!/bin/bash
# Soak: the daemon under SOAK_SECONDS (default 120; `make soak` runs 600) of
# churn with ever-new pointers and many sites. Its RSS and its maps must stay
# bounded: RSS in the last quarter no more than 25% (+4 MiB) above the first
# quarter's, sites and live objects within the map sizes, and it keeps
# writing intervals. The growth is printed.
source "$(dirname "$0")/lib.sh"
need_root_bpf soak

SECS=${SOAK_SECONDS:-120}
SOCK=$TMP/control.sock
mkdir -p "$TMP/state" "$TMP/churn"
cat >"$TMP/soak.conf" <<CONF
interval = 1
export_dir = $TMP/state
live_entries = 65536
site_entries = 8192
CONF
"$KMS" daemon --config "$TMP/soak.conf" --socket "$SOCK" 2>"$TMP/soak.err" &
DPID=$!
trap '[ -n "${DPID:-}" ] && kill -TERM "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; cleanup' EXIT
for _ in $(seq 1 200); do
	grep -q "tracing kmalloc=" "$TMP/soak.err" && break
	sleep 0.1
done
"$WL/churn" "$TMP/churn" "$SECS" >"$TMP/churn.out" &
CPID=$!
samples=()
t0=$(date +%s)
while kill -0 "$CPID" 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null)
	[ -n "$rss" ] && samples+=("$rss")
	sleep 5
done
wait "$CPID"
check_eq churn_ran 0 $?
check daemon_alive "the daemon died during the soak" kill -0 "$DPID"
n=${#samples[@]}
q=$((n / 4 > 0 ? n / 4 : 1))
first=$(printf '%s\n' "${samples[@]:0:$q}" | sort -n | tail -1)
last=$(printf '%s\n' "${samples[@]:$((n - q))}" | sort -n | tail -1)
state=$("$KMS" status --socket "$SOCK" --command state 2>/dev/null)
sites=$(jq '.interval.sites // .sites | if type == "array" then length else . end' <<<"$state")
live=$(jq '.interval.live' <<<"$state")
drops=$(jq -c '.interval.drops' <<<"$state")
echo "soak $((($(date +%s) - t0)))s, $(cat "$TMP/churn.out"): daemon RSS ${first} kB (first quarter max) -> ${last} kB (last quarter max), $(((last - first) * 100 / first))% growth; sites $sites, live $live, drops in the last interval $drops; segments $(ls "$TMP/state" | wc -l), $(du -sk "$TMP/state" | cut -f1) kB"
check rss_bounded "RSS grew from $first kB to $last kB" test "$last" -le $((first * 125 / 100 + 4096))
check sites_bounded "sites $sites beyond the 8192-entry map" test "$sites" -le 8192
# live_entries = 65536: the kernel's table has that many slots, no more
check live_bounded "live $live beyond the 65536 slots of the 65536-entry live table" test "$live" -le 65536
kill -TERM "$DPID"
wait "$DPID"
check_eq daemon_clean_exit 0 $?
DPID=""
segs_ok=1
for f in "$TMP"/state/kmemscope-*.ndjson.gz; do
	zcat "$f" | jq -c . >/dev/null 2>&1 || segs_ok=0
done
check_eq segments_readable 1 "$segs_ok"
check intervals_written "fewer intervals than seconds/2" \
	test "$(zcat "$TMP"/state/kmemscope-*.ndjson.gz | grep -c '"type":"interval"')" -ge $((SECS / 2))
