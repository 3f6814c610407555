"""Issue 72, item 3 (courses before admission in lifetime totals), replayed
as a ward meets it.  A doxorubicin product with a pharmacy's cumulative
cap of 900 mg (450 mg/m2 for a 2 m2 adult; test data, not clinical
advice): the patient had 800 mg in courses at another hospital, months
ago, recorded on the home list as the medicine's earlier courses
(cumulative_before_admission), the medicine itself stopped.  At order
entry, in CheckDose and at the bedside (the courses recorded after the
order was written) those 800 mg count in the lifetime total, so 120 mg more makes 920 mg and stops, naming the earlier courses;
a patient with no earlier courses gets the same order.  A course amount
without a unit, or a negative one, is refused naming the field.  On the
code before it the home list had no field for earlier courses and the
order passed."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "dosage")
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)
PROTOS = "dosage"

HOUR = 3600 * 1000
DAY = 24 * HOUR
DOXO = "HP-DOXO"
MEDICINE = "Doxorubicin (R-CHOP at another hospital)"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=DOXO, name="Doxorubicin 2 mg/mL injection",
        substance="doxorubicin", unit="mg", routes=["iv"],
        max_single_dose=150, max_daily_dose=150, lifetime_max_dose=900)),
        role="pharmacist")


def patient(st, pb, before=0.0, unit="mg"):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="PC-" + uuid.uuid4().hex[:12].upper(), family_name="Courses",
        given_name="Prior", birth_date="1958-06-01",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=80, height_cm=180,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    if before:
        add(st, pb, p, before, unit)
    return p


def add(st, pb, p, before, unit):
    return st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
        patient_id=p, medicine=MEDICINE, substance="doxorubicin",
        dose_text="six cycles, finished in the spring",
        information_source="discharge letter",
        status=pb.HOME_MEDICATION_STATUS_STOPPED,
        last_dose_ms=now_ms() - 120 * DAY, dose_unit=unit,
        cumulative_before_admission=before), role="nurse")


def order(st, pb, p, override=None):
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=DOXO, dose=120, unit="mg",
                       route="iv", frequency="once",
                       start_ms=now_ms() - HOUR),
        dose_override=override), role="clinician")


def lifetime(pb, r):
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_LIFETIME][0]


def test_earlier_courses_count_in_the_lifetime_total(st, pb, catalogue):
    p = patient(st, pb, 0.8, unit="g")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      details_prefix="order: hard stop: lifetime total 920 mg "
                                     "exceeds maximum 900 mg")
    assert ('800 mg of it in courses before admission (home medicine "%s")'
            % MEDICINE) in e.details(), e.details()
    listed = st.call("dosage", "ListHomeMedications",
                     pb.ListHomeMedicationsRequest(patient_id=p,
                                                   include_stopped=True),
                     role="nurse").items
    assert [m.cumulative_before_admission for m in listed] == [0.8]
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="oncology: cumulative dose reviewed, echo normal")
    o = order(st, pb, p, override=ov)
    c = lifetime(pb, st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        order_id=o.id), role="nurse"))
    assert c.status == pb.CHECK_STATUS_HARD_STOP and c.value == 920, c.reason
    assert "800 mg of it in courses before admission" in c.reason, c.reason


def test_courses_recorded_after_the_order_stop_the_bedside_dose(st, pb,
                                                                catalogue):
    """The discharge letter arrives after the order was written."""
    p = patient(st, pb)
    o = order(st, pb, p)
    assert lifetime(pb, o).status == pb.CHECK_STATUS_OK
    add(st, pb, p, 800, "mg")
    e = expect_status(
        grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
        "RecordAdministration", pb.RecordAdministrationRequest(
            order_id=o.id, dose=120, unit="mg",
            identity_override=pb.Override(
                reason=pb.OVERRIDE_REASON_EMERGENCY,
                text="wristband scanned, two identifiers")),
        role="nurse", details_prefix="dose: hard stop")
    assert "lifetime total 920 mg exceeds maximum 900 mg" in e.details(), \
        e.details()
    assert "800 mg of it in courses before admission" in e.details(), \
        e.details()


def test_without_earlier_courses_nothing_changes(st, pb, catalogue):
    p = patient(st, pb)
    c = lifetime(pb, order(st, pb, p))
    assert c.status == pb.CHECK_STATUS_OK and c.value == 120, c.reason
    assert "before admission" not in c.reason


@pytest.mark.parametrize("before,unit,want", [
    (800, "", "cumulative_before_admission: needs dose_unit"),
    (-5, "mg", "cumulative_before_admission: 0 (none) or above 0"),
])
def test_a_bad_course_amount_is_refused(st, pb, catalogue, before, unit,
                                        want):
    p = patient(st, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, add, st, pb, p, before,
                  unit, details_prefix=want)
