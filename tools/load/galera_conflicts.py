#!/usr/bin/python3
"""Certification conflicts of the ward-day model on a 3-node Galera cluster
(issue 54, item 3).

    PYTHONPATH=tests nice /usr/bin/python3 tools/load/galera_conflicts.py \
        [--model tools/load/ward_day.json] [--ward 20] [--beds 8000] \
        [--seconds 90] [--at 08:00] [--seed 1] [--json out.json] \
        [--per-op RATE] [--audit-node N] [--logs FILE]

Starts the driver's stack (tools/load/driver.py make_stack) on a private
3-node Galera cluster (tests/harness/galera.py) and puts a replica of
audit, records and dosage on each node: audit, records and dosage write
through node 0, audit-b, records-b and dosage-b through node 1, audit-c,
records-c and dosage-c through node 2; each replica emits its audit
events to the audit replica of its own node and is witnessed by it (the
three audit replicas share the log's signing and leaf keys, as replicas
of one log must; --audit-node N: all three write through node N, the
log's one writer node).  Identity stays one process on node 0 (a replica on
another node would need its face index to catch up before a 1:1 check:
tests/integration/test_galera_replicas.py).  After --ward patients are
admitted through the first replicas, the model's arrivals of --beds beds
at the clock --at are replayed open loop for --seconds, each call sent to
the next replica of its service in turn, so that concurrent writes to the
same rows come through different nodes.

It prints:

  - per node, wsrep_local_cert_failures (this node's write sets that lost
    certification to another node's) and wsrep_local_bf_aborts (this
    node's local transactions aborted by an applied write set), before
    and after the run, and the write sets replicated;
  - per service, the transactions it ran again after a conflict
    (smartmed_db_tx_retries_total{reason} of every replica's /metrics),
    per 1,000 calls of the operations that write through that service;
  - per operation, the calls, their p50/p99 and the calls that still
    failed (ABORTED: a conflict after the retries);
  - the rows the conflicts were on: wsrep_log_conflicts=ON on every node,
    and each node's error log read for the winning and the aborted
    transaction's statements (verb and table; NULL is an idle victim,
    COMMIT one aborted at commit), and the table and index of an InnoDB
    lock where the log names one (MariaDB 10.11's did not in our runs);
    the runs, the hot rows found and what was done about them are in
    docs/sizing.md, "Galera: certification conflicts under the ward day";
  - with --per-op RATE, then each writing operation alone (dose_given,
    lab_result, vital_signs, note, admission, transfer) at RATE calls/s
    for --per-op-s: its conflicts and the services' retries per 1,000 of
    its calls (every write also appends its audit event, so audit's
    retries belong to every operation).

Exit status 0; 2 if the model file is refused or galera-4 is missing.
"""

import argparse
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import driver  # noqa: E402
import model as load_model  # noqa: E402
from harness import metrics, protos  # noqa: E402
from harness.galera import missing  # noqa: E402
from harness.stack import free_port  # noqa: E402

NODES = 3
SUFFIX = ("", "-b", "-c")
SPREAD = ("audit", "records", "dosage")
STATUS = ("wsrep_local_cert_failures", "wsrep_local_bf_aborts",
          "wsrep_replicated", "wsrep_received")
# The operations that write through each service (the reads are not
# counted against a service's retries).
WRITES = {"dosage": ("dose_given",),
          "records": ("lab_result", "vital_signs", "note"),
          "identity": ("admission", "transfer")}
# Settings of the primary a replica keeps (the stack wires them on the
# primary only).
KEEP = ("MED_IDENTITY_URL", "MED_CARE_ENFORCE", "MED_RECORDS_URL")


