"""Issue 30, item 4: route, rate and concentration rules, replayed as a
ward meets them.  Potassium chloride concentrate (the sample catalogue's
KCL-CONC-20: 20 mmol in 10 mL, ISMP high-alert) was ordered "IV once"
with no rate and charted as a push; the catalogue could not say mmol, and
listing "iv" as its only route did not stop it.  Each scenario must end
in the safe outcome: refused at order entry, at verification, at the
bedside, or at the pump."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status
from harness.fixtures import change_drug_approved, import_sample_catalogue

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
MIN = 60 * 1000
KCL = "KCL-CONC-20"
PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION
INVALID = grpc.StatusCode.INVALID_ARGUMENT


SECOND = "pharm.route.second"
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               users={SECOND: ("pharmacist", None)})


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    r = import_sample_catalogue(st)
    return r.imported


def patient(st, pb):
    """An adult registered in identity, weighed, allergies assessed,
    potassium charted."""
    ipb = protos.module("identity")
    t = time.gmtime()
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="RT-" + uuid.uuid4().hex[:12].upper(), family_name="Route",
        given_name="Case", birth_date="%04d-%02d-%02d" % (
            t.tm_year - 60, t.tm_mon, min(t.tm_mday, 28)),
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=175,
                                  crcl_ml_min=80, allergies_known=True)),
        role="nurse")
    # Potassium chloride needs a potassium of the last 24 h (its lab
    # rules, issue 47): this morning's 3.4 mmol/L, the reason for the bag.
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_OBSERVATION, title="potassium",
        observation=rpb.Observation(loinc_code="2823-3", display="Potassium",
                                    numeric=3.4, ucum_unit="mmol/L")),
        role="nurse")
    return p


def create(st, pb, p, drug=KCL, dose=20.0, unit="mmol", route="iv",
           freq="once", **kw):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit=unit,
                 route=route, frequency=freq, **kw)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def bag_order(st, pb, p, ml=500.0, rate=250.0, rate_unit="mL/h", **kw):
    """20 mmol in ml mL at rate: the order a ward should write."""
    return create(st, pb, p, infusion_rate=rate, infusion_rate_unit=rate_unit,
                  infusion_bag_amount=20.0, infusion_bag_volume_ml=ml, **kw)


def verify(st, pb, o):
    return st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="diluted, rate checked"), role="pharmacist")


def idoverride(pb):
    return pb.Override(reason=pb.OVERRIDE_REASON_EMERGENCY,
                       text="wristband scanned, two identifiers")


def push(st, pb, o, dose=20.0, unit="mmol"):
    """The dose charted as a push, under the audited high-alert exception
    (charted after the event)."""
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit=unit,
                       identity_override=idoverride(pb),
                       cosign_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_OTHER,
                           text="charted after the event")), role="nurse")


def start(st, pb, o, rate, unit="mL/h"):
    """Potassium concentrate is high-alert: a second person checks the
    rate on the pump first (issue 72)."""
    k = st.call("dosage", "CosignAdministration",
                pb.CosignAdministrationRequest(
                    order_id=o.id, patient_id=o.patient_id, dose=rate,
                    unit=unit), role="clinician")
    return st.call("dosage", "StartInfusion", pb.StartInfusionRequest(
        order_id=o.id, rate=rate, rate_unit=unit, cosign_id=k.id,
        identity_override=idoverride(pb)), role="nurse")


def pharmacy_kcl(st, pb, second=False, **kw):
    """A pharmacy's own KCl concentrate entry (UpsertDrug); second: a change
    that loosens it, approved by a second pharmacist."""
    args = dict(code="KCL-" + uuid.uuid4().hex[:10], unit="mmol",
                name="Potassium chloride 20 mmol in 10 mL concentrate",
                substance="potassium chloride", routes=["iv"],
                max_single_dose=40.0, max_daily_dose=200.0, high_alert=True,
                concentration_amount=20.0, concentration_volume_ml=10.0,
                infusion_rate_ceiling=10.0, infusion_only=True,
                infusion_max_concentration=0.04)
    args.update(kw)
    if second:
        return change_drug_approved(st, st.user_tokens[SECOND],
                                    pb.Drug(**args))
    return st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")


# --- order entry -----------------------------------------------------------


def test_kcl_concentrate_iv_once_without_rate_refused(st, pb, catalogue):
    """The ward's order: "KCl 20 mmol IV once", no rate, no bag."""
    p = patient(st, pb)
    e = expect_status(PRECONDITION, create, st, pb, p,
                      details_prefix="order.infusion_rate: KCL-CONC-20 is "
                      "infusion only")
    assert "infusion_rate_unit" in e.details()
    # Written as a push, even with a rate, it is refused by its route.
    expect_status(PRECONDITION, bag_order, st, pb, p, route="IV push",
                  details_prefix="order.route: KCL-CONC-20 is infusion "
                  "only")
    # A rate without its unit names the unit.
    expect_status(INVALID, create, st, pb, p, infusion_rate=10.0,
                  details_prefix="order.infusion_rate_unit:")
    # mg of a drug in mmol: no molar mass is guessed.
    expect_status(INVALID, create, st, pb, p, dose=1500.0, unit="mg",
                  details_prefix="order.unit: mg does not convert to the "
                  "drug's unit mmol")
    # The order a ward should write passes.
    o = bag_order(st, pb, p)
    assert o.drug_unit == "mmol" and o.dose_in_drug_unit == 20.0
    assert o.infusion_bag_volume_ml == 500.0


