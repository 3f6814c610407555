#!/usr/bin/python3
"""The sizing table's measurements and the table itself (issue 54, item 4).

    PYTHONPATH=tests /usr/bin/python3 tools/load/sizing.py measure \
        [--model tools/load/ward_day.json] [--ward 30] [--beds 24000] \
        [--step-s 30] [--per-op 5] [--op-s 8] [--idle-s 10] \
        [--classic-faces] --json docs/sizing-measured.json
    /usr/bin/python3 tools/load/sizing.py table \
        --json docs/sizing-measured.json [--doc docs/sizing.md]

`measure` starts the driver's stack (tools/load/driver.py; identity on
the deep face models as make run has them), admits --ward patients, and
measures what the sizing table needs and the ramp (ramp.py) does not:

  - each process's resident memory (VmRSS from /proc/PID/status) at idle,
    after the ward was admitted, and its largest value (sampled every
    half second) during one step of the model's mix at --beds beds with
    the clock held at 08:00 (the day's peak), with the step's CPU and
    commits per operation as the ramp measures them;
  - each operation alone at --per-op calls/s for --op-s seconds: the rows
    it adds to every table of every service's database (COUNT(*) before
    and after, once the audit trail has settled), its CPU per call;
  - at the end, every table's rows, allocated bytes (data_length +
    index_length after ANALYZE TABLE) and payload bytes per row (the
    average of its columns' LENGTH), from which bytes per row.

`table` turns that JSON into the markdown sizing table for 100, 500 and
5,000 beds and a 10 M-patient group (taken as 20 hospitals of 500 beds:
its load and disk follow its 10,000 beds, identity's face index its
10 M patients) and, with --doc, writes it between
the markers `<!-- sizing-table:begin -->` and `<!-- sizing-table:end -->`
of that file (else prints it).  `make sizing` runs both; `make
sizing-table` only the second, from the committed JSON.  Which line is
measured, which derived and from what, is in the table's last column.
"""

import argparse
import json
import math
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

BEGIN = "<!-- sizing-table:begin -->"
END = "<!-- sizing-table:end -->"
SIZES = (100, 500, 5000)
# The 10 M-patient group's beds: the "20-hospital group" of
# 500-bed hospitals (an assumption of the table).  Its load and disk follow
# its beds; identity's face index follows its 10 M patients.
GROUP_BEDS = 20 * 500
COLUMNS = SIZES + (GROUP_BEDS,)
SERVICES = ("identity", "records", "dosage", "audit", "hl7")
# A table with fewer rows than this at the end is mostly empty pages and
# extents: its allocated bytes per row are not used (bytes_per_row).
MIN_ROWS = 100000
# The audit log's bytes per leaf at 10 M leaves ("Audit at 1 M-1 B
# leaves": events.ibd 505 B and tree_nodes.ibd 67 B per leaf), used for
# those two tables instead of a small run's mostly empty pages.
AUDIT_PER_LEAF = {"smartmed_audit.events": 505,
                  "smartmed_audit.tree_nodes": 67}
