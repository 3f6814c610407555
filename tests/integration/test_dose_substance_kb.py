"""Issue 72, items 1 and 9: lab and pregnancy knowledge lives at the
substance (its active moiety) in services/dosage/knowledge/
substance_rules.csv, and every catalogue product of the substance inherits
it.  Replayed the way a ward meets it: the pharmacy adds a second potassium
product (an oral tablet, with no lab rule of its own) beside the
concentrate, and a potassium of 6.4 mmol/L stops both; a salt (potassium
bicarbonate) inherits its moiety's rule; a sulfonylurea is held on a
glucose charted in mg/dL; a second warfarin product carries the teratogen
rule; a gentamicin or amikacin dose is held on a high trough, digoxin on a high level,
lithium on a level above the range.  On the code before it each of these
passed with no lab or pregnancy check (not_applicable), and no drug level
reached dosage at all."""

import csv
import io
import time
import uuid

import pytest

from harness import protos
from harness.fixtures import import_sample_catalogue
from harness.paths import REPO_ROOT

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
KB = "substance KB smartmed-substance-starter-2026.13"
KCL_CONC, KCL_ORAL, K_BIC = "KCL-CONC-20", "KCL-ORAL-8", "KBIC-EFF-12"
GLICLAZIDE, WARFARIN_2 = "GLICL-80", "WARF-TAB-B"
GENTAMICIN, DIGOXIN, LITHIUM = "4413", "3407", "LITH-400"
AMIKACIN = "AMIK-500"
CARBAMAZEPINE, VALPROATE, TACROLIMUS = "CBZ-200", "VPA-500", "TAC-1"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"

# Products a pharmacy adds: name, substance and limits only; no lab_rules
# and no pregnancy field of their own.
NEW_PRODUCTS = (
    dict(code=KCL_ORAL, name="Potassium chloride m/r tablet 8 mmol",
         substance="potassium chloride", drug_class="electrolytes",
         unit="mmol", max_single_dose="24", max_daily_dose="96"),
    dict(code=K_BIC, name="Potassium bicarbonate effervescent tablet 12 mmol",
         substance="potassium bicarbonate", drug_class="electrolytes",
         unit="mmol", max_single_dose="24", max_daily_dose="96"),
    dict(code=GLICLAZIDE, name="Gliclazide tablet 80 mg",
         substance="gliclazide", drug_class="sulfonylureas", unit="mg",
         max_single_dose="160", max_daily_dose="320"),
    dict(code=LITHIUM, name="Lithium carbonate m/r tablet 400 mg",
         substance="lithium carbonate", drug_class="mood stabilisers",
         unit="mg", max_single_dose="1600", max_daily_dose="1600"),
    dict(code=AMIKACIN, name="Amikacin injection 500 mg in 2 mL",
         substance="amikacin", drug_class="aminoglycosides",
         forms="injection", routes="iv", unit="mg", max_single_dose="1500",
         max_daily_dose="1500"),
    dict(code=CARBAMAZEPINE, name="Carbamazepine tablet 200 mg",
         substance="carbamazepine", drug_class="antiepileptics", unit="mg",
         max_single_dose="800", max_daily_dose="1600"),
    dict(code=VALPROATE, name="Sodium valproate gastro-resistant tablet 500 mg",
         substance="sodium valproate", drug_class="antiepileptics",
         unit="mg", max_single_dose="1500", max_daily_dose="2500"),
    dict(code=TACROLIMUS, name="Tacrolimus capsule 1 mg",
         substance="tacrolimus", drug_class="immunosuppressants", unit="mg",
         max_single_dose="10", max_daily_dose="20"),
    dict(code=WARFARIN_2, name="Warfarin tablet (second supplier)",
         substance="warfarin", drug_class="anticoagulants", unit="mg",
         max_single_dose="10", max_daily_dose="10"),
)


def catalogue_csv(rows):
    """rows as the pharmacy's CSV, in the sample catalogue's columns."""
    path = REPO_ROOT + "/tests/data/dosage/sample_catalogue.csv"
    with open(path, encoding="utf-8") as f:
        header = next(r for r in csv.reader(
            line for line in f if not line.startswith("#")))
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(dict(dict(code_system="local", forms="tablet",
                             routes="oral", high_alert="false"), **r))
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def catalogue(st):
    import_sample_catalogue(st)
    pb = protos.module("dosage")
    r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=catalogue_csv(NEW_PRODUCTS)), role="pharmacist")
    assert list(r.errors) == [], list(r.errors)


def patient(st, sex="F", years=60):
    ipb = protos.module("identity")
    born = time.strftime("%Y-%m-%d",
                         time.gmtime(time.time() - years * 365.25 * 86400))
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="SK-" + uuid.uuid4().hex[:10].upper(), family_name="Substance",
        given_name="Case", birth_date=born,
        sex=(ipb.ADMINISTRATIVE_SEX_FEMALE if sex == "F"
             else ipb.ADMINISTRATIVE_SEX_MALE)),
        role="registrar").patient_id
    pb = protos.module("dosage")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, allergies_known=True)),
        role="nurse")
    return p


def chart(st, p, loinc, value, unit=""):
    rpb = protos.module("records")
    obs = dict(loinc_code=loinc, display="lab " + loinc)
    if isinstance(value, str):
        obs["text"] = value
    else:
        obs.update(numeric=value, ucum_unit=unit)
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_OBSERVATION, title="lab",
        observation=rpb.Observation(**obs)), role="nurse")


