"""Issue 72, item 1 (renal adjustment per substance and per regimen),
replayed as a ward meets it.  A patient with a creatinine clearance of
20 mL/min: enoxaparin 40 mg once daily for prophylaxis is stopped (Clexane
SmPC: 20 mg once daily below 30 mL/min) although it lies inside the
product's halved treatment band; 20 mg is allowed; treatment 1 mg/kg twice
daily is stopped and 1 mg/kg once daily allowed; an order that states no
regimen is warned to state one; a prophylactic order written when the
clearance was 60 mL/min is stopped at the bedside once it has fallen to 20;
gabapentin 600 mg three times a day is stopped at 40 mL/min (at most 900 mg
a day) for a product with no renal band of its own, and fondaparinux
2.5 mg for prophylaxis at 40 mL/min (1.5 mg).  On the code before it every
one of these orders and doses passed (the product's bands were the only
renal rule and knew no regimen)."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue
from harness.paths import REPO_ROOT

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
ENOX, GABA, FONDA = "67108", "RR-GABA", "RR-FONDA"
KB = "substance KB smartmed-substance-starter-2026.13"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    import_sample_catalogue(st)
    # Products with no renal band of their own: they inherit their
    # substance's renal rules.
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=GABA, name="Gabapentin 300 mg capsules", substance="gabapentin",
        unit="mg", max_single_dose=1200, max_daily_dose=3600,
        min_interval_minutes=360, forms=["capsule"], routes=["oral"])),
        role="pharmacist")
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=FONDA, name="Fondaparinux 2.5 mg/0.5 mL injection",
        substance="fondaparinux", unit="mg", max_single_dose=10,
        max_daily_dose=10, min_interval_minutes=1200, forms=["injection"],
        routes=["sc"])), role="pharmacist")


def patient(st, pb, crcl):
    ipb = protos.module("identity")
    born = time.strftime("%Y-%m-%d",
                         time.gmtime(time.time() - 70 * 365.25 * 86400))
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="RR-" + uuid.uuid4().hex[:12].upper(), family_name="Renal",
        given_name="Case", birth_date=born,
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    clearance(st, pb, p, crcl)
    return p


def clearance(st, pb, p, crcl):
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=172,
                                  crcl_ml_min=crcl, allergies_known=True)),
        role="nurse")


def order(st, pb, p, dose, freq="daily", regimen="prophylaxis", drug=ENOX,
          route="sc"):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route=route, frequency=freq, start_ms=now_ms() - HOUR,
                 regimen=regimen)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def renal(pb, r):
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_RENAL][0]


def test_prophylactic_dose_above_the_prophylactic_band_stops(st, pb,
                                                             catalogue):
    p = patient(st, pb, 20)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      40, details_prefix="order: hard stop")
    assert "prophylaxis" in e.details() and "exceeds 20 mg" in e.details(), \
        e.details()
    assert "enoxaparin rule, " + KB in e.details(), e.details()
    ok = order(st, pb, p, 20)
    c = renal(pb, ok)
    assert c.status == pb.CHECK_STATUS_OK, c.reason
    assert ok.regimen == "prophylaxis"
    got = st.call("dosage", "GetOrder", pb.GetOrderRequest(order_id=ok.id),
                  role="nurse")
    assert got.regimen == "prophylaxis"


def test_treatment_falls_to_once_daily(st, pb, catalogue):
    p = patient(st, pb, 20)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      70, freq="q12h", regimen="treatment",
                      details_prefix="order: hard stop")
    # The product's own band (once daily below 30 mL/min) stopped this
    # before; the substance's treatment rule stops it as well.
    assert "renal" in e.details() or "24 h apart" in e.details(), \
        e.details()
    ok = order(st, pb, p, 70, freq="q24h", regimen="treatment")
    assert renal(pb, ok).status == pb.CHECK_STATUS_OK, renal(pb, ok).reason


def test_unstated_regimen_is_asked_for(st, pb, catalogue):
    p = patient(st, pb, 20)
    o = order(st, pb, p, 40, regimen="")
    c = renal(pb, o)
    assert c.status == pb.CHECK_STATUS_WARN, c.reason
    assert "regimen not stated" in c.reason, c.reason
    assert "Had it been prophylaxis" in c.reason, c.reason
    # At a normal clearance the regimen changes nothing and nothing warns.
    q = patient(st, pb, 90)
    assert renal(pb, order(st, pb, q, 40, regimen="")).status == \
        pb.CHECK_STATUS_OK


def test_a_regimen_that_does_not_read_is_refused(st, pb, catalogue):
    p = patient(st, pb, 90)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, order, st, pb, p, 40,
                  regimen="prophylactic",
                  details_prefix="order.regimen: must be prophylaxis, "
                                 "treatment or empty")


def test_bedside_dose_stops_once_the_clearance_has_fallen(st, pb, catalogue):
    p = patient(st, pb, 60)
    o = order(st, pb, p, 40)
    assert renal(pb, o).status == pb.CHECK_STATUS_OK
    clearance(st, pb, p, 20)
    e = expect_status(
        grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
        "RecordAdministration", pb.RecordAdministrationRequest(
            order_id=o.id, dose=40, unit="mg",
            identity_override=pb.Override(
                reason=pb.OVERRIDE_REASON_EMERGENCY,
                text="wristband scanned, two identifiers")),
        role="nurse", details_prefix="dose: hard stop")
    assert "prophylaxis: dose 40 mg exceeds 20 mg" in e.details(), \
        e.details()
    # A new version keeps stating its regimen.
    m = st.call("dosage", "ModifyOrder", pb.ModifyOrderRequest(
        order_id=o.id, reason="renal function fell",
        order=pb.Order(dose=20, unit="mg", route="sc", frequency="daily",
                       regimen="prophylaxis")), role="clinician")
    assert m.regimen == "prophylaxis"
    assert renal(pb, m).status == pb.CHECK_STATUS_OK, renal(pb, m).reason


def test_a_product_without_bands_inherits_its_substance_rules(st, pb,
                                                              catalogue):
    p = patient(st, pb, 40)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      600, freq="q8h", regimen="", drug=GABA, route="oral",
                      details_prefix="order: hard stop")
    assert "24-h total 1800 mg exceeds 900 mg" in e.details(), e.details()
    assert "Neurontin" in e.details(), e.details()
    ok = order(st, pb, p, 300, freq="q8h", regimen="", drug=GABA,
               route="oral")
    assert renal(pb, ok).status == pb.CHECK_STATUS_OK, renal(pb, ok).reason
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      2.5, drug=FONDA, details_prefix="order: hard stop")
    assert "prophylaxis: dose 2.5 mg exceeds 1.5 mg" in e.details(), \
        e.details()
    assert "Arixtra" in e.details(), e.details()


def test_a_renal_rule_that_does_not_read_is_refused_naming_its_line(st, pb):
    path = REPO_ROOT + "/services/dosage/knowledge/substance_rules.csv"
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("version,smartmed-substance-starter-2026.13",
                                "version,rr-bad-1")
    line = "renal,enoxaparin,prophylaxis,30,20,20,mg,stop,"
    assert line in text
    bad = text.replace(line, "renal,enoxaparin,prophylactic,30,20,20,mg,"
                       "stop,", 1)
    n = next(i + 1 for i, x in enumerate(bad.split("\n"))
             if x.startswith("renal,enoxaparin,prophylactic"))
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                      "ImportSubstanceKnowledge",
                      pb.ImportSubstanceKnowledgeRequest(
                          csv=bad.encode(), version="rr-bad-1"),
                      role="pharmacist",
                      details_prefix="csv: substance knowledge line %d:" % n)
    assert "regimen must be prophylaxis, treatment or any" in e.details()