# Templates per enrolled patient (EnrollFace: one per photograph) and
# identity's index bytes per template (docs/sizing.md, paged load), and
# the years of patients kept enrolled: assumptions of the table.
TEMPLATES_PER_PATIENT = 3
INDEX_BYTES_PER_TEMPLATE = 724
ENROLLED_YEARS = 5
# Availability: at least two replicas of every autoscaled service; the
# chart's CPU limit per pod (values.yaml defaults.resources.limits.cpu)
# and its HPA target.
MIN_REPLICAS = 2
POD_CPU = 1.0
HPA_CPU_TARGET = 0.70
HEADROOM = 1.5
# A service's CPU per operation in the chart's pods over the same
# service's as make run's process: 1.13, the kube play against make run,
# medians of five alternating runs each (docs/sizing.md, "Against the
# kube play": services 9.50 against 8.43 ms per operation at 24,000 beds,
# 9.34 against 8.16 at 36,000).  The table sizes the chart's pods, so its
# service cores are the measured process CPU times this; MariaDB is not
# a pod of the chart and keeps its own.
POD_CPU_FACTOR = 1.13
# Tables pruned to a window (their disk is that window's rows, not a
# year's): the idempotency log (MED_REQUEST_LOG_KEEP_MS, 24 h) and the
# HL7 message store (the chart's MED_HL7_RETENTION_DAYS, 90).
KEPT_DAYS = {"med_request_log": 1, "smartmed_hl7.hl7_messages": 90}
# Signed tree heads come with time, not calls: at most one per
# MED_AUDIT_STH_INTERVAL_MS (the chart's 1,000 ms) while the log grows.
HEADS_TABLE = "smartmed_audit.tree_heads"
HEADS_PER_DAY = 86400


def kept_days(name):
    """Days of rows a pruned table keeps, None for a growing one."""
    return KEPT_DAYS.get(name, KEPT_DAYS.get(name.split(".", 1)[1]))


# --- measuring ------------------------------------------------------------

