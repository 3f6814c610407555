"""Issue 16's scenarios, replayed through the running services as a
clinical reviewer would: the sample catalogue, patients registered in
identity (their birth dates drive the age bands), dosage asking identity
over mutual TLS.  Each scenario must end in the safe outcome: a hard stop
at order entry or at administration, or a warning where the issue asks for
one."""

import os
import time
import uuid

import grpc
import pytest

from harness import paths, protos
from harness.checks import expect_status, now_ms
from harness.fixtures import import_sample_catalogue

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
MIN = 60 * 1000


pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    r = import_sample_catalogue(st)
    return r.imported


def patient(st, years=45, days=0):
    """A patient registered in identity, born years (and days) ago."""
    ipb = protos.module("identity")
    t = time.gmtime(time.time() - days * 86400)
    born = "%04d-%02d-%02d" % (t.tm_year - years, t.tm_mon,
                               min(t.tm_mday, 28))
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="DS-" + uuid.uuid4().hex[:12].upper(), family_name="Safety",
        given_name="Case", birth_date=born,
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def context(st, pb, p, **kw):
    return st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, **kw)), role="nurse")


def order(st, pb, p, drug, dose, unit="mg", freq="q6h", route="oral",
          override=None, **kw):
    """An order started three days ago; a PRN one states its own 24-h
    maximum, as a PRN order of a drug with a daily limit must (four of
    its doses, or the order is refused at entry)."""
    if freq == "prn":
        kw.setdefault("prn_max_daily_dose", 4 * dose)
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit=unit,
                 route=route, frequency=freq,
                 start_ms=now_ms() - 3 * 24 * HOUR, **kw)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=override), role="clinician")


def give(st, pb, o, dose, unit="mg", at=None, role="nurse", override=None,
         high_alert=False):
    """A dose charted after the event; a high-alert one under the audited
    exception (no second check can precede a dose charted afterwards)."""
    late = pb.Override(reason=pb.OVERRIDE_REASON_OTHER,
                       text="charted after the event") if high_alert else None
    # Charted afterwards, the pack is no longer at hand to scan: the
    # reason stands in for the scan a high-alert product needs.
    req = pb.RecordAdministrationRequest(
        scan_override=late,
        order_id=o.id, dose=dose, unit=unit,
        effective_ms=at if at is not None else 0,
        identity_override=pb.Override(
            reason=pb.OVERRIDE_REASON_EMERGENCY,
            text="wristband scanned, two identifiers"),
        dose_override=override, cosign_override=late)
    return st.call("dosage", "RecordAdministration", req, role=role)


def refused(st, pb, o, dose, unit="mg", at=None, what="dose: hard stop",
            high_alert=False):
    return expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb,
                         o, dose, unit=unit, at=at, details_prefix=what,
                         high_alert=high_alert)


def check(st, pb, p, drug, dose, unit="mg", at=0):
    return st.call("dosage", "CheckDose", pb.CheckDoseRequest(
        proposed=pb.ProposedDose(patient_id=p, drug_code=drug, dose=dose,
                                 unit=unit), at_ms=at), role="nurse")


def kind(r, k):
    return [c for c in r.checks if c.kind == k][0]


def adult(st, pb):
    p = patient(st)
    context(st, pb, p, weight_kg=70, height_cm=170, crcl_ml_min=90,
            allergies_known=True)
    return p


# --- time: frequency, both directions ---------------------------------------


def test_paracetamol_q6h_four_doses_in_a_minute(st, pb, catalogue):
    p = adult(st, pb)
    o = order(st, pb, p, "161", 1000)
    t = now_ms() - 2 * MIN
    give(st, pb, o, 1000, at=t)
    for i in range(1, 4):
        e = refused(st, pb, o, 1000, at=t + i * 20 * 1000)
        assert "order's frequency" in e.details() or \
            "minimum interval" in e.details()


def test_ondansetron_q8h_after_4h(st, pb, catalogue):
    p = adult(st, pb)
    o = order(st, pb, p, "26225", 4, freq="q8h", route="iv")
    t = now_ms() - 8 * HOUR
    give(st, pb, o, 4, at=t)
    refused(st, pb, o, 4, at=t + 4 * HOUR)
    give(st, pb, o, 4, at=t + 4 * HOUR + 3 * HOUR)  # 7 h: on schedule


