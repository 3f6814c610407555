"""Issue 47, items 3 and 7: allergies as people write them, and facts a
dose needs, replayed the way a ward meets them through the running
services and the sample catalogue.  An allergy charted in records by a
brand name, a misspelling or in a sentence stops the drug and says how it
was read; text nobody can read stops the first dose of any drug until a
pharmacist codes it or a prescriber overrides; enoxaparin without a
weight, or for a patient whose allergies were never assessed, stops for
an adult too; a licensed once-daily enoxaparin regimen is accepted."""

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue, new_patient

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
DAY = 24 * HOUR

SECOND = "pharm.names.second"
pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True,
                               users={SECOND: ("pharmacist", None)})

# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"

PARACETAMOL, IBUPROFEN, AMOXICILLIN, ENOXAPARIN = "161", "5640", "723", \
    "67108"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    return import_sample_catalogue(st).imported


def patient(st, pb, weight=70, allergies_known=True, **kw):
    p = new_patient(st, mrn_prefix="AT", family="Allergy")
    ctx = dict(patient_id=p, crcl_ml_min=90, **kw)
    if weight is not None:
        ctx["weight_kg"] = weight
    if allergies_known:
        ctx["allergies_known"] = True
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(**ctx)), role="nurse")
    return p


def chart_allergy(st, p, text):
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_ALLERGY, title="allergy",
        allergy=rpb.Allergy(
            substance_display=text,
            verification_status=rpb.ALLERGY_VERIFICATION_STATUS_CONFIRMED)),
        role="clinician")


def override(pb, text="discussed with the patient and the team"):
    return pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                       text=text)


def order(st, pb, p, drug, dose, freq="q8h", route="oral", ov=None):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit="mg",
                 route=route, frequency=freq, start_ms=now_ms() - HOUR)
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role="clinician")
    if o.status == pb.ORDER_STATUS_PENDING_VERIFICATION:
        o = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
            order_id=o.id, note="reviewed"), role="pharmacist")
    return o


def refused_order(st, pb, p, drug, dose, contains, **kw):
    return expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb,
                         p, drug, dose, details_prefix="order: hard stop",
                         details_contains=contains, **kw)


def give(st, pb, o, dose, ov=None):
    late = pb.Override(reason=pb.OVERRIDE_REASON_OTHER,
                       text="charted after the event") \
        if o.drug_code == ENOXAPARIN else None
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit="mg",
                       identity_override=pb.Override(
                           reason=pb.OVERRIDE_REASON_EMERGENCY,
                           text="wristband scanned, two identifiers"),
                       dose_override=ov, cosign_override=late,
                       scan_override=late), role="nurse")


def allergy_check(st, pb, p, drug, dose):
    r = st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit="mg")), role="nurse")
    return [c for c in r.checks if c.kind == pb.CHECK_KIND_ALLERGY][0]


def code(st, pb, p, text, target="", not_a_medicine=False, role="pharmacist"):
    return st.call("dosage", "CodeAllergy", pb.CodeAllergyRequest(
        patient_id=p, allergy_text=text, substance_or_class=target,
        not_a_medicine=not_a_medicine, note="asked the patient's GP"),
        role=role)


# --- allergies as people write them -----------------------------------------


def test_brand_name_stops_amoxicillin(st, pb, catalogue):
    p = patient(st, pb)
    chart_allergy(st, p, "Augmentin")
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  'allergy "Augmentin" read as co-amoxiclav (brand name)')
    # A brand name only the shipped table knows: Tylenol is paracetamol.
    q = patient(st, pb)
    chart_allergy(st, q, "Tylenol")
    a = allergy_check(st, pb, q, PARACETAMOL, 500)
    assert a.status == pb.CHECK_STATUS_HARD_STOP
    assert a.reason.startswith(
        'allergy "Tylenol" read as paracetamol (brand name)'), a.reason


def test_misspelt_penicillin_stops(st, pb, catalogue):
    p = patient(st, pb)
    chart_allergy(st, p, "penicilin")
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  'allergy "penicilin" read as penicillins (spelling)')
    q = patient(st, pb)
    chart_allergy(st, q, "rash with ibuprufen as a child")
    a = allergy_check(st, pb, q, IBUPROFEN, 400)
    assert a.status == pb.CHECK_STATUS_HARD_STOP
    assert "read as ibuprofen (spelling)" in a.reason


