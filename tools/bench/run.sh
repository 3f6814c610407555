#!/bin/sh
# tools/bench/run.sh - the RPC layer benchmark (make bench).
#
# Runs bench-echo_bare (bare gRPC core) and bench-echo_med (med_server) in
# turn under the same closed-loop load from bench-load, ROUNDS times
# alternating, and prints the medians.  bench-echo_med runs once per
# variant, each adding one feature of a smartmed call (tools/bench/echo_med.c):
# min (the layer alone), auth (token and role: the headline "med" of
# earlier runs), valid (field checks), care (a cached care decision), idem
# (a client-chosen x-request-id), audit (a durable access event per call,
# the reply sent once the spool's group commit covers it) and pool (the
# handler on the worker pool, as an audited handler that waits on the
# database runs); ram is pool again with its spool on a RAM filesystem
# (/dev/shm), where fdatasync costs nothing: not a durable setting, a
# measurement of what the pipeline costs with the disk's flush taken out
# (skipped where /dev/shm is not tmpfs).  Each row is a ratio against bare in the same run, and
# the CPU time per call it adds to the row above is what that feature costs.
# The verdict holds the full pipeline (pool: every feature above, as every
# service runs it) against issue 54's goals: >= 0.80 of bare's req/s and
# an unloaded call within 100 us of bare's; the layer alone (auth) is
# still reported against issue 34's (>= 0.90 req/s, >= 0.85 calls per
# CPU-second).  With 2+
# CPUs the server is pinned to CPU 0 and the load to CPU 1.  Loopback only.
#
# Knobs (environment): BUILD (build), ROUNDS (3), SECONDS_PER_RUN (5),
# WARMUP (1), CONNS (4), OUTSTANDING (16), THREADS (server CQ threads, both
# servers: 1 when the server is pinned to one CPU, else 2), VARIANTS (the
# list above), BASELINE (another build's bench-echo_med, run as variant
# "base": before/after comparisons in one run), BASELINE_VARIANT (the
# variant that build runs, with a spool of its own; default: its
# defaults, auth).  More
# threads than CPUs makes the kernel preempt a CQ thread that holds calls,
# which shows as a p99 of a few ms (docs/benchmarks.md); the preempt/s
# column counts those involuntary context switches of the server's threads.
set -eu

BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_RUN:-5}
WARMUP=${WARMUP:-1}
CONNS=${CONNS:-4}
OUTSTANDING=${OUTSTANDING:-16}
VARIANTS=${VARIANTS:-min auth valid care idem audit pool ram}
BASELINE=${BASELINE:-}
BASELINE_VARIANT=${BASELINE_VARIANT:-}
# The verdict's row: the full pipeline of a service (see the end).
HEADLINE=pool
# The RPC layer alone, reported against issue 34's goals.
LAYER=auth
BIN=$BUILD/bin
PATH_M=/bench.Echo/Echo
TOKEN=bench-token-0123456789

for b in bench-echo_bare bench-echo_med bench-load; do
	[ -x "$BIN/$b" ] || { echo "run.sh: $BIN/$b missing; run make" >&2; exit 1; }
done

# ram's spool folder: on a RAM filesystem, or the variant is left out.
RAM=
case " $VARIANTS " in *" ram "*)
	if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
		RAM=$(mktemp -d -p /dev/shm)
	else
		echo "run.sh: /dev/shm is not tmpfs here: variant ram left out" >&2
		VARIANTS=$(echo " $VARIANTS " | sed 's/ ram / /')
	fi
	;;
esac

TMP=$(mktemp -d)
SRV_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$TMP"
	[ -z "$RAM" ] || rm -rf "$RAM"
}
trap cleanup EXIT INT TERM

printf '%s bench nurse\n' "$TOKEN" >"$TMP/tokens"
chmod 600 "$TMP/tokens"

SRV_PIN=
LOAD_PIN=
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	SRV_PIN="taskset -c 0"
	LOAD_PIN="taskset -c 1"
fi
# As many CQ threads as CPUs the server may use (see above).
THREADS=${THREADS:-$([ -n "$SRV_PIN" ] && echo 1 || echo 2)}