def test_insulin_twice_30_min_apart(st, pb, catalogue):
    p = adult(st, pb)
    o = order(st, pb, p, "253182", 10, unit="unit", freq="q12h",
              route="sc")
    t = now_ms() - HOUR
    a = give(st, pb, o, 10, unit="unit", at=t, high_alert=True)
    assert a.status == "on-hold"  # high alert: a second check follows
    refused(st, pb, o, 10, unit="unit", at=t + 30 * MIN, high_alert=True)


def test_backdated_fifth_gram_between_four(st, pb, catalogue):
    p = adult(st, pb)
    o = order(st, pb, p, "161", 1000, freq="prn")
    t0 = now_ms() - 22 * HOUR
    for i in range(4):
        give(st, pb, o, 1000, at=t0 + i * 5 * HOUR)
    e = refused(st, pb, o, 1000, at=now_ms() - 23 * HOUR)
    assert "24-h total" in e.details()


# --- one substance, many products -------------------------------------------


def test_oral_plus_iv_paracetamol_is_one_substance(st, pb, catalogue):
    p = adult(st, pb)
    oral = order(st, pb, p, "161", 1000, freq="prn")
    iv = order(st, pb, p, "PARA-IV", 1000, freq="prn", route="iv")
    t0 = now_ms() - 20 * HOUR
    for i in range(4):
        give(st, pb, oral, 1000, at=t0 + i * 5 * HOUR)
    e = refused(st, pb, iv, 1000)
    assert "24-h total 5000 mg" in e.details()


def test_suspension_and_cocodamol_count_by_strength(st, pb, catalogue):
    p = adult(st, pb)
    susp = order(st, pb, p, "PARA-SUSP", 40, unit="mL", freq="prn")
    give(st, pb, susp, 40, unit="mL", at=now_ms() - 10 * HOUR)  # 960 mg
    r = check(st, pb, p, "CO-CODAMOL-8", 2, unit="tablet")
    d = kind(r, pb.CHECK_KIND_DAILY_MAX)
    # 960 mg of paracetamol is 1.92 tablets of 500 mg; plus 2 tablets.
    assert d.value == pytest.approx(3.92)
    iv = check(st, pb, p, "PARA-IV", 1000)
    assert kind(iv, pb.CHECK_KIND_DAILY_MAX).value == pytest.approx(1960)
    # The interval counts the suspension too: 10 h ago, 4 h needed.
    assert kind(iv, pb.CHECK_KIND_INTERVAL).status == pb.CHECK_STATUS_OK
    assert kind(iv, pb.CHECK_KIND_INTERVAL).value == pytest.approx(10, 0.01)


# --- order entry -------------------------------------------------------------


@pytest.mark.parametrize("drug,dose,freq,why", [
    ("161", 10000, "q6h", "exceeds maximum 1000"),
    ("161", 1000, "q2h", "24-h total 12000 mg"),
])
def test_dangerous_orders_refused_at_entry(st, pb, catalogue, drug, dose,
                                          freq, why):
    p = adult(st, pb)
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb,
                      p, drug, dose, freq=freq, details_prefix="order: hard")
    assert why in e.details()


def test_weekly_methotrexate_written_daily_refused_at_entry(st, pb,
                                                            catalogue):
    """The sample catalogue marks oral methotrexate weekly_only: a daily
    order is refused outright (no override), before any dose check."""
    p = adult(st, pb)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  "6851", 10, freq="daily",
                  details_prefix="order.frequency: 6851 is weekly-only")


def test_override_at_entry_waits_for_pharmacist(st, pb, catalogue):
    p = adult(st, pb)
    ov = pb.Override(reason=pb.OVERRIDE_REASON_CLINICALLY_INDICATED,
                     text="loading dose agreed with the consultant")
    o = order(st, pb, p, "161", 1000, freq="q2h", override=ov)
    assert o.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    assert o.overall == pb.CHECK_STATUS_HARD_STOP
    assert o.dose_override.text == ov.text
    assert len([c for c in o.checks if c.kind < 100]) == 11
    refused(st, pb, o, 1000, what="order_id: awaiting")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, st.call, "dosage",
                  "VerifyOrder", pb.VerifyOrderRequest(order_id=o.id),
                  role="clinician")
    v = st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=o.id, note="reviewed: loading dose"), role="pharmacist")
    assert v.status == pb.ORDER_STATUS_ACTIVE and v.verified_by
    give(st, pb, v, 1000)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "VerifyOrder", pb.VerifyOrderRequest(order_id=o.id),
                  role="pharmacist", details_prefix="order_id: order is not")


