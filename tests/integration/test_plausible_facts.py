"""Issue 30, item 5: the facts a dose check uses must be believable.
Replayed the way a ward meets them, through the running services: facts
charted in records (vital signs and lab observations) and in dosage's own
context, patients registered in identity (their birth dates give the
age), doses checked, ordered and given.  Each scenario must end safe: an
infant's 3.5 kg charted as 35 kg no longer drives a tenfold per-kg dose,
a weight older than the drug allows is not used, an eGFR reported by the
lab decides the renal band, and weights no patient has are refused."""

import json
import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
DAY = 24 * HOUR


pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


def patient(st, days):
    """A patient registered in identity, born days ago."""
    ipb = protos.module("identity")
    born = time.strftime("%Y-%m-%d",
                         time.gmtime(time.time() - days * 86400))
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="PF-" + uuid.uuid4().hex[:12].upper(), family_name="Facts",
        given_name="Case", birth_date=born,
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def drug(st, pb, code, **kw):
    """A catalogue entry of the pharmacy's, 15 mg/kg and at most 1 g."""
    args = dict(code=code, name="Plausible " + code, unit="mg",
                max_single_dose=1000, max_daily_dose=4000,
                max_dose_per_kg=15, substance="", routes=["oral"])
    args.update(kw)
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")
    return code


def chart(st, p, kind, **content):
    rpb = protos.module("records")
    return st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=kind, title="charted", **content),
        role="nurse")


def chart_weight(st, rpb, p, kg, at=0, **kw):
    return chart(st, p, rpb.ENTRY_KIND_VITAL_SIGNS,
                 vital_signs=rpb.VitalSigns(
                     body_weight=rpb.Quantity(value=kg, unit="kg"),
                     effective_ms=at), **kw)


def chart_egfr(st, rpb, p, value, loinc="98979-8", **kw):
    """An eGFR as the lab sends it (the method only where given)."""
    obs = dict(loinc_code=loinc, display="eGFR", numeric=value,
               ucum_unit=kw.pop("unit", "mL/min/{1.73_m2}"))
    if "method" in kw:
        obs["method"] = kw.pop("method")
    return chart(st, p, rpb.ENTRY_KIND_OBSERVATION,
                 observation=rpb.Observation(**obs), **kw)


def context(st, pb, p, **kw):
    return st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, allergies_known=True,
                                  **kw)), role="nurse")


def check(st, pb, p, code, dose):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=code, dose=dose,
                                 unit="mg")), role="nurse")


def order(st, pb, p, code, dose, freq="q6h"):
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=code, dose=dose, unit="mg",
                       route="oral", frequency=freq,
                       start_ms=now_ms() - HOUR)), role="clinician")


def kind(r, k):
    return [c for c in r.checks if c.kind == k][0]


# --- weight against age ------------------------------------------------------


def test_infant_charted_35_kg_is_not_dosed_per_kg(st, pb, rpb):
    code = drug(st, pb, "PF-INF")
    baby = patient(st, days=95)
    # 3.5 kg charted as 35: 500 mg is 14 mg/kg of the wrong weight, ten
    # times the dose of the right one.
    chart_weight(st, rpb, baby, 35)
    r = check(st, pb, baby, code, 500)
    pk = kind(r, pb.CHECK_KIND_PER_KG)
    assert pk.status == pb.CHECK_STATUS_HARD_STOP, pk.reason
    assert "weight_for_age" in pk.reason and "35 kg" in pk.reason
    assert r.overall == pb.CHECK_STATUS_HARD_STOP
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, baby,
                  code, 500, details_prefix="order: hard stop")
    # The same slip in dosage's own context is held back too.
    other = patient(st, days=95)
    context(st, pb, other, weight_kg=35)
    r = check(st, pb, other, code, 500)
    assert kind(r, pb.CHECK_KIND_PER_KG).status == \
        pb.CHECK_STATUS_HARD_STOP
    # The right weight charted after it: 50 mg is 14 mg/kg of 3.5 kg.
    chart_weight(st, rpb, baby, 3.5)
    r = check(st, pb, baby, code, 35)
    assert kind(r, pb.CHECK_KIND_PER_KG).status == pb.CHECK_STATUS_OK
    assert check(st, pb, baby, code, 500).overall == \
        pb.CHECK_STATUS_HARD_STOP


