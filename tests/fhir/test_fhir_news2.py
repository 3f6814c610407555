"""GET [base]/Patient/{id}/$news2 (issue 51, item 4): the NEWS2 score
(RCP 2017) of a patient's latest vital signs, computed by the facade from
records' vital-sign entries.  The two observations records lacked come in
both ways vitals are recorded: CreateEntry's VitalSigns (consciousness on
the ACVPU scale, inhaled oxygen flow, the SpO2 scale) and a device's R4
Observation (LOINC 67775-7 coded A/C/V/P/U, 3151-8 in L/min).  A missing
parameter leaves the score incomplete, never a 0."""

import time
import uuid

import pytest

from harness import Stack, protos
from harness.fhirhttp import fhir_request as request
from harness.fixtures import running

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
ACVPU = "https://smartmed.invalid/fhir/CodeSystem/acvpu"
MIN = 60 * 1000


@pytest.fixture(scope="module")
def nstack():
    with running(Stack(services=("audit", "identity", "records"),
                       fhir=True)) as st:
        yield st


def register(st):
    ipb = protos.module("identity")
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="N2-" + uuid.uuid4().hex[:10].upper(), family_name="Early",
        given_name="Warning", birth_date="1948-02-11",
        sex=ipb.ADMINISTRATIVE_SEX_MALE), role="registrar",
        timeout=30).patient_id


def chart(st, pid, at_ms, **vs):
    rpb = protos.module("records")
    st.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=pid, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="Obs",
        vital_signs=rpb.VitalSigns(effective_ms=at_ms, **vs)),
        role="nurse", timeout=30)


def full_set(rpb, **over):
    """A set of vital signs scoring 0 (RR 16, SpO2 97 on air, BP 120/80,
    pulse 70, alert, 37.0 Cel), with over's members instead (None: left
    out)."""
    q = rpb.Quantity
    vs = dict(respiratory_rate=q(value=16, unit="/min"),
              oxygen_saturation=q(value=97, unit="%"),
              inhaled_oxygen_flow=q(value=0, unit="L/min"),
              systolic_bp=q(value=120, unit="mm[Hg]"),
              diastolic_bp=q(value=80, unit="mm[Hg]"),
              heart_rate=q(value=70, unit="/min"),
              consciousness=rpb.CONSCIOUSNESS_ALERT,
              body_temperature=q(value=37.0, unit="Cel"))
    vs.update(over)
    return {k: v for k, v in vs.items() if v is not None}


def news2(st, pid, role="nurse"):
    status, body = request(st, "GET", "Patient/%s/$news2" % pid, role=role)
    assert status == 200, body
    assert body["resourceType"] == "Parameters", body
    top = {p["name"]: p for p in body["parameter"] if p["name"] != "parameter"}
    params = {}
    for p in body["parameter"]:
        if p["name"] == "parameter":
            parts = {x["name"]: x for x in p["part"]}
            params[parts["code"]["valueCode"]] = parts
    return top, params


