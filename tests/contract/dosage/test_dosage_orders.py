"""Contract of the ward-round half of smartmed.dosage.v1.Dosage (issue 18,
first part): ListOrders with paging, ModifyOrder, RenewOrder, HoldOrder,
ResumeOrder and GetOrderHistory (every change a version or a logged
change), RecordNotGiven, GetMar, the refusals of administrations against
orders that are not in force, and the plausibility bounds of issue 17
finding 9.  Every refusal is checked for its status and the field its
message names."""

import uuid

import grpc
import pytest

from harness import protos
from harness.fixtures import assess_allergies
from harness.checks import expect_status, now_ms, poll

SVC = "dosage"
MIN = 60 * 1000
HOUR = 60 * MIN




def pid():
    return str(uuid.uuid4())


def mkdrug(st, pb, **kw):
    args = dict(code="TC-" + uuid.uuid4().hex[:12], name="Testamol",
                unit="mg", max_single_dose=1000.0, max_daily_dose=4000.0,
                routes=["oral", "iv"], min_interval_minutes=240)
    args.update(kw)
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")


def mkorder(st, pb, patient, drug, dose=500.0, freq="q6h", **kw):
    o = pb.Order(patient_id=patient, drug_code=drug, dose=dose, unit="mg",
                 route="oral", frequency=freq, **kw)
    assess_allergies(st, patient, svc=SVC)
    return st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def ran_to_end(st, pb, patient, drug, start_ms):
    """An order that ran to its end: one written with its end already past
    is refused (issue 47), so it ends a moment after it is written."""
    o = mkorder(st, pb, patient, drug, start_ms=start_ms,
                end_ms=now_ms() + 1500)
    poll(lambda: st.call(SVC, "GetOrder", pb.GetOrderRequest(order_id=o.id),
                         role="nurse").status == pb.ORDER_STATUS_COMPLETED,
         what="the order to reach its end")
    return o


def give(st, pb, vkeys, order, patient, dose=500.0, **kw):
    return st.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=order, dose=dose, unit="mg",
        verification_token=vkeys[0].token(patient), **kw), role="nurse")


def modify(st, pb, order_id, reason="dose reduced: renal function",
           role="clinician", override=None, **kw):
    o = pb.Order(**kw)
    return st.call(SVC, "ModifyOrder", pb.ModifyOrderRequest(
        order_id=order_id, order=o, reason=reason, dose_override=override),
        role=role)


def hold(st, pb, order_id, role="clinician", reason="INR 5.2"):
    return st.call(SVC, "HoldOrder", pb.HoldOrderRequest(
        order_id=order_id, reason=reason), role=role)


def resume(st, pb, order_id, role="clinician", reason="INR 2.4"):
    return st.call(SVC, "ResumeOrder", pb.ResumeOrderRequest(
        order_id=order_id, reason=reason), role=role)


def not_given(st, pb, order_id, scheduled_ms, reason=None, text="",
              role="nurse"):
    if reason is None:
        reason = pb.NOT_GIVEN_REASON_PATIENT_REFUSED
    return st.call(SVC, "RecordNotGiven", pb.RecordNotGivenRequest(
        order_id=order_id, scheduled_ms=scheduled_ms, reason=reason,
        text=text), role=role)


def mar(st, pb, patient, **kw):
    return st.call(SVC, "GetMar", pb.GetMarRequest(patient_id=patient, **kw),
                   role="nurse")


# --- ListOrders ----------------------------------------------------------


