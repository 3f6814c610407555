"""Issue 47, "the dose actually drawn up" and "orders a ward writes
twice", replayed through the running services (the sample catalogue,
patients in identity) the way a ward meets them:

- a double dose of paracetamol is charted: refused, naming the ordered and
  the charted dose; with a coded reason it is stored, and the reason is in
  History and on the audit event;
- a tenfold insulin dose is drawn up and the second checker co-signs the
  same wrong dose: refused, since the co-sign is checked against the order;
- 4 mL of a 100 units/mL insulin when 400 units were ordered: accepted;
- a high-alert dose charted under the exception reads on the MAR as
  waiting for its co-sign, never as given;
- two prescribers order the same drug: flagged at entry (a hard stop for
  two regular orders, a warning beside a PRN one), and at verification;
- an order written with its end already past is never active.

Each fails on the code before issue 47."""

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms, poll
from harness.fixtures import import_sample_catalogue, new_patient

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
DAY = 24 * HOUR
PARACETAMOL, AMOXICILLIN = "161", "723"
INSULIN_U100 = "INS-U100-RD"


# A second prescriber and a second nurse: one user per role is not a ward.
pytestmark = pytest.mark.stack(
    services=SERVICES, patient_checks=True,
    users={"dr.second": ("clinician", None),
           "nurse.second": ("nurse", None)})
SECOND = {"clinician2": "dr.second", "nurse2": "nurse.second"}


def call(st, method, req, role):
    """st.call as role, or as a suite user for clinician2 and nurse2."""
    if role in SECOND:
        return st.call("dosage", method, req,
                       token=st.user_tokens[SECOND[role]])
    return st.call("dosage", method, req, role=role)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    r = import_sample_catalogue(st)
    # A U-100 insulin vial as the pharmacy codes it for infusion bags:
    # dosed in units, 100 units in 1 mL, so a dose may be charted in mL.
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=INSULIN_U100, name="Insulin (human) 100 units/mL vial",
        substance="insulin", unit="[iU]", routes=["sc", "iv"],
        max_single_dose=500, max_daily_dose=1000, high_alert=True,
        concentration_amount=100, concentration_volume_ml=1)),
        role="pharmacist")
    return r.imported


def patient(st, pb):
    """An adult registered in identity, with the facts the checks use."""
    p = new_patient(st, mrn_prefix="RD", family="Rightdose")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=80, height_cm=180,
                                  crcl_ml_min=90, allergies_known=True)),
            role="nurse")
    return p


def override(pb, text, reason=None):
    return pb.Override(reason=reason or pb.OVERRIDE_REASON_OTHER, text=text)


def wristband(pb):
    return override(pb, "wristband scanned, two identifiers",
                    pb.OVERRIDE_REASON_EMERGENCY)


def create(st, pb, p, drug, dose, unit="mg", freq="q6h", route="oral",
           start=None, role="clinician", ov=None, **kw):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit=unit,
                 route=route, frequency=freq,
                 start_ms=start if start is not None else now_ms() - HOUR,
                 **kw)
    return call(st, "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role)


def give(st, pb, o, dose, unit="mg", role="nurse", **kw):
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit=unit,
                       identity_override=wristband(pb), **kw), role=role)


def cosign(st, pb, o, p, dose, unit="[iU]", role="nurse2", **kw):
    return call(st, "CosignAdministration", pb.CosignAdministrationRequest(
        order_id=o.id, patient_id=p, dose=dose, unit=unit, **kw), role)


def no_scan(pb):
    return override(pb, "vial label unreadable by the scanner")


def audit_details(st, p, method, key):
    """The details of p's audit events of method that carry key."""
    apb = protos.module("audit")

    def found():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=p),
                       role="auditor", timeout=10)
        got = [{d.key: d.value for d in r.event.details} for r in recs
               if r.event.action.endswith("/" + method)]
        return [d for d in got if key in d]

    return poll(found, timeout=20, what="%s audit event with %s"
                % (method, key))


def kind(checks, k):
    found = [c for c in checks if c.kind == k]
    assert found, "no check of kind %d" % k
    return found[0]


# --- the dose given against the dose ordered ---------------------------------


def test_double_dose_of_paracetamol_is_refused(st, pb, catalogue):
    """500 mg ordered, 1 g (two tablets) charted: within the drug's limits,
    so no limit stops it; only the order does."""
    p = patient(st, pb)
    o = create(st, pb, p, PARACETAMOL, 500)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 1000,
                  details_prefix="dose: the dose charted is not the "
                                 "ordered dose",
                  details_contains="charted 1000 mg, ordered 500 mg")
    # The ordered dose, in another unit of the same dimension, passes.
    a = give(st, pb, o, 0.5, unit="g")
    assert a.status == "completed"
    assert not a.HasField("dose_deviation")
    assert a.dose_deviation_summary == ""


