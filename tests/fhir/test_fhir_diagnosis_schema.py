"""Diagnosis' ExportFhir against HL7's FHIR R4 JSON schema (issue 19):
Condition, CarePlan with its Goals, and per AI finding a DiagnosticReport,
the Observation with the model's result and a Provenance naming model,
version and device; the clinician's review shows in the report's status.
Also what the schema cannot see (fullUrls, references resolving in every
page), paging, roles and a bad patient_id."""

import os
import sys
import uuid

import grpc

from fhir_checks import (assert_valid, check_invariants, export_page,
                         export_pages, resources)
from harness.checks import expect_status

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "contract", "diagnosis"))
import dximages  # noqa: E402  (the diagnosis contract tests' images)

SVC = "diagnosis"


def _condition(stack, pb, pid, code="J18.9", **kw):
    args = dict(patient_id=pid, code_system="ICD-10", code=code,
                display="Pneumonia, unspecified",
                clinical_status=pb.CLINICAL_STATUS_ACTIVE,
                verification_status=pb.VERIFICATION_STATUS_PROVISIONAL,
                onset_date="2024-01-02", note="from the ward round")
    args.update(kw)
    return stack.call(SVC, "AddCondition", pb.AddConditionRequest(**args),
                      role="clinician")


def _finding(stack, pb, pid, i):
    """A finding from PneumoniaMNIST's test image i (the guard refuses
    synthetic images)."""
    img = dximages.chest_png(i)
    return stack.call(SVC, "AnalyzeImage", pb.AnalyzeImageRequest(
        patient_id=pid, image=img), role="clinician", timeout=10)


def _chart(stack, pb):
    """A patient with conditions, a care plan and four findings: one left
    preliminary, one confirmed (opening a condition), one rejected, one
    entered in error."""
    pid = str(uuid.uuid4())
    c1 = _condition(stack, pb, pid)
    c2 = _condition(stack, pb, pid, code="I10", display="Hypertension",
                    verification_status=pb.VERIFICATION_STATUS_CONFIRMED)
    stack.call(SVC, "SetCarePlan", pb.SetCarePlanRequest(
        patient_id=pid, title="Pneumonia care",
        status=pb.CARE_PLAN_STATUS_ACTIVE,
        condition_ids=[c1.condition_id, c2.condition_id],
        goals=[pb.Goal(description="SpO2 above 94%",
                       status=pb.GOAL_STATUS_ACTIVE,
                       target_date="2099-01-31")],
        activities=[pb.Activity(description="Chest X-ray",
                                status=pb.ACTIVITY_STATUS_SCHEDULED,
                                scheduled_date="2099-02-14")]),
        role="clinician")
    f = [_finding(stack, pb, pid, i) for i in range(4)]
    stack.call(SVC, "ConfirmFinding", pb.ConfirmFindingRequest(
        finding_id=f[1].finding_id, note="agree", open_condition=True,
        code="J18.9", display="Pneumonia, unspecified"), role="clinician")
    stack.call(SVC, "RejectFinding", pb.RejectFindingRequest(
        finding_id=f[2].finding_id, reason="artefact"), role="clinician")
    stack.call(SVC, "RejectFinding", pb.RejectFindingRequest(
        finding_id=f[3].finding_id, reason="wrong patient",
        entered_in_error=True), role="clinician")
    return pid, f


def _export(stack, pb, common, pid, page_size=0, token="", role="clinician"):
    return export_page(stack, SVC, pid, page_size, token, role)


def _pages(stack, pb, common, pid, page_size=0):
    return export_pages(stack, SVC, pid, page_size)


def test_export_is_valid_r4(stack, pb, common, validator):
    pid, _ = _chart(stack, pb)
    verdict = {}
    for bundle in _pages(stack, pb, common, pid):
        assert_valid(validator, bundle)
        check_invariants(bundle)
        for r in resources(bundle):
            assert_valid(validator, r)
            verdict[r["resourceType"]] = "valid"
    assert set(verdict) == {"Patient", "Condition", "CarePlan", "Goal",
                            "DiagnosticReport", "Observation",
                            "Provenance"}, verdict