# start_server KIND: starts it in the background, sets SRV_PID and PORT.
start_server() {
	: >"$TMP/port"
	if [ "$1" = bare ]; then
		$SRV_PIN "$BIN/bench-echo_bare" 127.0.0.1:0 "$THREADS" \
			>"$TMP/port" 2>"$TMP/$1.err" &
	elif [ "$1" = base ]; then
		rm -rf "$TMP/spool"
		# shellcheck disable=SC2086 # the variant and spool: 0 or 2 words
		$SRV_PIN "$BASELINE" "$TMP/tokens" 127.0.0.1:0 "$THREADS" \
			${BASELINE_VARIANT:+$BASELINE_VARIANT $TMP/spool} \
			>"$TMP/port" 2>"$TMP/$1.err" &
	else
		variant=$1
		spool=$TMP/spool
		[ "$1" != ram ] || { variant=pool; spool=$RAM/spool; }
		rm -rf "$spool"
		$SRV_PIN "$BIN/bench-echo_med" "$TMP/tokens" 127.0.0.1:0 \
			"$THREADS" "$variant" "$spool" >"$TMP/port" \
			2>"$TMP/$1.err" &
	fi
	SRV_PID=$!
	i=0
	while ! grep -q '^port=' "$TMP/port"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "run.sh: $1 did not start" >&2; cat "$TMP/$1.err" >&2; exit 1; }
		sleep 0.05
	done
	PORT=$(sed -n 's/^port=//p' "$TMP/port")
}

HZ=$(getconf CLK_TCK)

