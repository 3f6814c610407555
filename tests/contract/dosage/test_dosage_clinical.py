"""Contract of the clinical half of smartmed.dosage.v1.Dosage: catalogue
import, patient context, orders, dose checks, face-verified administration,
high-alert confirmation, ListDue and History."""

import os
import threading
import time
import uuid

import grpc
import pytest

from harness import paths, protos
from harness.fixtures import assess_allergies, import_sample_catalogue
from harness.checks import expect_status, now_ms

SVC = "dosage"
HOUR = 3600 * 1000
SAMPLE = os.path.join(paths.REPO_ROOT, "tests", "data", "dosage",
                      "sample_catalogue.csv")




def pid():
    return str(uuid.uuid4())


def code():
    return "TC-" + uuid.uuid4().hex[:12]


def mkdrug(st, pb, **kw):
    args = dict(code=code(), name="Testamol", unit="mg",
                max_single_dose=1000.0, max_daily_dose=4000.0,
                routes=["oral"], drug_class="testoids")
    args.update(kw)
    return st.call(SVC, "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(**args)), role="pharmacist")


def mkorder(st, pb, patient, drug, dose=500.0, unit="mg", freq="q6h",
            **kw):
    o = pb.Order(patient_id=patient, drug_code=drug, dose=dose, unit=unit,
                 route="oral", frequency=freq, **kw)
    assess_allergies(st, patient, svc=SVC)
    return st.call(SVC, "CreateOrder", pb.CreateOrderRequest(order=o),
                   role="clinician")


def record(st, pb, order, dose, unit="mg", token="", role="nurse", **kw):
    req = pb.RecordAdministrationRequest(order_id=order, dose=dose, unit=unit,
                                         verification_token=token, **kw)
    return st.call(SVC, "RecordAdministration", req, role=role)


def override(pb, reason=None, text="prescriber confirmed by phone"):
    if reason is None:
        reason = pb.OVERRIDE_REASON_PRESCRIBER_CONFIRMED
    return pb.Override(reason=reason, text=text)


def idoverride(pb):
    return pb.Override(reason=pb.OVERRIDE_REASON_EMERGENCY,
                       text="wristband scanned, two identifiers")


def check_of(resp, pb, kind):
    return [c for c in resp.checks if c.kind == kind][0]


# --- catalogue import ----------------------------------------------------


def test_import_sample_catalogue(vstack, pb):
    with open(SAMPLE, "rb") as f:
        csv = f.read()
    r = vstack.call(SVC, "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv), role="pharmacist")
    assert list(r.errors) == []
    rows = [ln for ln in csv.decode().splitlines()
            if ln and not ln.startswith("#")]
    assert r.imported == len(rows) - 1
    d = vstack.call(SVC, "GetDrug", pb.GetDrugRequest(code="161"),
                    role="nurse")
    assert d.name == "Paracetamol" and d.code_system == "rxnorm"
    assert d.max_single_dose == 1000 and d.max_daily_dose == 4000
    assert d.min_interval_minutes == 240 and list(d.routes) == ["oral"]
    assert list(d.forms) == ["tablet", "oral solution"]
    m = vstack.call(SVC, "GetDrug", pb.GetDrugRequest(code="6851"),
                    role="nurse")
    assert m.high_alert and [(b.crcl_below_ml_min, b.dose_factor)
                             for b in m.renal_bands] == [(10, 0), (30, 0.5)]


def test_import_row_errors_all_or_nothing(vstack, pb):
    good, bad1, bad2 = code(), code(), code()
    csv = ("# a comment\n"
           "code,name,unit,max_single_dose,max_daily_dose\n"
           "%s,Good,mg,10,20\n"
           "%s,Bad unit,furlong,10,20\n"
           "%s,\"Bad, daily\",mg,10,5\n" % (good, bad1, bad2)).encode()
    r = vstack.call(SVC, "ImportCatalogue", pb.ImportCatalogueRequest(
        csv=csv), role="pharmacist")
    assert r.imported == 0
    assert [(e.row, e.field) for e in r.errors] == [
        (4, "unit"), (5, "max_daily_dose")]
    expect_status(grpc.StatusCode.NOT_FOUND, vstack.call, SVC, "GetDrug",
                  pb.GetDrugRequest(code=good), role="nurse")


@pytest.mark.parametrize("csv,what", [
    (b"", "empty"),
    (b"code,name,unit,max_single_dose\nA,B,mg,1\n", "max_daily_dose"),
    (b"code,name,unit,max_single_dose,max_daily_dose,colour\n", "unknown"),
    (b"code,name,unit,max_single_dose,max_daily_dose\n", "no data"),
])
def test_import_bad_csv_invalid(vstack, pb, csv, what):
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                      "ImportCatalogue", pb.ImportCatalogueRequest(csv=csv),
                      role="pharmacist", details_prefix="csv")
    assert what in e.details()


@pytest.mark.parametrize("role", ["nurse", "admin"])
def test_import_wrong_role(vstack, pb, role):
    # The dose limits are the pharmacy's: an admin runs the system, not
    # its pharmacology (issue 74).
    expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                  "ImportCatalogue", pb.ImportCatalogueRequest(csv=b"x"),
                  role=role)


