"""Issue 72, item 1 (hepatic adjustment per substance), replayed as a ward
meets it.  Cirrhosis is on the problem list with its Child-Pugh class: a
second paracetamol product, with no hepatic band of its own, is stopped at
1 g four times a day in Child-Pugh C (Perfalgan SmPC: at most 3 g a day
in hepatic impairment) and allowed at 1 g three times a day; methotrexate
is stopped in Child-Pugh C (contraindicated in severe hepatic impairment),
at order entry, in CheckDose and at the bedside once the class is charted
after the order, and passes in Child-Pugh A; a product whose own band
halves the maxima in Child-Pugh B still stops a dose the substance's rule
would allow.  On the code before it every one of these orders and doses
passed (only a product's own hepatic bands were checked)."""

import time
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms
from harness.paths import REPO_ROOT

SERVICES = ("audit", "identity", "records", "diagnosis", "dosage")
HOUR = 3600 * 1000
PARA, PARA_BAND, MTX = "HP-PARA", "HP-PARA-B", "HP-MTX"
KB = "substance KB smartmed-substance-starter-2026.13"

pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)

PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    # Products with no hepatic band of their own inherit their
    # substance's hepatic rules; PARA_BAND carries a stricter band.
    drug(st, pb, PARA, "Paracetamol 500 mg tablets (second supplier)",
         "paracetamol", 1000, 4000)
    drug(st, pb, MTX, "Methotrexate 2.5 mg tablets", "methotrexate", 25, 25)
    drug(st, pb, PARA_BAND, "Paracetamol 500 mg tablets (banded)",
         "paracetamol", 1000, 4000, hepatic_bands=[
             pb.HepaticBand(child_pugh_class="B", dose_factor=0.5)])


def drug(st, pb, code, name, substance, single, daily, **kw):
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code=code, name=name, substance=substance, unit="mg",
        max_single_dose=single, max_daily_dose=daily,
        min_interval_minutes=240, forms=["tablet"], routes=["oral"], **kw)),
        role="pharmacist")


def patient(st, pb, child_pugh=None):
    """A 60-year-old man; cirrhosis of the given class on his problem
    list (None: no liver disease)."""
    ipb = protos.module("identity")
    born = time.strftime("%Y-%m-%d",
                         time.gmtime(time.time() - 60 * 365.25 * 86400))
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="HP-" + uuid.uuid4().hex[:12].upper(), family_name="Hepatic",
        given_name="Case", birth_date=born,
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=175,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    if child_pugh:
        cirrhosis(st, p, child_pugh)
    return p


def condition(st, p, system, code, display):
    dpb = protos.module("diagnosis")
    st.call("diagnosis", "AddCondition", dpb.AddConditionRequest(
        patient_id=p, code_system=system, code=code, display=display,
        clinical_status=dpb.CLINICAL_STATUS_ACTIVE,
        verification_status=dpb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician")


def cirrhosis(st, p, child_pugh):
    condition(st, p, "ICD-10", "K74.6", "Other cirrhosis of liver")
    condition(st, p, "Child-Pugh", child_pugh,
              "Child-Pugh class " + child_pugh)


def order(st, pb, p, drug, dose, freq):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route="oral", frequency=freq, start_ms=now_ms() - HOUR)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def check(st, pb, p, drug, dose):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")


def hepatic(pb, r):
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_HEPATIC][0]


def test_paracetamol_without_a_band_stops_above_the_substance_maximum(
        st, pb, catalogue):
    p = patient(st, pb, "C")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      PARA, 1000, "q6h", details_prefix="order: hard stop")
    assert "Child-Pugh C: 24-h total 4000 mg exceeds 3000 mg" in \
        e.details(), e.details()
    assert "paracetamol rule, " + KB in e.details(), e.details()
    assert "Perfalgan" in e.details(), e.details()
    ok = order(st, pb, p, PARA, 1000, "q8h")
    c = hepatic(pb, ok)
    assert c.status == pb.CHECK_STATUS_OK, c.reason
    assert "within the substance's hepatic rule" in c.reason, c.reason
    # Without liver disease the same order is the ordinary one.
    q = patient(st, pb)
    assert hepatic(pb, order(st, pb, q, PARA, 1000, "q6h")).status == \
        pb.CHECK_STATUS_OK


def test_methotrexate_stops_in_child_pugh_c_and_passes_in_a(st, pb,
                                                            catalogue):
    p = patient(st, pb, "C")
    c = hepatic(pb, check(st, pb, p, MTX, 10))
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert "not to be given in Child-Pugh C" in c.reason, c.reason
    assert "methotrexate rule, " + KB in c.reason, c.reason
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      MTX, 10, "weekly", details_prefix="order: hard stop")
    assert "Child-Pugh C" in e.details(), e.details()
    a = patient(st, pb, "A")
    ok = order(st, pb, a, MTX, 10, "weekly")
    assert hepatic(pb, ok).status == pb.CHECK_STATUS_OK, \
        hepatic(pb, ok).reason


def test_bedside_dose_stops_once_child_pugh_c_is_charted(st, pb, catalogue):
    p = patient(st, pb)
    o = order(st, pb, p, MTX, 10, "weekly")
    assert hepatic(pb, o).status == pb.CHECK_STATUS_OK
    cirrhosis(st, p, "C")
    e = expect_status(
        grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
        "RecordAdministration", pb.RecordAdministrationRequest(
            order_id=o.id, dose=10, unit="mg",
            identity_override=pb.Override(
                reason=pb.OVERRIDE_REASON_EMERGENCY,
                text="wristband scanned, two identifiers")),
        role="nurse", details_prefix="dose: hard stop")
    assert "not to be given in Child-Pugh C" in e.details(), e.details()


def test_a_stricter_product_band_still_wins(st, pb, catalogue):
    p = patient(st, pb, "B")
    # The substance allows 1 g (3 g a day); the product's own band halves
    # its maxima in Child-Pugh B: 500 mg a dose.
    c = hepatic(pb, check(st, pb, p, PARA, 1000))
    assert c.status == pb.CHECK_STATUS_OK, c.reason
    c = hepatic(pb, check(st, pb, p, PARA_BAND, 1000))
    assert c.status == pb.CHECK_STATUS_HARD_STOP, c.reason
    assert "hepatically adjusted dose" in c.reason, c.reason
    assert hepatic(pb, check(st, pb, p, PARA_BAND, 500)).status == \
        pb.CHECK_STATUS_OK


def test_a_hepatic_rule_that_does_not_read_is_refused_naming_its_line(st, pb):
    path = REPO_ROOT + "/services/dosage/knowledge/substance_rules.csv"
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("version,smartmed-substance-starter-2026.13",
                                "version,hp-bad-1")
    line = "hepatic,methotrexate,C,0,0,mg,stop,"
    assert line in text
    bad = text.replace(line, "hepatic,methotrexate,severe,0,0,mg,stop,", 1)
    n = next(i + 1 for i, x in enumerate(bad.split("\n"))
             if x.startswith("hepatic,methotrexate,severe"))
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                      "ImportSubstanceKnowledge",
                      pb.ImportSubstanceKnowledgeRequest(
                          csv=bad.encode(), version="hp-bad-1"),
                      role="pharmacist",
                      details_prefix="csv: substance knowledge line %d:" % n)
    assert "Child-Pugh class must be A, B or C" in e.details(), e.details()
    # Nothing was half loaded: the starter still answers.
    q = patient(st, pb, "C")
    assert hepatic(pb, check(st, pb, q, MTX, 10)).status == \
        pb.CHECK_STATUS_HARD_STOP
