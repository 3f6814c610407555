"""Records' ExportFhir against HL7's FHIR R4 JSON schema (issue 19), plus
what the schema cannot see: references resolve inside the bundle, fullUrls
are present and unique, vital signs carry their profile codings and UCUM
units.  The issue's failing inputs are reproduced: effective_ms -1 and year
11990, U+0001 in a string, HR 900, 95 Cel, a height in m, and a chart of
45 notes of 50 KB that must export page by page.

The schema comes from the npm package pinned in tools/fhirschema (make deps
installs it); without it the schema checks skip with the reason."""

import base64
import json
import uuid

import grpc
import pytest

from fhir_checks import (assert_valid, check_invariants, r4_validator,
                         resources)
from harness.checks import expect_status

SVC = "records"
INVALID = grpc.StatusCode.INVALID_ARGUMENT
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
VITAL_UNITS = {"8867-4": {"/min"}, "9279-1": {"/min"}, "8310-5": {"Cel",
               "[degF]"}, "2708-6": {"%"}, "29463-7": {"kg", "g",
               "[lb_av]"}, "8302-2": {"cm", "[in_i]"}, "85354-9": set()}


def _create(stack, pb, pid, kind, **kw):
    return stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=kind, **kw), role="clinician", timeout=30)


def _export_pages(stack, pb, common, pid, page_size=0):
    bundles, token = [], ""
    for _ in range(100):
        r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
            patient_id=pid, page=common.PageRequest(
                page_size=page_size, page_token=token)), role="clinician",
            timeout=60)
        bundles.append(json.loads(r.bundle_json))
        token = r.page.next_page_token
        if not token:
            return bundles
    raise AssertionError("more than 100 pages")


def _chart(stack, pb):
    """A patient with every kind of resource records exports."""
    pid = str(uuid.uuid4())
    q = pb.Quantity
    _create(stack, pb, pid, pb.ENTRY_KIND_VITAL_SIGNS, title="vitals",
            vital_signs=pb.VitalSigns(
                heart_rate=q(value=70, unit="/min"),
                body_temperature=q(value=36.6, unit="Cel"),
                oxygen_saturation=q(value=97, unit="%"),
                systolic_bp=q(value=120, unit="mm[Hg]"),
                diastolic_bp=q(value=80, unit="mm[Hg]"),
                body_height=q(value=1.72, unit="m"),
                body_weight=q(value=70.5, unit="kg")))
    _create(stack, pb, pid, pb.ENTRY_KIND_OBSERVATION, title="SpO2",
            observation=pb.Observation(loinc_code="59408-5", numeric=95,
                                       ucum_unit="%"))
    note = _create(stack, pb, pid, pb.ENTRY_KIND_NOTE, title="Progress",
                   body="Stable.\nWalks.")
    stack.call(SVC, "SignEntry", pb.SignEntryRequest(
        entry_id=note.entry_id, version=note.version),
        role="clinician", timeout=30)
    stack.call(SVC, "AddAddendum", pb.AddAddendumRequest(
        entry_id=note.entry_id, text="Late entry: BP rechecked."),
        role="clinician", timeout=30)
    _create(stack, pb, pid, pb.ENTRY_KIND_DOCUMENT, title="Scan",
            document=pb.Document(content_type="text/plain",
                                 data=b"scan report"))
    _create(stack, pb, pid, pb.ENTRY_KIND_ALLERGY, title="Penicillin",
            allergy=pb.Allergy(substance_display="Penicillin"))
    return pid, note.entry_id


_resources = resources


def _check_invariants(bundle):
    check_invariants(bundle)
    for r in _resources(bundle):
        if r["resourceType"] == "Observation":
            _check_vital(r)


