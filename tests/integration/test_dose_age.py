"""Issue 72, items 1 and 2 (age): age rules per substance in
services/dosage/knowledge/substance_rules.csv, replayed as a ward meets
them.  A 10-year-old prescribed codeine is stopped (MHRA 2013); a
14-year-old prescribed aspirin is stopped (Reye's syndrome) and the
prescriber passes the stop for Kawasaki disease with a reasoned override; a
40-year-old's aspirin raises nothing; an 80-year-old's glibenclamide warns,
naming the Beers criteria, while a 50-year-old's does not.  On the code
before it there was no age check at all: each of these passed with no
age result."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
KB = "substance KB smartmed-substance-starter-2026.13"
CODEINE, ASPIRIN, GLIBENCLAMIDE = "AGE-COD-30", "AGE-ASP-300", "AGE-GLIB-5"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"

# Products a pharmacy adds: substance and limits, no age field of their own.
DRUGS = (
    dict(code=CODEINE, name="Codeine phosphate 30 mg tablets",
         substance="codeine phosphate", unit="mg", max_single_dose=60,
         max_daily_dose=240, min_interval_minutes=240),
    dict(code=ASPIRIN, name="Aspirin 300 mg dispersible tablets",
         substance="aspirin", unit="mg", max_single_dose=1000,
         max_daily_dose=4000, min_interval_minutes=240),
    dict(code=GLIBENCLAMIDE, name="Glibenclamide 5 mg tablets",
         substance="glibenclamide", unit="mg", max_single_dose=15,
         max_daily_dose=15, min_interval_minutes=720),
)


@pytest.fixture(scope="module")
def catalogue(st, pb):
    for d in DRUGS:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            forms=["tablet"], routes=["oral"], **d)), role="pharmacist")


def patient(st, pb, years, kg):
    """A patient born years ago, weighed, allergies assessed."""
    ipb = protos.module("identity")
    # A week past the birthday: the service counts age on the ward's
    # calendar, which near midnight UTC may still be yesterday.
    born = time.strftime("%Y-%m-%d", time.gmtime(
        time.time() - (years * 365.25 + 7) * 86400))
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="AG-" + uuid.uuid4().hex[:12].upper(), family_name="Age",
        given_name="Case", birth_date=born,
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(
            patient_id=p, weight_kg=kg,
            height_cm=170 if years >= 18 else 140, crcl_ml_min=90,
            allergies_known=True)), role="nurse")
    return p


def order(st, pb, p, drug, dose, freq="q6h", override=None):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route="oral", frequency=freq, start_ms=now_ms() - HOUR)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=override), role="clinician")


def age_check(pb, checks):
    found = [c for c in checks if c.kind == pb.CHECK_KIND_AGE]
    assert len(found) == 1, [pb.CheckKind.Name(c.kind) for c in checks]
    return found[0]


def proposed(st, pb, p, drug, dose):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")


def test_codeine_stops_for_a_ten_year_old(st, pb, catalogue):
    p = patient(st, pb, 10, 32)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  CODEINE, 15, details_prefix="order: hard stop",
                  details_contains="under 12 years")
    a = age_check(pb, proposed(st, pb, p, CODEINE, 15).checks)
    assert a.status == pb.CHECK_STATUS_HARD_STOP, a.reason
    assert "patient 10 years" in a.reason, a.reason
    # The salt (codeine phosphate) takes its substance's rule, which names
    # its line in the file and its source.
    assert "codeine rule, " + KB in a.reason and "MHRA" in a.reason, \
        a.reason


def test_aspirin_stops_for_a_fourteen_year_old_unless_overridden(st, pb,
                                                                 catalogue):
    p = patient(st, pb, 14, 50)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  ASPIRIN, 300, details_prefix="order: hard stop",
                  details_contains="Reye")
    # Kawasaki disease: the prescriber passes the stop with a reason.
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="Kawasaki disease, cardiology advice")
    o = order(st, pb, p, ASPIRIN, 300, override=ov)
    a = age_check(pb, o.checks)
    assert a.status == pb.CHECK_STATUS_HARD_STOP, a.reason
    assert "contraindicated under 16 years; patient 14 years" in a.reason
    assert o.dose_override.text == "Kawasaki disease, cardiology advice"
    assert o.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    # The pharmacist releases it; at the bedside the overridden stop warns
    # and the nurse gives the dose without a second override.
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="Kawasaki disease: aspirin indicated"),
        role="pharmacist")
    a = st.call("dosage", "RecordAdministration",
                pb.RecordAdministrationRequest(
                    order_id=o.id, dose=300, unit="mg",
                    identity_override=pb.Override(
                        reason=pb.OVERRIDE_REASON_EMERGENCY,
                        text="wristband scanned, two identifiers")),
                role="nurse")
    a = age_check(pb, a.checks)
    assert a.status == pb.CHECK_STATUS_WARN, a.reason
    assert "(overridden at order entry)" in a.reason, a.reason


def test_aspirin_for_a_forty_year_old_raises_nothing(st, pb, catalogue):
    p = patient(st, pb, 40, 80)
    o = order(st, pb, p, ASPIRIN, 300)
    a = age_check(pb, o.checks)
    assert a.status == pb.CHECK_STATUS_OK, a.reason
    interrupts = [pb.CheckKind.Name(c.kind) + ": " + c.reason
                  for c in o.checks
                  if c.status in (pb.CHECK_STATUS_WARN,
                                  pb.CHECK_STATUS_HARD_STOP)]
    assert interrupts == []


def test_glibenclamide_warns_for_an_eighty_year_old_naming_beers(st, pb,
                                                                 catalogue):
    p = patient(st, pb, 80, 70)
    o = order(st, pb, p, GLIBENCLAMIDE, 5, freq="daily")
    a = age_check(pb, o.checks)
    assert a.status == pb.CHECK_STATUS_WARN, a.reason
    assert "aged 65 years or over; patient 80 years" in a.reason, a.reason
    assert "Beers" in a.reason, a.reason
    # Younger, the same order raises no age warning.
    p = patient(st, pb, 50, 70)
    o = order(st, pb, p, GLIBENCLAMIDE, 5, freq="daily")
    assert age_check(pb, o.checks).status == pb.CHECK_STATUS_OK
