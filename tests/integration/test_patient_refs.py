"""Referential integrity of patient ids: records, dosage and diagnosis ask
identity (GetPatient, over mutual TLS as the service principal) about the
patient of every write.  Unknown patients are refused NOT_FOUND, merged ones
FAILED_PRECONDITION naming the survivor, and nothing is written; while
identity is away, writes for patients not confirmed recently are refused
UNAVAILABLE and reads go on."""

import re
import uuid

import grpc
import pytest

from harness.checks import expect_status, poll

SERVICES = ("audit", "identity", "records", "dosage", "diagnosis")
# A made-up image: writes are refused before it is decoded, and for a
# real patient the decoder's INVALID_ARGUMENT shows the check passed.
NOT_AN_IMAGE = b"\x89PNG\r\n\x1a\nnot really"


# The patients are adults (their orders' dose checks need one): the chest
# X-ray model reads children only, so their films are read and marked
# outside the validated population, not refused.
pytestmark = pytest.mark.stack(
    services=SERVICES, patient_checks=True,
    extra_env={"MED_DIAGNOSIS_OUTSIDE_POPULATION": "mark"})


# The pb fixture (tests/conftest.py): {service: module}.
PROTOS = SERVICES


@pytest.fixture(scope="module")
def drug(st, pb):
    d = pb["dosage"]
    code = "PR-" + uuid.uuid4().hex[:8].upper()
    # These tests are about patient references: an order of a patient
    # whose allergies were never assessed (a hard stop by default, issue
    # 47) is left to warn, so that the order is written.
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=code, name="Paracetamol 500 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0,
        allergies_missing=d.MISSING_FACT_POLICY_WARN)), role="pharmacist")
    return code


def patient(st, pb):
    p = pb["identity"]
    return st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="REF-" + uuid.uuid4().hex[:12].upper(), family_name="Ref",
        given_name="Test", birth_date="1960-03-04",
        sex=p.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id


# One write per RPC that takes a patient id, and the field it names.
def entry(st, pb, pid, _drug):
    r = pb["records"]
    return st.call("records", "CreateEntry", r.CreateEntryRequest(
        patient_id=pid, kind=r.ENTRY_KIND_NOTE, title="Note",
        body="Seen on the ward."), role="clinician")


def context(st, pb, pid, _drug):
    d = pb["dosage"]
    return st.call("dosage", "SetPatientContext", d.SetPatientContextRequest(
        context=d.PatientContext(patient_id=pid, weight_kg=70.0,
                                 height_cm=170)), role="nurse")


def order(st, pb, pid, code):
    d = pb["dosage"]
    return st.call("dosage", "CreateOrder", d.CreateOrderRequest(
        order=d.Order(patient_id=pid, drug_code=code, dose=500.0, unit="mg",
                      route="oral", frequency="q6h")), role="clinician")


def condition(st, pb, pid, _drug):
    x = pb["diagnosis"]
    return st.call("diagnosis", "AddCondition", x.AddConditionRequest(
        patient_id=pid, code_system="ICD-10", code="J18.9",
        display="Pneumonia, unspecified",
        clinical_status=x.CLINICAL_STATUS_ACTIVE,
        verification_status=x.VERIFICATION_STATUS_PROVISIONAL,
        onset_date="2024-01-02"), role="clinician")


def care_plan(st, pb, pid, _drug):
    """A plan needs a condition of the patient; where the patient is
    refused, a made-up one gets the plan as far as the check."""
    x = pb["diagnosis"]
    try:
        cid = condition(st, pb, pid, _drug).condition_id
    except grpc.RpcError:
        cid = str(uuid.uuid4())
    return st.call("diagnosis", "SetCarePlan", x.SetCarePlanRequest(
        patient_id=pid, title="Pneumonia", condition_ids=[cid],
        status=x.CARE_PLAN_STATUS_ACTIVE), role="clinician")


def finding(st, pb, pid, _drug):
    x = pb["diagnosis"]
    return st.call("diagnosis", "AnalyzeImage", x.AnalyzeImageRequest(
        patient_id=pid, image=NOT_AN_IMAGE), role="clinician", timeout=10)


WRITES = [(entry, "patient_id"), (context, "context.patient_id"),
          (order, "order.patient_id"), (condition, "patient_id"),
          (care_plan, "patient_id"), (finding, "patient_id")]
IDS = [w.__name__ for w, _ in WRITES]

TABLES = ("smartmed_records.entries", "smartmed_dosage.patient_context",
          "smartmed_dosage.orders", "smartmed_diagnosis.conditions",
          "smartmed_diagnosis.care_plans", "smartmed_diagnosis.findings")


