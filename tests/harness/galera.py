"""GaleraCluster: a private MariaDB Galera cluster of N nodes on loopback.

tools/dev/galera.sh does the work: `init` makes every node's data
directory from one bootstrapped node (so the first start needs no full
state transfer), `start` starts one node and waits until it is synced.
Each node lives in DIR/nI with its own socket, tmpdir, error log and four
ports (SQL, group communication, IST, SST).  Stop a node and run SQL on
it with tools/dev/mariadb.sh, which finds the same files there.

Stack(db_nodes=3) starts one of these instead of a single server.
"""

import os
import signal
import threading
import time

from . import paths
from .stack_processes import process_args, run_script

PROVIDER = "/usr/lib/galera/libgalera_smm.so"


def missing():
    """Why a cluster cannot start here ("" when it can): the reason a
    Galera test skips with."""
    if not os.path.exists(PROVIDER):
        return "galera-4 is not installed (%s is missing)" % PROVIDER
    for tool in ("mariadbd", "rsync", "wsrep_sst_rsync"):
        if not any(os.access(os.path.join(d, tool), os.X_OK)
                   for d in os.environ.get("PATH", "").split(":") +
                   ["/usr/sbin", "/usr/bin"]):
            return "%s is not installed" % tool
    return ""


def galera_sh():
    return os.path.join(paths.REPO_ROOT, "tools", "dev", "galera.sh")


# Error-log words of a node's view of the cluster (MariaDB's and Galera's).
CLUSTER_EVENTS = ("[Warning]", "[ERROR]", "view(", "suspect", "inactive",
                  "non-primary", "flow control", "Shifting")


class ClusterError(RuntimeError):
    """A node failed to start or a statement failed."""


class Node:
    """One node's directory and ports."""

    def __init__(self, directory, sql_port, gcomm_port, ist_port, sst_port):
        self.dir = directory
        self.sql_port = sql_port
        self.gcomm_port = gcomm_port
        self.ist_port = ist_port
        self.sst_port = sst_port


def _run(argv, timeout=180):
    rc, out = run_script(argv, timeout)
    return rc, out.decode("utf-8", "replace")


