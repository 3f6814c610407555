"""Issue 72, items 4 and 7: omissions of time-critical medicines and the
severity of an allergy, replayed the way a ward meets them through the
running services.

A nurse charting a dose of basal insulin as not given is asked who was
told; with an escalation reason the omission is charted, audited as its
own event, counted, and flagged on the MAR.  Levodopa given 90 minutes
after its time is flagged "late, time-critical" on the MAR.  After
anaphylaxis to penicillin a cephalosporin is a hard stop that a prescriber
overrides with a reason; after a rash it only warns, as before."""

import uuid

import grpc
import pytest

from harness import Stack, protos
from harness.checks import expect_status, now_ms, poll
from harness.fixtures import new_patient, running, spawn_like
from harness.metrics import read as read_metric

SERVICES = ("audit", "identity", "records", "dosage")
MIN = 60 * 1000
HOUR = 60 * MIN

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"

OMISSIONS = "smartmed_dosage_time_critical_omissions_total"


@pytest.fixture(scope="module")
def drugs(st, pb):
    tag = uuid.uuid4().hex[:8].upper()
    made = {}
    for key, drug in {
        "glargine": pb.Drug(
            code="TC-GLAR-" + tag, name="Insulin glargine 100 units/mL",
            unit="[iU]", max_single_dose=80.0, max_daily_dose=100.0,
            routes=["sc"], substance="insulin glargine"),
        "levodopa": pb.Drug(
            code="TC-LDOPA-" + tag, name="Co-careldopa 25/100 tablet",
            unit="mg", max_single_dose=200.0, max_daily_dose=2000.0,
            routes=["oral"], substance="levodopa"),
        "paracetamol": pb.Drug(
            code="TC-PARA-" + tag, name="Paracetamol 500 mg tablet",
            unit="mg", max_single_dose=1000.0, max_daily_dose=4000.0,
            routes=["oral"], substance="paracetamol"),
        "cefalexin": pb.Drug(
            code="TC-CEFX-" + tag, name="Cefalexin 250 mg capsule",
            unit="mg", max_single_dose=1500.0, max_daily_dose=6000.0,
            routes=["oral"], substance="cefalexin"),
    }.items():
        made[key] = st.call("dosage", "UpsertDrug",
                            pb.UpsertDrugRequest(drug=drug),
                            role="pharmacist").code
    return made


def patient(st, pb, allergies=()):
    p = new_patient(st, mrn_prefix="OM", family="Omission")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70,
                                  crcl_ml_min=90, allergies_known=True,
                                  allergies=list(allergies))),
        role="nurse")
    return p


def order(st, pb, p, drug, dose, unit="mg", route="oral", freq="q6h",
          start=None, ov=None):
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=drug, dose=dose, unit=unit,
                       route=route, frequency=freq,
                       start_ms=start or now_ms() - HOUR),
        dose_override=ov), role="clinician")
    if o.status == pb.ORDER_STATUS_PENDING_VERIFICATION:
        o = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
            order_id=o.id, note="reviewed"), role="pharmacist")
    return o


def not_given(st, pb, o, at, escalation=""):
    return st.call("dosage", "RecordNotGiven", pb.RecordNotGivenRequest(
        order_id=o.id, scheduled_ms=at,
        reason=pb.NOT_GIVEN_REASON_PATIENT_REFUSED, text="refused it",
        escalation_reason=escalation), role="nurse")


def give(st, pb, o, dose, unit="mg", ov=None):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit=unit,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers"),
                       dose_override=ov), role="nurse")


def slots(st, pb, p, o):
    m = st.call("dosage", "GetMar", pb.GetMarRequest(patient_id=p),
                role="nurse")
    return [s for x in m.orders if x.order.id == o.id for s in x.slots]


def audit_events(st, p, event):
    apb = protos.module("audit")

    def found():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=p),
                       role="auditor", timeout=10)
        got = [{d.key: d.value for d in r.event.details} for r in recs
               if r.event.action.endswith("/RecordNotGiven")]
        return [d for d in got if d.get("event") == event]

    return poll(found, timeout=20, what="RecordNotGiven %s event" % event)


def override(pb, text="allergist reviewed: tolerated cefalexin in 2024"):
    return pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                       text=text)


# --- omissions of time-critical medicines ----------------------------------