def test_uncoded_allergy_blocks_first_dose(st, pb, catalogue):
    p = patient(st, pb)
    chart_allergy(st, p, "the blue tablets")
    # Any drug: paracetamol, ibuprofen.
    refused_order(st, pb, p, PARACETAMOL, 1000,
                  'uncoded allergy "the blue tablets"')
    refused_order(st, pb, p, IBUPROFEN, 400, "uncoded allergy")
    a = allergy_check(st, pb, p, PARACETAMOL, 1000)
    assert a.status == pb.CHECK_STATUS_HARD_STOP
    # The prescriber overrides with a reason: the order's doses may be
    # given, the stop shown as a warning at the bedside.
    o = order(st, pb, p, PARACETAMOL, 1000, ov=override(pb))
    given = give(st, pb, o, 1000)
    al = [c for c in given.checks if c.kind == pb.CHECK_KIND_ALLERGY][0]
    assert al.status == pb.CHECK_STATUS_WARN
    assert "overridden on the order" in al.reason
    # A new version of the order is checked as written: its own override.
    changed = pb.Order(patient_id=p, drug_code=PARACETAMOL, dose=500,
                       unit="mg", route="oral", frequency="q8h",
                       start_ms=now_ms())
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "ModifyOrder", pb.ModifyOrderRequest(
                      order_id=o.id, order=changed, reason="half dose"),
                  role="clinician", details_contains="uncoded allergy")
    # A pharmacist codes it (a nurse may not): then it is that substance.
    expect_status(grpc.StatusCode.PERMISSION_DENIED, code, st, pb, p,
                  "the blue tablets", "paracetamol", role="nurse")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, code, st, pb, p,
                  "the blue tablets", "unobtainium",
                  details_prefix="substance_or_class")
    c = code(st, pb, p, "The Blue Tablets.", "paracetamol")
    assert c.code == "paracetamol" and c.coded_by
    assert allergy_check(st, pb, p, IBUPROFEN, 400).status == \
        pb.CHECK_STATUS_OK
    refused_order(st, pb, p, PARACETAMOL, 1000,
                  'allergy "the blue tablets" coded as paracetamol')
    # An allergy to no medicine, coded so, no longer stops.
    chart_allergy(st, p, "the cat next door")
    assert allergy_check(st, pb, p, IBUPROFEN, 400).status == \
        pb.CHECK_STATUS_HARD_STOP
    code(st, pb, p, "the cat next door", not_a_medicine=True)
    assert allergy_check(st, pb, p, IBUPROFEN, 400).status == \
        pb.CHECK_STATUS_OK


def test_pharmacy_imports_its_names(st, pb, catalogue):
    good = (b"# our formulary\nname,substance_or_class,kind,source\n"
            b"Zorbexil,amoxicillin,brand,local formulary 2026\n")
    r = st.call("dosage", "ImportAllergyNames",
                pb.ImportAllergyNamesRequest(csv=good), role="pharmacist")
    assert r.imported == 1 and r.version > 0 and list(r.errors) == []
    p = patient(st, pb)
    chart_allergy(st, p, "Zorbexil")
    refused_order(st, pb, p, AMOXICILLIN, 500,
                  'allergy "Zorbexil" read as amoxicillin (brand name)')
    # A bad row refuses the whole file, naming its line; nothing loads.
    bad = (b"name,substance_or_class,kind,source\n"
           b"Quenchol,ibuprofen,brand,local\n"
           b"Frobnol,unobtainium,brand,local\n")
    r = st.call("dosage", "ImportAllergyNames",
                pb.ImportAllergyNamesRequest(csv=bad), role="pharmacist")
    assert r.imported == 0 and r.version == 0
    assert [(e.row, e.field) for e in r.errors] == \
        [(3, "substance_or_class")]
    q = patient(st, pb)
    chart_allergy(st, q, "Quenchol")
    assert allergy_check(st, pb, q, IBUPROFEN, 400).status == \
        pb.CHECK_STATUS_HARD_STOP  # uncoded, not read as ibuprofen
    assert "uncoded" in allergy_check(st, pb, q, IBUPROFEN, 400).reason
    # The pharmacy's table: not a nurse's, nor an admin's (issue 74).
    for role in ("nurse", "admin"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, st.call, "dosage",
                      "ImportAllergyNames",
                      pb.ImportAllergyNamesRequest(csv=good), role=role)


