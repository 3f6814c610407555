"""Contract of diagnosis' ReadFhir (issue 35): one Condition, CarePlan,
Goal, DiagnosticReport, Observation or Provenance of the export by id, as
ExportFhir writes it, with its version (a condition's and a plan's
counter; a finding 1, 2 once decided); every version of a condition by
vread; NOT_FOUND for an unknown id or a version not kept; INVALID_ARGUMENT naming the field; the export's
roles."""

import json
import uuid

import grpc

import dximages
from harness import protos
from harness.checks import expect_status

SVC = "diagnosis"


def _read(stack, pb, type_, id_, version=0, role="clinician"):
    return stack.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type=type_, id=id_, version=version), role=role)


def _chart(stack, pb):
    pid = str(uuid.uuid4())
    cond = stack.call(SVC, "AddCondition", pb.AddConditionRequest(
        patient_id=pid, code_system="ICD-10", code="I10",
        display="Hypertension", clinical_status=pb.CLINICAL_STATUS_ACTIVE,
        verification_status=pb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician")
    stack.call(SVC, "SetCarePlan", pb.SetCarePlanRequest(
        patient_id=pid, title="BP care", status=pb.CARE_PLAN_STATUS_ACTIVE,
        condition_ids=[cond.condition_id],
        goals=[pb.Goal(description="BP under 140/90",
                       status=pb.GOAL_STATUS_ACTIVE)]), role="clinician")
    f = stack.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=pid, image=dximages.chest_png(0)),
        role="clinician", timeout=30)
    return pid, cond, f


def _export(stack, pb, pid):
    common = protos.module("common")
    r = stack.call(SVC, "ExportFhir", pb.ExportFhirRequest(
        patient_id=pid, page=common.PageRequest(page_size=100)),
        role="clinician", timeout=30)
    return {(e["resource"]["resourceType"], e["resource"]["id"]):
            e["resource"] for e in json.loads(r.bundle_json)["entry"]}


def test_every_exported_resource_reads_as_exported(stack, pb):
    pid, cond, f = _chart(stack, pb)
    exported = _export(stack, pb, pid)
    assert {t for t, _ in exported} >= {
        "Condition", "CarePlan", "Goal", "DiagnosticReport", "Observation",
        "Provenance"}
    for (type_, id_), res in exported.items():
        if type_ == "Patient":
            continue
        r = _read(stack, pb, type_, id_, role="nurse")
        assert json.loads(r.resource_json) == res, (type_, id_)
        assert r.patient_id == pid
        if "meta" in res:
            assert str(r.version) == res["meta"]["versionId"]
        assert r.versions_kept == (type_ == "Condition")
    assert _read(stack, pb, "DiagnosticReport", f.finding_id).version == 1
    stack.call(SVC, "ConfirmFinding", pb.ConfirmFindingRequest(
        finding_id=f.finding_id, note="agree"), role="clinician")
    r = _read(stack, pb, "DiagnosticReport", f.finding_id)
    assert r.version == 2 and json.loads(r.resource_json)["status"] == \
        "final"
    assert _read(stack, pb, "Condition", cond.condition_id,
                 version=1).version == 1


def test_vread_of_a_condition(stack, pb):
    _, cond, _ = _chart(stack, pb)
    stack.call(SVC, "UpdateCondition", pb.UpdateConditionRequest(
        condition_id=cond.condition_id, expected_version=1,
        display="Essential hypertension",
        clinical_status=pb.CLINICAL_STATUS_RESOLVED,
        verification_status=pb.VERIFICATION_STATUS_CONFIRMED,
        abatement_date="2024-06-01", reason="controlled"),
        role="clinician")
    cur = _read(stack, pb, "Condition", cond.condition_id)
    v1 = _read(stack, pb, "Condition", cond.condition_id, version=1)
    v2 = _read(stack, pb, "Condition", cond.condition_id, version=2)
    assert (cur.version, v1.version, v2.version) == (2, 1, 2)
    assert cur.resource_json == v2.resource_json
    old, new = json.loads(v1.resource_json), json.loads(v2.resource_json)
    assert old["meta"]["versionId"] == "1" and new["meta"]["versionId"] == "2"
    assert old["code"]["coding"][0]["display"] == "Hypertension"
    assert new["code"]["coding"][0]["display"] == "Essential hypertension"
    assert not any(k.startswith("abatement") for k in old)
    assert any(k.startswith("abatement") for k in new)
    assert v1.versions_kept
    expect_status(grpc.StatusCode.NOT_FOUND, _read, stack, pb, "Condition",
                  cond.condition_id, 3)


def test_not_found_and_invalid(stack, pb):
    pid, cond, f = _chart(stack, pb)
    for type_, id_, version in (
            ("Condition", str(uuid.uuid4()), 0),
            ("Condition", cond.condition_id, 2),
            ("CarePlan", cond.condition_id, 0),
            ("Condition", f.finding_id, 0),
            ("Observation", f.finding_id, 0),
            ("Goal", cond.condition_id + "-goal9", 0),
            ("Provenance", "short", 0)):
        err = expect_status(grpc.StatusCode.NOT_FOUND, _read, stack, pb,
                            type_, id_, version)
        assert err.details().startswith("id: no ")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                  "MedicationRequest", cond.condition_id,
                  details_prefix="type:")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                  "Condition", "", details_prefix="id:")


def test_roles_as_the_export(stack, pb):
    _, cond, _ = _chart(stack, pb)
    for role in ("registrar", "pharmacist", "auditor"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, _read, stack, pb,
                      "Condition", cond.condition_id, role=role)
