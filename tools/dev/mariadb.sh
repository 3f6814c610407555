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
#   mariadb.sh client DIR ARG...
#                               the mariadb client as root over the socket,
#                               with ARGs (-N -B -e ...)
#   mariadb.sh secure DIR       give root of the server running in DIR its
#                               password (start does it; galera.sh too)
#
# The socket is DIR/mysqld.sock.  root exists only as root@localhost, which
# the server (--skip-name-resolve) matches over the socket alone: root over
# TCP is refused, with or without a password.  Its password is random, made
# when the data directory is, and kept in DIR/root.cnf (mode 0600, a client
# option file: mariadb --defaults-file=DIR/root.cnf --socket=DIR/mysqld.sock).
# The services never use root: each has its own user over TLS
# (tests/harness/stack_db.py).
#
# With SMARTMED_DB_ENCRYPT=1 (make run and the encryption tests set it; a
# data directory once encrypted always is), data at rest is encrypted
# with MariaDB's file_key_management plugin:
# every InnoDB tablespace (innodb_encrypt_tables=FORCE, the system
# tablespace and tables of an older DIR by background threads), the redo
# log, InnoDB temporary tables, temporary files, on-disk internal temporary
# tables, Aria tables and the binary log if one is turned on.  The keys
# are DIR/keys/keyfile (outside the data directory DIR/data; made once
# with random 256-bit keys, mode 0600): development keys on the same disk
# as the data, so this guards nothing on a developer's machine; it makes
# make run and the tests run the way a hospital's MariaDB must
# (docs/operations.md, "Encryption at rest").  Losing the key file loses
# the data: DIR/data/smartmed-encrypted records that it was encrypted, and
# start then refuses to make new keys.
set -eu

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
	echo "usage: $0 start DIR PORT | stop DIR | sql|client DIR ... | secure DIR" >&2
	exit 2
}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock="$dir/mysqld.sock"
pidf="$dir/mysqld.pid"
keyfile="$dir/keys/keyfile"
rootcnf="$dir/root.cnf"
sentinel="$dir/data/smartmed-encrypted"
encrypt=${SMARTMED_DB_ENCRYPT:-0}
[ -f "$sentinel" ] && encrypt=1

# make_keys: DIR/keys/keyfile in file_key_management's format, key id 1
# (tables, redo log, binary log) and 2 (temporary files), made once.
make_keys() {
	[ -s "$keyfile" ] && return 0
	if [ -f "$sentinel" ]; then
		echo "$dir/data is encrypted with the keys of $keyfile," \
			"which is missing: restore it (or remove $dir/data" \
			"to start with an empty database)" >&2
		exit 1
	fi
	(
		umask 077
		mkdir -p "$dir/keys"
		k1=$(openssl rand -hex 32)
		k2=$(openssl rand -hex 32)
		printf '%s\n1;%s\n2;%s\n' \
			"# MariaDB file_key_management keys (KEYID;HEX), development only" \
			"$k1" "$k2" >"$keyfile.new"
		mv "$keyfile.new" "$keyfile"
	)
	chmod 700 "$dir/keys"
	chmod 600 "$keyfile"
}

# client ARGS...: the mariadb client as root over the socket; with the
# password of DIR/root.cnf once root has one.
client() {
	if [ -f "$rootcnf" ]; then
		mariadb --defaults-file="$rootcnf" --socket="$sock" "$@"
	else
		mariadb --no-defaults -uroot --socket="$sock" "$@"
	fi
}

# secure_root: mariadb-install-db makes root@localhost, root@127.0.0.1,
# root@::1 and root@<host name>, none with a password, so anyone on the
# machine could log in as root over TCP.  Drop all but root@localhost and
# give it a random password, kept in DIR/root.cnf (0600) before it is set.
secure_root() {
	[ -f "$rootcnf" ] && return 0
	pw=$(openssl rand -hex 24)
	(
		umask 077
		printf '%s\n' "# root of this MariaDB, development only" \
			"[client]" "user=root" "password=$pw" >"$rootcnf.new"
	)
	q="SELECT host FROM mysql.user WHERE user = 'root'"
	q="$q AND host <> 'localhost'"
	sql=""
	for h in $(client -N -B -e "$q"); do
		sql="$sql DROP USER 'root'@'$h';"
	done
	client -e "$sql ALTER USER 'root'@'localhost' IDENTIFIED BY '$pw';" || {
		rm -f "$rootcnf.new"
		echo "could not set root's password in $dir" >&2
		exit 1
	}
	mv "$rootcnf.new" "$rootcnf"
}

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
	keyopts=""
	enc=""
	if [ "$encrypt" = 1 ]; then
		make_keys
		# file_key_management's keys for every encryption setting
		# below; AES-CTR (the plugin's default is CBC; a data directory
		# must keep the algorithm it was written with).
		keyopts="--plugin-load-add=file_key_management
			--file-key-management-filename=$keyfile
			--file-key-management-encryption-algorithm=aes_ctr
			--aria-encrypt-tables=ON"
	fi
	# A temporary directory of its own: a starting mariadbd deletes every
	# "#sql*" file in its tmpdir, and with the shared /tmp that removed
	# the temporary tables of another instance's mariadb-install-db
	# (which then aborted: "Error on delete of '/tmp/#sql-temptable-...'").
	mkdir -p "$dir/tmp"
	if [ ! -d "$dir/data/mysql" ]; then
		# A new root, without a password until secure_root below: the
		# password of an earlier data directory no longer applies.
		rm -f "$rootcnf"
		# The plugin and aria_encrypt_tables here too: the system tables
		# (mysql.*, Aria) are created encrypted.
		mariadb-install-db --no-defaults --datadir="$dir/data" \
			--tmpdir="$dir/tmp" --user=root \
			--auth-root-authentication-method=normal \
			--skip-test-db $keyopts \
			>"$dir/install.log" 2>&1 || {
			cat "$dir/install.log" >&2
			exit 1
		}
	fi
	# Encryption at rest.  FORCE: no InnoDB table can be made with
	# ENCRYPTED=NO; the background threads encrypt what is not yet
	# encrypted (the system tablespace, the tables of a data directory
	# made before encryption) and re-encrypt after a key change.
	if [ "$encrypt" = 1 ]; then
		enc="$keyopts
			--innodb-encrypt-tables=FORCE --innodb-encrypt-log=ON
			--innodb-encrypt-temporary-tables=ON
			--innodb-encryption-threads=2
			--encrypt-tmp-files=ON --encrypt-tmp-disk-tables=ON
			--encrypt-binlog=ON"
	fi
	# setsid: a Ctrl-C meant for make run must not kill the server before
	# run.sh stops it in order.
	setsid mariadbd --no-defaults --datadir="$dir/data" --socket="$sock" \
		--tmpdir="$dir/tmp" \
		--port="$port" --bind-address=127.0.0.1 --user=root \
		--pid-file="$pidf" --log-error="$dir/error.log" \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
		--max-connections=200 --skip-name-resolve $enc $tls \
		>/dev/null 2>&1 </dev/null &
	i=0
	while ! client -e 'SELECT 1' >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "mariadb did not start; see $dir/error.log" >&2
			tail -20 "$dir/error.log" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
	secure_root
	[ "$encrypt" = 0 ] || [ -f "$sentinel" ] ||
		echo "encrypted at rest with the keys of" \
			"$keyfile (tools/dev/mariadb.sh)" >"$sentinel"
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
	client -e "$*"
	;;
client)
	shift 2
	client "$@"
	;;
secure) secure_root ;;
*)
	echo "unknown command $cmd" >&2
	exit 2
	;;
esac