# --- the age of a weight -----------------------------------------------------


def test_weight_older_than_the_drug_allows_is_not_used(st, pb, rpb):
    # Gentamicin-like: per kg, a weight of the last 7 days, and a hard stop
    # without one.
    code = drug(st, pb, "PF-AGE", weight_max_age_days=7,
                weight_missing=pb.MISSING_FACT_POLICY_HARD_STOP)
    got = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=code),
                  role="pharmacist")
    assert got.weight_max_age_days == 7
    infant = patient(st, days=125)  # four months old
    chart_weight(st, rpb, infant, 6.5, at=now_ms() - 10 * DAY)
    r = check(st, pb, infant, code, 60)
    pk = kind(r, pb.CHECK_KIND_PER_KG)
    assert pk.status == pb.CHECK_STATUS_HARD_STOP, pk.reason
    assert "older than 7 days" in pk.reason
    chart_weight(st, rpb, infant, 6.6)
    r = check(st, pb, infant, code, 60)
    assert kind(r, pb.CHECK_KIND_PER_KG).status == pb.CHECK_STATUS_OK
    # A weight months old is no weight for an adult's per-kg dose either
    # when the drug says so.
    adult = patient(st, days=50 * 365)
    context(st, pb, adult, weight_kg=70, measured_ms=now_ms() - 120 * DAY)
    r = check(st, pb, adult, code, 500)
    assert kind(r, pb.CHECK_KIND_PER_KG).status == \
        pb.CHECK_STATUS_HARD_STOP
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, drug, st, pb, "PF-BAD",
                  weight_max_age_days=400,
                  details_prefix="drug.weight_max_age_days")


# --- eGFR as the lab reports it ----------------------------------------------


def test_egfr_reported_by_the_lab_drives_the_renal_band(st, pb, rpb):
    # An NSAID contraindicated below 30 (ibuprofen in the sample
    # catalogue); its crcl_missing is the default warn.
    code = drug(st, pb, "PF-NSAID", max_dose_per_kg=0,
                renal_bands=[pb.RenalBand(crcl_below_ml_min=30,
                                          dose_factor=0)])
    p = patient(st, days=70 * 365)
    chart_egfr(st, rpb, p, 25)
    r = check(st, pb, p, code, 400)
    rn = kind(r, pb.CHECK_KIND_RENAL)
    assert rn.status == pb.CHECK_STATUS_HARD_STOP, rn.reason
    assert "eGFR (CKD-EPI 2021)" in rn.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  code, 400, freq="q8h", details_prefix="order: hard stop")
    # A band written for eGFR halves the dose at 25, whatever the size.
    half = drug(st, pb, "PF-EGFR", max_dose_per_kg=0,
                renal_basis=pb.RENAL_BASIS_EGFR,
                renal_bands=[pb.RenalBand(crcl_below_ml_min=30,
                                          dose_factor=0.5)])
    r = check(st, pb, p, half, 800)
    rn = kind(r, pb.CHECK_KIND_RENAL)
    assert rn.status == pb.CHECK_STATUS_HARD_STOP
    assert "renally adjusted dose" in rn.reason
    # A drug whose label is in Cockcroft-Gault clearance only: the eGFR
    # does not count, and the check says so.
    cg = drug(st, pb, "PF-CG", max_dose_per_kg=0,
              renal_basis=pb.RENAL_BASIS_CRCL_ONLY,
              renal_bands=[pb.RenalBand(crcl_below_ml_min=30,
                                        dose_factor=0.5)])
    rn = kind(check(st, pb, p, cg, 400), pb.CHECK_KIND_RENAL)
    assert rn.status == pb.CHECK_STATUS_NOT_CHECKED
    assert "crcl_only" in rn.reason
    f = st.call("records", "GetMedicationFacts",
                rpb.GetMedicationFactsRequest(patient_id=p),
                role="pharmacist")
    assert f.egfr.present and f.egfr.value == 25
    assert f.egfr.equation == "CKD-EPI 2021"
    assert f.egfr.loinc_code == "98979-8"


