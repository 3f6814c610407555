"""Contract of the problem list's FHIR R4 rules and versions:
UpdateCondition, ConditionHistory, ICD-10 codes, the full clinical and
verification status sets, onset and abatement."""

import uuid

import grpc
import pytest

from harness import metrics
from harness.checks import expect_status

SVC = "diagnosis"


def _add(stack, pb, **kw):
    args = dict(patient_id=str(uuid.uuid4()), code_system="ICD-10",
                code="J18.9", display="Pneumonia, unspecified",
                clinical_status=pb.CLINICAL_STATUS_ACTIVE,
                verification_status=pb.VERIFICATION_STATUS_PROVISIONAL,
                onset_date="2024-01-02")
    args.update(kw)
    return stack.call(SVC, "AddCondition", pb.AddConditionRequest(**args),
                      role="clinician")


def _update(stack, pb, c, role="clinician", **kw):
    args = dict(condition_id=c.condition_id, expected_version=c.version,
                display=c.display, clinical_status=c.clinical_status,
                verification_status=c.verification_status,
                onset_date=c.onset_date, abatement_date=c.abatement_date,
                note=c.note, reason="review")
    args.update(kw)
    return stack.call(SVC, "UpdateCondition",
                      pb.UpdateConditionRequest(**args), role=role)


def test_update_writes_versions_and_history(stack, pb):
    c1 = _add(stack, pb)
    assert c1.version == 1 and c1.updated_by == stack.user("clinician")
    assert c1.updated_ms == c1.recorded_ms
    c2 = _update(stack, pb, c1,
                 verification_status=pb.VERIFICATION_STATUS_CONFIRMED,
                 reason="CXR confirms")
    assert c2.version == 2 and c2.change_reason == "CXR confirms"
    assert c2.condition_id == c1.condition_id
    assert c2.recorded_ms == c1.recorded_ms and c2.updated_ms >= c1.updated_ms
    c3 = _update(stack, pb, c2, clinical_status=pb.CLINICAL_STATUS_RESOLVED,
                 abatement_date="2024-02-01", reason="resolved")
    assert (c3.version, c3.abatement_date) == (3, "2024-02-01")
    for role in ("clinician", "nurse"):
        h = stack.call(SVC, "ConditionHistory", pb.ConditionHistoryRequest(
            condition_id=c1.condition_id), role=role)
        assert list(h.versions) == [c1, c2, c3]
    lst = stack.call(SVC, "ListConditions", pb.ListConditionsRequest(
        patient_id=c1.patient_id), role="nurse")
    assert list(lst.conditions) == [c3]
    # The care decision was made before the condition's row lock.
    assert metrics.care_decisions_in_tx(stack, SVC, "UpdateCondition") == 0


def test_stale_version_aborted_and_nothing_written(stack, pb):
    c1 = _add(stack, pb)
    _update(stack, pb, c1, display="Pneumonia (lobar)")
    expect_status(grpc.StatusCode.ABORTED, _update, stack, pb, c1,
                  display="other", details_prefix="expected_version")
    h = stack.call(SVC, "ConditionHistory", pb.ConditionHistoryRequest(
        condition_id=c1.condition_id), role="nurse")
    assert [v.version for v in h.versions] == [1, 2]
    assert h.versions[-1].display == "Pneumonia (lobar)"


def test_all_fhir_statuses(stack, pb):
    for cs in ("ACTIVE", "RECURRENCE", "RELAPSE", "INACTIVE", "REMISSION",
               "RESOLVED"):
        for vs in ("UNCONFIRMED", "PROVISIONAL", "DIFFERENTIAL",
                   "CONFIRMED", "REFUTED"):
            c = _add(stack, pb,
                     clinical_status=getattr(pb, "CLINICAL_STATUS_" + cs),
                     verification_status=getattr(
                         pb, "VERIFICATION_STATUS_" + vs))
            assert c.clinical_status == getattr(pb, "CLINICAL_STATUS_" + cs)


def test_entered_in_error_has_no_clinical_status(stack, pb):
    c = _add(stack, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _update, stack, pb, c,
                  verification_status=pb.VERIFICATION_STATUS_ENTERED_IN_ERROR,
                  details_prefix="clinical_status")
    e = _update(stack, pb, c, clinical_status=0,
                verification_status=pb.VERIFICATION_STATUS_ENTERED_IN_ERROR,
                reason="wrong patient")
    assert e.verification_status == pb.VERIFICATION_STATUS_ENTERED_IN_ERROR
    assert e.clinical_status == 0 and e.version == 2


@pytest.mark.parametrize("code", ["J18.9", "I10", "E11.65", "S72.001A",
                                  "J189", "U07.1"])
def test_icd10_valid(stack, pb, code):
    assert _add(stack, pb, code=code).code == code


@pytest.mark.parametrize("code", ["j18.9", "18.9", "J1", "J18.", "J18.12345",
                                  "J18-9", "JJ8.9", "J18.9 ", "J18.é"])
def test_icd10_invalid(stack, pb, code):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT,
                  lambda: _add(stack, pb, code=code), details_prefix="code")


def test_other_code_systems_free_text(stack, pb):
    c = _add(stack, pb, code_system="SNOMED-CT", code="233604007")
    assert c.code == "233604007"


@pytest.mark.parametrize("field,kw", [
    ("abatement_date", dict(abatement_date="2024-01-05")),  # still active
    ("abatement_date", dict(clinical_status=4, abatement_date="2023-12-01")),
    ("abatement_date", dict(clinical_status=4, abatement_date="2024-02-30")),
    ("clinical_status", dict(clinical_status=99)),
    ("verification_status", dict(verification_status=99)),
])
def test_add_fhir_invariants(stack, pb, field, kw):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _add, stack, pb,
                  details_prefix=field, **kw)


def test_abated_resolved_ok(stack, pb):
    c = _add(stack, pb, clinical_status=pb.CLINICAL_STATUS_REMISSION,
             abatement_date="2024-01-10")
    assert c.abatement_date == "2024-01-10"


@pytest.mark.parametrize("field,kw", [
    ("condition_id", dict(condition_id="nope")),
    ("expected_version", dict(expected_version=0)),
    ("display", dict(display="")),
    ("reason", dict(reason="")),
    ("onset_date", dict(onset_date="2999-01-01")),
])
def test_update_invalid(stack, pb, field, kw):
    c = _add(stack, pb)
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _update, stack, pb, c,
                  details_prefix=field, **kw)


def test_update_and_history_unknown_not_found(stack, pb):
    c = _add(stack, pb)
    expect_status(grpc.StatusCode.NOT_FOUND, _update, stack, pb, c,
                  condition_id=str(uuid.uuid4()),
                  details_prefix="condition_id")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "ConditionHistory", pb.ConditionHistoryRequest(
                      condition_id=str(uuid.uuid4())), role="clinician",
                  details_prefix="condition_id")


@pytest.mark.parametrize("role", ["nurse", "pharmacist", "registrar",
                                  "auditor"])
def test_update_only_clinicians(stack, pb, role):
    c = _add(stack, pb)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _update, stack, pb, c,
                  role=role)
