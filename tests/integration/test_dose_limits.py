"""Issue 30, "no way round a limit": the ward's paths around the dose
checks, replayed through the running services (the sample catalogue,
patients in identity, facts from records) as a ward meets them.

- a nurse marks her own earlier dose entered-in-error and gives the dose
  the 24-h limit refused;
- a PRN insulin order without an interval lets doses stack;
- a high-alert dose is charted without scanning the product;
- oral methotrexate, a weekly-only drug, is written daily, or as "once"
  orders repeated within the week, and caught only at the bedside.

Each must end safe: refused with the field and rule named, or held until
a second person confirms."""

import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, now_ms, poll
from harness.fixtures import import_sample_catalogue

SERVICES = ("audit", "identity", "records", "dosage")
HOUR = 3600 * 1000
MIN = 60 * 1000
DAY = 24 * HOUR
PARACETAMOL, INSULIN, METHOTREXATE = "161", "253182", "6851"


pytestmark = pytest.mark.stack(services=SERVICES, patient_checks=True)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


@pytest.fixture(scope="module")
def catalogue(st, pb):
    r = import_sample_catalogue(st)
    # The pharmacy marks oral methotrexate weekly-only (the CSV's
    # weekly_only column, or here UpsertDrug).
    mtx = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=METHOTREXATE),
                  role="pharmacist")
    mtx.weekly_only = True
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=mtx),
            role="pharmacist")
    return r.imported


def patient(st, pb):
    """An adult registered in identity, with the facts the checks use."""
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="DL-" + uuid.uuid4().hex[:12].upper(), family_name="Limits",
        given_name="Case", birth_date="1980-05-01",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    st.call("dosage", "SetPatientContext", pb.SetPatientContextRequest(
        context=pb.PatientContext(patient_id=p, weight_kg=70, height_cm=170,
                                  crcl_ml_min=90, allergies_known=True,
                                  # A woman of 46 on methotrexate: in a
                                  # pregnancy-prevention programme (issue
                                  # 72: else a status must be recorded).
                                  pregnancy_prevention_confirmed=True)),
            role="nurse")
    return p


def override(pb, text, reason=None):
    return pb.Override(reason=reason or pb.OVERRIDE_REASON_OTHER, text=text)


def create(st, pb, p, drug, dose, unit="mg", freq="q6h", route="oral",
           start=None, ov=None, **kw):
    o = pb.Order(patient_id=p, drug_code=drug, dose=dose, unit=unit,
                 route=route, frequency=freq,
                 start_ms=start if start is not None else now_ms() - DAY,
                 **kw)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=o, dose_override=ov), role="clinician")


def give(st, pb, o, dose, unit="mg", at=0, role="nurse", **kw):
    """A dose charted with the patient identified by wristband."""
    return st.call("dosage", "RecordAdministration",
                   pb.RecordAdministrationRequest(
                       order_id=o.id, dose=dose, unit=unit, effective_ms=at,
                       identity_override=override(
                           pb, "wristband scanned, two identifiers",
                           pb.OVERRIDE_REASON_EMERGENCY),
                       **kw), role=role)


def in_error(st, pb, admin_id, role, reason="charted twice"):
    return st.call("dosage", "MarkAdministrationEnteredInError",
                   pb.MarkAdministrationEnteredInErrorRequest(
                       administration_id=admin_id, reason=reason), role=role)


def audit_details(st, p, method, event):
    """The details of p's audit events of method whose event is event."""
    apb = protos.module("audit")

    def found():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=p),
                       role="auditor", timeout=10)
        got = [{d.key: d.value for d in r.event.details} for r in recs
               if r.event.action.endswith("/" + method)]
        return [d for d in got if d.get("event") == event]

    return poll(found, timeout=20, what="%s %s audit event" % (method, event))


