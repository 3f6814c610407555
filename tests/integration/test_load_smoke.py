"""The ward-day load driver (tools/load, issue 54): a short smoke run.

The driver starts its own stack (the harness's), admits a small ward and
replays a model through the real gRPC interfaces with tokens and mutual
TLS; here every driven operation gets a few calls, and each must have
answered OK with a latency (the bedside dose too: VerifyFace on an ORL
photograph, then RecordAdministration with its token; admissions and
lab results as HL7 over MLLP, each ACK an AA), and each write must
have made its row once.  No timing is
asserted: it is a benchmark's smoke run, not a timed test.  A model file
with an unknown operation or a negative rate is refused, naming its
line."""

import json
import os
import subprocess
import sys

from harness import paths

DRIVER = os.path.join(paths.REPO_ROOT, "tools", "load", "driver.py")
sys.path.insert(0, os.path.dirname(DRIVER))

import driver  # noqa: E402


def _model(tmp_path, ops):
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"name": "smoke", "operations": ops},
                               indent=1))
    return str(path)


def _drive(tmp_path, model, *args):
    env = dict(os.environ, PYTHONPATH=os.path.join(paths.REPO_ROOT,
                                                   "tests"))
    return subprocess.run(
        [sys.executable, DRIVER, "--model", model] + list(args),
        env=env, capture_output=True, text=True, timeout=600)


