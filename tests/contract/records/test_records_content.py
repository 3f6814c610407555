"""Contract of records typed content: observations (LOINC + UCUM), vital
signs, allergies, documents with attachments, list filters, and the FHIR
R4 export."""

import base64
import hashlib
import json
import time
import uuid

import grpc
import pytest

from harness.checks import expect_status

SVC = "records"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%fake but well-started\n"


def _create(stack, pb, role="clinician", **kw):
    args = dict(patient_id=str(uuid.uuid4()), title="t", body="")
    args.update(kw)
    return stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(**args),
                      role=role)


def _obs(pb, **kw):
    args = dict(loinc_code="8867-4", display="Heart rate", numeric=72,
                ucum_unit="/min")
    args.update(kw)
    return pb.Observation(**args)


def _vitals(pb):
    q = pb.Quantity
    return pb.VitalSigns(
        heart_rate=q(value=72, unit="/min"),
        systolic_bp=q(value=120, unit="mm[Hg]"),
        diastolic_bp=q(value=80, unit="mm[Hg]"),
        body_temperature=q(value=37.1, unit="Cel"),
        respiratory_rate=q(value=16, unit="/min"),
        oxygen_saturation=q(value=98, unit="%"),
        body_weight=q(value=70.5, unit="kg"),
        body_height=q(value=175, unit="cm"),
        effective_ms=1700000000000)


def _allergy(pb):
    return pb.Allergy(
        substance_system="http://snomed.info/sct", substance_code="764146007",
        substance_display="Penicillin",
        clinical_status=pb.ALLERGY_CLINICAL_STATUS_ACTIVE,
        verification_status=pb.ALLERGY_VERIFICATION_STATUS_CONFIRMED,
        type=pb.ALLERGY_TYPE_ALLERGY,
        category=pb.ALLERGY_CATEGORY_MEDICATION,
        criticality=pb.ALLERGY_CRITICALITY_HIGH,
        reactions=[pb.AllergyReaction(manifestation="Hives",
                                      severity=pb.REACTION_SEVERITY_MODERATE)])


def test_observation_roundtrip(stack, pb):
    e = _create(stack, pb, kind=pb.ENTRY_KIND_OBSERVATION,
                observation=_obs(pb, effective_ms=1700000000000))
    got = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e.entry_id), role="nurse")
    assert got.WhichOneof("content") == "observation"
    assert got.observation.numeric == 72
    assert got.observation.ucum_unit == "/min"
    assert got == e


def test_observation_text_and_general_unit(stack, pb):
    _create(stack, pb, kind=pb.ENTRY_KIND_OBSERVATION,
            observation=pb.Observation(loinc_code="2160-0",
                                       numeric=1.1, ucum_unit="mg/dL"))
    _create(stack, pb, kind=pb.ENTRY_KIND_OBSERVATION,
            observation=pb.Observation(loinc_code="11506-3",
                                       text="unremarkable"))


@pytest.mark.parametrize("field,obs", [
    ("observation.ucum_unit", dict(ucum_unit="mm[Hg]")),  # heart rate
    ("observation.ucum_unit", dict(loinc_code="8310-5", ucum_unit="K")),
    ("observation.ucum_unit", dict(loinc_code="2160-0", ucum_unit="mg dL")),
    ("observation.ucum_unit", dict(loinc_code="2160-0", ucum_unit="mg/[dL")),
    ("observation.loinc_code", dict(loinc_code="8867-5")),  # check digit
    ("observation.loinc_code", dict(loinc_code="abc")),
    ("observation.loinc_code", dict(loinc_code="")),
    ("observation.numeric", dict(numeric=float("nan"))),
    ("observation.text", dict(text="fast")),  # a vital needs a number
])
def test_observation_invalid(stack, pb, field, obs):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_OBSERVATION, observation=_obs(pb, **obs),
                  details_prefix=field)


def test_observation_needs_value(stack, pb):
    o = pb.Observation(loinc_code="2160-0", ucum_unit="mg/dL")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_OBSERVATION, observation=o,
                  details_prefix="observation.value")


@pytest.mark.parametrize("kind,field", [
    ("ENTRY_KIND_OBSERVATION", "observation"),
    ("ENTRY_KIND_DOCUMENT", "document"),
    ("ENTRY_KIND_ALLERGY", "allergy"),
    ("ENTRY_KIND_VITAL_SIGNS", "vital_signs"),
])
def test_kind_needs_its_content(stack, pb, kind, field):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=getattr(pb, kind), details_prefix=field)


