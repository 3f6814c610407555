"""Contract of the high-alert second check before the dose (issue 18):
CosignAdministration by a second user with their own credentials, bound
to the order, the patient and the dose, good for one administration within
15 minutes; RecordAdministration of a high-alert drug needs it (or the
audited cosign_override exception, recorded on hold).  Every refusal is
checked for its status and the field its message names."""

import uuid

import grpc

from harness import metrics
from harness.fixtures import assess_allergies
from harness.checks import expect_status, now_ms, poll

SVC = "dosage"
HOUR = 3600 * 1000



def new_id():
    return str(uuid.uuid4())


def high_alert_order(st, pb, high_alert=True):
    d = st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="HA-" + uuid.uuid4().hex[:12], name="Heparin", unit="[iU]",
        max_single_dose=10000.0, max_daily_dose=40000.0, routes=["sc"],
        high_alert=high_alert)), role="pharmacist")
    p = new_id()
    assess_allergies(st, p, svc=SVC)
    o = st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=p, drug_code=d.code, dose=5000.0, unit="[iU]",
        route="sc", frequency="q12h", start_ms=now_ms() - 13 * HOUR)),
        role="clinician")
    return o, p


def cosign(st, pb, order, patient, dose=5000.0, unit="IU",
           role="pharmacist"):
    return st.call(SVC, "CosignAdministration",
                   pb.CosignAdministrationRequest(
                       order_id=order, patient_id=patient, dose=dose,
                       unit=unit), role=role)


def give(st, pb, vkeys, order, patient, dose=5000.0, role="nurse", **kw):
    """A dose of the test's pack, which has no barcode: high-alert
    products need the scan or its reason (issue 30)."""
    if not kw.get("product_scan"):
        kw.setdefault("scan_override", pb.Override(
            reason=pb.OVERRIDE_REASON_OTHER, text="test pack has no barcode"))
    return st.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=order, dose=dose, unit="[iU]",
        verification_token=vkeys[0].token(patient), **kw), role=role)


def test_cosign_before_the_dose(vstack, vkeys, pb):
    o, p = high_alert_order(vstack, pb)
    before = now_ms()
    k = cosign(vstack, pb, o.id, p)
    assert k.cosigned_by == "pharm.test" and k.order_id == o.id
    assert k.patient_id == p and k.dose_in_drug_unit == 5000.0
    assert k.drug_unit == "[iU]" and before <= k.created_ms
    assert k.expires_ms - k.created_ms == 15 * 60 * 1000
    a = give(vstack, pb, vkeys, o.id, p, cosign_id=k.id)
    assert a.status == "completed" and a.cosign_id == k.id
    assert a.confirmed_by == "pharm.test" and a.confirmed_ms == k.created_ms
    assert a.performer == "nurse.test"
    # One co-sign, one dose (the interval's hard stop overridden: only the
    # co-sign stops it).
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o.id, p, cosign_id=k.id, role="clinician",
                      dose_override=pb.Override(
                          reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                          text="protocol dose"),
                      details_prefix="cosign_id")
    assert a.id in e.details()
    # A check vouches for a dose given after it, not one charted for
    # earlier.
    k2 = cosign(vstack, pb, o.id, p)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o.id, p, cosign_id=k2.id, role="clinician",
                      effective_ms=now_ms() - 2 * HOUR,
                      dose_override=pb.Override(
                          reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                          text="protocol dose"),
                      details_prefix="cosign_id")
    assert "before" in e.details()


def test_without_a_cosign_the_dose_is_refused(vstack, vkeys, pb):
    o, p = high_alert_order(vstack, pb)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o.id, p, details_prefix="cosign_id")
    assert "CosignAdministration" in e.details()
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert not h.administrations


def test_the_same_user_cannot_cosign_their_own_dose(vstack, vkeys, pb):
    o, p = high_alert_order(vstack, pb)
    k = cosign(vstack, pb, o.id, p, role="nurse")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, give, vstack, pb,
                  vkeys, o.id, p, cosign_id=k.id, details_prefix="cosign_id")
    # Unused by the refusal: the clinician may give it under the nurse's
    # check.
    a = give(vstack, pb, vkeys, o.id, p, cosign_id=k.id, role="clinician")
    assert a.confirmed_by == "nurse.test" and a.performer == "dr.test"


def test_a_cosign_is_bound_to_order_and_dose(vstack, vkeys, pb):
    o, p = high_alert_order(vstack, pb)
    other, q = high_alert_order(vstack, pb)
    k = cosign(vstack, pb, o.id, p)
    # Another dose than the one checked (with the reason it is not the
    # order's, issue 47): the co-sign does not cover it.
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o.id, p, dose=6000.0, cosign_id=k.id,
                      dose_deviation=pb.DoseDeviation(
                          reason=pb.DOSE_DEVIATION_REASON_PRESCRIBER_VERBAL_ORDER),
                      details_prefix="cosign_id")
    assert "5000" in e.details() and "6000" in e.details()
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, other.id, q, cosign_id=k.id,
                      details_prefix="cosign_id")
    assert o.id in e.details()
    expect_status(grpc.StatusCode.NOT_FOUND, give, vstack, pb, vkeys, o.id,
                  p, cosign_id=new_id(), details_prefix="cosign_id")