# --- patient context -----------------------------------------------------


def test_context_set_get(vstack, pb):
    p = pid()
    c = pb.PatientContext(patient_id=p, weight_kg=70.5, height_cm=172,
                          allergies=["penicillins"], allergies_known=True)
    r = vstack.call(SVC, "SetPatientContext",
                    pb.SetPatientContextRequest(context=c), role="nurse")
    assert r.weight_kg == 70.5 and r.WhichOneof("crcl") is None
    assert r.updated_by == "nurse.test" and r.measured_ms > 0
    g = vstack.call(SVC, "GetPatientContext",
                    pb.GetPatientContextRequest(patient_id=p),
                    role="pharmacist")
    assert g == r
    expect_status(grpc.StatusCode.NOT_FOUND, vstack.call, SVC,
                  "GetPatientContext",
                  pb.GetPatientContextRequest(patient_id=pid()),
                  role="clinician", details_prefix="patient_id")


@pytest.mark.parametrize("field,kw", [
    ("context.patient_id", dict(patient_id="nope")),
    ("context.weight_kg", dict(weight_kg=0.0)),
    ("context.weight_kg", dict(weight_kg=900.0)),
    ("context.height_cm", dict(height_cm=-1.0)),
    ("context.crcl_ml_min", dict(crcl_ml_min=-1.0)),
    ("context.allergies_known", dict(allergies=["x"])),
    ("context.measured_ms", dict(measured_ms=now_ms() + 10 * HOUR)),
])
def test_context_invalid(vstack, pb, field, kw):
    args = dict(patient_id=pid())
    args.update(kw)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "SetPatientContext", pb.SetPatientContextRequest(
                      context=pb.PatientContext(**args)), role="nurse",
                  details_prefix=field)


# --- orders --------------------------------------------------------------


def test_order_create_get_discontinue(vstack, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code, dose=0.5, unit="g")
    assert o.status == pb.ORDER_STATUS_ACTIVE and o.created_by == "dr.test"
    assert o.dose_in_drug_unit == 500 and o.drug_unit == "mg"
    assert o.start_ms > 0 and not o.prn
    g = vstack.call(SVC, "GetOrder", pb.GetOrderRequest(order_id=o.id),
                    role="nurse")
    assert g == o
    s = vstack.call(SVC, "DiscontinueOrder", pb.DiscontinueOrderRequest(
        order_id=o.id, reason="course complete"), role="pharmacist")
    assert s.status == pb.ORDER_STATUS_STOPPED
    assert s.discontinued_by == "pharm.test"
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, vstack.call, SVC,
                  "DiscontinueOrder", pb.DiscontinueOrderRequest(
                      order_id=o.id, reason="again"), role="clinician",
                  details_prefix="order_id")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 500, token="", identity_override=idoverride(pb),
                  details_prefix="order_id")


def test_order_prn_frequency(vstack, pb):
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code, freq="prn")
    assert o.prn


@pytest.mark.parametrize("field,kw", [
    ("order.patient_id", dict(patient_id="x")),
    ("order.dose", dict(dose=0.0)),
    ("order.unit", dict(unit="mL")),
    ("order.unit", dict(unit="spoon")),
    ("order.frequency", dict(frequency="sometimes")),
    ("order.route", dict(route="iv")),
    ("order.end_ms", dict(start_ms=2000, end_ms=1000)),
])
def test_order_invalid(vstack, pb, field, kw):
    d = mkdrug(vstack, pb)
    args = dict(patient_id=pid(), drug_code=d.code, dose=500.0, unit="mg",
                route="oral", frequency="q6h")
    args.update(kw)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "CreateOrder", pb.CreateOrderRequest(
                      order=pb.Order(**args)), role="clinician",
                  details_prefix=field)