def test_catalogue_requires_verification(st, pb, catalogue):
    p = adult(st, pb)
    # A woman of 45: methotrexate waits for a recorded pregnancy status or
    # a pregnancy-prevention programme (issue 72).
    context(st, pb, p, pregnancy_prevention_confirmed=True)
    o = order(st, pb, p, "6851", 10, freq="weekly")
    assert o.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    assert o.overall != pb.CHECK_STATUS_HARD_STOP


# --- age and weight ----------------------------------------------------------


def test_four_year_old_without_weight_gets_no_adult_gram(st, pb, catalogue):
    child = patient(st, years=4)
    context(st, pb, child, allergies_known=True)
    r = check(st, pb, child, "161", 1000)
    assert r.overall == pb.CHECK_STATUS_HARD_STOP
    pk = kind(r, pb.CHECK_KIND_PER_KG)
    assert pk.status == pb.CHECK_STATUS_HARD_STOP
    assert "[paediatric]" in pk.reason and "weight unknown" in pk.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, child,
                  "161", 1000, details_prefix="order: hard stop")
    context(st, pb, child, weight_kg=18)
    r = check(st, pb, child, "161", 200)  # 11 mg/kg
    assert kind(r, pb.CHECK_KIND_PER_KG).status == pb.CHECK_STATUS_OK
    assert kind(r, pb.CHECK_KIND_BAND).reason == "band paediatric applies"


def test_60kg_adult_gram_is_no_hard_stop(st, pb, catalogue):
    p = patient(st, years=40)
    context(st, pb, p, weight_kg=60, allergies_known=True)
    r = check(st, pb, p, "161", 1000)
    assert r.overall != pb.CHECK_STATUS_HARD_STOP
    assert kind(r, pb.CHECK_KIND_PER_KG).status == \
        pb.CHECK_STATUS_NOT_APPLICABLE
    light = patient(st, years=40)
    context(st, pb, light, weight_kg=45, allergies_known=True)
    r = check(st, pb, light, "161", 1000)  # 22 mg/kg
    assert kind(r, pb.CHECK_KIND_PER_KG).status == pb.CHECK_STATUS_HARD_STOP


# --- kidneys -----------------------------------------------------------------


def test_enoxaparin_crcl_20_once_daily(st, pb, catalogue):
    p = adult(st, pb)
    context(st, pb, p, crcl_ml_min=20)
    # Twice daily is refused at order entry: below 30 mL/min, once daily.
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                      "67108", 40, freq="q12h", route="sc",
                      details_prefix="order: hard stop")
    assert "24 h apart" in e.details()
    o = order(st, pb, p, "67108", 40, freq="daily", route="sc")
    t = now_ms() - 13 * HOUR
    give(st, pb, o, 40, at=t, high_alert=True)
    refused(st, pb, o, 40, at=t + 12 * HOUR, high_alert=True)
    nocrcl = patient(st)
    context(st, pb, nocrcl, weight_kg=70, allergies_known=True)
    r = check(st, pb, nocrcl, "67108", 40)
    assert kind(r, pb.CHECK_KIND_RENAL).status == pb.CHECK_STATUS_HARD_STOP


# --- allergies ---------------------------------------------------------------


def test_allergy_spellings_and_cross_sensitivity(st, pb, catalogue):
    p = adult(st, pb)
    context(st, pb, p, allergies=["Penicillin"], allergies_known=True)
    r = check(st, pb, p, "723", 500)
    assert kind(r, pb.CHECK_KIND_ALLERGY).status == pb.CHECK_STATUS_HARD_STOP
    r = check(st, pb, p, "2231", 500)
    al = kind(r, pb.CHECK_KIND_ALLERGY)
    assert al.status == pb.CHECK_STATUS_WARN and "cross" in al.reason