def test_each_driven_operation_answers(tmp_path):
    # Two calls per bed per day at a day per second: about 16 calls of
    # each operation in 4 s (the seed fixes the draw).
    ops = {op: {"per_bed_per_day": 2, "profile": {"kind": "flat"}}
           for op in driver.DRIVEN}
    out = tmp_path / "out.json"
    p = _drive(tmp_path, _model(tmp_path, ops), "--beds", "2", "--speed",
               "86400", "--duration", "4", "--seed", "7", "--json",
               str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads(out.read_text())
    rows = {r["op"]: r for r in res["operations"]}
    assert set(rows) == set(driver.DRIVEN)
    # The bedside dose and the face verification need the ORL
    # photographs; without them they are listed as not driven.
    driven = [op for op in driver.DRIVEN if driver.faces_available()
              or op not in driver.FACE_OPS]
    for op in set(driver.DRIVEN) - set(driven):
        assert rows[op]["not_driven"] and rows[op]["sent"] == 0, op
    for op in driven:
        r = rows[op]
        assert r["sent"] > 0, (op, p.stdout)
        assert r["errors"] == {}, (op, r["errors"], p.stdout)
        # A refusal with Retry-After (the facade's per-user cap on a
        # busy machine) is load shed as designed, not a failure.
        assert r["ok"] > 0 and r["ok"] + r["refused"] == r["sent"], (
            op, p.stdout)
        assert r["p50_ms"] is not None and r["p99_ms"] is not None, op
    # Each write made its row once: none lost, none doubled.  A write
    # whose operations were not driven (the bedside dose without the ORL
    # photographs of ../shared) has no OK call and no row.
    assert len(res["writes"]) == len(driver.WRITES)
    ops_of = {what: ops for what, _sql, ops in driver.WRITES}
    for w in res["writes"]:
        was_driven = any(op in driven for op in ops_of[w["what"]])
        assert (w["ok"] > 0) == was_driven, (w, p.stdout)
        assert w["rows"] == w["ok"], (w, p.stdout)
    # The table names every operation.
    for op in driver.DRIVEN:
        assert op in p.stdout


def test_unknown_operation_refused_by_line(tmp_path):
    model = _model(tmp_path, {
        "note": {"per_bed_per_day": 1},
        "teleport": {"per_bed_per_day": 1}})
    p = _drive(tmp_path, model)
    assert p.returncode == 2, p.stdout + p.stderr
    line = [i for i, t in enumerate(open(model), 1) if "teleport" in t][0]
    assert "%s:%d: unknown operation 'teleport'" % (model, line) in p.stderr


def test_negative_rate_refused_by_line(tmp_path):
    model = _model(tmp_path, {
        "note": {"per_bed_per_day": 1},
        "chart_read": {"per_bed_per_day": -3}})
    p = _drive(tmp_path, model)
    assert p.returncode == 2, p.stdout + p.stderr
    line = [i for i, t in enumerate(open(model), 1) if "chart_read" in t][0]
    assert "%s:%d: chart_read per_bed_per_day -3" % (model, line) \
        in p.stderr


def test_shipped_model_is_valid():
    import model as load_model
    m = load_model.load(os.path.join(os.path.dirname(DRIVER),
                                     "ward_day.json"))
    assert set(m.ops) <= set(load_model.OPERATIONS)
    # The four rounds hold the modelled share of the day's doses.
    day = [m.rate("dose_given", 1, t) for t in range(0, 86400, 60)]
    assert abs(sum(day) * 60 - m.per_day("dose_given")) < 0.01


def test_budget_must_be_positive(tmp_path):
    import model as load_model
    path = _model(tmp_path, {
        "chart_read": {"per_bed_per_day": 3, "budget_p99_ms": 0}})
    line = [i for i, t in enumerate(open(path), 1) if "chart_read" in t][0]
    try:
        load_model.load(path)
    except load_model.ModelError as e:
        assert str(e).startswith("%s:%d: chart_read budget_p99_ms 0"
                                 % (path, line)), e
    else:
        raise AssertionError("a budget of 0 ms was accepted")


RAMP = os.path.join(os.path.dirname(DRIVER), "ramp.py")


def _ramp(model, *args):
    """tools/load/ramp.py on model with args; the finished process."""
    env = dict(os.environ, PYTHONPATH=os.path.join(paths.REPO_ROOT,
                                                   "tests"))
    return subprocess.run(
        [sys.executable, RAMP, "--model", model] + list(args), env=env,
        capture_output=True, text=True, timeout=600)


def test_ramp_reports_cpu_and_commits_and_stops_over_budget(tmp_path):
    # Per bed, a chart read every 2 s and a note every 4 s: at 20 beds
    # about 30 reads and 15 notes in a 3 s step (real time: the ramp
    # plays the clock at speed 1).  The read's budget of 0.001 ms cannot
    # be met, so
    # the ramp must stop after the first step (no timing is asserted:
    # any latency is over it).
    ops = {"chart_read": {"per_bed_per_day": 43200, "budget_p99_ms": 0.001,
                          "profile": {"kind": "flat"}},
           "note": {"per_bed_per_day": 21600, "profile": {"kind": "flat"}}}
    out = tmp_path / "ramp.json"
    p = _ramp(_model(tmp_path, ops), "--ward", "2", "--steps", "20,40",
              "--step-s", "3", "--idle-s", "2", "--classic-faces",
              "--service-env", "records:MED_THREADS=3", "--json", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads(out.read_text())
    assert [s["beds"] for s in res["steps"]] == [20], p.stdout
    s = res["steps"][0]
    assert s["over_budget"] == ["chart_read"], p.stdout
    assert s["failed"] == 0 and s["ok"] > 0, p.stdout
    # CPU per operation for every service, MariaDB and the driver; the
    # services that served calls used some.
    for proc in ("audit", "identity", "records", "dosage", "mariadb",
                 "driver"):
        assert proc in s["cpu_ms_per_op"], (proc, s["cpu_ms_per_op"])
    assert s["gross_cpu_s"]["records"] > 0, s["gross_cpu_s"]
    # Database commits per operation, in all and per service's user.
    assert s["gross_db"]["Com_commit"] > 0, s["gross_db"]
    assert "commits:smartmed_records" in s["db_per_op"], s["db_per_op"]
    # Where calls wait: each service's calls in flight and the mean
    # handling time of the methods called in the step (chart reads are
    # records' ListEntries).
    rec = s["db_pool"]["records"]
    assert rec["in_flight_max"] >= 0 and "in_flight_mean" in rec, rec
    assert rec["handling_ms"].get("ListEntries", 0) > 0, rec
    assert "Innodb_row_lock_waits" in s["gross_db"], s["gross_db"]
    assert "calls in flight per service" in p.stdout
    # The idle stack was measured first.
    assert res["idle"]["db_per_s"]["Com_commit"] >= 0
    assert "stop: p99 over budget: chart_read" in p.stdout
    assert "capacity:" in p.stdout
    # The notes made their rows once.
    notes = [w for w in res["writes"] if w["what"] == "records entries"][0]
    assert notes["rows"] == notes["ok"] > 0, notes


def test_ramp_counts_overload_refusals_apart_and_no_write_is_lost(tmp_path):
    # records with one handler thread and room for one waiting call, sent
    # about 100 chart reads and 50 notes a second: what it cannot take is
    # refused RESOURCE_EXHAUSTED with its retry hint (issue 54).  Each
    # call is OK, refused or failed; a refused note wrote nothing and an
    # answered one wrote its row once.  (How many are refused depends on
    # the machine: tests/integration/test_overload.py makes refusals
    # happen for certain.)
    ops = {"chart_read": {"per_bed_per_day": 432000,
                          "profile": {"kind": "flat"}},
           "note": {"per_bed_per_day": 216000, "profile": {"kind": "flat"}}}
    out = tmp_path / "ramp.json"
    p = _ramp(_model(tmp_path, ops), "--ward", "2", "--steps", "20",
              "--step-s", "3", "--idle-s", "1", "--classic-faces",
              "--service-env", "records:MED_THREADS=1", "--service-env",
              "records:MED_GRPC_QUEUE_MAX=1", "--json", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads(out.read_text())
    s = res["steps"][0]
    assert s["failed"] == 0, p.stdout
    assert s["ok"] + s["refused"] == s["sent"] > 0, p.stdout
    for op in ("chart_read", "note"):
        r = s["operations"][op]
        assert r["errors"] == {}, (op, p.stdout)
        assert r["ok"] + r["refused"] == r["sent"], (op, p.stdout)
    if s["refused"]:
        assert "refused as overloaded" in p.stdout
    notes = [w for w in res["writes"] if w["what"] == "records entries"][0]
    assert notes["rows"] == notes["ok"] > 0, notes
    assert notes["refused"] == s["operations"]["note"]["refused"], notes


def test_ramp_service_env_refused_for_unknown_service(tmp_path):
    # Refused before a stack is made: nothing is left in its temporary
    # directory.
    p = subprocess.run(
        [sys.executable, RAMP, "--service-env", "nosuch:MED_THREADS=3"],
        env=dict(os.environ, TMPDIR=str(tmp_path),
                 PYTHONPATH=os.path.join(paths.REPO_ROOT, "tests")),
        capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "no service nosuch" in p.stderr
    assert os.listdir(tmp_path) == [], os.listdir(tmp_path)
    p = subprocess.run([sys.executable, RAMP, "--service-env", "dosage"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "SERVICE:NAME=VALUE" in p.stderr, p.stderr


def test_ramp_per_operation(tmp_path):
    # Each operation alone at 10 calls/s for 2 s: about 20 calls each,
    # and CPU and commits per call of that operation for each process.
    ops = {"chart_read": {"per_bed_per_day": 1},
           "vital_signs": {"per_bed_per_day": 1}}
    out = tmp_path / "per_op.json"
    p = _ramp(_model(tmp_path, ops), "--ward", "2", "--per-op", "10",
              "--step-s", "2", "--idle-s", "1", "--classic-faces", "--json",
              str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads(out.read_text())
    assert set(res["per_op"]) == {"chart_read", "vital_signs"}, p.stdout
    for op, s in res["per_op"].items():
        # Only that operation was sent in its step.
        assert set(k for k, r in s["operations"].items() if r["sent"]) \
            == {op}, (op, p.stdout)
        assert s["failed"] == 0 and s["ok"] > 0, (op, p.stdout)
        assert "records" in s["cpu_ms_per_op"], s
        assert s["gross_db"]["Com_commit"] > 0, s["gross_db"]
    # A vital-sign set is a write: records' user committed.
    assert res["per_op"]["vital_signs"]["gross_db"][
        "commits:smartmed_records"] > 0, p.stdout


SIZING = os.path.join(os.path.dirname(DRIVER), "sizing.py")


def test_sizing_measures_memory_and_rows_per_call(tmp_path):
    # Each operation alone at 10 calls/s for 2 s: a note adds one records
    # entry per call, a chart read none; every process has its RSS at idle
    # and at the mix's peak; the table is written between the markers.
    ops = {"chart_read": {"per_bed_per_day": 43200,
                          "profile": {"kind": "flat"}},
           "note": {"per_bed_per_day": 21600, "profile": {"kind": "flat"}},
           "admission": {"per_bed_per_day": 1},
           "discharge": {"per": "admission", "ratio": 1.0}}
    out = tmp_path / "sizing.json"
    env = dict(os.environ, PYTHONPATH=os.path.join(paths.REPO_ROOT,
                                                   "tests"))
    p = subprocess.run(
        [sys.executable, SIZING, "measure", "--model",
         _model(tmp_path, ops), "--ward", "2", "--beds", "20", "--mix-s",
         "2", "--per-op", "10", "--op-s", "2", "--idle-s", "1",
         "--classic-faces", "--json", str(out)],
        env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    res = json.loads(out.read_text())
    for proc in ("audit", "identity", "records", "dosage", "mariadb"):
        assert res["rss_idle"][proc] > 0, res["rss_idle"]
        assert res["mix"]["rss_peak"][proc] >= res["rss_idle"][proc] * 0.5
    note = res["per_op"]["note"]
    assert note["ok"] > 0 and note["failed"] == 0, p.stdout
    assert note["rows_per_call"]["smartmed_records.entries"] == 1.0, note
    assert "smartmed_records.entries" not in \
        res["per_op"]["chart_read"]["rows_per_call"], p.stdout
    # Every call is audited: at least one leaf per call.
    assert note["rows_per_call"]["smartmed_audit.events"] >= 1, note
    assert res["tables"]["smartmed_records.entries"]["rows"] > 0
    # A discharge ends a stay opened before its calls: the patient and
    # the encounter are not its rows, its audit trail is.
    out_ = res["per_op"]["discharge"]
    assert out_["ok"] > 0 and out_["failed"] == 0, p.stdout
    assert not {"smartmed_identity.patients", "smartmed_identity.encounters"
                } & set(out_["rows_per_call"]), out_
    assert out_["rows_per_call"]["smartmed_audit.events"] >= 1, out_
    doc = tmp_path / "doc.md"
    doc.write_text("before\n<!-- sizing-table:begin -->\nSTALE TABLE\n"
                   "<!-- sizing-table:end -->\nafter\n")
    p = subprocess.run([sys.executable, SIZING, "table", "--json", str(out),
                        "--doc", str(doc)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    text = doc.read_text()
    assert text.startswith("before\n") and text.endswith("after\n")
    assert "STALE TABLE" not in text
    for line in ("| memory, records process: idle / peak RSS |",
                 "| disk per year, service databases (derived) |",
                 "| database nodes (derived) |", "| HPA target |"):
        assert line in text, (line, text)


def test_sizing_table_in_the_doc_is_the_tools_output(tmp_path):
    # docs/sizing.md's table is regenerated from docs/sizing-measured.json
    # (make sizing-table), never edited by hand.
    doc = os.path.join(paths.REPO_ROOT, "docs", "sizing.md")
    copy = tmp_path / "sizing.md"
    with open(doc) as f:
        copy.write_text(f.read())
    p = subprocess.run(
        [sys.executable, SIZING, "table", "--json", os.path.join(
            paths.REPO_ROOT, "docs", "sizing-measured.json"), "--doc",
         str(copy)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    with open(doc) as f:
        assert copy.read_text() == f.read(), \
            "docs/sizing.md's table differs from make sizing-table's"


def test_a_queued_operation_holds_only_its_own_threads(monkeypatch):
    """Calls of one operation that queue in a slow service do not hold
    back the driver's calls of another: each operation has its own
    threads (--threads each).  Here the doses answer only once a chart
    read has been answered; with one pool for all, the two threads would
    both wait in a dose and the chart read behind them would never be
    sent."""
    import threading
    chart_answered = threading.Event()

    def dose(_ward):
        if not chart_answered.wait(10):
            raise RuntimeError("the chart read waited behind the doses")

    monkeypatch.setitem(driver.DRIVEN, "dose_check", ("queued", dose))
    monkeypatch.setitem(driver.DRIVEN, "chart_read",
                        ("answered", lambda _ward: chart_answered.set()))
    plan = [(0.0, "dose_check")] * 4 + [(0.05, "chart_read")]
    res, _elapsed = driver.run(None, plan, 2, 0.1)
    assert res.errors == {}, res.details
    assert len(res.lat["dose_check"]) == 4
    assert len(res.lat["chart_read"]) == 1


def _group(tmp_path, pid, membership, files):
    """A fake /proc/PID/cgroup and cgroup mount under tmp_path: the
    membership text and {path under the mount: text}; (proc, mount)."""
    proc, mount = tmp_path / "proc", tmp_path / "cgroup"
    for path, text in [(proc / str(pid) / "cgroup", membership)] + [
            (mount / rel, text) for rel, text in files.items()]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(proc), str(mount)


def test_cpu_limit_of_cgroup_v1_and_v2(tmp_path):
    """The ramp's reading of a pod's CPU quota and throttling, on both
    cgroup layouts (the kube tests read this machine's, v1)."""
    import ramp
    v1 = "cpu,cpuacct/pod/a/"
    at = _group(tmp_path, 7, "4:memory:/pod/a\n3:cpu,cpuacct:/pod/a\n"
                "0::/pod/a\n", {
                    v1 + "cpu.cfs_quota_us": "150000\n",
                    v1 + "cpu.cfs_period_us": "100000\n",
                    v1 + "cpu.stat": "nr_periods 90\nnr_throttled 4\n"
                    "throttled_time 250000000\n"})
    assert ramp.cpu_limit(7, *at) == (1.5, 4, 0.25)
    _group(tmp_path, 7, "3:cpu,cpuacct:/pod/a\n",
           {v1 + "cpu.cfs_quota_us": "-1\n"})   # no quota
    assert ramp.cpu_limit(7, *at) is None
    at = _group(tmp_path, 8, "0::/kubepods/b\n", {
        "kubepods/b/cpu.max": "50000 100000\n",
        "kubepods/b/cpu.stat": "usage_usec 1\nnr_periods 9\n"
        "nr_throttled 3\nthrottled_usec 120000\n"})
    assert ramp.cpu_limit(8, *at) == (0.5, 3, 0.12)
    _group(tmp_path, 8, "0::/kubepods/b\n",
           {"kubepods/b/cpu.max": "max 100000\n"})
    assert ramp.cpu_limit(8, *at) is None
    assert ramp.cpu_limit(9, *at) is None  # no such pid