def _check_vital(obs):
    codes = {c["code"] for c in obs["code"].get("coding", [])
             if c["system"] == LOINC}
    vital = codes & set(VITAL_UNITS) or codes & {"59408-5"}
    if not vital:
        return
    cats = [c["code"] for cat in obs.get("category", [])
            for c in cat["coding"]]
    assert "vital-signs" in cats
    if "59408-5" in codes:
        assert "2708-6" in codes, "SpO2 needs 2708-6 (R4 oxygen-saturation)"
    for code in codes & set(VITAL_UNITS):
        for q in _quantities(obs):
            assert q["system"] == UCUM and q["code"] == q["unit"]
            if VITAL_UNITS[code]:
                assert q["code"] in VITAL_UNITS[code], (code, q["code"])


def _quantities(obs):
    if "valueQuantity" in obs:
        yield obs["valueQuantity"]
    for c in obs.get("component", []):
        yield c["valueQuantity"]


def test_export_is_valid_r4(stack, pb, common, validator):
    pid, _ = _chart(stack, pb)
    verdict = {}
    for bundle in _export_pages(stack, pb, common, pid):
        errors = sorted(validator.iter_errors(bundle), key=str)
        assert not errors, [e.message for e in errors[:5]]
        _check_invariants(bundle)
        for r in _resources(bundle):
            verdict[r["resourceType"]] = "valid"
    assert set(verdict) == {"Patient", "Observation", "DocumentReference",
                            "AllergyIntolerance"}, verdict


def test_export_content(stack, pb, common):
    pid, note_id = _chart(stack, pb)
    res = [r for b in _export_pages(stack, pb, common, pid)
           for r in _resources(b)]
    by_id = {r["id"]: r for r in res}
    assert by_id[pid]["resourceType"] == "Patient"
    hr = [r for r in res if r["id"].endswith("-hr")][0]
    assert hr["valueQuantity"]["value"] == 70
    ht = [r for r in res if r["id"].endswith("-ht")][0]["valueQuantity"]
    assert (ht["value"], ht["code"]) == (172, "cm")
    note = by_id[note_id]
    assert note["authenticator"]["display"]
    data = note["content"][0]["attachment"]["data"]
    assert base64.b64decode(data).decode() == "Stable.\nWalks."
    docs = [r for r in res if r["resourceType"] == "DocumentReference"
            and "identifier" in r]
    att = docs[0]["content"][0]["attachment"]
    assert "url" in att or "data" in att


def test_exact_decimal_text(stack, pb, common):
    pid = str(uuid.uuid4())
    _create(stack, pb, pid, pb.ENTRY_KIND_VITAL_SIGNS, title="v",
            vital_signs=pb.VitalSigns(heart_rate=pb.Quantity(
                value=70, unit="/min")))
    r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(patient_id=pid),
                   role="clinician", timeout=30)
    assert '"value":70,' in r.bundle_json
    assert "e+" not in r.bundle_json


def test_decimal_text_kept_as_measured(stack, pb, common):
    """37.0 degrees stays 37.0 (the thermometer reads tenths), 1.70 m
    becomes 170 cm, an observation keeps "7.40"."""
    pid = str(uuid.uuid4())
    _create(stack, pb, pid, pb.ENTRY_KIND_VITAL_SIGNS, title="v",
            vital_signs=pb.VitalSigns(
                body_temperature=pb.Quantity(value=37, unit="Cel",
                                             decimal="37.0"),
                body_height=pb.Quantity(value=1.7, unit="m",
                                        decimal="1.70")))
    _create(stack, pb, pid, pb.ENTRY_KIND_OBSERVATION, title="pH",
            observation=pb.Observation(
                loinc_code="2744-1", numeric=7.4, numeric_decimal="7.40",
                ucum_unit="[pH]"))
    r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(patient_id=pid),
                   role="clinician", timeout=30)
    assert '"value":37.0,' in r.bundle_json
    assert '"value":170,' in r.bundle_json
    assert '"value":7.40,' in r.bundle_json
    assert_valid(r4_validator(), json.loads(r.bundle_json))


@pytest.mark.parametrize("decimal", ["38.0", "3.7e1", "037", "37.",
                                     "37,0", "1" * 33])
