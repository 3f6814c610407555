"""Issue 30, therapeutic classes: checks across a class, not only a
substance, replayed the way a ward meets them.  Three different opioids
by three routes within 40 minutes, two NSAIDs, enoxaparin beside heparin,
co-codamol beside IV paracetamol: each must end in the safe outcome (a
hard stop at order entry or at the bedside, or a warning where the class
allows the pair), through the running services and the sample
catalogue."""

import os
import uuid

import grpc
import pytest

from harness import paths, protos
from harness.checks import expect_status, now_ms, poll
from harness.fixtures import import_sample_catalogue, new_patient

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
MIN = 60 * 1000


pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    r = import_sample_catalogue(st)
    # The ward's other products of the classes, as a pharmacy codes them.
    drugs = [
        dict(code="OXY-IR", name="Oxycodone 5 mg capsules",
             substance="oxycodone", unit="mg", routes=["oral"],
             max_single_dose=20, max_daily_dose=120,
             min_interval_minutes=240),
        dict(code="FENT-IV", name="Fentanyl 50 micrograms/mL injection",
             substance="fentanyl", unit="ug", routes=["iv"],
             max_single_dose=200, max_daily_dose=1200,
             min_interval_minutes=30),
        dict(code="NAPROXEN", name="Naproxen 250 mg tablets",
             substance="naproxen", unit="mg", routes=["oral"],
             max_single_dose=500, max_daily_dose=1250,
             min_interval_minutes=360),
        dict(code="OXY-MR", name="Oxycodone 10 mg modified-release",
             substance="oxycodone", unit="mg", routes=["oral"],
             max_single_dose=40, max_daily_dose=80,
             min_interval_minutes=600, requires_verification=True),
        dict(code="WARFARIN", name="Warfarin 1 mg tablets",
             substance="warfarin", unit="mg", routes=["oral"],
             max_single_dose=10, max_daily_dose=10,
             min_interval_minutes=1200),
    ]
    for d in drugs:
        st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
            drug=pb.Drug(**d)), role="pharmacist")
    return r.imported


def adult(st, pb):
    p = new_patient(st, mrn_prefix="DC", family="Classes")
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies_known=True)),
        role="nurse")
    return p


def override(pb, text="reviewed with the pain team"):
    return pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                       text=text)


def order(st, pb, p, drug, dose, unit="mg", freq="q6h", route="oral",
          ov=None, role="clinician", **kw):
    if freq == "prn":
        kw.setdefault("prn_max_daily_dose", 4 * dose)
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit=unit,
                 route=route, frequency=freq,
                 start_ms=now_ms() - 3 * 24 * HOUR, **kw)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role=role)


def refused_order(st, pb, p, drug, dose, **kw):
    return expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb,
                         p, drug, dose, details_prefix="order: hard stop",
                         **kw)


def verified(st, pb, o):
    """An order a pharmacist released (one that was overridden at entry
    waits for one)."""
    if o.status != pb.ORDER_STATUS_PENDING_VERIFICATION:
        return o
    return st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="reviewed"), role="pharmacist")


HIGH_ALERT = ("7052", "5224", "67108")


def give(st, pb, o, dose, unit="mg", at=None, role="nurse", ov=None):
    """A dose charted at the bedside; a high-alert one under the audited
    exceptions for a dose charted after the event (no co-sign first, no
    scan)."""
    late = pb.Override(reason=pb.OVERRIDE_REASON_OTHER,
                       text="charted after the event") \
        if o.drug_code in HIGH_ALERT else None
    req = pb.RecordAdministrationRequest(
        order_id=o.id, dose=dose, unit=unit,
        effective_ms=at if at is not None else 0,
        identity_override=pb.Override(
            reason=pb.OVERRIDE_REASON_EMERGENCY,
            text="wristband scanned, two identifiers"),
        dose_override=ov, cosign_override=late, scan_override=late)
    return st.call("dosage", "RecordAdministration", req, role=role)


def refused(st, pb, o, dose, unit="mg", at=None):
    return expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb,
                         o, dose, unit=unit, at=at,
                         details_prefix="dose: hard stop")


def kind(checks, k):
    found = [c for c in checks if c.kind == k]
    assert found, "no check of kind %d" % k
    return found[0]


def check(st, pb, p, drug, dose, unit="mg", at=0):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit=unit), at_ms=at), role="nurse")


# --- opioids -----------------------------------------------------------------


