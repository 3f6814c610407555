"""A ward round driven through the API and medctl (issue 18), and the MAR
as a nurse reads it (issue 30): drug names, the patient banner, times in
the ward's zone across its clock changes, infusions as running lines, held
doses that never read as late, doses rounded as measured.

The round (issue 18):
a patient registered in identity, a scheduled and an as-needed order, the
MAR read at each step, a dose given after a face verification, a dose
charted as not given, the pack scanned (its GTIN and batch stored), a
PRN dose charted by mistake marked entered in error with medctl, the order
held and resumed, then modified into a new version; every step's audit event is in the audit log with the action
code an auditor filters on (RecordAdministration and RecordNotGiven
create, order changes update, GetMar reads).

The face verification uses the ORL photographs when ../shared holds them;
without them the nurse identifies the patient another way (an audited
identity override), and the rest of the round is the same."""

import json
import os
import re
import subprocess
import time
import uuid

import grpc
import pytest

from harness import paths, protos, run
from harness.checks import expect_status, now_ms, poll
from harness.faces import ORL, orl_png
from harness.fixtures import assess_allergies, spawn_like

MIN = 60 * 1000
# The GS1 General Specifications' example GTIN, as the paracetamol pack.
PARA_GTIN = "09506000134352"
HOUR = 60 * MIN
MEDCTL = paths.bin_path("medctl")
_TLS_ENV = {}


def _face_keys_and_tls(stack):
    """make run's face keys for the stack; its MED_TLS_* in _TLS_ENV."""
    _, env = run.face_keys(os.path.join(stack.workdir, "face-keys"))
    stack.extra_env.update(env)
    _TLS_ENV.update(stack.client_tls_env())


# The ward is in London: its clocks change (issue 30, "a MAR a nurse can
# read"); records holds the facts the banner shows.
pytestmark = pytest.mark.stack(
    services=("audit", "identity", "records", "dosage"), patient_checks=True,
    extra_env={"MED_WARD_TIME_ZONE": "Europe/London"},
    prepare=_face_keys_and_tls)


# The service of the pb fixture (tests/conftest.py).
PROTOS = "dosage"


def medctl(st, role, *args):
    """medctl dosage COMMAND ... as role; the reply as JSON."""
    env = {k: v for k, v in os.environ.items() if k != "MED_TOKEN"}
    env.update(_TLS_ENV)
    r = subprocess.run([MEDCTL, "--addr", st.addr("dosage"), "--token",
                        st.token(role), "dosage"] + [str(a) for a in args],
                       env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=30)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def register(st):
    """A patient whose allergies were assessed (none known): the MAR is
    what these tests are about."""
    ipb = protos.module("identity")
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MAR-" + uuid.uuid4().hex[:12].upper(), family_name="Round",
        given_name="Ward", birth_date="1961-05-06",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    assess_allergies(st, p)
    return p


def identify(st, pb, patient):
    """The fields of RecordAdministration that identify the patient: a
    face-verification token, or (no photographs here) an override."""
    if not os.path.isdir(ORL):
        return dict(identity_override=pb.Override(
            reason=pb.OVERRIDE_REASON_EMERGENCY,
            text="wristband scanned, two identifiers"))
    ipb = protos.module("identity")
    st.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=patient, images=[orl_png(9, n) for n in (1, 2, 3)]),
        role="nurse", timeout=60)
    v = st.call("identity", "VerifyFace", ipb.VerifyFaceRequest(
        patient_id=patient, image=orl_png(9, 5), terminal="ward3-bed2",
        wristband=patient),
        role="nurse", timeout=60)
    assert v.match, v
    return dict(verification_token=v.verification_token)


