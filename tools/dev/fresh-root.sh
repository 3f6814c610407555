#!/bin/bash
# fresh-root.sh - the fresh-machine check (make fresh-check): the README's
# commands on a new Debian 12 root that has only git, make,
# build-essential and ca-certificates, as a newcomer's machine would.
#
#   tools/dev/fresh-root.sh [--no-updates] [--full] [--shared] [--dir DIR]
#
#   --no-updates  the root gets the bookworm suite alone, without
#                 bookworm-updates and bookworm-security (an installed
#                 Debian 12 never updated, or a mirror without them); by
#                 default it gets every bookworm suite apt's sources list
#   --full        make test whole (about 40 minutes on 2 cores) instead of
#                 the subset below
#   --shared      bind ../shared (the team's data sets, read only) beside
#                 the clone, so that make run's walk-through runs to a
#                 recorded dose; by default ../shared is absent, as on a
#                 new user's machine, and the walk-through must say so
#   --dir DIR     where the root is made (default
#                 /var/tmp/smartmed-fresh/<full|no-updates>); it is removed
#                 first, and kept afterwards for a look inside
#   --from STEP   go on in the root as it is, from STEP (below) on
#
# Steps, each logged to DIR.log/<step>.log, the first failure ending the
# check with its log's last lines and exit 1:
#   root     mmdebstrap bookworm, variant minbase + git, make,
#            build-essential, ca-certificates, from apt's sources on this
#            host (tools/dev/apt-sources.sh) or MED_FRESH_MIRROR /
#            MED_FRESH_SECURITY_MIRROR; /etc/hosts, /etc/hostname and
#            /etc/resolv.conf as an installer writes them
#   proxy    the README's "Behind a proxy" with this host's settings: its
#            local CAs (/usr/local/share/ca-certificates, a TLS-inspecting
#            proxy's) and apt proxy, NODE_EXTRA_CA_CERTS and the
#            *_proxy / npm_config_*proxy variables of the caller
#   clone    the committed HEAD (uncommitted changes are not checked) into
#            /src/smartmed in the root, with no build/
#   deps     make deps (the network of this host)
#   all      make all
#   run      make run in the background until its summary, the
#            walk-through (tools/dev/walkthrough.sh), then SIGINT, which
#            must end it with "stopped." and nothing left running; in a
#            private network namespace (loopback only), since make run's
#            fixed ports may be in use on this host
#   test     the unit tests, make deploy-check and MED_FRESH_TESTS (the
#            pytest files below), or make test whole with --full (whose
#            image and kube tests skip: podman cannot store a layer in
#            the root); in a private network namespace too: the free
#            ports the harness picks were taken by other users' tests on
#            a shared host
#
# Every command runs in the root through unshare (mount and PID
# namespaces: the mounts and every process of a step, a MariaDB too, end
# with it), with proc, sys, dev and a clean environment (PATH, HOME,
# LANG): no setting of the caller reaches it.  Run as root; the check
# builds from scratch on 2 cores in about 20 minutes, so run it as
# `nice -n 19 make fresh-check` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The pytest files of the default subset: the audit log (its statements
# differ by MariaDB release), make run's settings, Ctrl-C and doctor, a
# dose check, the records chain, collation, and a FHIR read.
MED_FRESH_TESTS=${MED_FRESH_TESTS:-"tests/integration/test_audit_log.py
tests/integration/test_run_settings.py tests/integration/test_run_interrupt.py
tests/integration/test_doctor.py tests/integration/test_dose_classes.py
tests/integration/test_records_chain.py tests/integration/test_collation.py
tests/fhir/test_fhir_read.py"}

# Inside the root (in_root copies this script to /usr/local/bin there).
if [ "${1:-}" = --inside ]; then
	cd /src/smartmed
	case "${2:-}" in
	run)
		# make run as a newcomer starts it, stopped as Ctrl-C stops it.
		log=/tmp/make-run.log
		setsid make run >"$log" 2>&1 </dev/null &
		pid=$!
		up=0
		for _ in $(seq 1 900); do
			if grep -q '^smartmed is running' "$log"; then
				up=1
				break
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		cat "$log"
		if [ $up -ne 1 ]; then
			echo "fresh-root: make run did not print its summary"
			kill -INT -- "-$pid" 2>/dev/null || true
			exit 1
		fi
		wrc=0
		echo "=== tools/dev/walkthrough.sh"
		tools/dev/walkthrough.sh || wrc=$?
		echo "=== Ctrl-C"
		kill -INT -- "-$pid"
		rc=0
		wait "$pid" || rc=$?
		tail -n 5 "$log"
		grep -q '^stopped\.$' "$log" || {
			echo "fresh-root: make run ended without 'stopped.' (exit $rc)"
			exit 1
		}
		if pgrep -x mariadbd >/dev/null || pgrep -f 'build/bin/' >/dev/null; then
			echo "fresh-root: processes left after Ctrl-C:"
			ps -ef
			exit 1
		fi
		echo "fresh-root: make run stopped cleanly (make's exit $rc)"
		# Without ../shared there are no sample photographs: the
		# walk-through then leaves the face steps out and records the
		# dose identified by wristband; it must still reach the proof.
		[ $wrc -eq 0 ] || echo "fresh-root: walk-through FAILED (exit $wrc)"
		exit $wrc
		;;
	test)
		tools/dev/test.sh unit
		make --no-print-directory deploy-check
		# shellcheck disable=SC2086
		PYTHONPATH="$PWD/tests" /usr/bin/python3 -m pytest -q -rfE \
			$MED_FRESH_TESTS
		;;
	*)
		echo "fresh-root: unknown inside step '${2:-}'" >&2
		exit 2
		;;
	esac
	exit 0
