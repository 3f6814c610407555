"""Faults: the database goes away, the audit service goes away, SIGTERM with
calls in flight, a second instance on a busy port, bad configuration.

Each test starts its own stack so it may stop parts of it freely."""

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid

import grpc
import pytest

from harness import NOT_SERVING, SERVING, Stack, free_port, protos
from harness.fixtures import running, spawn_like
from harness.checks import poll, rpc_error


@pytest.fixture
def make_stack():
    with contextlib.ExitStack() as made:
        def make(services):
            return made.enter_context(running(Stack(services=services)))
        yield make


def _create_req(idpb, **kw):
    args = dict(mrn="F-" + uuid.uuid4().hex[:16], family_name="Fault",
                given_name="Fay", birth_date="1990-03-04",
                sex=idpb.ADMINISTRATIVE_SEX_FEMALE)
    args.update(kw)
    return idpb.CreatePatientRequest(**args)


def _create(st, idpb, request_id=None, timeout=5.0):
    return st.call("identity", "CreatePatient", _create_req(idpb),
                   role="registrar", request_id=request_id, timeout=timeout)


def _timed_error(fn, limit_s):
    t0 = time.monotonic()
    e = rpc_error(fn)
    took = time.monotonic() - t0
    assert took < limit_s, "error took %.1f s (limit %.0f s)" % (took,
                                                                 limit_s)
    return e


def test_database_away_unavailable_then_recovers(make_stack, idpb):
    st = make_stack(["identity"])
    p = _create(st, idpb)
    get = idpb.GetPatientRequest(patient_id=p.patient_id)

    watched = _watch_health(st, "identity")
    st.stop_db()
    e = _timed_error(lambda: st.call("identity", "GetPatient", get,
                                     role="clinician", timeout=20), 6.0)
    assert e.code() == grpc.StatusCode.UNAVAILABLE, (e.code(), e.details())
    e = _timed_error(lambda: _create(st, idpb, timeout=20), 6.0)
    assert e.code() == grpc.StatusCode.UNAVAILABLE, (e.code(), e.details())
    assert st.proc("identity").poll() is None, "identity died without its db"
    poll(lambda: st.health("identity") == NOT_SERVING, timeout=6,
         what="health NOT_SERVING while the database is away")
    poll(lambda: st.health("identity", protos.FULL_NAME["identity"])
         == NOT_SERVING, timeout=10, what="named health NOT_SERVING")

    st.start_db()
    got = poll(lambda: st.call("identity", "GetPatient", get,
                               role="clinician"),
               timeout=30, what="GetPatient to work again")
    assert got == p
    assert _create(st, idpb).patient_id
    poll(lambda: st.health("identity") == SERVING, timeout=30,
         what="health SERVING again")
    assert st.proc("identity").poll() is None
    deadline = time.monotonic() + 5
    while watched[-3:] != [SERVING, NOT_SERVING, SERVING]:
        assert time.monotonic() < deadline, (
            "Watch reported %r, expected it to end with SERVING, "
            "NOT_SERVING, SERVING" % watched)
        time.sleep(0.1)


def _watch_health(st, name):
    """Collect Health/Watch("") statuses of name in a background thread."""
    h = protos.health()
    ch = st.new_channel(name)
    watch = ch.unary_stream(
        "/grpc.health.v1.Health/Watch",
        request_serializer=h.HealthCheckRequest.SerializeToString,
        response_deserializer=h.HealthCheckResponse.FromString)
    call = watch(h.HealthCheckRequest(service=""), timeout=180)
    seen = []

    def reader():
        try:
            for r in call:
                seen.append(r.status)
        except grpc.RpcError:
            pass
    threading.Thread(target=reader, daemon=True).start()
    poll(lambda: seen, timeout=5, what="the first Watch message")
    return seen


def _spool_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def _audit_request_ids(st, actor):
    apb = protos.module("audit")
    recs = st.call("audit", "Query", apb.QueryRequest(actor=actor,
                                                      limit=10000),
                   role="auditor", timeout=10)
    return [r.event.request_id for r in recs]