def test_list_orders_by_status_prn_included(vstack, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    active = mkorder(vstack, pb, p, d.code)
    prn = mkorder(vstack, pb, p, d.code, freq="prn",
                  prn_max_daily_dose=2000.0)
    held = mkorder(vstack, pb, p, d.code, freq="q8h")
    hold(vstack, pb, held.id)
    stopped = mkorder(vstack, pb, p, d.code, freq="daily")
    vstack.call(SVC, "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=stopped.id, reason="course complete"), role="clinician")
    ended = ran_to_end(vstack, pb, p, d.code, now_ms() - 3 * HOUR)
    mkorder(vstack, pb, pid(), d.code)  # another patient's

    def ids(*statuses):
        r = vstack.call(SVC, "ListOrders", pb.ListOrdersRequest(
            patient_id=p, statuses=list(statuses)), role="nurse")
        return {o.id: o for o in r.orders}

    every = ids()
    assert set(every) == {active.id, prn.id, held.id, stopped.id, ended.id}
    assert every[prn.id].prn and every[prn.id].fhir_status == "active"
    assert every[held.id].status == pb.ORDER_STATUS_ON_HOLD
    assert every[held.id].fhir_status == "on-hold"
    assert every[ended.id].status == pb.ORDER_STATUS_COMPLETED
    assert every[ended.id].fhir_status == "completed"
    assert every[stopped.id].fhir_status == "stopped"
    assert all(o.intent == "order" for o in every.values())
    assert set(ids(pb.ORDER_STATUS_ACTIVE)) == {active.id, prn.id}
    assert set(ids(pb.ORDER_STATUS_ON_HOLD, pb.ORDER_STATUS_STOPPED)) == {
        held.id, stopped.id}
    assert set(ids(pb.ORDER_STATUS_COMPLETED)) == {ended.id}


def test_list_orders_pages(vstack, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    made = [mkorder(vstack, pb, p, d.code).id for _ in range(5)]
    seen, token, pages = [], "", 0
    while True:
        r = vstack.call(SVC, "ListOrders", pb.ListOrdersRequest(
            patient_id=p, page=protos.common().PageRequest(
                page_size=2, page_token=token)), role="pharmacist")
        seen += [(-o.created_ms, o.id) for o in r.orders]
        pages += 1
        token = r.page.next_page_token
        if not token:
            break
    assert pages == 3 and sorted(i for _, i in seen) == sorted(made)
    # newest first, then by id: orders made in one millisecond tie on
    # created_ms, so their order is the ids', not the making's
    assert seen == sorted(seen)


@pytest.mark.parametrize("kw,field", [
    (dict(patient_id="nope"), "patient_id"),
    (dict(page=dict(page_token="garbage")), "page.page_token"),
    (dict(page=dict(page_size=501)), "page.page_size"),
    (dict(statuses=[0]), "statuses"),
])
def test_list_orders_invalid(vstack, pb, kw, field):
    args = dict(patient_id=pid())
    if "page" in kw:
        args["page"] = protos.common().PageRequest(**kw.pop("page"))
    args.update(kw)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "ListOrders", pb.ListOrdersRequest(**args), role="nurse",
                  details_prefix=field)


def test_list_orders_roles(vstack, pb):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                  "ListOrders", pb.ListOrdersRequest(patient_id=pid()),
                  role="registrar")


# --- ModifyOrder, RenewOrder, GetOrderHistory -----------------------------


def test_modify_makes_a_version_and_supersedes(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    v1 = mkorder(vstack, pb, p, d.code, dose=1000.0)
    v2 = modify(vstack, pb, v1.id, dose=500.0, unit="mg", route="oral",
                frequency="q8h")
    assert v2.id != v1.id and v2.version == 2
    assert v2.first_order_id == v1.id and v2.replaces_order_id == v1.id
    assert v2.change_reason == "dose reduced: renal function"
    assert v2.status == pb.ORDER_STATUS_ACTIVE and v2.dose == 500
    assert v2.patient_id == p and v2.drug_code == d.code
    assert [c.kind for c in v2.checks]  # the order-entry checks ran
    old = vstack.call(SVC, "GetOrder", pb.GetOrderRequest(order_id=v1.id),
                      role="nurse")
    assert old.status == pb.ORDER_STATUS_SUPERSEDED
    assert old.replaced_by_order_id == v2.id and old.replaced_ms > 0
    assert old.dose == 1000  # the old version is kept, not overwritten
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, v1.id, p, details_prefix="order_id")
    assert "superseded" in e.details() and v2.id in e.details()
    a = give(vstack, pb, vkeys, v2.id, p)
    assert a.status == "completed"
    # Administration ids are time-ordered (UUID v7), so that the table,
    # clustered on them, grows at its right edge (docs/sizing.md).
    assert uuid.UUID(a.id).version == 7, a.id
    # Only the current version changes.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, modify, vstack, pb,
                  v1.id, dose=250.0, unit="mg", route="oral",
                  frequency="q8h", details_prefix="order_id")
    v3 = vstack.call(SVC, "RenewOrder", pb.RenewOrderRequest(
        order_id=v2.id, end_ms=now_ms() + 48 * HOUR,
        reason="another two days"), role="clinician")
    assert v3.version == 3 and v3.start_ms == v2.start_ms
    assert v3.dose == 500 and v3.frequency == "q8h"
    h = vstack.call(SVC, "GetOrderHistory", pb.GetOrderHistoryRequest(
        order_id=v3.id), role="pharmacist")
    assert [v.id for v in h.versions] == [v1.id, v2.id, v3.id]
    assert [v.status for v in h.versions] == [
        pb.ORDER_STATUS_SUPERSEDED, pb.ORDER_STATUS_SUPERSEDED,
        pb.ORDER_STATUS_ACTIVE]
    assert [(e.kind, e.order_id, e.new_order_id) for e in h.events] == [
        (pb.ORDER_EVENT_KIND_CREATED, v1.id, ""),
        (pb.ORDER_EVENT_KIND_MODIFIED, v1.id, v2.id),
        (pb.ORDER_EVENT_KIND_RENEWED, v2.id, v3.id)]
    assert h.events[1].actor == "dr.test"
    assert h.events[2].reason == "another two days"
    # Any version's id finds the whole history.
    assert vstack.call(SVC, "GetOrderHistory", pb.GetOrderHistoryRequest(
        order_id=v1.id), role="nurse") == h


