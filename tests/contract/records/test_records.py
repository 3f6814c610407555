"""Contract of smartmed.records.v1.Records (versioned record entries)."""

import re
import uuid

import grpc
import pytest

from harness import protos
from harness.checks import expect_status, field_bytes

SVC = "records"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _req(pb, **kw):
    args = dict(patient_id=str(uuid.uuid4()), kind=pb.ENTRY_KIND_NOTE,
                title="Admission note", body="Patient admitted for review.")
    args.update(kw)
    return pb.CreateEntryRequest(**args)


def test_create_get_list(stack, pb):
    req = _req(pb)
    e = stack.call(SVC, "CreateEntry", req, role="clinician")
    assert e.entry_id
    assert e.patient_id == req.patient_id
    assert e.kind == pb.ENTRY_KIND_NOTE
    assert e.title == req.title and e.body == req.body
    assert e.version == 1
    assert e.author == stack.user("clinician")
    assert e.created_ms > 0
    assert HEX64.match(e.content_sha256), e.content_sha256
    assert e.status == pb.ENTRY_STATUS_FINAL and e.replaces == 0
    assert not e.locked and e.chain_seq >= 1
    assert HEX64.match(e.chain_hash), e.chain_hash

    latest = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e.entry_id), role="nurse")
    assert latest == e
    v1 = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e.entry_id, version=1), role="clinician")
    assert v1 == e

    e2 = stack.call(SVC, "CreateEntry", _req(
        pb, patient_id=req.patient_id, kind=pb.ENTRY_KIND_OBSERVATION,
        title="Temperature", body="", observation=pb.Observation(
            loinc_code="8310-5", numeric=37.2, ucum_unit="Cel")),
        role="nurse")
    assert e2.observation.ucum_unit == "Cel"
    assert e2.author == stack.user("nurse")
    # Entry ids are time-ordered (UUID v7: Unix ms first), so that the
    # entries table, clustered on them, grows at its right edge.
    for x in (e, e2):
        u = uuid.UUID(x.entry_id)
        assert u.version == 7 and abs((u.int >> 80) - x.created_ms) < 60000
    assert e2.entry_id > e.entry_id
    lst = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=req.patient_id), role="clinician")
    assert [x.entry_id for x in lst.entries] == [e2.entry_id, e.entry_id]


def test_same_content_same_hash_different_content_different(stack, pb):
    a = stack.call(SVC, "CreateEntry", _req(pb, body="x"), role="clinician")
    b = stack.call(SVC, "CreateEntry", _req(pb, body="y"), role="clinician")
    assert a.content_sha256 != b.content_sha256


def test_list_other_patient_empty(stack, pb):
    lst = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
        patient_id=str(uuid.uuid4())), role="clinician")
    assert list(lst.entries) == []
    assert lst.page.next_page_token == ""


def test_list_pages(stack, pb):
    pid = str(uuid.uuid4())
    made = [stack.call(SVC, "CreateEntry", _req(pb, patient_id=pid,
                                                 title="t%d" % i),
                       role="clinician").entry_id for i in range(3)]
    common = protos.common()
    seen, token = [], ""
    for _ in range(5):
        r = stack.call(SVC, "ListEntries", pb.ListEntriesRequest(
            patient_id=pid, page=common.PageRequest(page_size=2,
                                                    page_token=token)),
            role="clinician")
        assert len(r.entries) <= 2
        seen += [x.entry_id for x in r.entries]
        token = r.page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(made) and len(seen) == 3


def test_get_unknown_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "GetEntry",
                  pb.GetEntryRequest(entry_id=str(uuid.uuid4())),
                  role="clinician")


def test_get_unknown_version_not_found(stack, pb):
    e = stack.call(SVC, "CreateEntry", _req(pb), role="clinician")
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "GetEntry",
                  pb.GetEntryRequest(entry_id=e.entry_id, version=7),
                  role="clinician")


@pytest.mark.parametrize("field,kw", [
    ("kind", dict(kind=0)),
    ("patient_id", dict(patient_id="")),
    ("title", dict(title="")),
    ("title", dict(title="t" * 201)),
    ("body", dict(body="b" * (64 * 1024 + 1))),
    ("body", dict(body="")),
    ("status", dict(status=4)),
])
def test_create_invalid_field(stack, pb, field, kw):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreateEntry", _req(pb, **kw), role="clinician",
                  details_prefix=field)


def test_get_empty_id_invalid(stack, pb):
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "GetEntry", pb.GetEntryRequest(), role="clinician",
                  details_prefix="entry_id")


def test_invalid_utf8_invalid_argument(stack, pb):
    base = _req(pb)
    base.ClearField("title")
    raw = base.SerializeToString() + field_bytes(3, b"\xc3\x28bad")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreateEntry", raw, role="clinician",
                  details_prefix="title")


def test_no_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC,
                  "CreateEntry", _req(pb))


def test_wrong_token_unauthenticated(stack, pb):
    expect_status(grpc.StatusCode.UNAUTHENTICATED, stack.call, SVC,
                  "CreateEntry", _req(pb), token="wrong-token")


@pytest.mark.parametrize("role", ["pharmacist", "registrar", "auditor"])
def test_wrong_role_permission_denied(stack, pb, role):
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "CreateEntry", _req(pb), role=role)
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "ListEntries", pb.ListEntriesRequest(
                      patient_id=str(uuid.uuid4())), role=role)


def test_unknown_kind_value_invalid(stack, pb):
    raw = _req(pb).SerializeToString() + b"\x10\x63"  # kind = 99
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "CreateEntry", raw, role="clinician",
                  details_prefix="kind")