def test_repointing_a_name_waits_for_a_second_pharmacist(st, pb, catalogue):
    """An import that points a name in force (the shipped "Amoxil",
    amoxicillin) at another substance would make every recorded "Amoxil"
    allergy read as that substance and let amoxicillin through: it is
    staged, not in force, until a second pharmacist approves it."""
    p = patient(st, pb)
    chart_allergy(st, p, "Amoxil")
    refused_order(st, pb, p, AMOXICILLIN, 500, 'read as amoxicillin')
    r = st.call("dosage", "ImportAllergyNames", pb.ImportAllergyNamesRequest(
        csv=b"name,substance_or_class,kind,source\n"
            b"Amoxil,paracetamol,brand,typed in error\n"
            b"Quorbex,ibuprofen,brand,local formulary 2026\n"),
        role="pharmacist")
    assert list(r.errors) == [], r.errors
    assert (r.state, r.imported, r.version) == ("pending", 0, 0)
    assert [(c.change, c.rule_id, c.before, c.after) for c in r.changes] \
        == [("changed", "Amoxil", "amoxicillin", "paracetamol"),
            ("added", "Quorbex", "", "ibuprofen")]
    # Not in force: Amoxil still reads as amoxicillin.
    refused_order(st, pb, p, AMOXICILLIN, 500, 'read as amoxicillin')

    def approve(token=None):
        return st.call("dosage", "ApproveAllergyNames",
                       pb.ApproveAllergyNamesRequest(import_id=r.import_id),
                       role=None if token else "pharmacist", token=token)

    expect_status(grpc.StatusCode.FAILED_PRECONDITION, approve,
                  details_contains="imported by you")
    done = approve(token=st.user_tokens[SECOND])
    assert (done.state, done.imported, done.approved_by) == \
        ("active", 2, SECOND) and done.version > 0
    refused_order(st, pb, p, PARACETAMOL, 1000, 'read as paracetamol')
    # An allergy-name import's number is no catalogue import.
    expect_status(grpc.StatusCode.NOT_FOUND, st.call, "dosage",
                  "ApproveCatalogueImport",
                  pb.ApproveCatalogueImportRequest(import_id=r.import_id),
                  token=st.user_tokens[SECOND], details_prefix="import_id")


# --- facts a dose needs ------------------------------------------------------


def test_enoxaparin_without_weight_stops_an_adult(st, pb, catalogue):
    p = patient(st, pb, weight=None)
    refused_order(st, pb, p, ENOXAPARIN, 80, "weight unknown", freq="q12h",
                  route="sc")
    # Overridden at entry, the bedside still stops every dose.
    o = order(st, pb, p, ENOXAPARIN, 80, freq="q12h", route="sc",
              ov=override(pb))
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 80,
                  details_prefix="dose: hard stop", details_contains="weight")
    # A weight older than the drug allows (30 days) is no weight.
    q = patient(st, pb, weight=70, measured_ms=now_ms() - 40 * DAY)
    refused_order(st, pb, q, ENOXAPARIN, 70, "weight older than 30 days",
                  freq="q12h", route="sc")


def test_allergies_never_assessed_stop(st, pb, catalogue):
    p = patient(st, pb, allergies_known=False)
    refused_order(st, pb, p, PARACETAMOL, 1000, "allergies not assessed")
    o = order(st, pb, p, PARACETAMOL, 1000, ov=override(pb))
    given = give(st, pb, o, 1000)
    al = [c for c in given.checks if c.kind == pb.CHECK_KIND_ALLERGY][0]
    assert al.status == pb.CHECK_STATUS_WARN
    # Assessed (none): ordering goes on.
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, allergies_known=True)),
        role="nurse")
    order(st, pb, p, IBUPROFEN, 400)


def test_enoxaparin_once_daily_regimen(st, pb, catalogue):
    p = patient(st, pb, weight=70)
    # 1.5 mg/kg once daily (treatment, licensed): accepted.
    o = order(st, pb, p, ENOXAPARIN, 105, freq="q24h", route="sc")
    assert o.overall != pb.CHECK_STATUS_HARD_STOP
    kg = [c for c in o.checks if c.kind == pb.CHECK_KIND_PER_KG][0]
    assert "regimen q24h" in kg.reason, kg.reason
    # The same dose twice daily is 1.5 mg/kg where 1 mg/kg is the limit.
    q = patient(st, pb, weight=70)
    refused_order(st, pb, q, ENOXAPARIN, 105, "regimen q12h", freq="q12h",
                  route="sc")
    # 1 mg/kg twice daily: accepted.
    order(st, pb, q, ENOXAPARIN, 70, freq="q12h", route="sc")
