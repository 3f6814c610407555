"""The FHIR facade's writes (issue 35 item 4, and what the ward console of
issue 37 needs) end to end: real identity (with face keys), records,
dosage and audit behind the facade.  Device readings come in as R4
vital-sign Observations, alone or in batch and transaction Bundles, and
land as record entries through records' RecordDeviceReadings; a dose is a
MedicationAdministration create through dosage's RecordAdministration
with every check it runs; a bedside photo gets a verification token from
Patient/{id}/$verify-face.  Every reply is checked against HL7's R4
schema, every refusal is an OperationOutcome naming the element."""

import base64
import json
from decimal import Decimal
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from harness import Stack, protos
from harness.checks import now_ms, poll
from harness.faces import FaceKeys, orl_png
from harness.fixtures import assess_allergies, running

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
DEVICE_IDS = "urn:smartmed:test:device-reading"
NOT_GIVEN = "urn:smartmed:dosage:not-given-reason"
HOUR = 3600 * 1000


@pytest.fixture(scope="module")
def wstack():
    keys = FaceKeys()
    with running(Stack(services=("audit", "identity", "records", "dosage"),
                       fhir=True, patient_checks=True,
                       extra_env=keys.env(public_key=True))) as st:
        yield st


def request(st, method, url, body=None, role="nurse", parse_float=float,
            headers=None):
    """(status, headers, JSON body) of a request relative to the base
    (parse_float=Decimal keeps each decimal's digits as sent)."""
    url = st.fhir_url() + ("/" + url if url else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers or {})
    req.add_header("Authorization", "Bearer " + st.token(role))
    if data is not None:
        req.add_header("Content-Type", "application/fhir+json")
    ctx = ssl.create_default_context(cafile=st.ca_path)
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=60) as r:
            return r.status, r.headers, json.loads(
                r.read(), parse_float=parse_float)
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def post(st, url, body, role="nurse"):
    return request(st, "POST", url, body, role)


def valid(validator, body):
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, "\n".join(e.message[:300] for e in errors[:5])
    return body


def refused(validator, status, body, want_status, expression):
    """The OperationOutcome of a refusal: its status, and the element it
    names; returns its diagnostics."""
    assert status == want_status, body
    valid(validator, body)
    assert body["resourceType"] == "OperationOutcome", body
    issue = body["issue"][0]
    assert issue.get("expression") == [expression], issue
    return issue["diagnostics"]


def register(st, family="Writetest"):
    ipb = protos.module("identity")
    return st.call("identity", "CreatePatient", ipb.CreatePatientRequest(
        mrn="W-" + uuid.uuid4().hex[:12].upper(), family_name=family,
        given_name="Vita", birth_date="1975-04-03",
        sex=ipb.ADMINISTRATIVE_SEX_FEMALE), role="registrar",
        timeout=30).patient_id


@pytest.fixture(scope="module")
def patient(wstack):
    return register(wstack)


def vital(pid, loinc, value, unit, device="monitor-7", ident=None,
          performer=False, **extra):
    """A vital-signs profile Observation of a device reading."""
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "identifier": [{"system": DEVICE_IDS,
                        "value": ident or uuid.uuid4().hex}],
        "category": [{"coding": [{"system": CAT, "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": {"reference": "Patient/" + pid},
        "effectiveDateTime": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60)),
    }
    if value is not None:
        obs["valueQuantity"] = {"value": value, "unit": unit,
                                "system": UCUM, "code": unit}
    if device and performer:
        obs["performer"] = [{"reference": "Device/" + device}]
    elif device:
        obs["device"] = {"reference": "Device/" + device}
    obs.update(extra)
    return obs


def search(st, pid):
    status, _, body = request(st, "GET", "Observation?patient=%s&_count=100"
                              % pid)
    assert status == 200, body
    return [e["resource"] for e in body.get("entry", [])]


# --- Observation ------------------------------------------------------------

def test_reading_is_created_and_a_repeat_answers_the_first(
        wstack, validator, patient):
    obs = vital(patient, "8867-4", 72, "/min", performer=True)
    status, headers, body = post(wstack, "Observation", obs)
    assert status == 201, body
    valid(validator, body)
    assert body["resourceType"] == "Observation"
    assert body["valueQuantity"]["value"] == 72
    assert body["valueQuantity"]["code"] == "/min"
    assert body["category"][0]["coding"][0]["code"] == "vital-signs"
    assert body["identifier"] == obs["identifier"]
    # A logical reference: no Device is served to resolve a literal one.
    assert body["device"] == {"identifier": {
        "system": "urn:smartmed:device", "value": "monitor-7"},
        "display": "Device/monitor-7"}
    assert body["subject"] == {"reference": "Patient/" + patient}
    loc = headers["Location"]
    assert loc == "%s/Observation/%s/_history/1" % (wstack.fhir_url(),
                                                     body["id"])
    # Sent again (the device did not hear the answer): the first one, 200.
    status, headers, again = post(wstack, "Observation", obs)
    assert status == 200, again
    valid(validator, again)
    assert again["id"] == body["id"] and headers["Location"] == loc
    # Charted once, and readable as any Observation.
    ids = [r["id"] for r in search(wstack, patient)]
    assert ids.count(body["id"]) == 1


def test_a_reading_keeps_its_identifier_device_and_digits(
        wstack, validator, patient):
    """What the device sent stays with the reading wherever it is read:
    records keeps Observation.identifier and the device (a logical Device
    reference) in its export and its ReadFhir, so the read by id, the
    search and $everything carry them as the POST's answer did;
    Observation?identifier= finds the reading; a temperature sent as 37.0
    keeps its digits."""
    obs = vital(patient, "8310-5", 37.0, "Cel", device="thermo-2")
    assert '"value": 37.0' in json.dumps(obs)
    status, _, posted = request(wstack, "POST", "Observation", obs,
                                parse_float=Decimal)
    assert status == 201, posted
    assert str(posted["valueQuantity"]["value"]) == "37.0"
    device = {"identifier": {"system": "urn:smartmed:device",
                             "value": "thermo-2"},
              "display": "Device/thermo-2"}
    rid = posted["id"]
    status, _, read = request(wstack, "GET", "Observation/" + rid,
                              parse_float=Decimal)
    assert status == 200, read
    assert read == posted
    assert read["identifier"] == obs["identifier"]
    assert read["device"] == device
    status, _, body = request(wstack, "GET", "Observation/" + rid)
    valid(validator, body)
    found = {r["id"]: r for r in search(wstack, patient)}
    assert found[rid]["identifier"] == obs["identifier"]
    assert found[rid]["device"] == device
    status, _, every = request(wstack, "GET", "Patient/%s/$everything"
                               "?_count=100" % patient)
    assert status == 200, every
    mine = [e["resource"] for e in every["entry"]
            if e["resource"]["id"] == rid]
    assert mine and mine[0]["device"] == device
    # Found by the identifier the device gave it, with or without system.
    value = obs["identifier"][0]["value"]
    for token in (DEVICE_IDS + "|" + value, value):
        status, _, body = request(
            wstack, "GET", "Observation?patient=%s&identifier=%s"
            % (patient, urllib.parse.quote(token, safe="")))
        assert status == 200, body
        valid(validator, body)
        assert [e["resource"]["id"] for e in body["entry"]] == [rid], token
    status, _, body = request(
        wstack, "GET", "Observation?patient=%s&identifier=%s" % (
            patient, urllib.parse.quote("urn:other|" + value, safe="")))
    assert status == 200 and body["total"] == 0, body
    # A reading entered by hand (CreateEntry) has no identifier.
    rpb = protos.module("records")
    hand = wstack.call("records", "CreateEntry", rpb.CreateEntryRequest(
        patient_id=patient, kind=rpb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=rpb.Observation(loinc_code="8867-4", numeric=64,
                                    ucum_unit="/min")),
        role="clinician", timeout=30).entry_id
    status, _, body = request(wstack, "GET", "Observation/" + hand)
    assert status == 200 and "identifier" not in body and \
        "device" not in body, body


def test_a_reading_sent_at_once_many_times_is_charted_once(
        wstack, validator):
    from concurrent.futures import ThreadPoolExecutor
    pid = register(wstack, "Racewrite")
    obs = vital(pid, "8867-4", 81, "/min")
    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(lambda _: post(wstack, "Observation", obs),
                            range(6)))
    statuses = sorted(s for s, _, _ in got)
    assert statuses == [200] * 5 + [201], [b for _, _, b in got]
    assert len({b["id"] for _, _, b in got}) == 1
    assert len(search_ids(wstack, pid)) == 1