def rss_bytes(pid):
    """VmRSS of pid in bytes, None if gone."""
    try:
        with open("/proc/%d/status" % pid, encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class RssSampler:
    """The largest RSS of each process, sampled every half second."""

    def __init__(self, pids):
        self.pids = pids
        self.peak = {n: rss_bytes(p) or 0 for n, p in pids.items()}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(0.5):
            for n, p in self.pids.items():
                self.peak[n] = max(self.peak[n], rss_bytes(p) or 0)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return dict(self.peak)


def rows_of(text):
    """The tab-separated rows of the client's output, header dropped."""
    lines = text.splitlines()[1:]
    return [line.split("\t") for line in lines if line]


def tables(st):
    """[schema.table] of the services' databases."""
    return ["%s.%s" % (s, t) for s, t in rows_of(st.sql(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA LIKE 'smartmed\\_%' AND TABLE_TYPE = "
        "'BASE TABLE' ORDER BY 1, 2"))]


def row_counts(st, names):
    """{schema.table: COUNT(*)}, exact."""
    sql = " UNION ALL ".join("SELECT '%s', COUNT(*) FROM %s" % (n, n)
                             for n in names)
    return {n: int(c) for n, c in rows_of(st.sql(sql))}


def settle(st, names, most_s=15.0):
    """Row counts once they stopped changing (the audit trail arrives
    after the call: outbox grace, relay, audit's append)."""
    last = row_counts(st, names)
    deadline = time.monotonic() + most_s
    while time.monotonic() < deadline:
        time.sleep(1.5)
        now = row_counts(st, names)
        if now == last and not any(
                v for n, v in now.items() if n.endswith(".med_audit_outbox")):
            return now
        last = now
    return last


def table_bytes(st, names):
    """{schema.table: {rows, allocated, payload_per_row}} after ANALYZE."""
    st.sql("ANALYZE TABLE " + ", ".join(names))
    alloc = {"%s.%s" % (s, t): int(d) + int(i) for s, t, d, i in rows_of(
        st.sql("SELECT TABLE_SCHEMA, TABLE_NAME, DATA_LENGTH, INDEX_LENGTH "
               "FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE "
               "'smartmed\\_%' AND TABLE_TYPE = 'BASE TABLE'"))}
    cols = {}
    for s, t, c in rows_of(st.sql(
            "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM "
            "information_schema.COLUMNS WHERE TABLE_SCHEMA LIKE "
            "'smartmed\\_%' ORDER BY ORDINAL_POSITION")):
        cols.setdefault("%s.%s" % (s, t), []).append(c)
    counts = row_counts(st, names)
    out = {}
    for n in names:
        payload = None
        if counts.get(n) and cols.get(n):
            expr = " + ".join("IFNULL(LENGTH(`%s`), 0)" % c for c in cols[n])
            got = rows_of(st.sql("SELECT AVG(%s) FROM %s" % (expr, n)))
            payload = round(float(got[0][0]), 1) if got else None
        out[n] = dict(rows=counts.get(n, 0), allocated=alloc.get(n, 0),
                      payload_per_row=payload)
    return out


def measure(args):
    import driver
    import model as load_model
    import ramp
    try:
        m, at_s, driven = driver.model_and_driven(args.model, args.at, "--at")
    except (OSError, load_model.ModelError) as e:
        print("sizing: %s" % e, file=sys.stderr)
        return 2
    st = driver.make_stack(args.hl7, args.deep_faces)
    out = dict(model=os.path.relpath(os.path.abspath(m.path), REPO),
               ward=args.ward, at=args.at,
               deep_faces=args.deep_faces, date=time.strftime(
                   "%Y-%m-%d %H:%M UTC", time.gmtime()),
               loadavg=os.getloadavg()[0])
    with st:
        ward = driver.Ward(st, args.ward, args.seed)
        st.sql("SET GLOBAL userstat = 1")
        pids = ramp.processes(st)
        pids.pop("driver", None)
        names = tables(st)
        time.sleep(2)
        before = ramp.Counters(st, pids)
        sampler = RssSampler(pids)
        time.sleep(args.idle_s)
        wall, cpu, db = ramp.Counters(st, pids).delta(before)
        out["rss_idle"] = {n: rss_bytes(p) for n, p in pids.items()}
        sampler.finish()
        idle = dict(seconds=round(wall, 1),
                    cpu_per_s={n: round(c / wall, 4) for n, c in cpu.items()},
                    db_per_s={k: round(v / wall, 2) for k, v in db.items()})
        out["idle"] = idle
        print("idle: RSS MiB %s" % {n: round(v / 2**20, 1)
                                    for n, v in out["rss_idle"].items()})
        # The mix at its peak.
        args.step_s = args.mix_s
        sampler = RssSampler(pids)
        s, _res = ramp.step(m, st, ward, driven, args.beds, args, pids,
                            at_s, idle)
        s["rss_peak"] = sampler.finish()
        out["mix"] = s
        ramp.print_step(s, driven)
        print("  RSS peak MiB: %s" % {n: round(v / 2**20, 1)
                                      for n, v in s["rss_peak"].items()})
        sys.stdout.flush()
        # Each operation alone: rows per call per table.
        import random
        args.step_s = args.op_s
        out["per_op"] = {}
        counts = settle(st, names)
        for op in driven:
            rng = random.Random(args.seed)
            plan, t = [], 0.0
            while True:
                t += rng.expovariate(args.per_op)
                if t >= args.op_s:
                    break
                plan.append((t, op))
            # The stays a discharge ends are opened (and their rows
            # counted) before its calls: they are not the discharge's.
            if ward.ready_to_discharge(plan):
                counts = settle(st, names)
            s, _res = ramp.step(m, st, ward, [op], 0, args, pids, at_s,
                                idle, plan)
            after = settle(st, names)
            ok = s["ok"]
            rows = {n: round((after[n] - counts[n]) / max(ok, 1), 3)
                    for n in names if after[n] != counts[n]}
            counts = after
            out["per_op"][op] = dict(
                ok=ok, failed=s["failed"], cpu_ms_per_op=s["cpu_ms_per_op"],
                com_commit_per_op=s["db_per_op"].get("Com_commit"),
                rows_per_call=rows)
            print("%-13s %4d ok  rows per call: %s" % (op, ok, ", ".join(
                "%s %+.2f" % (n.replace("smartmed_", ""), v)
                for n, v in sorted(rows.items()))))
            sys.stdout.flush()
        out["tables"] = table_bytes(st, names)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %s; regenerate the table with: tools/load/sizing.py table "
          "--json %s --doc docs/sizing.md" % (args.json, args.json))
    return 0


