"""Contract of records versioning: AmendEntry, History, SignEntry,
AddAddendum, MarkEnteredInError, VerifyChain and the roles on them."""

import uuid

import grpc
import pytest

from harness.checks import expect_status

SVC = "records"


def _note(stack, pb, role="clinician", patient_id=None, **kw):
    args = dict(patient_id=patient_id or str(uuid.uuid4()),
                kind=pb.ENTRY_KIND_NOTE, title="Progress note",
                body="Stable overnight.")
    args.update(kw)
    return stack.call(SVC, "CreateEntry", pb.CreateEntryRequest(**args),
                      role=role)


def _amend(stack, pb, e, role="clinician", **kw):
    args = dict(entry_id=e.entry_id, expected_version=e.version,
                title=e.title, body=e.body + " Amended.",
                reason="typo")
    args.update(kw)
    return stack.call(SVC, "AmendEntry", pb.AmendEntryRequest(**args),
                      role=role)


def test_amend_makes_new_version_linked_to_old(stack, pb):
    e1 = _note(stack, pb)
    e2 = _amend(stack, pb, e1, role="nurse")
    assert (e2.entry_id, e2.version, e2.replaces) == (e1.entry_id, 2, 1)
    assert e2.author == stack.user("nurse") and e2.reason == "typo"
    assert e2.status == pb.ENTRY_STATUS_AMENDED
    assert e2.content_sha256 != e1.content_sha256
    assert e2.prev_hash == e1.chain_hash
    assert e2.chain_seq == e1.chain_seq + 1
    old = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e1.entry_id, version=1), role="clinician")
    assert old == e1
    latest = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e1.entry_id), role="clinician")
    assert latest == e2
    hist = stack.call(SVC, "History", pb.HistoryRequest(
        entry_id=e1.entry_id), role="nurse")
    assert [v.version for v in hist.versions] == [1, 2]
    assert hist.versions[0] == e1 and hist.versions[1] == e2


def test_preliminary_stays_preliminary_until_final(stack, pb):
    e1 = _note(stack, pb, status=pb.ENTRY_STATUS_PRELIMINARY)
    assert e1.status == pb.ENTRY_STATUS_PRELIMINARY
    e2 = _amend(stack, pb, e1)
    assert e2.status == pb.ENTRY_STATUS_PRELIMINARY
    e3 = _amend(stack, pb, e2, status=pb.ENTRY_STATUS_FINAL)
    assert e3.status == pb.ENTRY_STATUS_FINAL
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _amend, stack, pb, e3,
                  status=pb.ENTRY_STATUS_PRELIMINARY,
                  details_prefix="status")


def test_amend_stale_version_aborted(stack, pb):
    e1 = _note(stack, pb)
    _amend(stack, pb, e1)
    expect_status(grpc.StatusCode.ABORTED, _amend, stack, pb, e1,
                  details_prefix="expected_version")


def test_amend_unknown_entry_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "AmendEntry",
                  pb.AmendEntryRequest(entry_id=str(uuid.uuid4()),
                                       expected_version=1, title="t",
                                       body="b", reason="r"),
                  role="clinician", details_prefix="entry_id")


@pytest.mark.parametrize("field,kw", [
    ("reason", dict(reason="")),
    ("title", dict(title="")),
    ("content", dict(observation=dict(loinc_code="8867-4", numeric=70,
                                      ucum_unit="/min"))),
])
def test_amend_invalid(stack, pb, field, kw):
    e1 = _note(stack, pb)
    if "observation" in kw:
        kw = dict(observation=pb.Observation(**kw["observation"]))
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, _amend, stack, pb, e1,
                  details_prefix=field, **kw)


def test_sign_locks_and_addendum(stack, pb):
    e1 = _note(stack, pb, status=pb.ENTRY_STATUS_PRELIMINARY)
    s = stack.call(SVC, "SignEntry", pb.SignEntryRequest(
        entry_id=e1.entry_id, version=1), role="clinician")
    assert s.version == 2 and s.replaces == 1 and s.locked
    assert s.signed_by == stack.user("clinician") and s.signed_ms > 0
    assert s.status == pb.ENTRY_STATUS_FINAL
    assert s.body == e1.body
    # Locked: the server refuses an amendment, whoever asks.
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, _amend, stack, pb, s,
                  details_prefix="entry_id")
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "SignEntry", pb.SignEntryRequest(entry_id=e1.entry_id,
                                                   version=2),
                  role="clinician", details_prefix="entry_id")
    a = stack.call(SVC, "AddAddendum", pb.AddAddendumRequest(
        entry_id=e1.entry_id, text="Seen again at 14:00."), role="nurse")
    assert a.version == 3 and a.locked and a.body == e1.body
    assert [x.text for x in a.addenda] == ["Seen again at 14:00."]
    assert a.addenda[0].author == stack.user("nurse")
    stack.call(SVC, "AddAddendum", pb.AddAddendumRequest(
        entry_id=e1.entry_id, text="Second."), role="clinician")
    got = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e1.entry_id), role="clinician")
    assert [x.text for x in got.addenda] == ["Seen again at 14:00.",
                                            "Second."]
    assert [x.version for x in got.addenda] == [3, 4]
    v3 = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=e1.entry_id, version=3), role="clinician")
    assert len(v3.addenda) == 1


def test_sign_only_by_author(stack, pb):
    e1 = _note(stack, pb, role="clinician")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "SignEntry", pb.SignEntryRequest(entry_id=e1.entry_id,
                                                   version=1),
                  role="nurse", details_prefix="entry_id")


