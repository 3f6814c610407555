"""Contract of the independent second check of a high-alert infusion
(issue 72, item 6): a heparin or insulin infusion starts, and runs faster,
only after another user's CosignAdministration of the order, the patient
and the rate as set on the pump, by the rules of a high-alert dose's
co-sign (another person, the order's patient, 15 minutes, one use).
Running slower or stopping stays the nurse's call."""

import time
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
    # The start names its check, as the MAR reads it back.
    assert (f.rates[0].cosign_id, f.rates[0].cosigned_by) == (k.id,
                                                              "dr.test")
    m = vstack.call(SVC, "GetMar", pb.GetMarRequest(patient_id=o.patient_id),
                    role="nurse")
    assert m.infusions[0].rates[0].cosigned_by == "dr.test"
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
    assert f.rates[1].cosigned_by == "dr.test"
    # aPTT high: slower on the nurse's word alone.
    f = change(vstack, pb, f, 1.6)
    assert f.rate_drug_unit_per_hour == pytest.approx(800.0)
    assert (f.rates[2].cosign_id, f.rates[2].cosigned_by) == ("", "")


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


# --- switching anticoagulants ----------------------------------------------

HOUR = 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


def enoxaparin(st, pb):
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="ENOX-" + uuid.uuid4().hex[:10],
        name="Enoxaparin 80 mg in 0.8 mL syringe", unit="mg",
        substance="enoxaparin", max_single_dose=200.0,
        max_daily_dose=400.0, routes=["sc"])), role="pharmacist")


def heparin_of(st, pb):
    """The ward's heparin infusion: substance heparin, high-alert."""
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="UFH-" + uuid.uuid4().hex[:10],
        name="Heparin 25,000 units in 50 mL infusion", unit="[iU]",
        substance="heparin", max_single_dose=10000.0,
        max_daily_dose=40000.0, routes=["iv"],
        concentration_amount=25000.0, concentration_volume_ml=50.0,
        infusion_max_rate=2000.0, infusion_rate_ceiling=3000.0,
        high_alert=True)), role="pharmacist")


def enoxaparin_given(st, pb, keys, drug, hours_ago):
    """A patient on treatment-dose enoxaparin 80 mg every 12 h, the last
    dose hours_ago; then the order is stopped for a heparin infusion (the
    team's plan before surgery) and the infusion ordered."""
    p = str(uuid.uuid4())
    assess_allergies(st, p, svc=SVC)
    given = now_ms() - int(hours_ago * HOUR)
    o = st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=p, drug_code=drug, dose=80.0, unit="mg", route="sc",
        frequency="q12h", start_ms=given - HOUR)), role="clinician")
    st.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=o.id, dose=80.0, unit="mg", effective_ms=given,
        verification_token=keys[0].token(p)), role="nurse")
    st.call(SVC, "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=o.id, reason="switch to heparin infusion before surgery"),
        role="clinician")
    return p, given


def heparin_order(st, pb, p, drug):
    return st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=p, drug_code=drug, dose=5000.0, unit="[iU]", route="iv",
        frequency="once", infusion_rate=1000.0, infusion_rate_unit="[iU]/h")),
        role="clinician")


def utc(ms):
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms // 1000))


def test_heparin_infusion_four_hours_after_enoxaparin_stopped(vstack, vkeys,
                                                              pb):
    """Enoxaparin given at 08:00; at 12:00 the heparin infusion is
    refused, naming enoxaparin, its last dose and 20:00."""
    enox, hep = enoxaparin(vstack, pb), heparin_of(vstack, pb)
    p, given = enoxaparin_given(vstack, pb, vkeys, enox.code, 4)
    o = heparin_order(vstack, pb, p, hep.code)
    e = expect_status(PRE, start, vstack, pb, vkeys, o, 2.0,
                      details_prefix="order_id: anticoagulant switch: "
                      "enoxaparin (%s) last given %s acts 12 h: not before %s"
                      % (enox.code, utc(given), utc(given + 12 * HOUR)))
    assert "switch_override" in e.details()
    # A reason (the haematologist's plan) starts it, with a co-sign, and
    # the check stays on the start with the reason.
    ovr = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                      text="haematology: start now, no bolus")
    f = start(vstack, pb, vkeys, o, 2.0, switch_override=ovr,
              cosign_id=cosign(vstack, pb, o, 2.0).id)
    sw = [c for c in f.rates[0].checks
          if c.kind == pb.CHECK_KIND_ANTICOAGULANT_SWITCH]
    assert len(sw) == 1 and sw[0].status == pb.CHECK_STATUS_HARD_STOP
    assert sw[0].reason.endswith("overridden: haematology: start now, "
                                 "no bolus")
    assert sw[0].limit == 12.0 and 3.9 < sw[0].value < 4.1


def test_heparin_infusion_thirteen_hours_after_enoxaparin_starts(
        vstack, vkeys, pb):
    """Enoxaparin given at 08:00; at 21:00 the infusion starts."""
    enox, hep = enoxaparin(vstack, pb), heparin_of(vstack, pb)
    p, _ = enoxaparin_given(vstack, pb, vkeys, enox.code, 13)
    o = heparin_order(vstack, pb, p, hep.code)
    f = start(vstack, pb, vkeys, o, 2.0,
              cosign_id=cosign(vstack, pb, o, 2.0).id)
    assert f.status == "in-progress"
    sw = [c for c in f.rates[0].checks
          if c.kind == pb.CHECK_KIND_ANTICOAGULANT_SWITCH]
    assert [c.status for c in sw] == [pb.CHECK_STATUS_OK]