def start_replicas(st, audit_node=None):
    """A replica of each SPREAD service on nodes 1 and 2; with
    audit_node, the audit replicas all write through that node."""
    spool = st.spool_dir("audit")
    for i in range(1, NODES):
        port = str(st.db_node_port(i))
        ingest = "tls+tcp://127.0.0.1:%d" % free_port()
        audit = "audit" + SUFFIX[i]
        st.start_replica("audit", audit, env={
            "MED_DB_PORT": port if audit_node is None
            else str(st.db_node_port(audit_node)),
            "MED_AUDIT_LISTEN": ingest,
            "MED_AUDIT_SIGNING_KEY_FILE": spool + "/audit-signing.key",
            "MED_AUDIT_LEAF_KEY_FILE": spool + "/audit-leaf.key"})
        for n in SPREAD[1:]:
            env = {k: v for k, v in st.services[n].env.items() if k in KEEP}
            env.update({"MED_DB_PORT": port, "MED_AUDIT_URL": ingest,
                        "MED_AUDIT_WITNESS_URL": st.addr(audit)})
            st.start_replica(n, n + SUFFIX[i], env=env)


class SpreadWard(driver.Ward):
    """The driver's ward, whose calls go to the replicas of a service in
    turn once spread is set (the setup runs on the first replicas, so
    that a row written is read back on the node that wrote it)."""

    spread = False

    def stub(self, svc, method):
        key = svc
        if self.spread and svc in SPREAD:
            with self.rng_lock:
                self._turn = getattr(self, "_turn", 0) + 1
                key = svc + SUFFIX[self._turn % NODES]
        if (key, method) not in self._stubs:
            path, _req, resp, streaming = protos.method(svc, method)
            ch = self.st.channel(key)
            make = ch.unary_stream if streaming else ch.unary_unary
            self._stubs[(key, method)] = (make(
                path, request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=resp.FromString), streaming)
        return self._stubs[(key, method)]


def node_status(st):
    out = []
    for i in range(NODES):
        text = st.cluster.sql(
            "SHOW GLOBAL STATUS WHERE Variable_name IN (%s)" % ",".join(
                "'%s'" % v for v in STATUS), i)
        row = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] in STATUS:
                row[parts[0]] = int(parts[1])
        out.append(row)
    return out


def retries(st):
    """{service: {reason: transactions run again}}, the replicas summed."""
    out = collections.defaultdict(collections.Counter)
    for key in st.services:
        base = key.split("-")[0]
        try:
            got, _ = metrics.scrape(st, key)
        except OSError:
            continue
        for labels, v in metrics.series(
                got, "smartmed_db_tx_retries_total").items():
            out[base][dict(labels).get("reason", "?")] += int(v)
    return out


def log_sizes(st):
    return [os.path.getsize(os.path.join(n.dir, "error.log"))
            for n in st.cluster.nodes]


TABLE = re.compile(r"index `?([\w]+)`? of table `([\w]+)`\.`([\w]+)`")
SQL = re.compile(r"SQL:\s*(.*)")
WORDS = re.compile(r"^\s*(INSERT\s+(?:IGNORE\s+)?INTO|UPDATE|DELETE\s+FROM|"
                   r"REPLACE\s+INTO|SELECT.*?FROM)\s+`?([\w.]+)`?", re.I)


LOGS = None  # --logs: where the nodes' new log lines are appended