def test_modify_runs_the_order_entry_checks(vstack, pb):
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, modify, vstack,
                      pb, o.id, dose=5000.0, unit="mg", route="oral",
                      frequency="q6h", details_prefix="order")
    assert "hard stop" in e.details()
    # Refused: nothing changed.
    assert vstack.call(SVC, "GetOrder", pb.GetOrderRequest(order_id=o.id),
                       role="nurse").status == pb.ORDER_STATUS_ACTIVE
    v2 = modify(vstack, pb, o.id, dose=5000.0, unit="mg", route="oral",
                frequency="q6h", override=pb.Override(
                    reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                    text="loading dose per protocol"))
    assert v2.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    assert v2.dose_override.text == "loading dose per protocol"


@pytest.mark.parametrize("kw,field", [
    (dict(drug_code="OTHER-DRUG"), "order.drug_code"),
    (dict(patient_id="6b1c8f6e-0000-4000-8000-000000000000"),
     "order.patient_id"),
    (dict(dose=0.0), "order.dose"),
    (dict(frequency="sometimes"), "order.frequency"),
    (dict(route="rectal"), "order.route"),
])
def test_modify_invalid(vstack, pb, kw, field):
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code)
    args = dict(dose=500.0, unit="mg", route="oral", frequency="q6h")
    args.update(kw)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, modify, vstack, pb,
                  o.id, details_prefix=field, **args)


def test_modify_and_renew_refusals(vstack, pb):
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code, end_ms=now_ms() + 24 * HOUR)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, modify, vstack, pb,
                  o.id, reason="", dose=1.0, unit="mg", route="oral",
                  frequency="q6h", details_prefix="reason")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, modify, vstack, pb,
                  o.id, role="nurse", dose=1.0, unit="mg", route="oral",
                  frequency="q6h")
    expect_status(grpc.StatusCode.NOT_FOUND, modify, vstack, pb, pid(),
                  dose=1.0, unit="mg", route="oral", frequency="q6h",
                  details_prefix="order_id")

    def renew(end_ms, role="clinician", order_id=o.id):
        return vstack.call(SVC, "RenewOrder", pb.RenewOrderRequest(
            order_id=order_id, end_ms=end_ms, reason="continue"), role=role)

    expect_status(grpc.StatusCode.INVALID_ARGUMENT, renew,
                  now_ms() + HOUR, details_prefix="end_ms")  # before its end
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, renew, now_ms() - HOUR,
                  details_prefix="end_ms")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, renew,
                  now_ms() + 48 * HOUR, role="pharmacist")
    open_ended = mkorder(vstack, pb, pid(), d.code)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, renew, 0,
                  order_id=open_ended.id, details_prefix="end_ms")
    # An order that ran to its end can be renewed; a stopped one cannot.
    ended = ran_to_end(vstack, pb, pid(), d.code, now_ms() - 5 * HOUR)
    assert renew(now_ms() + 24 * HOUR, order_id=ended.id).version == 2
    vstack.call(SVC, "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=o.id, reason="stop"), role="clinician")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, renew,
                      now_ms() + 48 * HOUR, details_prefix="order_id")
    assert "discontinued" in e.details()