def test_pharmacy_entry_infusion_only_stops_iv_once(st, pb):
    """Restricting the routes to "iv" did not stop a push; infusion_only
    does, whatever else the entry says.  First the entry as a pharmacy had
    to write it before mmol existed: the concentrate by volume."""
    by_volume = pharmacy_kcl(st, pb, unit="mL", substance="",
                             max_single_dose=20.0, max_daily_dose=100.0,
                             concentration_amount=0.0,
                             concentration_volume_ml=0.0,
                             infusion_rate_ceiling=0.0,
                             infusion_max_concentration=0.0)
    p = patient(st, pb)
    expect_status(PRECONDITION, create, st, pb, p, drug=by_volume.code,
                  dose=10.0, unit="mL",
                  details_prefix="order.infusion_rate: %s is infusion "
                  "only" % by_volume.code)
    d = pharmacy_kcl(st, pb)
    assert d.infusion_only and d.infusion_max_concentration == 0.04
    expect_status(PRECONDITION, create, st, pb, p, drug=d.code,
                  details_prefix="order.infusion_rate: %s is infusion "
                  "only" % d.code)


def test_kcl_infusion_too_concentrated_refused(st, pb, catalogue):
    p = patient(st, pb)
    # 20 mmol in 100 mL is 200 mmol/L: five times the 40 mmol/L maximum.
    expect_status(PRECONDITION, bag_order, st, pb, p, ml=100.0, rate=50.0,
                  details_prefix="order.infusion_bag_volume_ml: 0.2 "
                  "mmol/mL is above KCL-CONC-20's maximum concentration")
    # A rate with no bag: the concentrate itself, 2000 mmol/L.
    expect_status(PRECONDITION, create, st, pb, p, infusion_rate=10.0,
                  infusion_rate_unit="mmol/h",
                  details_prefix="order.infusion_bag_amount: 2 mmol/mL is "
                  "above KCL-CONC-20's maximum concentration")


def test_kcl_infusion_too_fast_refused(st, pb, catalogue):
    p = patient(st, pb)
    # 20 mmol/h: twice the 10 mmol/h a peripheral line allows.
    expect_status(PRECONDITION, bag_order, st, pb, p, rate=20.0,
                  rate_unit="mmol/h",
                  details_prefix="order.infusion_rate: 20 mmol/h is above "
                  "KCL-CONC-20's infusion_rate_ceiling of 10 mmol/h")
    # 500 mL/h of 40 mmol/L is the same 20 mmol/h.
    expect_status(PRECONDITION, bag_order, st, pb, p, rate=500.0,
                  details_prefix="order.infusion_rate: 20 mmol/h")
    # A titration maximum above the ceiling is refused too.
    expect_status(PRECONDITION, bag_order, st, pb, p, rate=5.0,
                  rate_unit="mmol/h", infusion_rate_max=15.0,
                  details_prefix="order.infusion_rate_max: 15 mmol/h")


# --- the bedside and the pump ------------------------------------------------