def test_egfr_without_its_equation_is_refused(st, pb, rpb):
    p = patient(st, days=60 * 365)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, chart_egfr, st, rpb, p,
                  25, loinc="69405-9",
                  details_prefix="observation.method: an eGFR must name "
                                 "its equation")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, chart_egfr, st, rpb, p,
                  25, loinc="33914-3", method="CKD-EPI 2021",
                  details_prefix="observation.method: disagrees")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, chart_egfr, st, rpb, p,
                  25, unit="mL/min",
                  details_prefix="observation.ucum_unit: an eGFR")
    # Named in the observation, the equation counts.
    chart_egfr(st, rpb, p, 25, loinc="69405-9", method="MDRD")
    f = st.call("records", "GetMedicationFacts",
                rpb.GetMedicationFactsRequest(patient_id=p),
                role="pharmacist")
    assert f.egfr.equation == "MDRD"
    # The FHIR export carries it as Observation.method.
    b = json.loads(st.call("records", "ExportFhir", rpb.ExportFhirRequest(
        patient_id=p), role="clinician").bundle_json)
    obs = [e["resource"] for e in b["entry"]
           if e["resource"]["resourceType"] == "Observation"]
    assert [o.get("method") for o in obs] == [{"text": "MDRD"}]


# --- weights no patient has --------------------------------------------------


@pytest.mark.parametrize("kg", [0, 900])
def test_impossible_weight_refused_when_charted(st, pb, rpb, kg):
    p = patient(st, days=40 * 365)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, context, st, pb, p,
                  weight_kg=kg, details_prefix="context.weight_kg")
    # Not even as a confirmed implausible value in the record.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, chart, st, p,
                  rpb.ENTRY_KIND_OBSERVATION, observation=rpb.Observation(
                      loinc_code="29463-7", display="Body weight",
                      numeric=kg, ucum_unit="kg"),
                  confirm_implausible=True,
                  details_prefix="observation.numeric: a body weight")
    if kg > 0:
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, chart_weight, st,
                      rpb, p, kg, confirm_implausible=True,
                      details_prefix="vital_signs.body_weight.value: a "
                                     "body weight")


# --- against the previous weight, and confirming a weight --------------------


def confirm(st, pb, p, kg, role="clinician", reason="re-weighed on the ward"):
    return st.call("dosage", "ConfirmWeight", pb.ConfirmWeightRequest(
        patient_id=p, weight_kg=kg, reason=reason), role=role)