def drugs(st, pb):
    tag = uuid.uuid4().hex[:8]
    para = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="MAR-PARA-" + tag, name="Paracetamol 500 mg tablet", unit="mg",
        max_single_dose=1000.0, max_daily_dose=4000.0, routes=["oral"],
        substance="paracetamol", min_interval_minutes=240,
        gtins=[PARA_GTIN])),
        role="pharmacist")
    ondan = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(
        drug=pb.Drug(code="MAR-ONDA-" + tag, name="Ondansetron 4 mg",
                     unit="mg", max_single_dose=8.0, max_daily_dose=24.0,
                     routes=["oral", "iv"], substance="ondansetron")),
        role="pharmacist")
    return para, ondan


def line(m, order_id):
    return [x for x in m["orders"] if x["order"]["id"] == order_id][0]


def states(m, order_id):
    return [s["state"].replace("MAR_SLOT_STATE_", "")
            for s in line(m, order_id).get("slots", [])]


def test_ward_round(st, pb):
    p = register(st)
    para, ondan = drugs(st, pb)
    start = now_ms() - 12 * HOUR - 30 * MIN
    sched = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=para.code, dose=1000.0,
                       unit="mg", route="oral", frequency="q6h",
                       start_ms=start)), role="clinician")
    prn = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=ondan.code, dose=4.0,
                       unit="mg", route="oral", frequency="prn",
                       prn_min_interval_minutes=480, prn_max_daily_dose=12.0,
                       start_ms=start)), role="clinician")

    # The round starts (the MAR's default window: 12 h either side): a
    # dose nobody charted, one due, two to come; the PRN may be given now.
    m = medctl(st, "nurse", "get-mar", "--patient-id", p)
    assert states(m, sched.id) == ["MISSED", "DUE", "UPCOMING", "UPCOMING"]
    q = line(m, prn.id)["prn"]
    assert abs(int(q["next_ms"]) - int(m["now_ms"])) < 1000
    # ... and says so in the ward's time (issue 30).
    assert re.match(RFC3339, q["next_time"]), q

    # The missed dose at +6 h is charted: the patient was in imaging.
    ng = medctl(st, "nurse", "record-not-given", "--order-id", sched.id,
                "--scheduled-ms", start + 6 * HOUR, "--reason",
                "NOT_GIVEN_REASON_PATIENT_ABSENT", "--text", "in CT")
    assert ng["status"] == "not-done"

    # The due dose is given after the patient is identified; the PRN too.
    who = identify(st, pb, p)
    # The pack is scanned: the ordered product, in date.
    scan = "]d201%s17%02d123110P-0042" % (PARA_GTIN,
                                          time.gmtime().tm_year % 100 + 1)
    given = st.call("dosage", "RecordAdministration",
                    pb.RecordAdministrationRequest(
                        order_id=sched.id, dose=1000.0, unit="mg",
                        product_scan=scan, **who),
                    role="nurse")
    assert given.status == "completed"
    assert (given.product_gtin, given.product_batch) == (PARA_GTIN,
                                                         "P-0042")
    prn_dose = st.call("dosage", "RecordAdministration",
                       pb.RecordAdministrationRequest(
                           order_id=prn.id, dose=4.0, unit="mg", **who),
                       role="nurse")

    m = medctl(st, "nurse", "get-mar", "--patient-id", p)
    assert states(m, sched.id) == ["NOT_GIVEN", "GIVEN", "UPCOMING",
                                   "UPCOMING"]
    slot = line(m, sched.id)["slots"][0]
    assert slot["not_given_reason"] == "NOT_GIVEN_REASON_PATIENT_ABSENT"
    assert slot["not_given_text"] == "in CT"
    q = line(m, prn.id)["prn"]
    assert int(q["next_ms"]) >= int(m["now_ms"]) + 8 * HOUR - 60 * 1000
    assert "interval" in q["reason"]

    # The PRN dose was charted by mistake (it was given to the patient in
    # the next bed): the nurse marks it entered in error, which for her
    # own dose is a request until a pharmacist confirms (issue 30); the
    # record stays, and the PRN may be given now.
    eie = medctl(st, "nurse", "mark-administration-entered-in-error",
                 "--administration-id", prn_dose.id,
                 "--reason", "charted on the wrong patient")
    assert eie["status"] == "completed"
    assert eie["entered_in_error_requested_by"] == st.user("nurse")
    eie = medctl(st, "pharmacist", "mark-administration-entered-in-error",
                 "--administration-id", prn_dose.id,
                 "--reason", "charted on the wrong patient")
    assert eie["status"] == "entered-in-error"
    assert eie["entered_in_error_by"] == st.user("pharmacist")
    m = medctl(st, "nurse", "get-mar", "--patient-id", p)
    q = line(m, prn.id)["prn"]
    assert abs(int(q["next_ms"]) - int(m["now_ms"])) < 1000
    assert [a["status"] for a in line(m, prn.id)["administrations"]] == [
        "entered-in-error"]
    assert re.match(RFC3339, line(m, prn.id)["administrations"][0][
        "effective_time"])

    # The clinician holds the order: its next dose shows held and cannot
    # be given; resumed, it can.
    held = medctl(st, "clinician", "hold-order", "--order-id", sched.id,
                  "--reason", "vomiting, review at 18:00")
    assert held["status"] == "ORDER_STATUS_ON_HOLD"
    m = medctl(st, "nurse", "get-mar", "--patient-id", p,
               "--now-ms", now_ms() + 6 * HOUR)
    assert states(m, sched.id)[-1] == "ON_HOLD"
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, st.call, "dosage",
                  "RecordAdministration", pb.RecordAdministrationRequest(
                      order_id=sched.id, dose=1000.0, unit="mg", **who),
                  role="nurse", details_contains="on hold")
    medctl(st, "clinician", "resume-order", "--order-id", sched.id,
           "--reason", "tolerating fluids")

    # The dose is lowered: a new version; the MAR shows both, the old one
    # stopped where the new one starts.
    v2 = medctl(st, "clinician", "modify-order", "--order-id", sched.id,
                "--order.dose", "500", "--order.unit", "mg",
                "--order.route", "oral", "--order.frequency", "q6h",
                "--reason", "weight 48 kg")
    assert v2["version"] == 2 and v2["replaces_order_id"] == sched.id
    orders = medctl(st, "pharmacist", "list-orders", "--patient-id", p,
                    "--statuses", "ORDER_STATUS_ACTIVE")["orders"]
    assert sorted(o["id"] for o in orders) == sorted([v2["id"], prn.id])
    m = medctl(st, "nurse", "get-mar", "--patient-id", p,
               "--to-ms", now_ms() + 12 * HOUR)
    old = line(m, sched.id)
    assert old["order"]["status"] == "ORDER_STATUS_SUPERSEDED"
    assert states(m, v2["id"])[0] in ("DUE", "UPCOMING")

    # Every step is in the audit log, each with its action code.
    apb = protos.module("audit")

    def events():
        recs = st.call("audit", "Query", apb.QueryRequest(patient_id=p),
                       role="auditor", timeout=10)
        got = {}
        for r in recs:
            name = r.event.action.rsplit("/", 1)[-1]
            got.setdefault(name, []).append(r.event)
        want = ("RecordAdministration", "RecordNotGiven", "HoldOrder",
                "ResumeOrder", "ModifyOrder", "GetMar", "ListOrders",
                "MarkAdministrationEnteredInError")
        # The nurse's request and the pharmacist's confirmation.
        both = len(got.get("MarkAdministrationEnteredInError", ())) >= 2
        return got if both and all(w in got for w in want) else None

    got = poll(events, timeout=20, what="the ward round's audit events")
    codes = {name: {e.action_code for e in evs} for name, evs in got.items()}
    assert codes["RecordAdministration"] == {"C"}
    assert codes["RecordNotGiven"] == {"C"}
    assert codes["HoldOrder"] == codes["ResumeOrder"] == {"U"}
    assert codes["ModifyOrder"] == {"U"}
    assert codes["GetMar"] == codes["ListOrders"] == {"R"}
    assert codes["MarkAdministrationEnteredInError"] == {"U"}
    details = [{d.key: d.value for d in e.details}
               for e in got["MarkAdministrationEnteredInError"]]
    details = [d for d in details if d["event"] == "entered in error"][0]
    assert details["administration_id"] == prn_dose.id
    assert details["previous_status"] == "completed"
    assert details["reason"] == "charted on the wrong patient"
    details = {d.key: d.value for d in got["RecordNotGiven"][0].details}
    assert details["status_reason"] == "NOT_GIVEN_REASON_PATIENT_ABSENT"
    assert details["order_id"] == sched.id
    details = {d.key: d.value for d in got["ModifyOrder"][0].details}
    assert details["replaces_order_id"] == sched.id
    assert details["reason"] == "weight 48 kg"
    hold_details = {d.key: d.value for d in got["HoldOrder"][0].details}
    assert hold_details["reason"] == "vomiting, review at 18:00"