def test_review_shows_in_report_status(stack, pb, common):
    pid, f = _chart(stack, pb)
    res = [r for b in _pages(stack, pb, common, pid) for r in resources(b)]
    by_id = {(r["resourceType"], r["id"]): r for r in res}
    assert res[0] == {"resourceType": "Patient", "id": pid}
    want = ["preliminary", "final", "cancelled", "entered-in-error"]
    for finding, status in zip(f, want):
        report = by_id[("DiagnosticReport", finding.finding_id)]
        assert report["status"] == status
        obs_ref = report["result"][0]["reference"]
        obs = by_id[tuple(obs_ref.split("/"))]
        assert obs["status"] == status
        assert obs["valueCodeableConcept"]["text"] == finding.top_label
        labels = [c["code"]["text"] for c in obs["component"]]
        assert labels == [p.label for p in finding.probabilities]
    prov = by_id[("Provenance", f[1].finding_id + "-provenance")]
    assert {"reference": "DiagnosticReport/" + f[1].finding_id} in \
        prov["target"]
    model = prov["agent"][0]["who"]
    assert model["identifier"]["value"] == f[1].model_id
    assert f[1].model_version in model["display"]
    assert f[1].device in model["display"]
    roles = [a["type"]["coding"][0]["code"] for a in prov["agent"]]
    assert roles == ["performer", "enterer", "verifier"]
    opened = [r for r in res if r["resourceType"] == "Condition"
              and "evidence" in r]
    assert opened[0]["evidence"][0]["detail"][0]["reference"] == \
        "DiagnosticReport/" + f[1].finding_id


def test_condition_and_plan_content(stack, pb, common):
    pid, _ = _chart(stack, pb)
    res = [r for b in _pages(stack, pb, common, pid) for r in resources(b)]
    # The ward's J18.9 (not the one the finding opened): conditions
    # recorded in the same millisecond come in condition_id order.
    cond = [r for r in res if r["resourceType"] == "Condition"
            and r["code"]["coding"][0]["code"] == "J18.9"
            and "evidence" not in r][0]
    assert cond["clinicalStatus"]["coding"][0]["code"] == "active"
    assert cond["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert cond["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10", "code": "J18.9",
        "display": "Pneumonia, unspecified"}
    assert cond["onsetDateTime"] == "2024-01-02"
    assert cond["recorder"]["display"] == stack.user("clinician")
    plan = [r for r in res if r["resourceType"] == "CarePlan"][0]
    assert (plan["status"], plan["intent"]) == ("active", "plan")
    assert len(plan["addresses"]) == 2
    assert plan["activity"][0]["detail"]["status"] == "scheduled"
    goal = [r for r in res if r["resourceType"] == "Goal"][0]
    assert plan["goal"] == [{"reference": "Goal/" + goal["id"]}]
    assert goal["target"][0]["dueDate"] == "2099-01-31"


def test_pages_are_whole_bundles(stack, pb, common, validator):
    pid, f = _chart(stack, pb)
    bundles = _pages(stack, pb, common, pid, page_size=1)
    # 3 conditions (one opened by ConfirmFinding), 1 plan, 4 findings
    assert len(bundles) == 8
    reports = set()
    for b in bundles:
        assert_valid(validator, b)
        check_invariants(b)
        reports |= {r["id"] for r in resources(b)
                    if r["resourceType"] == "DiagnosticReport"}
    assert reports == {x.finding_id for x in f}
    # the plan's conditions lie on other pages: logical references
    plan = [r for b in bundles for r in resources(b)
            if r["resourceType"] == "CarePlan"][0]
    assert all("identifier" in a for a in plan["addresses"])


def test_nurse_may_export_pharmacist_may_not(stack, pb, common):
    pid = str(uuid.uuid4())
    _condition(stack, pb, pid)
    r = _export(stack, pb, common, pid, role="nurse")
    assert r.n_resources == 2
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _export, stack, pb,
                  common, pid, role="pharmacist")


def test_bad_and_unknown_patient(stack, pb, common):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _export, stack, pb,
                  common, "not a uuid", details_prefix="patient_id")
    expect_status(grpc.StatusCode.NOT_FOUND, _export, stack, pb, common,
                  str(uuid.uuid4()), details_prefix="patient_id")
