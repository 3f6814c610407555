"""Contract of audit's ReadFhir (issue 35): one AuditEvent of the export
by its id (the event's), as ExportAuditEventsFhir writes it, version 1
and the time it was stored; NOT_FOUND for an unknown id and any other
version; INVALID_ARGUMENT naming the field; the export's readers only
(auditor, admin)."""

import json
import uuid

import grpc

from harness import protos
from harness.checks import expect_status, poll

SVC = "audit"


def _read(stack, pb, id_, version=0, role="auditor", type_="AuditEvent"):
    return stack.call(SVC, "ReadFhir", pb.ReadFhirRequest(
        type=type_, id=id_, version=version), role=role)


def _events(stack, pb, n):
    """n AuditEvents of a fresh patient whose conditions were read."""
    dx = protos.module("diagnosis")
    pid = str(uuid.uuid4())
    for _ in range(n):
        stack.call("diagnosis", "ListConditions", dx.ListConditionsRequest(
            patient_id=pid), role="clinician")

    def got():
        r = stack.call(SVC, "ExportAuditEventsFhir",
                       pb.ExportAuditEventsFhirRequest(patient_id=pid),
                       role="auditor", timeout=30)
        entries = json.loads(r.bundle_json).get("entry", [])
        ev = [e["resource"] for e in entries
              if e["resource"]["resourceType"] == "AuditEvent"]
        return ev if len(ev) >= n else None
    return pid, poll(got, timeout=15, what="%d events" % n)


def test_reads_as_exported(stack, pb):
    pid, events = _events(stack, pb, 2)
    for ev in events:
        for role in ("auditor", "admin"):
            r = _read(stack, pb, ev["id"], role=role)
            assert json.loads(r.resource_json) == ev
            assert (r.version, r.patient_id, r.versions_kept) == (
                1, pid, False)
            assert r.last_updated_ms > 0
        assert _read(stack, pb, ev["id"], version=1).version == 1


def test_not_found_invalid_and_roles(stack, pb):
    _, events = _events(stack, pb, 1)
    for id_, version in ((str(uuid.uuid4()), 0), (events[0]["id"], 2)):
        expect_status(grpc.StatusCode.NOT_FOUND, _read, stack, pb, id_,
                      version, details_prefix="id: no AuditEvent")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                  events[0]["id"], type_="Provenance",
                  details_prefix="type:")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _read, stack, pb,
                  "a b", details_prefix="id:")
    for role in ("clinician", "nurse", "registrar"):
        expect_status(grpc.StatusCode.PERMISSION_DENIED, _read, stack, pb,
                      events[0]["id"], role=role)