# --- issue 30: a MAR a nurse can read ----------------------------------------

# Europe/London's clocks go back at 01:00 UTC on 2026-10-25 and forward at
# 01:00 UTC on 2026-03-29.
AUTUMN_0800_BST = 1792738800000   # 2026-10-23 08:00 +01:00
SPRING_0800_GMT = 1774598400000   # 2026-03-27 08:00 +00:00
RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?[+-]\d\d:\d\d$"


def heparin(st, pb):
    """Heparin 25,000 units in 25 mL (1000 units/mL): 2.3 mL of it is
    2.3 * 25000 / 25 = 2299.9999999999995 units in floating point."""
    return st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="MAR-HEP-" + uuid.uuid4().hex[:8],
        name="Heparin sodium 25,000 units in 25 mL", unit="[iU]",
        max_single_dose=10000.0, max_daily_dose=40000.0,
        routes=["iv", "subcut"], concentration_amount=25000.0,
        concentration_volume_ml=25.0, infusion_max_rate=2500.0,
        infusion_rate_ceiling=3000.0)), role="pharmacist")


def paracetamol(st, pb):
    """Paracetamol in mg, without the round's GTIN (a GTIN names one
    catalogue entry)."""
    return st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="MAR-PMG-" + uuid.uuid4().hex[:8], name="Paracetamol 1 g",
        unit="mg", max_single_dose=1000.0, max_daily_dose=4000.0,
        routes=["oral"], substance="paracetamol",
        min_interval_minutes=240)), role="pharmacist")