def test_reading_is_audited_with_its_device(wstack, validator, patient):
    apb = protos.module("audit")
    obs = vital(patient, "9279-1", 16, "/min", device="resp-3")
    status, _, body = post(wstack, "Observation", obs)
    assert status == 201, body

    def events():
        recs = wstack.call("audit", "Query", apb.QueryRequest(
            patient_id=patient), role="auditor", timeout=10)
        mine = []
        for r in recs:
            d = {x.key: x.value for x in r.event.details}
            if d.get("device") == "Device/resp-3":
                mine.append((r.event, d))
        services = {e.service for e, _ in mine}
        return mine if {"fhir", "records"} <= services else None
    got = poll(events, what="the reading's audit events")
    fhir = [e for e, _ in got if e.service == "fhir"][0]
    rec = [e for e, _ in got if e.service == "records"][0]
    assert fhir.action == "fhir/create" and fhir.action_code == "C"
    assert fhir.actor == "nurse.test" and fhir.outcome == 0
    assert rec.action.endswith("RecordDeviceReadings")
    assert rec.actor == "nurse.test"
    # As FHIR AuditEvents, the device is an agent beside the nurse.
    page = wstack.call("audit", "ExportAuditEventsFhir",
                       apb.ExportAuditEventsFhirRequest(
                           patient_id=patient, page_size=1000),
                       role="auditor", timeout=30)
    b = valid(validator, json.loads(page.bundle_json))
    devs = [a for e in b["entry"] if e["resource"]["resourceType"] ==
            "AuditEvent" for a in e["resource"]["agent"]
            if a["type"]["coding"][0]["code"] == "DEV"]
    mine = [a for a in devs if a["who"]["identifier"]["value"] == "resp-3"]
    assert mine and mine[0]["requestor"] is False


def test_units_are_converted_and_blood_pressure_is_a_panel(
        wstack, validator, patient):
    status, _, body = post(wstack, "Observation",
                           vital(patient, "8310-5", 310.15, "K"))
    assert status == 201, body
    valid(validator, body)
    assert body["valueQuantity"]["code"] == "Cel"
    assert abs(body["valueQuantity"]["value"] - 37.0) < 1e-6
    bp = vital(patient, "85354-9", None, None, component=[
        {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
         "valueQuantity": {"value": 16, "system": UCUM, "code": "kPa"}},
        {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
         "valueQuantity": {"value": 80, "system": UCUM,
                           "code": "mm[Hg]"}}])
    status, _, body = post(wstack, "Observation", bp)
    assert status == 201, body
    valid(validator, body)
    comps = {c["code"]["coding"][0]["code"]: c["valueQuantity"]
             for c in body["component"]}
    assert comps["8480-6"]["code"] == "mm[Hg]"
    assert abs(comps["8480-6"]["value"] - 120.0) < 0.01
    assert comps["8462-4"]["value"] == 80
    for loinc, value, unit in (("59408-5", 97, "%"), ("29463-7", 71.5, "kg"),
                               ("2708-6", 0.95, "1")):
        status, _, body = post(wstack, "Observation",
                               vital(patient, loinc, value, unit))
        assert status == 201, (loinc, body)
        valid(validator, body)


def test_bad_readings_name_the_element(wstack, validator, patient):
    # A unit records does not take for a heart rate.
    status, _, body = post(wstack, "Observation",
                           vital(patient, "8867-4", 70, "kg"))
    why = refused(validator, status, body, 422,
                  "Observation.valueQuantity.code")
    assert "unit" in why
    # Implausible, as records applies it.
    status, _, body = post(wstack, "Observation",
                           vital(patient, "8867-4", 900, "/min"))
    why = refused(validator, status, body, 422,
                  "Observation.valueQuantity.value")
    assert "plausible range" in why
    # No device.
    status, _, body = post(wstack, "Observation",
                           vital(patient, "8867-4", 70, "/min", device=None))
    refused(validator, status, body, 400, "Observation.device")
    # Not the vital-signs profile's category or code.
    obs = vital(patient, "8867-4", 70, "/min")
    obs["category"][0]["coding"][0]["code"] = "laboratory"
    status, _, body = post(wstack, "Observation", obs)
    refused(validator, status, body, 422, "Observation.category")
    status, _, body = post(wstack, "Observation",
                           vital(patient, "2345-7", 5, "mmol/L"))
    refused(validator, status, body, 422, "Observation.code")
    # No identifier: a repeat could not be recognised.
    obs = vital(patient, "8867-4", 70, "/min")
    del obs["identifier"]
    status, _, body = post(wstack, "Observation", obs)
    refused(validator, status, body, 400, "Observation.identifier")
    # An unknown patient (identity decides).
    status, _, body = post(wstack, "Observation",
                           vital(str(uuid.uuid4()), "8867-4", 70, "/min"))
    assert status in (404, 422), body
    valid(validator, body)
    # Not JSON.
    status, _, body = request(wstack, "POST", "Observation", None)
    assert status == 400 and body["resourceType"] == "OperationOutcome"


