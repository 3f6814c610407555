"""Contract of doses by volume (issue 18): a liquid in the catalogue
carries its concentration (120 mg in 5 mL); orders, co-signs, checks and
administrations in mL are converted through it to the drug's unit for
every check.  Without a concentration a volume is refused naming the
field; a bad concentration is refused at UpsertDrug and ImportCatalogue."""

import uuid

import grpc
import pytest

from harness.checks import expect_status
from harness.fixtures import assess_allergies

SVC = "dosage"


def suspension(st, pb, **kw):
    args = dict(code="SUSP-" + uuid.uuid4().hex[:12],
                name="Paracetamol 120 mg/5 mL oral suspension", unit="mg",
                max_single_dose=500.0, max_daily_dose=2000.0,
                routes=["oral"], concentration_amount=120.0,
                concentration_volume_ml=5.0)
    args.update(kw)
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")


def order_ml(st, pb, patient, drug, dose=10.0, unit="mL", **kw):
    assess_allergies(st, patient, svc=SVC)
    return st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=pb.Order(
        patient_id=patient, drug_code=drug, dose=dose, unit=unit,
        route="oral", frequency="q6h", **kw)), role="clinician")


def test_ten_ml_of_120_mg_per_5_ml(vstack, vkeys, pb):
    d = suspension(vstack, pb)
    assert (d.concentration_amount, d.concentration_volume_ml) == (120, 5)
    p = str(uuid.uuid4())
    o = order_ml(vstack, pb, p, d.code)
    assert (o.dose, o.unit) == (10.0, "mL")
    assert (o.dose_in_drug_unit, o.drug_unit) == (240.0, "mg")
    a = vstack.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=o.id, dose=0.01, unit="L",
        verification_token=vkeys[0].token(p)), role="nurse")
    assert a.dose_in_drug_unit == pytest.approx(240.0)
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert [(t.unit, t.total_24h) for t in h.totals] == [
        ("mg", pytest.approx(240.0))]


def test_every_check_sees_the_amount(vstack, pb):
    d = suspension(vstack, pb)
    r = vstack.call(SVC, "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=str(uuid.uuid4()),
                                 drug_code=d.code, dose=25.0, unit="mL")),
        role="nurse")
    assert r.dose_in_drug_unit == 600.0 and r.drug_unit == "mg"
    single = [c for c in r.checks if c.kind == pb.CHECK_KIND_SINGLE_MAX][0]
    assert single.status == pb.CHECK_STATUS_HARD_STOP
    assert (single.value, single.limit) == (600.0, 500.0)
    # Twenty-five mL is 600 mg: the order is refused at entry as well.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order_ml, vstack, pb,
                  str(uuid.uuid4()), d.code, dose=25.0,
                  details_prefix="order: hard stop")


def test_a_high_alert_liquid_cosigned_in_ml_given_in_mg(vstack, vkeys, pb):
    d = suspension(vstack, pb, high_alert=True)
    p = str(uuid.uuid4())
    o = order_ml(vstack, pb, p, d.code)
    k = vstack.call(SVC, "CosignAdministration",
                    pb.CosignAdministrationRequest(
                        order_id=o.id, patient_id=p, dose=10.0, unit="mL"),
                    role="pharmacist")
    assert k.dose_in_drug_unit == 240.0
    a = vstack.call(SVC, "RecordAdministration", pb.RecordAdministrationRequest(
        order_id=o.id, dose=240.0, unit="mg", cosign_id=k.id,
        verification_token=vkeys[0].token(p),
        scan_override=pb.Override(reason=pb.OVERRIDE_REASON_OTHER,
                                  text="test pack has no barcode")),
        role="nurse")
    assert a.status == "completed" and a.confirmed_by == "pharm.test"


def test_a_volume_without_a_concentration_is_refused(vstack, pb):
    d = suspension(vstack, pb, concentration_amount=0.0,
                   concentration_volume_ml=0.0)
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, order_ml, vstack, pb,
                      str(uuid.uuid4()), d.code, details_prefix="order.unit")
    assert "concentration" in e.details() and d.code in e.details()
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, order_ml, vstack, pb,
                      str(uuid.uuid4()), d.code, unit="tablet",
                      details_prefix="order.unit")
    assert "cannot convert" in e.details()


@pytest.mark.parametrize("kw,field", [
    (dict(concentration_volume_ml=0.0), "concentration_volume_ml"),
    (dict(concentration_amount=0.0), "concentration_amount"),
    (dict(concentration_volume_ml=1001.0), "concentration_volume_ml"),
    (dict(concentration_amount=-1.0), "concentration_amount"),
    (dict(unit="mL", max_single_dose=20.0, max_daily_dose=80.0),
     "concentration_amount"),
])
def test_bad_concentrations(vstack, pb, kw, field):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, suspension, vstack, pb,
                  details_prefix="drug." + field, **kw)


def test_import_carries_the_concentration(vstack, pb):
    code = "SUSP-" + uuid.uuid4().hex[:12]
    csv = ("code,name,unit,max_single_dose,max_daily_dose,"
           "concentration_amount,concentration_volume_ml\n"
           "%s,Ibuprofen 100 mg/5 mL,mg,400,1200,100,5\n" % code)
    r = vstack.call(SVC, "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv.encode()), role="pharmacist")
    assert r.imported == 1, r
    d = vstack.call(SVC, "GetDrug", pb.GetDrugRequest(code=code),
                    role="nurse")
    assert (d.concentration_amount, d.concentration_volume_ml) == (100, 5)
    bad = csv.replace(",100,5\n", ",100,0\n")
    r = vstack.call(SVC, "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=bad.encode()), role="pharmacist")
    assert r.imported == 0
    assert [e.field for e in r.errors] == ["concentration_volume_ml"]
