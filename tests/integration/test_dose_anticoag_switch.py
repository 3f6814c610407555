"""Issue 72, item 6: a switch between anticoagulants is timed against the
previous drug's last dose at CreateOrder, CheckDose and
RecordAdministration, as StartInfusion already timed an infusion
(services/dosage/knowledge/anticoagulant_switch.csv; docs/dose-safety.md,
"Switching anticoagulants").  Replayed as a ward meets it: apixaban taken
at home two hours before admission, then a treatment dose of enoxaparin
ordered and given; apixaban given on the ward two hours before, then
enoxaparin checked.  On the code before it no order or dose carried the
switch check: only an infusion's start did."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "dosage")
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)
PROTOS = "dosage"

HOUR = 3600 * 1000
SWITCH = 145  # CHECK_KIND_ANTICOAGULANT_SWITCH

DRUGS = [
    dict(code="SW-ENOX", name="Enoxaparin 80 mg injection",
         substance="enoxaparin", routes=["sc"], max_single_dose=150,
         max_daily_dose=300, min_interval_minutes=600),
    dict(code="SW-APIX", name="Apixaban 5 mg tablets", substance="apixaban",
         routes=["oral"], max_single_dose=10, max_daily_dose=20,
         min_interval_minutes=600),
]


@pytest.fixture(scope="module")
def catalogue(st, pb):
    for d in DRUGS:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            unit="mg", **d)), role="pharmacist")


def patient(st, pb):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="SW-" + uuid.uuid4().hex[:12].upper(), family_name="Switch",
        given_name="Case", birth_date="1948-06-07",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    return p


def override(pb, text="PE confirmed on CT; haematology agree to start now"):
    return pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                       text=text)


def order(st, pb, p, drug, dose, freq, route, ov=None, start=None):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route=route, frequency=freq,
                 start_ms=start if start is not None else now_ms())
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role="clinician")


def give(st, pb, o, dose, at=0, ov=None, role="nurse"):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit="mg", effective_ms=at,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers"),
                       dose_override=ov), role=role)


def check(st, pb, p, drug, dose):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")


def switch(checks):
    found = [c for c in checks if c.kind == SWITCH]
    assert found, "no anticoagulant switch check"
    return found[0]


def test_enoxaparin_after_apixaban_taken_at_home(st, pb, catalogue):
    """Apixaban 5 mg taken at home at 06:00, admitted with a PE at 08:00:
    enoxaparin 1 mg/kg is not due before 18:00.  The order stops; the
    prescriber's documented override writes it, and the first dose
    stops again at the bedside until a clinician records the override
    (a nurse may not override a hard stop)."""
    p = patient(st, pb)
    st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
        patient_id=p, medicine="Apixaban 5 mg tablets", substance="apixaban",
        dose_text="5 mg twice daily", information_source="patient",
        status=pb.HOME_MEDICATION_STATUS_ACTIVE,
        last_dose_ms=now_ms() - 2 * HOUR), role="nurse")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  "SW-ENOX", 70, "q12h", "sc",
                  details_prefix="order: hard stop")
    o = order(st, pb, p, "SW-ENOX", 70, "q12h", "sc", ov=override(pb))
    c = switch(o.checks)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert c.reason.startswith(
        "apixaban (home medicine Apixaban 5 mg tablets) last taken at "
        "home "), c.reason
    assert "acts 12 h: not before" in c.reason, c.reason
    assert 1.9 < c.value < 2.2 and c.limit == 12
    assert o.dose_override.text.startswith("PE confirmed")
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="reviewed"), role="pharmacist")
    # The bedside: CheckDose shows the stop, and the dose waits for the
    # nurse's own documented override.
    c = switch(check(st, pb, p, "SW-ENOX", 70).checks)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 70)
    a = give(st, pb, o, 70, role="clinician",
             ov=override(pb, "started now on the prescriber's decision"))
    assert switch(a.checks).status == \
        pb.CHECK_STATUS_HARD_STOP


def test_enoxaparin_after_apixaban_given_on_the_ward(st, pb, catalogue):
    p = patient(st, pb)
    apix = order(st, pb, p, "SW-APIX", 5, "q12h", "oral",
                 start=now_ms() - 24 * HOUR)
    give(st, pb, apix, 5, at=now_ms() - 2 * HOUR)
    c = switch(check(st, pb, p, "SW-ENOX", 70).checks)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert c.reason.startswith("apixaban (SW-APIX) last given "), c.reason


def test_after_the_interval_the_switch_is_ok(st, pb, catalogue):
    p = patient(st, pb)
    apix = order(st, pb, p, "SW-APIX", 5, "q12h", "oral",
                 start=now_ms() - 24 * HOUR)
    give(st, pb, apix, 5, at=now_ms() - 13 * HOUR)
    c = switch(check(st, pb, p, "SW-ENOX", 70).checks)
    assert c.status == pb.CHECK_STATUS_OK, c.reason