# --- HoldOrder, ResumeOrder ----------------------------------------------


def test_hold_blocks_administration_until_resumed(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code)
    h = hold(vstack, pb, o.id, role="pharmacist")
    assert h.status == pb.ORDER_STATUS_ON_HOLD and h.id == o.id
    assert h.held_by == "pharm.test" and h.hold_reason == "INR 5.2"
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o.id, p, details_prefix="order_id")
    assert "on hold" in e.details()
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, hold, vstack, pb,
                      o.id, details_prefix="order_id")
    assert "already on hold" in e.details()
    expect_status(grpc.StatusCode.PERMISSION_DENIED, resume, vstack, pb,
                  o.id, role="pharmacist")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, hold, vstack, pb, o.id,
                  role="nurse")
    # A held order modified stays held in its new version.
    v2 = modify(vstack, pb, o.id, dose=250.0, unit="mg", route="oral",
                frequency="q6h")
    assert v2.status == pb.ORDER_STATUS_ON_HOLD and v2.held_by == "pharm.test"
    r = resume(vstack, pb, v2.id)
    assert r.status == pb.ORDER_STATUS_ACTIVE
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, resume, vstack, pb,
                  v2.id, details_prefix="order_id")
    assert give(vstack, pb, vkeys, v2.id, p, dose=250.0).status == "completed"
    kinds = [e.kind for e in vstack.call(
        SVC, "GetOrderHistory", pb.GetOrderHistoryRequest(order_id=v2.id),
        role="nurse").events]
    assert kinds == [pb.ORDER_EVENT_KIND_CREATED, pb.ORDER_EVENT_KIND_HELD,
                     pb.ORDER_EVENT_KIND_MODIFIED,
                     pb.ORDER_EVENT_KIND_RESUMED]


@pytest.mark.parametrize("method", ["HoldOrder", "ResumeOrder"])
@pytest.mark.parametrize("kw,field", [
    (dict(order_id="x"), "order_id"),
    (dict(reason=""), "reason"),
    (dict(reason="r" * 501), "reason"),
])
def test_hold_resume_invalid(vstack, pb, method, kw, field):
    args = dict(order_id=pid(), reason="why")
    args.update(kw)
    req = getattr(pb, method + "Request")(**args)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC, method,
                  req, role="clinician", details_prefix=field)


def test_discontinued_order_refuses_administration(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code)
    vstack.call(SVC, "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=o.id, reason="rash"), role="clinician")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o.id, p, details_prefix="order_id")
    assert "discontinued" in e.details()
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, hold, vstack, pb,
                      o.id, details_prefix="order_id")
    assert "discontinued" in e.details()


# --- RecordNotGiven ------------------------------------------------------