def test_a_charted_dose_without_a_unit_is_refused(st, pb, catalogue):
    p = patient(st, pb)
    o = create(st, pb, p, PARACETAMOL, 500)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, st, pb, o, 500,
                  unit="", details_prefix="unit:")


def test_a_coded_reason_is_stored_and_audited(st, pb, catalogue):
    """The patient vomited within minutes; the prescriber asks for the
    dose again, and the nurse charts 1 g against the 500 mg order."""
    p = patient(st, pb)
    o = create(st, pb, p, PARACETAMOL, 500)
    dev = pb.DoseDeviation(reason=pb.DOSE_DEVIATION_REASON_OTHER)
    # OTHER needs words; an unknown reason is refused.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, st, pb, o, 1000,
                  dose_deviation=dev,
                  details_prefix="dose_deviation.text")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, st, pb, o, 1000,
                  dose_deviation=pb.DoseDeviation(),
                  details_prefix="dose_deviation.reason")
    a = give(st, pb, o, 1000, dose_deviation=pb.DoseDeviation(
        reason=pb.DOSE_DEVIATION_REASON_PRESCRIBER_VERBAL_ORDER,
        text="Dr Ahmed by phone, 1 g once"))
    assert a.dose_deviation.reason == \
        pb.DOSE_DEVIATION_REASON_PRESCRIBER_VERBAL_ORDER
    assert a.ordered_dose_in_drug_unit == 500
    assert a.dose_deviation_summary == "charted 1000 mg, ordered 500 mg"
    h = st.call("dosage", "History", pb.HistoryRequest(patient_id=p),
                role="nurse")
    got = [x for x in h.administrations if x.id == a.id]
    assert got and got[0].dose_deviation.text == "Dr Ahmed by phone, 1 g once"
    assert got[0].dose_deviation_summary == "charted 1000 mg, ordered 500 mg", got[0]
    ev = audit_details(st, p, "RecordAdministration", "dose_deviation")
    assert ev[0]["dose_deviation"] == "charted 1000 mg, ordered 500 mg"
    assert ev[0]["dose_deviation_reason"] == str(
        pb.DOSE_DEVIATION_REASON_PRESCRIBER_VERBAL_ORDER)
    assert ev[0]["dose_deviation_text"] == "Dr Ahmed by phone, 1 g once"
    # The MAR shows it on the dose.
    mar = st.call("dosage", "GetMar", pb.GetMarRequest(patient_id=p),
                  role="nurse")
    line = [m for m in mar.orders if m.order.id == o.id][0]
    shown = [x for x in line.administrations if x.id == a.id][0]
    assert shown.dose_deviation_summary == "charted 1000 mg, ordered 500 mg"


def test_tenfold_insulin_cosigned_as_drawn_up_is_refused(st, pb, catalogue):
    """4 units ordered; the nurse draws up 40 (0.4 mL read as 4 units'
    worth) and the second nurse co-signs the 40 she is shown."""
    p = patient(st, pb)
    o = create(st, pb, p, INSULIN_U100, 4, unit="[iU]", route="sc")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, cosign, st, pb, o, p,
                  40, details_prefix="dose: the dose co-signed is not the "
                                     "ordered dose",
                  details_contains="charted 40 units, ordered 4 units")
    # The second checker enters what the order says: then the first
    # nurse's 40 units do not match the check, nor the order.
    k = cosign(st, pb, o, p, 4)
    assert k.ordered_dose_in_drug_unit == 4
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 40,
                  unit="[iU]", cosign_id=k.id, scan_override=no_scan(pb),
                  details_prefix="dose:")
    a = give(st, pb, o, 4, unit="[iU]", cosign_id=k.id,
             scan_override=no_scan(pb))
    assert a.status == "completed" and a.confirmed_by


