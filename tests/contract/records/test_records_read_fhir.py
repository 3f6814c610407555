"""Contract of records' ReadFhir (issue 35): one resource of the export by
type and id, any version of its entry (vread), as ExportFhir writes it;
vital signs' and addenda's own ids; NOT_FOUND for an unknown id or
version; INVALID_ARGUMENT naming the field; the export's roles."""

import json
import uuid

import grpc

from harness import protos
from harness.checks import expect_status

SVC = "records"


def _read(stack, pb, type_, id_, version=0, role="clinician"):
    return stack.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type=type_, id=id_, version=version), role=role)


def _export(stack, pb, pid):
    common = protos.module("common")
    r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid, page=common.PageRequest(page_size=100)),
        role="clinician", timeout=30)
    return {"%s/%s" % (e["resource"]["resourceType"], e["resource"]["id"]):
            e["resource"] for e in json.loads(r.bundle_json)["entry"]}


def test_every_exported_resource_reads_as_exported(stack, pb):
    pid = str(uuid.uuid4())
    obs = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=pb.Observation(loinc_code="8867-4", numeric=72,
                                   ucum_unit="/min")), role="clinician")
    stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_VITAL_SIGNS, title="Obs",
        vital_signs=pb.VitalSigns(
            heart_rate=pb.Quantity(value=80, unit="/min"),
            body_temperature=pb.Quantity(value=36.6, decimal="36.60",
                                         unit="Cel"))), role="nurse")
    note = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_NOTE, title="Progress",
        body="Stable."), role="clinician")
    note = stack.call(SVC, "SignEntry", pb.SignEntryRequest(
        entry_id=note.entry_id, version=note.version),
        role="clinician")
    stack.call(SVC, "AddAddendum", pb.AddAddendumRequest(
        entry_id=note.entry_id, text="Seen again."), role="clinician")
    exported = _export(stack, pb, pid)
    assert any(k.endswith("-temp") for k in exported), exported
    assert any("-add" in k for k in exported), exported
    for key, res in exported.items():
        type_, id_ = key.split("/")
        if type_ == "Patient":
            continue
        r = _read(stack, pb, type_, id_, role="nurse")
        assert json.loads(r.resource_json) == res, key
        assert r.patient_id == pid and r.versions_kept
        assert str(r.version) == res["meta"]["versionId"]
        assert r.last_updated_ms > 0
    # Decimals keep their digits: the text is the export's.
    temp = [k for k in exported if k.endswith("-temp")][0]
    r = _read(stack, pb, "Observation", temp.split("/")[1])
    assert '"value":36.60' in r.resource_json
    assert "Observation/" + obs.entry_id in exported


def test_vread_reads_every_version(stack, pb):
    pid = str(uuid.uuid4())
    e1 = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_OBSERVATION, title="HR",
        observation=pb.Observation(loinc_code="8867-4", numeric=60,
                                   ucum_unit="/min")), role="clinician")
    stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(
        entry_id=e1.entry_id, expected_version=1, reason="misread",
        title="HR", observation=pb.Observation(
            loinc_code="8867-4", numeric=66, ucum_unit="/min")),
        role="clinician")
    cur = _read(stack, pb, "Observation", e1.entry_id)
    v1 = _read(stack, pb, "Observation", e1.entry_id, version=1)
    v2 = _read(stack, pb, "Observation", e1.entry_id, version=2)
    assert (cur.version, v1.version, v2.version) == (2, 1, 2)
    assert cur.resource_json == v2.resource_json
    assert json.loads(v1.resource_json)["valueQuantity"]["value"] == 60
    assert json.loads(v2.resource_json)["valueQuantity"]["value"] == 66
    assert v1.last_updated_ms <= v2.last_updated_ms
    expect_status(grpc.StatusCode.NOT_FOUND, _read, stack, pb,
                  "Observation", e1.entry_id, 3)


def test_not_found_and_invalid(stack, pb):
    pid = str(uuid.uuid4())
    e = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_ALLERGY, title="Penicillin",
        allergy=pb.Allergy(substance_display="Penicillin")),
        role="clinician")
    for type_, id_ in (("Observation", str(uuid.uuid4())),
                       ("Observation", "not-an-entry"),
                       # The type is part of the id's meaning.
                       ("Observation", e.entry_id),
                       ("AllergyIntolerance", e.entry_id + "-hr")):
        err = expect_status(grpc.StatusCode.NOT_FOUND, _read, stack, pb,
                            type_, id_)
        assert "id: no " in err.details()
    err = expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                        "Condition", e.entry_id)
    assert err.details().startswith("type:")
    err = expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                        "AllergyIntolerance", "a_b")
    assert err.details().startswith("id:")


def test_roles_as_the_export(stack, pb):
    pid = str(uuid.uuid4())
    e = stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(
        patient_id=pid, kind=pb.ENTRY_KIND_ALLERGY, title="Latex",
        allergy=pb.Allergy(substance_display="Latex")), role="clinician")
    for role in ("pharmacist", "registrar", "auditor"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, _read, stack, pb,
                      "AllergyIntolerance", e.entry_id, role=role)
