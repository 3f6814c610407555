#!/usr/bin/python3
"""Capacity ramp for the ward-day model (issue 54, item 2).

    PYTHONPATH=tests /usr/bin/python3 tools/load/ramp.py \
        [--model tools/load/ward_day.json] [--ward 30] \
        [--steps 2000,8000,24000,48000] [--step-s 60] [--at 08:00] \
        [--idle-s 15] [--seed 1] [--json out.json] [--per-op RATE]
        [--service-env SERVICE:NAME=VALUE ...] \
        [--against harness|run|kube [--chart-set KEY.PATH=VALUE ...]]

Starts the driver's stack once (tools/load/driver.py: MariaDB, audit,
identity, records and dosage on mutual TLS with patient and care checks,
the HL7 interface over MLLP), or, with --against run, drives the stack
`make run` is running (every service, its settings, its database; start
it with MED_FACE_COPY_CHECK=off, docs/sizing.md), or, with --against
kube, plays the Helm chart's manifests with podman kube play as make
kube-test does (each service a pod under the chart's CPU and memory
limits; the images of make images; its HL7 pod over MLLP and TLS,
the driver's sending systems bound), admits --ward patients (each with orders
and an enrolled face) and then, step by step, replays the model's
arrivals of a hospital of B beds, B from --steps, open loop for --step-s
seconds with the clock held at --at (08:00: the morning medication round
and the daytime reads, the day's peak).  The ward's patients stand in for
the B beds: the calls are those of B beds, the rows they touch those of
--ward patients (docs/sizing.md says what that changes).

Per step it prints each operation's calls, p50 and p99 (latency from the
scheduled time: no coordinated omission) against its budget where it has
one, and the figures that hold on a shared, noisy machine:

  - CPU per operation per service: each service's (and MariaDB's, and
    this driver's) utime+stime from /proc/PID/stat before and after the
    step, divided by the operations answered in the step;
  - database commits per operation: MariaDB's Com_commit and
    Handler_commit (SHOW GLOBAL STATUS) before and after.

It also samples each service's database pool (its /metrics: connections
in use, callers waiting) every second during the step.

From the CPU it derives the CPU seconds each service spends per bed per
second at the peak and so the beds one core of it serves, and names the
service that needs the most.  The ramp stops after the first step in
which an operation with a budget has its p99 over the budget (or calls
fail).  An idle interval (--idle-s) first measures what the stack does
with no load (background CPU and commits), printed for reference.

With --per-op RATE it runs no ramp but one step per operation, that
operation alone at RATE calls per second (Poisson), and prints its CPU
per call per process and its commits per call: the figures to price
another mix with.

Wall-clock percentiles on a shared machine are an upper bound on what
the code does (the neighbours' work preempts it); CPU per operation is
the figure to size with.  Exit status: 0, or 1 if any write was lost or
doubled, 2 if the model file is refused.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import driver  # noqa: E402
import model as load_model  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
STACKS = {"harness": "a private stack", "run": "make run's stack",
          "kube": "the Helm chart's pods (podman kube play)"}
STATUS = ("Com_commit", "Handler_commit", "Com_insert", "Com_update",
          "Com_stmt_prepare", "Com_stmt_execute",
          "Innodb_rows_inserted", "Innodb_os_log_fsyncs",
          "Innodb_row_lock_waits", "Innodb_row_lock_time")


def cpu_seconds(pid):
    """utime+stime of pid in seconds (all its threads), None if gone."""
    try:
        with open("/proc/%d/stat" % pid, encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields after the command: state is field 3, utime 14, stime 15.
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_limit(pid, proc="/proc", cgroup="/sys/fs/cgroup"):
    """(CPU quota in cores, periods throttled, seconds throttled) of the
    cgroup pid runs in (cgroup v1's cpu controller or v2's cpu.max and
    cpu.stat; proc and cgroup: where those file systems are mounted), or
    None where it has no quota (a process that is not a pod's) or cannot
    be read."""
    try:
        with open("%s/%d/cgroup" % (proc, pid), encoding="ascii") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _n, controllers, path = line.split(":", 2)
        if "cpu" in controllers.split(","):        # v1
            d = "%s/%s%s" % (cgroup, controllers, path)
            quota = _read_words(d + "/cpu.cfs_quota_us")
            period = _read_words(d + "/cpu.cfs_period_us")
            stat = dict(_pairs(d + "/cpu.stat"))
            if quota and period and int(quota[0]) > 0:
                return (int(quota[0]) / int(period[0]),
                        int(stat.get("nr_throttled", 0)),
                        int(stat.get("throttled_time", 0)) / 1e9)
        elif controllers == "":                    # v2
            d = cgroup + path
            quota = _read_words(d + "/cpu.max")
            stat = dict(_pairs(d + "/cpu.stat"))
            if quota and quota[0] != "max":
                return (int(quota[0]) / int(quota[1]),
                        int(stat.get("nr_throttled", 0)),
                        int(stat.get("throttled_usec", 0)) / 1e6)
    return None


def _read_words(path):
    try:
        with open(path, encoding="ascii") as f:
            return f.read().split()
    except OSError:
        return None


def _pairs(path):
    words = _read_words(path) or []
    return zip(words[0::2], words[1::2])


def processes(st):
    """{name: pid} of the services, MariaDB and this driver."""
    out = {n: s.pid() for n, s in st.services.items()}
    out = {n: pid for n, pid in out.items() if pid is not None}
    for pid in st._stray_mariadb_pids():
        out["mariadb"] = pid
    out["driver"] = os.getpid()
    return out


def user_commits(st):
    """{database user: committed transactions} from MariaDB's
    USER_STATISTICS (userstat on): which service's connections commit."""
    text = st.sql("SELECT USER, COMMIT_TRANSACTIONS FROM "
                  "information_schema.USER_STATISTICS")
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


def db_status(st):
    text = st.sql("SHOW GLOBAL STATUS WHERE Variable_name IN (%s)" % ",".join(
        "'%s'" % v for v in STATUS))
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in STATUS:
            out[parts[0]] = int(parts[1])
    return out


class Counters:
    """CPU of each process and the database's status, read at once."""

    def __init__(self, st, pids):
        self.t = time.monotonic()
        self.cpu = {n: cpu_seconds(p) for n, p in pids.items()}
        self.limits = {n: cpu_limit(p) for n, p in pids.items()}
        self.db = db_status(st)
        self.users = user_commits(st)

    def throttled(self, before):
        """{process: (quota in cores, periods throttled, seconds
        throttled)} since before, of the processes under a CPU quota (a
        pod's limits.cpu)."""
        out = {}
        for n, now in self.limits.items():
            was = before.limits.get(n)
            if now is not None and was is not None:
                out[n] = (now[0], now[1] - was[1], round(now[2] - was[2], 3))
        return out

    def delta(self, before):
        cpu = {n: (v - before.cpu[n]) for n, v in self.cpu.items()
               if v is not None and before.cpu.get(n) is not None}
        db = {k: v - before.db.get(k, 0) for k, v in self.db.items()}
        for u, v in self.users.items():
            db["commits:" + u] = v - before.users.get(u, 0)
        return self.t - before.t, cpu, db


def handling(got):
    """{method: (seconds, calls)} of a scrape's server-side handling time
    (grpc_server_handling_seconds, from the call's arrival on the queue
    thread: a wait in the worker pool's queue is in it)."""
    from harness import metrics
    out = {}
    for suffix, k in (("_sum", 0), ("_count", 1)):
        for labels, v in metrics.series(
                got, "grpc_server_handling_seconds" + suffix).items():
            m = dict(labels).get("grpc_method", "?")
            out.setdefault(m, [0.0, 0.0])[k] += v
    return out


class PoolSampler:
    """Samples each service's database pool (its /metrics: connections in
    use, callers waiting for one) and its calls in flight (started less
    handled: being served or queued for a handler thread) every second
    while a step runs, and each method's mean handling time over the
    step."""

    def __init__(self, st):
        import threading
        self.st = st
        self.samples = {n: [] for n in st.services}
        self.first, self.last = {}, {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        from harness import metrics
        while True:
            for n in self.samples:
                try:
                    got, _ = metrics.scrape(self.st, n)
                except OSError:
                    continue
                use = sum(metrics.series(
                    got, "smartmed_db_pool_connections",
                    state="in_use").values())
                wait = sum(metrics.series(
                    got, "smartmed_db_pool_waiters").values())
                flying = sum(metrics.series(
                    got, "grpc_server_started_total").values()) - sum(
                    metrics.series(got, "grpc_server_handled_total")
                    .values())
                self.samples[n].append((use, wait, flying))
                self.first.setdefault(n, handling(got))
                self.last[n] = handling(got)
            if self.stop.wait(1.0):
                break

    def finish(self):
        """{service: {in_use_mean, in_use_max, waiters_mean,
        waiters_max, in_flight_mean, in_flight_max, handling_ms}}, the
        last the mean handling time of each method called in the step."""
        self.stop.set()
        self.thread.join()
        out = {}
        for n, v in self.samples.items():
            if not v:
                continue
            a, b = self.first.get(n, {}), self.last.get(n, {})
            hms = {}
            for m, (sec, calls) in b.items():
                s0, c0 = a.get(m, (0.0, 0.0))
                if calls > c0:
                    hms[m] = round(1000 * (sec - s0) / (calls - c0), 1)
            out[n] = dict(
                in_use_mean=round(sum(x[0] for x in v) / len(v), 2),
                in_use_max=max(x[0] for x in v),
                waiters_mean=round(sum(x[1] for x in v) / len(v), 2),
                waiters_max=max(x[1] for x in v),
                in_flight_mean=round(sum(x[2] for x in v) / len(v), 1),
                in_flight_max=max(x[2] for x in v),
                handling_ms=hms)
        return out


def merge(total, res):
    for op, v in res.lat.items():
        total.lat.setdefault(op, []).extend(v)
    for op, errs in res.errors.items():
        e = total.errors.setdefault(op, {})
        for k, n in errs.items():
            e[k] = e.get(k, 0) + n
    for op, n in res.sent.items():
        total.sent[op] = total.sent.get(op, 0) + n
    for op, n in res.refused.items():
        total.refused[op] = total.refused.get(op, 0) + n
    for k, v in res.details.items():
        total.details.setdefault(k, v)
    total.late += res.late


def ms(v):
    return "-" if v is None else "%.0f" % v


def step(m, st, ward, driven, beds, args, pids, at_s, idle, plan=None):
    """One step of beds (or of plan, [(second, op)], when given); the CPU
    and database figures per operation are net of what the idle stack
    does in the same time (idle, or None)."""
    if plan is None:
        plan = load_model.schedule(m, driven, beds, at_s, 1.0, args.step_s,
                                   args.seed + beds)
    # The stays the plan's discharges end are opened before the step's
    # counters start: they are the ward's set-up, not the step's load.
    ward.ready_to_discharge(plan)
    before = Counters(st, pids)
    sampler = PoolSampler(st)
    res, elapsed = driver.run(ward, plan, args.threads, args.step_s)
    pools = sampler.finish()
    after = Counters(st, pids)
    wall, cpu, db = after.delta(before)
    throttled = after.throttled(before)
    gross_cpu, gross_db = dict(cpu), dict(db)
    if idle:
        cpu = {n: max(0.0, c - idle["cpu_per_s"].get(n, 0) * wall)
               for n, c in cpu.items()}
        db = {k: max(0.0, v - idle["db_per_s"].get(k, 0) * wall)
              for k, v in db.items()}
    ok = sum(len(v) for v in res.lat.values())
    sent = sum(res.sent.values())
    ops = {}
    over = []
    for op in driven:
        lat = sorted(res.lat.get(op, []))
        p50 = driver.percentile(lat, 50) * 1000 if lat else None
        p99 = driver.percentile(lat, 99) * 1000 if lat else None
        budget = m.budgets.get(op)
        ops[op] = dict(sent=res.sent.get(op, 0), ok=len(lat),
                       refused=res.refused.get(op, 0),
                       errors=res.errors.get(op, {}),
                       p50_ms=p50 and round(p50, 1),
                       p99_ms=p99 and round(p99, 1), budget_p99_ms=budget)
        if budget is not None and p99 is not None and p99 > budget:
            over.append(op)
    # CPU seconds per bed per second of the peak, per process.
    per_bed = {n: c / (max(beds, 1) * wall) for n, c in cpu.items()}
    refused = sum(res.refused.values())
    out = dict(beds=beds, seconds=round(wall, 1), step_s=args.step_s,
               sent=sent, ok=ok,
               refused=refused, failed=sent - ok - refused, late=res.late,
               ops_per_s=round(ok / wall, 2), operations=ops,
               gross_cpu_s=gross_cpu, gross_db=gross_db,
               cpu_s=cpu, cpu_ms_per_op={
                   n: round(1000 * c / max(ok, 1), 3)
                   for n, c in cpu.items()},
               beds_per_core={n: (round(1 / v) if v > 0 else None)
                              for n, v in per_bed.items()},
               db=db, db_per_op={k: round(v / max(ok, 1), 2)
                                 for k, v in db.items()},
               db_pool=pools, over_budget=over, cpu_throttled=throttled)
    return out, res


def print_step(s, driven):
    print("\n== %d beds: %d calls in %.0f s (%.2f/s), %d refused as "
          "overloaded, %d failed, %d left late" % (
              s["beds"], s["sent"], s["seconds"], s["ops_per_s"],
              s["refused"], s["failed"], s["late"]))
    print("  %-13s %6s %7s %6s %8s %8s %s" % (
        "operation", "ok", "refused", "errors", "p50 ms", "p99 ms",
        "budget"))
    for op in driven:
        r = s["operations"][op]
        b = r["budget_p99_ms"]
        verdict = ""
        if b is not None and r["p99_ms"] is not None:
            verdict = "%.0f: %s" % (b, "OVER" if op in s["over_budget"]
                                    else "within")
        print("  %-13s %6d %7d %6d %8s %8s %s" % (
            op, r["ok"], r["refused"], sum(r["errors"].values()),
            ms(r["p50_ms"]),
            ms(r["p99_ms"]), verdict))
    print("  %-9s %9s %12s %12s   (net of idle)" % (
        "process", "CPU s", "CPU ms/op", "beds/core"))
    for n in sorted(s["cpu_s"], key=lambda n: -s["cpu_s"][n]):
        print("  %-9s %9.2f %12.2f %12s" % (
            n, s["cpu_s"][n], s["cpu_ms_per_op"][n],
            s["beds_per_core"][n] or "-"))
    if s["cpu_throttled"]:
        print("  CPU limit (cores; periods and seconds throttled in the "
              "step): " + ", ".join(
                  "%s %g %d %.2f s" % (n, q, k, t)
                  for n, (q, k, t) in sorted(s["cpu_throttled"].items())))
    print("  database pool (in use mean/max, waiting mean/max): " +
          ", ".join("%s %.1f/%d %.1f/%d" % (
              n, p["in_use_mean"], p["in_use_max"], p["waiters_mean"],
              p["waiters_max"]) for n, p in sorted(s["db_pool"].items())))
    print("  calls in flight per service (mean/max; each serves MED_THREADS "
          "at once): " + ", ".join("%s %.1f/%d" % (
              n, p["in_flight_mean"], p["in_flight_max"])
              for n, p in sorted(s["db_pool"].items())))
    for n, p in sorted(s["db_pool"].items()):
        top = sorted(p["handling_ms"].items(), key=lambda kv: -kv[1])[:6]
        if top:
            print("  %s mean handling ms: %s" % (n, ", ".join(
                "%s %.1f" % kv for kv in top)))
    print("  database per op, net of idle: " + ", ".join(
        "%s %.2f" % (k, v) for k, v in sorted(s["db_per_op"].items())))


def per_op(m, st, ward, driven, args, pids, at_s, idle):
    """One step per operation, alone, at args.per_op calls per second
    (Poisson): CPU and commits per call of that operation per process."""
    import random
    out = {}
    print("\nper operation, alone, %g calls/s for %g s each (net of idle):"
          % (args.per_op, args.step_s))
    print("  %-13s %5s %7s %7s  %s | %s" % (
        "operation", "ok", "p50 ms", "p99 ms",
        "CPU ms per call by process",
        "Com_commit, statements prepared / executed per call"))
    for op in driven:
        rng = random.Random(args.seed)
        plan, t = [], 0.0
        while True:
            t += rng.expovariate(args.per_op)
            if t >= args.step_s:
                break
            plan.append((t, op))
        s, _res = step(m, st, ward, [op], 0, args, pids, at_s, idle, plan)
        s.pop("beds_per_core")
        out[op] = s
        r = s["operations"][op]
        db = s["db_per_op"]
        print("  %-13s %5d %7s %7s  %s | %.2f, %.1f / %.1f%s" % (
            op, r["ok"], ms(r["p50_ms"]), ms(r["p99_ms"]), " ".join(
                "%s %.2f" % (n, v) for n, v in sorted(
                    s["cpu_ms_per_op"].items(), key=lambda kv: -kv[1])
                if v >= 0.005),
            db.get("Com_commit", 0), db.get("Com_stmt_prepare", 0),
            db.get("Com_stmt_execute", 0),
            "" if not s["failed"] else "  (%d failed)" % s["failed"]))
        sys.stdout.flush()
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default=os.path.join(HERE, "ward_day.json"))
    p.add_argument("--ward", type=int, default=30,
                   help="patients admitted (they stand in for the beds)")
    p.add_argument("--steps", default="2000,8000,24000,48000",
                   help="beds per step, comma-separated, ascending")
    p.add_argument("--step-s", type=float, default=60.0)
    p.add_argument("--at", default="08:00",
                   help="clock held during each step")
    p.add_argument("--idle-s", type=float, default=15.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=64,
                   help="the driver's threads per operation")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--per-op", type=float, metavar="RATE",
                   help="instead of the ramp: each operation alone at "
                   "RATE calls/s for --step-s, its CPU and commits per "
                   "call per process")
    p.add_argument("--no-hl7", dest="hl7", action="store_false")
    p.add_argument("--service-env", action="append", default=[],
                   metavar="SERVICE:NAME=VALUE",
                   help="a setting of one service, e.g. "
                   "dosage:MED_THREADS=6 (repeatable)")
    p.add_argument("--classic-faces", dest="deep_faces",
                   action="store_false",
                   help="identity on the Haar detector and lbp-v2 instead "
                   "of the deep face models make run uses")
    driver.add_against(p)
    a = p.parse_args(argv)
    driver.check_against(p, a, " and ".join(
        ([] if a.deep_faces else ["--classic-faces"]) +
        (["--service-env"] if a.service_env else [])))
    if a.against == "kube" and not a.deep_faces:
        p.error("--classic-faces: the chart's identity runs the deep face "
                "models")
    envs = []
    for e in a.service_env:
        svc, _, kv = e.partition(":")
        name, eq, value = kv.partition("=")
        if not svc or not name or not eq:
            p.error("--service-env %r: SERVICE:NAME=VALUE" % e)
        envs.append((svc, name, value))
    a.service_env = envs
    try:
        a.steps = [int(x) for x in a.steps.split(",")]
    except ValueError:
        p.error("--steps: comma-separated bed counts")
    if (not a.steps or min(a.steps) < 1 or a.ward < 1 or a.step_s <= 0
            or a.idle_s < 0 or (a.per_op is not None and a.per_op <= 0)):
        p.error("--steps, --ward and --step-s must be positive")
    return a


