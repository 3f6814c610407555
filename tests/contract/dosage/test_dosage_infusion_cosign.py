"""Contract of the independent second check of a high-alert infusion
(issue 72, item 6): a heparin or insulin infusion starts, and runs faster,
only after another user's CosignAdministration of the order, the patient
and the rate as set on the pump, by the rules of a high-alert dose's
co-sign (another person, the order's patient, 15 minutes, one use).
Running slower or stopping stays the nurse's call."""

import uuid

import grpc
import pytest

from harness.checks import expect_status
from harness.fixtures import assess_allergies

SVC = "dosage"
PRE = grpc.StatusCode.FAILED_PRECONDITION


def heparin(st, pb, high_alert=True):
    """Heparin 25,000 [iU] in 50 mL (500 [iU]/mL), flagged high-alert as
    ISMP lists anticoagulants."""
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="HAI-" + uuid.uuid4().hex[:12],
        name="Heparin 25,000 units in 50 mL infusion", unit="[iU]",
        max_single_dose=10000.0, max_daily_dose=40000.0, routes=["iv"],
        concentration_amount=25000.0, concentration_volume_ml=50.0,
        infusion_max_rate=2000.0, infusion_rate_ceiling=3000.0,
        high_alert=high_alert)), role="pharmacist")


def order(st, pb, drug, rate=1000.0, rate_max=1500.0):
    """The ward's order: heparin by infusion at 1000 [iU]/h, titrated by
    aPTT up to 1500 [iU]/h."""
    p = str(uuid.uuid4())
    assess_allergies(st, p, svc=SVC)
    return st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=p, drug_code=drug, dose=5000.0, unit="[iU]", route="iv",
        frequency="once", infusion_rate=rate, infusion_rate_unit="[iU]/h",
        infusion_rate_max=rate_max)), role="clinician")


def cosign(st, pb, o, rate, unit="mL/h", role="clinician", **kw):
    return st.call(SVC, "CosignAdministration", pb.CosignAdministrationRequest(
        order_id=o.id, patient_id=o.patient_id, dose=rate, unit=unit, **kw),
        role=role)


def start(st, pb, keys, o, rate, unit="mL/h", **kw):
    return st.call(SVC, "StartInfusion", pb.StartInfusionRequest(
        order_id=o.id, rate=rate, rate_unit=unit,
        verification_token=keys[0].token(o.patient_id), **kw), role="nurse")


def change(st, pb, f, rate, unit="mL/h", **kw):
    return st.call(SVC, "ChangeInfusionRate", pb.ChangeInfusionRateRequest(
        infusion_id=f.id, rate=rate, rate_unit=unit,
        reason="aPTT by protocol", **kw), role="nurse")


def test_heparin_infusion_started_by_one_nurse_refused(vstack, vkeys, pb):
    d = heparin(vstack, pb)
    o = order(vstack, pb, d.code)
    e = expect_status(PRE, start, vstack, pb, vkeys, o, 2.0,
                      details_prefix="cosign_id: %s is a high-alert drug: "
                      "starting its infusion needs the independent second "
                      "check" % d.code)
    assert "CosignAdministration" in e.details()
    assert "2 mL/h" in e.details()
    # Nothing started: the MAR holds no infusion.
    m = vstack.call(SVC, "GetMar", pb.GetMarRequest(patient_id=o.patient_id),
                    role="nurse")
    assert list(m.infusions) == []


def test_same_nurse_cannot_check_her_own_infusion(vstack, vkeys, pb):
    d = heparin(vstack, pb)
    o = order(vstack, pb, d.code)
    k = cosign(vstack, pb, o, 2.0, role="nurse")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, start, vstack, pb,
                  vkeys, o, 2.0, cosign_id=k.id,
                  details_prefix="cosign_id: co-signed by the user giving")


def test_heparin_infusion_with_a_second_check_starts(vstack, vkeys, pb):
    d = heparin(vstack, pb)
    o = order(vstack, pb, d.code)
    k = cosign(vstack, pb, o, 2.0)
    assert k.cosigned_by == "dr.test"
    assert k.unit == "mL/h" and k.drug_unit == "mL/h"
    f = start(vstack, pb, vkeys, o, 2.0, cosign_id=k.id)
    assert f.status == "in-progress"
    assert f.rate_drug_unit_per_hour == pytest.approx(1000.0)
    # One check, one start.
    e = expect_status(PRE, start, vstack, pb, vkeys, o, 2.0, cosign_id=k.id,
                      details_prefix="cosign_id: already used")
    assert f.id in e.details()


def test_the_rate_checked_is_the_rate_set(vstack, vkeys, pb):
    d = heparin(vstack, pb)
    o = order(vstack, pb, d.code)
    k = cosign(vstack, pb, o, 2.0)
    expect_status(PRE, start, vstack, pb, vkeys, o, 2.5, cosign_id=k.id,
                  details_prefix="cosign_id: the second checker checked "
                  "2 mL/h, not 2.5 mL/h")
    # A dose's co-sign is not a rate's.
    dose = cosign(vstack, pb, o, 5000.0, unit="[iU]")
    expect_status(PRE, start, vstack, pb, vkeys, o, 2.0, cosign_id=dose.id,
                  details_prefix="cosign_id: the second checker checked "
                  "5000 [iU], not 2 mL/h")
    # The checker compares the pump with the order: above its titration
    # maximum of 1500 [iU]/h is refused at the co-sign.
    expect_status(PRE, cosign, vstack, pb, o, 1600.0, unit="[iU]/h",
                  details_prefix="dose: the rate 1600 [iU]/h is above the "
                  "order's titration maximum of 1500 [iU]/h")
    # A weight-based rate unit is stored as the checker wrote it.
    assert cosign(vstack, pb, o, 12.5, unit="[iU]/kg/h").unit == "[iU]/kg/h"
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, cosign, vstack, pb, o,
                  2.0, dose_deviation=pb.DoseDeviation(
                      reason=pb.DOSE_DEVIATION_REASON_VOMITED_REPEAT,
                      text="rate by protocol"),
                  details_prefix="dose_deviation: not for an infusion's rate")


def test_faster_needs_a_check_slower_does_not(vstack, vkeys, pb):
    d = heparin(vstack, pb)
    o = order(vstack, pb, d.code)
    f = start(vstack, pb, vkeys, o, 2.0,
              cosign_id=cosign(vstack, pb, o, 2.0).id)
    e = expect_status(PRE, change, vstack, pb, f, 2.6,
                      details_prefix="cosign_id: %s is a high-alert drug: a "
                      "faster rate needs the independent second check"
                      % d.code)
    assert "2.6 mL/h" in e.details()
    f = change(vstack, pb, f, 2.6, cosign_id=cosign(vstack, pb, o, 2.6).id)
    assert f.rate_drug_unit_per_hour == pytest.approx(1300.0)
    # aPTT high: slower on the nurse's word alone.
    f = change(vstack, pb, f, 1.6)
    assert f.rate_drug_unit_per_hour == pytest.approx(800.0)


def test_a_drug_that_is_not_high_alert(vstack, vkeys, pb):
    d = heparin(vstack, pb, high_alert=False)
    o = order(vstack, pb, d.code)
    expect_status(PRE, start, vstack, pb, vkeys, o, 2.0,
                  cosign_id=str(uuid.uuid4()),
                  details_prefix="cosign_id: %s is not a high-alert drug"
                  % d.code)
    assert start(vstack, pb, vkeys, o, 2.0).status == "in-progress"
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, start, vstack, pb,
                  vkeys, o, 2.0, cosign_id="not an id",
                  details_prefix="cosign_id")