def rows_for(st, pid):
    """Rows that name pid, in every table a write above fills."""
    total = "+".join("(SELECT COUNT(*) FROM %s WHERE patient_id = '%s')"
                     % (t, pid) for t in TABLES)
    m = re.search(r"n=(\d+)", st.sql("SELECT CONCAT('n=', %s);" % total))
    assert m, "no count from MariaDB"
    return int(m.group(1))


def accepted(st, pb, write, pid, code):
    """write succeeds, or (AnalyzeImage) gets past the check to the
    decoder."""
    if write is finding:
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, write, st, pb, pid,
                      code, details_prefix="image")
    else:
        write(st, pb, pid, code)


def accepted_unless_unavailable(st, pb, write, pid, code):
    """accepted(); False while the service still cannot reach identity."""
    try:
        accepted(st, pb, write, pid, code)
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.UNAVAILABLE:
            raise
        return False
    except AssertionError as e:  # expect_status saw another code
        if "got %s" % grpc.StatusCode.UNAVAILABLE not in str(e):
            raise
        return False
    return True


@pytest.mark.parametrize("write,field", WRITES, ids=IDS)
def test_unknown_patient_refused_nothing_written(st, pb, drug, write, field):
    pid = str(uuid.uuid4())
    expect_status(grpc.StatusCode.NOT_FOUND, write, st, pb, pid, drug,
                  details_prefix=field + ": no such patient")
    assert rows_for(st, pid) == 0
    r = pb["records"]
    lst = st.call("records", "ListEntries", r.ListEntriesRequest(
        patient_id=pid), role="clinician")
    assert list(lst.entries) == []


@pytest.mark.parametrize("write,field", WRITES, ids=IDS)
def test_real_patient_accepted(st, pb, drug, write, field):
    pid = patient(st, pb)
    accepted(st, pb, write, pid, drug)
    # A plan adds its condition, an order the patient's (empty) context; a
    # finding never got past the decoder.
    want = {finding: 0, care_plan: 2, order: 2}.get(write, 1)
    assert rows_for(st, pid) == want


@pytest.mark.parametrize("write,field", WRITES, ids=IDS)
def test_merged_patient_refused_naming_survivor(st, pb, drug, write, field):
    survivor, merged = patient(st, pb), patient(st, pb)
    p = pb["identity"]
    link = st.call("identity", "LinkPatients", p.LinkPatientsRequest(
        survivor_id=survivor, merged_id=merged, reason="duplicate"),
        role="registrar")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, write, st, pb,
                      merged, drug,
                      details_prefix=field + ": record was merged into")
    assert e.details().endswith(
        "merged into %s; chart on the surviving record" % survivor)
    assert rows_for(st, merged) == 0
    # Unlinked, the record is its own patient again at once: refusals are
    # never cached.
    st.call("identity", "UnlinkPatients", p.UnlinkPatientsRequest(
        link_id=link.link_id, reason="not the same person"),
        role="registrar")
    accepted(st, pb, write, merged, drug)


def test_identity_away_fails_writes_closed_reads_go_on(st, pb, drug):
    r = pb["records"]
    known, fresh = patient(st, pb), patient(st, pb)
    entry(st, pb, known, drug)  # confirmed: cached for the TTL
    st.stop_service("identity")
    try:
        for write, field in WRITES:
            expect_status(grpc.StatusCode.UNAVAILABLE, write, st, pb, fresh,
                          drug, details_prefix=field + ": identity")
        assert rows_for(st, fresh) == 0
        # Reads never ask identity.
        lst = st.call("records", "ListEntries", r.ListEntriesRequest(
            patient_id=known), role="clinician")
        assert len(lst.entries) == 1
        x = pb["diagnosis"]
        st.call("diagnosis", "ListConditions", x.ListConditionsRequest(
            patient_id=fresh), role="nurse")
        # A patient confirmed within MED_PATIENT_CACHE_TTL_MS still is.
        entry(st, pb, known, drug)
    finally:
        st.start_service("identity")
    # Each service has its own channel to identity, reconnecting on its
    # own backoff (100 ms doubling, at most 2 s): a write may be refused
    # UNAVAILABLE for a moment after identity is back, never for long.
    for write, _field in WRITES:
        poll(lambda: accepted_unless_unavailable(st, pb, write, fresh, drug),
             timeout=15, what="%s once identity is back" % write.__name__)


def test_checks_counted_by_outcome(st):
    import urllib.request
    url = "http://127.0.0.1:%d/metrics" % st.http_port("records")
    text = urllib.request.urlopen(url, timeout=5).read().decode()
    for outcome in ("ok", "cached", "unknown", "merged", "unavailable"):
        m = re.search(r'smartmed_patient_checks_total\{outcome="%s"\} (\d+)'
                      % outcome, text)
        assert m, "no %s series in records' /metrics" % outcome
        assert int(m.group(1)) >= 1, outcome