def test_order_unknown_drug_and_roles(vstack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, mkorder, vstack, pb, pid(),
                  code(), details_prefix="order.drug_code")
    o = pb.Order(patient_id=pid(), drug_code="161", dose=500, unit="mg",
                 route="oral", frequency="q6h")
    for role in ("nurse", "pharmacist", "registrar"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                      "CreateOrder", pb.CreateOrderRequest(order=o),
                      role=role)
    expect_status(grpc.StatusCode.NOT_FOUND, vstack.call, SVC, "GetOrder",
                  pb.GetOrderRequest(order_id=pid()), role="nurse",
                  details_prefix="order_id")


# --- CheckDose -----------------------------------------------------------


def test_check_dose_every_check_reported(vstack, pb):
    d = mkdrug(vstack, pb, min_single_dose=100, max_dose_per_kg=15,
               min_interval_minutes=240, substance="Amoxycillin")
    assert d.substance == "amoxicillin"  # stored by its code
    p = pid()
    req = pb.CheckDoseRequest(proposed=pb.ProposedDose(
        patient_id=p, drug_code=d.code, dose=1.5, unit="g"))
    r = vstack.call(SVC, "CheckDose", req, role="pharmacist")
    assert [c.kind for c in r.checks if c.kind < 100] == list(range(1, 12))
    # The checks across a class follow (amoxicillin is in none).
    assert [c.status for c in r.checks if c.kind in (140, 141)] == \
        [pb.CHECK_STATUS_NOT_APPLICABLE] * 2
    assert [c.kind for c in r.checks if c.kind == pb.CHECK_KIND_HEPATIC] \
        == [pb.CHECK_KIND_HEPATIC]
    # The lab and pregnancy checks (issue 47): amoxicillin has no rule.
    assert [(c.kind, c.status) for c in r.checks if c.kind in (190, 191)] \
        == [(pb.CHECK_KIND_LAB, pb.CHECK_STATUS_NOT_APPLICABLE),
            (pb.CHECK_KIND_PREGNANCY, pb.CHECK_STATUS_NOT_APPLICABLE)]
    assert r.dose_in_drug_unit == 1500 and r.drug_unit == "mg"
    assert r.overall == pb.CHECK_STATUS_HARD_STOP
    assert check_of(r, pb, pb.CHECK_KIND_SINGLE_MAX).status == \
        pb.CHECK_STATUS_HARD_STOP
    # No context yet: a per-kg limit without a weight, and allergies
    # never assessed, are hard stops (issue 47), never ok.
    pk = check_of(r, pb, pb.CHECK_KIND_PER_KG)
    assert pk.status == pb.CHECK_STATUS_HARD_STOP
    assert pk.reason == "weight unknown; this drug needs it (policy " \
        "hard_stop)"
    al = check_of(r, pb, pb.CHECK_KIND_ALLERGY)
    assert al.status == pb.CHECK_STATUS_HARD_STOP
    assert al.reason.startswith("allergies not assessed")
    vstack.call(SVC, "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=50,
                                  allergies=["Penicillin"],
                                  allergies_known=True)), role="nurse")
    req.proposed.dose = 800000
    req.proposed.unit = "ug"
    r = vstack.call(SVC, "CheckDose", req, role="nurse")
    assert r.dose_in_drug_unit == pytest.approx(800)
    pk = check_of(r, pb, pb.CHECK_KIND_PER_KG)
    assert pk.status == pb.CHECK_STATUS_HARD_STOP  # 16 mg/kg > 15
    al = check_of(r, pb, pb.CHECK_KIND_ALLERGY)
    assert al.status == pb.CHECK_STATUS_HARD_STOP
    assert "penicillins" in al.reason


def test_check_dose_by_order(vstack, pb):
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code, dose=900)
    r = vstack.call(SVC, "CheckDose", pb.CheckDoseRequest(order_id=o.id),
                    role="clinician")
    # 90 % of the maximum: ok with a note, no warning (issue 72).
    c = check_of(r, pb, pb.CHECK_KIND_SINGLE_MAX)
    assert c.status == pb.CHECK_STATUS_OK and "note: at least 90%" in \
        c.reason
    r = vstack.call(SVC, "CheckDose", pb.CheckDoseRequest(
        order_id=o.id, dose=100, unit="mg"), role="clinician")
    assert check_of(r, pb, pb.CHECK_KIND_SINGLE_MAX).status == \
        pb.CHECK_STATUS_OK


