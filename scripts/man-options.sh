#!/bin/sh
# Splice the option, key and sort-key lists generated from the option tables
# (src/*/*options.c, status.c; sort_keys.c) into docs/kmemscope.8,
# between the BEGIN/END GENERATED OPTIONS markers.
# Usage: scripts/man-options.sh [BUILD_DIR]   (tests/unit/test_options.c checks the result)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kms=${1:-$top/build}/kmemscope
page=$top/docs/kmemscope.8
gen=$(mktemp)
trap 'rm -f "$gen" "$gen.new"' EXIT
"$kms" __man-options >"$gen"
awk -v gen="$gen" '
	/^\.\\" BEGIN GENERATED OPTIONS/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
	/^\.\\" END GENERATED OPTIONS/ { skip = 0 }
	!skip { print }
' "$page" >"$gen.new"
grep -q 'END GENERATED OPTIONS' "$gen.new" || { echo "man-options: no markers in $page" >&2; exit 1; }
cat "$gen.new" >"$page"