def test_writes_need_a_token_and_a_sane_body(wstack, validator, patient):
    obs = vital(patient, "8867-4", 70, "/min")
    req = urllib.request.Request(
        wstack.fhir_url() + "/Observation", method="POST",
        data=json.dumps(obs).encode(),
        headers={"Content-Type": "application/fhir+json"})
    ctx = ssl.create_default_context(cafile=wstack.ca_path)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, context=ctx, timeout=30)
    assert e.value.code == 401
    assert e.value.headers["WWW-Authenticate"].startswith("Bearer")
    valid(validator, json.loads(e.value.read()))
    # XML is not spoken; a body past 8 MiB is refused unread.
    req = urllib.request.Request(
        wstack.fhir_url() + "/Observation", method="POST", data=b"<x/>",
        headers={"Content-Type": "application/fhir+xml",
                 "Authorization": "Bearer " + wstack.token("nurse")})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, context=ctx, timeout=30)
    assert e.value.code == 415
    req = urllib.request.Request(
        wstack.fhir_url() + "/Observation", method="POST",
        data=b" " * (9 << 20),
        headers={"Content-Type": "application/fhir+json",
                 "Authorization": "Bearer " + wstack.token("nurse")})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, context=ctx, timeout=60)
    assert e.value.code == 413
    valid(validator, json.loads(e.value.read()))
    # Nothing of it was charted.
    assert obs["identifier"][0]["value"] not in json.dumps(
        search(wstack, patient))


def test_the_same_identifier_for_another_patient_is_refused(
        wstack, validator, patient):
    other = register(wstack, "Otherwrite")
    ident = uuid.uuid4().hex
    status, _, body = post(wstack, "Observation",
                           vital(patient, "8867-4", 66, "/min", ident=ident))
    assert status == 201, body
    status, _, body = post(wstack, "Observation",
                           vital(other, "8867-4", 66, "/min", ident=ident))
    why = refused(validator, status, body, 409, "Observation.identifier")
    assert "another patient" in why
    assert not search_ids(wstack, other)


def search_ids(st, pid):
    status, _, body = request(st, "GET", "Observation?patient=%s&_count=100"
                              % pid)
    if status == 404:
        return []
    assert status == 200, body
    return [e["resource"]["id"] for e in body.get("entry", [])]


# --- Bundles -----------------------------------------------------------------

def bundle(kind, readings):
    return {"resourceType": "Bundle", "type": kind, "entry": [
        {"fullUrl": "urn:uuid:" + str(uuid.uuid4()), "resource": r,
         "request": {"method": "POST", "url": "Observation"}}
        for r in readings]}


def test_a_transaction_with_one_bad_entry_stores_nothing(
        wstack, validator):
    pid = register(wstack, "Txwrite")
    good = [vital(pid, "8867-4", 70, "/min"),
            vital(pid, "8310-5", 37.2, "Cel")]
    bad = vital(pid, "9279-1", 400, "/min")
    status, _, body = post(wstack, "", bundle("transaction",
                                              [good[0], bad, good[1]]))
    refused(validator, status, body, 422,
            "Bundle.entry[1].resource.valueQuantity.value")
    assert search_ids(wstack, pid) == []
    # The same readings without the bad one: all of them, in order.
    status, _, body = post(wstack, "", bundle("transaction", good))
    assert status == 200, body
    valid(validator, body)
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == \
        ["201 Created"] * 2
    ids = {e["resource"]["id"] for e in body["entry"]}
    assert ids <= set(search_ids(wstack, pid)) and len(ids) == 2
    # Again: nothing new, each entry the first one.
    status, _, again = post(wstack, "", bundle("transaction", good))
    assert status == 200, again
    assert [e["response"]["status"] for e in again["entry"]] == \
        ["200 OK"] * 2
    assert {e["resource"]["id"] for e in again["entry"]} == ids
    # A structural fault names its entry.
    broken = vital(pid, "8867-4", 70, "/min", device=None)
    status, _, body = post(wstack, "", bundle("transaction",
                                              [good[0], broken]))
    refused(validator, status, body, 400, "Bundle.entry[1].resource.device")


def test_a_batch_answers_each_entry(wstack, validator):
    pid = register(wstack, "Batchwrite")
    readings = [vital(pid, "8867-4", 70, "/min"),
                vital(pid, "8867-4", 70, "kg"),
                vital(pid, "29463-7", 80, "kg")]
    status, _, body = post(wstack, "", bundle("batch", readings))
    assert status == 200, body
    valid(validator, body)
    assert body["type"] == "batch-response"
    got = [e["response"]["status"] for e in body["entry"]]
    assert got == ["201 Created", "422 Unprocessable Entity", "201 Created"]
    issue = body["entry"][1]["response"]["outcome"]["issue"][0]
    assert issue["expression"] == [
        "Bundle.entry[1].resource.valueQuantity.code"]
    assert len(search_ids(wstack, pid)) == 2


# --- $verify-face ------------------------------------------------------------

def photo_params(png, wristband=None):
    """$verify-face's Parameters: the photograph, the terminal and the
    wristband as scanned (the patient id here)."""
    body = {"resourceType": "Parameters", "parameter": [
        {"name": "photo", "valueAttachment": {
            "contentType": "image/png",
            "data": base64.b64encode(png).decode()}},
        {"name": "terminal", "valueString": "ward3-bed7"}]}
    if wristband:
        body["parameter"].append({"name": "wristband",
                                  "valueString": wristband})
    return body


def params(body):
    return {p["name"]: p for p in body["parameter"]}


@pytest.fixture(scope="module")
def face(wstack):
    """A patient with ORL subject 7 enrolled."""
    ipb = protos.module("identity")
    pid = register(wstack, "Facewrite")
    wstack.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(7, n) for n in (1, 2, 3)]),
        role="registrar", timeout=60)
    return pid