@pytest.mark.parametrize("req,field,code_", [
    (dict(), "order_id", grpc.StatusCode.INVALID_ARGUMENT),
    (dict(order_id="bad"), "order_id", grpc.StatusCode.INVALID_ARGUMENT),
    (dict(order_id=str(uuid.uuid4())), "order_id",
     grpc.StatusCode.NOT_FOUND),
    (dict(proposed=dict(patient_id=str(uuid.uuid4()), drug_code="161",
                        dose=1, unit="mL")), "proposed.unit",
     grpc.StatusCode.INVALID_ARGUMENT),
    (dict(proposed=dict(patient_id=str(uuid.uuid4()), drug_code="161",
                        dose=-1, unit="mg")), "proposed.dose",
     grpc.StatusCode.INVALID_ARGUMENT),
    (dict(proposed=dict(patient_id=str(uuid.uuid4()), drug_code="NOPE-1",
                        dose=1, unit="mg")), "proposed.drug_code",
     grpc.StatusCode.NOT_FOUND),
])
def test_check_dose_bad(vstack, pb, req, field, code_):
    # Drug 161 (paracetamol) must exist for its unit and dose to be read.
    import_sample_catalogue(vstack)
    if "proposed" in req:
        req = dict(proposed=pb.ProposedDose(**req["proposed"]))
    expect_status(code_, vstack.call, SVC, "CheckDose",
                  pb.CheckDoseRequest(**req), role="nurse",
                  details_prefix=field)


# --- RecordAdministration: identity --------------------------------------


def test_record_with_token(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code)
    a = record(vstack, pb, o.id, 0.5, unit="g", token=vkeys[0].token(p))
    assert a.status == "completed" and a.identity == "verified"
    assert a.performer == "nurse.test" and a.patient_id == p
    assert a.dose == 0.5 and a.unit == "g" and a.dose_in_drug_unit == 500
    assert a.verification_score == pytest.approx(0.93)
    assert a.verification_model == "lbp-v1" and a.verification_token_id
    assert len([c for c in a.checks if c.kind < 100]) == 11
    assert not a.HasField("dose_override")


def test_record_wrong_patient_refused(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 500, token=vkeys[0].token(pid()),
                  details_prefix="verification_token: patient does not "
                                 "match")


def test_record_bad_tokens(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code)
    old = now_ms() - 10 * 60 * 1000
    cases = [
        (vkeys[0].token(p, issued_ms=old, ttl_s=60),
         grpc.StatusCode.FAILED_PRECONDITION, "verification_token: expired"),
        (vkeys[1].token(p), grpc.StatusCode.FAILED_PRECONDITION,
         "verification_token: signed by an unknown key"),
        (vkeys[0].token(p, score=0.5, threshold=0.8),
         grpc.StatusCode.FAILED_PRECONDITION,
         "verification_token: score below"),
        ("not-a-token", grpc.StatusCode.INVALID_ARGUMENT,
         "verification_token: malformed"),
    ]
    # Our claims with the signature of another key's token: forged.
    good, other = vkeys[0].token(p), vkeys[1].token(p)
    cases.append((good.split(".")[0] + "." + other.split(".")[1],
                  grpc.StatusCode.FAILED_PRECONDITION,
                  "verification_token: bad signature"))
    for tok, st, prefix in cases:
        expect_status(st, record, vstack, pb, o.id, 500, token=tok,
                      details_prefix=prefix)
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert len(h.administrations) == 0


def test_record_without_token_needs_override(vstack, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 500, details_prefix="verification_token: required")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, vstack, pb,
                  o.id, 500, identity_override=pb.Override(text="because"),
                  details_prefix="identity_override.reason")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, vstack, pb,
                  o.id, 500, identity_override=pb.Override(
                      reason=pb.OVERRIDE_REASON_EMERGENCY),
                  details_prefix="identity_override.text")
    a = record(vstack, pb, o.id, 500, identity_override=idoverride(pb))
    assert a.identity == "overridden" and a.status == "completed"
    assert a.identity_override.reason == \
        pb.OVERRIDE_REASON_EMERGENCY
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="pharmacist")
    assert h.administrations[0].identity_override.text.startswith(
        "wristband")


