#!/usr/bin/python3
"""tools/bench/galera.py - one MariaDB server against a 3-node Galera
cluster, in one run (make bench-galera).

Starts two stacks side by side (tests/harness): (a) one MariaDB server
with records and audit, (b) a 3-node Galera cluster on loopback with the
same services plus a second records replica, the first writing through
node 0 and the second through node 1 (audit writes through node 0).  Then,
REPEAT times and alternating between the two so that drift on a shared
machine hits both alike, it runs

  records: bench-records_create, CreateEntry over mutual TLS spread evenly
           over the records replicas, beside raw INSERTs of the same rows
           through the same database nodes (the reference);
  audit:   bench-audit_ingest, durable appends through the NNG ingest
           beside a plain multi-row insert of the same rows.

It prints the medians, the ratios cluster/single, and where the time goes
on the cluster: per-node wsrep counters over each run (certification
failures, brute-force aborts, flow control, write sets replicated, apply
and commit windows, send queue), the services' smartmed_db_* counters from
/metrics, and the CPU seconds each process used (the machine's cores are
shared by four mariadbd and the services).

The cluster runs with innodb_flush_log_at_trx_commit=2 (durability comes
from the other nodes: tools/dev/galera.sh); the single server gets the
same value unless SINGLE_FLUSH says otherwise (1: an fsync per commit), so
that by default the ratio is the cost of replication and certification.

Knobs (environment): BUILD (build), REPEAT (3), N (2000 entries per
records run), THREADS (4), EVENTS (40000 audit events per run), EMITTERS
(4), BATCH (256), SINGLE_FLUSH (2).  Skips with a message (exit 0) where
galera-4 is not installed.
"""

import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from harness import Stack, galera, metrics, paths  # noqa: E402

# Cumulative wsrep counters: their change over a run is reported.
WSREP_COUNTERS = ("wsrep_replicated", "wsrep_replicated_bytes",
                  "wsrep_received", "wsrep_local_cert_failures",
                  "wsrep_local_bf_aborts", "wsrep_flow_control_paused_ns",
                  "wsrep_flow_control_sent")
# Averages Galera keeps since the last FLUSH STATUS (issued before a run):
# their value after the run is reported.
WSREP_AVERAGES = ("wsrep_flow_control_paused", "wsrep_apply_window",
                  "wsrep_commit_window", "wsrep_local_send_queue_avg",
                  "wsrep_local_recv_queue_avg", "wsrep_cert_deps_distance")
NUMBER = r"([0-9.]+)"


def env_int(name, default):
    return int(os.environ.get(name, default))


def median(values):
    return statistics.median(values) if values else 0.0


def field(pattern, text, what):
    """The number after pattern in a benchmark's output."""
    m = re.search(pattern + r"\s*" + NUMBER, text)
    if m is None:
        raise RuntimeError("no %s in the output:\n%s" % (what, text))
    return float(m.group(1))


# --- the two stacks --------------------------------------------------------

def stack_env(threads):
    # One completion-queue thread per client thread, and a pool to match
    # (as tools/bench/records.py).
    return {"MED_THREADS": str(threads), "MED_DB_POOL": str(threads)}


class Setup:
    """A started stack and where its load goes: records replicas, their
    database ports, and the processes whose CPU time is counted."""

    def __init__(self, name, stack, replicas, db_ports):
        self.name = name
        self.st = stack
        self.replicas = replicas
        self.db_ports = db_ports

    @property
    def cluster(self):
        return self.st.cluster

    def mariadb_pids(self):
        dirs = ([n.dir for n in self.cluster.nodes] if self.cluster
                else [self.st.db_dir])
        pids = {}
        for i, d in enumerate(dirs):
            with open(os.path.join(d, "mysqld.pid")) as f:
                pids["mariadbd%s" % (i if self.cluster else "")] = int(
                    f.read().strip())
        return pids

    def pids(self):
        out = self.mariadb_pids()
        for n in self.replicas + ["audit"]:
            out[n] = self.st.proc(n).pid
        return out


def start_single(threads, flush):
    st = Stack(services=("records", "audit"), log_level="warn",
               extra_env=stack_env(threads)).start()
    st.sql("SET GLOBAL innodb_flush_log_at_trx_commit = %d;" % flush)
    return Setup("single", st, ["records"], [st.db_port])