# --- the table ------------------------------------------------------------

def bytes_per_row(tables_):
    """{table: (bytes per row on disk, how)}, and the overhead used.

    A short run's tables are too small for their allocated bytes to mean
    much (InnoDB gives a table pages, then whole 1 MiB extents), so a
    table's bytes per row are its columns' payload times InnoDB's overhead
    at scale: the audit log's events at 10 M leaves (AUDIT_PER_LEAF, on
    disk) over the same table's payload per row in this run.  The audit
    log's own tables take their 10 M-leaf figures; a table with MIN_ROWS
    rows or more its allocated bytes per row."""
    ev = tables_.get("smartmed_audit.events", {})
    overhead = (AUDIT_PER_LEAF["smartmed_audit.events"] /
                ev["payload_per_row"]) if ev.get("payload_per_row") else 2.0
    out = {}
    for n, t in tables_.items():
        if n in AUDIT_PER_LEAF:
            out[n] = (AUDIT_PER_LEAF[n], "audit log at 10 M leaves")
        elif t["rows"] >= MIN_ROWS:
            out[n] = (t["allocated"] / t["rows"], "allocated / rows")
        elif t["payload_per_row"]:
            out[n] = (t["payload_per_row"] * overhead,
                      "payload %.0f B" % t["payload_per_row"])
        else:
            out[n] = (16384.0, "empty table: one page")
    return out, overhead


def per_bed_day(res, m):
    """Growing disk bytes per bed per day, the bytes per bed the pruned
    tables hold, {op: growing bytes per call}, the growing tables by bytes
    per bed per day, the ops not measured, the InnoDB overhead and the
    bytes per signed head."""
    bpr, overhead = bytes_per_row(res["tables"])
    per_call, by_table, missing = {}, {}, []
    total = kept = 0.0
    for op in m.ops:
        r = res["per_op"].get(op)
        if r is None or not r["ok"]:
            missing.append(op)
            continue
        b = 0.0
        for n, v in r["rows_per_call"].items():
            if v <= 0 or n == HEADS_TABLE:
                continue
            day = v * bpr[n][0] * m.per_day(op)
            if kept_days(n):
                kept += day * kept_days(n)
                continue
            b += v * bpr[n][0]
            by_table[n] = by_table.get(n, 0.0) + day
        per_call[op] = b
        total += b * m.per_day(op)
    head = bpr.get(HEADS_TABLE, (0, ""))[0]
    return total, kept, per_call, by_table, missing, overhead, head


def fmt_bytes(b):
    for unit, div in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20),
                      ("KiB", 2**10)):
        if b >= div:
            return "%.1f %s" % (b / div, unit)
    return "%.0f B" % b


def mib(b):
    return "%.0f MiB" % (b / 2**20)


def offered_per_bed_s(res, m):
    """(calls per bed per second the mix step offered, its source).  The
    calls sent over the step's own length: dividing the calls answered by
    the step plus the tail of late replies (as the first table did) gave
    a rate 16-20 % under the model's when the step ran over budget.  A
    measurement without step_s takes the model's rate at its clock."""
    import model as load_model
    mix = res["mix"]
    if mix.get("step_s"):
        return (mix["sent"] / mix["step_s"] / mix["beds"],
                "offered: %d calls sent in the %.0f s step of %s beds"
                % (mix["sent"], mix["step_s"], "{:,}".format(mix["beds"])))
    at_s = load_model._clock(res["at"], "at")
    return (sum(m.rate(op, 1, at_s) for op in mix["operations"]),
            "the model's rate at %s of the %d driven operations (%d calls "
            "sent at %s beds)" % (res["at"], len(mix["operations"]),
                                 mix["sent"], "{:,}".format(mix["beds"])))


