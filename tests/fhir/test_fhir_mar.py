"""GET [base]/Patient/{id}/$mar (issue 51, item 1): dosage's own MAR
through the facade, as the ward console draws it.  A q8h dose given 90
minutes late answers the slot it was given for (the nearest, as dosage
decides), the slot nobody charted before it stays missed, and a high-alert
drug's Medication says so.  Bad parameters are 400 naming them."""

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from harness import Stack, protos
from harness.fixtures import assess_allergies, running

HOUR = 3600 * 1000


@pytest.fixture(scope="module")
def mstack():
    with running(Stack(services=("audit", "identity", "records", "dosage"),
                       fhir=True)) as st:
        yield st


def get(st, path, role="nurse"):
    req = urllib.request.Request(st.fhir_url() + "/" + path)
    req.add_header("Authorization", "Bearer " + st.token(role))
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def part(p, name):
    return [x for x in p.get("part", []) if x["name"] == name]


@pytest.fixture(scope="module")
def late(mstack):
    st = mstack
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    pid = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="MAR-" + uuid.uuid4().hex[:10], family_name="Slot",
        given_name="Sam", birth_date="1950-01-01",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    drug = st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="Q8_" + uuid.uuid4().hex[:8],
                      name="Paracetamol 1 g tablet", unit="tablet",
                      max_single_dose=2.0, max_daily_dose=8.0,
                      routes=["oral"])), role="pharmacist")
    hep = st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="HA_" + uuid.uuid4().hex[:8],
                      name="Heparin 5000 units", unit="[iU]",
                      max_single_dose=10000.0, max_daily_dose=40000.0,
                      routes=["sc"], high_alert=True)), role="pharmacist")
    assess_allergies(st, pid, role="clinician")
    now = int(time.time() * 1000)
    start = now - 9 * HOUR - 30 * 60 * 1000
    order = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, dose=1.0,
                        unit="tablet", route="oral", frequency="q8h",
                        start_ms=start)), role="clinician")
    st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=hep.code, dose=5000.0,
                        unit="[iU]", route="sc", frequency="q12h",
                        start_ms=now + 6 * HOUR)), role="clinician")
    given = st.call("dosage", "RecordAdministration",
                    dpb.RecordAdministrationRequest(
                        order_id=order.id, dose=1.0, unit="tablet",
                        identity_override=dpb.Override(
                            reason=dpb.OVERRIDE_REASON_EMERGENCY,
                            text="wristband scanned, two identifiers")),
                    role="nurse")
    return {"pid": pid, "order": order.id, "given": given.id,
            "start": start, "now": now}


def test_late_dose_answers_its_own_slot(mstack, late):
    status, body = get(mstack, "Patient/%s/$mar?start=%s&end=%s" % (
        late["pid"], urllib.parse.quote(iso(late["start"] - HOUR)),
        urllib.parse.quote(iso(late["now"] + 12 * HOUR))))
    assert status == 200, body
    assert body["resourceType"] == "Parameters", body
    orders = [p for p in body["parameter"] if p["name"] == "order" and
              part(p, "request")[0]["valueReference"]["reference"] ==
              "MedicationRequest/" + late["order"]]
    assert len(orders) == 1, body
    o = orders[0]
    assert part(o, "request")[0]["valueReference"]["reference"] == \
        "MedicationRequest/" + late["order"], o
    slots = [{x["name"]: x for x in s["part"]} for s in part(o, "slot")]
    states = [s["state"]["valueCode"] for s in slots]
    # 9.5 h ago: nobody charted it; 1.5 h ago: the dose given now; then
    # the next one, to come.
    assert states == ["missed", "given", "upcoming"], states
    assert slots[1]["administration"]["valueReference"]["reference"] == \
        "MedicationAdministration/" + late["given"], slots[1]
    assert slots[1]["amount"]["valueQuantity"]["value"] == 1, slots[1]
    assert "administration" not in slots[0], slots[0]


def test_mar_is_the_callers(mstack, late):
    """Made upstream as the caller: an auditor reads no MAR."""
    status, body = get(mstack, "Patient/%s/$mar" % late["pid"],
                       role="auditor")
    assert status == 403, body


@pytest.mark.parametrize("query,words", [
    ("start=yesterday", "start: not an R4 date"),
    ("end=2026-13-01", "end: not an R4 date"),
    ("start=2026-11-02&end=2026-11-01", "end: not after start"),
    ("ward=3", "ward: not a parameter of $mar"),
])
def test_bad_parameters(mstack, late, query, words):
    status, body = get(mstack, "Patient/%s/$mar?%s" % (late["pid"], query))
    assert status == 400, body
    assert words in body["issue"][0]["diagnostics"], body


def test_high_alert_medication_says_so(mstack, late):
    """The bedside checklist asks for a co-sign where the Medication
    carries the high-alert extension (and only there)."""
    status, body = get(mstack, "Patient/%s/$everything" % late["pid"])
    assert status == 200, body
    meds = [e["resource"] for e in body.get("entry", [])
            if e["resource"]["resourceType"] == "Medication"]
    high = {m["code"]["text"]: any(
        x["url"].endswith("/StructureDefinition/high-alert") and
        x["valueBoolean"] is True for x in m.get("extension", []))
        for m in meds}
    assert high == {"Paracetamol 1 g tablet": False,
                    "Heparin 5000 units": True}, meds