fi

# unshare's child: mount what the root needs, then run $4 in it.
if [ "${1:-}" = --enter ]; then
	root=$2 net=$3 cmd=$4
	# The README's proxy settings, where this host has them.
	proxyenv=$(env | grep -iE '^(https?|no)_proxy=|^npm_config_(https_)?proxy=' |
		tr '\n' ' ' || true)
	if [ "$net" = none ]; then
		ip link set lo up
	fi
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
	mount -t tmpfs -o mode=0755 tmpfs "$root/run"
	if [ -n "${MED_FRESH_SHARED:-}" ]; then
		mkdir -p "$root/src/shared"
		mount --bind -o ro "$MED_FRESH_SHARED" "$root/src/shared"
	fi
	# shellcheck disable=SC2086
	exec chroot "$root" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM=dumb MED_FRESH_TESTS="$MED_FRESH_TESTS" \
		NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
		$proxyenv \
		/bin/bash -c "cd /src/smartmed 2>/dev/null || cd /; $cmd"
fi

updates=1 full=0 shared="" dir="" from=""
while [ $# -gt 0 ]; do
	case "$1" in
	--no-updates) updates=0 ;;
	--full) full=1 ;;
	--shared) shared=$(realpath ../shared) ;;
	--dir)
		dir=$2
		shift
		;;
	--from)
		from=$2
		shift
		;;
	*)
		echo "usage: $0 [--no-updates] [--full] [--shared] [--dir DIR]" \
			"[--from STEP]" >&2
		exit 2
		;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || {
	echo "fresh-root: run as root (mmdebstrap, chroot, unshare)" >&2
	exit 1
}
command -v mmdebstrap >/dev/null || {
	echo "fresh-root: mmdebstrap not found: apt-get install mmdebstrap" >&2
	exit 1
}
variant=full
[ $updates -eq 1 ] || variant=no-updates
dir=${dir:-/var/tmp/smartmed-fresh/$variant}
logs=$dir.log
export MED_FRESH_SHARED=$shared MED_FRESH_TESTS

# The root's sources: the host's bookworm ones, or MED_FRESH_MIRROR's.
if [ -n "${MED_FRESH_MIRROR:-}" ]; then
	srcs="deb $MED_FRESH_MIRROR bookworm main
deb $MED_FRESH_MIRROR bookworm-updates main"
	[ -z "${MED_FRESH_SECURITY_MIRROR:-}" ] ||
		srcs="$srcs
deb $MED_FRESH_SECURITY_MIRROR bookworm-security main"
else
	srcs=$(tools/dev/apt-sources.sh)