def device_obs(pid, loinc, **value):
    obs = {
        "resourceType": "Observation", "status": "final",
        "identifier": [{"system": "urn:smartmed:test:news2",
                        "value": uuid.uuid4().hex}],
        "category": [{"coding": [{"system": CAT, "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": "Patient/" + pid},
        "effectiveDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                           time.gmtime(time.time() - 30)),
        "device": {"reference": "Device/monitor-n2"},
    }
    obs.update(value)
    return obs


def test_score_of_the_latest_readings(nstack):
    """Each parameter from its own latest reading: an older full set, then
    a newer respiration rate and temperature; the score is the chart's
    (RR 22: 2, SpO2 95: 1, air: 0, SBP 105: 1, pulse 95: 1, alert: 0,
    38.4 Cel: 1 = 6, medium)."""
    st = nstack
    rpb = protos.module("records")
    q = rpb.Quantity
    pid = register(st)
    now = int(time.time() * 1000)
    chart(st, pid, now - 90 * MIN, **full_set(
        rpb, respiratory_rate=q(value=14, unit="/min"),
        oxygen_saturation=q(value=95, unit="%"),
        systolic_bp=q(value=105, unit="mm[Hg]"),
        diastolic_bp=q(value=70, unit="mm[Hg]"),
        heart_rate=q(value=95, unit="/min"),
        body_temperature=q(value=36.8, unit="Cel")))
    chart(st, pid, now - 10 * MIN,
          respiratory_rate=q(value=22, unit="/min"),
          body_temperature=q(value=38.4, unit="Cel"))
    top, params = news2(st, pid)
    assert top["complete"]["valueBoolean"] is True, top
    assert top["score"]["valueInteger"] == 6, (top, params)
    assert top["risk"]["valueCode"] == "medium", top
    assert top["scale"]["valueInteger"] == 1, top
    assert "Royal College of Physicians" in top["source"]["valueString"]
    points = {k: v["points"]["valueInteger"] for k, v in params.items()}
    assert points == {"respiration-rate": 2, "spo2": 1, "air-or-oxygen": 0,
                      "systolic-bp": 1, "pulse": 1, "consciousness": 0,
                      "temperature": 1}, points
    assert params["respiration-rate"]["value"]["valueQuantity"]["value"] \
        == 22
    assert params["consciousness"]["value"]["valueCode"] == "A"
    # Ages: the newer rate is 10 minutes old, the pulse 90.
    eff = {k: v["effective"]["valueInstant"] for k, v in params.items()}
    assert eff["respiration-rate"] > eff["pulse"], eff


def test_missing_parameter_is_incomplete(nstack):
    """Without a level of consciousness (records never had one before) the
    score is incomplete: no aggregate, no risk, the parameter unscored."""
    st = nstack
    rpb = protos.module("records")
    pid = register(st)
    chart(st, pid, int(time.time() * 1000) - 5 * MIN,
          **full_set(rpb, consciousness=None))
    top, params = news2(st, pid)
    assert top["complete"]["valueBoolean"] is False, top
    assert "score" not in top and "risk" not in top, top
    assert "points" not in params["consciousness"], params
    assert "value" not in params["consciousness"], params
    assert params["pulse"]["points"]["valueInteger"] == 0


def test_incomplete_score_already_in_danger(nstack):
    """Issue 77, item 6: without air/oxygen and consciousness the rest
    already add up to 14 (RR 26: 3, SpO2 90: 3, SBP 88: 3, pulse 135: 3,
    39.5 Cel: 2), past high's 7 whatever those two score: the score stays
    incomplete, and partialScore and partialRisk say the danger with
    chart 2's response.  A partial 2 says nothing."""
    st = nstack
    rpb = protos.module("records")
    q = rpb.Quantity
    pid = register(st)
    chart(st, pid, int(time.time() * 1000) - 5 * MIN, **full_set(
        rpb, inhaled_oxygen_flow=None, consciousness=None,
        respiratory_rate=q(value=26, unit="/min"),
        oxygen_saturation=q(value=90, unit="%"),
        systolic_bp=q(value=88, unit="mm[Hg]"),
        heart_rate=q(value=135, unit="/min"),
        body_temperature=q(value=39.5, unit="Cel")))
    top, params = news2(st, pid)
    assert top["complete"]["valueBoolean"] is False, top
    assert "score" not in top and "risk" not in top, top
    assert top["partialScore"]["valueInteger"] == 14, top
    assert top["partialRisk"]["valueCode"] == "high", top
    assert "critical-care" in top["response"]["valueString"], top
    assert [k for k, v in params.items() if "points" not in v] == \
        ["air-or-oxygen", "consciousness"], params
    low = register(st)
    chart(st, low, int(time.time() * 1000) - 5 * MIN, **full_set(
        rpb, consciousness=None, heart_rate=q(value=115, unit="/min")))
    top, _ = news2(st, low)
    assert top["complete"]["valueBoolean"] is False, top
    assert not {"partialScore", "partialRisk", "response"} & set(top), top


def test_stale_parameter_is_incomplete(nstack):
    """A parameter whose latest reading is older than the limit (12 hours
    by default: NEWS2 chart 2's least frequent observations) is stale: its
    value and time shown, not scored, and the score incomplete rather
    than made of an old reading; one 11 hours old is still scored."""
    st = nstack
    rpb = protos.module("records")
    q = rpb.Quantity
    pid = register(st)
    now = int(time.time() * 1000)
    chart(st, pid, now - 13 * 60 * MIN, **full_set(
        rpb, consciousness=rpb.CONSCIOUSNESS_VOICE))
    chart(st, pid, now - 11 * 60 * MIN,
          body_temperature=q(value=38.5, unit="Cel"))
    chart(st, pid, now - 10 * MIN, **full_set(
        rpb, consciousness=None, body_temperature=None))
    top, params = news2(st, pid)
    assert top["complete"]["valueBoolean"] is False, top
    assert "score" not in top and "risk" not in top, top
    assert top["maxAge"]["valueQuantity"]["value"] == 720, top
    assert top["maxAge"]["valueQuantity"]["code"] == "min", top
    assert "12 hours" in top["maxAgeSource"]["valueString"], top
    c = params["consciousness"]
    assert c["stale"]["valueBoolean"] is True, c
    assert c["value"]["valueCode"] == "V" and "effective" in c, c
    assert "points" not in c, c
    # the old voice would have scored 3: no red from a stale reading
    assert top["red"]["valueBoolean"] is False, top
    assert params["temperature"]["points"]["valueInteger"] == 1, params
    assert "stale" not in params["temperature"], params
    assert [k for k, v in params.items() if "stale" in v] == \
        ["consciousness"], params


def test_device_observations_and_scale_2(nstack):
    """ACVPU and oxygen flow come in as a device's R4 Observations too;
    on a prescribed Scale 2, 90 % on oxygen scores 0 for SpO2 and 2 for the
    oxygen; new confusion scores 3 (a red parameter)."""
    st = nstack
    rpb = protos.module("records")
    q = rpb.Quantity
    pid = register(st)
    chart(st, pid, int(time.time() * 1000) - 20 * MIN, **full_set(
        rpb, spo2_scale=2, respiratory_rate=q(value=18, unit="/min"),
        oxygen_saturation=q(value=90, unit="%"), inhaled_oxygen_flow=None,
        systolic_bp=q(value=130, unit="mm[Hg]"),
        heart_rate=q(value=80, unit="/min"), consciousness=None))
    status, body = request(st, "POST", "Observation", device_obs(
        pid, "67775-7", valueCodeableConcept={"coding": [
            {"system": ACVPU, "code": "C", "display": "New confusion"}]}))
    assert status == 201, body
    assert body["code"]["coding"][0]["code"] == "67775-7", body
    assert body["valueCodeableConcept"]["coding"][0]["code"] == "C", body
    status, body = request(st, "POST", "Observation", device_obs(
        pid, "3151-8", valueQuantity={"value": 2, "unit": "L/min",
                                      "system": UCUM, "code": "L/min"}))
    assert status == 201, body
    top, params = news2(st, pid)
    assert top["scale"]["valueInteger"] == 2, top
    assert top["complete"]["valueBoolean"] is True, (top, params)
    points = {k: v["points"]["valueInteger"] for k, v in params.items()}
    assert points["spo2"] == 0 and points["air-or-oxygen"] == 2, points
    assert points["consciousness"] == 3, points
    assert top["score"]["valueInteger"] == 5, points
    assert top["risk"]["valueCode"] == "medium", top
    assert top["red"]["valueBoolean"] is True, top


def test_bad_readings_are_refused_naming_the_field(nstack):
    st = nstack
    rpb = protos.module("records")
    pid = register(st)
    status, body = request(st, "POST", "Observation", device_obs(
        pid, "67775-7", valueCodeableConcept={"coding": [
            {"system": ACVPU, "code": "X"}]}))
    assert status == 400, body
    assert body["issue"][0]["expression"] == [
        "Observation.valueCodeableConcept"], body
    status, body = request(st, "POST", "Observation", device_obs(
        pid, "3151-8", valueQuantity={"value": 2, "unit": "%",
                                      "system": UCUM, "code": "%"}))
    assert status in (400, 422), body
    assert "inhaled_oxygen_flow" in body["issue"][0]["diagnostics"] or \
        body["issue"][0]["expression"] == [
            "Observation.valueQuantity.code"], body
    with pytest.raises(Exception) as e:
        st.call("records", "CreateEntry", rpb.CreateEntryRequest(
            patient_id=pid, kind=rpb.ENTRY_KIND_VITAL_SIGNS, title="Obs",
            vital_signs=rpb.VitalSigns(spo2_scale=3)), role="nurse")
    assert "vital_signs.spo2_scale" in str(e.value)
    status, body = request(st, "GET", "Patient/%s/$news2?x=1" % pid)
    assert status == 400 and "$news2 takes no parameter" in \
        body["issue"][0]["diagnostics"], body


def test_news2_is_the_callers(nstack):
    """Read upstream as the caller: an auditor reads no vital signs."""
    status, body = request(nstack, "GET",
                           "Patient/%s/$news2" % register(nstack),
                           role="auditor")
    assert status == 403, body