def verify(st, pid, png, role="nurse"):
    return post(st, "Patient/%s/$verify-face" % pid,
                photo_params(png, wristband=pid), role)


def test_verify_face_gives_a_token(wstack, validator, face):
    status, _, body = verify(wstack, face, orl_png(7, 6))
    assert status == 200, body
    valid(validator, body)
    p = params(body)
    assert p["decision"]["valueCode"] == "match"
    assert p["match"]["valueBoolean"] is True
    assert p["score"]["valueDecimal"] >= p["threshold"]["valueDecimal"]
    assert p["verificationToken"]["valueString"].count(".") >= 1
    assert p["identifiersChecked"]["valueCode"] == "wristband+face"
    assert "expires" in p


def test_a_wrong_patient_face_gets_no_token(wstack, validator, face):
    status, _, body = verify(wstack, face, orl_png(8, 6))
    assert status == 200, body
    valid(validator, body)
    p = params(body)
    assert p["decision"]["valueCode"] in ("no-match", "retake")
    assert p["match"]["valueBoolean"] is False
    assert "verificationToken" not in p


def test_verify_face_bad_input(wstack, validator, face):
    body = photo_params(b"x")
    body["parameter"][0]["valueAttachment"]["data"] = "not base64!"
    status, _, out = post(wstack, "Patient/%s/$verify-face" % face, body)
    refused(validator, status, out, 400,
            "Parameters.parameter[photo].valueAttachment.data")
    status, _, out = post(wstack, "Patient/%s/$verify-face" % face,
                          {"resourceType": "Parameters", "parameter": []})
    refused(validator, status, out, 400, "Parameters.parameter[photo]")
    body = photo_params(orl_png(7, 6))
    body["parameter"][1]["valueString"] = "t" * 65
    status, _, out = post(wstack, "Patient/%s/$verify-face" % face, body)
    refused(validator, status, out, 400, "Parameters.parameter[terminal]")


def test_verify_face_names_its_camera_to_the_face_watch(wstack):
    """$verify-face's camera reaches identity: the face's decision is
    counted under that camera and the terminal (docs/face.md, "Watching
    it in use")."""
    from harness import metrics
    ipb = protos.module("identity")
    pid = register(wstack, "Camerawrite")
    wstack.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(13, n) for n in (1, 2, 3)]),
        role="registrar", timeout=60)
    cam = "fhir-cam-" + uuid.uuid4().hex[:6]
    body = photo_params(orl_png(13, 6), wristband=pid)
    body["parameter"].append({"name": "camera", "valueString": cam})
    status, _, out = post(wstack, "Patient/%s/$verify-face" % pid, body)
    assert status == 200, out
    got = metrics.series(metrics.scrape(wstack, "identity")[0],
                         "smartmed_face_verify_decisions_total", camera=cam,
                         terminal="ward3-bed7")
    assert sum(got.values()) == 1, got


def stated(st, pid, wristband, family, born, after="no-match"):
    return post(st, "Patient/%s/$confirm-identifiers" % pid, {
        "resourceType": "Parameters", "parameter": [
            {"name": "wristband", "valueString": wristband},
            {"name": "familyName", "valueString": family},
            {"name": "birthDate", "valueDate": born},
            {"name": "terminal", "valueString": "ward3-bed7"},
            {"name": "afterFace", "valueCode": after}]})


def test_after_a_face_no_match_the_stated_check_gives_the_token(
        wstack, validator, face):
    """Issue 73: the face does not confirm the patient, so the nurse reads
    the name and birth date the patient states against the wristband;
    the token names wristband+stated and MedicationAdministration's
    create charts the dose on it."""
    status, _, body = verify(wstack, face, orl_png(8, 7))
    assert status == 200 and "verificationToken" not in params(body), body
    status, _, body = stated(wstack, face, face, "facewrite", "1975-04-04")
    assert status == 200, body
    valid(validator, body)
    p = params(body)
    assert p["confirmed"]["valueBoolean"] is False, body
    assert p["mismatched"]["valueCode"] == "birth_date", body
    assert "verificationToken" not in p, body

    status, _, body = stated(wstack, face, face, "Facewrite", "1975-04-03")
    assert status == 200, body
    valid(validator, body)
    p = params(body)
    assert p["confirmed"]["valueBoolean"] is True, body
    assert p["identifiersChecked"]["valueCode"] == "wristband+stated"
    o = order(wstack, face)
    ma = administration(wstack, face, o,
                        p["verificationToken"]["valueString"], 1, "tablet",
                        override(wstack, "scan-override", "other",
                                 "test pack has no barcode"))
    status, _, out = post(wstack, "MedicationAdministration", ma)
    assert status == 201, out
    valid(validator, out)
    want = identification(wstack, "wristband+stated")
    assert identified(wstack, out) == want, out
    status, _, back = request(wstack, "GET",
                              "MedicationAdministration/" + out["id"])
    assert status == 200, back
    valid(validator, back)
    assert identified(wstack, back) == want, back
    mine = charted(wstack, face, out["id"])
    assert (mine.identifiers_checked, mine.identification_terminal) == \
        ("wristband+stated", "ward3-bed7"), mine


def test_identified_otherwise_is_no_override(wstack, validator, face):
    """Issue 73: a dose without a token, under an identity override
    "identified-otherwise", is refused: the nurse does the stated check
    ($confirm-identifiers) instead."""
    o = order(wstack, face)
    ma = administration(wstack, face, o, "", 1, "tablet")
    ma["extension"] = [
        override(wstack, "identity-override", "identified-otherwise",
                 "face did not match, I know the patient"),
        override(wstack, "scan-override", "other",
                 "test pack has no barcode")]
    status, _, out = post(wstack, "MedicationAdministration", ma)
    why = refused(validator, status, out, 422,
                  "MedicationAdministration.extension[identity-override]")
    assert "identified otherwise" in why and \
        "ConfirmStatedIdentifiers" in why, out
    assert not [a for a in charted_all(wstack, face)
                if a.order_id == o.id], "charted"


