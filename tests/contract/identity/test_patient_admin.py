"""Contract of identity's patient administration on the session stack:
each encounter RPC names the bad field of an empty or malformed request,
an unknown encounter or patient is NOT_FOUND, and the FHIR enum values
the proto comments promise exist with their numbers."""

import uuid

import grpc
import pytest

from harness.checks import expect_status

SVC = "identity"


@pytest.mark.parametrize("method,req,role,field", [
    ("Admit", "AdmitRequest", "registrar", "encounter_class"),
    ("RegisterOutpatientVisit", "RegisterOutpatientVisitRequest",
     "registrar", "patient_id"),
    ("Transfer", "TransferRequest", "registrar", "ward"),
    ("Discharge", "DischargeRequest", "registrar", "encounter_id"),
    ("ListEncounters", "ListEncountersRequest", "nurse", "patient_id"),
    ("GetCurrentEncounter", "GetCurrentEncounterRequest", "clinician",
     "patient_id"),
    ("GetEncounterHistory", "GetEncounterHistoryRequest", "clinician",
     "encounter_id"),
    ("CheckCareRelationship", "CheckCareRelationshipRequest", "admin",
     "patient_id"),
])
def test_empty_request_names_the_field(stack, pb, method, req, role, field):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC, method,
                  getattr(pb, req)(), role=role, details_prefix=field)


def test_unknown_ids_are_not_found(stack, pb):
    nobody = str(uuid.uuid4())
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "GetEncounterHistory",
                  pb.GetEncounterHistoryRequest(encounter_id=nobody),
                  role="clinician", details_prefix="encounter_id")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "ListEncounters",
                  pb.ListEncountersRequest(patient_id=nobody),
                  role="nurse", details_prefix="patient_id")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC,
                  "RegisterOutpatientVisit",
                  pb.RegisterOutpatientVisitRequest(
                      patient_id=nobody, unit="OPD", attending="dr.x"),
                  role="registrar", details_prefix="patient_id")


def test_fhir_codes(pb):
    assert [pb.ENCOUNTER_STATUS_PLANNED, pb.ENCOUNTER_STATUS_IN_PROGRESS,
            pb.ENCOUNTER_STATUS_FINISHED, pb.ENCOUNTER_STATUS_CANCELLED] == \
        [1, 2, 3, 4]
    assert [pb.ENCOUNTER_CLASS_INPATIENT, pb.ENCOUNTER_CLASS_AMBULATORY,
            pb.ENCOUNTER_CLASS_EMERGENCY] == [1, 2, 3]
