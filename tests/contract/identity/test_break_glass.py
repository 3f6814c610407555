"""Contract of identity's break-glass RPCs on the session stack: an empty
or malformed request names its field, an unknown patient or grant is
NOT_FOUND, and CheckCareRelationship answers "related by break-glass" with
the grant while it is active and "none" once it has ended."""

import uuid

import grpc
import pytest

from harness.checks import expect_status
from harness.stack import USERS

SVC = "identity"
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("method,req,field", [
    ("StartBreakGlass", "StartBreakGlassRequest", "patient_id"),
    ("EndBreakGlass", "EndBreakGlassRequest", "grant_id"),
])
def test_empty_request_names_the_field(stack, pb, method, req, field):
    expect_status(INVALID, stack.call, SVC, method, getattr(pb, req)(),
                  role="nurse", details_prefix=field)


def test_malformed_fields(stack, pb):
    expect_status(INVALID, stack.call, SVC, "ListBreakGlass",
                  pb.ListBreakGlassRequest(patient_id="ward-3"),
                  role="nurse", details_prefix="patient_id")
    expect_status(INVALID, stack.call, SVC, "EndBreakGlass",
                  pb.EndBreakGlassRequest(grant_id="A" * 32),
                  role="nurse", details_prefix="grant_id")
    expect_status(INVALID, stack.call, SVC, "StartBreakGlass",
                  pb.StartBreakGlassRequest(patient_id=str(uuid.uuid4()),
                                            reason="life_threat"),
                  role="nurse", details_prefix="reason")


def test_unknown_ids_are_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "StartBreakGlass",
                  pb.StartBreakGlassRequest(patient_id=str(uuid.uuid4()),
                                            reason="DISASTER"),
                  role="clinician", details_prefix="patient_id")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "EndBreakGlass",
                  pb.EndBreakGlassRequest(grant_id=uuid.uuid4().hex),
                  role="admin", details_prefix="grant_id")


def check(stack, pb, pid):
    return stack.call(SVC, "CheckCareRelationship",
                      pb.CheckCareRelationshipRequest(
                          patient_id=pid, user=USERS["nurse"]),
                      role="admin")


def test_care_check_answers_by_break_glass(stack, pb):
    pid = stack.call(SVC, "CreatePatient", pb.CreatePatientRequest(
        mrn="BG-" + uuid.uuid4().hex[:12].upper(), family_name="Glass",
        birth_date="1970-01-01", sex=pb.ADMINISTRATIVE_SEX_MALE),
        role="registrar").patient_id
    assert not check(stack, pb, pid).related
    g = stack.call(SVC, "StartBreakGlass", pb.StartBreakGlassRequest(
        patient_id=pid, reason="CARE_TEAM_UNAVAILABLE", minutes=5),
        role="nurse")
    a = check(stack, pb, pid)
    assert a.related and a.via_break_glass and a.grant_id == g.grant_id
    assert a.relationship == pb.CARE_RELATIONSHIP_BREAK_GLASS
    assert a.until_ms == g.expires_ms
    stack.call(SVC, "EndBreakGlass",
               pb.EndBreakGlassRequest(grant_id=g.grant_id), role="nurse")
    a = check(stack, pb, pid)
    assert not a.related and not a.via_break_glass and a.grant_id == ""