# preemptions: involuntary context switches of all the server's threads.
preemptions() {
	cat /proc/"$SRV_PID"/task/*/status 2>/dev/null |
		awk '/^nonvoluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
}

# cpu_ticks: user + system clock ticks the server process has used.
cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$SRV_PID/stat"
}

stop_server() {
	kill -TERM "$SRV_PID"
	wait "$SRV_PID" || true
	SRV_PID=
}

# field NAME LINE: the value of NAME=... in a load result line.
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

KINDS="bare ${BASELINE:+base }$VARIANTS"
echo "RPC benchmark: $ROUNDS rounds x ($KINDS), ${SECS}s each after ${WARMUP}s"
echo "warm-up, $CONNS connections x $OUTSTANDING outstanding, server threads" \
	"$THREADS, pinning: ${SRV_PIN:-none}; medians of the rounds"
: >"$TMP/results"
r=1
while [ $r -le "$ROUNDS" ]; do
	for kind in $KINDS; do
		# idem: every call carries the client's own request id.
		case $kind in idem | pool | audit | here | ram) ids=1 ;; *) ids=0 ;; esac
		case $kind:$BASELINE_VARIANT in base:idem | base:pool | base:audit | base:here) ids=1 ;; esac
		start_server $kind
		cpu0=$(cpu_ticks)
		pre0=$(preemptions)
		line=$(LOAD_REQUEST_IDS=$ids $LOAD_PIN "$BIN/bench-load" \
			"127.0.0.1:$PORT" "$PATH_M" "$TOKEN" "$CONNS" \
			"$OUTSTANDING" "$SECS" "$WARMUP") || {
			echo "run.sh: $kind round $r had errors: $line" >&2; exit 1; }
		cpu1=$(cpu_ticks)
		pre1=$(preemptions)
		# One call at a time: the per-call latency without queueing.
		lat=$(LOAD_REQUEST_IDS=$ids $LOAD_PIN "$BIN/bench-load" \
			"127.0.0.1:$PORT" "$PATH_M" "$TOKEN" 1 1 2 0.5) || {
			echo "run.sh: $kind round $r (1x1) had errors: $lat" >&2; exit 1; }
		stop_server
		errors=$(field errors "$line")
		# Server CPU per call, over every call of the run (warm-up too).
		cpu_us=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$HZ" -v n="$(field total "$line")" \
			'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')
		# Preemptions per second of the whole run, warm-up included.
		pre_s=$(awk -v a="$pre0" -v b="$pre1" -v s="$SECS" -v w="$WARMUP" \
			'BEGIN { printf "%.0f", (b - a) / (s + w) }')
		[ "$errors" = 0 ] || { echo "run.sh: $kind: $errors non-OK replies; run invalid" >&2; exit 1; }
		printf '  round %d %-5s %s server_cpu_us/call=%s 1x1_p50_us=%s preempt/s=%s\n' \
			$r $kind "$line" "$cpu_us" "$(field p50_us "$lat")" "$pre_s"
		echo "$kind $(field rps "$line") $(field p50_us "$line") $(field p99_us "$line") $cpu_us $(field p50_us "$lat") $pre_s $(field p90_us "$line")" >>"$TMP/results"
	done
	r=$((r + 1))
done

col() { awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$TMP/results" | median; }
BARE_RPS=$(col bare 2)
BARE_CPU=$(col bare 5)
echo
echo "req/s ratio: the variant's median req/s over bare's; cpu ratio: bare's"
echo "CPU per call over the variant's (calls per CPU-second); +cpu us: what the"
echo "variant's feature adds to the row above (medians, so a small negative is noise)"
printf '%-6s %8s %7s %7s %7s %6s %9s %7s %7s %9s %6s\n' server 'req/s' \
	'p50 us' 'p90 us' 'p99 us' 'cpu us' '1x1 p50' 'preem/s' 'ratio' \
	'cpu ratio' '+cpu'
prev=
for k in $KINDS; do
	rps=$(col $k 2)
	cpu=$(col $k 5)
	ratio=$(awk -v m="$rps" -v b="$BARE_RPS" 'BEGIN { printf "%.2f", m / b }')
	cratio=$(awk -v m="$cpu" -v b="$BARE_CPU" 'BEGIN { printf "%.2f", b / m }')
	add=-
	case $k:$prev in bare:* | base:* | min:* | *:) ;; *) add=$(awk -v a="$cpu" -v p="$prev" \
		'BEGIN { printf "%+.1f", a - p }') ;; esac
	case $k in bare | base) ;; *) prev=$cpu ;; esac
	printf '%-6s %8s %7s %7s %7s %6s %9s %7s %7s %9s %6s\n' $k "$rps" \
		"$(col $k 3)" "$(col $k 8)" "$(col $k 4)" "$cpu" \
		"$(col $k 6)" "$(col $k 7)" "$ratio" "$cratio" "$add"
done
# rps_ratio KIND: its median req/s over bare's; cpu_ratio KIND: bare's CPU
# per call over its own (calls per CPU-second).
rps_ratio() { awk -v m="$(col $1 2)" -v b="$BARE_RPS" 'BEGIN { printf "%.2f", m / b }'; }
cpu_ratio() { awk -v m="$(col $1 5)" -v b="$BARE_CPU" 'BEGIN { printf "%.2f", b / m }'; }
# The layer alone (token and role), against issue 34's goals: a figure of
# the RPC layer, not of a service (none runs without audit and the pool).
case " $VARIANTS " in *" $LAYER "*)
	verdict=met
	awk -v r="$(rps_ratio $LAYER)" -v c="$(cpu_ratio $LAYER)" \
		'BEGIN { exit !(r >= 0.90 && c >= 0.85) }' || verdict="NOT met"
	echo "layer: med ($LAYER) / bare: req/s $(rps_ratio $LAYER) (goal >= 0.90)," \
		"calls per CPU-second $(cpu_ratio $LAYER) (goal >= 0.85): $verdict"
	;;
esac
# The verdict: the full pipeline every service runs (token and role,
# field checks, care decision, request id, a durable audit event, the
# worker pool) against issue 54's goals: >= 0.80 of bare's req/s and an
# unloaded call (one at a time, 1x1 p50) within 100 us of bare's.
case " $VARIANTS " in *" $HEADLINE "*) ;; *) exit 0 ;; esac
RATIO=$(rps_ratio $HEADLINE)
CPU_RATIO=$(cpu_ratio $HEADLINE)
BARE_1X1=$(col bare 6)
FULL_1X1=$(col $HEADLINE 6)
EXTRA_US=$(awk -v f="$FULL_1X1" -v b="$BARE_1X1" 'BEGIN { printf "%.0f", f - b }')
verdict=met
awk -v r="$RATIO" -v e="$EXTRA_US" 'BEGIN { exit !(r >= 0.80 && e <= 100) }' ||
	verdict="NOT met"
echo "verdict: full pipeline ($HEADLINE) / bare: req/s $RATIO (goal >= 0.80)," \
	"calls per CPU-second $CPU_RATIO, unloaded call p50 $FULL_1X1 us against" \
	"bare's $BARE_1X1 us, +$EXTRA_US us (goal <= +100 us): $verdict"
# The same pipeline with the spool's flush taken out (ram): how much of
# the verdict's gap is the disk's fdatasync and how much the code's.
case " $VARIANTS " in *" ram "*)
	RAM_1X1=$(col ram 6)
	echo "flush apart: the full pipeline with its spool in RAM (ram, not" \
		"durable): req/s $(rps_ratio ram), calls per CPU-second" \
		"$(cpu_ratio ram), unloaded call p50 $RAM_1X1 us, +$(awk \
		-v f="$RAM_1X1" -v b="$BARE_1X1" 'BEGIN { printf "%.0f", f - b }') us;" \
		"the spool disk's flush: +$(awk -v f="$FULL_1X1" -v r="$RAM_1X1" \
		'BEGIN { printf "%.0f", f - r }') us per unloaded call"
	;;
esac