def test_a_cosign_of_another_dose_needs_the_same_reasons(st, pb, catalogue):
    """A sliding-scale dose: the co-signer says why it is not the order's
    dose, and so does the nurse who gives it."""
    p = patient(st, pb)
    o = create(st, pb, p, INSULIN_U100, 4, unit="[iU]", route="sc")
    why = pb.DoseDeviation(
        reason=pb.DOSE_DEVIATION_REASON_TITRATION_PER_PROTOCOL,
        text="sliding scale, glucose 14.2")
    k = cosign(st, pb, o, p, 6, dose_deviation=why)
    assert k.dose_deviation.reason == \
        pb.DOSE_DEVIATION_REASON_TITRATION_PER_PROTOCOL
    ev = audit_details(st, p, "CosignAdministration", "dose_deviation")
    assert ev[0]["dose_deviation"] == "charted 6 units, ordered 4 units"
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 6,
                  unit="[iU]", cosign_id=k.id, scan_override=no_scan(pb),
                  details_prefix="dose: the dose charted is not the")
    a = give(st, pb, o, 6, unit="[iU]", cosign_id=k.id,
             scan_override=no_scan(pb), dose_deviation=why)
    assert a.dose_deviation_summary == "charted 6 units, ordered 4 units"


def test_four_ml_of_u100_insulin_is_400_units(st, pb, catalogue):
    p = patient(st, pb)
    o = create(st, pb, p, INSULIN_U100, 400, unit="[iU]", route="iv",
               freq="once")
    k = cosign(st, pb, o, p, 4, unit="mL")
    assert k.dose_in_drug_unit == 400
    a = give(st, pb, o, 4, unit="mL", cosign_id=k.id,
             scan_override=no_scan(pb))
    assert a.status == "completed"
    assert a.dose_in_drug_unit == 400
    assert a.dose_deviation_summary == ""
    # 3.5 mL is 350 units: not the order.
    o2 = create(st, pb, p, INSULIN_U100, 400, unit="[iU]", route="iv",
                freq="once", start=now_ms())
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, cosign, st, pb, o2, p,
                  3.5, unit="mL",
                  details_contains="charted 350 units, ordered 400 units")


# --- the MAR: a dose waiting for its co-sign ---------------------------------


def test_mar_shows_a_dose_waiting_for_its_cosign(st, pb, catalogue):
    p = patient(st, pb)
    o = create(st, pb, p, INSULIN_U100, 4, unit="[iU]", route="sc",
               freq="daily", start=now_ms() - 10 * 60 * 1000)
    a = give(st, pb, o, 4, unit="[iU]", scan_override=no_scan(pb),
             cosign_override=override(pb, "hypoglycaemia protocol, no "
                                          "second nurse on the ward"))
    assert a.status == "on-hold"

    def slot():
        mar = st.call("dosage", "GetMar", pb.GetMarRequest(patient_id=p),
                      role="nurse")
        line = [m for m in mar.orders if m.order.id == o.id][0]
        return [s for s in line.slots if s.administration_id == a.id][0]

    s = slot()
    assert s.state == pb.MAR_SLOT_STATE_AWAITING_COSIGN
    assert s.state != pb.MAR_SLOT_STATE_GIVEN
    call(st, "ConfirmHighAlert", pb.ConfirmHighAlertRequest(
        administration_id=a.id), "nurse2")
    assert slot().state == pb.MAR_SLOT_STATE_GIVEN


# --- orders a ward writes twice ----------------------------------------------


def test_two_prescribers_order_the_same_drug(st, pb, catalogue):
    """The surgeon and the ward doctor each write amoxicillin 500 mg
    three times a day; a third writes it as needed."""
    p = patient(st, pb)
    first = create(st, pb, p, AMOXICILLIN, 500, freq="tid")
    dup = kind(first.checks, pb.CHECK_KIND_DUPLICATE_ORDER)
    assert dup.status == pb.CHECK_STATUS_OK
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, create, st, pb, p,
                  AMOXICILLIN, 500, freq="tid", role="clinician2",
                  details_prefix="order: hard stop: duplicate order of "
                                 "amoxicillin")
    # The prescriber may override (two courses on purpose): flagged on the
    # order, and a pharmacist sees it.
    second = create(st, pb, p, AMOXICILLIN, 500, freq="tid",
                    role="clinician2",
                    ov=override(pb, "second course intended by ID team",
                                pb.OVERRIDE_REASON_CLINICALLY_INDICATED))
    dup = kind(second.checks, pb.CHECK_KIND_DUPLICATE_ORDER)
    assert dup.status == pb.CHECK_STATUS_HARD_STOP and dup.value == 1
    assert second.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    # A PRN order of the same substance beside them warns.
    prn = create(st, pb, p, AMOXICILLIN, 250, freq="prn",
                 prn_max_daily_dose=1000)
    dup = kind(prn.checks, pb.CHECK_KIND_DUPLICATE_ORDER)
    assert dup.status == pb.CHECK_STATUS_WARN and dup.value == 2


