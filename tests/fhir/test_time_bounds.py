"""Times on input and in exports (issue 31, finding 5): one bad order must
not poison a patient's export.

Every *_ms field a service takes in lies from 1900-01-01 up to 2200-01-01
(MED_TIME_MIN_MS..MED_TIME_MAX_MS in med/util.h), or the call fails with
INVALID_ARGUMENT naming the field and the bound: an order dated in the
year 3000 or 9999, an end_ms of 2^63-1, a CheckDose at 2^63-1 (which
overflowed a signed integer).  A time that is already stored outside the
bounds (a row from before the checks, written here straight into the
database) never fails an export: identity's and dosage's ExportFhir and
the facade's $everything still answer, the element carrying FHIR's
data-absent-reason instead of a value."""

import json
import ssl
import urllib.request
import uuid

import grpc
import pytest

from fhir_checks import hl7_schema
from harness import protos
from harness.checks import expect_status, now_ms
from harness.fixtures import assess_allergies, new_patient

HOUR = 3600 * 1000
INT64_MAX = 2 ** 63 - 1
INT64_MIN = -2 ** 63
YEAR_3000 = 32503680000000        # 3000-01-01T00:00:00Z
YEAR_9999 = 253402300799000       # 9999-12-31T23:59:59Z
YEAR_2200 = 7258118400000         # the first time out of bounds
BEFORE_1900 = -2208988800001      # the last millisecond of 1899
BAD_TIMES = (YEAR_3000, YEAR_9999, YEAR_2200, INT64_MAX, INT64_MIN,
             BEFORE_1900)
BOUND = "between 1900-01-01 and 2199-12-31"
ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
INVALID = grpc.StatusCode.INVALID_ARGUMENT


pytestmark = pytest.mark.stack(fhir=True)


@pytest.fixture(scope="module")
def dpb():
    return protos.module("dosage")


@pytest.fixture(scope="module")
def drug(st, dpb):
    code = "TB_" + uuid.uuid4().hex[:10]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code=code, name="Paracetamol 500 mg tablet",
                      unit="tablet", routes=["oral"], max_single_dose=2.0,
                      max_daily_dose=8.0)), role="pharmacist", timeout=30)
    return code


def order(st, dpb, pid, drug, **kw):
    args = dict(patient_id=pid, drug_code=drug, route="oral", dose=1.0,
                unit="tablet", frequency="q6h")
    args.update(kw)
    assess_allergies(st, pid)
    return st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(**args)), role="clinician", timeout=30)


def refused(field, fn, *args, **kwargs):
    """fn fails with INVALID_ARGUMENT naming field and the bound."""
    e = expect_status(INVALID, fn, *args, details_prefix=field + ":",
                      **kwargs)
    return e.details()


@pytest.fixture(scope="module")
def pid(st):
    return new_patient(st, mrn_prefix="TB")


# --- input ---------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_TIMES)
@pytest.mark.parametrize("field", ("start_ms", "end_ms"))
def test_an_order_out_of_bounds_is_refused(st, dpb, pid, drug, field, bad):
    kw = {field: bad}
    if field == "end_ms":
        kw["start_ms"] = now_ms()
    d = refused("order." + field, order, st, dpb, pid, drug, **kw)
    assert BOUND in d or "days from now" in d, d


def test_an_order_beyond_the_horizon_is_refused(st, dpb, pid, drug):
    d = refused("order.end_ms", order, st, dpb, pid, drug,
                end_ms=now_ms() + 800 * 24 * HOUR)
    assert "at most 730 days from now" in d
    o = order(st, dpb, pid, drug, end_ms=now_ms() + 700 * 24 * HOUR)
    for bad in (YEAR_9999, INT64_MAX):
        refused("end_ms", st.call, "dosage", "RenewOrder",
                dpb.RenewOrderRequest(order_id=o.id, end_ms=bad,
                                      reason="renewed"), role="clinician")
        refused("order.end_ms", st.call, "dosage", "ModifyOrder",
                dpb.ModifyOrderRequest(order_id=o.id, order=dpb.Order(
                    patient_id=pid, drug_code=drug, route="oral", dose=1.0,
                    unit="tablet", frequency="q6h", end_ms=bad),
                    reason="changed"), role="clinician")


@pytest.mark.parametrize("bad", (INT64_MAX, YEAR_9999, INT64_MIN))
def test_check_dose_at_int64_max_is_refused(st, dpb, pid, drug, bad):
    """2^63-1 overflowed a signed integer in the dose check (UBSan)."""
    d = refused("at_ms", st.call, "dosage", "CheckDose",
                dpb.CheckDoseRequest(proposed=dpb.ProposedDose(
                    patient_id=pid, drug_code=drug, dose=1.0,
                    unit="tablet"), at_ms=bad), role="nurse")
    assert BOUND in d, d


