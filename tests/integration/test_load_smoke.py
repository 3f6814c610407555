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
        assert r["ok"] == r["sent"], (op, p.stdout)
        assert r["p50_ms"] is not None and r["p99_ms"] is not None, op
    # Each write made its row once: none lost, none doubled.
    assert len(res["writes"]) == 3
    for w in res["writes"]:
        assert w["ok"] > 0 and w["rows"] == w["ok"], (w, p.stdout)
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