def test_note_refuses_typed_content(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_NOTE, body="x", observation=_obs(pb),
                  details_prefix="content")


def test_vital_signs_roundtrip(stack, pb):
    e = _create(stack, pb, kind=pb.ENTRY_KIND_VITAL_SIGNS,
                vital_signs=_vitals(pb))
    assert e.vital_signs.body_weight.value == 70.5


@pytest.mark.parametrize("member,q,field", [
    ("heart_rate", dict(value=72, unit="/s"), "vital_signs.heart_rate.unit"),
    ("body_weight", dict(value=70, unit="stone"),
     "vital_signs.body_weight.unit"),
    ("body_temperature", dict(value=0, unit="Cel"),
     "vital_signs.body_temperature.value"),
    ("oxygen_saturation", dict(value=101, unit="%"),
     "vital_signs.oxygen_saturation.value"),
    ("inhaled_oxygen_flow", dict(value=2, unit="%"),
     "vital_signs.inhaled_oxygen_flow.unit"),
    ("inhaled_oxygen_flow", dict(value=-1, unit="L/min"),
     "vital_signs.inhaled_oxygen_flow.value"),
    ("inhaled_oxygen_flow", dict(value=95, unit="L/min"),
     "vital_signs.inhaled_oxygen_flow.value"),
])
def test_vital_signs_invalid(stack, pb, member, q, field):
    v = _vitals(pb)
    getattr(v, member).CopyFrom(pb.Quantity(**q))
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_VITAL_SIGNS, vital_signs=v,
                  details_prefix=field)


def test_news2_members(stack, pb):
    """NEWS2's parameters (issue 51): the ACVPU level, the oxygen flow (0
    L/min: air, a reading of its own) and the SpO2 scale; a level or a
    scale records does not know is refused naming it."""
    e = _create(stack, pb, kind=pb.ENTRY_KIND_VITAL_SIGNS,
                vital_signs=pb.VitalSigns(
                    consciousness=pb.CONSCIOUSNESS_VOICE, spo2_scale=2,
                    inhaled_oxygen_flow=pb.Quantity(value=0, unit="L/min")))
    assert e.vital_signs.consciousness == pb.CONSCIOUSNESS_VOICE
    assert e.vital_signs.HasField("inhaled_oxygen_flow")
    assert e.vital_signs.inhaled_oxygen_flow.value == 0
    assert e.vital_signs.spo2_scale == 2
    for bad, field in ((dict(consciousness=9), "vital_signs.consciousness"),
                       (dict(spo2_scale=3), "vital_signs.spo2_scale")):
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                      kind=pb.ENTRY_KIND_VITAL_SIGNS,
                      vital_signs=pb.VitalSigns(
                          heart_rate=pb.Quantity(value=70, unit="/min"),
                          **bad),
                      details_prefix=field)


def test_vital_signs_bp_needs_both(stack, pb):
    v = pb.VitalSigns(systolic_bp=pb.Quantity(value=120, unit="mm[Hg]"))
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_VITAL_SIGNS, vital_signs=v,
                  details_prefix="vital_signs.diastolic_bp")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_VITAL_SIGNS,
                  vital_signs=pb.VitalSigns(),
                  details_prefix="vital_signs")


def test_allergy_roundtrip_and_invalid(stack, pb):
    e = _create(stack, pb, kind=pb.ENTRY_KIND_ALLERGY, allergy=_allergy(pb))
    assert e.allergy.substance_display == "Penicillin"
    bad = _allergy(pb)
    bad.substance_system = ""
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_ALLERGY, allergy=bad,
                  details_prefix="allergy.substance_system")
    bad = _allergy(pb)
    bad.substance_display = ""
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_ALLERGY, allergy=bad,
                  details_prefix="allergy.substance_display")


def test_document_stored_once_and_read_back(stack, pb):
    doc = pb.Document(content_type="image/png", data=PNG)
    a = _create(stack, pb, kind=pb.ENTRY_KIND_DOCUMENT, title="ECG strip",
                document=doc)
    b = _create(stack, pb, kind=pb.ENTRY_KIND_DOCUMENT, title="Copy",
                document=doc)
    want = hashlib.sha256(PNG).hexdigest()
    assert a.document.sha256 == want == b.document.sha256
    assert a.document.size == len(PNG) and a.document.data == b""
    att = stack.call(SVC, "GetAttachment", pb.GetAttachmentRequest(
        entry_id=a.entry_id), role="nurse")
    assert att.data == PNG and att.sha256 == want
    assert att.content_type == "image/png" and att.size == len(PNG)
    rows = stack.sql("SELECT COUNT(*) FROM smartmed_records.attachments"
                     " WHERE sha256 = '%s'" % want)
    assert rows.split()[-1] == "1", rows


