"""Contract of SetCarePlan and GetCarePlan: goals and activities linked to
the patient's conditions, with FHIR statuses, replaced whole by version."""

import uuid

import grpc
import pytest

from harness.checks import expect_status

SVC = "diagnosis"


def _condition(stack, pb, pid, code="J18.9"):
    return stack.call(SVC, "AddCondition", pb.AddConditionRequest(
        patient_id=pid, code_system="ICD-10", code=code, display="x",
        clinical_status=pb.CLINICAL_STATUS_ACTIVE,
        verification_status=pb.VERIFICATION_STATUS_CONFIRMED),
        role="clinician")


def _plan_req(pb, pid, cids, **kw):
    args = dict(
        patient_id=pid, title="Community-acquired pneumonia",
        status=pb.CARE_PLAN_STATUS_ACTIVE, condition_ids=cids,
        goals=[pb.Goal(description="SpO2 >= 94% on room air",
                       status=pb.GOAL_STATUS_ACTIVE,
                       target_date="2099-01-10"),
               pb.Goal(description="Afebrile 48 h",
                       status=pb.GOAL_STATUS_PROPOSED)],
        activities=[pb.Activity(description="Amoxicillin 1 g tds 5 days",
                                status=pb.ACTIVITY_STATUS_IN_PROGRESS,
                                scheduled_date="2024-01-03"),
                    pb.Activity(description="Repeat CXR at 6 weeks",
                                status=pb.ACTIVITY_STATUS_SCHEDULED,
                                scheduled_date="2099-02-14")])
    args.update(kw)
    return pb.SetCarePlanRequest(**args)


def test_create_get_replace(stack, pb):
    pid = str(uuid.uuid4())
    c1, c2 = _condition(stack, pb, pid), _condition(stack, pb, pid, "I10")
    req = _plan_req(pb, pid, [c1.condition_id, c2.condition_id])
    p = stack.call(SVC, "SetCarePlan", req, role="nurse")
    assert p.care_plan_id and p.version == 1 and p.patient_id == pid
    assert list(p.condition_ids) == [c1.condition_id, c2.condition_id]
    assert list(p.goals) == list(req.goals)
    assert list(p.activities) == list(req.activities)
    assert p.updated_by == stack.user("nurse")
    got = stack.call(SVC, "GetCarePlan", pb.GetCarePlanRequest(
        care_plan_id=p.care_plan_id), role="clinician")
    assert got == p
    req2 = _plan_req(pb, pid, [c1.condition_id],
                     care_plan_id=p.care_plan_id, expected_version=1,
                     status=pb.CARE_PLAN_STATUS_COMPLETED,
                     goals=[pb.Goal(description="Afebrile 48 h",
                                    status=pb.GOAL_STATUS_COMPLETED)],
                     activities=[])
    p2 = stack.call(SVC, "SetCarePlan", req2, role="clinician")
    assert p2.version == 2 and p2.care_plan_id == p.care_plan_id
    got = stack.call(SVC, "GetCarePlan", pb.GetCarePlanRequest(
        care_plan_id=p.care_plan_id), role="nurse")
    assert got == p2
    assert list(got.condition_ids) == [c1.condition_id]
    assert len(got.goals) == 1 and len(got.activities) == 0
    # the version read is now stale
    expect_status(grpc.StatusCode.ABORTED, stack.call, SVC, "SetCarePlan",
                  req2, role="clinician", details_prefix="expected_version")


def test_conditions_must_be_the_patients(stack, pb):
    pid, other = str(uuid.uuid4()), str(uuid.uuid4())
    c = _condition(stack, pb, other)
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "SetCarePlan",
                  _plan_req(pb, pid, [c.condition_id]), role="clinician",
                  details_prefix="condition_ids[0]")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "SetCarePlan",
                  _plan_req(pb, pid, [str(uuid.uuid4())]), role="clinician",
                  details_prefix="condition_ids[0]")


def test_plan_of_another_patient_not_found(stack, pb):
    pid, other = str(uuid.uuid4()), str(uuid.uuid4())
    p = stack.call(SVC, "SetCarePlan", _plan_req(
        pb, pid, [_condition(stack, pb, pid).condition_id]),
        role="clinician")
    oc = _condition(stack, pb, other)
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "SetCarePlan",
                  _plan_req(pb, other, [oc.condition_id],
                            care_plan_id=p.care_plan_id, expected_version=1),
                  role="clinician", details_prefix="care_plan_id")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "GetCarePlan",
                  pb.GetCarePlanRequest(care_plan_id=str(uuid.uuid4())),
                  role="nurse", details_prefix="care_plan_id")


@pytest.mark.parametrize("field,kw", [
    ("patient_id", dict(patient_id="")),
    ("title", dict(title="")),
    ("status", dict(status=0)),
    ("condition_ids", dict(condition_ids=[])),
    ("condition_ids[1]", dict(condition_ids=["C", "C"])),
    ("goals[0].description", dict(goals=[{"status": 1}])),
    ("goals[0].status", dict(goals=[{"description": "g"}])),
    ("goals[0].target_date", dict(goals=[{"description": "g", "status": 1,
                                          "target_date": "2024-02-30"}])),
    # unknown enum values are refused by the RPC layer, before the handler
    ("activities.status", dict(activities=[{"description": "a",
                                            "status": 42}])),
    ("activities[0].description", dict(activities=[{"status": 1}])),
    ("expected_version", dict(care_plan_id="00000000-0000-4000-8000-"
                                           "000000000000")),
])
def test_invalid(stack, pb, field, kw):
    pid = str(uuid.uuid4())
    cid = _condition(stack, pb, pid).condition_id
    if "condition_ids" in kw:
        kw["condition_ids"] = [cid if x == "C" else x
                               for x in kw["condition_ids"]]
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "SetCarePlan", _plan_req(pb, pid, [cid], **kw),
                  role="clinician", details_prefix=field)


@pytest.mark.parametrize("role", ["pharmacist", "registrar", "auditor"])
def test_wrong_role_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "SetCarePlan", _plan_req(pb, str(uuid.uuid4()),
                                           [str(uuid.uuid4())]), role=role)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "GetCarePlan", pb.GetCarePlanRequest(
                      care_plan_id=str(uuid.uuid4())), role=role)