def test_three_opioids_three_routes_in_40_minutes(st, pb, catalogue):
    """Post-operative: PRN morphine SC from the surgeon, PRN oxycodone by
    mouth from the ward doctor, PRN fentanyl IV from the recovery
    anaesthetist; three nurses give one each within 40 minutes."""
    p = adult(st, pb)
    mor = order(st, pb, p, "7052", 5, freq="prn", route="sc",
                prn_min_interval_minutes=240, prn_max_daily_dose=10)
    # A second PRN opioid is a duplicate at order entry.
    e = refused_order(st, pb, p, "OXY-IR", 20, freq="prn",
                      prn_min_interval_minutes=240, prn_max_daily_dose=40)
    assert "duplicate opioids" in e.details()
    # The ward writes them anyway, each with an override, and a
    # pharmacist releases them.
    oxy = verified(st, pb, order(st, pb, p, "OXY-IR", 20, freq="prn",
                                 prn_min_interval_minutes=240,
                                 prn_max_daily_dose=40, ov=override(pb)))
    fen = order(st, pb, p, "FENT-IV", 200, unit="ug", freq="prn",
                route="iv", prn_min_interval_minutes=60,
                prn_max_daily_dose=400, ov=override(pb))
    dup = kind(fen.checks, pb.CHECK_KIND_DUPLICATE_THERAPY)
    assert dup.status == pb.CHECK_STATUS_HARD_STOP and dup.value == 2
    fen = verified(st, pb, fen)
    t = now_ms() - 45 * MIN
    give(st, pb, mor, 5, at=t)
    # The bedside stops the second and the third opioid.
    e = refused(st, pb, oxy, 20, at=t + 20 * MIN)
    assert "duplicate opioids" in e.details()
    e = refused(st, pb, fen, 200, unit="ug", at=t + 40 * MIN)
    assert "duplicate opioids" in e.details()
    # In oral morphine equivalents: 15 (morphine 5 mg SC) + 30
    # (oxycodone 20 mg) + 60 (fentanyl 200 ug IV) = 105 mg over 90.
    give(st, pb, oxy, 20, at=t + 20 * MIN, role="clinician",
         ov=override(pb))
    r = check(st, pb, p, "FENT-IV", 200, unit="ug", at=t + 40 * MIN)
    ome = kind(r.checks, pb.CHECK_KIND_OME_24H)
    assert ome.status == pb.CHECK_STATUS_HARD_STOP
    assert ome.value == pytest.approx(105)
    assert ome.limit == pytest.approx(90)
    assert r.overall == pb.CHECK_STATUS_HARD_STOP


def test_prn_opioid_beside_regular_only_warns(st, pb, catalogue):
    """Breakthrough analgesia: regular oxycodone and PRN morphine SC."""
    p = adult(st, pb)
    order(st, pb, p, "OXY-IR", 5, freq="q6h")
    mor = order(st, pb, p, "7052", 2.5, freq="prn", route="sc",
                prn_min_interval_minutes=240, prn_max_daily_dose=10)
    dup = kind(mor.checks, pb.CHECK_KIND_DUPLICATE_THERAPY)
    assert dup.status == pb.CHECK_STATUS_WARN
    assert "oxycodone" in dup.reason and "morphine" in dup.reason
    assert mor.overall == pb.CHECK_STATUS_WARN
    assert mor.status == pb.ORDER_STATUS_ACTIVE


def test_duplicate_found_at_verification(st, pb, catalogue):
    """Modified-release oxycodone waits for the pharmacist; meanwhile a
    PRN morphine order is written (overridden).  Releasing the oxycodone
    now would make two opioids in force: verification stops unless the
    pharmacist overrides, and the override is kept."""
    p = adult(st, pb)
    # The patient has had no opioid: a modified-release start is an
    # opioid-naive stop (issue 72) that the pain team overrides.
    mr = order(st, pb, p, "OXY-MR", 10, freq="q12h",
               ov=override(pb, "pain team: converting from home codeine"))
    assert mr.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    assert kind(mr.checks, pb.CHECK_KIND_OPIOID_NAIVE).status == \
        pb.CHECK_STATUS_HARD_STOP
    assert kind(mr.checks, pb.CHECK_KIND_DUPLICATE_THERAPY).status == \
        pb.CHECK_STATUS_OK
    order(st, pb, p, "7052", 2.5, freq="q6h", route="sc",
          ov=override(pb, "palliative team plan"))
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call,
                      "dosage", "VerifyOrder",
                      pb.VerifyOrderRequest(order_id=mr.id, note="checked"),
                      role="pharmacist",
                      details_prefix="order_id: hard stop at verification")
    assert "duplicate opioids" in e.details()
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                  "VerifyOrder", pb.VerifyOrderRequest(
                      order_id=mr.id, dose_override=pb.Override(text="ok")),
                  role="pharmacist", details_prefix="dose_override.reason")
    v = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=mr.id, note="checked", dose_override=pb.Override(
            reason=pb.OVERRIDE_REASON_PHARMACIST_VERIFIED,
            text="morphine to stop once MR oxycodone is running")),
        role="pharmacist")
    assert v.status == pb.ORDER_STATUS_ACTIVE
    apb = protos.module("audit")

    def verified_events():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=p),
                       role="auditor", timeout=10)
        return [r for r in recs if r.event.action.endswith("/VerifyOrder")
                and r.event.outcome == 0]
    ev = poll(verified_events, what="the VerifyOrder event")[0].event
    details = {x.key: x.value for x in ev.details}
    assert details["verify_override_reason"] == str(
        pb.OVERRIDE_REASON_PHARMACIST_VERIFIED)
    assert details["verify_override_text"].startswith("morphine to stop")
    assert "duplicate opioids" in details["verify_hard_stop"]


