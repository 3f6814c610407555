"""Contract of smartmed.diagnosis.v1.Diagnosis (the problem list)."""

import uuid

import grpc
import pytest

from harness.checks import expect_status, field_bytes

SVC = "diagnosis"


def _req(pb, **kw):
    args = dict(patient_id=str(uuid.uuid4()), code_system="ICD-10",
                code="J18.9", display="Pneumonia, unspecified",
                clinical_status=pb.CLINICAL_STATUS_ACTIVE,
                verification_status=pb.VERIFICATION_STATUS_CONFIRMED,
                onset_date="2024-01-02", note="Right lower lobe.")
    args.update(kw)
    return pb.AddConditionRequest(**args)


def test_add_then_list(stack, pb):
    req = _req(pb)
    c = stack.call(SVC, "AddCondition", req, role="clinician")
    assert c.condition_id
    assert c.patient_id == req.patient_id
    assert (c.code_system, c.code, c.display) == ("ICD-10", "J18.9",
                                                   req.display)
    assert c.clinical_status == pb.CLINICAL_STATUS_ACTIVE
    assert c.verification_status == pb.VERIFICATION_STATUS_CONFIRMED
    assert c.onset_date == "2024-01-02"
    assert c.note == req.note
    assert c.recorded_by == stack.user("clinician")
    assert c.recorded_ms > 0

    c2 = stack.call(SVC, "AddCondition", _req(
        pb, patient_id=req.patient_id, code="I10",
        display="Essential hypertension", onset_date=""), role="clinician")
    # Newest first; two added in the same millisecond come in id order
    # (the list's documented order), so the test does not assume which.
    want = sorted([c, c2], key=lambda x: (-x.recorded_ms, x.condition_id))
    for role in ("clinician", "nurse"):
        lst = stack.call(SVC, "ListConditions", pb.ListConditionsRequest(
            patient_id=req.patient_id), role=role)
        assert list(lst.conditions) == want


def test_list_unknown_patient_empty(stack, pb):
    lst = stack.call(SVC, "ListConditions", pb.ListConditionsRequest(
        patient_id=str(uuid.uuid4())), role="nurse")
    assert list(lst.conditions) == []


@pytest.mark.parametrize("field,kw", [
    ("code", dict(code="")),
    ("patient_id", dict(patient_id="")),
    ("code_system", dict(code_system="")),
    ("display", dict(display="")),
    ("clinical_status", dict(clinical_status=0)),
    ("verification_status", dict(verification_status=0)),
    ("onset_date", dict(onset_date="2024-02-30")),
    ("note", dict(note="n" * (4 * 1024 + 1))),
])
def test_add_invalid_field(stack, pb, field, kw):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "AddCondition", _req(pb, **kw), role="clinician",
                  details_prefix=field)


def test_list_without_patient_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ListConditions", pb.ListConditionsRequest(),
                  role="clinician", details_prefix="patient_id")


def test_invalid_utf8_invalid_argument(stack, pb):
    raw = field_bytes(1, b"\xf0\x28\x8c\x28")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "ListConditions", raw, role="clinician",
                  details_prefix="patient_id")


def test_no_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC,
                  "AddCondition", _req(pb))


def test_wrong_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC,
                  "AddCondition", _req(pb), token="wrong-token")


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "registrar",
                                  "auditor"])
def test_add_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "AddCondition", _req(pb), role=role)


@pytest.mark.parametrize("role", ["pharmacist", "registrar"])
def test_list_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "ListConditions", pb.ListConditionsRequest(
                      patient_id=str(uuid.uuid4())), role=role)