def _check_delivered(st, rids):
    actor = st.user("registrar")

    def all_there():
        seen = _audit_request_ids(st, actor)
        return seen if all(r in seen for r in rids) else None
    poll(all_there, timeout=20, what="every spooled event in audit")
    time.sleep(1.0)  # a late duplicate delivery would show up by now
    seen = _audit_request_ids(st, actor)
    for r in rids:
        assert seen.count(r) == 1, "request %s stored %d times" % (
            r, seen.count(r))


def test_audit_away_events_spooled_then_delivered(make_stack, idpb):
    st = make_stack(["identity", "audit"])
    assert st.stop_service("audit") == 0
    rids = ["spool-%d-%s" % (i, uuid.uuid4().hex) for i in range(10)]
    for rid in rids:
        assert _create(st, idpb, request_id=rid).patient_id
    # Writes reach the spool through the outbox relay, within a moment.
    poll(lambda: _spool_bytes(st.spool_dir("identity")) > 0, timeout=5,
         what="identity's spool to hold the events")
    st.start_service("audit")
    _check_delivered(st, rids)


def test_spool_survives_emitter_restart(make_stack, idpb):
    st = make_stack(["identity", "audit"])
    assert st.stop_service("audit") == 0
    rids = ["restart-%d-%s" % (i, uuid.uuid4().hex) for i in range(5)]
    for rid in rids:
        _create(st, idpb, request_id=rid)
    poll(lambda: _spool_bytes(st.spool_dir("identity")) > 0, timeout=5,
         what="identity's spool to hold the events")
    assert st.stop_service("identity") == 0
    st.start_service("identity")
    st.start_service("audit")
    _check_delivered(st, rids)


def test_sigterm_with_calls_in_flight_exits_zero(make_stack, idpb):
    st = make_stack(["identity"])
    stop = threading.Event()
    results = {"ok": 0, "err": {}}
    lock = threading.Lock()

    def worker():
        ch = st.new_channel("identity")
        path, req_t, resp_t, _ = protos.method("identity", "CreatePatient")
        stub = ch.unary_unary(path,
                              request_serializer=req_t.SerializeToString,
                              response_deserializer=resp_t.FromString)
        md = st.metadata("registrar")
        while not stop.is_set():
            try:
                stub(_create_req(idpb), metadata=md, timeout=10)
                with lock:
                    results["ok"] += 1
            except grpc.RpcError as e:
                with lock:
                    results["err"][e.code()] = results["err"].get(
                        e.code(), 0) + 1
                time.sleep(0.05)
        ch.close()

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(8)]
    for t in threads:
        t.start()
    poll(lambda: results["ok"] >= 20, timeout=15, what="calls flowing")
    proc = st.proc("identity")
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - t0
    stop.set()
    for t in threads:
        t.join(timeout=15)
    assert not any(t.is_alive() for t in threads), "a client call hung"
    assert rc == 0, "exit status %s after %.1f s:\n%s" % (
        rc, took, st.log_tail("identity"))
    assert took < 15, "drain took %.1f s" % took
    allowed = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}
    assert set(results["err"]) <= allowed, results["err"]


def test_second_instance_on_same_grpc_port_fails(make_stack):
    st = make_stack(["identity"])
    rc, out = spawn_like(st, "identity", MED_HTTP_PORT=free_port())
    assert rc is not None, "second instance kept running on a busy port"
    assert rc > 0, "second instance exit status %s:\n%s" % (rc, out)
    assert st.health("identity") == SERVING


def test_bad_configuration_exits_nonzero_naming_key(make_stack):
    st = make_stack(["identity"])
    rc, out = spawn_like(st, "identity", MED_GRPC_PORT="not-a-port",
                          MED_HTTP_PORT=free_port())
    assert rc is not None and rc > 0, (rc, out)
    assert "MED_GRPC_PORT" in out, out


