"""Issue 72, items 1 and 2 (opioid naivety), replayed as a ward meets it:
a fentanyl patch ordered for a patient who has had no opioid is stopped
(MHRA and FDA: for opioid-tolerant patients only), and the prescriber may
pass the stop only with a reasoned override; the same patch is allowed for
a patient given morphine two days ago (the morphine order stopped as the
patch starts), or one whose home list has oxycodone last taken three days
ago; modified-release morphine is stopped for a naive patient
while immediate-release morphine is not.  On the code before it every one
of these orders passed with the generic high-alert warning at most."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
KB = "substance KB smartmed-substance-starter-2026.13"
PATCH, MOR_MR, MOR_IR = "ON-FENT-PATCH", "ON-MOR-MR", "ON-MOR-IR"
BUP = "ON-BUP-PATCH"
# The same patch, catalogued as waiting for a pharmacist's verification.
PATCH_V = "ON-FENT-PATCH-V"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"

DRUGS = (
    dict(code=PATCH, name="Fentanyl 12 micrograms/hour transdermal patch",
         substance="fentanyl", unit="ug", max_single_dose=100,
         max_daily_dose=100, forms=["transdermal patch"],
         routes=["transdermal"]),
    dict(code=PATCH_V, name="Fentanyl 12 micrograms/hour patch (verified)",
         substance="fentanyl", unit="ug", max_single_dose=100,
         max_daily_dose=100, forms=["transdermal patch"],
         routes=["transdermal"], requires_verification=True),
    dict(code=MOR_MR, name="Morphine sulfate 10 mg modified-release tablets",
         substance="morphine", unit="mg", max_single_dose=60,
         max_daily_dose=120, min_interval_minutes=600,
         forms=["modified-release tablet"], routes=["oral"]),
    dict(code=MOR_IR, name="Morphine sulfate 10 mg/5 mL oral solution",
         substance="morphine", unit="mg", max_single_dose=20,
         max_daily_dose=120, min_interval_minutes=120,
         forms=["oral solution"], routes=["oral"]),
    dict(code=BUP, name="Buprenorphine 5 micrograms/hour transdermal patch",
         substance="buprenorphine", unit="ug", max_single_dose=40,
         max_daily_dose=40, forms=["transdermal patch"],
         routes=["transdermal"]),
)


@pytest.fixture(scope="module")
def catalogue(st, pb):
    for d in DRUGS:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
            drug=pb.Drug(**d)), role="pharmacist")


def patient(st, pb):
    ipb = protos.module("identity")
    born = time.strftime("%Y-%m-%d",
                         time.gmtime(time.time() - 60 * 365.25 * 86400))
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="ON-" + uuid.uuid4().hex[:12].upper(), family_name="Naive",
        given_name="Case", birth_date=born,
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=165,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    return p


def order(st, pb, p, drug, dose, route, freq, override=None,
          start=None):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose,
                 unit="ug" if drug in (PATCH, PATCH_V, BUP) else "mg", route=route,
                 frequency=freq, start_ms=start or now_ms() - HOUR)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=override), role="clinician")


def patch(st, pb, p, override=None):
    return order(st, pb, p, PATCH, 12, "transdermal", "q72h", override)


def naive_check(pb, o):
    found = [c for c in o.checks if c.kind == pb.CHECK_KIND_OPIOID_NAIVE]
    assert len(found) == 1, [pb.CheckKind.Name(c.kind) for c in o.checks]
    return found[0]


def test_fentanyl_patch_stops_for_an_opioid_naive_patient(st, pb,
                                                          catalogue):
    p = patient(st, pb)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, patch, st, pb, p,
                  details_prefix="order: hard stop",
                  details_contains="opioid-naive")
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="palliative team: opioid-tolerant abroad, notes")
    o = patch(st, pb, p, override=ov)
    c = naive_check(pb, o)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert "fentanyl rule, " + KB in c.reason and "MHRA" in c.reason, \
        c.reason
    assert o.status == pb.ORDER_STATUS_PENDING_VERIFICATION


def give(st, pb, o, dose, at):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit="mg", effective_ms=at,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="nurse")


def test_fentanyl_patch_allowed_after_morphine_in_the_last_days(st, pb,
                                                                catalogue):
    p = patient(st, pb)
    ir = order(st, pb, p, MOR_IR, 5, "oral", "q4h",
               start=now_ms() - 3 * 24 * HOUR)
    give(st, pb, ir, 5, now_ms() - 2 * 24 * HOUR)
    # The switch: the morphine order stops as the patch starts.
    st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=ir.id, reason="switched to a fentanyl patch"),
        role="clinician")
    o = patch(st, pb, p)
    c = naive_check(pb, o)
    assert c.status == pb.CHECK_STATUS_OK, c.reason
    assert c.reason.startswith("opioid-tolerant: %s given 4" % MOR_IR), \
        c.reason


def test_fentanyl_patch_allowed_after_a_home_opioid_in_the_last_days(st, pb,
                                                                catalogue):
    p = patient(st, pb)
    st.call("dosage", "AddHomeMedication", pb.AddHomeMedicationRequest(
        patient_id=p, medicine="Oxycodone 10 mg m/r tablets",
        substance="oxycodone", dose_text="10 mg twice daily",
        information_source="patient",
        status=pb.HOME_MEDICATION_STATUS_STOPPED,
        last_dose_ms=now_ms() - 3 * 24 * HOUR), role="nurse")
    c = naive_check(pb, patch(st, pb, p))
    assert c.status == pb.CHECK_STATUS_OK, c.reason
    assert "Oxycodone 10 mg m/r tablets" in c.reason, c.reason


def test_modified_release_morphine_stops_immediate_release_does_not(
        st, pb, catalogue):
    p = patient(st, pb)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  MOR_MR, 10, "oral", "q12h",
                  details_prefix="order: hard stop",
                  details_contains="opioid-naive")
    o = order(st, pb, p, MOR_IR, 5, "oral", "q4h")
    assert [c for c in o.checks
            if c.kind == pb.CHECK_KIND_OPIOID_NAIVE] == []


def put_on(st, pb, o, override=None):
    """The nurse puts the patch of order o on."""
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=12, unit="ug",
                       dose_override=override,
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers")),
                   role="clinician" if override else "nurse")


def test_patch_stops_at_the_bedside_once_the_tolerance_has_gone(st, pb,
                                                                catalogue):
    """Morphine charted two days ago makes the patient opioid-tolerant, so
    the patch is ordered; the pharmacist then finds the morphine was
    charted against the wrong patient and marks it entered in error.  At
    the bedside the patient is opioid-naive and the patch is stopped
    before it goes on (on the code before it the check ran at CreateOrder
    only and the patch went on)."""
    p = patient(st, pb)
    ir = order(st, pb, p, MOR_IR, 5, "oral", "q4h",
               start=now_ms() - 3 * 24 * HOUR)
    dose = give(st, pb, ir, 5, now_ms() - 2 * 24 * HOUR)
    st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=ir.id, reason="switched to a fentanyl patch"),
        role="clinician")
    o = patch(st, pb, p)
    assert naive_check(pb, o).status == pb.CHECK_STATUS_OK
    st.call("dosage", "MarkAdministrationEnteredInError",
            pb.MarkAdministrationEnteredInErrorRequest(
                administration_id=dose.id,
                reason="charted against the wrong patient"),
            role="pharmacist")
    c = naive_check(pb, st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        order_id=o.id), role="nurse"))
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, put_on, st, pb, o,
                      details_prefix="dose: hard stop",
                      details_contains="opioid-naive")
    assert "fentanyl rule, " + KB in e.details(), e.details()
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="palliative team reviewed: tolerant, see notes")
    given = put_on(st, pb, o, override=ov)
    assert naive_check(pb, given).status == pb.CHECK_STATUS_HARD_STOP


def test_a_stop_overridden_at_entry_warns_at_the_bedside(st, pb, catalogue):
    """The prescriber passed the opioid-naive stop with a reason and a
    pharmacist verified the order: the nurse is warned, not stopped
    again for the same judgement."""
    p = patient(st, pb)
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="palliative team: opioid-tolerant abroad, notes")
    o = patch(st, pb, p, override=ov)
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="tolerance confirmed with the team"),
        role="pharmacist")
    c = naive_check(pb, put_on(st, pb, o))
    assert c.status == pb.CHECK_STATUS_WARN, c.reason
    assert c.reason.startswith("overridden at order entry: opioid-naive"), \
        c.reason


def test_buprenorphine_patch_above_the_starting_strength_stops(st, pb,
                                                                catalogue):
    """Butrans: an opioid-naive patient starts on 5 micrograms/hour.  The
    5 patch warns as before; a 10 patch for the same naive patient now
    stops (it warned like the 5 on the code before it)."""
    p = patient(st, pb)
    low = order(st, pb, p, BUP, 5, "transdermal", "weekly")
    c = naive_check(pb, low)
    assert c.status == pb.CHECK_STATUS_WARN, c.reason
    q = patient(st, pb)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, q,
                      BUP, 10, "transdermal", "weekly",
                      details_prefix="order: hard stop: opioid-naive: a "
                                     "start of 10 ug is above the 5 ug a "
                                     "naive patient may start on")
    assert "buprenorphine rule, " + KB in e.details(), e.details()


def verify(st, pb, o, override=None):
    return st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="checked against the chart",
        dose_override=override), role="pharmacist")


def test_pharmacist_sees_the_stop_once_the_tolerance_has_gone(st, pb,
                                                              catalogue):
    """The patch was ordered on morphine charted two days ago, which is
    then marked entered in error (the wrong patient).  The pharmacist
    verifying the patch is stopped: the patient is opioid-naive now, and
    only a reasoned override releases the order (on the code before it
    VerifyOrder did not run the opioid-naive check and released it)."""
    p = patient(st, pb)
    ir = order(st, pb, p, MOR_IR, 5, "oral", "q4h",
               start=now_ms() - 3 * 24 * HOUR)
    dose = give(st, pb, ir, 5, now_ms() - 2 * 24 * HOUR)
    st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=ir.id, reason="switched to a fentanyl patch"),
        role="clinician")
    o = order(st, pb, p, PATCH_V, 12, "transdermal", "q72h")
    assert o.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    assert naive_check(pb, o).status == pb.CHECK_STATUS_OK
    st.call("dosage", "MarkAdministrationEnteredInError",
            pb.MarkAdministrationEnteredInErrorRequest(
                administration_id=dose.id,
                reason="charted against the wrong patient"),
            role="pharmacist")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, verify, st, pb, o,
                      details_prefix="order_id: hard stop at verification: "
                                     "opioid-naive")
    assert "fentanyl rule, " + KB in e.details(), e.details()
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="palliative team reviewed: tolerant, see notes")
    v = verify(st, pb, o, override=ov)
    assert v.status == pb.ORDER_STATUS_ACTIVE
    c = naive_check(pb, v)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason


def test_a_stop_overridden_at_entry_warns_at_verification(st, pb,
                                                          catalogue):
    """The prescriber passed the opioid-naive stop with a reason: the
    pharmacist verifies without an override of their own and the reply
    shows the check as a warning naming the entry override, as the nurse
    sees it at the bedside (it showed the entry's hard stop before)."""
    p = patient(st, pb)
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="palliative team: opioid-tolerant abroad, notes")
    o = patch(st, pb, p, override=ov)
    v = verify(st, pb, o)
    assert v.status == pb.ORDER_STATUS_ACTIVE
    c = naive_check(pb, v)
    assert c.status == pb.CHECK_STATUS_WARN, c.reason
    assert c.reason.startswith("overridden at order entry: opioid-naive"), \
        c.reason