def test_decimal_text_must_spell_the_value(stack, pb, decimal):
    pid = str(uuid.uuid4())
    expect_status(INVALID, _create, stack, pb, pid,
                  pb.ENTRY_KIND_VITAL_SIGNS, title="v",
                  vital_signs=pb.VitalSigns(body_temperature=pb.Quantity(
                      value=37, unit="Cel", decimal=decimal)),
                  details_prefix="vital_signs.body_temperature.decimal")


def test_decimal_text_refused_on_a_text_result(stack, pb):
    expect_status(INVALID, _create, stack, pb, str(uuid.uuid4()),
                  pb.ENTRY_KIND_OBSERVATION, title="t",
                  observation=pb.Observation(
                      loinc_code="2744-1", text="acid",
                      numeric_decimal="7.40"),
                  details_prefix="observation.numeric_decimal")


def test_addenda_exported(stack, pb, common):
    pid, note_id = _chart(stack, pb)
    res = [r for b in _export_pages(stack, pb, common, pid)
           for r in _resources(b)]
    adds = [r for r in res if r.get("relatesTo")]
    assert len(adds) == 1
    assert adds[0]["relatesTo"][0] == {
        "code": "appends",
        "target": {"reference": "DocumentReference/" + note_id}}


# -1 ms is 1969-12-31T23:59:59.999Z, inside the sane range (and exported
# so, test_fhir.c); the range's edges and the year 11990 are refused.
@pytest.mark.parametrize("effective_ms,what", [
    (-2208988800001, "between 1900"), (315292320000000, "between 1900"),
    (4102444800000, "future")])
def test_bad_times_refused(stack, pb, effective_ms, what):
    pid = str(uuid.uuid4())
    e = expect_status(INVALID, _create, stack, pb, pid,
                      pb.ENTRY_KIND_OBSERVATION, title="t",
                      observation=pb.Observation(
                          loinc_code="8867-4", numeric=70, ucum_unit="/min",
                          effective_ms=effective_ms),
                      details_prefix="observation.effective_ms")
    assert what in e.details()


@pytest.mark.parametrize("field", ["title", "body"])
def test_control_characters_refused(stack, pb, field):
    kw = {"title": "t", "body": "b"}
    kw[field] = "a\u0001b"
    expect_status(INVALID, _create, stack, pb, str(uuid.uuid4()),
                  pb.ENTRY_KIND_NOTE, **kw,
                  details_prefix=field + ": control characters")


def test_free_text_keeps_line_breaks(stack, pb):
    _create(stack, pb, str(uuid.uuid4()), pb.ENTRY_KIND_NOTE, title="t",
            body="line\n\tindented\r\n")


@pytest.mark.parametrize("member,value,unit", [
    ("heart_rate", 900, "/min"), ("body_temperature", 95, "Cel")])
def test_implausible_vitals_need_confirmation(stack, pb, member, value,
                                              unit):
    pid = str(uuid.uuid4())
    signs = {member: pb.Quantity(value=value, unit=unit)}
    expect_status(INVALID, _create, stack, pb, pid,
                  pb.ENTRY_KIND_VITAL_SIGNS, title="v",
                  vital_signs=pb.VitalSigns(**signs),
                  details_prefix="vital_signs.%s.value: outside" % member)
    e = _create(stack, pb, pid, pb.ENTRY_KIND_VITAL_SIGNS, title="v",
                vital_signs=pb.VitalSigns(**signs), confirm_implausible=True)
    assert e.version == 1


def test_large_chart_exports_in_pages(stack, pb, common, validator):
    pid = str(uuid.uuid4())
    body = "x" * (50 * 1024)
    for i in range(45):
        _create(stack, pb, pid, pb.ENTRY_KIND_NOTE, title="n%d" % i,
                body=body)
    bundles = _export_pages(stack, pb, common, pid)
    notes = [r for b in bundles for r in _resources(b)
             if r["resourceType"] == "DocumentReference"]
    assert len(notes) == 45
    for b in bundles:
        assert not list(validator.iter_errors(b))
        _check_invariants(b)
