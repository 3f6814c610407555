"""Issue 77, item 5: one weight.  A nurse charts the weight the way the
walk-through does (dosage's SetPatientContext, 82 kg); the console reads
the chart through the facade's $everything and must see the weight the
dose checks use, with when it was measured, not "Weight not recorded".
When records' vital signs hold a weight too, the newest measurement of the
two is the weight for both the console and the checks."""

import json
import ssl
import time
import urllib.error
import urllib.request
import uuid

import pytest

from fhir_checks import assert_valid
from harness import Stack, protos
from harness.fixtures import running

HOUR = 3600 * 1000
DAY = 24 * HOUR
WEIGHT = "29463-7"


@pytest.fixture(scope="module")
def wstack():
    # patient_checks: dosage reads the record's facts, as deployed.
    with running(Stack(services=("audit", "identity", "records", "dosage"),
                       fhir=True, patient_checks=True)) as st:
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


def now_ms():
    return int(time.time() * 1000)


def patient(st):
    ipb = protos.module("identity")
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="W-" + uuid.uuid4().hex[:10], family_name="Weight",
        given_name="One", birth_date="1970-05-05",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar").patient_id


def per_kg_drug(st):
    """10 mg/kg, at most 2 g: 880 mg is over the limit at 82 kg (820 mg)
    and within it at 90 kg (900 mg)."""
    dpb = protos.module("dosage")
    code = "KG_" + uuid.uuid4().hex[:8]
    st.call("dosage", "UpsertDrug", dpb.UpsertDrugRequest(drug=dpb.Drug(
        code=code, name="Per-kg " + code, unit="mg", max_single_dose=2000,
        max_daily_dose=8000, max_dose_per_kg=10, routes=["oral"])),
        role="pharmacist")
    return code


def set_weight(st, pid, kg, at):
    dpb = protos.module("dosage")
    st.call("dosage", "SetPatientContext", dpb.SetPatientContextRequest(
        context=dpb.PatientContext(patient_id=pid, allergies_known=True,
                                   weight_kg=kg, measured_ms=at)),
        role="nurse")


def chart_weight(st, pid, kg, at):
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="weight",
        vital_signs=rpb.VitalSigns(
            body_weight=rpb.Quantity(value=kg, unit="kg"),
            effective_ms=at)), role="nurse")


def per_kg_check(st, pid, code, dose):
    dpb = protos.module("dosage")
    r = st.call("dosage", "CheckDose", dpb.CheckDoseRequest(
        proposed=dpb.ProposedDose(patient_id=pid, drug_code=code, dose=dose,
                                  unit="mg")), role="nurse")
    return [c for c in r.checks if c.kind == dpb.CHECK_KIND_PER_KG][0]


def console_weight(st, pid):
    """The weight the console shows: the newest body-weight Observation
    of $everything (services/console/app.js, readChart)."""
    status, body = get(st, "Patient/%s/$everything?_count=100" % pid)
    assert status == 200, body
    obs = [e["resource"] for e in body.get("entry", [])
           if e["resource"]["resourceType"] == "Observation" and
           any(c.get("code") == WEIGHT
               for c in e["resource"]["code"].get("coding", []))]
    assert obs, body
    return max(obs, key=lambda o: o["effectiveDateTime"]), body


def test_walkthrough_weight_is_the_consoles(wstack, validator):
    st = wstack
    pid, code = patient(st), per_kg_drug(st)
    three_days_ago = now_ms() - 3 * DAY
    set_weight(st, pid, 82.0, three_days_ago)
    w, bundle = console_weight(st, pid)
    assert w["valueQuantity"]["value"] == 82, w
    assert w["valueQuantity"]["code"] == "kg", w
    # When it was measured, which the console shows as its age.
    assert w["effectiveDateTime"].startswith(time.strftime(
        "%Y-%m-%dT%H:%M:%S", time.gmtime(three_days_ago // 1000))), w
    assert w["subject"]["reference"] == "Patient/" + pid, w
    assert_valid(validator, bundle)
    # The dose check computes with the same 82 kg: 10 mg/kg is 820 mg.
    pk = per_kg_check(st, pid, code, 880)
    assert pk.value == pytest.approx(880 / 82), pk


def test_newest_weight_wins_for_console_and_checks(wstack):
    st = wstack
    pid, code = patient(st), per_kg_drug(st)
    dpb = protos.module("dosage")
    # An older weight in records' vital signs, a newer one in dosage's
    # context: both read 82 kg.
    chart_weight(st, pid, 78.0, now_ms() - 10 * DAY)
    set_weight(st, pid, 82.0, now_ms() - 3 * DAY)
    w, _ = console_weight(st, pid)
    assert w["valueQuantity"]["value"] == 82, w
    pk = per_kg_check(st, pid, code, 880)
    assert pk.value == pytest.approx(880 / 82), pk
    assert pk.status != dpb.CHECK_STATUS_OK, pk.reason
    # The ward weighs her again (records, today): both read 90 kg, and
    # 880 mg is within 10 mg/kg.
    chart_weight(st, pid, 90.0, now_ms() - HOUR)
    w, _ = console_weight(st, pid)
    assert w["valueQuantity"]["value"] == 90, w
    pk = per_kg_check(st, pid, code, 880)
    assert pk.value == pytest.approx(880 / 90), pk
    assert pk.status == dpb.CHECK_STATUS_OK, pk.reason