def test_not_given_is_charted_and_never_counted(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    start = now_ms() - 7 * HOUR
    o = mkorder(vstack, pb, p, d.code, start_ms=start)
    r = not_given(vstack, pb, o.id, start + 6 * HOUR,
                  reason=pb.NOT_GIVEN_REASON_NIL_BY_MOUTH,
                  text="theatre at 14:00")
    assert r.status == "not-done" and r.dose == 0
    assert r.scheduled_ms == start + 6 * HOUR
    assert r.not_given_reason == pb.NOT_GIVEN_REASON_NIL_BY_MOUTH
    assert r.not_given_text == "theatre at 14:00"
    assert r.performer == "nurse.test" and r.order_id == o.id
    e = expect_status(grpc.StatusCode.ALREADY_EXISTS, not_given, vstack, pb,
                      o.id, start + 6 * HOUR, details_prefix="scheduled_ms")
    assert r.id in e.details()
    # Not given counts in no total and no interval: a dose now is fine.
    c = vstack.call(SVC, "CheckDose", pb.CheckDoseRequest(order_id=o.id),
                    role="nurse")
    interval = [x for x in c.checks if x.kind == pb.CHECK_KIND_INTERVAL][0]
    assert interval.status == pb.CHECK_STATUS_OK
    give(vstack, pb, vkeys, o.id, p)
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert sorted(a.status for a in h.administrations) == [
        "completed", "not-done"]
    assert [(t.count, t.total_24h) for t in h.totals] == [(1, 500.0)]


def test_not_given_refusals(vstack, pb):
    d = mkdrug(vstack, pb)
    start = now_ms() - 7 * HOUR
    o = mkorder(vstack, pb, pid(), d.code, start_ms=start)
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, vstack, pb,
                      o.id, start + 5 * HOUR, details_prefix="scheduled_ms")
    assert str(start + 6 * HOUR) in e.details()  # names the nearest
    prn = mkorder(vstack, pb, pid(), d.code, freq="prn",
                  prn_max_daily_dose=2000.0)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, not_given, vstack, pb,
                  prn.id, now_ms(), details_prefix="order_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, vstack, pb,
                  o.id, start, reason=pb.NOT_GIVEN_REASON_UNSPECIFIED,
                  details_prefix="reason")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, vstack, pb,
                  o.id, start, reason=pb.NOT_GIVEN_REASON_OTHER,
                  details_prefix="text")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, vstack, pb,
                  o.id, now_ms() - 8 * 24 * HOUR,
                  details_prefix="scheduled_ms")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, not_given, vstack, pb,
                  o.id, 0, details_prefix="scheduled_ms")
    expect_status(grpc.StatusCode.NOT_FOUND, not_given, vstack, pb, pid(),
                  now_ms(), details_prefix="order_id")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, not_given, vstack, pb,
                  o.id, start, role="pharmacist")
    # Replaced after the dose's time: still chartable against it; a dose
    # after the replacement is the new version's.
    hourly_start = now_ms() - 7 * HOUR - 30 * MIN
    often = mkdrug(vstack, pb, min_interval_minutes=0)
    hourly = mkorder(vstack, pb, pid(), often.code, freq="q1h", dose=100.0,
                     start_ms=hourly_start)
    v2 = modify(vstack, pb, hourly.id, dose=50.0, unit="mg", route="oral",
                frequency="q1h", start_ms=hourly_start)
    assert not_given(vstack, pb, hourly.id,
                     hourly_start + 7 * HOUR).status == "not-done"
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, not_given, vstack,
                      pb, hourly.id, hourly_start + 8 * HOUR,
                      details_prefix="order_id")
    assert v2.id in e.details()
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, not_given, vstack,
                      pb, v2.id, hourly_start + 6 * HOUR,
                      details_prefix="order_id")
    assert hourly.id in e.details()
    assert not_given(vstack, pb, v2.id,
                     hourly_start + 8 * HOUR).status == "not-done"


# --- GetMar --------------------------------------------------------------