def test_sign_stale_version_aborted(stack, pb):
    e1 = _note(stack, pb)
    _amend(stack, pb, e1)
    expect_status(grpc.StatusCode.ABORTED, stack.call, SVC, "SignEntry",
                  pb.SignEntryRequest(entry_id=e1.entry_id, version=1),
                  role="clinician", details_prefix="version")


def test_addendum_needs_signed_entry(stack, pb):
    e1 = _note(stack, pb)
    expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                  "AddAddendum", pb.AddAddendumRequest(
                      entry_id=e1.entry_id, text="x"),
                  role="clinician", details_prefix="entry_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "AddAddendum", pb.AddAddendumRequest(
                      entry_id=e1.entry_id, text=""),
                  role="clinician", details_prefix="text")


def test_entered_in_error_keeps_everything(stack, pb):
    e1 = _note(stack, pb)
    stack.call(SVC, "SignEntry", pb.SignEntryRequest(
        entry_id=e1.entry_id, version=1), role="clinician")
    expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                  "MarkEnteredInError", pb.MarkEnteredInErrorRequest(
                      entry_id=e1.entry_id, expected_version=2,
                      reason="wrong patient"), role="nurse")
    x = stack.call(SVC, "MarkEnteredInError", pb.MarkEnteredInErrorRequest(
        entry_id=e1.entry_id, expected_version=2, reason="wrong patient"),
        role="clinician")
    assert x.version == 3 and x.status == pb.ENTRY_STATUS_ENTERED_IN_ERROR
    assert x.reason == "wrong patient" and x.body == e1.body
    hist = stack.call(SVC, "History", pb.HistoryRequest(
        entry_id=e1.entry_id), role="clinician")
    assert len(hist.versions) == 3 and hist.versions[0] == e1
    for method, req in (
            ("AddAddendum", pb.AddAddendumRequest(entry_id=e1.entry_id,
                                                  text="x")),
            ("MarkEnteredInError", pb.MarkEnteredInErrorRequest(
                entry_id=e1.entry_id, expected_version=3, reason="again"))):
        expect_status(grpc.StatusCode.FAILED_PRECONDITION, stack.call, SVC,
                      method, req, role="clinician",
                      details_prefix="entry_id")
    expect_status(grpc.StatusCode.INVALID_ARGUMENT, stack.call, SVC,
                  "MarkEnteredInError", pb.MarkEnteredInErrorRequest(
                      entry_id=e1.entry_id, expected_version=3),
                  role="clinician", details_prefix="reason")


def test_history_unknown_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "History",
                  pb.HistoryRequest(entry_id=str(uuid.uuid4())),
                  role="clinician", details_prefix="entry_id")


def test_verify_chain_ok_and_links(stack, pb):
    pid = str(uuid.uuid4())
    a = _note(stack, pb, patient_id=pid)
    b = _note(stack, pb, patient_id=pid, role="nurse")
    _amend(stack, pb, a)
    assert b.prev_hash == a.chain_hash
    r = stack.call(SVC, "VerifyChain", pb.VerifyChainRequest(
        patient_id=pid), role="auditor")
    assert r.ok and r.n_versions == 3 and not r.HasField("broken")
    latest = stack.call(SVC, "GetEntry", pb.GetEntryRequest(
        entry_id=a.entry_id), role="clinician")
    assert r.head_hash == latest.chain_hash


def test_verify_chain_unknown_patient_not_found(stack, pb):
    expect_status(grpc.StatusCode.NOT_FOUND, stack.call, SVC, "VerifyChain",
                  pb.VerifyChainRequest(patient_id=str(uuid.uuid4())),
                  role="admin", details_prefix="patient_id")


ROLE_CASES = [
    ("AmendEntry", lambda pb: pb.AmendEntryRequest(
        entry_id=str(uuid.uuid4()), expected_version=1, title="t", body="b",
        reason="r"), ["pharmacist", "registrar", "admin", "auditor"]),
    ("History", lambda pb: pb.HistoryRequest(entry_id=str(uuid.uuid4())),
     ["pharmacist", "registrar", "admin", "auditor"]),
    ("SignEntry", lambda pb: pb.SignEntryRequest(
        entry_id=str(uuid.uuid4()), version=1), ["admin", "auditor"]),
    ("AddAddendum", lambda pb: pb.AddAddendumRequest(
        entry_id=str(uuid.uuid4()), text="x"), ["admin", "service"]),
    ("MarkEnteredInError", lambda pb: pb.MarkEnteredInErrorRequest(
        entry_id=str(uuid.uuid4()), expected_version=1, reason="r"),
     ["admin", "auditor"]),
    ("GetAttachment", lambda pb: pb.GetAttachmentRequest(
        entry_id=str(uuid.uuid4())), ["auditor", "registrar"]),
    ("VerifyChain", lambda pb: pb.VerifyChainRequest(
        patient_id=str(uuid.uuid4())), ["nurse", "pharmacist"]),
    ("ExportFhir", lambda pb: pb.ExportFhirRequest(
        patient_id=str(uuid.uuid4())), ["auditor", "admin"]),
]


@pytest.mark.parametrize("method,make,roles", ROLE_CASES,
                         ids=[c[0] for c in ROLE_CASES])
def test_roles_denied(stack, pb, method, make, roles):
    for role in roles:
        expect_status(grpc.StatusCode.PERMISSION_DENIED, stack.call, SVC,
                      method, make(pb), role=role)