@pytest.mark.parametrize("ctype,data,field", [
    ("image/png", PDF, "document.data"),  # magic bytes do not match
    ("application/pdf", PNG, "document.data"),
    ("text/plain", b"\xc3\x28", "document.data"),  # not UTF-8
    ("application/x-msdownload", b"MZ", "document.content_type"),
    ("", PDF, "document.content_type"),
    ("application/pdf", b"", "document.data"),
    ("application/pdf", PDF + b"x" * (2 * 1024 * 1024), "document.data"),
])
def test_document_invalid(stack, pb, ctype, data, field):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _create, stack, pb,
                  kind=pb.ENTRY_KIND_DOCUMENT,
                  document=pb.Document(content_type=ctype, data=data),
                  details_prefix=field)


def test_get_attachment_of_note_invalid(stack, pb):
    e = _create(stack, pb, kind=pb.ENTRY_KIND_NOTE, body="x")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "GetAttachment", pb.GetAttachmentRequest(
                      entry_id=e.entry_id), role="clinician",
                  details_prefix="entry_id")


def test_list_filters(stack, pb):
    pid = str(uuid.uuid4())
    n1 = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_NOTE,
                 body="a", role="clinician")
    time.sleep(0.01)
    o1 = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_OBSERVATION,
                 observation=_obs(pb), role="nurse")
    time.sleep(0.01)
    n2 = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_NOTE,
                 body="b", role="nurse")

    def ids(**kw):
        r = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
            patient_id=pid, **kw), role="clinician")
        return [e.entry_id for e in r.entries]

    assert ids() == [n2.entry_id, o1.entry_id, n1.entry_id]
    assert ids(kind=pb.ENTRY_KIND_NOTE) == [n2.entry_id, n1.entry_id]
    assert ids(author=stack.user("nurse")) == [n2.entry_id, o1.entry_id]
    assert ids(since_ms=o1.created_ms) == [n2.entry_id, o1.entry_id]
    assert ids(until_ms=o1.created_ms) == [n1.entry_id]
    assert ids(since_ms=o1.created_ms, until_ms=n2.created_ms) == [
        o1.entry_id]
    # The latest version is listed, still ordered by creation.
    a = stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
        entry_id=n1.entry_id, expected_version=1, title="t", body="a2",
        reason="r"), role="clinician")
    r = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=pid), role="clinician")
    assert r.entries[2] == a


@pytest.mark.parametrize("field,kw", [
    ("since_ms", dict(since_ms=-1)),
    ("until_ms", dict(since_ms=10, until_ms=5)),
    ("author", dict(author="a" * 129)),
])
def test_list_filters_invalid(stack, pb, field, kw):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ListEntries", pb.ListEntriesRequest(
                      patient_id=str(uuid.uuid4()), **kw),
                  role="clinician", details_prefix=field)


# --- FHIR R4 export -------------------------------------------------------

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"


def _no_empty(node):
    """FHIR JSON: no empty arrays, objects or strings, no nulls."""
    assert node not in ([], {}, "", None), "empty value in FHIR JSON"
    if isinstance(node, dict):
        for v in node.values():
            _no_empty(v)
    elif isinstance(node, list):
        for v in node:
            _no_empty(v)