def test_time_critical_flag_reaches_the_console(mstack):
    """Issue 72, item 4: levodopa given 90 minutes after its time carries
    dosage's "late, time-critical" flag in the slot the console draws
    (its timeCritical part); an ordinary drug's slot has none."""
    st = mstack
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    pid = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="TC-" + uuid.uuid4().hex[:10], family_name="Dopa",
        given_name="Pat", birth_date="1948-05-01",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar").patient_id
    drug = st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="LD_" + uuid.uuid4().hex[:8],
                      name="Co-careldopa 25/100 tablet", unit="mg",
                      max_single_dose=200.0, max_daily_dose=2000.0,
                      routes=["oral"], substance="levodopa")),
        role="pharmacist")
    assess_allergies(st, pid, role="clinician")
    now = int(time.time() * 1000)
    start = now - 90 * 60 * 1000
    order = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, dose=100.0,
                        unit="mg", route="oral", frequency="q6h",
                        start_ms=start)), role="clinician")
    st.call("dosage", "RecordAdministration", dpb.RecordAdministrationRequest(
        order_id=order.id, dose=100.0, unit="mg",
        identity_override=dpb.Override(
            reason=dpb.OVERRIDE_REASON_EMERGENCY,
            text="wristband scanned, two identifiers")), role="nurse")
    status, body = get(st, "Patient/%s/$mar?start=%s&end=%s" % (
        pid, urllib.parse.quote(iso(start - HOUR)),
        urllib.parse.quote(iso(now + 12 * HOUR))))
    assert status == 200, body
    o = [p for p in body["parameter"] if p["name"] == "order"][0]
    slots = [{x["name"]: x for x in s["part"]} for s in part(o, "slot")]
    assert slots[0]["state"]["valueCode"] == "given", slots[0]
    assert slots[0]["timeCritical"]["valueString"] == \
        "late, time-critical", slots[0]
    # The next dose, still to come, carries no flag.
    assert "timeCritical" not in slots[1], slots[1]


def ward_counts(st, pid, now):
    """The ward list's figures for pid (services/console/app.js,
    dueCounts): its MAR from 24 hours ago to an hour ahead, overdue =
    the slots late or missed, due = due or upcoming within the hour."""
    status, body = get(st, "Patient/%s/$mar?start=%s&end=%s" % (
        pid, urllib.parse.quote(iso(now - 24 * HOUR)),
        urllib.parse.quote(iso(now + HOUR + 1000))))
    assert status == 200, body
    states = [s["state"] for o in body["parameter"] if o["name"] == "order"
              for s in ({x["name"]: x["valueCode"] for x in sl["part"]
                         if x["name"] == "state"}
                        for sl in part(o, "slot"))]
    return {"overdue": sum(s in ("late", "missed") for s in states),
            "states": states}


def test_a_dose_given_after_the_late_window_lowers_the_overdue_count(
        mstack):
    """Issue 77, item 7: the ward list counted a q6h dose 4 hours
    overdue; the nurse gives it now, before the next one is due.  The dose
    makes up the overdue one (its slot reads given), the count drops to 0,
    and the next dose, 2 hours on, is still to come: not charted as given
    2 hours early."""
    st = mstack
    ipb, dpb = protos.module("identity"), protos.module("dosage")
    pid = st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="OD-" + uuid.uuid4().hex[:10], family_name="Overdue",
        given_name="Olga", birth_date="1949-03-02",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id
    drug = st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(
        drug=dpb.Drug(code="Q6_" + uuid.uuid4().hex[:8],
                      name="Paracetamol 1 g tablet q6h", unit="tablet",
                      max_single_dose=2.0, max_daily_dose=8.0,
                      routes=["oral"])), role="pharmacist")
    assess_allergies(st, pid, role="clinician")
    now = int(time.time() * 1000)
    order = st.call("dosage", "CreateOrder", dpb.CreateOrderRequest(
        order=dpb.Order(patient_id=pid, drug_code=drug.code, dose=1.0,
                        unit="tablet", route="oral", frequency="q6h",
                        start_ms=now - 4 * HOUR)), role="clinician")
    before = ward_counts(st, pid, now)
    assert before["overdue"] == 1, before
    given = st.call("dosage", "RecordAdministration",
                    dpb.RecordAdministrationRequest(
                        order_id=order.id, dose=1.0, unit="tablet",
                        identity_override=dpb.Override(
                            reason=dpb.OVERRIDE_REASON_EMERGENCY,
                            text="wristband scanned, two identifiers")),
                    role="nurse")
    after = ward_counts(st, pid, int(time.time() * 1000))
    assert after["overdue"] == 0, (before, after)
    status, body = get(st, "Patient/%s/$mar?start=%s&end=%s" % (
        pid, urllib.parse.quote(iso(now - 5 * HOUR)),
        urllib.parse.quote(iso(now + 12 * HOUR))))
    o = [p for p in body["parameter"] if p["name"] == "order"][0]
    slots = [{x["name"]: x for x in s["part"]} for s in part(o, "slot")]
    assert [s["state"]["valueCode"] for s in slots] == [
        "given", "upcoming", "upcoming"], slots
    assert slots[0]["administration"]["valueReference"]["reference"] == \
        "MedicationAdministration/" + given.id, slots[0]