def test_an_override_after_a_face_no_match_names_the_stated_check(
        wstack, validator):
    """Issue 73: the face turns the patient away and a client charts the
    dose under an emergency identity override: refused, coded
    identity-unconfirmed (the console says "do the stated check"), and
    nothing charted; an override saying the patient cannot state who
    they are (emergency-no-stated-check) is charted."""
    ipb = protos.module("identity")
    pid = register(wstack, "Holdwrite")
    wstack.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(11, n) for n in (1, 2, 3)]),
        role="registrar", timeout=60)
    status, _, body = verify(wstack, pid, orl_png(12, 6))
    assert status == 200 and "verificationToken" not in params(body), body
    o = order(wstack, pid)
    ma = administration(wstack, pid, o, "", 1, "tablet")
    ma["extension"] = [
        override(wstack, "identity-override", "emergency",
                 "no time for the stated check"),
        override(wstack, "scan-override", "other",
                 "test pack has no barcode")]
    status, _, out = post(wstack, "MedicationAdministration", ma)
    assert 400 <= status < 500, out
    valid(validator, out)
    assert refusal_code(out) == "identity-unconfirmed", out
    assert "ConfirmStatedIdentifiers" in out["issue"][0]["diagnostics"], out
    assert not [a for a in charted_all(wstack, pid) if a.order_id == o.id]
    ma["extension"][0] = override(
        wstack, "identity-override", "emergency-no-stated-check",
        "collapsed, cannot state her name")
    status, _, out = post(wstack, "MedicationAdministration", ma)
    assert status == 201, out
    assert [a.identity for a in charted_all(wstack, pid)
            if a.order_id == o.id] == ["overridden"]


def identification(st, identifiers):
    """Extension patient-identification's parts as the nurse's check
    leaves them: the identifiers, the nurse, the terminal."""
    return [{"url": "identifiers", "valueCode": identifiers},
            {"url": "checkedBy", "valueReference": {
                "display": st.user("nurse")}},
            {"url": "terminal", "valueString": "ward3-bed7"}]


def identified(st, resource):
    """The parts of resource's extension patient-identification, None
    when it has none (a read names it under dosage's export base, as its
    other extensions)."""
    got = [x["extension"] for x in resource.get("extension", [])
           if x["url"].endswith("/StructureDefinition/"
                                "patient-identification")]
    assert len(got) <= 1, resource
    return got[0] if got else None


def test_the_stated_check_refuses_another_patients_wristband(
        wstack, validator, face):
    other = register(wstack, "Otherband")
    status, _, out = stated(wstack, face, other, "Facewrite", "1975-04-03")
    assert 400 <= status < 500, out
    valid(validator, out)
    assert "wristband" in json.dumps(out), out


# --- the bedside's refusals, each with its code (issue 77, item 4) -----------

REFUSAL = "urn:smartmed:refusal"


def refusal_code(body):
    """The refusal's code in issue.details (system REFUSAL), or None."""
    codes = [c["code"] for i in body.get("issue", [])
             for c in i.get("details", {}).get("coding", [])
             if c.get("system") == REFUSAL]
    assert len(codes) <= 1, body
    return codes[0] if codes else None


def blank_png():
    import cv2
    import numpy as np
    ok, buf = cv2.imencode(".png", np.full((112, 92), 128, np.uint8))
    assert ok
    return buf.tobytes()


def test_the_face_checks_refusals_name_their_code(wstack, validator):
    """What a nurse meets at the face check, each refusal coded so that
    the console shows what to do next (services/console/messages.js):
    another patient's wristband, a wristband nobody has, a photograph
    with no face, and the same photograph sent again (a copy)."""
    ipb = protos.module("identity")
    pid = register(wstack, "Refusal")
    wstack.call("identity", "EnrollFace", ipb.EnrollFaceRequest(
        patient_id=pid, images=[orl_png(9, n) for n in (1, 2, 3)]),
        role="registrar", timeout=60)
    other = register(wstack, "Otherbed")

    def code_of(png, wristband):
        status, _, body = post(wstack, "Patient/%s/$verify-face" % pid,
                               photo_params(png, wristband=wristband))
        assert 400 <= status < 500, body
        valid(validator, body)
        return refusal_code(body), body["issue"][0]["diagnostics"]

    code, why = code_of(orl_png(9, 6), other)
    assert code == "wristband-other-patient", why
    code, why = code_of(orl_png(9, 6), "MRN-NOBODY-HAS")
    assert code == "wristband-unknown", why
    code, why = code_of(blank_png(), pid)
    assert code == "face-unusable" and "no face found" in why, why
    status, _, body = verify(wstack, pid, orl_png(9, 7))
    assert status == 200, body
    code, why = code_of(orl_png(9, 7), pid)
    assert code == "face-copy" and "photograph of a photograph" in why, why


def test_an_unreadable_product_scan_names_its_code(wstack, validator,
                                                   patient):
    o = order(wstack, patient)
    ma = administration(wstack, patient, o, "", 1, "tablet")
    ma["extension"] = [
        override(wstack, "identity-override", "emergency",
                 "unconscious on arrival, no wristband yet"),
        ext(wstack, "product-scan", valueString="(01)12345")]
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status == 422, body
    valid(validator, body)
    assert refusal_code(body) == "scan-unreadable", body
    # A refusal that is none of the bedside's has no code.
    ma["extension"] = ma["extension"][:1]
    ma["dosage"]["dose"]["value"] = 2
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status == 422 and refusal_code(body) is None, body


# --- MedicationAdministration ------------------------------------------------

def ext(st, name, **value):
    return dict(url="%s/StructureDefinition/%s" % (st.fhir_url(), name),
                **value)


def override(st, name, code, text):
    return ext(st, name, extension=[{"url": "reason", "valueCode": code},
                                    {"url": "text", "valueString": text}])


def order(st, pid, high_alert=False):
    pb = protos.module("dosage")
    if high_alert:
        drug = pb.Drug(code="HA-" + uuid.uuid4().hex[:10], name="Heparin",
                       unit="[iU]", max_single_dose=10000.0,
                       max_daily_dose=40000.0, routes=["sc"],
                       high_alert=True)
        dose, unit, route = 5000.0, "[iU]", "sc"
    else:
        drug = pb.Drug(code="PARA-" + uuid.uuid4().hex[:10],
                       name="Paracetamol 500 mg tablet", unit="tablet",
                       max_single_dose=2.0, max_daily_dose=8.0,
                       routes=["oral"])
        dose, unit, route = 1.0, "tablet", "oral"
    st.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=drug),
            role="pharmacist", timeout=30)
    assess_allergies(st, pid)
    return st.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=pid, drug_code=drug.code, dose=dose,
                       unit=unit, route=route, frequency="q12h",
                       start_ms=now_ms() - 13 * HOUR)),
        role="clinician", timeout=30)