def test_cosign_refusals(vstack, vkeys, pb):
    o, p = high_alert_order(vstack, pb)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, cosign, vstack, pb,
                  o.id, new_id(), details_prefix="patient_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, cosign, vstack, pb,
                  o.id, p, unit="mL", details_prefix="unit")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, cosign, vstack, pb,
                  o.id, p, dose=-1.0, details_prefix="dose")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, cosign, vstack, pb,
                  "x", p, details_prefix="order_id")
    expect_status(grpc.StatusCode.NOT_FOUND, cosign, vstack, pb, new_id(),
                  p, details_prefix="order_id")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, cosign, vstack, pb,
                  o.id, p, role="registrar")
    plain, q = high_alert_order(vstack, pb, high_alert=False)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, cosign, vstack, pb,
                  plain.id, q, details_prefix="order_id")
    k = cosign(vstack, pb, o.id, p)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                  vkeys, plain.id, q, cosign_id=k.id,
                  details_prefix="cosign_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, vstack, pb, vkeys,
                  o.id, p, cosign_id=k.id, cosign_override=pb.Override(
                      reason=pb.OVERRIDE_REASON_EMERGENCY, text="arrest"),
                  details_prefix="cosign_override")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, vstack, pb, vkeys,
                  o.id, p, cosign_id="nope", details_prefix="cosign_id")
    vstack.call(SVC, "HoldOrder", pb.HoldOrderRequest(
        order_id=o.id, reason="platelets 40"), role="clinician")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, cosign, vstack, pb,
                  o.id, p, details_prefix="order_id")


def test_an_expired_cosign_is_refused(vstack, vkeys, pb):
    o, p = high_alert_order(vstack, pb)
    k = cosign(vstack, pb, o.id, p)
    # Sixteen minutes on: the check no longer vouches for what is in the
    # nurse's hand.
    vstack.sql("UPDATE smartmed_dosage.cosigns SET created_ms = created_ms"
               " - 960000, expires_ms = expires_ms - 960000 WHERE id = '%s'"
               % k.id)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, vstack, pb,
                      vkeys, o.id, p, cosign_id=k.id,
                      details_prefix="cosign_id")
    assert "expired" in e.details()


def test_an_unconfirmed_exception_becomes_overdue(vstack, vkeys, pb):
    o, p = high_alert_order(vstack, pb)
    a = give(vstack, pb, vkeys, o.id, p, cosign_override=pb.Override(
        reason=pb.OVERRIDE_REASON_EMERGENCY, text="arrest, nobody free"))
    assert a.status == "on-hold" and not a.confirmation_overdue
    gauge = "smartmed_dosage_high_alert_unconfirmed_overdue"
    before = metrics.value(metrics.scrape(vstack, SVC)[0], gauge)
    # Thirty-one minutes on, nobody has confirmed it.
    vstack.sql("UPDATE smartmed_dosage.administrations SET recorded_ms ="
               " recorded_ms - 1860000, effective_ms = effective_ms -"
               " 1860000 WHERE id = '%s'" % a.id)
    poll(lambda: metrics.value(metrics.scrape(vstack, SVC)[0], gauge) ==
         before + 1, what="the overdue gauge")
    m = vstack.call(SVC, "GetMar", pb.GetMarRequest(patient_id=p),
                    role="nurse")
    slot = [s for s in m.orders[0].slots if s.administration_id == a.id][0]
    # Waiting for its second check, never shown as given (issue 47).
    assert slot.state == pb.MAR_SLOT_STATE_AWAITING_COSIGN
    assert slot.confirmation_overdue
    assert m.orders[0].administrations[0].confirmation_overdue
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert h.administrations[0].confirmation_overdue
    # A late confirmation clears it.
    c = vstack.call(SVC, "ConfirmHighAlert", pb.ConfirmHighAlertRequest(
        administration_id=a.id), role="pharmacist")
    assert c.status == "completed" and not c.confirmation_overdue
    # The care decision was made before the administration's row lock, and
    # no write of this test called another service inside its transaction.
    assert metrics.care_decisions_in_tx(vstack, SVC, "ConfirmHighAlert") == 0
    assert metrics.outbound_calls_in_tx(vstack, SVC) == 0
    poll(lambda: metrics.value(metrics.scrape(vstack, SVC)[0], gauge) ==
         before, what="the overdue gauge back")
