"""The database of a Stack (tests/harness/stack.py): the private MariaDB
(tools/dev/mariadb.sh) or a Galera cluster (galera.py), SQL as root, and
one MariaDB user per service."""

import os
import secrets
import signal
import subprocess
import time

from . import paths, protos
from .stack_processes import (StackError, free_port, process_args,
                              run_script)

DATABASES = tuple("smartmed_" + s for s in protos.SERVICES)



# What a service's MariaDB user may do, on its own database alone
# (docs/operations.md, "MariaDB"): read and write its rows, and the DDL of
# its own migrations, which each service applies at start under its
# migration lock (CREATE TABLE, ALTER TABLE, CREATE INDEX).  Not DROP,
# TRIGGER, CREATE VIEW, routines, events, LOCK TABLES or GRANT OPTION.
SERVICE_GRANTS = "SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX"


def grant_stmts(database, who):
    """The statements that give WHO SERVICE_GRANTS on DATABASE and nothing
    else: a user kept from an older make run (which granted ALL) is
    narrowed too."""
    return ["REVOKE ALL PRIVILEGES, GRANT OPTION FROM %s" % who,
            "GRANT %s ON `%s`.* TO %s" % (SERVICE_GRANTS, database, who)]

class StackDatabase:
    """The part of Stack that runs its database (not used alone: the
    server's TLS certificate comes from the Stack's PKI)."""

    def _init_db(self, db_port, db_encrypted, db_nodes):
        """The constructor's database options (Stack's docstring)."""
        self.db_dir = os.path.join(self.workdir, "mariadb")
        self.db_port = db_port or free_port()
        # A port of our choosing may be taken by another process between
        # free_port() and the server's bind: the first start then moves.
        self._db_port_movable = not db_port
        # db_encrypted: MariaDB encrypts its files at rest
        # (tools/dev/mariadb.sh; make run and the encryption tests).  Off
        # by default: it doubles the time a fresh test database takes.
        self.db_encrypted = db_encrypted
        # db_nodes: a Galera cluster of that many nodes instead of one
        # server (tests/harness/galera.py); services use node 0 unless
        # given another's port (db_node_port).
        self.cluster = None
        if db_nodes:
            from .galera import GaleraCluster
            self.cluster = GaleraCluster(os.path.join(self.workdir,
                                                      "galera"),
                                         db_nodes, free_port)
            self.db_port = self.cluster.nodes[0].sql_port
        self._db_started = False
        self.db_users = {}

    def _mariadb(self, *args, check=True):
        env = dict(os.environ,
                   SMARTMED_DB_ENCRYPT="1" if self.db_encrypted else "0")
        rc, out = run_script(["sh", paths.mariadb_sh()] + list(args), 120,
                             env=env)
        if check and rc != 0:
            raise StackError("mariadb.sh %s failed (%d):\n%s" % (
                args[0], rc, out.decode("utf-8", "replace")))
        return out

    def start_db(self, tls=True, cert=None, key=None):
        """Start (or restart) the private MariaDB on its fixed port.

        It offers TLS with the development CA's "mariadb" certificate
        (the services verify it: MED_DB_TLS_CA), or with cert and key;
        tls=False starts it without TLS (tests of the refusal)."""
        self._db_started = True
        if self.cluster is not None:
            dcert, dkey = self.pki("mariadb")
            self.cluster.start(cert or dcert, key or dkey, self.ca_path)
            return
        if not tls:
            self._start_single()
            return
        dcert, dkey = self.pki("mariadb")
        self._start_single(cert or dcert, key or dkey, self.ca_path)

    def _start_single(self, *tls_args):
        """Start the one server; on its first start, a port another
        process took meanwhile (bind error 98) is traded for a free one,
        twice at most.  Later starts keep the port the services use."""
        for attempt in range(3):
            try:
                self._mariadb("start", self.db_dir, str(self.db_port),
                              *tls_args)
                break
            except StackError as e:
                if (attempt == 2 or not self._db_port_movable or
                        "Address already in use" not in str(e)):
                    raise
                self.db_port = free_port()
        self._db_port_movable = False

    def stop_db(self):
        """Stop the private MariaDB and wait until it is gone."""
        if self.cluster is not None:
            self.cluster.stop()
            return
        self._mariadb("stop", self.db_dir, check=False)

    def _stray_mariadb_pids(self):
        needle = os.path.join(self.db_dir, "data").encode()
        pids = []
        for pid, args in process_args():
            name = os.path.basename(args[0]) if args else b""
            if (name.startswith((b"mariadbd", b"mysqld")) and
                    any(needle in a for a in args[1:])):
                pids.append(pid)
        return pids

    def _kill_stray_mariadb(self):
        pids = self._stray_mariadb_pids()
        for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            if not pids:
                return
            for p in pids:
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                pids = self._stray_mariadb_pids()
                if not pids:
                    return
                time.sleep(0.1)

    def sql(self, statement):
        """Run SQL as root; returns the client's output as text."""
        if self.cluster is not None:
            return self.cluster.sql(statement)
        return self._mariadb("sql", self.db_dir, statement).decode(
            "utf-8", "replace")

    def sql_rows(self, statement=None, stdin=None):
        """Run statement (or the SQL script stdin) as root over the
        socket with no time limit, as a bench's bulk loads need; returns
        the rows as lists of their fields.  StackError names a failure
        (one server only)."""
        if self.cluster is not None:
            raise StackError("sql_rows: one server only, not a cluster")
        p = subprocess.run(
            ["sh", paths.mariadb_sh(), "client", self.db_dir, "-N", "-B"]
            + ([] if stdin is not None else ["-e", statement]),
            input=stdin, capture_output=True, text=True)
        if p.returncode != 0:
            raise StackError("SQL failed: %s" % p.stderr.strip())
        return [line.split("\t") for line in p.stdout.splitlines()]

    def status_counters(self, names):
        """{name: value} of the server's global status counters names (0
        for a counter the server does not have)."""
        got = dict((k, int(v)) for k, v in self.sql_rows(
            "SHOW GLOBAL STATUS WHERE Variable_name IN (%s)" %
            ",".join("'%s'" % n for n in names)))
        return dict((n, got.get(n, 0)) for n in names)

    def db_node_port(self, i):
        """The SQL port of database node i (0 without a cluster)."""
        if self.cluster is None:
            if i != 0:
                raise StackError("no database node %d: one server" % i)
            return self.db_port
        return self.cluster.nodes[i].sql_port

    def _load_or_write_db_users(self):
        """{user: password} of the services' database users, made once
        and kept in the workdir (make run's state lives across runs)."""
        path = os.path.join(self.workdir, "db-users")
        users = {}
        if os.path.exists(path):
            with open(path) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2:
                        users[parts[0]] = parts[1]
        if all(d in users for d in DATABASES):
            return users
        users = {d: secrets.token_hex(16) for d in DATABASES}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("# USER PASSWORD - MariaDB users of the services, "
                    "development only\n")
            for u, pw in users.items():
                f.write("%s %s\n" % (u, pw))
        return users

    def create_db_users(self):
        """One MariaDB user per service, named as its database, with
        rights on that database alone, over TLS only (least privilege: a
        service cannot read another's data)."""
        self.db_users = self._load_or_write_db_users()
        stmts = []
        for user, pw in self.db_users.items():
            who = "'%s'@'127.0.0.1'" % user
            stmts += ["CREATE USER IF NOT EXISTS %s IDENTIFIED BY '%s' "
                      "REQUIRE SSL" % (who, pw),
                      "ALTER USER %s IDENTIFIED BY '%s' REQUIRE SSL" % (
                          who, pw)] + grant_stmts(user, who)
        self.sql(";".join(stmts) + ";")

    def db_client_env(self, user):
        """MED_DB_USER, MED_DB_PASSWORD and MED_DB_TLS_CA of one service's
        own MariaDB user, for a tool that reaches the database over TCP
        (root answers only on the socket)."""
        return {"MED_DB_USER": user, "MED_DB_PASSWORD": self.db_users[user],
                "MED_DB_TLS_CA": self.ca_path}