def chart_facts(st, p):
    """What the ward charted in the record: a weight and an allergy."""
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="admission",
        vital_signs=rpb.VitalSigns(body_weight=rpb.Quantity(
            value=72500, unit="g"))), role="clinician")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=p, kind=rpb.ENTRY_KIND_ALLERGY, title="allergy",
        allergy=rpb.Allergy(
            substance_display="Penicillin",
            verification_status=rpb.ALLERGY_VERIFICATION_STATUS_CONFIRMED)),
        role="clinician")


def mar(st, pb, p, **kw):
    return st.call("dosage", "GetMar", pb.GetMarRequest(patient_id=p, **kw),
                   role="nurse")


def mline(m, order_id):
    return [x for x in m.orders if x.order.id == order_id][0]


def test_mar_names_the_patient_and_the_drug(st, pb):
    """The chart says whose it is (name, MRN, age, weight with its date,
    allergies) and what each line is (the catalogue name, its strength),
    not only ids and codes."""
    ipb = protos.module("identity")
    mrn = "MAR-" + uuid.uuid4().hex[:12].upper()
    p = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn=mrn, family_name="Round", given_name="Ward",
        birth_date="1961-05-06", sex=ipb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id
    chart_facts(st, p)
    tab = st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=pb.Drug(
        code="MAR-PTAB-" + uuid.uuid4().hex[:8],
        name="Paracetamol 500 mg tablets", unit="tablet",
        max_single_dose=2.0, max_daily_dose=8.0, routes=["oral"],
        substance="paracetamol", strength=500.0, strength_unit="mg")),
        role="pharmacist")
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=tab.code, dose=2.0,
                       unit="tablet", route="oral", frequency="q6h")),
        role="clinician")
    m = mar(st, pb, p)
    b = m.patient
    assert (b.mrn, b.display_name, b.birth_date) == (mrn, "ROUND, Ward",
                                                     "1961-05-06")
    assert b.age_years >= 65 and b.age_text == "%d y" % b.age_years
    assert b.weight_kg == 72.5 and b.facts_source == "record"
    assert abs(b.weight_ms - now_ms()) < 5 * MIN
    assert re.match(RFC3339, b.weight_time), b.weight_time
    assert list(b.allergies) == ["Penicillin"] and b.allergies_assessed
    assert b.allergy_text == "Penicillin"
    ln = mline(m, o.id)
    assert ln.drug_name == "Paracetamol 500 mg tablets"
    assert ln.drug_strength == "500 mg per tablet"
    assert ln.dose_text == "2 tablet"
    assert m.time_zone == "Europe/London"
    assert all(re.match(RFC3339, t)
               for t in (m.from_time, m.to_time, m.now_time))