def start_cluster(threads):
    st = Stack(services=("records", "audit"), log_level="warn",
               extra_env=stack_env(threads), db_nodes=3).start()
    st.start_replica("records", "records-b",
                     env={"MED_DB_PORT": str(st.db_node_port(1))})
    return Setup("cluster", st, ["records", "records-b"],
                 [st.db_node_port(0), st.db_node_port(1)])


# --- what a run measures besides throughput --------------------------------

def cpu_seconds(pids):
    """{name: user+system CPU seconds} of each process."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, pid in pids.items():
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        out[name] = (int(fields[11]) + int(fields[12])) / hz
    return out


def wsrep_status(cluster, node):
    names = ",".join("'%s'" % v.upper()
                     for v in WSREP_COUNTERS + WSREP_AVERAGES)
    out = cluster.sql("SELECT VARIABLE_NAME, VARIABLE_VALUE FROM"
                      " information_schema.GLOBAL_STATUS WHERE"
                      " VARIABLE_NAME IN (%s)" % names, node)
    status = {}
    for line in out.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 2:
            status[parts[0].lower()] = float(parts[1] or 0)
    return status


def db_counters(setup):
    """{(service, metric): value}: the smartmed_db_* counters and sums of
    each service, summed over their labels."""
    out = {}
    for n in setup.replicas + ["audit"]:
        samples, _ = metrics.scrape(setup.st, n)
        for (name, _labels), v in samples.items():
            if name.startswith("smartmed_db_") and name.endswith(
                    ("_total", "_sum", "_count")):
                out[(n, name)] = out.get((n, name), 0.0) + v
    return out


class Probe:
    """Everything read before a run and compared after it."""

    def __init__(self, setup):
        self.setup = setup
        c = setup.cluster
        if c is not None:
            for i in range(len(c.nodes)):
                c.sql("FLUSH LOCAL STATUS", i)
        self.wsrep = self._wsrep()
        self.db = db_counters(setup)
        self.cpu = cpu_seconds(setup.pids())

    def _wsrep(self):
        c = self.setup.cluster
        if c is None:
            return []
        return [wsrep_status(c, i) for i in range(len(c.nodes))]

    def finish(self):
        """{"wsrep": [per node {name: value}], "db": {...}, "cpu": {...}}
        over the run."""
        after = self._wsrep()
        wsrep = []
        for before, now in zip(self.wsrep, after):
            node = {k: now.get(k, 0) - before.get(k, 0)
                    for k in WSREP_COUNTERS}
            node.update({k: now.get(k, 0) for k in WSREP_AVERAGES})
            wsrep.append(node)
        db_now = db_counters(self.setup)
        cpu_now = cpu_seconds(self.setup.pids())
        return {"wsrep": wsrep,
                "db": {k: v - self.db.get(k, 0) for k, v in db_now.items()},
                "cpu": {k: v - self.cpu[k] for k, v in cpu_now.items()}}


# --- the two loads ---------------------------------------------------------

def run_tool(argv, st, db_user, identity="operator"):
    env = dict(os.environ)
    env.update(st.client_tls_env(identity))
    env.update(st.db_client_env(db_user))
    r = subprocess.run(argv, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600)
    text = r.stdout.decode("utf-8", "replace")
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s" % (
            os.path.basename(argv[0]), r.returncode, text))
    return text


def records_load(setup, knobs):
    st = setup.st
    targets = ",".join(st.addr(n) for n in setup.replicas)
    ports = ",".join(str(p) for p in setup.db_ports)
    text = run_tool([paths.bin_path("bench-records_create"), targets,
                     st.token("clinician"), "127.0.0.1", ports,
                     "smartmed_records", str(knobs["N"]),
                     str(knobs["THREADS"]), "100"], st, "smartmed_records")
    return {"CreateEntry/s": field(r"rpc\s+entries_per_s=", text, "rpc"),
            "raw insert/s": field(r"raw\s+entries_per_s=", text, "raw")}


def audit_load(setup, knobs):
    st = setup.st
    text = run_tool([paths.bin_path("bench-audit_ingest"), "--url",
                     "tls+tcp://127.0.0.1:%d" % st.audit_port,
                     "--db-port", str(setup.db_ports[0]), "--db-name",
                     "smartmed_audit", "--events", str(knobs["EVENTS"]),
                     "--emitters", str(knobs["EMITTERS"]), "--batch",
                     str(knobs["BATCH"])], st, "smartmed_audit",
                    # Its events say service "identity": the ingest
                    # takes them only with identity's certificate.
                    identity="identity")
    return {"audit events/s": field(r"appends \(Merkle log, durable\):",
                                    text, "appends"),
            "plain rows/s": field(r"reference \(plain multi-row\):", text,
                                  "reference")}


LOADS = (("records", records_load), ("audit", audit_load))


def measure(setups, knobs, repeat):
    """{(setup, load): [each run's {"rates", "probe"}]}, alternating."""
    runs = {}
    for r in range(repeat):
        for load, fn in LOADS:
            for s in setups:
                probe = Probe(s)
                rates = fn(s, knobs)
                result = {"rates": rates, "probe": probe.finish()}
                runs.setdefault((s.name, load), []).append(result)
                print("  run %d %-7s %-7s %s" % (
                    r + 1, load, s.name, "  ".join(
                        "%s %.0f" % kv for kv in rates.items())),
                    flush=True)
    return runs


# --- the report ------------------------------------------------------------

def median_of(results, pick):
    return median([pick(r) for r in results])


def print_rates(runs):
    print("\nmedians (entries or events per second)")
    print("%-16s %10s %10s %14s" % ("", "single", "cluster",
                                    "cluster/single"))
    for load, _ in LOADS:
        single, cluster = runs[("single", load)], runs[("cluster", load)]
        for k in single[0]["rates"]:
            a = median_of(single, lambda r: r["rates"][k])
            b = median_of(cluster, lambda r: r["rates"][k])
            print("%-16s %10.0f %10.0f %14.2f" % (k, a, b, b / a))


def print_wsrep(runs):
    print("\ncluster, wsrep per node over a run (medians; counters are"
          " changes, the rest Galera's averages over the run)")
    for load, _ in LOADS:
        results = runs[("cluster", load)]
        n_nodes = len(results[0]["probe"]["wsrep"])
        print("  %-34s%s" % (load + ":", "".join(
            "%14s" % ("node%d" % i) for i in range(n_nodes))))
        for k in WSREP_COUNTERS + WSREP_AVERAGES:
            vals = [median_of(results, lambda r, i=i:
                              r["probe"]["wsrep"][i][k])
                    for i in range(n_nodes)]
            print("    %-32s%s" % (k[len("wsrep_"):], "".join(
                "%14.3f" % v if v % 1 else "%14.0f" % v for v in vals)))


def print_services(runs):
    print("\nservices' smartmed_db_* counters and CPU seconds per run"
          " (medians, non-zero only)")
    for (name, load), results in sorted(runs.items()):
        keys = sorted(results[0]["probe"]["db"])
        db = ["%s %s=%g" % (svc, metric[len("smartmed_db_"):], v)
              for (svc, metric), v in ((k, median_of(
                  results, lambda r, k=k: r["probe"]["db"].get(k, 0)))
                  for k in keys) if v]
        cpu = ["%s %.1f" % (p, median_of(
            results, lambda r, p=p: r["probe"]["cpu"][p]))
            for p in results[0]["probe"]["cpu"]]
        print("  %-7s %-7s cpu_s: %s" % (load, name, ", ".join(cpu)))
        if db:
            print("  %-15s db: %s" % ("", ", ".join(db)))


def main():
    why = galera.missing()
    if why:
        print("galera.py: skipped: %s" % why)
        return 0
    knobs = {"N": env_int("N", 2000), "THREADS": env_int("THREADS", 4),
             "EVENTS": env_int("EVENTS", 40000),
             "EMITTERS": env_int("EMITTERS", 4),
             "BATCH": env_int("BATCH", 256)}
    repeat = env_int("REPEAT", 3)
    flush = env_int("SINGLE_FLUSH", 2)
    print("Galera benchmark: %d rounds; %s; single server"
          " innodb_flush_log_at_trx_commit=%d, cluster 2" % (
              repeat, " ".join("%s=%d" % kv for kv in knobs.items()),
              flush))
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    setups = []
    try:
        setups.append(start_single(knobs["THREADS"], flush))
        setups.append(start_cluster(knobs["THREADS"]))
        runs = measure(setups, knobs, repeat)
    finally:
        for s in setups:
            s.st.close()
    print_rates(runs)
    print_wsrep(runs)
    print_services(runs)
    print("\nload average after: %.2f %.2f %.2f on %d CPUs" % (
        os.getloadavg() + (os.cpu_count(),)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
