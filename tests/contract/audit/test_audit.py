"""Contract of smartmed.audit.v1.Audit: every access made to another
service shows up in the log, queryable by auditors."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, field_bytes, poll

SVC = "audit"
CREATE = "/smartmed.identity.v1.Identity/CreatePatient"
GET = "/smartmed.identity.v1.Identity/GetPatient"


def _query(stack, pb, role="auditor", **kw):
    return stack.call(SVC, "Query", pb.QueryRequest(**kw), role=role,
                      timeout=10)


def _create_patient(stack, idpb, request_id):
    req = idpb.CreatePatientRequest(
        mrn="AUD-" + uuid.uuid4().hex[:12], family_name="Audit",
        given_name="Ann", birth_date="1970-05-06",
        sex=idpb.ADMINISTRATIVE_SEX_OTHER)
    return stack.call("identity", "CreatePatient", req, role="registrar",
                      request_id=request_id)


def _identity_only(recs):
    # Query calls about a patient are accesses too and get audited with
    # the patient's id; keep only the identity events under test.
    return [r for r in recs if r.event.service == "identity"]


def _wait_events(stack, pb, pid, n, timeout=10.0, **kw):
    def got():
        recs = _identity_only(_query(stack, pb, patient_id=pid, **kw))
        return recs if len(recs) >= n else None
    return poll(got, timeout=timeout,
                what="%d audit event(s) for patient %s" % (n, pid))


def test_create_patient_is_audited(stack, pb, idpb):
    rid = "test-" + uuid.uuid4().hex
    p = _create_patient(stack, idpb, rid)
    recs = _wait_events(stack, pb, p.patient_id, 1)
    mine = [r for r in recs if r.event.request_id == rid]
    assert len(mine) == 1, recs
    ev = mine[0].event
    assert ev.action == CREATE
    assert ev.actor == stack.user("registrar")
    assert "registrar" in ev.actor_roles
    assert ev.outcome == 0
    assert ev.patient_id == p.patient_id
    assert ev.service == "identity"
    assert ev.event_id and ev.time_ms > 0
    assert mine[0].seq >= 1 and mine[0].stored_ms > 0


def test_seq_increasing_and_patient_filter(stack, pb, idpb):
    p = _create_patient(stack, idpb, "test-" + uuid.uuid4().hex)
    for _ in range(2):
        stack.call("identity", "GetPatient",
                   idpb.GetPatientRequest(patient_id=p.patient_id),
                   role="nurse")
    recs = _wait_events(stack, pb, p.patient_id, 3)
    assert len(recs) == 3
    seqs = [r.seq for r in recs]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert all(r.event.patient_id == p.patient_id for r in recs)
    assert [r.event.action for r in recs] == [CREATE, GET, GET]
    assert recs[1].event.actor == stack.user("nurse")
    # after_seq resumes, limit caps
    rest = _identity_only(_query(stack, pb, patient_id=p.patient_id,
                                 after_seq=seqs[0]))
    assert [r.seq for r in rest] == seqs[1:]
    one = _query(stack, pb, patient_id=p.patient_id, limit=1)
    assert [r.seq for r in one] == seqs[:1]


def test_actor_filter_and_whole_log_in_order(stack, pb, idpb):
    _create_patient(stack, idpb, "test-" + uuid.uuid4().hex)
    recs = poll(lambda: _query(stack, pb, actor=stack.user("registrar")),
                what="events by the registrar")
    assert all(r.event.actor == stack.user("registrar") for r in recs)
    everything = _query(stack, pb, role="admin", limit=10000)
    seqs = [r.seq for r in everything]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_time_filter(stack, pb, idpb):
    p = _create_patient(stack, idpb, "test-" + uuid.uuid4().hex)
    recs = _wait_events(stack, pb, p.patient_id, 1)
    t = recs[0].event.time_ms

    def q(**kw):
        return _identity_only(_query(stack, pb, patient_id=p.patient_id,
                                     **kw))
    assert len(q(since_ms=t)) == 1
    assert q(since_ms=t + 1) == []
    assert q(until_ms=t) == []
    assert len(q(until_ms=t + 1)) == 1


def test_denied_call_is_audited(stack, pb, idpb):
    rid = "test-" + uuid.uuid4().hex
    req = idpb.CreatePatientRequest(
        mrn="AUD-" + uuid.uuid4().hex[:12], family_name="Denied",
        birth_date="1970-05-06", sex=idpb.ADMINISTRATIVE_SEX_MALE)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, "identity",
                  "CreatePatient", req, role="nurse", request_id=rid)

    def found():
        recs = _query(stack, pb, actor=stack.user("nurse"))
        return [r for r in recs if r.event.request_id == rid]
    mine = poll(found, what="the denied call's audit event")
    assert len(mine) == 1
    assert mine[0].event.action == CREATE
    assert mine[0].event.outcome == grpc.StatusCode.PERMISSION_DENIED.value[0]


def test_query_is_audited_itself(stack, pb):
    rid = "test-" + uuid.uuid4().hex
    stack.call(SVC, "Query", pb.QueryRequest(limit=1), role="auditor",
               request_id=rid)

    def found():
        recs = _query(stack, pb, actor=stack.user("auditor"))
        return [r for r in recs if r.event.request_id == rid]
    mine = poll(found, what="the Query call's own audit event")
    assert mine[0].event.action == "/smartmed.audit.v1.Audit/Query"


def test_limit_too_large_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _query, stack, pb,
                  limit=20000, details_prefix="limit")


def test_invalid_utf8_invalid_argument(stack, pb):
    raw = field_bytes(2, b"bad\x80actor")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC, "Query",
                  raw, role="auditor", details_prefix="actor")


def test_no_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, _query, stack, pb,
                  role=None, limit=1)


def test_wrong_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC, "Query",
                  pb.QueryRequest(limit=1), token="wrong-token")


@pytest.mark.parametrize("role", ["clinician", "nurse", "registrar",
                                  "pharmacist", "service"])
def test_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _query, stack, pb,
                  role=role, limit=1)


def _wait_action(stack, pb, pid, action, timeout=10.0):
    def got():
        recs = _query(stack, pb, patient_id=pid)
        return [r for r in recs if r.event.action == action]
    return poll(got, timeout=timeout, what="audit event %s" % action)


def test_other_services_are_audited(stack, pb):
    pid = str(uuid.uuid4())
    rpb = protos.module("records")
    dpb = protos.module("diagnosis")
    stack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_NOTE, title="Audit me",
        body="Seen for the audit test."),
        role="nurse")
    stack.call("diagnosis", "AddCondition", dpb.AddConditionRequest(
        patient_id=pid, code_system="ICD-10", code="I10",
        display="Essential hypertension",
        clinical_status=dpb.CLINICAL_STATUS_ACTIVE,
        verification_status=dpb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician")
    rec = _wait_action(stack, pb, pid,
                       "/smartmed.records.v1.Records/CreateEntry")
    assert rec[0].event.service == "records"
    assert rec[0].event.actor == stack.user("nurse")
    assert rec[0].event.outcome == 0
    dia = _wait_action(stack, pb, pid,
                       "/smartmed.diagnosis.v1.Diagnosis/AddCondition")
    assert dia[0].event.service == "diagnosis"
    assert dia[0].event.actor == stack.user("clinician")


def test_dosage_upsert_is_audited(stack, pb):
    dpb = protos.module("dosage")
    rid = "test-" + uuid.uuid4().hex
    stack.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code="AUD-" + uuid.uuid4().hex[:8], name="Audited drug", unit="mg",
        max_single_dose=1, max_daily_dose=2)), role="pharmacist",
        request_id=rid)

    def found():
        recs = _query(stack, pb, actor=stack.user("pharmacist"))
        return [r for r in recs if r.event.request_id == rid]
    mine = poll(found, what="the UpsertDrug audit event")
    assert mine[0].event.action == "/smartmed.dosage.v1.Dosage/UpsertDrug"
    assert mine[0].event.service == "dosage"


def test_failed_lookup_is_audited_with_its_status(stack, pb, idpb):
    rid = "test-" + uuid.uuid4().hex
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, "identity",
                  "GetPatient", idpb.GetPatientRequest(
                      patient_id=str(uuid.uuid4())),
                  role="clinician", request_id=rid)

    def found():
        recs = _query(stack, pb, actor=stack.user("clinician"))
        return [r for r in recs if r.event.request_id == rid]
    mine = poll(found, what="the failed GetPatient's audit event")
    assert mine[0].event.action == GET
    assert mine[0].event.outcome == grpc.StatusCode.NOT_FOUND.value[0]


def test_unauthenticated_call_is_audited_without_actor(stack, pb, idpb):
    rid = "test-" + uuid.uuid4().hex
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, "identity",
                  "GetPatient", idpb.GetPatientRequest(mrn="X"),
                  token="bogus", request_id=rid)

    # Unauthenticated calls pile up over a session and Query answers
    # oldest first: look only at the last minutes.
    since = int(time.time() * 1000) - 5 * 60 * 1000

    def found():
        recs = _query(stack, pb, actor="", since_ms=since, limit=1000,
                      newest_first=True)
        return [r for r in recs if r.event.request_id == rid]
    mine = poll(found, what="the unauthenticated call's audit event")
    assert mine[0].event.actor == ""
    assert mine[0].event.outcome == \
        grpc.StatusCode.UNAUTHENTICATED.value[0]


def test_cancel_stream_midway_then_query_again(stack, pb, idpb):
    for _ in range(3):
        _create_patient(stack, idpb, "test-" + uuid.uuid4().hex)
    path, req_t, resp_t, _ = protos.method(SVC, "Query")
    stub = stack.channel(SVC).unary_stream(
        path, request_serializer=req_t.SerializeToString,
        response_deserializer=resp_t.FromString)
    call = stub(pb.QueryRequest(limit=10000),
                metadata=stack.metadata("auditor"), timeout=10)
    first = next(call)
    assert first.seq >= 1
    call.cancel()
    assert len(_query(stack, pb, limit=2)) == 2
