"""The ward-day load driver on the chart's pods (issue 54, item 2: capacity
against the kube play; `tools/load/ramp.py --against kube` plays its own
release with the copy check off and ramps it, docs/sizing.md).  Here the
driver's code runs on this session's play: the ramp finds each pod's
service process on this host (its CPU is what the ramp divides per
operation) and the CPU quota of its limits, which each pod also reports
itself; a short open-loop run of every operation the play can take
answers OK through the pods, and each write made its row once.  No timing
is asserted: the ramp is a benchmark."""

import json
import os
import subprocess
import sys

import containers
import kubeplay
from harness import metrics, paths
from harness.stack_processes import RunningProcess

LOAD = os.path.join(paths.REPO_ROOT, "tools", "load")
sys.path.insert(0, LOAD)

import driver  # noqa: E402
import model as load_model  # noqa: E402
import ramp  # noqa: E402

# This session's play keeps the chart's copy check on, which refuses the
# driver's second look at a bed's photograph: the face operations that
# verify again are left out (the dose reuses the token the set-up got).
AGAIN = ("face_verify", "face_identify")


def _entrypoint(svc):
    """The program service svc's image runs."""
    return containers.podman("image", "inspect", "--format",
                             "{{index .Config.Entrypoint 0}}",
                             containers.image_name(svc)).strip()


def test_ramp_finds_each_pods_service_process(kstack):
    pids = ramp.processes(kstack)
    for svc in kubeplay.SERVICES:
        assert svc in pids, (svc, pids)
        # The container's first process is the service itself, not a
        # shell or an init in front of it, and this service's.
        exe = os.readlink("/proc/%d/exe" % pids[svc])
        assert os.path.basename(exe) == \
            os.path.basename(_entrypoint(svc)), (svc, exe)
        if svc != "fhir":
            env = RunningProcess(pids[svc]).environ()
            assert env.get("MED_GRPC_PORT") == \
                str(kstack.ports[svc]["grpc"]), (svc, env)
    assert len(set(pids.values())) == len(pids), pids
    assert "mariadb" in pids


def _cores(quantity):
    """A Kubernetes CPU quantity ("1", "500m") in cores."""
    q = str(quantity)
    return int(q[:-1]) / 1000 if q.endswith("m") else float(q)


def test_each_pod_reports_its_cpu_limit(kstack):
    """Each pod runs under the CPU quota of its rendered limits.cpu, which
    the ramp reads from the host and the service reports in its own
    metrics (smartmed_cpu_*, read from inside the container), with the
    periods it was throttled in."""
    pids = ramp.processes(kstack)
    for svc in kubeplay.SERVICES:
        c = kstack.workload(svc)["spec"]["template"]["spec"]["containers"][0]
        cores = _cores(c["resources"]["limits"]["cpu"])
        got = ramp.cpu_limit(pids[svc])
        assert got is not None, svc
        assert got[0] == cores, (svc, got)
        assert got[1] >= 0 and got[2] >= 0, (svc, got)
        samples, _text = metrics.scrape(kstack, svc)
        assert metrics.value(samples, "smartmed_cpu_quota_cores") == \
            cores, svc
        periods = metrics.value(samples, "smartmed_cpu_periods_total")
        assert 0 <= metrics.value(
            samples, "smartmed_cpu_throttled_periods_total") <= periods
        _promtool_accepts(_families(_text, "smartmed_cpu_"), svc)


def _families(text, prefix):
    """The lines of a metrics text (HELP, TYPE, samples) of the families
    whose names start with prefix."""
    return "".join(line + "\n" for line in text.splitlines()
                   if line.split(" ", 3)[2 if line.startswith("#") else 0]
                   .startswith(prefix))


def _promtool_accepts(text, svc):
    """Prometheus's own linter (promtool check metrics, Debian's
    prometheus) parses and accepts the families: a client nobody here
    wrote."""
    assert text.count("# TYPE ") == 4, (svc, text)
    r = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (svc, r.stdout, r.stderr, text)


def test_driver_runs_on_the_played_pods(kstack, tmp_path):
    ops = {op: {"per_bed_per_day": 2, "profile": {"kind": "flat"}}
           for op in driver.DRIVEN if op not in AGAIN}
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"name": "kube-smoke", "operations": ops}))
    m = load_model.load(str(path))
    driven = [op for op in m.ops if driver.not_driven(op, "caltech") is None]
    ward = driver.Ward(kstack, 2, 11, kubeplay.WARD, "caltech")
    try:
        # Admissions, discharges and lab results go to the HL7 pod over
        # MLLP and TLS, each sending system on its own certificate.
        assert ward.hl7 and ward.hl7_tls
        pids = ramp.processes(kstack)
        before = ramp.Counters(kstack, pids)
        plan = load_model.schedule(m, driven, 2, 0, 86400, 4, 11)
        res, _elapsed = driver.run(ward, plan, 8, 4)
        _wall, cpu, _db = ramp.Counters(kstack, pids).delta(before)
    finally:
        ward.close()
    for op in driven:
        assert res.sent.get(op, 0) > 0, op
        assert not res.errors.get(op), (op, res.errors[op], res.details)
        assert len(res.lat.get(op, [])) == res.sent[op], op
    # Each service the run called spent CPU in its pod's process.
    for svc in ("identity", "records", "dosage", "fhir", "hl7", "mariadb"):
        assert cpu.get(svc, 0) > 0, (svc, cpu)
    # A write whose operations were not driven (the face calls, where
    # ../shared's photographs are absent) has nothing to count.
    ops_of = {what: ops for what, _sql, ops in driver.WRITES}
    for w in driver.count_writes(kstack, ward, res):
        if not any(op in driven for op in ops_of[w["what"]]):
            assert w["rows"] == 0, w
            continue
        assert w["ok"] > 0 and w["rows"] == w["ok"], w


def test_chart_set_assignments():
    """--chart-set's assignments, as helm --set reads them: nested keys,
    YAML scalars; a malformed one is refused, naming it."""
    got = driver.chart_values([
        "services.identity.resources.limits.cpu=2",
        "services.identity.resources.limits.memory=2Gi",
        "services.dosage.threads=4", "fhir.console.enabled=false"])
    assert got == {"services": {
        "identity": {"resources": {"limits": {"cpu": 2, "memory": "2Gi"}}},
        "dosage": {"threads": 4}},
        "fhir": {"console": {"enabled": False}}}
    for assignments, bad in ((["services.identity"], "services.identity"),
                             (["services..cpu=1"], "services..cpu=1"),
                             (["=1"], "=1"),
                             (["a.b=[1, 2]"], "a.b=[1, 2]"),
                             (["a=1", "a.b=2"], "a.b=2")):
        try:
            driver.chart_values(assignments)
        except ValueError as e:
            assert repr(bad) in str(e), (bad, e)
        else:
            raise AssertionError("%r was accepted" % bad)