def main(argv=None):
    args = parse_args(argv)
    try:
        m, at_s, driven = driver.model_and_driven(args.model, args.at,
                                                  "--at", args.faces)
    except (OSError, load_model.ModelError) as e:
        print("ramp: %s" % e, file=sys.stderr)
        return 2
    # Refused before a stack is made: one made and not started would
    # leave its folder behind.
    for svc, _name, _value in args.service_env:
        if svc not in driver.SERVICES:
            print("ramp: --service-env: no service %s" % svc,
                  file=sys.stderr)
            return 2
    try:
        st, ward_name = driver.driven_stack(args)
    except driver.StackError as e:
        print("ramp: %s" % e, file=sys.stderr)
        return 2
    for svc, name, value in args.service_env:
        st.service_env.setdefault(svc, {})[name] = value
    steps = []
    total = driver.Results()
    with st:
        ward = driver.Ward(st, args.ward, args.seed, ward_name,
                           args.faces)
        st.sql("SET GLOBAL userstat = 1")
        pids = processes(st)
        print("ramp: %s, model %s, %d patients standing in, clock held "
              "at %s, %g s per step, %s face models on %s photographs; "
              "processes %s" % (
                  STACKS[args.against], m.name, args.ward, args.at,
                  args.step_s, driver.face_models(st), args.faces,
                  ", ".join("%s %d" % kv for kv in sorted(pids.items()))))
        idle = None
        if args.idle_s:
            before = Counters(st, pids)
            time.sleep(args.idle_s)
            wall, cpu, db = Counters(st, pids).delta(before)
            idle = dict(seconds=round(wall, 1),
                        cpu_per_s={n: round(c / wall, 4)
                                   for n, c in cpu.items()},
                        db_per_s={k: round(v / wall, 2)
                                  for k, v in db.items()})
            print("idle %.0f s: CPU s/s %s; database /s %s" % (
                wall, idle["cpu_per_s"], idle["db_per_s"]))
        if args.per_op:
            ops = per_op(m, st, ward, driven, args, pids, at_s, idle)
            if args.json:
                with open(args.json, "w", encoding="utf-8") as f:
                    json.dump(dict(model=m.path, ward=args.ward,
                                   step_s=args.step_s, rate=args.per_op,
                                   idle=idle, per_op=ops), f, indent=1)
                    f.write("\n")
            return 0
        for beds in args.steps:
            s, res = step(m, st, ward, driven, beds, args, pids, at_s,
                          idle)
            merge(total, res)
            steps.append(s)
            print_step(s, driven)
            sys.stdout.flush()
            if s["over_budget"] or s["failed"] or s["refused"]:
                print("\nstop: %s" % (
                    "p99 over budget: " + ", ".join(s["over_budget"])
                    if s["over_budget"] else
                    "%d calls failed" % s["failed"] if s["failed"] else
                    "%d calls refused as overloaded" % s["refused"]))
                break
        writes = driver.count_writes(st, ward, total)
    print()
    summary(steps)
    bad = 0
    for w in writes:
        print("writes: %s: %d rows for %d OK calls and %d failed; %d lost, "
              "%d doubled" % (w["what"], w["rows"], w["ok"], w["failed"],
                              w["lost"], w["doubled"]))
        bad += w["lost"] + w["doubled"]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(dict(model=m.path, ward=args.ward, at=args.at,
                           step_s=args.step_s, idle=idle, steps=steps,
                           writes=writes), f, indent=1)
            f.write("\n")
    return 1 if bad else 0