def over_budget_note(mix):
    """The lines that say the measured step missed budgets, if it did:
    its CPU and rows per call hold, its latencies are not a capacity."""
    over = mix.get("over_budget") or []
    if not over:
        return []
    return ["", "The measured %s-bed step was over its p99 budget for %s "
            "(this machine's knee, not a quiet core's): the CPU, memory "
            "and rows per call above come from it, its latencies do not "
            "size anything." % ("{:,}".format(mix["beds"]),
                                ", ".join(over))]


def pod_factor(name):
    """What a process's measured CPU is multiplied by to size it: the
    services run as the chart's pods (POD_CPU_FACTOR), MariaDB and the
    driver as measured."""
    return POD_CPU_FACTOR if name in SERVICES + ("diagnosis", "fhir") \
        else 1.0


def table_markdown(res, m):
    mix = res["mix"]
    ops_per_bed_s, rate_src = offered_per_bed_s(res, m)
    peak = {n: v / 1000 * ops_per_bed_s * pod_factor(n)  # cores per bed
            for n, v in mix["cpu_ms_per_op"].items()}
    (day_bytes, kept, per_call, by_table, missing, overhead,
     head) = per_bed_day(res, m)
    heads_year = head * HEADS_PER_DAY * 365
    rss_i, rss_p = res["rss_idle"], mix["rss_peak"]
    rows = []

    def row(q, vals, src):
        rows.append("| %s | %s | %s |" % (q, " | ".join(vals), src))

    per_day = sum(m.per_day(op) for op in m.ops)
    row("operations per day (model)",
        ["{:,.0f}".format(per_day * b) for b in COLUMNS],
        "ward_day.json: %.1f per bed per day" % per_day)
    row("peak operations per second (08:00, driven mix)",
        ["%.2f" % (ops_per_bed_s * b) for b in COLUMNS],
        rate_src)
    for svc in SERVICES + ("mariadb",):
        if svc not in rss_p:
            continue
        row("memory, %s process: idle / peak RSS" % svc,
            ["%s / %s" % (mib(rss_i.get(svc) or 0), mib(rss_p[svc]))] * 3 +
            ["identity: + index, below" if svc == "identity" else "same"],
            "measured (/proc VmRSS), %s face models; identity's gallery "
            "%d patients" % ("deep" if res["deep_faces"] else "classic",
                             res["ward"]))
    # Identity's index by enrolled patients.
    adm = m.per_day("admission") * 365
    vals = []
    for b in SIZES:
        tmpl = adm * b * ENROLLED_YEARS * TEMPLATES_PER_PATIENT
        vals.append("%s templates: %s" % ("{:,.0f}".format(tmpl),
                                          mib(tmpl * INDEX_BYTES_PER_TEMPLATE)))
    vals.append("10-30 M templates: 6.8-20 GiB")
    row("identity face index per replica (derived)", vals,
        "admissions %.0f per bed per year x %d years x %d photographs x "
        "%d B per template (paged load, measured to 300 k)"
        % (adm, ENROLLED_YEARS, TEMPLATES_PER_PATIENT,
           INDEX_BYTES_PER_TEMPLATE))
    vals = []
    for b in SIZES:
        tmpl = adm * b * ENROLLED_YEARS * TEMPLATES_PER_PATIENT
        need = (rss_p.get("identity", 0) + 2 * tmpl *
                INDEX_BYTES_PER_TEMPLATE) * HEADROOM
        vals.append(mib(need))
    vals.append("about 16 GiB (10 M)")
    row("memory limit per pod (derived): identity", vals,
        "(peak RSS + twice the index: a reload builds the new beside the "
        "old) x %.1f headroom; the chart's default 1 GiB" % HEADROOM)
    others = max(v for n, v in rss_p.items() if n in SERVICES
                 and n != "identity")
    row("memory limit per pod (derived): records, dosage, audit, hl7",
        [mib(others * HEADROOM)] * 4,
        "largest measured peak RSS of the four x %.1f; the chart's default "
        "256 MiB" % HEADROOM)
    # Cores and pods.
    allc = sum(v for n, v in peak.items() if n != "driver")
    row("CPU at the peak, all services and MariaDB (derived)",
        ["%.3f core" % (allc * b) for b in COLUMNS],
        "measured %.1f ms CPU per operation of the mix (services x %.2f "
        "in the chart's pods: %.1f ms) x peak operations per second" % (
            sum(v for n, v in mix["cpu_ms_per_op"].items()
                if n != "driver"), POD_CPU_FACTOR,
            sum(v * pod_factor(n) for n, v in mix["cpu_ms_per_op"].items()
                if n != "driver")))
    for svc in SERVICES:
        if svc not in peak:
            continue
        vals = []
        for b in COLUMNS:
            cores = peak[svc] * b
            pods = MIN_REPLICAS if svc != "hl7" else 1
            if svc not in ("audit", "hl7"):
                pods = max(pods, math.ceil(cores / (POD_CPU *
                                                    HPA_CPU_TARGET)))
            vals.append("%d pod%s, %.3f core" % (pods, "s" if pods > 1
                                                  else "", cores))
        row("pods and cores at the peak: %s (derived)" % svc, vals,
            "%.2f ms CPU per operation (measured) x %.2f in a pod; pods: "
            "%s" % (
                mix["cpu_ms_per_op"][svc], POD_CPU_FACTOR,
                "one (one MLLP connection per sender keeps order)"
                if svc == "hl7" else "two for availability (the chart's "
                "minReplicas), more only past %.1f core each"
                % (POD_CPU * HPA_CPU_TARGET)))
    # Database.
    commits = mix["db_per_op"].get("Com_commit", 0)
    row("database: CPU and commits at the peak (derived)",
        ["%.3f core, %.1f commits/s" % (peak.get("mariadb", 0) * b,
                                        commits * ops_per_bed_s * b)
         for b in COLUMNS],
        "measured: MariaDB %.2f ms CPU and %.1f Com_commit per operation "
        "of the mix, net of idle" % (mix["cpu_ms_per_op"].get("mariadb", 0),
                                     commits))
    row("database nodes (derived)", ["3 (Galera), 1 core each"] * 3 +
        ["3 per writer group; audit through one node"],
        "availability: a quorum survives one node; CPU asks for a "
        "fraction of one core (line above); Galera run: no conflict at "
        "8,000 beds with audit through one node")
    vals = []
    for b in COLUMNS:
        y = day_bytes * b * 365 + heads_year
        vals.append("%s (%s in 3 nodes)" % (fmt_bytes(y), fmt_bytes(3 * y)))
    row("disk per year, service databases (derived)", vals,
        "measured rows per call of each operation x bytes per row x the "
        "model's calls per bed per day: %s per bed per day, plus the "
        "audit log's signed heads (at most one a second: %s a year); "
        "indexes included, binary logs and backups not%s" % (
            fmt_bytes(day_bytes), fmt_bytes(heads_year),
            "; not measured: " + ", ".join(missing) if missing else ""))
    row("disk held by pruned tables (derived)",
        [fmt_bytes(kept * b) for b in COLUMNS],
        "the idempotency log (24 h) and HL7 message store (90 days) at the "
        "model's rates: a steady size, not growth")
    top = sorted(by_table.items(), key=lambda kv: -kv[1])[:5]
    row("disk per year: largest tables (derived)",
        ["; ".join("%s %s" % (n.replace("smartmed_", ""),
                              fmt_bytes(v * b * 365)) for n, v in top[:3])
         for b in COLUMNS],
        "as above, by table")
    row("HPA target", ["CPU 70 % kept; it will not scale at these sizes"] * 4,
        "CPU per pod stays under %.3f core at 10,000 beds "
        "(lines above): replicas come from availability; in-flight calls "
        "or p99 against the budget (dashboard Capacity row) would be the "
        "signal, no chart default set on this evidence"
        % max(peak.get(s, 0) * GROUP_BEDS for s in SERVICES))
    head = ("| quantity | 100 beds | 500 beds | 5,000 beds | 10 M-patient "
            "group (20 hospitals of 500 beds) | from |\n"
            "|---|---|---|---|---|---|")
    bpr, _ = bytes_per_row(res["tables"])
    rows_line = ", ".join("%s %.0f B (%s)" % (
        n.replace("smartmed_", ""), bpr[n][0], bpr[n][1])
        for n, _v in top)
    per_call_line = ", ".join("%s %s" % (op, fmt_bytes(b)) for op, b in
                              sorted(per_call.items(), key=lambda kv: -kv[1]))
    return "\n".join([
        "Generated by `make sizing-table` (tools/load/sizing.py) from "
        "`docs/sizing-measured.json`, measured %s (load average %.1f, "
        "%d patients, %s-bed step of %.0f s, each operation alone at "
        "its rate); do not edit by hand." % (
            res["date"], res["loadavg"], res["ward"],
            "{:,}".format(mix["beds"]), mix["seconds"]),
        "", head] + rows + over_budget_note(mix) + [
        "", "Disk per call, by operation (derived as above): %s.  "
        "Bytes per row: the columns' payload in this run x %.2f, InnoDB's "
        "bytes on disk over the payload of the audit log's events at 10 M "
        "leaves (rows and 6 indexes; a table with fewer indexes takes "
        "less); the largest tables: %s." % (
            per_call_line, overhead, rows_line)])