def test_daily_dose_keeps_its_clock_time_across_the_clock_change(st, pb):
    """A daily 08:00 dose is at 08:00 on the ward's clock on both sides of
    a clock change (25 h apart when the clocks go back, 23 h when they go
    forward), each time given with its offset."""
    p = register(st)
    para = paracetamol(st, pb)
    for start, want in (
            (AUTUMN_0800_BST, ["2026-10-23T08:00:00+01:00",
                               "2026-10-24T08:00:00+01:00",
                               "2026-10-25T08:00:00+00:00",
                               "2026-10-26T08:00:00+00:00"]),
            (SPRING_0800_GMT, ["2026-03-27T08:00:00+00:00",
                               "2026-03-28T08:00:00+00:00",
                               "2026-03-29T08:00:00+01:00",
                               "2026-03-30T08:00:00+01:00"])):
        # Open-ended (an order written with its end already past is
        # refused, issue 47): the window ends before a fifth dose.
        o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
            order=pb.Order(patient_id=p, drug_code=para.code, dose=1000.0,
                           unit="mg", route="oral", frequency="daily",
                           start_ms=start)),
            role="clinician")
        m = mar(st, pb, p, from_ms=start - HOUR, to_ms=start + 90 * HOUR,
                now_ms=start + 90 * HOUR)
        slots = mline(m, o.id).slots
        assert [s.scheduled_time for s in slots] == want
        gaps = [(b.scheduled_ms - a.scheduled_ms) // HOUR
                for a, b in zip(slots, slots[1:])]
        assert gaps == ([24, 25, 24] if start == AUTUMN_0800_BST
                        else [24, 23, 24])
        # Stopped before the next one: two regular orders of paracetamol
        # in force at once are a duplicate order.
        st.call("dosage", "DiscontinueOrder", pb.DiscontinueOrderRequest(
            order_id=o.id, reason="next case"), role="clinician")


def test_dose_due_before_a_hold_is_held_not_late(st, pb):
    """The 08:00 dose was not given when the clinician held the order at
    08:30; at 09:30 the chart must not say "late, may still be given": the
    hold took it."""
    p = register(st)
    para = paracetamol(st, pb)
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=para.code, dose=1000.0,
                       unit="mg", route="oral", frequency="q6h",
                       start_ms=now_ms() - 90 * MIN)), role="clinician")
    before = mar(st, pb, p)
    assert mline(before, o.id).slots[0].state == pb.MAR_SLOT_STATE_LATE
    medctl(st, "clinician", "hold-order", "--order-id", o.id,
           "--reason", "vomiting, review at noon")
    m = mar(st, pb, p)
    states = [s.state for s in mline(m, o.id).slots]
    assert states[0] == pb.MAR_SLOT_STATE_ON_HOLD
    assert pb.MAR_SLOT_STATE_LATE not in states
    assert pb.MAR_SLOT_STATE_DUE not in states
    # Resumed, the dose the hold took stays held; the next one is due.
    medctl(st, "clinician", "resume-order", "--order-id", o.id,
           "--reason", "tolerating fluids")
    m = mar(st, pb, p)
    assert mline(m, o.id).slots[0].state == pb.MAR_SLOT_STATE_ON_HOLD
    assert mline(m, o.id).slots[1].state == pb.MAR_SLOT_STATE_UPCOMING