def test_basal_insulin_not_given_asks_for_escalation(st, pb, drugs):
    p = patient(st, pb)
    start = now_ms() - 2 * HOUR
    o = order(st, pb, p, drugs["glargine"], 20, unit="[iU]", route="sc",
              freq="q24h", start=start)
    # Without an escalation reason the omission is refused, naming the
    # field and why the medicine is time-critical.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, st, pb, o,
                  start, details_prefix="escalation_reason: required",
                  details_contains="time-critical")
    # Too short to say who was told: refused too.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, st, pb, o,
                  start, "told", details_prefix="escalation_reason")
    why = "Dr Patel (prescriber) bleeped 07:40; glucose and ketones hourly"
    ng = not_given(st, pb, o, start, why)
    assert ng.status == "not-done"
    assert ng.time_critical_window_min == 30
    assert ng.escalation_reason == why
    # The prescriber finds it: an audited event of its own ...
    ev = audit_events(st, p, "time-critical dose not given")
    assert ev[0]["time_critical"] == "A10A"
    assert ev[0]["escalation_reason"] == why
    assert ev[0]["administration_id"] == ng.id
    # ... a flag on the MAR ...
    s = [x for x in slots(st, pb, p, o) if x.scheduled_ms == start][0]
    assert s.state == pb.MAR_SLOT_STATE_NOT_GIVEN
    assert s.time_critical_flag == "not given, time-critical"
    assert s.time_critical_window_min == 30
    assert "ketoacidosis" in s.time_critical_reason
    # ... and the ward's count.
    assert read_metric(st, "dosage", OMISSIONS) >= 1


def test_ordinary_medicine_not_given_needs_no_escalation(st, pb, drugs):
    p = patient(st, pb)
    start = now_ms() - 2 * HOUR
    o = order(st, pb, p, drugs["paracetamol"], 1000, start=start)
    ng = not_given(st, pb, o, start)
    assert ng.status == "not-done"
    assert ng.time_critical_window_min == 0 and ng.escalation_reason == ""
    s = [x for x in slots(st, pb, p, o) if x.scheduled_ms == start][0]
    assert s.state == pb.MAR_SLOT_STATE_NOT_GIVEN
    assert s.time_critical_flag == "" and s.time_critical_window_min == 0


def test_levodopa_given_90_minutes_late_is_flagged(st, pb, drugs):
    p = patient(st, pb)
    start = now_ms() - 90 * MIN
    o = order(st, pb, p, drugs["levodopa"], 100, start=start)
    # Still not charted 90 minutes after its time: late already.
    s = [x for x in slots(st, pb, p, o) if x.scheduled_ms == start][0]
    assert s.time_critical_flag == "late, time-critical", s
    given = give(st, pb, o, 100)
    assert given.status == "completed"
    s = [x for x in slots(st, pb, p, o) if x.scheduled_ms == start][0]
    assert s.state == pb.MAR_SLOT_STATE_GIVEN
    assert s.administration_id == given.id
    assert s.time_critical_flag == "late, time-critical"
    assert s.time_critical_window_min == 30
    assert "Parkinson" in s.time_critical_reason
    # A dose of the same medicine given on time carries no flag.
    q = patient(st, pb)
    on_time = order(st, pb, q, drugs["levodopa"], 100,
                    start=now_ms() - 10 * MIN)
    give(st, pb, on_time, 100)
    s = slots(st, pb, q, on_time)[0]
    assert s.state == pb.MAR_SLOT_STATE_GIVEN
    assert s.time_critical_flag == ""


HOSPITAL_HEAD = ("version,our-hospital-2026.2\n"
                 "substance_or_class,window_min,harm,source\n")


def test_a_hospital_file_without_a_source_stops_the_start(st, tmp_path):
    """The hospital's table is refused whole, naming its line: the
    service does not start on half a table."""
    bad = tmp_path / "time_critical.csv"
    bad.write_text(HOSPITAL_HEAD +
                   "levodopa,30,Parkinson's medicine,our formulary\n"
                   "N03A,60,anti-epileptic,\n")
    rc, out = spawn_like(st, "dosage", MED_DOSAGE_TIME_CRITICAL_FILE=bad)
    assert rc not in (None, 0), out[-2000:]
    assert "MED_DOSAGE_TIME_CRITICAL_FILE: %s: line 4: source: required " \
        "on every row" % bad in out, out[-2000:]