def test_session_stack_without_key_refuses_tokens(stack, vkeys, pb):
    """The shared stack has no MED_IDENTITY_PUBLIC_KEY_FILE."""
    d = mkdrug(stack, pb)
    p = pid()
    o = mkorder(stack, pb, p, d.code)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, stack, pb,
                  o.id, 500, token=vkeys[0].token(p),
                  details_prefix="verification_token: unverifiable")


@pytest.mark.parametrize("field,kw", [
    ("order_id", dict(order_id="x")),
    ("dose", dict(dose=0.0)),
    ("unit", dict(unit="")),
    ("effective_ms", dict(effective_ms=1)),
    ("dose_override.reason", dict(dose_override=dict(text="abc"))),
])
def test_record_invalid(vstack, pb, field, kw):
    args = dict(order_id=pid(), dose=500.0, unit="mg",
                identity_override=idoverride(pb))
    if "dose_override" in kw:
        kw = dict(dose_override=pb.Override(**kw["dose_override"]))
    args.update(kw)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "RecordAdministration",
                  pb.RecordAdministrationRequest(**args), role="nurse",
                  details_prefix=field)


def test_record_unknown_order_and_roles(vstack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, record, vstack, pb, pid(), 500,
                  identity_override=idoverride(pb),
                  details_prefix="order_id")
    for role in ("pharmacist", "registrar", "auditor"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, record, vstack, pb,
                      pid(), 500, role=role)


def test_record_unit_not_convertible(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, record, vstack, pb,
                  o.id, 5, unit="mL", token=vkeys[0].token(p),
                  details_prefix="unit")


# --- hard stops and overrides --------------------------------------------


def test_hard_stop_and_override(vstack, vkeys, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    o = mkorder(vstack, pb, p, d.code, dose=1000)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 1000.01, token=vkeys[0].token(p),
                  details_prefix="dose: hard stop")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, record, vstack, pb,
                  o.id, 1000.01, token=vkeys[0].token(p),
                  dose_override=override(pb), details_prefix="dose_override")
    a = record(vstack, pb, o.id, 1000.01, token=vkeys[0].token(p),
               role="clinician", dose_override=override(pb))
    assert a.overall == pb.CHECK_STATUS_HARD_STOP
    assert a.dose_override.reason == pb.OVERRIDE_REASON_PRESCRIBER_CONFIRMED
    assert a.dose_override_by == "dr.test" and a.status == "completed"
    # At the limit exactly: no stop and no warning (a note since issue
    # 72), recorded without an override.
    o2 = mkorder(vstack, pb, pid(), d.code, dose=1000)
    a2 = record(vstack, pb, o2.id, 1, unit="g",
                token=vkeys[0].token(o2.patient_id))
    assert a2.overall not in (pb.CHECK_STATUS_WARN,
                              pb.CHECK_STATUS_HARD_STOP)
    assert check_of(a2, pb, pb.CHECK_KIND_SINGLE_MAX).status == \
        pb.CHECK_STATUS_OK


def test_24h_window_across_midnight(vstack, vkeys, pb):
    """Doses either side of a midnight count in one rolling 24 h."""
    d = mkdrug(vstack, pb, max_daily_dose=3500)
    p = pid()
    # PRN without an interval of its own: doses an hour apart are allowed
    # (a q1h order of 1000 mg would be refused at order entry: 24 g/day).
    o = mkorder(vstack, pb, p, d.code, dose=1000, freq="prn",
                start_ms=now_ms() - 4 * 24 * HOUR)
    t = time.gmtime(time.time() - 2 * 86400)
    midnight = int(time.mktime((t.tm_year, t.tm_mon, t.tm_mday, 0, 0, 0,
                                0, 0, 0)) - time.timezone) * 1000
    for off in (-2 * HOUR, -1 * HOUR, 1 * HOUR):
        record(vstack, pb, o.id, 1000, effective_ms=midnight + off,
               identity_override=idoverride(pb))

    def daily(at):
        r = vstack.call(SVC, "CheckDose", pb.CheckDoseRequest(
            order_id=o.id, dose=500, unit="mg", at_ms=at), role="nurse")
        return check_of(r, pb, pb.CHECK_KIND_DAILY_MAX)

    c = daily(midnight + 2 * HOUR)
    # 3000 given + 500 = 3500: exactly the max is ok with a note, not a
    # stop (nor, since issue 72, a warning).
    assert c.status == pb.CHECK_STATUS_OK and c.value == 3500.0
    # A part of the order's 1000 mg (the patient took half a tablet
    # more; issue 47 asks for the reason) is still refused by the total.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 501, effective_ms=midnight + 2 * HOUR,
                  identity_override=idoverride(pb),
                  dose_deviation=pb.DoseDeviation(
                      reason=pb.DOSE_DEVIATION_REASON_PARTIAL_DOSE_PATIENT_REFUSED),
                  details_prefix="dose: hard stop")
    # 24 h after the first dose it leaves the window (exclusive start).
    c = daily(midnight - 2 * HOUR + 24 * HOUR)
    assert c.value == 2500.0 and c.status == pb.CHECK_STATUS_OK
    c = daily(midnight - 2 * HOUR + 24 * HOUR - 1)
    assert c.value == 3500.0


