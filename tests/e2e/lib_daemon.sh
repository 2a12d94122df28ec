# Helpers for the daemon's end-to-end tests (sourced after lib.sh): start
# and stop a daemon, check its segments, ask its control socket.
# shellcheck shell=bash
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SOCK=$TMP/ctl.sock
DPID="" LPID="" FULL=""

daemon_cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	[ -n "$FULL" ] && umount "$FULL" 2>/dev/null
	cleanup
}
trap daemon_cleanup EXIT

# wait_for: lib.sh's

# kmemscope daemon --config CONF ARGS, logging to $TMP/NAME.err; waits for the attach
start_daemon() { # name conf args...
	local name=$1 conf=$2
	shift 2
	"$KMS" daemon --config "$conf" --socket "$SOCK" "$@" 2>"$TMP/$name.err" &
	DPID=$!
	if ! wait_for 20 grep -q "tracing kmalloc=" "$TMP/$name.err"; then
		echo "daemon $name did not start:" >&2
		cat "$TMP/$name.err" >&2
		return 1
	fi
}

stop_daemon() { # signal; returns the exit status
	local rc
	kill "-${1:-TERM}" "$DPID"
	wait "$DPID" 2>/dev/null # no "Killed" line from the shell
	rc=$?
	DPID=""
	return $rc
}

# every segment: zcat reads it whole, every line is a JSON record, the first a header
segments_ok() { # dir
	local f n=0
	for f in "$1"/kmemscope-*.ndjson.gz*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		zcat "$f" >/dev/null 2>&1 || { echo "zcat fails on $f"; return 1; }
		zcat "$f" | jq -R -e 'fromjson | .type' >/dev/null 2>&1 || { echo "bad line in $f"; return 1; }
		[ "$(zcat "$f" | head -1 | jq -r .type)" = header ] || { echo "$f does not start with a header"; return 1; }
		[ "$(zcat "$f" | tail -c1 | od -An -tx1 | tr -d ' ')" = 0a ] || { echo "$f ends inside a line"; return 1; }
	done
	[ "$n" -gt 0 ] || { echo "no segments in $1"; return 1; }
}

# the interval numbers of all segments in order: consecutive, none twice
seqs_consecutive() { # dir
	local f
	for f in "$1"/kmemscope-*.ndjson.gz*; do zcat "$f"; done |
		jq -r 'select(.type == "interval") | .seq' |
		awk 'NR > 1 && $1 != prev + 1 { print "gap or repeat at " prev " -> " $1; bad = 1 }
		     { prev = $1 } END { exit bad || NR == 0 }'
}

n_segments() { ls "$1" | grep -cE '^kmemscope-.*\.ndjson\.gz(\.active)?$'; }
n_intervals() { for f in "$1"/kmemscope-*.ndjson.gz*; do zcat "$f" 2>/dev/null; done | grep -c '"type":"interval"'; }
status_json() { "$KMS" status --socket "$SOCK" --json; }

# a daemon killed (SIGKILL) after SECS seconds: ACTIVE is the .active
# segment it leaves in DIR (empty when none); false when it did not start
kill_daemon_after() { # name conf secs dir
	start_daemon "$1" "$2" || return 1
	sleep "$3"
	stop_daemon KILL
	ACTIVE=$(ls "$4"/*.active 2>/dev/null | head -1)
}

# FULL: a 256 KiB tmpfs at $TMP/full (unmounted by the cleanup); false
# after a SKIP line when it cannot be mounted
mount_small_fs() { # skip-name
	FULL=$TMP/full
	mkdir -p "$FULL"
	mount -t tmpfs -o size=256k,mode=0700 kmstmp "$FULL" && return 0
	skip "$1" "cannot mount a tmpfs"
	FULL=""
	return 1
}