def _dosage_calls(dpb, pid, oid):
    return [
        ("now_ms", "ListDue", dpb.ListDueRequest(patient_id=pid,
                                                 now_ms=INT64_MAX)),
        ("from_ms", "GetMar", dpb.GetMarRequest(patient_id=pid,
                                                from_ms=INT64_MAX)),
        ("to_ms", "GetMar", dpb.GetMarRequest(patient_id=pid,
                                              to_ms=YEAR_9999)),
        ("now_ms", "GetMar", dpb.GetMarRequest(patient_id=pid,
                                               now_ms=YEAR_3000)),
        ("scheduled_ms", "RecordNotGiven", dpb.RecordNotGivenRequest(
            order_id=oid, scheduled_ms=INT64_MAX,
            reason=dpb.NOT_GIVEN_REASON_PATIENT_REFUSED)),
        ("effective_ms", "RecordAdministration",
         dpb.RecordAdministrationRequest(order_id=oid, dose=1.0,
                                         unit="tablet",
                                         effective_ms=YEAR_9999)),
        ("effective_ms", "StartInfusion", dpb.StartInfusionRequest(
            order_id=oid, rate=1.0, rate_unit="mL/h",
            effective_ms=INT64_MAX)),
        ("context.measured_ms", "SetPatientContext",
         dpb.SetPatientContextRequest(context=dpb.PatientContext(
             patient_id=pid, weight_kg=70.0, measured_ms=INT64_MIN))),
    ]


def test_every_dosage_time_is_bounded(st, dpb, pid, drug):
    o = order(st, dpb, pid, drug)
    for field, method, req in _dosage_calls(dpb, pid, o.id):
        role = "clinician" if method == "SetPatientContext" else "nurse"
        d = refused(field, st.call, "dosage", method, req, role=role)
        assert BOUND in d, (method, d)


def test_a_new_order_carries_no_client_set_hold(st, dpb, pid, drug):
    """held_ms is the service's: a CreateOrder cannot store 2^63-1 there
    (nor a hold or a lineage it never had)."""
    o = order(st, dpb, pid, drug, held_ms=INT64_MAX, held_by="mallory",
              hold_reason="x", replaces_order_id=str(uuid.uuid4()))
    got = st.call("dosage", "GetOrder", dpb.GetOrderRequest(order_id=o.id),
                  role="clinician")
    assert (got.held_ms, got.held_by, got.hold_reason,
            got.replaces_order_id) == (0, "", "", "")


def test_other_services_bound_their_times(st, pid):
    ipb, rpb = protos.module("identity"), protos.module("records")
    apb, gpb = protos.module("audit"), protos.module("diagnosis")
    refused("start_ms", st.call, "identity", "Admit", ipb.AdmitRequest(
        patient_id=pid, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
        ward="W3", attending="dr.house", start_ms=INT64_MIN),
        role="registrar")
    refused("since_ms", st.call, "records", "ListEntries",
            rpb.ListEntriesRequest(patient_id=pid, since_ms=INT64_MAX),
            role="clinician")
    refused("until_ms", st.call, "records", "ListEntries",
            rpb.ListEntriesRequest(patient_id=pid, until_ms=YEAR_9999),
            role="clinician")
    refused("until_ms", st.call, "audit", "Query",
            apb.QueryRequest(patient_id=pid, until_ms=INT64_MAX),
            role="auditor")
    d = refused("goals[0].target_date", st.call, "diagnosis", "SetCarePlan",
                gpb.SetCarePlanRequest(
                    patient_id=pid, title="Plan",
                    status=gpb.CARE_PLAN_STATUS_ACTIVE,
                    condition_ids=[str(uuid.uuid4())],
                    goals=[gpb.Goal(description="walk",
                                    status=gpb.GOAL_STATUS_PROPOSED,
                                    target_date="2999-12-31")]),
                role="clinician")
    assert BOUND in d, d


# --- stored data ---------------------------------------------------------


def _https_get(st, path):
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + st.token("clinician"))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
        return r.status, json.loads(r.read())


def _export(st, svc, pid):
    pb, common = protos.module(svc), protos.module("common")
    r = st.call(svc, "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid, page=common.PageRequest(page_size=100)),
        role="clinician", timeout=60)
    return json.loads(r.bundle_json)


def _of(bundle, kind, rid):
    found = [e["resource"] for e in bundle.get("entry", [])
             if e["resource"]["resourceType"] == kind and
             e["resource"]["id"] == rid]
    assert len(found) == 1, (kind, rid, bundle)
    return found[0]


