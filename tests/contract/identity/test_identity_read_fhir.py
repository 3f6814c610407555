"""Contract of identity's ReadFhir (issue 35): one Encounter of the export
by id, as ExportFhir writes it, its version the encounter's counter (only
the current one readable), last updated when its latest version was
recorded; NOT_FOUND for an unknown id or an old version; INVALID_ARGUMENT
naming the field; the export's roles."""

import json
import uuid

import grpc

from harness import protos
from harness.checks import expect_status

SVC = "identity"


def _read(stack, pb, id_, version=0, role="clinician", type_="Encounter"):
    return stack.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type=type_, id=id_, version=version), role=role)


def _bed():
    """A bed of its own: identity keeps one patient per bed, and the
    contract suites share one stack."""
    return "R-" + uuid.uuid4().hex[:6]


def _admitted(stack, pb):
    p = stack.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="RF-" + uuid.uuid4().hex[:12].upper(), family_name="Read",
        given_name="Fhir", birth_date="1970-01-02",
        sex=pb.ADMINISTRATIVE_SEX_MALE), role="registrar")
    enc = stack.call(SVC, "Admit", pb.AdmitRequest(
        patient_id=p.patient_id, encounter_class=pb.ENCOUNTER_CLASS_INPATIENT,
        ward="ward-2", bed=_bed(), attending=stack.user("clinician"),
        reason="chest pain"), role="registrar")
    return p.patient_id, enc


def _exported(stack, pb, pid):
    common = protos.module("common")
    r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid, page=common.PageRequest(page_size=50)),
        role="clinician")
    return {e["resource"]["id"]: e["resource"]
            for e in json.loads(r.bundle_json)["entry"]
            if e["resource"]["resourceType"] == "Encounter"}


def test_reads_as_exported_with_its_version(stack, pb):
    pid, enc = _admitted(stack, pb)
    r = _read(stack, pb, enc.encounter_id, role="nurse")
    assert json.loads(r.resource_json) == _exported(stack, pb, pid)[
        enc.encounter_id]
    assert (r.version, r.patient_id, r.versions_kept) == (1, pid, False)
    stack.call(SVC, "Transfer", pb.TransferRequest(
        encounter_id=enc.encounter_id, ward="ward-4", bed=_bed()),
        role="registrar")
    r2 = _read(stack, pb, enc.encounter_id, role="registrar")
    assert r2.version == 2 and r2.last_updated_ms >= r.last_updated_ms
    body = json.loads(r2.resource_json)
    assert body == _exported(stack, pb, pid)[enc.encounter_id]
    assert body["meta"]["versionId"] == "2"
    assert _read(stack, pb, enc.encounter_id, version=2).version == 2
    expect_status(grpc.StatusCode.NOT_FOUND, _read, stack, pb,
                  enc.encounter_id, 1, details_prefix="id: no Encounter")


def test_not_found_invalid_and_roles(stack, pb):
    pid, enc = _admitted(stack, pb)
    for id_ in (str(uuid.uuid4()), "enc-1", pid):
        expect_status(grpc.StatusCode.NOT_FOUND, _read, stack, pb, id_,
                      details_prefix="id: no Encounter")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                  pid, type_="Patient", details_prefix="type:")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                  "", details_prefix="id:")
    for role in ("pharmacist", "auditor"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, _read, stack, pb,
                      enc.encounter_id, role=role)


def test_export_pages_by_key(stack, pb):
    """ExportFhir's page token is the last encounter's (start, id), read on
    by a seek (issue 49): paged one at a time, every encounter once, newest
    first; a made-up or old offset token is INVALID_ARGUMENT naming it."""
    common = protos.module("common")
    pid, enc = _admitted(stack, pb)
    for _ in range(2):
        stack.call(SVC, "Discharge", pb.DischargeRequest(
            encounter_id=enc.encounter_id), role="registrar")
        enc = stack.call(SVC, "Admit", pb.AdmitRequest(
            patient_id=pid, encounter_class=pb.ENCOUNTER_CLASS_INPATIENT,
            ward="ward-2", bed=_bed(), attending=stack.user("clinician"),
            reason="again"), role="registrar")
    whole = _exported(stack, pb, pid)
    assert len(whole) == 3
    seen, token = [], ""
    for _ in range(5):
        r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
            patient_id=pid, page=common.PageRequest(
                page_size=1, page_token=token)), role="clinician")
        seen += [e["resource"]["id"] for e in json.loads(r.bundle_json)[
            "entry"] if e["resource"]["resourceType"] == "Encounter"]
        token = r.page.next_page_token
        if not token:
            break
        assert token.startswith("eE."), token
    assert seen == list(whole), (seen, list(whole))
    for bad in ("o1.1", "eE.1", "eX.1." + pid, "eE.1.x"):
        expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                      "ExportFhir", pb.ExportFhirRequest(
                          patient_id=pid,
                          page=common.PageRequest(page_token=bad)),
                      role="clinician", details_prefix="page.page_token")