def conflict_rows(st, since):
    """(tables, statements, sample): Counters of the lock's
    table/index and of the conflicting statements (their verb and table)
    in the nodes' error logs after the offsets since, and a few lines."""
    tables, statements = collections.Counter(), collections.Counter()
    sample = []
    for i, (node, off) in enumerate(zip(st.cluster.nodes, since)):
        with open(os.path.join(node.dir, "error.log"), "rb") as f:
            f.seek(off)
            text = f.read().decode("utf-8", "replace")
        if LOGS:
            with open(LOGS, "a", encoding="utf-8") as f:
                f.write("=== node %d\n%s" % (i, text))
        for line in text.splitlines():
            m = TABLE.search(line)
            if m:
                tables["%s.%s (%s)" % (m.group(2), m.group(3),
                                       m.group(1))] += 1
                continue
            m = SQL.search("".join(ch for ch in line if ch.isprintable()))
            if m and m.group(1).strip() not in ("", "(null)"):
                w = WORDS.match(m.group(1))
                statements[("%s %s" % (w.group(1).split()[0].upper(),
                                       w.group(2)) if w
                            else m.group(1)[:60])] += 1
                if len(sample) < 8:
                    sample.append(m.group(1)[:160])
    return tables, statements, sample


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=os.path.join(HERE, "ward_day.json"))
    p.add_argument("--ward", type=int, default=20)
    p.add_argument("--beds", type=int, default=8000)
    p.add_argument("--seconds", type=float, default=90.0)
    p.add_argument("--at", default="08:00")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=64)
    p.add_argument("--json")
    p.add_argument("--per-op", type=float, metavar="RATE",
                   help="also run each writing operation alone at RATE "
                   "calls/s for --per-op-s")
    p.add_argument("--per-op-s", type=float, default=30.0)
    p.add_argument("--logs", help="append the nodes' log lines of each "
                   "run (the conflicts) to this file")
    p.add_argument("--audit-node", type=int, choices=range(NODES),
                   help="every audit replica writes through this node "
                   "(the others still take their node's events)")
    a = p.parse_args(argv)
    if a.ward < 1 or a.beds < 1 or a.seconds <= 0:
        p.error("--ward, --beds and --seconds must be positive")
    return a


def per_1000(n, calls):
    return "%.1f" % (1000.0 * n / calls) if calls else "-"


def main(argv=None):
    global LOGS
    args = parse_args(argv)
    LOGS = args.logs
    why = missing()
    if why:
        print("galera_conflicts: %s" % why, file=sys.stderr)
        return 2
    try:
        m, at_s, driven = driver.model_and_driven(args.model, args.at,
                                                  "--at")
    except (OSError, load_model.ModelError) as e:
        print("galera_conflicts: %s" % e, file=sys.stderr)
        return 2
    st = driver.make_stack(False, db_nodes=NODES)
    with st:
        start_replicas(st, args.audit_node)
        ward = SpreadWard(st, args.ward, args.seed)
        for i in range(NODES):
            st.cluster.sql("SET GLOBAL wsrep_log_conflicts = ON", i)
        ward.spread = True
        plan = load_model.schedule(m, driven, args.beds, at_s, 1.0,
                                   args.seconds, args.seed)
        out = report(args, driven, *measure(st, ward, plan, args))
        if args.per_op:
            out["per_op"] = per_op(st, ward, driven, args)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
            f.write("\n")
    return 0


def measure(st, ward, plan, args, seconds=None):
    """Runs plan; the run's results and the counters around it."""
    before, r0, logs = node_status(st), retries(st), log_sizes(st)
    res, elapsed = driver.run(ward, plan, args.threads,
                              seconds or args.seconds)
    after, r1 = node_status(st), retries(st)
    return (res, elapsed, before, after, r0, r1) + conflict_rows(st, logs)


def per_op(st, ward, driven, args):
    """Each writing operation alone at args.per_op calls/s (Poisson) for
    --per-op-s: the conflicts (cert failures and BF aborts, all nodes) and
    the services' retries per 1,000 of its calls."""
    import random
    print("\n  each writing operation alone, %g calls/s for %g s:"
          % (args.per_op, args.per_op_s))
    print("  %-13s %5s %7s %s" % ("operation", "ok", "conflicts",
                                  "per 1,000 | retries by service"))
    out = {}
    for op in [o for s in WRITES.values() for o in s if o in driven]:
        rng = random.Random(args.seed)
        plan, t = [], 0.0
        while True:
            t += rng.expovariate(args.per_op)
            if t >= args.per_op_s:
                break
            plan.append((t, op))
        res, _el, before, after, r0, r1, _t, stm, _s = measure(
            st, ward, plan, args, args.per_op_s)
        ok = len(res.lat.get(op, []))
        conf = sum(a.get(k, 0) - b.get(k, 0) for a, b in zip(after, before)
                   for k in STATUS[:2])
        retr = {s: sum(r1[s].values()) - sum(r0.get(s, {}).values())
                for s in r1}
        out[op] = dict(ok=ok, failed=res.sent.get(op, 0) - ok,
                       conflicts=conf, retries=retr,
                       statements=dict(stm))
        print("  %-13s %5d %9d %8s | %s" % (
            op, ok, conf, per_1000(conf, ok), ", ".join(
                "%s %d (%s)" % (s, n, per_1000(n, ok))
                for s, n in sorted(retr.items()) if n)))
        sys.stdout.flush()
    return out