def test_the_hospital_file_replaces_the_shipped_table(tmp_path):
    """A hospital that calls its own list marks paracetamol (say, on a
    liver unit) and not levodopa: the file decides, not the C."""
    own = tmp_path / "time_critical.csv"
    own.write_text(HOSPITAL_HEAD +
                   "paracetamol,120,liver unit protocol,our formulary\n")
    pb = protos.module("dosage")
    with running(Stack(services=SERVICES, patient_checks=True, extra_env={
            "MED_DOSAGE_TIME_CRITICAL_FILE": str(own)})) as st:
        made = {}
        for key, sub in (("para", "paracetamol"), ("dopa", "levodopa")):
            made[key] = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
                drug=pb.Drug(code="HF-%s-%s" % (key, uuid.uuid4().hex[:6]),
                             name=sub, unit="mg", max_single_dose=1000.0,
                             max_daily_dose=4000.0, routes=["oral"],
                             substance=sub)), role="pharmacist").code
        p = patient(st, pb)
        start = now_ms() - 2 * HOUR
        para = order(st, pb, p, made["para"], 500, start=start)
        dopa = order(st, pb, p, made["dopa"], 100, start=start)
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, st, pb,
                      para, start, details_prefix="escalation_reason",
                      details_contains="liver unit protocol")
        assert not_given(st, pb, dopa, start).time_critical_window_min == 0


# --- allergy severity --------------------------------------------------------


def allergy_check(st, pb, p, drug, dose):
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_ALLERGY][0]


def test_penicillin_anaphylaxis_stops_a_cephalosporin(st, pb, drugs):
    p = patient(st, pb, allergies=["Penicillin - anaphylaxis"])
    a = allergy_check(st, pb, p, drugs["cefalexin"], 500)
    assert a.status == pb.CHECK_STATUS_HARD_STOP, a
    assert a.reason.startswith("after a severe reaction (anaphylaxis): "
                               'allergy "Penicillin - anaphylaxis" read as '
                               "penicillins"), a.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  drugs["cefalexin"], 500, details_prefix="order: hard stop",
                  details_contains="severe reaction (anaphylaxis)")
    # The prescriber overrides with a reason: the order stands, with its
    # stop and the override kept.
    o = order(st, pb, p, drugs["cefalexin"], 500, ov=override(pb))
    assert o.status == pb.ORDER_STATUS_ACTIVE
    assert o.dose_override.text.startswith("allergist reviewed")
    al = [c for c in o.checks if c.kind == pb.CHECK_KIND_ALLERGY][0]
    assert al.status == pb.CHECK_STATUS_HARD_STOP
    # At the bedside the prescriber's decision holds: the stop the order
    # overrode warns, and says so.
    given = give(st, pb, o, 500)
    assert given.status == "completed"
    al = [c for c in given.checks if c.kind == pb.CHECK_KIND_ALLERGY][0]
    assert al.status == pb.CHECK_STATUS_WARN, al
    assert al.reason.startswith("after a severe reaction (anaphylaxis), "
                                "overridden on the order: "), al.reason
    # An order whose override was for something else, written before the
    # anaphylaxis was charted, still stops at the bedside.
    q = patient(st, pb)
    before = order(st, pb, q, drugs["cefalexin"], 500, ov=override(pb))
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=q, allergies_known=True,
                                  allergies=["penicillin: anaphylaxis"])),
        role="nurse")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, before,
                  500, details_prefix="dose: hard stop",
                  details_contains="severe reaction (anaphylaxis)")
    # An override needs its reason.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, order, st, pb, p,
                  drugs["cefalexin"], 500,
                  ov=pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED))


def test_severe_reaction_charted_in_records_stops(st, pb, drugs):
    rpb = protos.module("records")
    p = patient(st, pb)
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_ALLERGY, title="allergy",
        allergy=rpb.Allergy(
            substance_display="Penicillin",
            verification_status=rpb.ALLERGY_VERIFICATION_STATUS_CONFIRMED,
            reactions=[rpb.AllergyReaction(
                manifestation="Angioedema",
                severity=rpb.REACTION_SEVERITY_SEVERE)])),
        role="clinician")
    a = allergy_check(st, pb, p, drugs["cefalexin"], 500)
    assert a.status == pb.CHECK_STATUS_HARD_STOP, a
    assert a.reason.startswith("after a severe reaction (angio-oedema)")


def test_penicillin_rash_only_warns_on_a_cephalosporin(st, pb, drugs):
    p = patient(st, pb, allergies=["Penicillin - rash"])
    a = allergy_check(st, pb, p, drugs["cefalexin"], 500)
    assert a.status == pb.CHECK_STATUS_WARN, a
    assert "cross-sensitivity" in a.reason
    o = order(st, pb, p, drugs["cefalexin"], 500)
    assert o.overall != pb.CHECK_STATUS_HARD_STOP