def test_opioid_day_of_regimen_in_ome_at_entry(st, pb, catalogue):
    """Oxycodone 20 mg q4h is 120 mg a day, 180 mg oral morphine
    equivalent: refused at entry though each dose is within its limits."""
    p = adult(st, pb)
    e = refused_order(st, pb, p, "OXY-IR", 20, freq="q4h")
    assert "oral morphine equivalent" in e.details()


def test_opioid_orders_summed_at_entry(st, pb, catalogue):
    """Regular oxycodone 10 mg q6h (60 mg OME a day) is on the chart; a
    regular morphine 5 mg SC q6h adds 60 more: 120 mg over 90, refused at
    entry though the new order alone is within the limit."""
    p = adult(st, pb)
    order(st, pb, p, "OXY-IR", 10, freq="q6h")
    e = refused_order(st, pb, p, "7052", 5, freq="q6h", route="sc",
                      ov=None)
    assert "duplicate opioids" in e.details()
    o = order(st, pb, p, "7052", 5, freq="q6h", route="sc",
              ov=override(pb, "conversion to SC, oxycodone stops today"))
    ome = kind(o.checks, pb.CHECK_KIND_OME_24H)
    assert ome.status == pb.CHECK_STATUS_HARD_STOP
    assert ome.value == pytest.approx(120)
    assert "other orders 60" in ome.reason


# --- NSAIDs --------------------------------------------------------------------


def test_two_nsaids(st, pb, catalogue):
    """Regular ibuprofen; naproxen added by another doctor for the same
    pain."""
    p = adult(st, pb)
    ibu = order(st, pb, p, "5640", 400, freq="q8h")
    e = refused_order(st, pb, p, "NAPROXEN", 500, freq="prn",
                      prn_min_interval_minutes=720, prn_max_daily_dose=1000)
    assert "duplicate nsaids" in e.details()
    nap = verified(st, pb, order(st, pb, p, "NAPROXEN", 500, freq="prn",
                                 prn_min_interval_minutes=720,
                                 prn_max_daily_dose=1000,
                                 ov=override(pb, "consultant aware")))
    t = now_ms() - 3 * HOUR
    give(st, pb, ibu, 400, at=t)
    e = refused(st, pb, nap, 500, at=t + 2 * HOUR)
    assert "duplicate nsaids" in e.details()


# --- anticoagulants -------------------------------------------------------------


def test_enoxaparin_plus_heparin(st, pb, catalogue):
    """Prophylactic enoxaparin on the chart; heparin SC ordered on
    transfer from another unit."""
    p = adult(st, pb)
    enox = order(st, pb, p, "67108", 40, freq="daily", route="sc")
    e = refused_order(st, pb, p, "5224", 5000, unit="unit", freq="q12h",
                      route="sc")
    assert "duplicate anticoagulants" in e.details()
    hep = verified(st, pb, order(st, pb, p, "5224", 5000, unit="unit",
                                 freq="q12h", route="sc",
                                 ov=override(pb, "bridging agreed")))
    t = now_ms() - 6 * HOUR
    give(st, pb, enox, 40, at=t)
    e = refused(st, pb, hep, 5000, unit="unit", at=t + 4 * HOUR)
    assert "duplicate anticoagulants" in e.details()


def test_warfarin_bridged_with_enoxaparin_warns(st, pb, catalogue):
    p = adult(st, pb)
    order(st, pb, p, "67108", 40, freq="daily", route="sc")
    w = order(st, pb, p, "WARFARIN", 5, freq="daily")
    dup = kind(w.checks, pb.CHECK_KIND_DUPLICATE_THERAPY)
    assert dup.status == pb.CHECK_STATUS_WARN


# --- paracetamol products --------------------------------------------------------


