#!/bin/bash
# The layering of src/ holds: every #include "x.h" points to the same
# folder or a lower layer, and no header includes itself back (no cycle).
# Usage: scripts/check-layers.sh   (run by tests/static.sh; prints one line
# per violation and exits 1 when there is any)
#
# Layers, lowest first (README, "Layout"): a folder may use its own headers,
# include/ (the wire types shared with the BPF programs) and the folders
# of lower rank. Folders of equal rank (daemon, report) are peers and may
# not use each other.
set -u
cd "$(dirname "$0")/.." || exit 1

declare -A rank=([lib]=0 [kernel]=1 [schema]=2 [session]=3 [daemon]=4 [report]=4 [top]=5 [cli]=6)

# where each header lives: "include" or a src/ folder name
declare -A home
for h in include/*.h; do home[$(basename "$h")]=include; done
for d in src/*/; do
	d=${d%/}
	layer=${d#src/}
	if [ -z "${rank[$layer]+x}" ]; then
		echo "src/$layer: a folder with no layer: add it to scripts/check-layers.sh and the README"
		bad=1
	fi
	for h in "$d"/*.h; do
		[ -e "$h" ] && home[$(basename "$h")]=$layer
	done
done
for f in src/*.c src/*.h; do
	[ -e "$f" ] && { echo "$f: outside a layer folder"; bad=1; }
done

bad=${bad:-0}
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
while IFS= read -r f; do
	layer=${f#src/}
	layer=${layer%%/*}
	while IFS= read -r inc; do
		where=${home[$inc]:-}
		case "$inc" in *.skel.h)
			# generated skeletons belong to the kernel layer
			where=kernel ;;
		esac
		[ -n "$where" ] || continue # a system or library header
		echo "$(basename "$f") $inc" >>"$edges"
		[ "$where" = include ] && continue
		[ "$where" = "$layer" ] && continue
		if [ "${rank[$where]}" -ge "${rank[$layer]}" ]; then
			echo "$f includes $inc from src/$where/: $layer may use only lower layers"
			bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done < <(find src -name '*.[ch]' | sort)

# a header graph with a cycle: tsort names the loop (only .h -> .h edges)
if ! awk '$1 ~ /\.h$/' "$edges" | tsort >/dev/null 2>"$edges.err"; then
	sed 's/^/include cycle: /' "$edges.err"
	bad=1
fi
rm -f "$edges.err"
[ "$bad" -eq 0 ] && echo "layers: $(find src -name '*.[ch]' | wc -l) files, every include points down, no cycle"
exit "$bad"