def summary(steps):
    """The capacity table: per step, the budgeted p99s and the
    services' CPU per operation; then beds per core from the busiest
    step within budget."""
    if not steps:
        return
    procs = sorted(steps[-1]["cpu_s"], key=lambda n: -steps[-1]["cpu_s"][n])
    print("capacity: beds | ops/s | p99 ms dose/chart/adm/lab | CPU ms "
          "per op: " + " ".join(procs) + " | commits per op")
    for s in steps:
        o = s["operations"]
        p99 = "/".join(ms(o.get(op, {}).get("p99_ms"))
                       for op in ("dose_given", "chart_read", "admission",
                                  "lab_result"))
        print("  %6d | %6.2f | %s | %s | %.2f%s" % (
            s["beds"], s["ops_per_s"], p99, " ".join(
                "%.2f" % s["cpu_ms_per_op"].get(n, 0) for n in procs),
            s["db_per_op"].get("Com_commit", 0),
            "  OVER" if s["over_budget"] else ""))
    within = [s for s in steps if not s["over_budget"] and not s["failed"]
              and not s["refused"]]
    if not within:
        print("no step within budget")
        return
    s = within[-1]
    svc = {n: v for n, v in s["beds_per_core"].items()
           if n != "driver" and v}
    first = min(svc, key=svc.get)
    allc = sum(c for n, c in s["cpu_s"].items() if n != "driver")
    print("largest step within budget: %d beds; beds per core by service "
          "(CPU at that step): %s; all services and MariaDB together %d "
          "beds per core; the first to need a second core: %s" % (
              s["beds"], ", ".join("%s %d" % (n, svc[n])
                                   for n in sorted(svc, key=svc.get)),
              round(s["beds"] * s["seconds"] / allc) if allc else 0, first))


if __name__ == "__main__":
    sys.exit(main())
