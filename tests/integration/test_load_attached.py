"""Driving a stack that is already running (issue 54, item 2: capacity
against make run): Stack.attach takes a running stack's tokens, ports and
pids from its work directory without starting or stopping anything, and
the load driver counts only the writes of its own run on a database that
already holds rows.  make run itself holds fixed ports, so these tests
attach to a stack of their own started the same way (pid files, a kept
tokens file); tools/load/ramp.py --against run is the same code with
make run's directory."""

import os
import subprocess
import sys

import pytest

from harness import Stack, StackError, paths, run
from harness.fixtures import running

LOAD = os.path.join(paths.REPO_ROOT, "tools", "load")
sys.path.insert(0, LOAD)

import driver  # noqa: E402

UNITS = {"nurse": driver.WARD, "clinician": driver.WARD}


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """The driver's stack, started with pid files as make run starts its
    own, and with make run's HL7 listener: plain TCP on a trusted
    network."""
    st = driver.make_stack(False)
    st.hl7 = True
    st.pid_dir = str(tmp_path_factory.mktemp("pids"))
    with running(st):
        yield st


def attached(first, **over):
    """A second Stack on first's work directory, ports and pid files."""
    ports = {n: (first.grpc_port(n), first.http_port(n),
                 first.health_port(n)) for n in first.names}
    ports["fhir"] = (first.grpc_port("fhir"), first.http_port("fhir"))
    ports["hl7"] = (first.grpc_port("hl7"), first.http_port("hl7"),
                    first.health_port("hl7"))
    opts = dict(services=first.names, workdir=first.workdir,
                db_port=first.db_port, ports=ports,
                audit_port=first.audit_port, pid_dir=first.pid_dir,
                tokens_path=first.tokens_path, user_units=UNITS, fhir=True)
    opts.update(over)
    return Stack(**opts)


def test_attached_hl7_listener_is_spoken_to_as_it_runs(first):
    """make run's MLLP listener takes plain TCP (a trusted network): the
    attached stack reads that from the running process, so the driver
    sends plain MLLP and the admission is answered AA.  (Until
    2026-11-27 it took the listener for a TLS one and every admission,
    discharge and lab result of `ramp.py --against run` failed.)"""
    from harness import hl7
    st = attached(first, hl7=True).attach()
    assert not hl7.over_tls(st)
    assert hl7.mllp_port(st) == hl7.mllp_port(first)
    mrn = driver.new_mrn()
    with hl7.Mllp(st) as conn:
        ack = hl7.ack_fields(conn.send(driver.hl7_message(
            "LOADPAS", "ADT^A01^ADT_A01",
            driver.adt_segments(driver.WARD, "A01", mrn))))
    assert ack["MSA"][1] == "AA", ack
    ipb = driver.protos.module("identity")
    assert st.call("identity", "GetPatient", ipb.GetPatientRequest(
        mrn=mrn), role="registrar").family_name == "Load"