fi
[ $updates -eq 1 ] || srcs=$(echo "$srcs" | awk '$3 == "bookworm"')
[ -n "$srcs" ] || {
	echo "fresh-root: no bookworm source (apt's sources or" \
		"MED_FRESH_MIRROR)" >&2
	exit 1
}

# step NAME CMD...: runs CMD with its output in $logs/NAME.log; a failure
# ends the check.
step() {
	local name=$1 start rc=0
	shift
	if [ -n "$from" ]; then
		[ "$from" = "$name" ] || {
			echo "fresh-root: $name skipped (--from $from)"
			return 0
		}
		from=""
	fi
	start=$(date +%s)
	echo "fresh-root: $name ..."
	"$@" >"$logs/$name.log" 2>&1 </dev/null || rc=$?
	if [ $rc -ne 0 ]; then
		tail -n 40 "$logs/$name.log"
		echo "fresh-root: FAILED at $name (exit $rc, $(($(date +%s) - start)) s;" \
			"log $logs/$name.log; root $dir)"
		exit 1
	fi
	echo "fresh-root: $name ok ($(($(date +%s) - start)) s)"
}

# in_root NET CMD: CMD in the root with this host's network (NET host) or
# loopback alone (NET none).
in_root() {
	local netopt=""
	[ "$1" = none ] && netopt=--net
	install -m 0755 "$PWD/tools/dev/fresh-root.sh" \
		"$dir/usr/local/bin/smartmed-fresh-root"
	# shellcheck disable=SC2086
	unshare --mount --pid --fork --propagation private $netopt -- \
		"$PWD/tools/dev/fresh-root.sh" --enter "$dir" "$1" "$2"
}

make_root() {
	local args=()
	while IFS= read -r line; do args+=("$line"); done <<<"$srcs"
	mmdebstrap --variant=minbase --mode=root \
		--include=git,make,build-essential,ca-certificates \
		bookworm "$dir" "${args[@]}"
	# What the installer writes and mmdebstrap does not.
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tfresh\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
		>"$dir/etc/hosts"
	echo fresh >"$dir/etc/hostname"
	cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
}

# The README's "Behind a proxy" on the root, with this host's own: its
# local CAs (a TLS-inspecting proxy's) and apt's proxy settings.
proxy() {
	local f n=0
	for f in /usr/local/share/ca-certificates/*.crt; do
		[ -f "$f" ] || continue
		cp "$f" "$dir/usr/local/share/ca-certificates/"
		n=$((n + 1))
	done
	for f in /etc/apt/apt.conf.d/*; do
		grep -qi 'Acquire::https\?::Proxy' "$f" 2>/dev/null &&
			cp "$f" "$dir/etc/apt/apt.conf.d/"
	done
	in_root host update-ca-certificates
	echo "$n local CA(s) of this host"
}

clone() {
	rm -rf "$dir/src/smartmed"
	git init -q "$dir/src/smartmed"
	git -c protocol.file.allow=always push -q "$dir/src/smartmed" \
		"HEAD:refs/heads/fresh-check"
	git -C "$dir/src/smartmed" checkout -q fresh-check
	git -C "$dir/src/smartmed" log -1 --format='%H %s'
}

if [ -z "$from" ]; then
	rm -rf "$dir" "$logs"
fi
mkdir -p "$logs"
head=$(git rev-parse --short HEAD)
echo "fresh-root: $variant root in $dir, commit $head," \
	"logs in $logs"
[ -z "$(git status --porcelain)" ] ||
	echo "fresh-root: note: uncommitted changes are not part of the check"
echo "$srcs" | sed 's/^/fresh-root: source: /'
step root make_root
step proxy proxy
step clone clone
step deps in_root host "make deps"
step all in_root none "make all"
step mariadb in_root none "mariadbd --version; dpkg-query -W mariadb-server"
sed 's/^/fresh-root: /' "$logs/mariadb.log"
step run in_root none "smartmed-fresh-root --inside run"
if [ $full -eq 1 ]; then
	# podman cannot store a layer in this root (its / is no mount point:
	# "remount /"), so make test's image and kube tests say so and skip
	# (tools/images/usable.sh); a real machine runs them.
	step test in_root none "make test"
else
	step test in_root none "smartmed-fresh-root --inside test"
fi
echo "fresh-root: PASSED ($variant, commit $head)"