def test_export_fhir_bundle(stack, pb):
    pid = str(uuid.uuid4())
    ref = "Patient/" + pid
    note = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_NOTE,
                   title="Admission", body="Admitted, \"quoted\" text.")
    obs = _create(stack, pb, patient_id=pid,
                  kind=pb.ENTRY_KIND_OBSERVATION, title="Creatinine",
                  observation=pb.Observation(loinc_code="2160-0",
                                             display="Creatinine",
                                             numeric=1.1, ucum_unit="mg/dL",
                                             effective_ms=1700000000123))
    vit = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_VITAL_SIGNS,
                  vital_signs=_vitals(pb))
    doc = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_DOCUMENT,
                  title="Referral", document=pb.Document(
                      content_type="application/pdf", data=PDF))
    alg = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_ALLERGY,
                  title="Penicillin allergy", allergy=_allergy(pb))
    gone = _create(stack, pb, patient_id=pid, kind=pb.ENTRY_KIND_ALLERGY,
                   title="Latex", allergy=pb.Allergy(
                       substance_display="Latex"))
    stack.call(SVC, "MarkEnteredInError", pb.MarkEnteredInErrorRequest(
        entry_id=gone.entry_id, expected_version=1, reason="wrong patient"),
        role="clinician")

    r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(patient_id=pid),
                   role="clinician")
    b = json.loads(r.bundle_json)
    _no_empty(b)
    assert b["resourceType"] == "Bundle" and b["type"] == "collection"
    assert "total" not in b  # only searchset/history bundles have total
    res = [e["resource"] for e in b["entry"]]
    # The Patient every page starts with, then the entries' resources.
    assert res[0] == {"resourceType": "Patient", "id": pid}
    assert r.n_resources == len(res) == 1 + 1 + 1 + 7 + 1 + 2
    by_id = {x["id"]: x for x in res}

    o = by_id[obs.entry_id]
    assert o["resourceType"] == "Observation" and o["status"] == "final"
    assert o["code"]["coding"] == [{"system": LOINC, "code": "2160-0",
                                    "display": "Creatinine"}]
    assert o["subject"] == {"reference": ref}
    assert o["effectiveDateTime"] == "2023-11-14T22:13:20.123Z"
    assert o["valueQuantity"] == {"value": 1.1, "unit": "mg/dL",
                                  "system": UCUM, "code": "mg/dL"}
    assert o["meta"]["versionId"] == "1"

    hr = by_id[vit.entry_id + "-hr"]
    assert hr["category"][0]["coding"][0] == {
        "system": OBS_CAT, "code": "vital-signs", "display": "Vital Signs"}
    assert hr["code"]["coding"][0]["code"] == "8867-4"
    assert hr["valueQuantity"]["code"] == "/min"
    bp = by_id[vit.entry_id + "-bp"]
    assert bp["code"]["coding"][0]["code"] == "85354-9"
    assert "valueQuantity" not in bp
    comp = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"]
            for c in bp["component"]}
    assert comp == {"8480-6": 120, "8462-4": 80}
    for suffix in ("-temp", "-rr", "-spo2", "-wt", "-ht"):
        assert by_id[vit.entry_id + suffix]["resourceType"] == "Observation"

    d = by_id[doc.entry_id]
    assert d["resourceType"] == "DocumentReference"
    assert d["status"] == "current" and d["docStatus"] == "final"
    assert d["subject"] == {"reference": ref}
    att = d["content"][0]["attachment"]
    assert att["contentType"] == "application/pdf" and att["size"] == len(PDF)
    assert "hash" not in att  # R4 hash is SHA-1; we keep SHA-256 only
    assert d["identifier"][0]["value"] == hashlib.sha256(PDF).hexdigest()

    n = by_id[note.entry_id]
    assert n["resourceType"] == "DocumentReference"
    assert n["type"]["coding"][0] == {"system": LOINC, "code": "11506-3",
                                      "display": "Progress note"}
    natt = n["content"][0]["attachment"]
    assert base64.b64decode(natt["data"]).decode() == note.body
    assert natt["contentType"].startswith("text/plain")

    a = by_id[alg.entry_id]
    assert a["resourceType"] == "AllergyIntolerance"
    assert a["patient"] == {"reference": ref}
    assert a["clinicalStatus"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/"
                  "allergyintolerance-clinical", "code": "active"}
    assert a["verificationStatus"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/"
                  "allergyintolerance-verification", "code": "confirmed"}
    assert a["code"]["coding"][0]["system"] == "http://snomed.info/sct"
    assert a["criticality"] == "high" and a["category"] == ["medication"]
    assert a["type"] == "allergy"
    assert a["reaction"][0]["manifestation"][0]["text"] == "Hives"
    assert a["reaction"][0]["severity"] == "moderate"

    g = by_id[gone.entry_id]
    assert g["verificationStatus"]["coding"][0]["code"] == "entered-in-error"
    assert "clinicalStatus" not in g  # R4 invariant ait-2


def test_export_fhir_unknown_patient_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "ExportFhir",
                  pb.ExportFhirRequest(patient_id=str(uuid.uuid4())),
                  role="clinician", details_prefix="patient_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ExportFhir", pb.ExportFhirRequest(patient_id=""),
                  role="service", details_prefix="patient_id")