def test_taper_steps_that_follow_each_other_are_no_duplicate(st, pb,
                                                             catalogue):
    p = patient(st, pb)
    t0 = now_ms() + HOUR
    a = create(st, pb, p, AMOXICILLIN, 500, freq="tid", start=t0,
               end_ms=t0 + 3 * DAY)
    b = create(st, pb, p, AMOXICILLIN, 250, freq="tid", start=t0 + 3 * DAY,
               end_ms=t0 + 6 * DAY)
    assert kind(b.checks, pb.CHECK_KIND_DUPLICATE_ORDER).status == \
        pb.CHECK_STATUS_OK
    # Overlapping steps are two orders at once.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, create, st, pb, p,
                  AMOXICILLIN, 125, freq="tid", start=t0 + 2 * DAY,
                  end_ms=t0 + 4 * DAY,
                  details_prefix="order: hard stop: duplicate order")
    assert a.id != b.id


def test_verification_meets_an_order_written_since(st, pb, catalogue):
    """An order waiting for a pharmacist; the same drug is written again
    (overridden at entry by another prescriber); the pharmacist who
    verifies the first sees the second."""
    p = patient(st, pb)
    why = override(pb, "renal team asked for it",
                   pb.OVERRIDE_REASON_CLINICALLY_INDICATED)
    # Each is overridden at entry, so each waits for a pharmacist; the
    # first met nothing, so its own checks carry no duplicate stop.
    first = create(st, pb, p, AMOXICILLIN, 5000, freq="tid", ov=why)
    assert first.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    assert kind(first.checks, pb.CHECK_KIND_DUPLICATE_ORDER).status == \
        pb.CHECK_STATUS_OK
    create(st, pb, p, AMOXICILLIN, 500, freq="tid", role="clinician2",
           ov=why)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "VerifyOrder", pb.VerifyOrderRequest(order_id=first.id),
                  role="pharmacist",
                  details_prefix="order_id: hard stop at verification: "
                                 "duplicate order")


def test_an_order_on_a_merged_record_counts(st, pb, catalogue):
    """The emergency department wrote amoxicillin on a temporary record;
    the record is merged into the patient's, and the ward writes it again
    on the surviving record: flagged at entry and at verification."""
    ipb = protos.module("identity")
    ward, ed = patient(st, pb), patient(st, pb)
    create(st, pb, ed, AMOXICILLIN, 500, freq="tid")
    st.call("identity", "LinkPatients", ipb.LinkPatientsRequest(
        survivor_id=ward, merged_id=ed,
        reason="ED temporary record is this patient"), role="registrar")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, create, st, pb, ward,
                  AMOXICILLIN, 500, freq="tid", role="clinician2",
                  details_prefix="order: hard stop: duplicate order of "
                                 "amoxicillin")
    # Written first with another stop overridden, it waits for a pharmacist
    # who meets the merged record's order.
    ward2, ed2 = patient(st, pb), patient(st, pb)
    why = override(pb, "renal team asked for it",
                   pb.OVERRIDE_REASON_CLINICALLY_INDICATED)
    first = create(st, pb, ward2, AMOXICILLIN, 5000, freq="tid", ov=why)
    create(st, pb, ed2, AMOXICILLIN, 500, freq="tid")
    st.call("identity", "LinkPatients", ipb.LinkPatientsRequest(
        survivor_id=ward2, merged_id=ed2,
        reason="ED temporary record is this patient"), role="registrar")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "VerifyOrder", pb.VerifyOrderRequest(order_id=first.id),
                  role="pharmacist",
                  details_prefix="order_id: hard stop at verification: "
                                 "duplicate order")


# --- an order whose end is past ------------------------------------------------


def test_an_order_with_its_end_past_is_never_active(st, pb, catalogue):
    p = patient(st, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, create, st, pb, p,
                  PARACETAMOL, 500, start=now_ms() - 3 * DAY,
                  end_ms=now_ms() - DAY, details_prefix="order.end_ms:")
    # An order that ran to its end is completed on every read: not due.
    o = create(st, pb, p, PARACETAMOL, 500, start=now_ms() - 3 * DAY,
               end_ms=now_ms() + 3000)
    assert o.status == pb.ORDER_STATUS_ACTIVE

    def ended():
        got = st.call("dosage", "GetOrder", pb.GetOrderRequest(
            order_id=o.id), role="nurse")
        return got if got.status == pb.ORDER_STATUS_COMPLETED else None

    poll(ended, timeout=20, what="the order completed at its end")
    due = st.call("dosage", "ListDue", pb.ListDueRequest(patient_id=p),
                  role="nurse")
    assert [i for i in due.items if i.order.id == o.id] == []
