#!/bin/sh
# A private MariaDB server for make run and make test: its own data
# directory, socket and loopback port; no system service is touched.
#
#   mariadb.sh start DIR PORT [CERT KEY CA]
#                               initialise DIR if new, start, wait until
#                               ready; with CERT KEY CA the server offers
#                               TLS on its port with that certificate
#   mariadb.sh stop DIR         stop the server started in DIR (waits)
#   mariadb.sh sql DIR SQL...   run SQL as root over the socket
#
# The socket is DIR/mysqld.sock; root has no password and is reachable only
# over the socket and 127.0.0.1 of this machine.
set -eu

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
	echo "usage: $0 start DIR PORT | stop DIR | sql DIR SQL..." >&2
	exit 2
}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/mysqld.sock"
pidf="$dir/mysqld.pid"

is_running() {
	[ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null
}

start() {
	port=$1
	tls=""
	if [ -n "${2:-}" ]; then
		tls="--ssl-cert=$2 --ssl-key=$3 --ssl-ca=$4"
	fi
	if is_running; then
		echo "mariadb already running in $dir" >&2
		return 0
	fi
	if [ ! -d "$dir/data/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$dir/data" \
			--user=root --auth-root-authentication-method=normal \
			--skip-test-db >"$dir/install.log" 2>&1 || {
			cat "$dir/install.log" >&2
			exit 1
		}
	fi
	# setsid: a Ctrl-C meant for make run must not kill the server before
	# run.sh stops it in order.
	setsid mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" \
		--port="$port" --bind-address=127.0.0.1 --user=root \
		--pid-file="$pidf" --log-error="$dir/error.log" \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
		--max-connections=200 --skip-name-resolve $tls \
		>/dev/null 2>&1 </dev/null &
	i=0
	while ! mariadb --no-defaults -uroot --socket="$sock" \
		-e 'SELECT 1' >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "mariadb did not start; see $dir/error.log" >&2
			tail -20 "$dir/error.log" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
}

stop() {
	is_running || return 0
	pid=$(cat "$pidf")
	kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && kill -9 "$pid" 2>/dev/null || true
		sleep 0.1
	done
}

case "$cmd" in
start) start "${3:?port}" "${4:-}" "${5:-}" "${6:-}" ;;
stop) stop ;;
sql)
	shift 2
	mariadb --no-defaults -uroot --socket="$sock" -e "$*"
	;;
*)
	echo "unknown command $cmd" >&2
	exit 2
	;;
esac