def report(args, driven, res, elapsed, before, after, r0, r1, tables,
           statements, sample):
    ok = {op: len(res.lat.get(op, [])) for op in driven}
    print("galera_conflicts: %d beds at %s, %d patients, %.0f s, %d calls "
          "(%d OK); audit, records and dosage: one replica per node, calls "
          "in turn; audit writes through %s" % (
              args.beds, args.at, args.ward, elapsed,
              sum(res.sent.values()), sum(ok.values()),
              "its own node" if args.audit_node is None
              else "node %d" % args.audit_node))
    print("\n  node  cert_failures  bf_aborts  replicated  received")
    nodes = []
    for i, (b, a) in enumerate(zip(before, after)):
        d = {k: a.get(k, 0) - b.get(k, 0) for k in STATUS}
        nodes.append(d)
        print("  %4d  %13d  %9d  %10d  %8d" % (
            i, d["wsrep_local_cert_failures"], d["wsrep_local_bf_aborts"],
            d["wsrep_replicated"], d["wsrep_received"]))
    repl = sum(d["wsrep_replicated"] for d in nodes)
    conf = sum(d["wsrep_local_cert_failures"] + d["wsrep_local_bf_aborts"]
               for d in nodes)
    print("  all: %d conflicts (cert failures + BF aborts) in %d write "
          "sets: %s per 1,000" % (conf, repl, per_1000(conf, repl)))
    print("\n  service   retried (deadlock/lock wait/other)  writing calls"
          "  retries per 1,000")
    svc = {}
    for s in sorted(set(r0) | set(r1)):
        d = {k: r1[s].get(k, 0) - r0.get(s, {}).get(k, 0)
             for k in ("deadlock", "lock_wait_timeout", "other")}
        calls = sum(ok.get(op, 0) for op in WRITES.get(s, ()))
        total = sum(d.values())
        svc[s] = dict(d, writing_calls=calls)
        print("  %-9s %8d (%d/%d/%d) %20d  %s" % (
            s, total, d["deadlock"], d["lock_wait_timeout"], d["other"],
            calls, per_1000(total, calls) if s in WRITES else "-"))
    print("\n  %-13s %6s %6s %8s %8s  failed by status" % (
        "operation", "sent", "ok", "p50 ms", "p99 ms"))
    ops = {}
    for op in driven:
        lat = sorted(res.lat.get(op, []))
        p50 = driver.percentile(lat, 50) * 1000 if lat else None
        p99 = driver.percentile(lat, 99) * 1000 if lat else None
        errs = res.errors.get(op, {})
        ops[op] = dict(sent=res.sent.get(op, 0), ok=len(lat), errors=errs,
                       p50_ms=p50, p99_ms=p99)
        print("  %-13s %6d %6d %8s %8s  %s" % (
            op, res.sent.get(op, 0), len(lat),
            "-" if p50 is None else "%.0f" % p50,
            "-" if p99 is None else "%.0f" % p99,
            ", ".join("%s %d" % kv for kv in sorted(errs.items())) or "-"))
    print("\n  conflicting rows (wsrep_log_conflicts), lock's table (index):")
    for k, n in tables.most_common(12):
        print("  %6d  %s" % (n, k))
    print("  conflicting statements:")
    for k, n in statements.most_common(12):
        print("  %6d  %s" % (n, k))
    for s in sample:
        print("    e.g. %s" % s)
    return dict(beds=args.beds, at=args.at, ward=args.ward,
                audit_node=args.audit_node,
                seconds=round(elapsed, 1), nodes=nodes, retries=svc,
                operations=ops, tables=dict(tables),
                statements=dict(statements))


if __name__ == "__main__":
    sys.exit(main())