def test_not_applicable_keeps_overall_meaningful(st, pb, catalogue):
    p = adult(st, pb)
    r = check(st, pb, p, "26225", 4)
    assert r.overall == pb.CHECK_STATUS_OK
    assert kind(r, pb.CHECK_KIND_PER_KG).status == \
        pb.CHECK_STATUS_NOT_APPLICABLE


# --- patient facts -----------------------------------------------------------


def test_weight_alone_keeps_crcl(st, pb, catalogue):
    p = patient(st)
    context(st, pb, p, crcl_ml_min=25, measured_ms=now_ms() - HOUR)
    c = context(st, pb, p, weight_kg=70)
    assert c.crcl_ml_min == 25 and c.weight_kg == 70
    assert c.crcl_measured_ms < c.weight_measured_ms
    r = check(st, pb, p, "67108", 40)
    assert "renal factor" in kind(r, pb.CHECK_KIND_RENAL).reason or \
        kind(r, pb.CHECK_KIND_RENAL).status != pb.CHECK_STATUS_NOT_CHECKED


# --- one source of patient facts: the record --------------------------------


def chart(st, p, kind, **content):
    rpb = protos.module("records")
    return st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=kind, title="charted", **content),
        role="clinician")


def test_allergy_charted_in_records_stops_the_dose(st, pb, catalogue):
    rpb = protos.module("records")
    p = patient(st)
    context(st, pb, p, weight_kg=70, allergies_known=True)  # none here
    chart(st, p, rpb.ENTRY_KIND_ALLERGY, allergy=rpb.Allergy(
        substance_display="Penicillin",
        verification_status=rpb.ALLERGY_VERIFICATION_STATUS_CONFIRMED))
    r = check(st, pb, p, "723", 500)
    al = kind(r, pb.CHECK_KIND_ALLERGY)
    assert al.status == pb.CHECK_STATUS_HARD_STOP
    assert "penicillins" in al.reason
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, order, st, pb, p,
                  "723", 500, details_prefix="order: hard stop")


def test_refuted_allergy_and_no_known_allergy(st, pb, catalogue):
    rpb = protos.module("records")
    p = patient(st)
    chart(st, p, rpb.ENTRY_KIND_ALLERGY, allergy=rpb.Allergy(
        substance_display="Penicillin",
        verification_status=rpb.ALLERGY_VERIFICATION_STATUS_REFUTED))
    r = check(st, pb, p, "723", 500)
    # Assessed (an entry exists) and refuted: no stop.
    assert kind(r, pb.CHECK_KIND_ALLERGY).status == pb.CHECK_STATUS_OK


def test_weight_charted_as_vital_sign_is_used(st, pb, catalogue):
    rpb = protos.module("records")
    child = patient(st, years=4)
    chart(st, child, rpb.ENTRY_KIND_VITAL_SIGNS, vital_signs=rpb.VitalSigns(
        body_weight=rpb.Quantity(value=18000, unit="g")))
    r = check(st, pb, child, "161", 200)
    pk = kind(r, pb.CHECK_KIND_PER_KG)
    assert pk.status == pb.CHECK_STATUS_OK
    assert pk.value == pytest.approx(200 / 18)
    # A later observation wins; a clearance charted in the record too.
    chart(st, child, rpb.ENTRY_KIND_OBSERVATION, observation=rpb.Observation(
        loinc_code="29463-7", display="Body weight", numeric=20,
        ucum_unit="kg"))
    chart(st, child, rpb.ENTRY_KIND_OBSERVATION, observation=rpb.Observation(
        loinc_code="35591-7", display="Creatinine clearance (C-G)",
        numeric=20, ucum_unit="mL/min"))
    r = check(st, pb, child, "161", 200)
    assert kind(r, pb.CHECK_KIND_PER_KG).value == pytest.approx(10)
    # Without the record's clearance enoxaparin would stop (crcl_missing).
    e = check(st, pb, child, "67108", 20, unit="mg")
    assert "renally adjusted dose" in kind(e, pb.CHECK_KIND_RENAL).reason