def check(st, pb, p, code, dose, unit, k):
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=code, dose=dose,
                                 unit=unit)), role="nurse")
    return [c for c in r.checks if c.kind == k][0]


def test_oral_potassium_stops_at_64_like_the_concentrate(st, pb, catalogue):
    p = patient(st, sex="M")
    chart(st, p, "2823-3", 6.4, "mmol/L")
    for code in (KCL_CONC, KCL_ORAL, K_BIC):
        lab = check(st, pb, p, code, 20, "mmol", pb.CHECK_KIND_LAB)
        assert lab.status == pb.CHECK_STATUS_HARD_STOP, (code, lab.reason)
        assert "potassium 6.4 mmol/L above" in lab.reason
    # The oral products' stop names the inherited rule, its line in the
    # knowledge file, the file's version and its source.
    lab = check(st, pb, p, KCL_ORAL, 16, "mmol", pb.CHECK_KIND_LAB)
    assert "potassium rule, " + KB + " line" in lab.reason, lab.reason
    assert "BNF potassium chloride" in lab.reason, lab.reason


def test_oral_potassium_passes_at_a_normal_potassium(st, pb, catalogue):
    p = patient(st, sex="M")
    chart(st, p, "6298-4", 4.1, "meq/L")
    for code in (KCL_ORAL, K_BIC):
        lab = check(st, pb, p, code, 16, "mmol", pb.CHECK_KIND_LAB)
        assert lab.status == pb.CHECK_STATUS_OK, (code, lab.reason)


def test_sulfonylurea_held_on_a_low_glucose_in_mg_dl(st, pb, catalogue):
    p = patient(st, sex="M")
    chart(st, p, "2345-7", 54, "mg/dL")  # 3.0 mmol/L
    lab = check(st, pb, p, GLICLAZIDE, 80, "mg", pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP, lab.reason
    assert "glucose 2.997 mmol/L below 4" in lab.reason, lab.reason
    assert "gliclazide rule, " + KB in lab.reason, lab.reason


def test_second_warfarin_product_carries_the_teratogen_rule(st, pb,
                                                           catalogue):
    p = patient(st, sex="F", years=30)
    chart(st, p, "2106-3", "Positive")
    pg = check(st, pb, p, WARFARIN_2, 5, "mg", pb.CHECK_KIND_PREGNANCY)
    assert pg.status == pb.CHECK_STATUS_HARD_STOP, pg.reason
    assert "contraindicated in pregnancy" in pg.reason, pg.reason
    assert "warfarin rule, " + KB in pg.reason, pg.reason


def facts(st, p):
    rpb = protos.module("records")
    return st.call("records", "GetMedicationFacts",
                   rpb.GetMedicationFactsRequest(patient_id=p),
                   role="pharmacist")


@pytest.mark.parametrize("code,dose,unit,loinc,high,high_unit,normal,name", [
    (GENTAMICIN, 160, "mg", "3665-7", 3.1, "ug/mL", 0.8, "gentamicin_trough"),
    (DIGOXIN, 125, "ug", "10535-3", 2.6, "ng/mL", 1.1, "digoxin"),
    (LITHIUM, 400, "mg", "14334-7", 1.6, "mmol/L", 0.7, "lithium"),
    (AMIKACIN, 500, "mg", "3321-7", 12, "mg/L", 4, "amikacin_trough"),
    (CARBAMAZEPINE, 200, "mg", "3432-2", 14, "mg/L", 8, "carbamazepine"),
])
def test_dose_held_on_a_high_drug_level(st, pb, catalogue, code, dose, unit,
                                        loinc, high, high_unit, normal,
                                        name):
    p = patient(st, sex="M")
    chart(st, p, loinc, high, high_unit)
    f = facts(st, p)
    assert [(m.loinc_code, m.value) for m in f.drug_levels] == \
        [(loinc, high)]
    lab = check(st, pb, p, code, dose, unit, pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_HARD_STOP, lab.reason
    assert lab.reason.startswith("%s %g" % (name, high)), lab.reason
    assert KB in lab.reason and "BNF" in lab.reason, lab.reason
    # A new level within the range: the dose is given.
    chart(st, p, loinc, normal, high_unit)
    lab = check(st, pb, p, code, dose, unit, pb.CHECK_KIND_LAB)
    assert lab.status in (pb.CHECK_STATUS_OK, pb.CHECK_STATUS_NOT_CHECKED), \
        lab.reason
    assert "%s %g" % (name, normal) in lab.reason or \
        lab.status == pb.CHECK_STATUS_NOT_CHECKED, lab.reason


@pytest.mark.parametrize("code,dose,loinc,high,unit,name", [
    (VALPROATE, 500, "4086-5", 130, "mg/L", "valproate"),
    (TACROLIMUS, 2, "11253-2", 24, "ng/mL", "tacrolimus"),
])
def test_level_above_its_range_warns(st, pb, catalogue, code, dose, loinc,
                                     high, unit, name):
    """A valproate level above 100 mg/L, a tacrolimus trough above
    20 ng/mL: the next dose warns, naming the level and the rule's source
    (their ranges guide a review, not a hold)."""
    p = patient(st, sex="M")
    chart(st, p, loinc, high, unit)
    lab = check(st, pb, p, code, dose, "mg", pb.CHECK_KIND_LAB)
    assert lab.status == pb.CHECK_STATUS_WARN, lab.reason
    assert lab.reason.startswith("%s %g" % (name, high)), lab.reason
    assert KB in lab.reason, lab.reason
