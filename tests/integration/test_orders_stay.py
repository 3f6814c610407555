"""Orders belong to the stay they were written in (issue 30, item 2),
replayed the way a ward meets it: a patient is admitted, the attending
writes orders, the care-team nurse gives doses; the patient is discharged
and the nurse - still on the discharging team, so still allowed to see the
patient - tries to chart again; the patient is readmitted days later and
the old orders come back.  Before this change every dose after discharge
was accepted and the old orders were due again on the new stay.

Real services (audit, identity, records, dosage), real MariaDB, identity's
care relationship enforced, gRPC over loopback."""

import uuid

import grpc
import pytest

from harness import metrics, protos
from harness.checks import expect_status, now_ms, poll
from harness.fixtures import assess_allergies

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
PRE = grpc.StatusCode.FAILED_PRECONDITION
USERS = {
    "nurse.stay": ("nurse", None),
    "dr.stay": ("clinician", None),
}


# The care answer is remembered for a minute, so that with identity away
# (the last test) only the stay's question reaches it.
pytestmark = pytest.mark.stack(
    services=SERVICES, patient_checks=True, care_checks=True, users=USERS,
    extra_env={"MED_CARE_CACHE_TTL_MS": "60000"})


# The pb fixture (tests/conftest.py): {service: module}.
PROTOS = SERVICES


@pytest.fixture(scope="module")
def drugs(st, pb):
    d = pb["dosage"]
    para = "ST-PARA-" + uuid.uuid4().hex[:8].upper()
    hep = "ST-HEP-" + uuid.uuid4().hex[:8].upper()
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=para, name="Paracetamol 500 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0)), role="pharmacist")
    st.call("dosage", "UpsertDrug", d.UpsertDrugRequest(drug=d.Drug(
        code=hep, name="Heparin 25,000 units in 50 mL infusion",
        unit="[iU]", max_single_dose=10000.0, max_daily_dose=40000.0,
        routes=["iv"], concentration_amount=25000.0,
        concentration_volume_ml=50.0, infusion_max_rate=2000.0,
        infusion_rate_ceiling=3000.0)), role="pharmacist")
    return {"para": para, "hep": hep}


def call(st, user, svc, method, req):
    path, _req, resp, _ = protos.method(svc, method)
    stub = st.channel(svc).unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=resp.FromString)
    return stub(req, timeout=5, metadata=st.metadata(
        token=st.user_tokens[user]))