def test_weight_jump_needs_a_confirmation(st, pb, rpb):
    code = drug(st, pb, "PF-JUMP")
    p = patient(st, days=50 * 365)
    chart_weight(st, rpb, p, 70, at=now_ms() - 3 * DAY)
    chart_weight(st, rpb, p, 90)  # +29 % in three days
    r = check(st, pb, p, code, 900)
    pk = kind(r, pb.CHECK_KIND_PER_KG)
    assert pk.status == pb.CHECK_STATUS_HARD_STOP, pk.reason
    assert "weight_jump" in pk.reason and "70 kg" in pk.reason
    # Whoever charted it cannot wave it through; a clinician confirms the
    # weight in use, and only that one.
    expect_status(grpc.StatusCode.PERMISSION_DENIED, confirm, st, pb, p, 90,
                  role="nurse")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, confirm, st, pb, p,
                  70, details_prefix="weight_kg: the weight in use is 90 kg")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, confirm, st, pb, p, 90,
                  reason="", details_prefix="reason")
    c = confirm(st, pb, p, 90)
    assert c.weight_confirmed_kg == 90 and c.weight_confirmed_by
    r = check(st, pb, p, code, 900)
    assert kind(r, pb.CHECK_KIND_PER_KG).status == pb.CHECK_STATUS_OK
    # A new weight is judged afresh.
    chart_weight(st, rpb, p, 60)
    r = check(st, pb, p, code, 500)
    assert kind(r, pb.CHECK_KIND_PER_KG).status == \
        pb.CHECK_STATUS_HARD_STOP
    # In dosage's own context too: the stored weight becomes the previous.
    q = patient(st, days=50 * 365)
    context(st, pb, q, weight_kg=70, measured_ms=now_ms() - DAY)
    c = context(st, pb, q, weight_kg=50)
    assert c.previous_weight_kg == 70
    r = check(st, pb, q, code, 500)
    assert "weight_jump" in kind(r, pb.CHECK_KIND_PER_KG).reason


def test_confirmed_infant_weight_is_used(st, pb, rpb):
    code = drug(st, pb, "PF-INF2")
    baby = patient(st, days=95)
    chart_weight(st, rpb, baby, 12)  # above the bounds at three months
    assert kind(check(st, pb, baby, code, 100), pb.CHECK_KIND_PER_KG).status \
        == pb.CHECK_STATUS_HARD_STOP
    confirm(st, pb, baby, 12, role="pharmacist",
            reason="hydrops; weighed twice")
    r = check(st, pb, baby, code, 100)
    assert kind(r, pb.CHECK_KIND_PER_KG).status == pb.CHECK_STATUS_OK


# --- hepatic impairment on the problem list ----------------------------------


def condition(st, p, system, code, display, active=True):
    dpb = protos.module("diagnosis")
    return st.call("diagnosis", "AddCondition", dpb.AddConditionRequest(
        patient_id=p, code_system=system, code=code, display=display,
        clinical_status=(dpb.CLINICAL_STATUS_ACTIVE if active
                         else dpb.CLINICAL_STATUS_RESOLVED),
        verification_status=dpb.VERIFICATION_STATUS_CONFIRMED,
        abatement_date="" if active else "2020-01-01"),
        role="clinician")


def hepatic_drug(st, pb, code):
    return drug(st, pb, code, max_dose_per_kg=0, hepatic_bands=[
        pb.HepaticBand(child_pugh_class="A", dose_factor=1),
        pb.HepaticBand(child_pugh_class="B", dose_factor=0.5),
        pb.HepaticBand(child_pugh_class="C", dose_factor=0)])