def gtin14(body13):
    """body13 with its GS1 check digit."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1)
                for i, c in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


# --- a correction never unlocks a refused dose -------------------------------


def test_nurse_own_correction_does_not_unlock_the_refused_dose(st, pb,
                                                               catalogue):
    p = patient(st, pb)
    o = create(st, pb, p, PARACETAMOL, 1000, freq="prn",
               prn_min_interval_minutes=240, prn_max_daily_dose=4000)
    t0 = now_ms() - 20 * HOUR
    doses = [give(st, pb, o, 1000, at=t0 + i * 5 * HOUR) for i in range(4)]
    # The fifth gram in 24 h is refused at the bedside ...
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 1000,
                  details_prefix="dose: hard stop",
                  details_contains="24-h total")
    # ... so the nurse marks her own last dose entered in error: only a
    # request, the dose still counts, and the fifth gram is still refused.
    r = in_error(st, pb, doses[-1].id, "nurse", reason="charted twice")
    assert r.status == "completed"
    assert r.entered_in_error_requested_by == st.user("nurse")
    assert r.entered_in_error_requested_reason == "charted twice"
    assert r.entered_in_error_requested_ms > 0 and not r.entered_in_error_by
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 1000,
                  details_prefix="dose: hard stop",
                  details_contains="24-h total")
    h = st.call("dosage", "History", pb.HistoryRequest(patient_id=p),
                role="nurse")
    assert [t.total_24h for t in h.totals] == [4000]
    # Asking twice changes nothing; another nurse may not confirm.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, in_error, st, pb,
                  doses[-1].id, "nurse", details_prefix="administration_id",
                  details_contains="already asked")
    # The pharmacist, a second person who did not chart it, confirms.
    c = in_error(st, pb, doses[-1].id, "pharmacist",
                 reason="confirmed with the nurse: charted twice")
    assert c.status == "entered-in-error"
    assert c.entered_in_error_by == st.user("pharmacist")
    assert c.entered_in_error_requested_by == st.user("nurse")
    asked = audit_details(st, p, "MarkAdministrationEnteredInError",
                          "entered in error requested")
    assert asked[0]["administration_id"] == doses[-1].id
    done = audit_details(st, p, "MarkAdministrationEnteredInError",
                         "entered in error")
    assert done[0]["requested_by"] == st.user("nurse")
    # Only now does the dose stop counting: the gram may be given.
    assert give(st, pb, o, 1000).status == "completed"


def test_not_given_and_others_records_keep_their_rules(st, pb, catalogue):
    p = patient(st, pb)
    start = now_ms() - 7 * HOUR
    o = create(st, pb, p, PARACETAMOL, 1000, start=start)
    # A not-given record counts in no limit: the nurse corrects it alone.
    ng = st.call("dosage", "RecordNotGiven", pb.RecordNotGivenRequest(
        order_id=o.id, scheduled_ms=start,
        reason=pb.NOT_GIVEN_REASON_PATIENT_ABSENT), role="nurse")
    assert in_error(st, pb, ng.id, "nurse").status == "entered-in-error"
    # A clinician's own dose waits for another clinician or pharmacist.
    a = give(st, pb, o, 1000, role="clinician")
    r = in_error(st, pb, a.id, "clinician")
    assert r.status == "completed"
    assert r.entered_in_error_requested_by == st.user("clinician")
    assert in_error(st, pb, a.id, "pharmacist").status == "entered-in-error"


# --- PRN high-alert orders state their interval ------------------------------


def test_prn_insulin_needs_an_interval_and_a_24h_maximum(st, pb, catalogue):
    p = patient(st, pb)
    e = expect_status(grpc.StatusCode.INVALID_ARGUMENT, create, st, pb, p,
                      INSULIN, 10, unit="unit", freq="prn", route="sc",
                      prn_max_daily_dose=40,
                      details_prefix="order.prn_min_interval_minutes")
    assert "high-alert" in e.details()
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, create, st, pb, p,
                  INSULIN, 10, unit="unit", freq="prn", route="sc",
                  prn_min_interval_minutes=240,
                  details_prefix="order.prn_max_daily_dose")
    o = create(st, pb, p, INSULIN, 10, unit="unit", freq="prn", route="sc",
               prn_min_interval_minutes=240, prn_max_daily_dose=40)
    # Doses no longer stack 30 minutes apart.
    t = now_ms() - HOUR
    cover = dict(cosign_override=override(pb, "charted after the event"),
                 scan_override=override(pb, "charted after the event"))
    give(st, pb, o, 10, unit="unit", at=t, **cover)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 10,
                  unit="unit", at=t + 30 * MIN,
                  details_prefix="dose: hard stop", **cover)


# --- high-alert products are scanned -----------------------------------------


def test_high_alert_dose_needs_a_scan_or_a_reason(st, pb, catalogue):
    p = patient(st, pb)
    ins = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=INSULIN),
                  role="pharmacist")
    gtin = gtin14("0950600013" + "%03d" % (uuid.uuid4().int % 1000))
    ins.code = "INS-" + uuid.uuid4().hex[:8]
    ins.gtins[:] = [gtin]
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=ins),
            role="pharmacist")
    o = create(st, pb, p, ins.code, 10, unit="unit", freq="q12h", route="sc",
               start=now_ms() - HOUR)

    def cosign():
        return st.call("dosage", "CosignAdministration",
                       pb.CosignAdministrationRequest(
                           order_id=o.id, patient_id=p, dose=10,
                           unit="unit"), role="pharmacist").id

    k = cosign()
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o,
                      10, unit="unit", cosign_id=k,
                      details_prefix="product_scan")
    assert "scan_override" in e.details()
    # Scan and reason at once is bad input.
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, give, st, pb, o, 10,
                  unit="unit", cosign_id=k, product_scan=gtin,
                  scan_override=override(pb, "barcode torn"),
                  details_prefix="scan_override")
    # The scanner is down: the reason is recorded and audited.
    a = give(st, pb, o, 10, unit="unit", cosign_id=k,
             scan_override=override(pb, "ward scanner out of order"))
    assert a.status == "completed" and not a.product_gtin
    assert a.scan_override.text == "ward scanner out of order"
    got = audit_details(st, p, "RecordAdministration",
                        "administration with override")
    assert [d["administration_id"] for d in got
            if d.get("scan_override_text") == "ward scanner out of order"
            ] == [a.id]
    # Scanned, a dose needs no reason.
    o = create(st, pb, p, ins.code, 10, unit="unit", freq="once",
               route="sc", start=now_ms())
    b = give(st, pb, o, 10, unit="unit", cosign_id=cosign(),
             product_scan=gtin)
    assert b.product_gtin == gtin and not b.HasField("scan_override")
    # An ordinary drug needs no scan by default.
    para = create(st, pb, p, PARACETAMOL, 500)
    assert give(st, pb, para, 500).status == "completed"


def test_scan_required_for_every_product_when_the_hospital_says_so(
        st, pb, catalogue):
    p = patient(st, pb)
    para = create(st, pb, p, PARACETAMOL, 500, freq="prn",
                  prn_max_daily_dose=2000)
    env = st.services["dosage"].env
    st.stop_service("dosage")
    env["MED_DOSAGE_SCAN_REQUIRED"] = "all"
    st.start_service("dosage")
    try:
        e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb,
                          para, 500, details_prefix="product_scan")
        assert "MED_DOSAGE_SCAN_REQUIRED=all" in e.details()
        a = give(st, pb, para, 500, scan_override=override(
            pb, "patient's own supply, no barcode"))
        assert a.scan_override.reason == pb.OVERRIDE_REASON_OTHER
    finally:
        st.stop_service("dosage")
        env.pop("MED_DOSAGE_SCAN_REQUIRED", None)
        st.start_service("dosage")


# --- weekly-only: oral methotrexate -------------------------------------------


def test_methotrexate_daily_refused_even_with_an_override(st, pb, catalogue):
    p = patient(st, pb)
    ov = override(pb, "consultant insists",
                  pb.OVERRIDE_REASON_CLINICALLY_INDICATED)
    for freq in ("daily", "bid", "q72h", "prn"):
        e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, create, st,
                          pb, p, METHOTREXATE, 10, freq=freq, ov=ov,
                          prn_max_daily_dose=10 if freq == "prn" else 0,
                          details_prefix="order.frequency")
        assert "weekly-only" in e.details()
    # Weekly is the order it takes (and a pharmacist verifies it).
    o = create(st, pb, p, METHOTREXATE, 10, freq="weekly")
    assert o.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    # A clinician cannot make it daily by modifying it either.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "ModifyOrder", pb.ModifyOrderRequest(
                      order_id=o.id, reason="daily now", dose_override=ov,
                      order=pb.Order(dose=10, unit="mg", route="oral",
                                     frequency="daily")),
                  role="clinician", details_prefix="order.frequency")


def test_methotrexate_repeated_once_orders(st, pb, catalogue):
    p = patient(st, pb)
    first = create(st, pb, p, METHOTREXATE, 10, freq="once",
                   start=now_ms() - 2 * DAY)
    # A second "once" while the first is in force (not yet given).
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, create, st, pb,
                      p, METHOTREXATE, 10, freq="once", start=now_ms(),
                      details_prefix="order.start_ms")
    assert first.id in e.details()
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(
        order_id=first.id), role="pharmacist")
    give(st, pb, first, 10, at=now_ms() - 2 * DAY + HOUR,
         cosign_override=override(pb, "charted after the event"),
         scan_override=override(pb, "charted after the event"))
    # Given two days ago: a new "once" (or weekly) order today is refused.
    for freq in ("once", "weekly"):
        e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, create, st,
                          pb, p, METHOTREXATE, 10, freq=freq, start=now_ms(),
                          details_prefix="order.start_ms")
        assert "given" in e.details() and "7 days" in e.details()
    # A week after the dose it may be ordered again.
    nxt = create(st, pb, p, METHOTREXATE, 10, freq="once",
                 start=now_ms() + 5 * DAY + 2 * HOUR)
    assert nxt.status == pb.ORDER_STATUS_PENDING_VERIFICATION


def test_methotrexate_refused_at_verification(st, pb, catalogue):
    """An order written before the pharmacy flagged the product, or one
    a dose of another order came between, is refused when verified."""
    p = patient(st, pb)
    mtx = st.call("dosage", "GetDrug", pb.GetDrugRequest(code=METHOTREXATE),
                  role="pharmacist")
    plain = pb.Drug()
    plain.CopyFrom(mtx)
    plain.code = "MTX-" + uuid.uuid4().hex[:8]
    plain.weekly_only = False
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=plain),
            role="pharmacist")
    ov = override(pb, "as in clinic letter",
                  pb.OVERRIDE_REASON_CLINICALLY_INDICATED)
    daily = create(st, pb, p, plain.code, 10, freq="daily", ov=ov)
    assert daily.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    # Another patient's daily order was verified before the flag was set.
    q = patient(st, pb)
    old = create(st, pb, q, plain.code, 10, freq="daily", ov=ov)
    st.call("dosage", "VerifyOrder", pb.VerifyOrderRequest(order_id=old.id),
            role="pharmacist")
    plain.weekly_only = True
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=plain),
            role="pharmacist")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call,
                      "dosage", "VerifyOrder",
                      pb.VerifyOrderRequest(order_id=daily.id),
                      role="pharmacist", details_prefix="order.frequency")
    assert "weekly-only" in e.details()
    got = st.call("dosage", "GetOrder", pb.GetOrderRequest(order_id=daily.id),
                  role="pharmacist")
    assert got.status == pb.ORDER_STATUS_PENDING_VERIFICATION
    # The order verified before the flag is no way round it at the bedside.
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, old,
                      10, cosign_override=override(pb, "after the event"),
                      scan_override=override(pb, "after the event"),
                      details_prefix="order_id")
    assert "order.frequency" in e.details() and "ModifyOrder" in e.details()


def test_prn_order_written_before_the_drug_was_high_alert(st, pb, catalogue):
    p = patient(st, pb)
    drug = pb.Drug(code="OXY-" + uuid.uuid4().hex[:8], name="Oxycodone",
                   substance="oxycodone", unit="mg", max_single_dose=20,
                   max_daily_dose=80, routes=["oral"])
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=drug),
            role="pharmacist")
    o = create(st, pb, p, drug.code, 5, freq="prn", prn_max_daily_dose=20)
    drug.high_alert = True
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=drug),
            role="pharmacist")
    e = expect_status(grpc.StatusCode.FAILED_PRECONDITION, give, st, pb, o, 5,
                      cosign_override=override(pb, "after the event"),
                      scan_override=override(pb, "after the event"),
                      details_prefix="order_id")
    assert "order.prn_min_interval_minutes" in e.details()