def administration(st, pid, o, token, dose, unit, *extensions):
    return {
        "resourceType": "MedicationAdministration",
        "status": "completed",
        "subject": {"reference": "Patient/" + pid},
        "request": {"reference": "MedicationRequest/" + o.id},
        "effectiveDateTime": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                           time.gmtime()),
        "dosage": {"dose": {"value": dose, "unit": unit, "system":
                            "http://unitsofmeasure.org", "code": unit}},
        "extension": [ext(st, "verification-token", valueString=token)]
        + list(extensions),
    }


def charted_all(st, pid):
    """Every administration dosage holds for the patient (its History)."""
    pb = protos.module("dosage")
    return st.call("dosage", "History", pb.HistoryRequest(patient_id=pid),
                   role="nurse", timeout=30).administrations


def charted(st, pid, administration_id):
    """dosage's own record of an administration (its History)."""
    pb = protos.module("dosage")
    h = st.call("dosage", "History", pb.HistoryRequest(patient_id=pid),
                role="nurse", timeout=30)
    return [a for a in h.administrations if a.id == administration_id][0]


# identity refuses a photograph it has seen before (a replay): each dose
# gets a fresh one of the patient's.
PHOTOS = iter((7, n) for n in (7, 8, 9, 10, 5, 4))


def token_for(st, pid):
    for subject, n in PHOTOS:
        status, _, body = verify(st, pid, orl_png(subject, n))
        assert status == 200, body
        p = params(body)
        if "verificationToken" in p:
            return p["verificationToken"]["valueString"]
    pytest.fail("no photograph of subject 7 left that matches")


def test_a_dose_given_after_the_face_check(wstack, validator, face):
    o = order(wstack, face)
    ma = administration(wstack, face, o, token_for(wstack, face), 1,
                        "tablet",
                        override(wstack, "scan-override", "other",
                                 "test pack has no barcode"))
    status, headers, body = post(wstack, "MedicationAdministration", ma)
    assert status == 201, body
    valid(validator, body)
    assert body["status"] == "completed"
    assert body["request"] == {"reference": "MedicationRequest/" + o.id}
    assert body["dosage"]["dose"]["value"] == 1
    assert headers["Location"].endswith("/MedicationAdministration/"
                                        + body["id"])
    pb = protos.module("dosage")
    h = wstack.call("dosage", "History", pb.HistoryRequest(patient_id=face),
                    role="nurse", timeout=30)
    mine = [a for a in h.administrations if a.id == body["id"]]
    assert mine and mine[0].identity == "verified"
    assert identified(wstack, body) == identification(wstack,
                                                      "wristband+face")


def test_a_dose_other_than_the_ordered_one_needs_its_reason(
        wstack, validator, face):
    """Issue 47: dosage refuses a dose other than the ordered one unless a
    coded reason says why; the facade carries it as extension
    dose-deviation."""
    o = order(wstack, face)
    scan = override(wstack, "scan-override", "other",
                    "test pack has no barcode")
    ma = administration(wstack, face, o, token_for(wstack, face), 2,
                        "tablet", scan)
    status, _, body = post(wstack, "MedicationAdministration", ma)
    why = refused(validator, status, body, 422,
                  "MedicationAdministration.dosage.dose")
    assert "not the ordered dose" in why, why
    bad = dict(ma, extension=ma["extension"] + [override(
        wstack, "dose-deviation", "because", "x")])
    status, _, body = post(wstack, "MedicationAdministration", bad)
    refused(validator, status, body, 400,
            "MedicationAdministration.extension[dose-deviation]")
    ma = administration(wstack, face, o, token_for(wstack, face), 2,
                        "tablet", scan, override(
                            wstack, "dose-deviation",
                            "prescriber-verbal-order",
                            "two tablets, Dr Who by phone"))
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status == 201, body
    pb = protos.module("dosage")
    mine = charted(wstack, face, body["id"])
    assert mine.dose_deviation.reason == \
        pb.DOSE_DEVIATION_REASON_PRESCRIBER_VERBAL_ORDER
    assert mine.dose_deviation.text == "two tablets, Dr Who by phone"


def test_a_dose_without_a_token_or_for_another_patient_is_refused(
        wstack, validator, face, patient):
    o = order(wstack, face)
    ma = administration(wstack, face, o, "", 1, "tablet")
    ma["extension"] = []
    status, _, body = post(wstack, "MedicationAdministration", ma)
    why = refused(validator, status, body, 422,
                  "MedicationAdministration.extension[verification-token]")
    assert why.startswith("MedicationAdministration.extension"
                          "[verification-token]: patient identity check")
    ma = administration(wstack, patient, o, "x", 1, "tablet")
    status, _, body = post(wstack, "MedicationAdministration", ma)
    refused(validator, status, body, 422, "MedicationAdministration.subject")


def test_a_high_alert_dose_needs_a_second_users_cosign(
        wstack, validator, face):
    o = order(wstack, face, high_alert=True)
    scan = override(wstack, "scan-override", "other",
                    "test pack has no barcode")
    ma = administration(wstack, face, o, token_for(wstack, face), 5000,
                        "[iU]", scan)
    status, _, body = post(wstack, "MedicationAdministration", ma)
    why = refused(validator, status, body, 422,
                  "MedicationAdministration.extension[cosign]")
    assert "high-alert co-sign check" in why
    # A second user checks the dose with their own credentials; a check
    # by the one giving it does not count.
    cosign = {"resourceType": "Parameters", "parameter": [
        {"name": "patient", "valueReference": {"reference":
                                               "Patient/" + face}},
        {"name": "dose", "valueQuantity": {"value": 5000, "system": UCUM,
                                           "code": "[iU]"}}]}
    status, _, body = post(wstack, "MedicationRequest/%s/$cosign" % o.id,
                           cosign, role="nurse")
    assert status == 200, body
    ma["extension"].append(ext(wstack, "cosign", valueString=params(
        body)["cosign"]["valueString"]))
    status, _, body = post(wstack, "MedicationAdministration", ma)
    why = refused(validator, status, body, 403,
                  "MedicationAdministration.extension[cosign]")
    assert "high-alert co-sign check" in why
    status, _, body = post(wstack, "MedicationRequest/%s/$cosign" % o.id,
                           cosign, role="pharmacist")
    assert status == 200, body
    valid(validator, body)
    cid = params(body)["cosign"]["valueString"]
    assert params(body)["cosignedBy"]["valueString"] == "pharm.test"
    ma["extension"][-1] = ext(wstack, "cosign", valueString=cid)
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status == 201, body
    valid(validator, body)
    assert body["status"] == "completed"


