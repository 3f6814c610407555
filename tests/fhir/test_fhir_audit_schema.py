"""Audit's ExportAuditEventsFhir against HL7's FHIR R4 JSON schema (issue
19): AuditEvent in the IHE BALP shape (type rest, the RPC as subtype,
action code, outcome, the user with roles and purpose of use, the service
as source observer, the patient as entity), paged by seq; auditors and
admins only; a bad patient_id names the field."""

import json
import uuid

import grpc
import pytest

from fhir_checks import assert_valid, check_invariants, resources
from harness import protos
from harness.checks import expect_status, poll

SVC = "audit"


def _export(stack, pb, pid, after_seq=0, page_size=0, role="auditor"):
    return stack.call(SVC, "ExportAuditEventsFhir",
                      pb.ExportAuditEventsFhirRequest(
                          patient_id=pid, after_seq=after_seq,
                          page_size=page_size), role=role, timeout=30)


def _patient_with_reads(stack, n):
    """A patient whose problem list a clinician read n times."""
    dx = protos.module("diagnosis")
    pid = str(uuid.uuid4())
    for _ in range(n):
        stack.call("diagnosis", "ListConditions", dx.ListConditionsRequest(
            patient_id=pid), role="clinician")
    return pid


def _events(stack, pb, pid, n):
    def got():
        b = json.loads(_export(stack, pb, pid, page_size=1000).bundle_json)
        ev = [r for r in resources(b) if r["resourceType"] == "AuditEvent"
              and r["source"]["observer"]["display"] == "diagnosis"]
        return ev if len(ev) >= n else None
    return poll(got, timeout=15, what="%d diagnosis events" % n)


def test_balp_shape_and_schema(stack, pb, validator):
    pid = _patient_with_reads(stack, 2)
    ev = _events(stack, pb, pid, 2)[0]
    bundle = json.loads(_export(stack, pb, pid).bundle_json)
    assert_valid(validator, bundle)
    check_invariants(bundle)
    for r in resources(bundle):
        assert_valid(validator, r)
    assert resources(bundle)[0] == {"resourceType": "Patient", "id": pid}
    assert ev["type"]["code"] == "rest"
    assert ev["subtype"][0]["code"] == \
        "/smartmed.diagnosis.v1.Diagnosis/ListConditions"
    assert (ev["action"], ev["outcome"]) == ("R", "0")
    agent = ev["agent"][0]
    assert agent["who"]["identifier"]["value"] == stack.user("clinician")
    assert agent["requestor"] is True
    assert "clinician" in [c["coding"][0]["code"] for c in agent["role"]]
    assert agent["purposeOfUse"][0]["coding"][0]["code"] == "TREAT"
    assert ev["entity"][0]["what"] == {"reference": "Patient/" + pid}
    assert "meta" not in ev  # no break-glass label on a normal read


def test_pages_by_seq(stack, pb, validator):
    pid = _patient_with_reads(stack, 3)
    _events(stack, pb, pid, 3)
    seen, after = [], 0
    for _ in range(50):
        r = _export(stack, pb, pid, after_seq=after, page_size=2)
        b = json.loads(r.bundle_json)
        assert_valid(validator, b)
        check_invariants(b)
        page = [x["id"] for x in resources(b)
                if x["resourceType"] == "AuditEvent"]
        assert len(page) <= 2 and r.n_resources == len(b.get("entry", []))
        seen += page
        after = r.next_after_seq
        if not after:
            break
    assert len(seen) >= 3 and len(set(seen)) == len(seen)


@pytest.mark.parametrize("role", ["nurse", "clinician"])
def test_care_team_cannot_export(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, _export, stack, pb,
                  str(uuid.uuid4()), role=role)


def test_admin_may_export(stack, pb):
    r = _export(stack, pb, str(uuid.uuid4()), role="admin")
    assert r.next_after_seq == 0


def test_bad_input_names_the_field(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _export, stack, pb,
                  "not a uuid", details_prefix="patient_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _export, stack, pb,
                  str(uuid.uuid4()), page_size=1001,
                  details_prefix="page_size")