def test_back_dated_dose_counts_against_later_ones(vstack, pb):
    """A fifth 1 g dose charted 23 h ago, between four given since, is
    counted against the 24 h after it: a hard stop, not a pass."""
    d = mkdrug(vstack, pb, max_daily_dose=4000)
    p = pid()
    # PRN: no interval of its own, so the 24-h total alone decides.
    o = mkorder(vstack, pb, p, d.code, dose=1000, freq="prn",
                start_ms=now_ms() - 30 * HOUR)
    for h in (22, 16, 10, 4):
        record(vstack, pb, o.id, 1000, effective_ms=now_ms() - h * HOUR,
               identity_override=idoverride(pb))
    late = now_ms() - 23 * HOUR
    r = vstack.call(SVC, "CheckDose", pb.CheckDoseRequest(
        order_id=o.id, dose=1000, unit="mg", at_ms=late), role="nurse")
    c = check_of(r, pb, pb.CHECK_KIND_DAILY_MAX)
    assert c.status == pb.CHECK_STATUS_HARD_STOP and c.value == 5000.0
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 1000, effective_ms=late,
                  identity_override=idoverride(pb),
                  details_prefix="dose: hard stop")


def test_concurrent_administrations_no_double_count(vstack, pb):
    d = mkdrug(vstack, pb, max_daily_dose=1500)
    p = pid()
    # PRN: no interval of its own, so the daily maximum decides.
    o = mkorder(vstack, pb, p, d.code, dose=1000, freq="prn")
    results, barrier = [], threading.Barrier(2)

    def one():
        barrier.wait()
        try:
            results.append(record(vstack, pb, o.id, 1000,
                                  identity_override=idoverride(pb)))
        except grpc.RpcError as e:
            results.append(e)

    ts = [threading.Thread(target=one) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ok = [r for r in results if not isinstance(r, grpc.RpcError)]
    bad = [r for r in results if isinstance(r, grpc.RpcError)]
    # Serialised: the second saw the first and hit the 24-h maximum.
    assert len(ok) == 1 and len(bad) == 1, results
    assert bad[0].code() == grpc.StatusCode.FAILED_PRECONDITION
    assert bad[0].details().startswith("dose: hard stop")


def test_concurrent_administrations_both_counted(vstack, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    # PRN: no interval of its own (a q6h order refuses doses minutes
    # apart), so the four concurrent doses all count.
    o = mkorder(vstack, pb, p, d.code, dose=700, freq="prn")
    barrier, errors = threading.Barrier(4), []

    def one():
        barrier.wait()
        try:
            record(vstack, pb, o.id, 700, identity_override=idoverride(pb))
        except grpc.RpcError as e:
            errors.append(e)

    ts = [threading.Thread(target=one) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="nurse")
    assert len(h.administrations) == 4
    assert [(t.drug_code, t.total_24h, t.lifetime, t.count)
            for t in h.totals] == [(d.code, 2800.0, 2800.0, 4)]
    # Each saw the ones before it: the 24-h values are 700..2800.
    daily = sorted(check_of(a, pb, pb.CHECK_KIND_DAILY_MAX).value
                   for a in h.administrations)
    assert daily == [700.0, 1400.0, 2100.0, 2800.0]


def test_interval_hard_stop(vstack, pb):
    d = mkdrug(vstack, pb, min_interval_minutes=240)
    o = mkorder(vstack, pb, pid(), d.code, start_ms=now_ms() - 5 * HOUR)
    record(vstack, pb, o.id, 500, identity_override=idoverride(pb),
           effective_ms=now_ms() - 4 * HOUR)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 500, identity_override=idoverride(pb),
                  effective_ms=now_ms() - 3 * HOUR,
                  details_prefix="dose: hard stop")


def test_order_frequency_sets_the_interval(vstack, pb):
    # Ondansetron-like: no interval in the catalogue, ordered q8h; a dose
    # 4 h after the last is refused, one 7 h after (an hour of slack, the
    # most a quarter of the interval may give) is recorded, and CheckDose
    # names the order's frequency.
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code, freq="q8h",
                start_ms=now_ms() - 20 * HOUR)
    record(vstack, pb, o.id, 500, identity_override=idoverride(pb),
           effective_ms=now_ms() - 11 * HOUR)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, record, vstack, pb,
                  o.id, 500, identity_override=idoverride(pb),
                  effective_ms=now_ms() - 7 * HOUR,
                  details_prefix="dose: hard stop")
    r = vstack.call(SVC, "CheckDose", pb.CheckDoseRequest(
        order_id=o.id, dose=500, unit="mg",
        at_ms=now_ms() - 7 * HOUR), role="nurse")
    c = check_of(r, pb, pb.CHECK_KIND_INTERVAL)
    assert c.status == pb.CHECK_STATUS_HARD_STOP
    assert "the order's frequency allows 7 h" in c.reason, c.reason
    record(vstack, pb, o.id, 500, identity_override=idoverride(pb),
           effective_ms=now_ms() - 4 * HOUR)