def patient(st, pb):
    p = pb["identity"]
    return st.call("identity", "CreatePatient", p.CreatePatientRequest(
        mrn="STAY-" + uuid.uuid4().hex[:12].upper(), family_name="Stay",
        given_name="Ward", birth_date="1961-03-04",
        sex=p.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id


def admit(st, pb, pid):
    """An admission; the ward nurse then charts the allergy assessment
    (none known), which a first dose needs (issue 47)."""
    p = pb["identity"]
    enc = st.call("identity", "Admit", p.AdmitRequest(
        patient_id=pid, encounter_class=p.ENCOUNTER_CLASS_INPATIENT,
        ward="ward-7", bed="3-" + uuid.uuid4().hex[:6], attending="dr.stay",
        reason="pneumonia",
        care_team=[p.CareTeamMember(user="nurse.stay",
                                    role=p.PARTICIPANT_ROLE_NURSE)]),
        role="registrar")
    assess_allergies(st, pid, token=st.user_tokens["nurse.stay"])
    return enc


def discharge(st, pb, enc):
    p = pb["identity"]
    return st.call("identity", "Discharge", p.DischargeRequest(
        encounter_id=enc.encounter_id, reason="home"), role="registrar")


def order(st, pb, pid, drug, **kw):
    d = pb["dosage"]
    args = dict(patient_id=pid, drug_code=drug, dose=500.0, unit="mg",
                route="oral", frequency="q6h", start_ms=now_ms() - 7 * HOUR)
    args.update(kw)
    return call(st, "dr.stay", "dosage", "CreateOrder",
                d.CreateOrderRequest(order=d.Order(**args)))


def give(st, pb, o, at=0):
    d = pb["dosage"]
    return call(st, "nurse.stay", "dosage", "RecordAdministration",
                d.RecordAdministrationRequest(
                    order_id=o.id, dose=500.0, unit="mg", effective_ms=at,
                    identity_override=d.Override(
                        reason=d.OVERRIDE_REASON_EMERGENCY,
                        text="wristband scanned, two identifiers")))


def due(st, pb, pid):
    return call(st, "nurse.stay", "dosage", "ListDue",
                pb["dosage"].ListDueRequest(patient_id=pid)).items[:]


def mar(st, pb, pid):
    return call(st, "nurse.stay", "dosage", "GetMar",
                pb["dosage"].GetMarRequest(patient_id=pid))


def reconcile(st, pb, o, decision, user="dr.stay", role=None):
    d = pb["dosage"]
    req = d.ReconcileOrderRequest(order_id=o.id, decision=decision,
                                  reason="medication reconciliation on "
                                  "readmission")
    if role is not None:
        return st.call("dosage", "ReconcileOrder", req, role=role)
    return call(st, user, "dosage", "ReconcileOrder", req)


def audit_events(st, actor, pred):
    apb = protos.module("audit")

    def find():
        recs = st.call("audit", "Query", apb.QueryRequest(actor=actor),
                       role="auditor")
        return [r.event for r in recs if pred(r.event)]
    return poll(find, timeout=10, what="audit events of %s" % actor)


def inviting(pb, line):
    """The MAR slots of a line that invite a dose."""
    d = pb["dosage"]
    return [s for s in line.slots if s.state in (
        d.MAR_SLOT_STATE_UPCOMING, d.MAR_SLOT_STATE_DUE,
        d.MAR_SLOT_STATE_LATE)]


# --- the ward pattern ----------------------------------------------------------

def test_discharge_ends_the_stays_orders(st, pb, drugs):
    """Admit, order, give; discharge: the next dose is refused naming the
    stay and its discharge, nothing is due, and the MAR invites no dose."""
    pid = patient(st, pb)
    enc = admit(st, pb, pid)
    o = order(st, pb, pid, drugs["para"])
    give(st, pb, o, at=now_ms() - 6 * HOUR)
    assert [i.order.id for i in due(st, pb, pid)] == [o.id]

    out = discharge(st, pb, enc)
    e = expect_status(PRE, give, st, pb, o,
                      details_prefix="order_id: the stay %s was discharged "
                      "at " % enc.encounter_id)
    assert "ReconcileOrder" in e.details()
    assert o.encounter_id == enc.encounter_id
    # Not given is charting too: refused the same way.
    d = pb["dosage"]
    expect_status(PRE, call, st, "nurse.stay", "dosage", "RecordNotGiven",
                  d.RecordNotGivenRequest(
                      order_id=o.id, scheduled_ms=o.start_ms + 6 * HOUR,
                      reason=d.NOT_GIVEN_REASON_PATIENT_REFUSED),
                  details_prefix="order_id: the stay %s was discharged"
                  % enc.encounter_id)
    assert due(st, pb, pid) == []
    m = mar(st, pb, pid)
    line = [ln for ln in m.orders if ln.order.id == o.id][0]
    assert inviting(pb, line) == []
    assert all(s.scheduled_ms < out.end_ms for s in line.slots)
    assert line.order.stay_ended_ms == out.end_ms
    assert line.order.awaiting_reconciliation
    # One dose charted, the one given during the stay.
    h = call(st, "nurse.stay", "dosage", "History",
             d.HistoryRequest(patient_id=pid)).administrations
    assert [a.status for a in h] == ["completed"]
    # Until the patient is admitted again there is no stay to continue
    # the order on.
    expect_status(PRE, reconcile, st, pb, o, d.RECONCILE_DECISION_CONTINUE,
                  details_prefix="order_id: the patient has no open stay")


def test_infusion_after_discharge(st, pb, drugs):
    """A pump running at discharge may be stopped, not turned up; a new
    infusion against the stay's order is refused."""
    d = pb["dosage"]
    pid = patient(st, pb)
    enc = admit(st, pb, pid)
    ovr = d.Override(reason=d.OVERRIDE_REASON_EMERGENCY,
                     text="wristband scanned, two identifiers")
    hep = [order(st, pb, pid, drugs["hep"], dose=5000.0, unit="[iU]",
                 route="iv", frequency="once", start_ms=0)
           for _ in range(2)]
    f = call(st, "nurse.stay", "dosage", "StartInfusion",
             d.StartInfusionRequest(order_id=hep[0].id, rate=2.0,
                                    rate_unit="mL/h", identity_override=ovr))
    discharge(st, pb, enc)
    expect_status(PRE, call, st, "nurse.stay", "dosage", "ChangeInfusionRate",
                  d.ChangeInfusionRateRequest(
                      infusion_id=f.id, rate=3.0, rate_unit="mL/h",
                      reason="aPTT low, titrated"),
                  details_prefix="infusion_id: the stay %s was discharged"
                  % enc.encounter_id)
    expect_status(PRE, call, st, "nurse.stay", "dosage", "StartInfusion",
                  d.StartInfusionRequest(order_id=hep[1].id, rate=2.0,
                                         rate_unit="mL/h",
                                         identity_override=ovr),
                  details_prefix="order_id: the stay %s was discharged"
                  % enc.encounter_id)
    stopped = call(st, "nurse.stay", "dosage", "StopInfusion",
                   d.StopInfusionRequest(infusion_id=f.id,
                                         reason="discharged home"))
    assert stopped.rate_drug_unit_per_hour == 0


def test_readmission_reconciles_each_order(st, pb, drugs):
    """Readmitted: the old stay's orders are not due and cannot be given
    until reconciled; CONTINUE makes one an order of the new stay (due and
    given), STOP stops the other (a pharmacist may); each decision is on
    the order's history and audited with both stays."""
    d = pb["dosage"]
    pid = patient(st, pb)
    first = admit(st, pb, pid)
    keep = order(st, pb, pid, drugs["para"])
    drop = order(st, pb, pid, drugs["para"], dose=1000.0,
                 frequency="daily")
    give(st, pb, keep, at=now_ms() - 6 * HOUR)
    discharge(st, pb, first)

    second = admit(st, pb, pid)
    assert due(st, pb, pid) == []
    expect_status(PRE, give, st, pb, keep,
                  details_prefix="order_id: the stay %s was discharged"
                  % first.encounter_id)
    listed = call(st, "dr.stay", "dosage", "ListOrders",
                  d.ListOrdersRequest(patient_id=pid)).orders
    assert {o.id for o in listed if o.awaiting_reconciliation} == \
        {keep.id, drop.id}

    # Continuing is prescribing: a pharmacist may stop, not continue.
    expect_status(grpc.StatusCode.PERMISSION_DENIED, reconcile, st, pb, keep,
                  d.RECONCILE_DECISION_CONTINUE, role="pharmacist",
                  details_prefix="decision:")
    cont = reconcile(st, pb, keep, d.RECONCILE_DECISION_CONTINUE)
    assert cont.id != keep.id and cont.replaces_order_id == keep.id
    assert cont.encounter_id == second.encounter_id
    assert cont.status == d.ORDER_STATUS_ACTIVE
    assert not cont.awaiting_reconciliation and cont.stay_ended_ms == 0
    old = call(st, "dr.stay", "dosage", "GetOrder",
               d.GetOrderRequest(order_id=keep.id))
    assert old.status == d.ORDER_STATUS_SUPERSEDED
    assert [i.order.id for i in due(st, pb, pid)] == [cont.id]
    assert give(st, pb, cont).order_id == cont.id
    # A decided order is not decided twice.
    expect_status(PRE, reconcile, st, pb, keep, d.RECONCILE_DECISION_STOP,
                  details_prefix="order_id:")

    stop = reconcile(st, pb, drop, d.RECONCILE_DECISION_STOP,
                     role="pharmacist")
    assert stop.status == d.ORDER_STATUS_STOPPED
    assert not stop.awaiting_reconciliation
    # The new stay's own order is no reconciliation's business.
    expect_status(PRE, reconcile, st, pb, cont, d.RECONCILE_DECISION_STOP,
                  details_prefix="order_id: its stay %s is still open"
                  % second.encounter_id)

    kinds = [e.kind for e in call(st, "dr.stay", "dosage", "GetOrderHistory",
                                  d.GetOrderHistoryRequest(
                                      order_id=drop.id)).events]
    assert kinds[-1] == d.ORDER_EVENT_KIND_RECONCILED_STOPPED
    hist = call(st, "dr.stay", "dosage", "GetOrderHistory",
                d.GetOrderHistoryRequest(order_id=cont.id))
    assert hist.events[-1].kind == d.ORDER_EVENT_KIND_RECONCILED_CONTINUED
    assert hist.events[-1].new_order_id == cont.id

    ev = audit_events(st, "dr.stay", lambda e: e.patient_id == pid and
                      e.action.endswith("/ReconcileOrder") and
                      e.outcome == 0)
    det = {x.key: x.value for x in ev[0].details}
    assert det["reconcile_decision"] == "continue"
    assert det["from_encounter_id"] == first.encounter_id
    assert det["to_encounter_id"] == second.encounter_id
    assert det["order_id"] == cont.id


def test_writes_decide_care_before_their_transaction(st, pb, drugs):
    """Hold, resume, discontinue and an entered-in-error name their patient
    before the row lock (issue 53): no care decision, and no call to
    another service, while dosage holds a transaction open."""
    d = pb["dosage"]
    pid = patient(st, pb)
    admit(st, pb, pid)
    o = order(st, pb, pid, drugs["para"])
    a = give(st, pb, o, at=now_ms() - 6 * HOUR)
    for method, req in (
            ("HoldOrder", d.HoldOrderRequest(order_id=o.id,
                                             reason="nil by mouth")),
            ("ResumeOrder", d.ResumeOrderRequest(order_id=o.id,
                                                 reason="eating again")),
            ("MarkAdministrationEnteredInError",
             d.MarkAdministrationEnteredInErrorRequest(
                 administration_id=a.id,
                 reason="charted against the wrong order")),
            ("DiscontinueOrder", d.DiscontinueOrderRequest(
                order_id=o.id, reason="course complete"))):
        user = "nurse.stay" if method.startswith("Mark") else "dr.stay"
        call(st, user, "dosage", method, req)
        assert metrics.care_decisions_in_tx(st, "dosage", method) == 0, \
            method
    assert metrics.outbound_calls_in_tx(st, "dosage") == 0


def test_identity_away_fails_closed(st, pb, drugs):
    """Whether the stay is still open is asked at every dose, never
    remembered: with identity away the dose is refused UNAVAILABLE (the
    nurse's care relationship and the patient check are still cached),
    nothing is written, and the MAR is not drawn.  Stops identity: last."""
    d = pb["dosage"]
    pid = patient(st, pb)
    admit(st, pb, pid)
    o = order(st, pb, pid, drugs["para"])
    give(st, pb, o, at=now_ms() - 6 * HOUR)
    st.stop_service("identity")
    expect_status(grpc.StatusCode.UNAVAILABLE, give, st, pb, o,
                  details_prefix="order_id: identity cannot say whether "
                  "the stay is open")
    expect_status(grpc.StatusCode.UNAVAILABLE, st.call, "dosage", "GetMar",
                  d.GetMarRequest(patient_id=pid), role="pharmacist")
    h = st.call("dosage", "History", d.HistoryRequest(patient_id=pid),
                role="pharmacist").administrations
    assert len(h) == 1