def test_missing_tokens_file_exits_nonzero(make_stack):
    st = make_stack(["identity"])
    rc, out = spawn_like(st, "identity", MED_GRPC_PORT=free_port(),
                          MED_HTTP_PORT=free_port(),
                          MED_TOKENS_FILE=os.path.join(st.workdir, "nope"))
    assert rc is not None and rc > 0, (rc, out)
    assert "MED_TOKENS_FILE" in out and "cannot be read" in out, out


def _read_call(svc):
    pb = protos.module(svc)
    pid = "00000000-0000-4000-8000-000000000000"
    if svc == "records":
        return "ListEntries", "clinician", pb.ListEntriesRequest(
            patient_id=pid)
    if svc == "dosage":
        return "ListDrugs", "nurse", pb.ListDrugsRequest()
    if svc == "diagnosis":
        return "ListConditions", "nurse", pb.ListConditionsRequest(
            patient_id=pid)
    return "Query", "auditor", pb.QueryRequest(limit=5)


@pytest.mark.parametrize("svc", ["records", "dosage", "diagnosis", "audit"])
def test_database_away_other_services(make_stack, svc):
    st = make_stack([svc])
    method, role, req = _read_call(svc)
    st.call(svc, method, req, role=role)
    st.stop_db()
    e = _timed_error(lambda: st.call(svc, method, req, role=role,
                                     timeout=20), 6.0)
    assert e.code() == grpc.StatusCode.UNAVAILABLE, (e.code(), e.details())
    assert st.proc(svc).poll() is None, "%s died without its db" % svc
    poll(lambda: st.health(svc) == NOT_SERVING, timeout=6,
         what="health NOT_SERVING while the database is away")
    st.start_db()
    poll(lambda: st.call(svc, method, req, role=role) is not None,
         timeout=15, what="%s to work again" % method)
    poll(lambda: st.health(svc) == SERVING, timeout=15,
         what="health SERVING again")


def test_audit_database_away_events_kept(make_stack, idpb):
    """Audit cannot store while its database is away: the emitters keep
    the events and deliver them once it is back, each exactly once."""
    st = make_stack(["identity", "audit"])
    rids = ["auditdb-%d-%s" % (i, uuid.uuid4().hex) for i in range(5)]
    st.stop_db()
    for rid in rids:
        # identity shares the database server: these fail, but they are
        # accesses all the same and must be audited.
        e = rpc_error(lambda: _create(st, idpb, request_id=rid))
        assert e.code() == grpc.StatusCode.UNAVAILABLE
    time.sleep(1.0)
    st.start_db()
    poll(lambda: st.health("audit") == SERVING, timeout=15,
         what="audit SERVING again")
    _check_delivered(st, rids)


def test_missing_table_unavailable_not_internal(make_stack, idpb):
    """A call that meets a missing table (a service serving while its
    readiness thread still migrates a new database, or a damaged schema)
    gets UNAVAILABLE, which clients retry, not INTERNAL; the error line
    in the log names the table.  Once the table is back, calls work."""
    st = make_stack(["identity"])
    p = _create(st, idpb)
    get = idpb.GetPatientRequest(patient_id=p.patient_id)
    st.sql("RENAME TABLE smartmed_identity.patients TO"
           " smartmed_identity.patients_away")
    try:
        e = rpc_error(lambda: st.call("identity", "GetPatient", get,
                                      role="clinician", timeout=10))
        assert e.code() == grpc.StatusCode.UNAVAILABLE, (e.code(),
                                                         e.details())
    finally:
        st.sql("RENAME TABLE smartmed_identity.patients_away TO"
               " smartmed_identity.patients")
    with open(st.services["identity"].log_path) as f:
        log = [ln for ln in f if "patients' doesn't exist" in ln]
    # Said as what it is: the connection was sound and was kept.
    assert log and all("db: missing table (1146" in ln for ln in log), log
    assert st.call("identity", "GetPatient", get, role="clinician") == p