def test_a_cosign_carries_the_dose_deviation(wstack, validator, face):
    """Issue 51: the co-signer confirms a dose other than the ordered one
    with the coded reason, as the nurse does (parameter dose-deviation,
    the extension's codes); without it dosage refuses the co-sign naming
    the dose, a code it does not know is 400 naming the parameter, and
    the nurse then gives that dose with the same reason and the co-sign."""
    o = order(wstack, face, high_alert=True)

    def cosign(dose, *deviation):
        body = {"resourceType": "Parameters", "parameter": [
            {"name": "patient",
             "valueReference": {"reference": "Patient/" + face}},
            {"name": "dose", "valueQuantity": {
                "value": dose, "system": UCUM, "code": "[iU]"}}]
            + list(deviation)}
        return post(wstack, "MedicationRequest/%s/$cosign" % o.id, body,
                    role="pharmacist")

    status, _, body = cosign(2500)
    why = refused(validator, status, body, 422,
                  "Parameters.parameter[dose]")
    assert "dose check" in why, why
    status, _, body = cosign(2500, {"name": "dose-deviation", "part": [
        {"name": "reason", "valueCode": "because"}]})
    refused(validator, status, body, 400,
            "Parameters.parameter[dose-deviation]")
    status, _, body = cosign(2500, {"name": "dose-deviation", "part": [
        {"name": "reason", "valueCode": "titration-per-protocol"},
        {"name": "text", "valueString": "sliding scale: 2500 units"}]})
    assert status == 200, body
    valid(validator, body)
    p = params(body)
    assert p["dose"]["valueQuantity"]["value"] == 2500, p
    dev = {x["name"]: x for x in p["dose-deviation"]["part"]}
    assert dev["reason"]["valueCode"] == "titration-per-protocol", dev
    assert dev["text"]["valueString"] == "sliding scale: 2500 units", dev
    ma = administration(wstack, face, o, "", 2500, "[iU]")
    ma["extension"] = [
        override(wstack, "identity-override", "emergency",
                 "wristband and two identifiers checked"),
        override(wstack, "scan-override", "other",
                 "test pack has no barcode"),
        override(wstack, "dose-deviation", "titration-per-protocol",
                 "sliding scale: 2500 units"),
        ext(wstack, "cosign", valueString=p["cosign"]["valueString"])]
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status == 201, body
    assert body["dosage"]["dose"]["value"] == 2500, body
    pb = protos.module("dosage")
    assert charted(wstack, face, body["id"]).dose_deviation.reason == \
        pb.DOSE_DEVIATION_REASON_TITRATION_PER_PROTOCOL


