"""Issue 72, item 3 (home medicines in cumulative totals), replayed as a ward
meets it.  A product with a lifetime (cumulative) maximum, here a
pharmacy's cap of 500 mg on a hydroxychloroquine product (test data, not
clinical advice): the patient took 200 mg twice at home in the last day
(the home list records doses_taken_24h).  At order entry and at the
bedside those 400 mg count in the lifetime total, so 200 mg more makes
600 mg and stops, naming what was taken at home; the 24-h total at order
entry is still a day of the regimen (the home doses are past).  On the code
before it the lifetime total was the ward's alone and the order passed."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "dosage")
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)
PROTOS = "dosage"

HOUR = 3600 * 1000
HCQ = "HL-HCQ"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=HCQ, name="Hydroxychloroquine 200 mg tablets",
        substance="hydroxychloroquine", unit="mg", routes=["oral"],
        max_single_dose=400, max_daily_dose=600, min_interval_minutes=480,
        lifetime_max_dose=500)), role="pharmacist")


def patient(st, pb, home_doses):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="HL-" + uuid.uuid4().hex[:12].upper(), family_name="Lifetime",
        given_name="Home", birth_date="1961-03-04",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=165,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    if home_doses:
        st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
            patient_id=p, medicine="Hydroxychloroquine 200 mg tablets",
            substance="hydroxychloroquine", dose_text="200 mg twice a day",
            information_source="patient",
            status=pb.HOME_MEDICATION_STATUS_ACTIVE,
            last_dose_ms=now_ms() - 10 * HOUR, dose_amount=200,
            dose_unit="mg", doses_taken_24h=home_doses), role="nurse")
    return p


def order(st, pb, p, override=None):
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=HCQ, dose=200, unit="mg",
                       route="oral", frequency="q12h",
                       start_ms=now_ms() - HOUR),
        dose_override=override), role="clinician")


def lifetime(pb, r):
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_LIFETIME][0]


def test_doses_taken_at_home_count_in_the_lifetime_total(st, pb, catalogue):
    p = patient(st, pb, 2)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      details_prefix="order: hard stop: lifetime total 600 mg "
                                     "exceeds maximum 500 mg")
    assert ('400 mg of it taken at home (home medicine "Hydroxychloroquine '
            '200 mg tablets")') in e.details(), e.details()
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="rheumatology: cap reviewed for this patient")
    o = order(st, pb, p, override=ov)
    daily = [c for c in o.checks if c.kind == pb.CHECK_KIND_DAILY_MAX][0]
    # A day of the regimen: 2 x 200 mg, the home doses not added.
    assert daily.value == 400, daily.reason
    c = lifetime(pb, st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        order_id=o.id), role="nurse"))
    assert c.status == pb.CHECK_STATUS_HARD_STOP and c.value == 600, c.reason
    assert "400 mg of it taken at home" in c.reason, c.reason


def test_without_home_doses_nothing_changes(st, pb, catalogue):
    p = patient(st, pb, 0)
    c = lifetime(pb, order(st, pb, p))
    assert c.status == pb.CHECK_STATUS_OK and c.value == 200, c.reason
    assert "taken at home" not in c.reason
