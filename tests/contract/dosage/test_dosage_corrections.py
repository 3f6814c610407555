"""Contract of MarkAdministrationEnteredInError (issue 18, corrections): a
mis-charted dose or not-given record keeps its row with status
"entered-in-error" and who, when and why; it stops counting in totals,
interval checks and the MAR, so the dose can be charted anew; a "once"
order completed by the dose is in force again.  A nurse corrects only
her own records, a clinician or pharmacist any; a counted dose corrected
by the person who charted it waits, still counted, for a second person
(issue 30).  Every refusal is checked
for its status and the field its message names."""

import uuid

import grpc

from harness.checks import expect_status, now_ms
from harness.fixtures import assess_allergies

SVC = "dosage"
HOUR = 3600 * 1000



def mkdrug(st, pb):
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="EIE-" + uuid.uuid4().hex[:12], name="Testamol", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0, routes=["oral"],
        min_interval_minutes=240)), role="pharmacist")


def mkorder(st, pb, patient, drug, freq="q6h", start_ms=0):
    assess_allergies(st, patient, svc=SVC)
    return st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=patient, drug_code=drug, dose=500.0, unit="mg",
        route="oral", frequency=freq, start_ms=start_ms)), role="clinician")


def give(st, pb, vkeys, order, patient, role="nurse", **kw):
    return st.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=order, dose=500.0, unit="mg",
        verification_token=vkeys[0].token(patient), **kw), role=role)


def in_error(st, pb, admin_id, reason="charted against the wrong order",
             role="nurse"):
    return st.call(SVC, "MarkAdministrationEnteredInError",
                   pb.MarkAdministrationEnteredInErrorRequest(
                       administration_id=admin_id, reason=reason), role=role)


def interval_check(st, pb, order_id):
    c = st.call(SVC, "CheckDose", pb.CheckDoseRequest(order_id=order_id),
                role="nurse")
    return [x for x in c.checks if x.kind == pb.CHECK_KIND_INTERVAL][0]


def test_a_corrected_dose_stops_counting(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = str(uuid.uuid4())
    start = now_ms() - 7 * HOUR
    o = mkorder(vstack, pb, p, d.code, start_ms=start)
    a = give(vstack, pb, vkeys, o.id, p)
    assert interval_check(vstack, pb, o.id).status == \
        pb.CHECK_STATUS_HARD_STOP
    # The nurse's correction of her own dose is a request: the dose still
    # counts until a second person, who did not chart it, confirms.
    asked = in_error(vstack, pb, a.id)
    assert asked.status == "completed"
    assert asked.entered_in_error_requested_by == "nurse.test"
    assert interval_check(vstack, pb, o.id).status == \
        pb.CHECK_STATUS_HARD_STOP
    before = now_ms()
    r = in_error(vstack, pb, a.id, role="pharmacist")
    assert r.id == a.id and r.status == "entered-in-error"
    assert r.entered_in_error_by == "pharm.test"
    assert r.entered_in_error_requested_by == "nurse.test"
    assert r.entered_in_error_reason == "charted against the wrong order"
    assert before <= r.entered_in_error_ms <= now_ms()
    # The row keeps what was charted.
    assert (r.dose, r.performer, r.effective_ms) == (
        500.0, "nurse.test", a.effective_ms)
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert [x.status for x in h.administrations] == ["entered-in-error"]
    assert not h.totals
    assert interval_check(vstack, pb, o.id).status == pb.CHECK_STATUS_OK
    # Charted anew: the MAR's slot is answered by the new dose only.
    b = give(vstack, pb, vkeys, o.id, p)
    m = vstack.call(SVC, "GetMar", pb.GetMarRequest(
        patient_id=p, from_ms=start, to_ms=start + 12 * HOUR), role="nurse")
    line = m.orders[0]
    slot = [s for s in line.slots if s.scheduled_ms == start + 6 * HOUR][0]
    assert slot.state == pb.MAR_SLOT_STATE_GIVEN
    assert slot.administration_id == b.id
    assert sorted(x.status for x in line.administrations) == [
        "completed", "entered-in-error"]


def test_a_corrected_not_given_can_be_charted_anew(vstack, pb):
    d = mkdrug(vstack, pb)
    start = now_ms() - 7 * HOUR
    o = mkorder(vstack, pb, str(uuid.uuid4()), d.code, start_ms=start)
    req = pb.RecordNotGivenRequest(order_id=o.id, scheduled_ms=start,
                                   reason=pb.NOT_GIVEN_REASON_PATIENT_ABSENT)
    ng = vstack.call(SVC, "RecordNotGiven", req, role="nurse")
    r = in_error(vstack, pb, ng.id, reason="the patient was on the ward",
                 role="clinician")
    assert r.status == "entered-in-error" and r.entered_in_error_by == \
        "dr.test"
    again = vstack.call(SVC, "RecordNotGiven", req, role="nurse")
    assert again.id != ng.id and again.status == "not-done"


def test_a_once_order_is_in_force_again(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = str(uuid.uuid4())
    o = mkorder(vstack, pb, p, d.code, freq="once")
    a = give(vstack, pb, vkeys, o.id, p)
    get = pb.GetOrderRequest(order_id=o.id)
    assert vstack.call(SVC, "GetOrder", get, role="nurse").status == \
        pb.ORDER_STATUS_COMPLETED
    in_error(vstack, pb, a.id, role="pharmacist")
    assert vstack.call(SVC, "GetOrder", get, role="nurse").status == \
        pb.ORDER_STATUS_ACTIVE
    h = vstack.call(SVC, "GetOrderHistory", pb.GetOrderHistoryRequest(
        order_id=o.id), role="nurse")
    assert [e.kind for e in h.events][-2:] == [
        pb.ORDER_EVENT_KIND_COMPLETED, pb.ORDER_EVENT_KIND_REOPENED]
    assert h.events[-1].actor == "pharm.test"
    give(vstack, pb, vkeys, o.id, p)
    assert vstack.call(SVC, "GetOrder", get, role="nurse").status == \
        pb.ORDER_STATUS_COMPLETED


def test_refusals(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = str(uuid.uuid4())
    o = mkorder(vstack, pb, p, d.code, start_ms=now_ms() - HOUR)
    by_doctor = give(vstack, pb, vkeys, o.id, p, role="clinician")
    # A nurse corrects only what she charted herself.
    e = expect_status(grpc.StatusCode.PERMISSION_DENIED, in_error, vstack,
                      pb, by_doctor.id, details_prefix="administration_id")
    assert "dr.test" in e.details()
    expect_status(grpc.StatusCode.PERMISSION_DENIED, in_error, vstack, pb,
                  by_doctor.id, role="registrar")
    in_error(vstack, pb, by_doctor.id, role="clinician")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, in_error, vstack,
                      pb, by_doctor.id, role="clinician",
                      details_prefix="administration_id")
    assert "already" in e.details()
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, in_error, vstack, pb,
                  by_doctor.id, reason="no", details_prefix="reason")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, in_error, vstack, pb,
                  by_doctor.id, reason="x" * 501, details_prefix="reason")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, in_error, vstack, pb,
                  "not-a-uuid", details_prefix="administration_id")
    expect_status(grpc.StatusCode.NOT_FOUND, in_error, vstack, pb, str(uuid.uuid4()),
                  details_prefix="administration_id")
