#!/bin/sh
# A private MariaDB Galera cluster on loopback, for the tests that prove
# the services on a cluster (tests/harness/galera.py).  Debian's galera-4
# and mariadb-server; no system service is touched and nothing listens
# beyond 127.0.0.1.
#
#   galera.sh init DIR N SQLPORT GCOMMPORT
#       make DIR/n1 .. DIR/nN, data directories of one new cluster: n1 is
#       initialised, bootstrapped once alone (on the two ports given) and
#       stopped; the others are copies of it.  Nodes that start with the
#       cluster's state need no state transfer, which keeps a test
#       cluster's start at a few seconds (a rejoin after a stop takes
#       the missed writes by IST, a node too far behind a full copy by
#       rsync SST; galera-bin/rsync says why it wraps rsync).
#   galera.sh start NODEDIR SQLPORT GCOMMPORT ISTPORT SSTPORT PEERS
#             new|join [CERT KEY CA]
#       start one node: "new" bootstraps the cluster (one node only),
#       "join" joins the nodes at PEERS (host:port,... of their group
#       ports).  Waits until the node is synced.  With CERT KEY CA
#       clients are offered TLS.
#
# Stop a node and run SQL on it with tools/dev/mariadb.sh stop|sql NODEDIR:
# the socket, pid file and root's password are at the same places
# (NODEDIR/mysqld.sock, NODEDIR/mysqld.pid, NODEDIR/root.cnf).  As there,
# root exists only as root@localhost (the socket) with a random password,
# made by init on n1 and the same on every node (their data are copies).
set -eu

provider=/usr/lib/galera/libgalera_smm.so
bindir=$(cd "$(dirname "$0")/galera-bin" && pwd)
mariadb_sh="$(cd "$(dirname "$0")" && pwd)/mariadb.sh"
usage() {
	echo "usage: $0 init DIR N SQLPORT GCOMMPORT |" \
		"start NODEDIR SQLPORT GCOMMPORT ISTPORT SSTPORT PEERS" \
		"new|join [CERT KEY CA]" >&2
	exit 2
}
[ -r "$provider" ] || {
	echo "$provider is missing: install galera-4" >&2
	exit 1
}

# run_node DIR SQLPORT GCOMMPORT ISTPORT SSTPORT PEERS EXTRA...: start
# mariadbd as one node in the background.  The settings Galera needs
# (docs/operations.md, "Galera and replicas"): row-based binary log format,
# interleaved AUTO_INCREMENT locks, InnoDB.  Small caches and short evs
# timeouts keep three nodes light and quick to notice a dead peer.  Each
# node has its own tmpdir: a starting mariadbd deletes every "#sql*" file
# in its tmpdir.
run_node() {
	d=$1 p=$2 g=$3 ist=$4 sst=$5 peers=$6
	shift 6
	mkdir -p "$d/tmp"
	PATH="$bindir:$PATH" setsid mariadbd --no-defaults --datadir="$d/data" \
		--socket="$d/mysqld.sock" --tmpdir="$d/tmp" --port="$p" \
		--bind-address=127.0.0.1 --user=root \
		--pid-file="$d/mysqld.pid" --log-error="$d/error.log" \
		--innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
		--innodb-flush-log-at-trx-commit=2 \
		--max-connections=200 --skip-name-resolve \
		--binlog-format=ROW --innodb-autoinc-lock-mode=2 \
		--default-storage-engine=InnoDB \
		--wsrep-on=ON --wsrep-provider="$provider" \
		--wsrep-cluster-name=smartmed-test \
		--wsrep-cluster-address="gcomm://$peers" \
		--wsrep-node-name="node-$p" \
		--wsrep-node-address="127.0.0.1:$g" \
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$ist;gcache.size=16M;evs.inactive_check_period=PT0.5S;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S" \
		--wsrep-sst-method=smartmed_rsync \
		--wsrep-sst-receive-address="127.0.0.1:$sst" \
		--wsrep-slave-threads=2 \
		"$@" >/dev/null 2>&1 </dev/null &
	node_pid=$!
}

# wait_synced DIR: wait for the node run_node started last.  Ready means synced with the cluster, not merely
# accepting connections (a joiner answers 1047 until it has the state).
wait_synced() {
	i=0
	q="SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
	q="$q WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT'"
	while [ "$(sh "$mariadb_sh" client "$1" -N -B -e "$q" 2>/dev/null)" != \
		Synced ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$node_pid" 2>/dev/null; then
			echo "galera node in $1 did not sync; see" \
				"$1/error.log" >&2
			tail -30 "$1/error.log" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
}

node_alive() {
	[ -f "$1/mysqld.pid" ] && kill -0 "$(cat "$1/mysqld.pid")" 2>/dev/null
}

stop_node() {
	node_alive "$1" || return 0
	pid=$(cat "$1/mysqld.pid")
	kill "$pid"
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
	done
}

init() {
	dir=$1 n=$2 p=$3 g=$4
	mkdir -p "$dir/n1/tmp"
	dir=$(cd "$dir" && pwd)
	n1="$dir/n1"
	[ ! -d "$n1/data/mysql" ] || {
		echo "$n1 already holds a data directory" >&2
		exit 1
	}
	mariadb-install-db --no-defaults --datadir="$n1/data" \
		--tmpdir="$n1/tmp" --user=root \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$n1/install.log" 2>&1 || {
		cat "$n1/install.log" >&2
		exit 1
	}
	# Alone, on an empty gcomm:// address: a new cluster, whose id and
	# position the clean stop writes to grastate.dat.
	run_node "$n1" "$p" "$g" "$g" "$g" "" --wsrep-new-cluster
	wait_synced "$n1"
	sh "$mariadb_sh" secure "$n1"
	stop_node "$n1"
	rm -f "$n1/error.log"
	i=2
	while [ $i -le "$n" ]; do
		mkdir -p "$dir/n$i"
		cp -a "$n1/data" "$dir/n$i/data"
		cp -p "$n1/root.cnf" "$dir/n$i/root.cnf"
		i=$((i + 1))
	done
}

start() {
	d=$1
	mode=$7
	[ -d "$d/data/mysql" ] || {
		echo "$d has no data directory: run $0 init first" >&2
		exit 1
	}
	d=$(cd "$d" && pwd)
	case "$mode" in
	new) extra="--wsrep-new-cluster" ;;
	join) extra="" ;;
	*) usage ;;
	esac
	if node_alive "$d"; then
		echo "galera node already running in $d" >&2
		return 0
	fi
	if [ -n "${8:-}" ]; then
		run_node "$d" "$2" "$3" "$4" "$5" "$6" $extra \
			--ssl-cert="$8" --ssl-key="$9" --ssl-ca="${10}"
	else
		run_node "$d" "$2" "$3" "$4" "$5" "$6" $extra
	fi
	wait_synced "$d"
}

case "${1:-}" in
init)
	[ $# -eq 5 ] || usage
	init "$2" "$3" "$4" "$5"
	;;
start)
	[ $# -eq 8 ] || [ $# -eq 11 ] || usage
	shift
	start "$@"
	;;
*) usage ;;
esac