# --- high-alert confirmation ---------------------------------------------


def test_high_alert_exception_needs_second_user(vstack, vkeys, pb):
    """The audited exception to the co-sign before the dose
    (test_dosage_cosign.py): recorded on hold, confirmed afterwards by
    another user."""
    d = mkdrug(vstack, pb, high_alert=True)
    p = pid()
    o = mkorder(vstack, pb, p, d.code)
    a = record(vstack, pb, o.id, 500, token=vkeys[0].token(p),
               cosign_override=pb.Override(
                   reason=pb.OVERRIDE_REASON_EMERGENCY,
                   text="cardiac arrest, nobody free to check"),
               scan_override=pb.Override(
                   reason=pb.OVERRIDE_REASON_EMERGENCY,
                   text="cardiac arrest, no time to scan"))
    assert a.status == "on-hold" and a.confirmed_by == ""
    assert a.cosign_override.reason == pb.OVERRIDE_REASON_EMERGENCY
    assert check_of(a, pb, pb.CHECK_KIND_HIGH_ALERT).status == \
        pb.CHECK_STATUS_WARN
    req = pb.ConfirmHighAlertRequest(administration_id=a.id)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                  "ConfirmHighAlert", req, role="nurse",
                  details_prefix="administration_id")
    c = vstack.call(SVC, "ConfirmHighAlert", req, role="pharmacist")
    assert c.status == "completed" and c.confirmed_by == "pharm.test"
    assert c.performer == "nurse.test" and c.confirmed_ms > 0
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, vstack.call, SVC,
                  "ConfirmHighAlert", req, role="clinician",
                  details_prefix="administration_id")


def test_confirm_bad(vstack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "ConfirmHighAlert", pb.ConfirmHighAlertRequest(),
                  role="nurse", details_prefix="administration_id")
    expect_status(grpc.StatusCode.NOT_FOUND, vstack.call, SVC,
                  "ConfirmHighAlert", pb.ConfirmHighAlertRequest(
                      administration_id=pid()), role="nurse",
                  details_prefix="administration_id")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                  "ConfirmHighAlert", pb.ConfirmHighAlertRequest(
                      administration_id=pid()), role="registrar")


def test_confirm_not_needed_for_completed(vstack, pb):
    d = mkdrug(vstack, pb)
    o = mkorder(vstack, pb, pid(), d.code)
    a = record(vstack, pb, o.id, 500, identity_override=idoverride(pb))
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, vstack.call, SVC,
                  "ConfirmHighAlert", pb.ConfirmHighAlertRequest(
                      administration_id=a.id), role="pharmacist",
                  details_prefix="administration_id")


# --- ListDue and History -------------------------------------------------