def test_kcl_runs_as_ordered_and_never_as_a_push(st, pb, catalogue):
    p = patient(st, pb)
    o = verify(st, pb, bag_order(st, pb, p))
    assert o.status == pb.ORDER_STATUS_ACTIVE
    # Charted as a push at the bedside: refused, whatever the order.
    expect_status(PRECONDITION, push, st, pb, o,
                  details_prefix="order_id: KCL-CONC-20 is infusion only")
    expect_status(PRECONDITION, push, st, pb, o, dose=10.0, unit="mL",
                  details_prefix="order_id: KCL-CONC-20 is infusion only")
    # A co-sign of such a dose is refused too: it could never be given.
    expect_status(PRECONDITION, st.call, "dosage", "CosignAdministration",
                  pb.CosignAdministrationRequest(
                      order_id=o.id, patient_id=p, dose=20.0, unit="mmol"),
                  role="nurse",
                  details_prefix="order_id: KCL-CONC-20 is infusion only")
    # At the pump, 250 mL/h of the bag is 10 mmol/h (not 500 mmol/h
    # through the concentrate's 2 mmol/mL).
    f = start(st, pb, o, 250.0)
    assert f.rate_drug_unit_per_hour == pytest.approx(10.0)
    # Faster than ordered is refused at the pump.
    expect_status(PRECONDITION, st.call, "dosage", "ChangeInfusionRate",
                  pb.ChangeInfusionRateRequest(
                      infusion_id=f.id, rate=300.0, rate_unit="mL/h",
                      reason="K 2.9, speed up"), role="nurse",
                  details_prefix="rate: 12 mmol/h is above the order's")
    # The administration History shows: nothing charted as a push.
    h = st.call("dosage", "History", pb.HistoryRequest(patient_id=p),
                role="nurse")
    assert list(h.administrations) == []


def test_order_written_before_the_rule(st, pb):
    """An entry that allowed a push, an "IV once" order written under it,
    then the pharmacy marks the entry infusion only with a maximum
    concentration: the old order can be neither verified, nor charted as
    a push, nor run undiluted."""
    d = pharmacy_kcl(st, pb, infusion_only=False,
                     infusion_max_concentration=0.0,
                     requires_verification=True)
    p = patient(st, pb)
    pending = create(st, pb, p, drug=d.code)
    d = pharmacy_kcl(st, pb, second=True, code=d.code,
                     requires_verification=False)
    assert d.infusion_only
    expect_status(PRECONDITION, verify, st, pb, pending,
                  details_prefix="order.infusion_rate: %s is infusion "
                  "only" % d.code)
    # One that went active before the rule (no verification then).
    d = pharmacy_kcl(st, pb, second=True, code=d.code, infusion_only=False,
                     infusion_max_concentration=0.0)
    active = create(st, pb, p, drug=d.code)
    assert active.status == pb.ORDER_STATUS_ACTIVE
    pharmacy_kcl(st, pb, code=d.code)
    expect_status(PRECONDITION, push, st, pb, active,
                  details_prefix="order_id: %s is infusion only" % d.code)
    expect_status(PRECONDITION, start, st, pb, active, 5.0, "mmol/h",
                  details_prefix="order_id: the order's infusion: "
                  "order.infusion_bag_amount: 2 mmol/mL is above")
    # A ceiling lowered while an infusion order waits for the pharmacist.
    d = pharmacy_kcl(st, pb, code=d.code, requires_verification=True)
    waiting = bag_order(st, pb, p, drug=d.code)
    assert waiting.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    pharmacy_kcl(st, pb, code=d.code, requires_verification=True,
                 infusion_rate_ceiling=5.0)
    expect_status(PRECONDITION, verify, st, pb, waiting,
                  details_prefix="order.infusion_rate: 10 mmol/h is above "
                  "%s's infusion_rate_ceiling of 5 mmol/h" % d.code)


def test_catalogue_refuses_what_does_not_add_up(st, pb):
    expect_status(INVALID, pharmacy_kcl, st, pb,
                  infusion_max_concentration=-0.04,
                  details_prefix="drug.infusion_max_concentration:")
    expect_status(INVALID, pharmacy_kcl, st, pb, unit="mL", substance="",
                  concentration_amount=0.0, concentration_volume_ml=0.0,
                  details_prefix="drug.infusion_max_concentration:")
    tablet = dict(unit="tablet", strength=8.0, strength_unit="mEq",
                  concentration_amount=0.0, concentration_volume_ml=0.0,
                  routes=["oral"], infusion_only=False,
                  infusion_max_concentration=0.0, infusion_rate_ceiling=0.0)
    # A strength in mL is no amount of substance.
    expect_status(INVALID, pharmacy_kcl, st, pb,
                  **dict(tablet, strength_unit="mL"),
                  details_prefix="drug.strength:")
    # Potassium chloride is counted in mmol (the concentrate): a tablet of
    # it in mEq, or in mg, would make its totals unreadable; no molar
    # mass or valence is guessed to join them.
    pharmacy_kcl(st, pb)
    for unit in ("mEq", "mg"):
        expect_status(PRECONDITION, pharmacy_kcl, st, pb,
                      **dict(tablet, strength_unit=unit),
                      details_prefix="drug.strength_unit: another product "
                      "of potassium chloride")
    d = pharmacy_kcl(st, pb, **dict(tablet, strength_unit="mmol"))
    assert d.strength_unit == "mmol"
