#!/bin/sh
# tools/bench/identify_scale.sh - 1:N identification at group scale
# (make bench-identify; docs/sizing.md "1:N identification at group scale").
#
# Runs bench-identify_scale once per gallery size (each in its own process,
# so the RSS delta is that size's alone), then fits a line through the
# sizes' memory and CPU per probe and projects it to PROJECT templates and
# to the size where one probe takes a second of CPU.
#
# Knobs: SIZES (default "100000 1000000 3000000"; 3 M needs about 2.2 GiB),
# PROBES (per size, default 9), PROJECT (default 10000000), BUILD.
set -eu

BUILD=${BUILD:-build}
SIZES=${SIZES:-"100000 1000000 3000000"}
PROBES=${PROBES:-9}
PROJECT=${PROJECT:-10000000}
BIN=$BUILD/bin/bench-identify_scale
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

[ -x "$BIN" ] || { echo "identify_scale: $BIN missing (make all)" >&2; exit 1; }
echo "1:N search, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for n in $SIZES; do
	nice -n 10 "$BIN" -n "$n" -p "$PROBES" | tee -a "$OUT"
	echo
done

# Least squares of y on n over the sizes: rss MiB and search CPU p50 ms.
awk -v project="$PROJECT" '
/^templates / { n[++k] = $2 }
/^rss delta / { mib[k] = $3 }
/^IdentifyFace search/ { wall[k] = $3; cpu[k] = $6 }
function fit(y, a,   i, sx, sy, sxx, sxy) {
	for (i = 1; i <= k; i++) {
		sx += n[i]; sy += y[i]; sxx += n[i] * n[i]; sxy += n[i] * y[i]
	}
	a[1] = (k * sxy - sx * sy) / (k * sxx - sx * sx)
	a[0] = (sy - a[1] * sx) / k
}
END {
	if (k < 2) { print "identify_scale: need two sizes to fit"; exit 1 }
	printf "%-12s %12s %14s %14s\n", "templates", "rss MiB", "cpu p50 ms", "wall p50 ms"
	for (i = 1; i <= k; i++)
		printf "%-12d %12.1f %14.2f %14.2f\n", n[i], mib[i], cpu[i], wall[i]
	fit(mib, m); fit(cpu, c)
	printf "fit: %.0f bytes per template, %.2f ms CPU per probe per million\n", m[1] * 1048576, c[1] * 1e6
	printf "projected at %d: %.0f MiB, %.1f ms CPU per probe (one core)\n", project, m[0] + m[1] * project, c[0] + c[1] * project
	printf "projected size at 1 s CPU per probe: %.0f M templates\n", (1000 - c[0]) / c[1] / 1e6
}' "$OUT"