def test_mar_slots_and_prn(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    now = now_ms()
    start = now - 13 * HOUR
    sched = mkorder(vstack, pb, p, d.code, start_ms=start)
    prn = mkorder(vstack, pb, p, d.code, freq="prn",
                  prn_max_daily_dose=2000.0, start_ms=start)
    give(vstack, pb, vkeys, sched.id, p, effective_ms=now - 60 * MIN)
    not_given(vstack, pb, sched.id, start + 6 * HOUR)
    m = mar(vstack, pb, p, from_ms=start, to_ms=start + 24 * HOUR,
            now_ms=now)
    assert m.patient_id == p and m.from_ms == start and m.now_ms == now
    lines = {x.order.id: x for x in m.orders}
    assert set(lines) == {sched.id, prn.id}
    s = lines[sched.id].slots
    assert [x.scheduled_ms - start for x in s] == [0, 6 * HOUR, 12 * HOUR,
                                                   18 * HOUR]
    assert [x.state for x in s] == [
        pb.MAR_SLOT_STATE_MISSED, pb.MAR_SLOT_STATE_NOT_GIVEN,
        pb.MAR_SLOT_STATE_GIVEN, pb.MAR_SLOT_STATE_UPCOMING]
    assert s[1].not_given_reason == pb.NOT_GIVEN_REASON_PATIENT_REFUSED
    assert s[2].dose == 500 and s[2].administration_status == "completed"
    assert len(lines[sched.id].administrations) == 2
    # The PRN's next dose waits for the catalogue's 4-h interval after
    # the dose of the same drug an hour ago.
    q = lines[prn.id].prn
    assert not lines[prn.id].slots
    assert q.last_given_ms == now - 60 * MIN
    assert now + 3 * HOUR <= q.next_ms <= now + 3 * HOUR + 1000
    assert "interval" in q.reason and q.given_24h == 500


@pytest.mark.parametrize("kw,field", [
    (dict(patient_id="x"), "patient_id"),
    (dict(from_ms=2 * HOUR, to_ms=HOUR), "to_ms"),
    (dict(from_ms=HOUR, to_ms=HOUR + 8 * 24 * HOUR), "to_ms"),
    (dict(now_ms=-1), "now_ms"),
])
def test_mar_invalid(vstack, pb, kw, field):
    args = dict(patient_id=pid())
    args.update(kw)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "GetMar", pb.GetMarRequest(**args), role="nurse",
                  details_prefix=field)


def test_mar_roles(vstack, pb):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                  "GetMar", pb.GetMarRequest(patient_id=pid()),
                  role="registrar")


# --- issue 17 finding 9: implausible numbers ------------------------------


@pytest.mark.parametrize("kw,field", [
    (dict(weight_kg=5e-324), "context.weight_kg"),
    (dict(weight_kg=0.19), "context.weight_kg"),
    (dict(weight_kg=500.5), "context.weight_kg"),
    (dict(height_cm=0.1), "context.height_cm"),
    (dict(height_cm=281.0), "context.height_cm"),
    (dict(crcl_ml_min=5e-324), "context.crcl_ml_min"),
    (dict(crcl_ml_min=301.0), "context.crcl_ml_min"),
])
def test_context_implausible(vstack, pb, kw, field):
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                      "SetPatientContext", pb.SetPatientContextRequest(
                          context=pb.PatientContext(patient_id=pid(), **kw)),
                      role="nurse", details_prefix=field)
    assert "from" in e.details()  # says what is plausible


def test_context_bounds_accepted(vstack, pb):
    c = vstack.call(SVC, "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=pid(), weight_kg=0.2,
                                  height_cm=20.0, crcl_ml_min=0.0)),
        role="nurse")
    assert c.weight_kg == 0.2 and c.height_cm == 20 and c.crcl_ml_min == 0


@pytest.mark.parametrize("band", [
    dict(crcl_below_ml_min=5e-324, dose_factor=0.5),
    dict(crcl_below_ml_min=30.0, dose_factor=5e-324),
])
def test_renal_band_implausible(vstack, pb, band):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, mkdrug, vstack, pb,
                  renal_bands=[pb.RenalBand(**band)],
                  details_prefix="drug.renal_bands")


def test_tiny_stored_band_reads_back(vstack, pb):
    """A band stored before the bounds (as %.17g text) reads back instead
    of answering DATA_LOSS."""
    d = mkdrug(vstack, pb, renal_bands=[pb.RenalBand(
        crcl_below_ml_min=30.0, dose_factor=0.5)])
    vstack.sql("UPDATE smartmed_dosage.drugs SET renal_bands ="
               " '4.9406564584124654e-324:0.5:0' WHERE code = '%s'" % d.code)
    g = vstack.call(SVC, "GetDrug", pb.GetDrugRequest(code=d.code),
                    role="nurse")
    assert len(g.renal_bands) == 1 and 0 < g.renal_bands[0].crcl_below_ml_min
