"""Issue 72, item 1: the allergy, interaction and duplicate-order checks
resolve each substance to its active moiety (a salt, ester or pro-drug:
services/dosage/knowledge/substance_rules.csv "moiety" lines) and a
combination product to each component ("component" lines) before they
match, and the reason names both.  Replayed as a ward meets it:
valaciclovir ordered beside a regular aciclovir order, valaciclovir for a
patient allergic to aciclovir, co-trimoxazole for a patient allergic to
trimethoprim, and a hospital's interaction rule written for potassium
against a potassium citrate product.  On the code before it each of these
passed: the checks compared the raw substance names."""

import os
import uuid

import grpc
import pytest

from harness import paths, protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"

DRUGS = [
    ("MO-ACI", "Aciclovir 400 mg tablets", "aciclovir", 800, 4000),
    ("MO-VALACI", "Valaciclovir 500 mg tablets", "valaciclovir", 1000, 3000),
    ("MO-COTRIM", "Co-trimoxazole 960 mg tablets", "co-trimoxazole", 960,
     1920),
    ("MO-COAMOX", "Co-amoxiclav 625 mg tablets", "co-amoxiclav", 625, 1875),
    ("MO-KCIT", "Potassium citrate 1.5 g effervescent", "potassium citrate",
     3000, 9000),
    ("MO-SPIRO", "Spironolactone 25 mg tablets", "spironolactone", 100, 400),
]


@pytest.fixture(scope="module")
def catalogue(st, pb):
    import_sample_catalogue(st)
    for code, name, substance, single, daily in DRUGS:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
            code=code, name=name, substance=substance, unit="mg",
            routes=["oral"], max_single_dose=single, max_daily_dose=daily,
            min_interval_minutes=360)), role="pharmacist")


def patient(st, pb, allergies=()):
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MO-" + uuid.uuid4().hex[:12].upper(), family_name="Moiety",
        given_name="Case", birth_date="1950-04-03",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies=list(allergies),
                                  allergies_known=True)), role="nurse")
    return p


def order(st, pb, p, drug, dose, freq="q8h"):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route="oral", frequency=freq, start_ms=now_ms() - HOUR)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def check(st, pb, p, drug, dose, kind):
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")
    found = [c for c in r.checks if c.kind == kind]
    assert found, "no check of kind %d" % kind
    return found[0]


def test_valaciclovir_beside_aciclovir_is_a_duplicate_order(st, pb,
                                                           catalogue):
    """A regular aciclovir order, then regular valaciclovir (its
    pro-drug): two orders of one active moiety, each given every round."""
    p = patient(st, pb)
    order(st, pb, p, "MO-ACI", 400)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      "MO-VALACI", 1000, details_prefix="order: hard stop")
    assert "duplicate order of aciclovir (valaciclovir shares its active " \
        "moiety)" in e.details(), e.details()


def test_allergy_to_the_moiety_stops_the_pro_drug(st, pb, catalogue):
    p = patient(st, pb, allergies=["aciclovir"])
    c = check(st, pb, p, "MO-VALACI", 1000, pb.CHECK_KIND_ALLERGY)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert "valaciclovir is given as aciclovir: allergy to aciclovir" in \
        c.reason, c.reason


def test_allergy_to_a_component_stops_the_combination(st, pb, catalogue):
    """Trimethoprim is in no allergy class: only the component reaches
    co-trimoxazole."""
    p = patient(st, pb, allergies=["trimethoprim"])
    c = check(st, pb, p, "MO-COTRIM", 960, pb.CHECK_KIND_ALLERGY)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert "co-trimoxazole is given as trimethoprim: allergy to " \
        "trimethoprim" in c.reason, c.reason


def test_amoxicillin_allergy_stops_co_amoxiclav(st, pb, catalogue):
    p = patient(st, pb, allergies=["amoxicillin"])
    c = check(st, pb, p, "MO-COAMOX", 625, pb.CHECK_KIND_ALLERGY)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason


def test_interaction_written_for_the_moiety_hits_the_salt(st, pb, catalogue):
    """Last in the file (it makes a hospital's base active): a rule the
    pharmacy writes for potassium stops potassium citrate beside
    spironolactone, and the reason names the salt and its moiety."""
    with open(os.path.join(paths.REPO_ROOT, "services", "dosage",
                           "knowledge", "interactions.csv")) as f:
        text = "".join(l for l in f if not l.startswith("version,"))
    text += ("interaction,H-K1,potassium + potassium_sparing,major,"
             "\"any potassium salt with a potassium-sparing diuretic: "
             "hyperkalaemia\",\"avoid; check potassium\","
             "\"BNF appendix 1, potassium\"\n")
    kb = st.call("dosage", "ImportInteractions", pb.ImportInteractionsRequest(
        csv=text.encode(), version="hospital-moiety-1"), role="pharmacist")
    assert kb.state == "active", kb.state
    p = patient(st, pb)
    order(st, pb, p, "MO-SPIRO", 25, freq="daily")
    c = check(st, pb, p, "MO-KCIT", 3000, pb.CHECK_KIND_INTERACTION)
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert "H-K1" in list(c.rule_ids), c.reason
    assert "potassium citrate (active moiety potassium) with " \
        "spironolactone" in c.reason, c.reason