def write_doc(doc, text):
    with open(doc, encoding="utf-8") as f:
        body = f.read()
    i, j = body.find(BEGIN), body.find(END)
    if i < 0 or j < i:
        raise SystemExit("sizing: %s has no %s ... %s markers" % (
            doc, BEGIN, END))
    body = body[:i + len(BEGIN)] + "\n" + text + "\n" + body[j:]
    with open(doc, "w", encoding="utf-8") as f:
        f.write(body)


def table(args):
    import model as load_model
    with open(args.json, encoding="utf-8") as f:
        res = json.load(f)
    m = load_model.load(args.model or os.path.join(REPO, res["model"]))
    text = table_markdown(res, m)
    if args.doc:
        write_doc(args.doc, text)
        print("sizing: wrote the table into %s" % args.doc)
    else:
        print(text)
    return 0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("measure")
    a.add_argument("--model", default=os.path.join(HERE, "ward_day.json"))
    a.add_argument("--ward", type=int, default=30)
    a.add_argument("--beds", type=int, default=24000,
                   help="beds of the mix step (clock held at --at)")
    a.add_argument("--at", default="08:00")
    a.add_argument("--mix-s", type=float, default=30.0)
    a.add_argument("--per-op", type=float, default=5.0,
                   help="calls/s of each operation alone")
    a.add_argument("--op-s", type=float, default=8.0)
    a.add_argument("--idle-s", type=float, default=10.0)
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--threads", type=int, default=64)
    a.add_argument("--no-hl7", dest="hl7", action="store_false")
    a.add_argument("--classic-faces", dest="deep_faces",
                   action="store_false")
    a.add_argument("--json", required=True)
    t = sub.add_parser("table")
    t.add_argument("--json", required=True)
    t.add_argument("--model", help="default: the one measured")
    t.add_argument("--doc", help="write between the markers of this file")
    args = p.parse_args(argv)
    if args.cmd == "measure" and (args.ward < 1 or args.beds < 1 or
                                  args.per_op <= 0 or args.op_s <= 0 or
                                  args.mix_s <= 0 or args.idle_s <= 0):
        p.error("--ward, --beds, --per-op, --op-s, --mix-s and --idle-s "
                "must be positive")
    return args


def main(argv=None):
    args = parse_args(argv)
    return measure(args) if args.cmd == "measure" else table(args)


if __name__ == "__main__":
    sys.exit(main())