def _alive(pid):
    # A zombie (a killed node is no child of ours, so it is reaped by
    # init) counts as gone.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class GaleraCluster:
    """N nodes in workdir; free_port hands out the 4*N ports."""

    def __init__(self, workdir, n_nodes, free_port):
        if n_nodes < 1:
            raise ValueError("a cluster needs at least one node")
        self.workdir = workdir
        self.nodes = [Node(os.path.join(workdir, "n%d" % (i + 1)),
                           free_port(), free_port(), free_port(),
                           free_port()) for i in range(n_nodes)]
        self.tls = ()
        self.startup_s = None

    @property
    def peers(self):
        return ",".join("127.0.0.1:%d" % n.gcomm_port for n in self.nodes)

    def start(self, cert=None, key=None, ca=None):
        """Initialise (once) and start every node; the first bootstraps
        the cluster, the others join it at the same time."""
        t0 = time.monotonic()
        self.tls = (cert, key, ca) if cert else ()
        first = self.nodes[0]
        if not os.path.isdir(os.path.join(first.dir, "data", "mysql")):
            self._check(_run(["sh", galera_sh(), "init", self.workdir,
                              str(len(self.nodes)), str(first.sql_port),
                              str(first.gcomm_port)]), "init")
        self.start_node(0, bootstrap=True)
        errors = []

        def join(i):
            try:
                self.start_node(i)
            except ClusterError as e:
                errors.append(str(e))
        threads = [threading.Thread(target=join, args=(i,))
                   for i in range(1, len(self.nodes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise ClusterError("\n".join(errors))
        self.startup_s = time.monotonic() - t0

    def start_node(self, i, bootstrap=False):
        """Start node i ("join" the others unless bootstrap)."""
        n = self.nodes[i]
        argv = ["sh", galera_sh(), "start", n.dir, str(n.sql_port),
                str(n.gcomm_port), str(n.ist_port), str(n.sst_port),
                self.peers, "new" if bootstrap else "join"]
        self._check(_run(argv + list(self.tls)), "start node %d" % i)

    def stop_node(self, i):
        """Stop node i cleanly and wait until it is gone."""
        _run(["sh", paths.mariadb_sh(), "stop", self.nodes[i].dir])

    def kill_node(self, i):
        """SIGKILL node i's mariadbd (a crash: no clean shutdown, its
        grastate.dat left unsafe) and wait until the process is gone.
        start_node(i) brings it back; it rejoins by IST or SST."""
        pid = self.node_pid(i)
        if pid is None:
            raise ClusterError("node %d is not running" % i)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid):
            if time.monotonic() > deadline:
                raise ClusterError("node %d (pid %d) outlived SIGKILL"
                                   % (i, pid))
            time.sleep(0.05)

    def node_pid(self, i):
        """The pid of node i's running mariadbd, or None."""
        try:
            with open(os.path.join(self.nodes[i].dir, "mysqld.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def isolate(self, i, on=True):
        """Cut node i off from the others' group communication
        (gmcast.isolate, Galera 4), or end that.  Needs no root: the node
        drops its own links, leaves the primary component within the evs
        timeouts and refuses statements on tables (1047) until it is back
        and synced."""
        self.sql("SET GLOBAL wsrep_provider_options='gmcast.isolate=%d'"
                 % (1 if on else 0), i)

    def wait_status(self, name, want, node, timeout=30.0):
        """Poll a status variable of node until want(value) (or value ==
        want for a string); returns the value, ClusterError with the
        node's log after timeout."""
        ok = want if callable(want) else (lambda v: v == want)
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.status(name, node)
            except ClusterError as e:
                value = "(%s)" % str(e).strip().splitlines()[-1]
            if ok(value):
                return value
            if time.monotonic() > deadline:
                raise ClusterError("node %d: %s is %r after %.0f s:\n%s" % (
                    node, name, value, timeout, self.error_log(node)))
            time.sleep(0.1)

    def stop(self):
        """Stop every node (the last one last), then any node that had
        not written its pid file yet."""
        for i in range(len(self.nodes)):
            self.stop_node(i)
        self._kill_strays()

    def sql(self, statement, node=0, synced=False):
        """Run SQL as root on a node; returns the client's output.  With
        synced, the node first applies every write set it has received
        (wsrep_sync_wait): a node applies other nodes' commits
        asynchronously, so without it a read can miss a committed row."""
        if synced:
            statement = "SET SESSION wsrep_sync_wait = 1; " + statement
        return self._check(_run(["sh", paths.mariadb_sh(), "sql",
                                 self.nodes[node].dir, statement]),
                           "sql on node %d" % node)

    def status(self, name, node=0):
        """A wsrep status variable of a node, as text."""
        out = self.sql("SELECT VARIABLE_VALUE FROM information_schema."
                       "GLOBAL_STATUS WHERE VARIABLE_NAME = '%s'"
                       % name.upper(), node)
        lines = out.strip().splitlines()
        return lines[-1] if len(lines) > 1 else ""

    def error_log(self, i, lines=30):
        from .stack import tail
        return tail(os.path.join(self.nodes[i].dir, "error.log"), lines)

    def report(self, lines=15):
        """Each node's state and the last lines of its error log that
        say what the cluster did (warnings, errors, views, suspected
        peers, flow control), for a failure report: a commit that hangs
        on a busy host is a node evicted, a view change or a node that
        paused the others, and only the nodes' logs tell which."""
        out = []
        for i, n in enumerate(self.nodes):
            pid = self.node_pid(i)
            state = "running (pid %d)" % pid if pid else "not running"
            path = os.path.join(n.dir, "error.log")
            try:
                with open(path, errors="replace") as f:
                    told = [ln.rstrip("\n") for ln in f
                            if any(w in ln for w in CLUSTER_EVENTS)]
            except OSError:
                told = []
            out.append("=== galera node %d (%s) %s\n%s" % (
                i, state, path, "\n".join(told[-lines:])))
        return "\n".join(out)

    @staticmethod
    def _check(result, what):
        rc, out = result
        if rc != 0:
            raise ClusterError("galera %s failed (%d):\n%s" % (what, rc, out))
        return out

    def _stray_pids(self):
        needle = (self.workdir + os.sep).encode()
        pids = []
        for pid, args in process_args():
            if (args and os.path.basename(args[0]).startswith(b"mariadbd")
                    and any(a.startswith(b"--datadir=" + needle)
                            for a in args[1:])):
                pids.append(pid)
        return pids

    def _kill_strays(self):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self._stray_pids()
            for p in pids:
                try:
                    os.kill(p, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + 10
            while self._stray_pids() and time.monotonic() < deadline:
                time.sleep(0.1)