def test_attach_calls_the_running_services_and_leaves_them_running(first):
    st = attached(first).attach()
    assert st.attached
    with st:  # start() and close() of an attached stack touch nothing
        pb = driver.protos.module("identity")
        pid = st.call("identity", "CreatePatient", pb.CreatePatientRequest(
            mrn=driver.new_mrn(), family_name="Attached", given_name="A",
            birth_date="1960-02-03",
            sex=pb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
        assert st.services["identity"].proc.pid == \
            first.proc("identity").pid
        assert "MED_GRPC_PORT" in st.services["identity"].proc.environ()
    for n in first.names + ("fhir",):
        assert first.proc(n).poll() is None, n
    got = first.call("identity", "GetPatient", pb.GetPatientRequest(
        patient_id=pid), role="registrar")
    assert got.family_name == "Attached"


def test_attach_never_rewrites_the_tokens_it_cannot_use(first):
    with open(first.tokens_path, "rb") as f:
        before = f.read()
    other = attached(first, user_units={"nurse": "ward-elsewhere"})
    with pytest.raises(StackError) as e:
        other.attach()
    assert "units" in str(e.value) and first.tokens_path in str(e.value)
    with open(first.tokens_path, "rb") as f:
        assert f.read() == before


def test_attach_names_the_service_that_is_not_running(first, tmp_path):
    st = attached(first, pid_dir=str(tmp_path))
    with pytest.raises(StackError) as e:
        st.attach()
    assert "is not running: no pid file" in str(e.value), e.value
    assert "make run" in str(e.value)


def test_driver_counts_only_its_own_writes_on_a_used_database(first):
    # Rows written before the attached run (another ward's notes) are
    # not this run's: the counts start from what the database held once
    # the ward was set up.
    earlier = driver.Ward(first, 1, 1)
    res, _ = driver.run(earlier, [(0.05 * i, "note") for i in range(4)], 4,
                        0.5)
    assert sum(len(v) for v in res.lat.values()) == 4, res.errors
    st = attached(first).attach()
    with st:
        ward = driver.Ward(st, 1, 2, driver.WARD)
        assert ward.rows_at_start["records entries"] >= 4
        res, _ = driver.run(ward, [(0.05 * i, op) for i, op in enumerate(
            ["note", "vital_signs", "chart_read"] * 2)], 4, 0.5)
        assert not res.errors, res.details
        writes = {w["what"]: w for w in driver.count_writes(st, ward, res)}
    rec = writes["records entries"]
    assert rec["rows"] == rec["ok"] == 4, rec
    assert rec["lost"] == rec["doubled"] == 0, rec


def test_attach_run_refuses_when_make_run_is_not_running(tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("BUILD", str(tmp_path))
    with pytest.raises(StackError) as e:
        run.attach_run()
    assert "make run" in str(e.value) and str(tmp_path) in str(e.value)


def test_ramp_against_run_refuses_settings_of_its_own():
    env = dict(os.environ, PYTHONPATH=os.path.join(paths.REPO_ROOT,
                                                   "tests"))
    p = subprocess.run(
        [sys.executable, os.path.join(LOAD, "ramp.py"), "--against", "run",
         "--classic-faces", "--service-env", "dosage:MED_THREADS=4"],
        env=env, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "--classic-faces and --service-env" in p.stderr, p.stderr
    assert "make run" in p.stderr, p.stderr


@pytest.mark.parametrize("against", ["run", "kube"])
def test_no_hl7_is_refused_where_the_stack_runs_its_own(against):
    # make run's and the chart's HL7 interfaces run whatever the driver
    # says: --no-hl7 there would be ignored, so it is refused by name.
    env = dict(os.environ, PYTHONPATH=os.path.join(paths.REPO_ROOT,
                                                   "tests"))
    p = subprocess.run(
        [sys.executable, os.path.join(LOAD, "ramp.py"), "--against",
         against, "--no-hl7"], env=env, capture_output=True, text=True,
        timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "--no-hl7" in p.stderr and "make run" in p.stderr, p.stderr


def test_device_readings_stay_within_the_facades_connections_per_client(
        first):
    # 64 driver threads posting readings at once: one connection each
    # would pass the facade's MED_FHIR_MAX_CONNS_PER_CLIENT (32), past
    # which a connection closes the address's oldest idle one, or is
    # itself closed when all 32 carry a request (the readings failed in
    # the driver at 64,000 beds); the gateway's pool holds at most
    # FHIR_CONNS.
    assert driver.FHIR_CONNS < 32
    ward = driver.Ward(first, 1, 3)
    res, _ = driver.run(ward, [(0.002 * i, "device_reading")
                               for i in range(160)], 64, 0.5)
    # Each reading answered, or refused as overload with a retry hint
    # (the facade's 429/503: a burst of 160 meets its threads' queue).
    assert not res.errors, res.details
    ok = len(res.lat.get("device_reading", []))
    assert ok > 0 and ok + res.refused.get("device_reading", 0) == 160
    assert 0 < len(ward._https_idle) <= driver.FHIR_CONNS
    ward.close()
    assert not ward._https_idle


def test_discharges_end_the_runs_own_stays_never_the_wards_beds(first):
    # Over gRPC (identity Discharge; the same stays go out as ADT^A03
    # over MLLP in test_load_smoke).  The plan's three discharges find
    # no stay of the run open, so ready_to_discharge opens three first,
    # not counted as the run's admissions; the run's own admission stays
    # open for a later discharge, and the ward's beds stay admitted.
    ward = driver.Ward(first, 2, 4)
    plan = [(0.05 * i, op) for i, op in enumerate(
        ["discharge", "admission", "discharge", "discharge"])]
    res, _ = driver.run(ward, plan, 1, 0.5)
    assert not res.errors, res.details
    writes = {w["what"]: w for w in driver.count_writes(first, ward, res)}
    left = writes["identity discharges"]
    assert left["rows"] == left["ok"] == 3, left
    admitted = writes["identity patients"]
    assert admitted["rows"] == admitted["ok"] == 1, admitted
    assert len(ward.leaving) == 1
    ipb = ward.pb["identity"]
    for pid, enc, _order, _prn in ward.beds:
        stays = first.call("identity", "ListEncounters",
                           ipb.ListEncountersRequest(patient_id=pid),
                           role="registrar").encounters
        assert [(e.encounter_id, e.end_ms) for e in stays] == [(enc, 0)]
    ward.leaving.clear()
    with pytest.raises(RuntimeError, match="no stay of this run"):
        driver.op_discharge(ward)
    ward.close()
