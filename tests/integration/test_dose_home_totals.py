"""Issue 72, item 3: home medicines in the cumulative sums.  The home list
records the home regimen's dose as an amount (dose_amount, dose_unit) and
how many doses the patient took in the 24 h up to the last one
(doses_taken_24h); at the bedside (CheckDose, RecordAdministration) those
doses count in the drug's 24-hour total and, for an opioid, in the day's
oral morphine equivalents.  Replayed as a ward meets it:
paracetamol 1 g three times at home this morning, still undecided at
admission, then 1 g given on the ward: the next 1 g makes 5 g and stops
(4 g maximum), naming what was taken at home.  On the code before it the
total was the ward's 2 g and the dose passed."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "dosage")
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)
PROTOS = "dosage"

HOUR = 3600 * 1000
DAILY = 3  # CHECK_KIND_DAILY_MAX
OME = 141  # CHECK_KIND_OME_24H


@pytest.fixture(scope="module")
def catalogue(st, pb):
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="HT-PARA", name="Paracetamol 500 mg tablets",
        substance="paracetamol", unit="mg", routes=["oral"],
        max_single_dose=1000, max_daily_dose=4000,
        min_interval_minutes=240)), role="pharmacist")
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="HT-MORPH", name="Morphine sulfate 10 mg tablets",
        substance="morphine", unit="mg", routes=["oral"],
        max_single_dose=30, max_daily_dose=300,
        min_interval_minutes=60)), role="pharmacist")


def patient(st, pb):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="HT-" + uuid.uuid4().hex[:12].upper(), family_name="Totals",
        given_name="Home", birth_date="1958-02-01",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=165,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    return p


def home(st, pb, p, last_dose_ms, amount=1.0, unit="g", doses=3):
    return st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
        patient_id=p, medicine="Paracetamol 500 mg tablets",
        substance="paracetamol", dose_text="1 g four times a day",
        information_source="patient", status=pb.HOME_MEDICATION_STATUS_ACTIVE,
        last_dose_ms=last_dose_ms, dose_amount=amount, dose_unit=unit,
        doses_taken_24h=doses), role="nurse")


def order(st, pb, p):
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code="HT-PARA", dose=1000,
                       unit="mg", route="oral", frequency="q6h",
                       start_ms=now_ms() - 8 * HOUR)), role="clinician")


def give(st, pb, o, at=0):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=1000, unit="mg", effective_ms=at,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse")


def daily(checks):
    return [c for c in checks if c.kind == DAILY][0]


def test_paracetamol_taken_at_home_counts_in_the_24_hour_total(st, pb,
                                                               catalogue):
    p = patient(st, pb)
    m = home(st, pb, p, now_ms() - 14 * HOUR)
    assert (m.dose_amount, m.dose_unit, m.doses_taken_24h) == (1.0, "g", 3)
    listed = st.call("dosage", "ListHomeMedications",
                     pb.ListHomeMedicationsRequest(patient_id=p),
                     role="nurse").items
    assert [(x.dose_amount, x.dose_unit, x.doses_taken_24h)
            for x in listed] == [(1.0, "g", 3)]
    o = order(st, pb, p)
    first = give(st, pb, o, at=now_ms() - 7 * HOUR)
    d = daily(first.checks)
    assert d.status != pb.CHECK_STATUS_HARD_STOP, d.reason
    assert d.value == 4000, d.reason  # 3 g at home and this 1 g
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o,
                      details_prefix="dose: hard stop")
    assert "24-h total 5000" in e.details(), e.details()
    c = daily(st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        order_id=o.id), role="nurse").checks)
    assert c.status == pb.CHECK_STATUS_HARD_STOP and c.value == 5000
    assert '3000 mg of it taken at home (home medicine "Paracetamol 500 mg ' \
        'tablets")' in c.reason, c.reason


def test_morphine_taken_at_home_counts_in_the_day_of_opioids(st, pb,
                                                            catalogue):
    """Morphine 30 mg three times at home today (90 mg oral morphine
    equivalent): the first 10 mg on the ward makes 100 against 90."""
    p = patient(st, pb)
    st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
        patient_id=p, medicine="Morphine sulfate 30 mg m/r tablets",
        substance="morphine", dose_text="30 mg three times a day",
        information_source="patient", status=pb.HOME_MEDICATION_STATUS_ACTIVE,
        last_dose_ms=now_ms() - 2 * HOUR, dose_amount=30, dose_unit="mg",
        doses_taken_24h=3), role="nurse")
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code="HT-MORPH", dose=10,
                       unit="mg", route="oral", frequency="q4h",
                       start_ms=now_ms() - HOUR)), role="clinician")
    c = [x for x in st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        order_id=o.id), role="nurse").checks if x.kind == OME][0]
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert c.value == 100, c.reason
    assert "(this dose 10, taken at home 90 by mouth)" in c.reason, c.reason


def test_one_dose_when_the_count_is_not_known(st, pb, catalogue):
    p = patient(st, pb)
    home(st, pb, p, now_ms() - 5 * HOUR, amount=1000, unit="mg", doses=0)
    c = daily(st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code="HT-PARA",
                                 dose=1000, unit="mg")),
        role="nurse").checks)
    assert c.value == 2000, c.reason


def test_a_dose_taken_yesterday_does_not_count(st, pb, catalogue):
    p = patient(st, pb)
    home(st, pb, p, now_ms() - 25 * HOUR)
    c = daily(st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code="HT-PARA",
                                 dose=1000, unit="mg")),
        role="nurse").checks)
    assert c.value == 1000, c.reason


@pytest.mark.parametrize("kw,want", [
    (dict(amount=0, unit="", doses=3), "dose_amount: required with"),
    (dict(amount=1, unit="furlongs", doses=3), "dose_unit: unknown unit"),
    (dict(amount=1, unit="g", doses=25), "doses_taken_24h: at most 24"),
    (dict(amount=-1, unit="g", doses=1), "dose_amount: 0 (not known)"),
])
def test_bad_home_dose_refused(st, pb, catalogue, kw, want):
    p = patient(st, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, home, st, pb, p,
                  now_ms() - HOUR, details_prefix=want, **kw)


def test_doses_taken_need_the_last_dose(st, pb, catalogue):
    p = patient(st, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, home, st, pb, p, 0,
                  details_prefix="doses_taken_24h: needs last_dose_ms")