def test_cirrhosis_child_pugh_c_stops_the_drug(st, pb):
    code = hepatic_drug(st, pb, "PF-HEP")
    got = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=code),
                  role="pharmacist")
    assert [(b.child_pugh_class, b.dose_factor) for b in got.hepatic_bands] \
        == [("A", 1), ("B", 0.5), ("C", 0)]
    p = patient(st, days=60 * 365)
    r = check(st, pb, p, code, 800)
    assert kind(r, pb.CHECK_KIND_HEPATIC).status == pb.CHECK_STATUS_OK
    # Cirrhosis on the problem list, the class charted beside it.
    condition(st, p, "ICD-10", "K74.6", "Other cirrhosis of liver")
    condition(st, p, "Child-Pugh", "C", "Child-Pugh class C")
    r = check(st, pb, p, code, 200)
    hp = kind(r, pb.CHECK_KIND_HEPATIC)
    assert hp.status == pb.CHECK_STATUS_HARD_STOP, hp.reason
    assert "Child-Pugh C" in hp.reason and "K74.6" in hp.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  code, 200, details_prefix="order: hard stop")
    # Child-Pugh B halves the maxima.
    q = patient(st, days=60 * 365)
    condition(st, q, "SNOMED-CT", "19943007", "Cirrhosis of liver")
    r = check(st, pb, q, code, 800)
    hp = kind(r, pb.CHECK_KIND_HEPATIC)
    assert hp.status == pb.CHECK_STATUS_NOT_CHECKED
    assert "without a Child-Pugh class" in hp.reason
    condition(st, q, "Child-Pugh", "B", "Child-Pugh class B")
    r = check(st, pb, q, code, 800)
    hp = kind(r, pb.CHECK_KIND_HEPATIC)
    assert hp.status == pb.CHECK_STATUS_HARD_STOP
    assert "hepatically adjusted dose" in hp.reason
    assert kind(check(st, pb, q, code, 400), pb.CHECK_KIND_HEPATIC).status \
        == pb.CHECK_STATUS_OK
    # A resolved liver condition does not count.
    dpb = protos.module("diagnosis")
    old = patient(st, days=60 * 365)
    condition(st, old, "ICD-10", "K70.0", "Alcoholic fatty liver",
              active=False)
    f = st.call("diagnosis", "GetHepaticFacts", dpb.GetHepaticFactsRequest(
        patient_id=old), role="pharmacist")
    assert not f.impairment and f.child_pugh_class == ""
    f = st.call("diagnosis", "GetHepaticFacts", dpb.GetHepaticFactsRequest(
        patient_id=p), role="pharmacist")
    assert f.impairment and f.child_pugh_class == "C"
    assert len(f.condition_ids) == 2
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, drug, st, pb, "PF-HBAD",
                  hepatic_bands=[pb.HepaticBand(child_pugh_class="D",
                                                dose_factor=0.5)],
                  details_prefix="drug.hepatic_bands")


def test_problem_list_down_fails_closed(st, pb):
    code = hepatic_drug(st, pb, "PF-HEP2")
    p = patient(st, days=60 * 365)
    st.stop_service("diagnosis")
    try:
        expect_status(grpc.StatusCode.UNAVAILABLE, check, st, pb, p, code,
                      100)
    finally:
        st.start_service("diagnosis")


# --- the catalogue's columns -------------------------------------------------


def test_catalogue_csv_sets_the_plausible_facts_columns(st, pb):
    head = ("code,name,unit,max_single_dose,max_daily_dose,max_dose_per_kg,"
            "renal_bands,weight_max_age_days,renal_basis,hepatic_bands\n")
    csv = head + ('PF-CSV,Gentamicin-like,mg,560,560,7,30:0.5,7,crcl_only,'
                  '"A:1;B:0.5;C:0"\n')
    r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv.encode()), role="pharmacist")
    assert list(r.errors) == [] and r.imported == 1
    d = st.call("dosage", "GetDrug", pb.GetDrugRequest(code="PF-CSV"),
                role="pharmacist")
    assert d.weight_max_age_days == 7
    assert d.renal_basis == pb.RENAL_BASIS_CRCL_ONLY
    assert [(b.child_pugh_class, b.dose_factor) for b in d.hepatic_bands] \
        == [("A", 1), ("B", 0.5), ("C", 0)]
    for column, bad in (("renal_basis", "gfr"), ("hepatic_bands", "D:0"),
                        ("weight_max_age_days", "7.5")):
        row = {"weight_max_age_days": "7", "renal_basis": "egfr",
               "hepatic_bands": "C:0"}
        row[column] = bad
        csv = head + "PF-CSV2,Bad,mg,560,560,7,30:0.5,%s,%s,%s\n" % (
            row["weight_max_age_days"], row["renal_basis"],
            row["hepatic_bands"])
        r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
            csv=csv.encode()), role="pharmacist")
        assert r.imported == 0
        assert [e.field for e in r.errors] == [column], r.errors