def test_records_facts_contract(st, catalogue):
    rpb = protos.module("records")
    p = patient(st)
    f = st.call("records", "GetMedicationFacts",
                rpb.GetMedicationFactsRequest(patient_id=p), role="nurse")
    assert not f.allergies_assessed and not f.weight.present
    chart(st, p, rpb.ENTRY_KIND_ALLERGY, allergy=rpb.Allergy(
        substance_display="No known allergy",
        substance_system="http://snomed.info/sct",
        substance_code="716186003"))
    old = chart(st, p, rpb.ENTRY_KIND_ALLERGY, allergy=rpb.Allergy(
        substance_display="Latex"))
    chart(st, p, rpb.ENTRY_KIND_VITAL_SIGNS, vital_signs=rpb.VitalSigns(
        body_weight=rpb.Quantity(value=154, unit="[lb_av]"),
        body_height=rpb.Quantity(value=1.7, unit="m")))
    st.call("records", "MarkEnteredInError", rpb.MarkEnteredInErrorRequest(
        entry_id=old.entry_id, expected_version=old.version,
        reason="wrong patient"), role="clinician")
    f = st.call("records", "GetMedicationFacts",
                rpb.GetMedicationFactsRequest(patient_id=p),
                role="pharmacist")
    assert f.allergies_assessed and list(f.allergies) == []
    assert f.weight.present and f.weight.value == pytest.approx(69.85, 0.01)
    assert f.weight.unit == "kg" and f.height.value == pytest.approx(170)
    assert not f.crcl.present
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "records",
                  "GetMedicationFacts",
                  rpb.GetMedicationFactsRequest(patient_id="x"),
                  role="nurse", details_prefix="patient_id")


def test_records_down_fails_closed(st, pb, catalogue):
    p = adult(st, pb)
    st.stop_service("records")
    try:
        expect_status(grpc.StatusCode.UNAVAILABLE, check, st, pb, p, "161",
                      500)
    finally:
        st.start_service("records")


# --- bad input ---------------------------------------------------------------


@pytest.mark.parametrize("kw,field", [
    (dict(substance="unobtainium"), "drug.substance"),
    (dict(dose_bands=[dict(age_group="toddler")]), "drug.dose_bands"),
    (dict(unit="mL", substance="paracetamol"), "drug.strength"),
    (dict(renal_bands=[dict(crcl_below_ml_min=30, dose_factor=0.5,
                            min_interval_minutes=100000)]),
     "drug.renal_bands"),
])
def test_bad_catalogue_entries_named(st, pb, kw, field):
    args = dict(code="BAD-" + uuid.uuid4().hex[:8], name="Bad", unit="mg",
                max_single_dose=10, max_daily_dose=20)
    bands = kw.pop("dose_bands", None)
    renal = kw.pop("renal_bands", None)
    args.update(kw)
    d = pb.Drug(**args)
    for b in bands or []:
        d.dose_bands.add(**b)
    for b in renal or []:
        d.renal_bands.add(**b)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, st.call, "dosage",
                  "UpsertDrug", pb.UpsertDrugRequest(drug=d),
                  role="pharmacist", details_prefix=field)


def test_bad_frequency_named(st, pb, catalogue):
    p = adult(st, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, order, st, pb, p, "161",
                  500, freq="every 6 hours",
                  details_prefix="order.frequency")


def test_bad_csv_band_named(st, pb):
    csv = ("code,name,unit,max_single_dose,max_daily_dose,dose_bands\n"
           "X-%s,X,mg,10,20,toddler:per_kg=1\n" % uuid.uuid4().hex[:6])
    r = st.call("dosage", "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv.encode()), role="pharmacist")
    assert r.imported == 0
    assert [(e.field, "toddler" in e.reason) for e in r.errors] == [
        ("dose_bands", True)]


def test_substance_table_documented():
    """docs/dose-safety.md lists every substance and class of the table."""
    import re
    with open(os.path.join(paths.REPO_ROOT, "services", "dosage",
                           "catalogue", "substances.c")) as f:
        src = f.read()
    with open(os.path.join(paths.REPO_ROOT, "docs", "dose-safety.md")) as f:
        doc = f.read()
    codes = re.findall(r'^\t\{"([^"]+)",', src, re.M)
    assert len(codes) > 60
    missing = [c for c in codes if "| %s |" % c not in doc]
    assert not missing, "not in docs/dose-safety.md: %s" % missing