def test_cocodamol_plus_iv_paracetamol(st, pb, catalogue):
    """Co-codamol 8/500 two tablets four times a day, and IV paracetamol
    PRN written after theatre: the second product warns at order entry,
    and the fifth gram in 24 h is refused at the bedside."""
    p = adult(st, pb)
    cc = order(st, pb, p, "CO-CODAMOL-8", 2, unit="tablet", freq="q6h")
    iv = order(st, pb, p, "PARA-IV", 1000, freq="prn", route="iv",
               prn_min_interval_minutes=240)
    dup = kind(iv.checks, pb.CHECK_KIND_DUPLICATE_THERAPY)
    assert dup.status == pb.CHECK_STATUS_WARN
    assert "CO-CODAMOL-8" in dup.reason
    t0 = now_ms() - 20 * HOUR
    for i in range(4):
        give(st, pb, cc, 2, unit="tablet", at=t0 + i * 6 * HOUR)
    e = refused(st, pb, iv, 1000)
    assert "24-h total 5000 mg" in e.details()
    # Co-codamol's codeine is an opioid: 4 x 16 mg x 0.15 = 9.6 mg OME.
    r = check(st, pb, p, "CO-CODAMOL-8", 2, unit="tablet")
    assert kind(r.checks, pb.CHECK_KIND_OME_24H).value == \
        pytest.approx(5 * 16 * 0.15)


def test_drug_in_no_class_keeps_its_checks(st, pb, catalogue):
    p = adult(st, pb)
    r = check(st, pb, p, "26225", 4)
    assert r.overall == pb.CHECK_STATUS_OK
    assert kind(r.checks, pb.CHECK_KIND_DUPLICATE_THERAPY).status == \
        pb.CHECK_STATUS_NOT_APPLICABLE
    assert kind(r.checks, pb.CHECK_KIND_OME_24H).status == \
        pb.CHECK_STATUS_NOT_APPLICABLE


# --- classes in the catalogue -----------------------------------------------


def test_drug_classes_derived_from_substances(st, pb, catalogue):
    d = st.call("dosage", "GetDrug", pb.GetDrugRequest(code="CO-CODAMOL-8"),
                role="nurse")
    assert d.atc_code == "N02BE01"
    assert list(d.therapeutic_classes) == [
        "N02BE01", "N02BE", "N02B", "N02", "N",
        "R05DA04", "R05DA", "R05D", "R05", "R",
        "paracetamol products", "opioids"]
    assert "anticoagulants" in st.call("dosage", "GetDrug", pb.GetDrugRequest(
        code="67108"), role="nurse").therapeutic_classes


@pytest.mark.parametrize("atc,why", [
    ("opioids", "is not an ATC code"),
    ("N02AA99", "unknown ATC code N02AA99"),
    ("M01AE01", "not a class of the drug's substance oxycodone"),
])
def test_unknown_class_code_refused(st, pb, catalogue, atc, why):
    d = pb.Drug(code="OXY-" + uuid.uuid4().hex[:8], name="Oxycodone",
                substance="oxycodone", unit="mg", max_single_dose=20,
                max_daily_dose=120, atc_code=atc)
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                      "UpsertDrug", pb.UpsertDrugRequest(drug=d),
                      role="pharmacist", details_prefix="drug.atc_code")
    assert why in e.details()
    csv = ("code,name,unit,max_single_dose,max_daily_dose,substance,"
           "atc_code\n%s,Oxycodone,mg,20,120,oxycodone,%s\n" % (d.code, atc))
    r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv.encode()), role="pharmacist")
    assert r.imported == 0
    assert [(e.field, why in e.reason) for e in r.errors] == [
        ("atc_code", True)]
    d.atc_code = "N02A"  # a class of oxycodone: accepted
    ok = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=d),
                 role="pharmacist")
    assert ok.atc_code == "N02AA05" and "opioids" in ok.therapeutic_classes


def test_atc_table_documented():
    """docs/dose-safety.md lists every ATC code of classes.c."""
    import re
    with open(os.path.join(paths.REPO_ROOT, "services", "dosage",
                           "catalogue", "classes.c")) as f:
        src = f.read()
    with open(os.path.join(paths.REPO_ROOT, "docs", "dose-safety.md")) as f:
        doc = f.read()
    rows = re.findall(r'^\t\{"([a-z -]+)", "([A-Z][0-9]{2}[A-Z]{2}[0-9]{2})"\}',
                      src, re.M)
    assert len(rows) > 60
    missing = ["%s %s" % r for r in rows if "| %s | %s |" % r not in doc]
    assert not missing, "not in docs/dose-safety.md: %s" % missing