def _absent(element):
    return element == {"extension": [{"url": ABSENT, "valueCode": "error"}]}


@pytest.fixture(scope="module")
def poisoned(st, dpb, drug):
    """A patient with an encounter and two orders (one with a dose charted
    as not given), whose times are then set out of bounds in the
    databases, as a row stored before the input checks would be."""
    ipb = protos.module("identity")
    p = new_patient(st, mrn_prefix="TBP")
    enc = st.call("identity", "Admit", ipb.AdmitRequest(
        patient_id=p, encounter_class=ipb.ENCOUNTER_CLASS_INPATIENT,
        ward="W3", bed="4", attending="dr.house"),
        role="registrar").encounter_id
    start = now_ms() - HOUR
    bad = order(st, dpb, p, drug, start_ms=start)
    good = order(st, dpb, p, drug, frequency="q8h")
    given = st.call("dosage", "RecordNotGiven", dpb.RecordNotGivenRequest(
        order_id=bad.id, scheduled_ms=start,
        reason=dpb.NOT_GIVEN_REASON_PATIENT_REFUSED), role="nurse")
    st.sql("UPDATE smartmed_dosage.orders SET start_ms = %d, end_ms = %d,"
           " created_ms = %d WHERE id = '%s';"
           % (YEAR_9999, INT64_MAX, YEAR_3000, bad.id))
    st.sql("UPDATE smartmed_dosage.administrations SET effective_ms = %d"
           " WHERE id = '%s';" % (INT64_MAX, given.id))
    st.sql("UPDATE smartmed_identity.encounters SET start_ms = %d,"
           " end_ms = %d WHERE encounter_id = '%s';"
           % (YEAR_3000, INT64_MAX, enc))
    st.sql("UPDATE smartmed_identity.encounter_versions SET"
           " effective_ms = %d, recorded_ms = %d WHERE encounter_id = '%s';"
           % (INT64_MIN, YEAR_9999, enc))
    return p, enc, bad.id, good.id, given.id


def test_dosage_export_survives_stored_bad_times(st, poisoned):
    p, _, bad, good, given = poisoned
    bundle = _export(st, "dosage", p)
    req = _of(bundle, "MedicationRequest", bad)
    assert _absent(req["_authoredOn"]), req
    period = req["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]
    assert _absent(period["_start"]) and _absent(period["_end"]), period
    # The rest of the chart is whole: the other order keeps its times.
    ok = _of(bundle, "MedicationRequest", good)
    assert ok["authoredOn"].startswith("20"), ok
    admin = _of(bundle, "MedicationAdministration", given)
    assert _absent(admin["_effectiveDateTime"]), admin


def test_identity_export_survives_stored_bad_times(st, poisoned):
    p, enc, _, _, _ = poisoned
    bundle = _export(st, "identity", p)
    e = _of(bundle, "Encounter", enc)
    assert _absent(e["period"]["_start"]), e
    assert _absent(e["period"]["_end"]), e


def test_everything_survives_stored_bad_times(st, dpb, poisoned):
    p, enc, bad, good, _ = poisoned
    status, body = _https_get(st, "Patient/%s/$everything?_count=100" % p)
    assert status == 200, body
    ids = {(e["resource"]["resourceType"], e["resource"]["id"])
           for e in body["entry"]}
    assert {("MedicationRequest", bad), ("MedicationRequest", good),
            ("Encounter", enc)} <= ids
    schema, why = hl7_schema()
    if schema is not None:
        jsonschema = pytest.importorskip("jsonschema")
        errors = list(jsonschema.Draft6Validator(schema).iter_errors(body))
        assert not errors, [e.message[:300] for e in errors[:5]]


def test_clinical_reads_survive_stored_bad_times(st, dpb, drug, poisoned):
    """The MAR, the due list and a dose check of a patient with a bad row
    answer (the bad order has no scheduled times) instead of computing on
    2^63-1."""
    p, _, bad, good, _ = poisoned
    mar = st.call("dosage", "GetMar", dpb.GetMarRequest(patient_id=p),
                  role="nurse")
    assert {o.order.id for o in mar.orders} >= {good}
    due = st.call("dosage", "ListDue", dpb.ListDueRequest(patient_id=p),
                  role="nurse")
    assert bad not in {i.order.id for i in due.items}
    st.call("dosage", "CheckDose", dpb.CheckDoseRequest(
        proposed=dpb.ProposedDose(patient_id=p, drug_code=drug, dose=1.0,
                                  unit="tablet")), role="nurse")