def test_infusion_reads_as_running_at_its_rate(st, pb):
    """A heparin infusion is a running line at its current rate, not a
    bolus dose "due" or "given"; its rates are rounded as a pump shows
    them (2.3 mL/h is 2300 units/h, not 2299.9999999999995)."""
    p = register(st)
    hep = heparin(st, pb)
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=hep.code, dose=5000.0,
                       unit="[iU]", route="iv", frequency="once",
                       infusion_rate=2.3, infusion_rate_unit="mL/h")),
        role="clinician")
    who = identify(st, pb, p)
    f = st.call("dosage", "StartInfusion", pb.StartInfusionRequest(
        order_id=o.id, rate=2.0, rate_unit="mL/h", **who), role="nurse")
    f = st.call("dosage", "ChangeInfusionRate", pb.ChangeInfusionRateRequest(
        infusion_id=f.id, rate=2.3, rate_unit="mL/h",
        reason="aPTT 45 s, titrated"), role="nurse")
    assert f.rate_drug_unit_per_hour != 2300   # the float the chart showed
    m = mar(st, pb, p)
    ln = mline(m, o.id)
    assert list(ln.slots) == []
    inf = ln.infusion
    assert inf.state == pb.MAR_INFUSION_STATE_RUNNING
    assert inf.infusion_id == f.id
    assert (inf.rate, inf.rate_unit) == (2.3, "mL/h")
    assert inf.rate_drug_unit_per_hour == 2300
    assert inf.rate_text == "2.3 mL/h (2300 units/h)"
    assert re.match(RFC3339, inf.since_time)
    assert ln.dose_text == "2.3 mL/h"
    assert m.infusions[0].rate_drug_unit_per_hour == 2300
    st.call("dosage", "StopInfusion", pb.StopInfusionRequest(
        infusion_id=f.id, reason="bag done"), role="nurse")
    inf = mline(mar(st, pb, p), o.id).infusion
    assert inf.state == pb.MAR_INFUSION_STATE_STOPPED
    assert inf.rate_text == "stopped"


def test_dose_shown_to_the_precision_it_is_measured(st, pb):
    """2.3 mL of heparin 25,000 units in 25 mL reads 2300 units."""
    p = register(st)
    hep = heparin(st, pb)
    o = st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=p, drug_code=hep.code, dose=2.3,
                       unit="mL", route="subcut", frequency="q12h")),
        role="clinician")
    assert o.dose_in_drug_unit != 2300    # 2299.9999999999995 as stored
    ln = mline(mar(st, pb, p), o.id)
    assert ln.order.dose_in_drug_unit == 2300
    assert ln.dose_text == "2.3 mL (2300 units)"
    assert ln.drug_strength == "25000 units in 25 mL"
    assert ln.drug_name == "Heparin sodium 25,000 units in 25 mL"


def test_unknown_ward_time_zone_stops_the_service(st):
    """A misspelt zone would chart every time in UTC without a word: the
    service refuses to start, naming the setting."""
    rc, out = spawn_like(st, "dosage", MED_WARD_TIME_ZONE="Europe/Lndon")
    assert rc not in (None, 0), out[-2000:]
    assert 'MED_WARD_TIME_ZONE: \\"Europe/Lndon\\" is not an IANA time ' \
        'zone name' in out, out[-2000:]