def test_a_dose_not_given_with_a_coded_reason(wstack, validator, face):
    o = order(wstack, face)
    scheduled = o.start_ms + 12 * HOUR
    ma = {
        "resourceType": "MedicationAdministration",
        "status": "not-done",
        "statusReason": [{"coding": [{"system": NOT_GIVEN,
                                      "code": "patient-refused"}],
                          "text": "declined at the round"}],
        "subject": {"reference": "Patient/" + face},
        "request": {"reference": "MedicationRequest/" + o.id},
        "effectiveDateTime": time.strftime(
            "%Y-%m-%dT%H:%M:%S", time.gmtime(scheduled // 1000))
        + ".%03dZ" % (scheduled % 1000),
    }
    bad = dict(ma, statusReason=[{"text": "no code"}])
    status, _, body = post(wstack, "MedicationAdministration", bad)
    refused(validator, status, body, 400,
            "MedicationAdministration.statusReason")
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status == 201, body
    valid(validator, body)
    assert body["status"] == "not-done"
    assert body["statusReason"][0]["coding"][0]["code"] == "patient-refused"


def test_a_time_critical_dose_not_given_says_who_was_told(wstack, validator,
                                                         patient):
    """Issue 72, item 4: levodopa charted not-done without the
    escalation-reason extension is refused naming escalation_reason; with
    it the omission is recorded, its escalation kept."""
    pb = protos.module("dosage")
    drug = pb.Drug(code="LD-" + uuid.uuid4().hex[:10],
                   name="Co-careldopa 25/100 tablet", unit="mg",
                   max_single_dose=200.0, max_daily_dose=2000.0,
                   routes=["oral"], substance="levodopa")
    wstack.call("dosage", "UpsertDrug", pb.UpsertDrugRequest(drug=drug),
                role="pharmacist", timeout=30)
    assess_allergies(wstack, patient)
    o = wstack.call("dosage", "CreateOrder", pb.CreateOrderRequest(
        order=pb.Order(patient_id=patient, drug_code=drug.code, dose=100.0,
                       unit="mg", route="oral", frequency="q6h",
                       start_ms=now_ms() - 2 * HOUR)),
        role="clinician", timeout=30)
    ma = {
        "resourceType": "MedicationAdministration",
        "status": "not-done",
        "statusReason": [{"coding": [{"system": NOT_GIVEN,
                                      "code": "nil-by-mouth"}],
                          "text": "nil by mouth before theatre"}],
        "subject": {"reference": "Patient/" + patient},
        "request": {"reference": "MedicationRequest/" + o.id},
        "effectiveDateTime": time.strftime(
            "%Y-%m-%dT%H:%M:%S", time.gmtime(o.start_ms // 1000))
        + ".%03dZ" % (o.start_ms % 1000),
    }
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status in (400, 422), body
    assert "escalation_reason: required" in \
        body["issue"][0]["diagnostics"], body
    why = "Dr Ng told 09:10: dispersible levodopa via NG tube instead"
    ma["extension"] = [ext(wstack, "escalation-reason", valueString=why)]
    status, _, body = post(wstack, "MedicationAdministration", ma)
    assert status == 201, body
    valid(validator, body)
    assert body["status"] == "not-done"
    got = wstack.call("dosage", "GetMar", pb.GetMarRequest(
        patient_id=patient), role="nurse")
    slot = [s for x in got.orders if x.order.id == o.id for s in x.slots
            if s.scheduled_ms == o.start_ms][0]
    assert slot.time_critical_flag == "not given, time-critical", slot


def test_metadata_lists_the_writes(wstack, validator):
    status, _, body = request(wstack, "GET", "metadata")
    assert status == 200, body
    # HL7's R4 schema lists versions only up to 4.0.0 (as in
    # test_fhir_facade.py's test_metadata_needs_no_token).
    valid(validator, dict(body, fhirVersion="4.0.0"))
    rest = body["rest"][0]
    by_type = {r["type"]: r for r in rest["resource"]}
    codes = lambda t: {i["code"] for i in by_type[t]["interaction"]}
    assert "create" in codes("Observation")
    assert "create" in codes("MedicationAdministration")
    assert {i["code"] for i in rest["interaction"]} >= {"batch",
                                                        "transaction"}
    ops = {o["name"] for r in rest["resource"] for o in r.get("operation",
                                                               [])}
    assert {"verify-face", "cosign"} <= ops


# --- references to another server (issue 49, item 7) ------------------------

def test_a_subject_on_another_server_is_refused(wstack, validator, patient):
    """Another server's Patient/<id> is not our patient <id>: a subject
    (or device) on another base URL is 400 naming the element, even when
    its id is one of ours; our own base URL is a reference as any."""
    other = "https://other.example/fhir/Patient/" + patient
    obs = vital(patient, "8867-4", 71, "/min")
    obs["subject"] = {"reference": other}
    status, _, body = post(wstack, "Observation", obs)
    why = refused(validator, status, body, 400, "Observation.subject")
    assert "another server" in why and other in why, why
    # Our base under another scheme or a longer host is another server.
    for ref in (wstack.fhir_url().replace("https:", "http:"),
                wstack.fhir_url() + ".evil.example",
                wstack.fhir_url() + "x"):
        obs["subject"] = {"reference": ref + "/Patient/" + patient}
        status, _, body = post(wstack, "Observation", obs)
        refused(validator, status, body, 400, "Observation.subject")
    obs = vital(patient, "8867-4", 71, "/min",
                device=None)
    obs["device"] = {"reference": "https://other.example/fhir/Device/m-1"}
    status, _, body = post(wstack, "Observation", obs)
    refused(validator, status, body, 400, "Observation.device")
    # In a transaction, the entry's element is named and nothing stored.
    pid = register(wstack, "Foreignref")
    bad = vital(pid, "8867-4", 71, "/min")
    bad["subject"] = {"reference": "https://other.example/fhir/Patient/"
                      + pid}
    status, _, body = post(wstack, "", bundle("transaction", [
        vital(pid, "8867-4", 72, "/min"), bad]))
    refused(validator, status, body, 400, "Bundle.entry[1].resource.subject")
    assert search_ids(wstack, pid) == []
    # A MedicationAdministration's subject, too.
    ma = {"resourceType": "MedicationAdministration", "status": "completed",
          "subject": {"reference": other},
          "request": {"reference": "MedicationRequest/x"}}
    status, _, body = post(wstack, "MedicationAdministration", ma)
    refused(validator, status, body, 400,
            "MedicationAdministration.subject")
    # Our own base URL is ours.
    obs = vital(patient, "8867-4", 73, "/min")
    obs["subject"] = {"reference": wstack.fhir_url() + "/Patient/" + patient}
    status, _, body = post(wstack, "Observation", obs)
    assert status == 201, body
    assert body["subject"] == {"reference": "Patient/" + patient}


# --- conditional create (issue 49, item 7) ----------------------------------

def cond_post(st, url, body, query):
    return request(st, "POST", url, body, headers={"If-None-Exist": query})


def ident_query(obs):
    ident = obs["identifier"][0]
    return "identifier=" + urllib.parse.quote(
        ident["system"] + "|" + ident["value"], safe="")


def test_conditional_create_of_an_observation(wstack, validator):
    """If-None-Exist: identifier=<system>|<value>: no match creates (201),
    one match answers it (200) and creates nothing, even when the body
    differs from the recorded one."""
    pid = register(wstack, "Condcreate")
    obs = vital(pid, "8867-4", 72, "/min")
    status, headers, body = cond_post(wstack, "Observation", obs,
                                      ident_query(obs))
    assert status == 201, body
    valid(validator, body)
    first = body["id"]
    again = dict(obs, valueQuantity=dict(obs["valueQuantity"], value=75))
    status, headers, body = cond_post(wstack, "Observation", again,
                                      ident_query(obs))
    assert status == 200, body
    assert body["id"] == first and body["valueQuantity"]["value"] == 72
    assert search_ids(wstack, pid) == [first]
    status, _, cap = request(wstack, "GET", "metadata")
    types = {r["type"]: r for r in cap["rest"][0]["resource"]}
    assert types["Observation"]["conditionalCreate"] is True
    assert types["MedicationAdministration"]["conditionalCreate"] is False


@pytest.mark.parametrize("query", [
    "patient=x", "identifier=abc", "identifier=a|b|c", "_id=1",
    "identifier=urn%3Aother%7Cv1", "identifier=a|b&patient=c", "",
])
def test_conditional_create_it_cannot_answer_is_refused(
        wstack, validator, patient, query):
    """A query the facade cannot answer exactly is 400 naming the header,
    and nothing is created: served as a plain create it would make the
    duplicate the client asked not to get."""
    pid = register(wstack, "Condrefused")
    obs = vital(pid, "8867-4", 72, "/min")
    status, _, body = cond_post(wstack, "Observation", obs, query)
    assert status == 400, body
    valid(validator, body)
    assert body["issue"][0]["code"] == "not-supported"
    assert body["issue"][0]["diagnostics"].startswith("If-None-Exist: ")
    assert search_ids(wstack, pid) == []


def test_conditional_create_of_other_writes_is_refused(
        wstack, validator, face):
    ma = {"resourceType": "MedicationAdministration", "status": "completed",
          "subject": {"reference": "Patient/" + face}}
    for url, body in (("MedicationAdministration", ma),
                      ("", bundle("transaction", []))):
        status, _, out = cond_post(wstack, url, body, "identifier=a|b")
        assert status == 400, out
        valid(validator, out)
        assert out["issue"][0]["diagnostics"].startswith(
            "If-None-Exist: no conditional create"), out


def test_conditional_create_in_a_bundle_entry(wstack, validator):
    pid = register(wstack, "Condbundle")
    obs = vital(pid, "8867-4", 72, "/min")
    b = bundle("transaction", [obs])
    b["entry"][0]["request"]["ifNoneExist"] = ident_query(obs)
    status, _, body = post(wstack, "", b)
    assert status == 200, body
    assert body["entry"][0]["response"]["status"] == "201 Created"
    status, _, body = post(wstack, "", b)
    assert body["entry"][0]["response"]["status"] == "200 OK"
    b["entry"][0]["request"]["ifNoneExist"] = "code=8867-4"
    status, _, body = post(wstack, "", b)
    refused(validator, status, body, 400,
            "Bundle.entry[0].request.ifNoneExist")
    assert len(search_ids(wstack, pid)) == 1