def test_list_due(vstack, pb):
    d = mkdrug(vstack, pb)
    p = pid()
    t0 = now_ms()
    q6 = mkorder(vstack, pb, p, d.code, freq="q6h", start_ms=t0 - 7 * HOUR)
    once = mkorder(vstack, pb, p, d.code, freq="once", start_ms=t0 + HOUR)
    mkorder(vstack, pb, p, d.code, freq="prn")
    r = vstack.call(SVC, "ListDue", pb.ListDueRequest(patient_id=p,
                                                      now_ms=t0),
                    role="nurse")
    assert [(i.order.id, i.state) for i in r.items] == [
        (q6.id, pb.DUE_STATE_OVERDUE), (once.id, pb.DUE_STATE_UPCOMING)]
    assert r.items[0].due_ms == q6.start_ms
    record(vstack, pb, q6.id, 500, identity_override=idoverride(pb),
           effective_ms=t0 - 30 * 60 * 1000)
    r = vstack.call(SVC, "ListDue", pb.ListDueRequest(patient_id=p,
                                                      now_ms=t0),
                    role="clinician")
    assert r.items[0].order.id == once.id
    assert r.items[1].order.id == q6.id
    assert r.items[1].due_ms == t0 - 30 * 60 * 1000 + 6 * HOUR
    assert r.items[1].state == pb.DUE_STATE_UPCOMING
    r = vstack.call(SVC, "ListDue", pb.ListDueRequest(
        patient_id=p, now_ms=t0 + 6 * HOUR), role="nurse")
    assert {i.order.id: i.state for i in r.items}[q6.id] == pb.DUE_STATE_DUE
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "ListDue", pb.ListDueRequest(), role="nurse",
                  details_prefix="patient_id")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                  "ListDue", pb.ListDueRequest(patient_id=p),
                  role="pharmacist")


def test_history_totals(vstack, pb):
    d1 = mkdrug(vstack, pb)
    d2 = mkdrug(vstack, pb, unit="g", max_single_dose=1, max_daily_dose=4)
    p = pid()
    o1 = mkorder(vstack, pb, p, d1.code, start_ms=now_ms() - 5 * 24 * HOUR)
    o2 = mkorder(vstack, pb, p, d2.code)
    record(vstack, pb, o1.id, 500, identity_override=idoverride(pb),
           effective_ms=now_ms() - 2 * 24 * HOUR)
    # Half the ordered 500 mg, in ug (the patient refused the rest:
    # another dose than the order's needs its reason, issue 47).
    record(vstack, pb, o1.id, 250000, unit="ug",
           identity_override=idoverride(pb),
           dose_deviation=pb.DoseDeviation(
               reason=pb.DOSE_DEVIATION_REASON_PARTIAL_DOSE_PATIENT_REFUSED))
    record(vstack, pb, o2.id, 500, unit="mg",
           identity_override=idoverride(pb))
    h = vstack.call(SVC, "History", pb.HistoryRequest(patient_id=p),
                    role="pharmacist")
    assert len(h.administrations) == 3
    assert h.administrations[-1].effective_ms < \
        h.administrations[0].effective_ms
    tot = {t.drug_code: (t.unit, t.total_24h, t.lifetime, t.count)
           for t in h.totals}
    assert tot == {d1.code: ("mg", 250.0, 750.0, 2),
                   d2.code: ("g", 0.5, 0.5, 1)}
    page = vstack.call(SVC, "History", pb.HistoryRequest(
        patient_id=p, page=protos.common().PageRequest(page_size=2)),
        role="nurse")
    assert len(page.administrations) == 2 and page.page.next_page_token
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, vstack.call, SVC,
                  "History", pb.HistoryRequest(patient_id="x"),
                  role="nurse", details_prefix="patient_id")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, vstack.call, SVC,
                  "History", pb.HistoryRequest(patient_id=p),
                  role="auditor")


def test_override_details_reach_the_audit_log(stack, pb):
    """The administration's audit event carries its id and the override."""
    from harness.checks import poll
    apb = protos.module("audit")
    d = mkdrug(stack, pb)
    p = pid()
    o = mkorder(stack, pb, p, d.code)
    a = record(stack, pb, o.id, 500, identity_override=idoverride(pb))

    def recorded():
        recs = stack.call("audit", "Query", apb.QueryRequest(patient_id=p),
                          role="auditor", timeout=10)
        return [r for r in recs if r.event.action.endswith(
            "/RecordAdministration") and r.event.outcome == 0]
    ev = poll(recorded, what="the RecordAdministration event")[0].event
    details = {x.key: x.value for x in ev.details}
    assert details["administration_id"] == a.id
    assert details["event"] == "administration with override"
    assert details["identity_override_reason"] == str(
        pb.OVERRIDE_REASON_EMERGENCY)
    assert details["identity_override_text"].startswith("wristband")
